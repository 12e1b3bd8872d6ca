"""Monthly payroll runs: draft → review → approved → locked, over the pay engine in ``app.payroll``.

A run is atomic: every employee is computed in memory first; only when all succeed is the draft
written, in one transaction, replacing an earlier draft of the month. A locked month is never
recomputed; corrections go into a later month as adjustment inputs (补发/补扣).

What a run stores per employee: one ``PayrollLine`` per pay item (amount in fen) plus the tax-month
figures under reserved codes (``_gross``, ``_tax_free``, ``_special``, ``_additional``, ``_other``,
``_tax``, ``_net``), which the withholding of the following months of the year reads back.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path

from sqlalchemy import delete, func, insert, select

from app.db.tables import (
    AttendanceAdjustment,
    AttendanceMonth,
    Department,
    Employee,
    PayProfile,
    PayrollLine,
    PayrollRun,
    Person,
    Position,
    RosterEntry,
    ShiftType,
    utcnow,
)
from app.domain.org import Month
from app.errors import AppError, Conflict, InvalidInput, NotFound
from app.i18n import N_, _
from app.payroll.money import ZERO
from app.payroll.rules import OvertimeHours
from app.payroll.social import CitySettings, ContributionBases, load_city_settings
from app.payroll.structure import AttendanceSummary, EmployeeProfile, PayResult, PayStructure, evaluate_month, load_structure
from app.payroll.tax import MonthInput
from app.services.base import Service
from app.tasks import NEVER_CANCELLED, CancelToken, ChangeSet, ProgressFn, no_progress

log = logging.getLogger(__name__)

STATES = ("draft", "review", "approved", "locked")
STATE_LABELS = {"draft": N_("draft"), "review": N_("in review"), "approved": N_("approved"), "locked": N_("locked")}
TAX_CODES = ("_gross", "_tax_free", "_special", "_additional", "_other", "_tax", "_net")
DEFAULT_CITY = "default"
UNUSUAL_CHANGE_PCT = Decimal("20")


def fen(amount: Decimal) -> int:
    return int((amount * 100).to_integral_value())


def yuan(fen_amount: int) -> Decimal:
    return (Decimal(fen_amount) / 100).quantize(Decimal("0.01"))


@dataclass(frozen=True)
class RunSummary:
    id: int
    month: str
    kind: str
    state: str
    headcount: int
    total_gross_fen: int
    total_net_fen: int
    history: tuple[dict[str, str], ...]
    warnings: int


@dataclass(frozen=True)
class ReviewRow:
    employee_id: int
    staff_no: str
    name: str
    department: str
    gross_fen: int
    net_fen: int
    previous_net_fen: int | None
    change_pct: float | None
    causes: tuple[str, ...]  # items that changed most, "夜班费 +320.00"
    flags: tuple[str, ...]  # translated review flags


@dataclass(frozen=True)
class _Staff:
    employee: Employee
    person: Person
    profile: PayProfile
    department: str
    position_title: str


class PayrollService(Service):
    def __init__(
        self,
        factory,  # type: ignore[no-untyped-def]
        structure_loader: Callable[[], PayStructure] = load_structure,
        city_loader: Callable[[], dict[str, CitySettings]] = load_city_settings,
    ) -> None:
        super().__init__(factory)
        self._structure_loader = structure_loader
        self._city_loader = city_loader
        self._structure: PayStructure | None = None

    # ---------------------------------------------------------------- settings
    def structure(self) -> PayStructure:
        if self._structure is None:
            self._structure = self._structure_loader()
        return self._structure

    def city(self) -> CitySettings:
        cities = self._city_loader()
        return cities.get(DEFAULT_CITY) or next(iter(cities.values()))

    # ---------------------------------------------------------------- queries
    def runs(self) -> list[RunSummary]:
        with self._uow() as s:
            return [_summary(r) for r in s.scalars(select(PayrollRun).order_by(PayrollRun.month.desc())).all()]

    def run_for(self, month: str, kind: str = "regular") -> RunSummary | None:
        with self._uow() as s:
            run = s.scalar(select(PayrollRun).where(PayrollRun.month == month, PayrollRun.kind == kind))
            return _summary(run) if run else None

    # ---------------------------------------------------------------- computing
    def compute(
        self,
        month: str,
        *,
        progress: ProgressFn = no_progress,
        cancel: CancelToken = NEVER_CANCELLED,
    ) -> tuple[list[PayResult], list[dict[str, object]]]:
        """Results for every employee paid in ``month``, and the run's warnings. Writes nothing."""
        m = _parse_month(month)
        first, last = m.first_day(), m.days()[-1]
        structure, city = self.structure(), self.city()
        with self._uow() as s:
            staff = self._staff(s, first, last)
            attendance = self._attendance(s, m, [st.employee.id for st in staff])
            prior = self._prior_tax_months(s, m)
        results: list[PayResult] = []
        warnings: list[dict[str, object]] = []
        for i, st in enumerate(staff):
            cancel.raise_if_cancelled()
            if i % 100 == 0:
                progress(i, len(staff), _("Computing pay"))
            summary, locked = attendance.get(st.employee.id, (AttendanceSummary(m.year, m.month), False))
            try:
                result = evaluate_month(structure, _profile(st, first), summary, city, prior.get(st.employee.id, ()))
            except AppError as exc:
                raise AppError(
                    _("Payroll stopped at {staff_no} {name}: {problem}. Nothing was saved; correct the pay profile "
                      "and run again.").format(staff_no=st.employee.staff_no, name=st.person.name, problem=exc.message)
                ) from exc
            results.append(result)
            for w in result.warnings:
                warnings.append({"employee_id": st.employee.id, "text": w})
            if not locked:
                warnings.append({"employee_id": st.employee.id,
                                 "text": _("attendance for {month} is not locked").format(month=month)})
        progress(len(staff), len(staff), _("Computing pay"))
        return results, warnings

    def run_draft(
        self,
        month: str,
        *,
        user: str = "",
        progress: ProgressFn = no_progress,
        cancel: CancelToken = NEVER_CANCELLED,
    ) -> RunSummary:
        """Compute the month and store it as the draft (replacing an earlier draft), atomically."""
        with self._uow() as s:
            existing = s.scalar(select(PayrollRun).where(PayrollRun.month == month, PayrollRun.kind == "regular"))
            if existing is not None and existing.state != "draft":
                raise Conflict(
                    _("The payroll for {month} is {state}; it cannot be recalculated. Book corrections as "
                      "adjustments in a later month.").format(month=month, state=_(STATE_LABELS[existing.state]))
                )
        results, warnings = self.compute(month, progress=progress, cancel=cancel)
        cancel.raise_if_cancelled()
        with self._uow(write=True) as s:
            run = s.scalar(select(PayrollRun).where(PayrollRun.month == month, PayrollRun.kind == "regular"))
            if run is not None and run.state != "draft":
                raise Conflict(_("Someone locked or approved this month meanwhile; nothing was saved."))
            if run is None:
                run = PayrollRun(month=month, kind="regular", state="draft", history=[])
                s.add(run)
                s.flush()
            else:
                s.execute(delete(PayrollLine).where(PayrollLine.run_id == run.id))
            rows = []
            for r in results:
                emp_id = int(r.employee_id)
                for line in r.lines:
                    rows.append({"run_id": run.id, "employee_id": emp_id, "item_code": line.code, "amount_fen": fen(line.amount)})
                t = r.tax_month
                for code, amount in zip(
                    TAX_CODES,
                    (t.gross, t.tax_free, t.special_deduction, t.special_additional_deduction, t.other_deduction, r.tax, r.net),
                    strict=True,
                ):
                    rows.append({"run_id": run.id, "employee_id": emp_id, "item_code": code, "amount_fen": fen(amount)})
            if rows:
                s.execute(insert(PayrollLine), rows)
            run.headcount = len(results)
            run.total_gross_fen = sum(fen(r.gross) for r in results)
            run.total_net_fen = sum(fen(r.net) for r in results)
            run.warnings = warnings
            run.history = [*run.history, {"state": "draft", "by": user, "at": utcnow().isoformat(timespec="seconds")}]
            s.flush()
            return _summary(run)

    def advance(self, month: str, to_state: str, *, user: str = "", expected_version: int | None = None) -> RunSummary:
        """Move a run one step: draft → review → approved → locked (or back to draft from review)."""
        if to_state not in STATES:
            raise InvalidInput(_("Unknown payroll state {state}.").format(state=to_state))
        with self._uow(write=True) as s:
            run = s.scalar(select(PayrollRun).where(PayrollRun.month == month, PayrollRun.kind == "regular"))
            if run is None:
                raise NotFound(_("There is no payroll for {month} yet. Calculate it first.").format(month=month))
            if expected_version is not None and run.version != expected_version:
                raise Conflict(_("The payroll for {month} was changed on another workstation; reload it.").format(month=month))
            allowed = {"draft": {"review"}, "review": {"approved", "draft"}, "approved": {"locked", "draft"}, "locked": set()}
            if to_state not in allowed[run.state]:
                raise Conflict(
                    _("A payroll that is {current} cannot become {target}.").format(
                        current=_(STATE_LABELS[run.state]), target=_(STATE_LABELS[to_state]))
                )
            run.state = to_state
            run.history = [*run.history, {"state": to_state, "by": user, "at": utcnow().isoformat(timespec="seconds")}]
            s.flush()
            return _summary(run)

    # ---------------------------------------------------------------- review
    def review(self, month: str) -> list[ReviewRow]:
        """Each person's difference from the previous month, with the items that caused it, and flags."""
        m = _parse_month(month)
        prev_month = str(_previous(m))
        structure = self.structure()
        names = {it.code: it.name for it in structure.items}
        with self._uow() as s:
            run = s.scalar(select(PayrollRun).where(PayrollRun.month == month, PayrollRun.kind == "regular"))
            if run is None:
                raise NotFound(_("There is no payroll for {month} yet. Calculate it first.").format(month=month))
            prev = s.scalar(select(PayrollRun).where(PayrollRun.month == prev_month, PayrollRun.kind == "regular"))
            lines = _lines(s, run.id)
            prev_lines = _lines(s, prev.id) if prev else {}
            people = {
                e.id: (e.staff_no, p.name, d, pp.bank_account)
                for e, p, d, pp in s.execute(
                    select(Employee, Person, Department.name, PayProfile)
                    .join(Person, Employee.person_id == Person.id)
                    .join(Department, Employee.department_id == Department.id)
                    .outerjoin(PayProfile, PayProfile.employee_id == Employee.id)
                ).all()
            }
            warn_by_emp: dict[int, list[str]] = defaultdict(list)
            for w in run.warnings:
                warn_by_emp[int(w["employee_id"])].append(str(w["text"]))
        rows = []
        for emp_id, items in lines.items():
            staff_no, name, dept, bank = people.get(emp_id, ("", "", "", None))
            net, gross = items.get("_net", 0), items.get("_gross", 0)
            before = prev_lines.get(emp_id)
            prev_net = before.get("_net") if before else None
            change = None if not prev_net else (net - prev_net) * 100.0 / prev_net
            causes: list[str] = []
            if before:
                deltas = [
                    (code, items.get(code, 0) - before.get(code, 0))
                    for code in set(items) | set(before)
                    if not code.startswith("_") and items.get(code, 0) != before.get(code, 0)
                ]
                deltas.sort(key=lambda d: -abs(d[1]))
                causes = [f"{names.get(code, code)} {yuan(delta):+}" for code, delta in deltas[:3]]
            flags: list[str] = []
            if change is not None and abs(change) >= float(UNUSUAL_CHANGE_PCT):
                flags.append(_("net pay changed by {pct:+.0f}%").format(pct=change))
            if net < 0:
                flags.append(_("negative net pay"))
            if not bank:
                flags.append(_("no bank account"))
            flags.extend(warn_by_emp.get(emp_id, []))
            rows.append(ReviewRow(emp_id, staff_no, name, dept, gross, net, prev_net, change, tuple(causes), tuple(flags)))
        rows.sort(key=lambda r: (not r.flags, r.staff_no))
        return rows

    # ---------------------------------------------------------------- outputs
    def results(self, month: str) -> list[PayResult]:
        """The stored run of ``month`` turned back into engine results (for the sheet and payslips)."""
        from app.payroll.structure import PayLine

        structure = self.structure()
        items = {it.code: it for it in structure.items}
        with self._uow() as s:
            run = s.scalar(select(PayrollRun).where(PayrollRun.month == month, PayrollRun.kind == "regular"))
            if run is None:
                raise NotFound(_("There is no payroll for {month} yet. Calculate it first.").format(month=month))
            lines = _lines(s, run.id)
            people = dict(
                (e.id, (e.staff_no, p.name, d))
                for e, p, d in s.execute(
                    select(Employee, Person, Department.name)
                    .join(Person, Employee.person_id == Person.id)
                    .join(Department, Employee.department_id == Department.id)
                ).all()
            )
        m = _parse_month(month)
        out = []
        for emp_id, amounts in sorted(lines.items()):
            staff_no, name, dept = people.get(emp_id, (str(emp_id), "", ""))
            pay_lines = tuple(
                PayLine(it.code, it.name, it.category, yuan(amounts[it.code]), "")
                for it in structure.items
                if it.code in amounts
            )
            extra = tuple(
                PayLine(code, code, "earning", yuan(v), "")
                for code, v in amounts.items()
                if not code.startswith("_") and code not in items
            )
            contributions = sum((ln.amount for ln in pay_lines if ln.category == "contribution"), ZERO)
            post_tax = sum((ln.amount for ln in pay_lines if ln.category == "post_tax"), ZERO)
            tax_month = MonthInput(
                m.month, yuan(amounts.get("_gross", 0)), yuan(amounts.get("_tax_free", 0)),
                yuan(amounts.get("_special", 0)), yuan(amounts.get("_additional", 0)), yuan(amounts.get("_other", 0)),
            )
            gross = yuan(amounts.get("_gross", 0))
            out.append(PayResult(
                staff_no, name, dept, m.year, m.month, pay_lines + extra, gross, tax_month.tax_free, contributions,
                tax_month.other_deduction, gross - tax_month.tax_free - contributions - tax_month.other_deduction,
                yuan(amounts.get("_tax", 0)), post_tax, yuan(amounts.get("_net", 0)), tax_month, ZERO,
            ))
        return out

    def export_sheet(self, month: str, path: Path) -> Path:
        from app.payroll.excel import sheet_from_results, write_payroll_sheet

        results = self.results(month)
        data = sheet_from_results(self.structure(), results, _("Payroll {month}").format(month=month))
        write_payroll_sheet(data, path)
        return path

    def export_payslips(self, month: str, folder: Path, hospital: str = "") -> Path:
        from app.payroll.payslip import payslip_from_result, write_payslips

        if not hospital:
            from app.db.tables import Meta

            with self._uow() as s:
                hospital = s.scalar(select(Meta.value).where(Meta.key == "hospital_name")) or _("Hospital")
        slips = [payslip_from_result(r, hospital, month) for r in self.results(month)]
        files = write_payslips(slips, folder)
        return files.combined

    # ---------------------------------------------------------------- internals
    def _staff(self, s, first: dt.date, last: dt.date) -> list[_Staff]:  # type: ignore[no-untyped-def]
        stmt = (
            select(Employee, Person, PayProfile, Department.name, Position.title)
            .join(Person, Employee.person_id == Person.id)
            .join(PayProfile, PayProfile.employee_id == Employee.id)
            .join(Department, Employee.department_id == Department.id)
            .outerjoin(Position, Employee.position_id == Position.id)
            .where(Employee.hire_date <= last)
            .where((Employee.leave_date.is_(None)) | (Employee.leave_date >= first))
            .order_by(Employee.staff_no)
        )
        return [_Staff(e, p, pp, d, t or "") for e, p, pp, d, t in s.execute(stmt).all()]

    def _attendance(self, s, m: Month, employee_ids: Sequence[int]) -> dict[int, tuple[AttendanceSummary, bool]]:  # type: ignore[no-untyped-def]
        """Locked monthly summaries where they exist; otherwise counts from the roster (flagged)."""
        out: dict[int, tuple[AttendanceSummary, bool]] = {}
        for am in s.scalars(select(AttendanceMonth).where(AttendanceMonth.month == str(m))).all():
            counts = {k: Decimal(v) for k, v in (am.night_shifts or {}).items()}
            if am.duty_shifts:
                counts["值班"] = Decimal(am.duty_shifts)
            ot = am.overtime_hours or {}
            out[am.employee_id] = (
                AttendanceSummary(
                    m.year, m.month, counts=counts,
                    overtime=OvertimeHours(Decimal(str(ot.get("extended", 0))), Decimal(str(ot.get("rest_day", 0))),
                                           Decimal(str(ot.get("holiday", 0)))),
                    absent_days=Decimal(str(am.absent_days)),
                ),
                am.locked,
            )
        days = m.days()
        missing = [e for e in employee_ids if e not in out]
        if missing:
            counts: dict[int, dict[str, Decimal]] = defaultdict(dict)
            rows = s.execute(
                select(RosterEntry.employee_id, ShiftType.night_class, ShiftType.is_duty, func.count())
                .join(ShiftType, RosterEntry.shift_type_id == ShiftType.id)
                .where(RosterEntry.day >= days[0], RosterEntry.day <= days[-1])
                .where((ShiftType.is_night) | (ShiftType.is_duty))
                .group_by(RosterEntry.employee_id, ShiftType.night_class, ShiftType.is_duty)
            ).all()
            for emp, night_class, is_duty, n in rows:
                key = "值班" if is_duty else night_class
                if key:
                    counts[emp][key] = counts[emp].get(key, ZERO) + Decimal(n)
            for emp in missing:
                out[emp] = (AttendanceSummary(m.year, m.month, counts=counts.get(emp, {})), False)
        self._apply_adjustments(s, m, out)
        return out

    def _apply_adjustments(self, s, m: Month, out: dict[int, tuple[AttendanceSummary, bool]]) -> None:  # type: ignore[no-untyped-def]
        """补发/补扣: corrections of locked earlier months, booked into this month, are added to its figures
        (a negative delta deducts)."""
        for adj in s.scalars(select(AttendanceAdjustment).where(AttendanceAdjustment.book_month == str(m))).all():
            summary, locked = out.get(adj.employee_id, (AttendanceSummary(m.year, m.month), False))
            counts = dict(summary.counts)
            delta = adj.delta or {}
            for night_class, n in (delta.get("night_shifts") or {}).items():
                counts[night_class] = counts.get(night_class, ZERO) + Decimal(str(n))
            if delta.get("duty_shifts"):
                counts["值班"] = counts.get("值班", ZERO) + Decimal(str(delta["duty_shifts"]))
            ot = delta.get("overtime_hours") or {}
            overtime = OvertimeHours(
                summary.overtime.extended + Decimal(str(ot.get("extended", 0))),
                summary.overtime.rest_day + Decimal(str(ot.get("rest_day", 0))),
                summary.overtime.holiday + Decimal(str(ot.get("holiday", 0))),
            )
            absent = summary.absent_days + Decimal(str(delta.get("absent_days", 0)))
            out[adj.employee_id] = (replace(summary, counts=counts, overtime=overtime, absent_days=absent), locked)

    def _prior_tax_months(self, s, m: Month) -> dict[int, list[MonthInput]]:  # type: ignore[no-untyped-def]
        runs = s.execute(
            select(PayrollRun.id, PayrollRun.month)
            .where(PayrollRun.kind == "regular", PayrollRun.state == "locked")
            .where(PayrollRun.month >= f"{m.year:04d}-01", PayrollRun.month < str(m))
            .order_by(PayrollRun.month)
        ).all()
        out: dict[int, list[MonthInput]] = defaultdict(list)
        for run_id, month in runs:
            month_no = int(month[5:7])
            for emp, amounts in _lines(s, run_id).items():
                out[emp].append(MonthInput(
                    month_no, yuan(amounts.get("_gross", 0)), yuan(amounts.get("_tax_free", 0)),
                    yuan(amounts.get("_special", 0)), yuan(amounts.get("_additional", 0)), yuan(amounts.get("_other", 0)),
                ))
        return out


def _lines(s, run_id: int) -> dict[int, dict[str, int]]:  # type: ignore[no-untyped-def]
    out: dict[int, dict[str, int]] = defaultdict(dict)
    for emp, code, amount in s.execute(
        select(PayrollLine.employee_id, PayrollLine.item_code, PayrollLine.amount_fen).where(PayrollLine.run_id == run_id)
    ).all():
        out[emp][code] = amount
    return out


def _profile(st: _Staff, on: dt.date) -> EmployeeProfile:
    """The engine's view of one employee on the first day of the pay month."""
    e, p, pp = st.employee, st.person, st.profile
    nursing_years = 0
    if e.nursing_start:
        nursing_years = max(0, (on - e.nursing_start).days // 365)
    roles = frozenset(pp.roles or []) | ({"护士长"} if "护士长" in st.position_title else frozenset())
    return EmployeeProfile(
        employee_id=str(e.id),
        name=p.name,
        department=st.department,
        category=pp.category,
        roles=frozenset(roles),
        attributes={"post_grade": pp.post_grade, "salary_level": str(pp.salary_level),
                    "nursing_years": str(nursing_years), "category": pp.category},
        variables={"岗位系数": Decimal(str(pp.post_coefficient)), "绩效系数": Decimal(str(pp.performance_coefficient))},
        hire_date=e.hire_date,
        leave_date=e.leave_date,
        probation_end=e.probation_end,
        bases=ContributionBases(yuan(pp.si_base_fen), yuan(pp.hf_base_fen)),
        special_additional_deduction=yuan(pp.special_additional_deduction_fen),
    )


def _summary(run: PayrollRun) -> RunSummary:
    return RunSummary(run.id, run.month, run.kind, run.state, run.headcount, run.total_gross_fen, run.total_net_fen,
                      tuple(run.history), len(run.warnings or []))


def _parse_month(month: str) -> Month:
    try:
        return Month.parse(month)
    except (ValueError, AttributeError) as exc:
        raise InvalidInput(_("A month looks like 2026-10; got {value}.").format(value=month)) from exc


def _previous(m: Month) -> Month:
    return Month(m.year - 1, 12) if m.month == 1 else Month(m.year, m.month - 1)

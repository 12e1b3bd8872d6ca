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
from sqlalchemy.orm import Session, sessionmaker

from app.db.locks import exclusive
from app.db.tables import (
    AttendanceAdjustment,
    AttendanceMonth,
    Department,
    Employee,
    PayProfile,
    PayrollLine,
    PayrollRun,
    PaySetting,
    PerformanceCoefficient,
    Person,
    Position,
    RosterEntry,
    ShiftType,
    TaxDeclaration,
    utcnow,
)
from app.domain.org import Month
from app.errors import AppError, Conflict, InvalidInput, NotFound
from app.i18n import N_, _
from app.payroll import declarations as decl
from app.payroll.money import ZERO
from app.payroll.notice import Notice, stored_text
from app.payroll.rules import MON_FRI, OvertimeHours, PayCalendar
from app.payroll.social import ContributionBases
from app.payroll.structure import AttendanceSummary, EmployeeProfile, PayResult, PayStructure, evaluate_month
from app.payroll.tax import MonthInput
from app.services.base import Service
from app.services.pay_settings import EffectiveSettings, effective_in, settings_by_ids
from app.payroll.accounts import account_problem, account_warning, normalise_account
from app.tasks import NEVER_CANCELLED, CancelToken, ChangeSet, ProgressFn, no_progress

log = logging.getLogger(__name__)

STATES = ("draft", "review", "approved", "locked")
STATE_LABELS = {"draft": N_("draft"), "review": N_("in review"), "approved": N_("approved"), "locked": N_("locked")}
TAX_CODES = ("_gross", "_tax_free", "_special", "_additional", "_other", "_tax", "_net")
OTHER_INCOME_CODE = "_other_income"  # taxable income not paid (employer's housing fund above the limit)
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
class DetailLine:
    code: str
    name: str
    category: str
    amount_fen: int  # as stored in the run
    explanation: str  # from a fresh calculation with the run's settings
    recalculated_fen: int | None  # the fresh amount when it differs from the stored one


@dataclass(frozen=True)
class PayDetail:
    month: str
    employee_id: int
    staff_no: str
    name: str
    department: str
    state: str
    lines: tuple[DetailLine, ...]
    gross_fen: int
    tax_fen: int
    net_fen: int
    taxable_excess_fen: int
    coefficient_source: str  # where 绩效系数 came from
    settings: str  # which pay settings were used


@dataclass(frozen=True)
class Coefficient:
    value: Decimal
    source: str  # translated: "performance_coefficients 2026-08 (probation)" or "pay profile"
    row_id: int | None


SOURCE_LABELS = {"probation": N_("probation review"), "training": N_("training"), "manual": N_("entered by HR")}


@dataclass(frozen=True)
class BankRow:
    employee_id: int
    staff_no: str
    name: str
    department: str
    account: str
    net_fen: int
    problem: str  # translated; "" when the account can be paid into
    warning: str  # translated doubt (Luhn check digit), "" when none


@dataclass(frozen=True)
class DepartmentTotal:
    department: str
    headcount: int
    gross_fen: int
    net_fen: int


@dataclass(frozen=True)
class MonthTotal:
    month: str
    state: str
    headcount: int
    gross_fen: int
    net_fen: int


@dataclass(frozen=True)
class SimulatedPerson:
    employee_id: int
    staff_no: str
    name: str
    department: str
    gross_before_fen: int
    gross_after_fen: int
    net_before_fen: int
    net_after_fen: int
    cost_before_fen: int  # gross + the employer's share is not modelled: cost = gross
    cost_after_fen: int

    @property
    def delta_gross_fen(self) -> int:
        return self.gross_after_fen - self.gross_before_fen

    @property
    def delta_net_fen(self) -> int:
        return self.net_after_fen - self.net_before_fen


@dataclass(frozen=True)
class SimulatedGroup:
    name: str
    headcount: int
    gross_before_fen: int
    gross_after_fen: int
    net_before_fen: int
    net_after_fen: int
    winners: int  # net pay up by at least a fen
    losers: int

    @property
    def delta_gross_fen(self) -> int:
        return self.gross_after_fen - self.gross_before_fen

    @property
    def delta_pct(self) -> float | None:
        return None if not self.gross_before_fen else self.delta_gross_fen * 100.0 / self.gross_before_fen


@dataclass(frozen=True)
class Simulation:
    month: str
    draft_name: str
    current_name: str
    people: tuple[SimulatedPerson, ...]
    departments: tuple[SimulatedGroup, ...]
    hospital: SimulatedGroup


@dataclass(frozen=True)
class CityLimits:
    si_floor_fen: int
    si_cap_fen: int
    hf_floor_fen: int
    hf_cap_fen: int
    hf_rate_min_pct: Decimal
    hf_rate_max_pct: Decimal
    minimum_wage_fen: int


@dataclass(frozen=True)
class PayProfileView:
    employee_id: int
    staff_no: str
    name: str
    department: str
    exists: bool
    version: int
    category: str
    roles: tuple[str, ...]
    post_grade: str
    salary_level: int
    contract_wage_fen: int
    post_coefficient: Decimal
    performance_coefficient: Decimal
    coefficient_source: str
    si_base_fen: int
    hf_base_fen: int
    hf_rate_pct: Decimal
    special_additional_deduction_fen: int
    bank_account: str
    hire_date: dt.date | None
    probation_end: dt.date | None
    leave_date: dt.date | None
    limits: CityLimits
    grades: tuple[str, ...]  # choices from the structure in force
    levels: tuple[int, ...]
    known_roles: tuple[str, ...]
    categories: tuple[str, ...]


@dataclass(frozen=True)
class PayProfileForm:
    category: str
    roles: tuple[str, ...]
    post_grade: str
    salary_level: int
    contract_wage_fen: int
    post_coefficient: Decimal
    performance_coefficient: Decimal
    si_base_fen: int
    hf_base_fen: int
    hf_rate_pct: Decimal
    special_additional_deduction_fen: int
    bank_account: str


@dataclass(frozen=True)
class _Staff:
    employee: Employee
    person: Person
    profile: PayProfile
    department: str
    position_title: str


@dataclass(frozen=True)
class _Computed:
    results: list[PayResult]
    warnings: list[dict[str, object]]
    settings: EffectiveSettings
    coefficients: dict[int, Coefficient]
    declarations: dict[int, dict[str, object]]  # employee id -> what the month's 专项附加扣除 came from


class PayrollService(Service):
    def __init__(self, factory: sessionmaker[Session], *, before_lock: Callable[[str], object] | None = None) -> None:
        """``before_lock(month)`` runs before a month is locked (the registry passes a database backup on
        SQLite); if it fails, the month is not locked."""
        super().__init__(factory)
        self._before_lock = before_lock

    # ---------------------------------------------------------------- settings
    def settings_for(self, month: str) -> EffectiveSettings:
        """The dated pay settings in force for ``month`` (structure and city)."""
        m = _parse_month(month)
        with self._uow() as s:
            return effective_in(s, str(m))

    def structure(self, month: str | None = None) -> PayStructure:
        """The structure a stored run of ``month`` used, else the one in force for it (today's month if None)."""
        if month is None:
            month = str(Month(dt.date.today().year, dt.date.today().month))
        m = _parse_month(month)
        with self._uow() as s:
            run = s.scalar(select(PayrollRun).where(PayrollRun.month == str(m), PayrollRun.kind == "regular"))
            if run is not None:
                return settings_by_ids(s, run.settings or {}, str(m)).structure
            return effective_in(s, str(m)).structure

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
        c = self._compute(month, progress=progress, cancel=cancel)
        return c.results, c.warnings

    def _compute(
        self,
        month: str,
        *,
        structure: PayStructure | None = None,
        settings: EffectiveSettings | None = None,
        employee_ids: Sequence[int] | None = None,
        progress: ProgressFn = no_progress,
        cancel: CancelToken = NEVER_CANCELLED,
    ) -> _Computed:
        m = _parse_month(month)
        first, last = m.first_day(), m.days()[-1]
        with self._uow() as s:
            if settings is None:
                settings = effective_in(s, str(m))
            staff = self._staff(s, first, last)
            if employee_ids is not None:
                wanted = set(employee_ids)
                staff = [st for st in staff if st.employee.id in wanted]
            ids = [st.employee.id for st in staff]
            attendance = self._attendance(s, m, ids)
            prior = self._prior_tax_months(s, m)
            coefficients = self._coefficients(s, str(m), staff)
            declared = declarations_by_employee(s, ids if len(ids) < 500 else None)
        structure = structure or settings.structure
        city = settings.city
        calendar = pay_calendar(m.year)
        results: list[PayResult] = []
        warnings: list[dict[str, object]] = []
        used: dict[int, dict[str, object]] = {}
        for i, st in enumerate(staff):
            cancel.raise_if_cancelled()
            if i % 100 == 0:
                progress(i, len(staff), _("Computing pay"))
            summary, locked = attendance.get(st.employee.id, (AttendanceSummary(m.year, m.month), False))
            profile = _profile(st, first, coefficients[st.employee.id])
            mine = declared.get(st.employee.id)
            if mine:
                first_month = st.employee.hire_date.month if st.employee.hire_date.year == m.year else 1
                cumulative = decl.cumulative_amount(mine, m.year, first_month, m.month)
                profile = replace(profile, special_additional_deduction=ZERO, cumulative_additional_deduction=cumulative)
                used[st.employee.id] = {
                    "ids": [[d.id, d.detail.get("_version", 0)] for d in mine if d.id is not None],
                    "by_kind": {k: fen(v) for k, v in decl.breakdown(mine, str(m)).items()},
                    "cumulative_fen": fen(cumulative),
                }
            try:
                result = evaluate_month(structure, profile, summary, city, prior.get(st.employee.id, ()), calendar)
            except AppError as exc:
                raise AppError(
                    _("Payroll stopped at {staff_no} {name}: {problem}. Nothing was saved; correct the pay profile "
                      "and run again.").format(staff_no=st.employee.staff_no, name=st.person.name, problem=exc.message)
                ) from exc
            results.append(result)
            for w in result.warnings:
                warnings.append({"employee_id": st.employee.id, **w.to_json()})
            if not locked:
                warnings.append({"employee_id": st.employee.id,
                                 **Notice.of(N_("attendance for {month} is not locked"), month=str(m)).to_json()})
        progress(len(staff), len(staff), _("Computing pay"))
        return _Computed(results, warnings, settings, coefficients, used)

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
        m = _parse_month(month)
        computed = self._compute(str(m), progress=progress, cancel=cancel)
        results, warnings = computed.results, computed.warnings
        cancel.raise_if_cancelled()
        with self._uow(write=True) as s:
            exclusive(s, "payroll", month)
            current = effective_in(s, str(m))
            if (current.structure_id, current.city_id) != (computed.settings.structure_id, computed.settings.city_id):
                raise Conflict(_("The pay settings for {month} were changed while the payroll was calculated; "
                                 "nothing was saved. Calculate again.").format(month=month))
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
                if t.other_income:
                    rows.append({"run_id": run.id, "employee_id": emp_id, "item_code": OTHER_INCOME_CODE,
                                 "amount_fen": fen(t.other_income)})
            if rows:
                s.execute(insert(PayrollLine), rows)
            run.headcount = len(results)
            run.total_gross_fen = sum(fen(r.gross) for r in results)
            run.total_net_fen = sum(fen(r.net) for r in results)
            run.warnings = warnings
            run.settings = {
                **computed.settings.as_json(),
                "coefficients": {str(k): c.row_id for k, c in computed.coefficients.items() if c.row_id is not None},
                # the 专项附加扣除 declarations each person's month used (ids with versions, amounts by kind)
                "declarations": {str(k): v for k, v in computed.declarations.items()},
            }
            run.history = [*run.history, {"state": "draft", "by": user, "at": utcnow().isoformat(timespec="seconds")}]
            s.flush()
            return _summary(run)

    def advance(self, month: str, to_state: str, *, user: str = "", expected_version: int | None = None,
                backup_first: bool = True) -> RunSummary:
        """Move a run one step: draft → review → approved → locked (or back to draft from review).

        Locking first runs the ``before_lock`` hook (a database backup) unless ``backup_first`` is False
        (the demo generator, which locks a year of invented history)."""
        if to_state not in STATES:
            raise InvalidInput(_("Unknown payroll state {state}.").format(state=to_state))
        if to_state == "locked" and backup_first and self._before_lock is not None:
            current = self.run_for(month)
            if current is not None and current.state == "approved":
                self._before_lock(month)  # a backup of the month as approved, before it can never change
        with self._uow(write=True) as s:
            exclusive(s, "payroll", month)
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
        with self._uow() as s:
            run = s.scalar(select(PayrollRun).where(PayrollRun.month == month, PayrollRun.kind == "regular"))
            if run is None:
                raise NotFound(_("There is no payroll for {month} yet. Calculate it first.").format(month=month))
            structure = settings_by_ids(s, run.settings or {}, month).structure
            names = {it.code: it.name for it in structure.items}
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
                warn_by_emp[int(w["employee_id"])].append(stored_text(w))
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

        with self._uow() as s:
            run = s.scalar(select(PayrollRun).where(PayrollRun.month == month, PayrollRun.kind == "regular"))
            if run is None:
                raise NotFound(_("There is no payroll for {month} yet. Calculate it first.").format(month=month))
            structure = settings_by_ids(s, run.settings or {}, month).structure
            items = {it.code: it for it in structure.items}
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
            other = sum((ln.amount for ln in pay_lines if ln.category == "other_deduction"), ZERO)
            post_tax = sum((ln.amount for ln in pay_lines if ln.category == "post_tax"), ZERO)
            tax_month = MonthInput(
                m.month, yuan(amounts.get("_gross", 0)), yuan(amounts.get("_tax_free", 0)),
                yuan(amounts.get("_special", 0)), yuan(amounts.get("_additional", 0)), yuan(amounts.get("_other", 0)),
                other_income=yuan(amounts.get(OTHER_INCOME_CODE, 0)),
            )
            gross = yuan(amounts.get("_gross", 0))
            excess = (contributions - tax_month.special_deduction) + (other - tax_month.other_deduction)
            out.append(PayResult(
                staff_no, name, dept, m.year, m.month, pay_lines + extra, gross, tax_month.tax_free, contributions,
                other, gross - tax_month.tax_free - tax_month.special_deduction - tax_month.other_deduction,
                yuan(amounts.get("_tax", 0)), post_tax, yuan(amounts.get("_net", 0)), tax_month, ZERO,
                taxable_excess=excess,
            ))
        return out

    def export_sheet(self, month: str, path: Path) -> Path:
        from app.payroll.excel import sheet_from_results, write_payroll_sheet

        results = self.results(month)
        data = sheet_from_results(self.structure(month), results, _("Payroll {month}").format(month=month))
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

    # ---------------------------------------------------------------- line detail
    def detail(self, month: str, employee_id: int) -> PayDetail:
        """One person's stored lines with their explanations (recomputed with the settings the run recorded;
        a recomputed amount that differs from the stored one is shown beside it)."""
        m = _parse_month(month)
        with self._uow() as s:
            run = s.scalar(select(PayrollRun).where(PayrollRun.month == str(m), PayrollRun.kind == "regular"))
            if run is None:
                raise NotFound(_("There is no payroll for {month} yet. Calculate it first.").format(month=month))
            stored = _lines(s, run.id).get(employee_id)
            if stored is None:
                raise NotFound(_("This person is not in the payroll of {month}.").format(month=month))
            settings = settings_by_ids(s, run.settings or {}, str(m))
            head = s.execute(
                select(Employee.staff_no, Person.name, Department.name)
                .join(Person, Employee.person_id == Person.id)
                .join(Department, Employee.department_id == Department.id)
                .where(Employee.id == employee_id)
            ).one()
            state = run.state
            used = (run.settings or {}).get("declarations", {}).get(str(employee_id))
            additional_fen = stored.get("_additional", 0)
            months = {k: (s.get(PaySetting, i).effective_month if i and s.get(PaySetting, i) else None)
                      for k, i in (("structure", settings.structure_id), ("city", settings.city_id))}
        settings_text = _("pay structure {structure}, city settings {city}").format(
            structure=_("version of {month}").format(month=months["structure"]) if months["structure"] else _("shipped default"),
            city=_("version of {month}").format(month=months["city"]) if months["city"] else _("shipped default"))
        settings_text = f"{settings_text}；{declarations_text(used, additional_fen)}"
        if stored.get(OTHER_INCOME_CODE):
            settings_text += "；" + _("employer's housing fund above the tax-free limit, taxed as income: {amount}").format(
                amount=f"{stored[OTHER_INCOME_CODE] / 100:,.2f}")
        try:
            fresh = self._compute(str(m), settings=settings, employee_ids=[employee_id])
        except AppError as exc:
            fresh = None
            log.info("detail recalculation failed: %s", type(exc).__name__)
        explained = {ln.code: ln for ln in fresh.results[0].lines} if fresh and fresh.results else {}
        coefficient = fresh.coefficients.get(employee_id) if fresh else None
        names = {it.code: (it.name, it.category) for it in settings.structure.items}
        lines = []
        for code, amount in stored.items():
            if code.startswith("_"):
                continue
            ln = explained.get(code)
            name, category = names.get(code, (ln.name if ln else code, ln.category if ln else "earning"))
            again = fen(ln.amount) if ln else None
            lines.append(DetailLine(code, name, category, amount, ln.explanation if ln else "",
                                    again if again is not None and again != amount else None))
        order = {it.code: i for i, it in enumerate(settings.structure.items)}
        lines.sort(key=lambda d: order.get(d.code, len(order)))
        excess = (sum(d.amount_fen for d in lines if d.category == "contribution") - stored.get("_special", 0)
                  + sum(d.amount_fen for d in lines if d.category == "other_deduction") - stored.get("_other", 0))
        return PayDetail(str(m), employee_id, head[0], head[1], head[2], state, tuple(lines), stored.get("_gross", 0),
                         stored.get("_tax", 0), stored.get("_net", 0), max(0, excess),
                         coefficient.source if coefficient else "", settings_text)

    # ---------------------------------------------------------------- bank list and charts
    def bank_transfers(self, month: str) -> list[BankRow]:
        """代发工资清单: one row per person paid in ``month`` with the net pay; accounts checked, not masked
        (the caller masks for display)."""
        m = _parse_month(month)
        with self._uow() as s:
            run = s.scalar(select(PayrollRun).where(PayrollRun.month == str(m), PayrollRun.kind == "regular"))
            if run is None:
                raise NotFound(_("There is no payroll for {month} yet. Calculate it first.").format(month=month))
            nets = {emp: amount for emp, amount in s.execute(
                select(PayrollLine.employee_id, PayrollLine.amount_fen)
                .where(PayrollLine.run_id == run.id, PayrollLine.item_code == "_net")).all()}
            rows = s.execute(
                select(Employee.id, Employee.staff_no, Person.name, Department.name, PayProfile.bank_account)
                .join(Person, Employee.person_id == Person.id)
                .join(Department, Employee.department_id == Department.id)
                .outerjoin(PayProfile, PayProfile.employee_id == Employee.id)
                .where(Employee.id.in_(list(nets)))
                .order_by(Employee.staff_no)
            ).all()
        out = []
        for emp, staff_no, name, dept, account in rows:
            problem = account_problem(account or "")
            out.append(BankRow(emp, staff_no, name, dept, account or "", nets[emp], problem,
                               "" if problem else account_warning(account or "")))
        return out

    def export_bank_list(self, month: str, path: Path) -> Path:
        """The bank's list as Excel (.xlsx) or CSV (by the file suffix). Refused while any account is invalid."""
        from app.payroll.payslip import BankTransfer, write_bank_csv, write_bank_xlsx

        rows = self.bank_transfers(month)
        bad = [r for r in rows if r.problem]
        if bad:
            raise InvalidInput(_("{n} people have no valid bank account (first: {staff_no} {name}: {problem}); fix "
                                 "their pay profiles before exporting the bank list.").format(
                n=len(bad), staff_no=bad[0].staff_no, name=bad[0].name, problem=bad[0].problem))
        transfers = [BankTransfer(r.staff_no, r.name, r.account, "", yuan(r.net_fen)) for r in rows if r.net_fen > 0]
        if path.suffix.lower() == ".csv":
            return write_bank_csv(transfers, path)
        return write_bank_xlsx(transfers, path)

    def department_totals(self, month: str) -> list[DepartmentTotal]:
        """Gross and net by department for the run of ``month`` (for the summary chart)."""
        m = _parse_month(month)
        with self._uow() as s:
            run = s.scalar(select(PayrollRun).where(PayrollRun.month == str(m), PayrollRun.kind == "regular"))
            if run is None:
                return []
            rows = s.execute(
                select(Department.name, PayrollLine.item_code, func.sum(PayrollLine.amount_fen),
                       func.count(func.distinct(PayrollLine.employee_id)))
                .join(Employee, PayrollLine.employee_id == Employee.id)
                .join(Department, Employee.department_id == Department.id)
                .where(PayrollLine.run_id == run.id, PayrollLine.item_code.in_(("_gross", "_net")))
                .group_by(Department.name, PayrollLine.item_code)
            ).all()
        acc: dict[str, dict[str, int]] = defaultdict(dict)
        for dept, code, total, n in rows:
            acc[dept][code] = int(total or 0)
            acc[dept]["n"] = int(n)
        out = [DepartmentTotal(d, v.get("n", 0), v.get("_gross", 0), v.get("_net", 0)) for d, v in acc.items()]
        out.sort(key=lambda d: -d.gross_fen)
        return out

    def monthly_totals(self, last: int = 12) -> list[MonthTotal]:
        """Totals of the last ``last`` regular runs, oldest first (month-over-month chart)."""
        with self._uow() as s:
            runs = s.execute(
                select(PayrollRun.month, PayrollRun.state, PayrollRun.headcount, PayrollRun.total_gross_fen,
                       PayrollRun.total_net_fen)
                .where(PayrollRun.kind == "regular").order_by(PayrollRun.month.desc()).limit(last)
            ).all()
        return [MonthTotal(m, st, n, g, ne) for m, st, n, g, ne in reversed(runs)]

    # ---------------------------------------------------------------- simulation
    def simulate(
        self,
        month: str,
        structure_text: str,
        *,
        progress: ProgressFn = no_progress,
        cancel: CancelToken = NEVER_CANCELLED,
    ) -> Simulation:
        """Pay ``month`` for the real staff under a draft structure (TOML text) and under the structure in
        force, without storing anything; compare per person and per department."""
        from app.payroll.documents import parse_structure_text

        m = _parse_month(month)
        draft = parse_structure_text(structure_text)
        with self._uow() as s:
            settings = effective_in(s, str(m))
            heads = {e: (no, n, d) for e, no, n, d in s.execute(
                select(Employee.id, Employee.staff_no, Person.name, Department.name)
                .join(Person, Employee.person_id == Person.id)
                .join(Department, Employee.department_id == Department.id)).all()}
        half = lambda i, n, text: progress(i // 2, n, text)  # noqa: E731
        current = self._compute(str(m), settings=settings, progress=half, cancel=cancel)
        later = lambda i, n, text: progress(n // 2 + i // 2, n, text)  # noqa: E731
        changed = self._compute(str(m), settings=settings, structure=draft, progress=later, cancel=cancel)
        before = {int(r.employee_id): r for r in current.results}
        people = []
        for r in changed.results:
            emp = int(r.employee_id)
            b = before[emp]
            no, name, dept = heads.get(emp, ("", r.name, r.department))
            people.append(SimulatedPerson(emp, no, name, dept, fen(b.gross), fen(r.gross), fen(b.net), fen(r.net),
                                          fen(b.gross + _employer_cost(b)), fen(r.gross + _employer_cost(r))))
        people.sort(key=lambda p: p.staff_no)
        by_dept: dict[str, list[SimulatedPerson]] = defaultdict(list)
        for p in people:
            by_dept[p.department].append(p)
        departments = [_group(d, ps) for d, ps in sorted(by_dept.items())]
        progress(1, 1, _("Computing pay"))
        return Simulation(str(m), draft.name, settings.structure.name, tuple(people), tuple(departments),
                          _group(_("Hospital"), people))

    def export_simulation(self, sim: Simulation, path: Path) -> Path:
        from app.payroll.excel import PayrollSheetData, SheetColumn, write_payroll_sheet

        columns = [
            SheetColumn("staff_no", _("Staff no."), "text", 10),
            SheetColumn("name", _("Name"), "text", 10),
            SheetColumn("department", _("Department"), "text", 14),
            SheetColumn("gross_before", _("Gross, current scheme"), "money", 14),
            SheetColumn("gross_after", _("Gross, simulated scheme"), "money", 14),
            SheetColumn("gross_delta", _("Δ gross"), "money", 12),
            SheetColumn("net_before", _("Net, current scheme"), "money", 14),
            SheetColumn("net_after", _("Net, simulated scheme"), "money", 14),
            SheetColumn("net_delta", _("Δ net"), "money", 12),
        ]
        rows = [{
            "staff_no": p.staff_no, "name": p.name, "department": p.department,
            "gross_before": yuan(p.gross_before_fen), "gross_after": yuan(p.gross_after_fen),
            "gross_delta": yuan(p.gross_after_fen - p.gross_before_fen),
            "net_before": yuan(p.net_before_fen), "net_after": yuan(p.net_after_fen),
            "net_delta": yuan(p.net_after_fen - p.net_before_fen),
        } for p in sim.people]
        title = _("Salary simulation {month}: {draft} against {current}").format(
            month=sim.month, draft=sim.draft_name, current=sim.current_name)
        return write_payroll_sheet(PayrollSheetData(title, columns, rows, department_key="department"), path)

    # ---------------------------------------------------------------- pay profiles
    def pay_profile(self, employee_id: int, *, on: dt.date | None = None) -> PayProfileView:
        on = on or dt.date.today()
        with self._uow() as s:
            row = s.execute(
                select(Employee, Person.name, Department.name, PayProfile)
                .join(Person, Employee.person_id == Person.id)
                .join(Department, Employee.department_id == Department.id)
                .outerjoin(PayProfile, PayProfile.employee_id == Employee.id)
                .where(Employee.id == employee_id)
            ).one_or_none()
            if row is None:
                raise NotFound(_("Employee {id} does not exist. Reload the list.").format(id=employee_id))
            e, name, dept, pp = row
            settings = effective_in(s, str(Month(on.year, on.month)))
            coefficient = self._coefficients(s, str(Month(on.year, on.month)), None, [e.id]).get(e.id)
        period = settings.city.at(on.replace(day=1))
        structure = settings.structure
        grades = sorted({k for it in structure.items if it.key == "post_grade" and it.table
                         for k, _v in structure.tables[it.table].entries})
        levels = sorted({int(k) for it in structure.items if it.key == "salary_level" and it.table
                         for k, _v in structure.tables[it.table].entries if k.isdigit()})
        roles = sorted({r for it in structure.items for r in it.roles})
        categories = sorted({c for it in structure.items for c in it.categories}
                            | {k for it in structure.items if it.key == "category" and it.table
                               for k, _v in structure.tables[it.table].entries})
        return PayProfileView(
            employee_id=e.id, staff_no=e.staff_no, name=name, department=dept, exists=pp is not None,
            version=pp.version if pp else 0, category=pp.category if pp else "", roles=tuple(pp.roles or []) if pp else (),
            post_grade=pp.post_grade if pp else "", salary_level=pp.salary_level if pp else 1,
            contract_wage_fen=pp.contract_wage_fen if pp else 0,
            post_coefficient=Decimal(str(pp.post_coefficient)) if pp else Decimal(1),
            performance_coefficient=Decimal(str(pp.performance_coefficient)) if pp else Decimal(1),
            coefficient_source=coefficient.source if coefficient else _("pay profile"),
            si_base_fen=pp.si_base_fen if pp else 0, hf_base_fen=pp.hf_base_fen if pp else 0,
            hf_rate_pct=Decimal(str(pp.hf_rate_pct)) if pp else period.housing_fund_rate * 100,
            special_additional_deduction_fen=pp.special_additional_deduction_fen if pp else 0,
            bank_account=(pp.bank_account or "") if pp else "",
            hire_date=e.hire_date, probation_end=e.probation_end, leave_date=e.leave_date,
            limits=CityLimits(fen(period.social_base.floor), fen(period.social_base.cap),
                              fen(period.housing_fund_base.floor), fen(period.housing_fund_base.cap),
                              period.housing_fund_rate_min * 100, period.housing_fund_rate_max * 100,
                              fen(period.minimum_wage)),
            grades=tuple(grades), levels=tuple(levels), known_roles=tuple(roles), categories=tuple(categories),
        )

    def save_pay_profile(self, employee_id: int, form: PayProfileForm, *, expected_version: int, user: str = "",
                         on: dt.date | None = None) -> tuple[PayProfileView, ChangeSet]:
        """Check and store a pay profile (``expected_version`` 0 creates it). Bases must lie within the city's
        floor and cap, the housing-fund rate within the city's range, the bank account must be valid."""
        view = self.pay_profile(employee_id, on=on)
        problems = check_profile(form, view)
        if problems:
            raise InvalidInput(_("The pay profile was not saved: {problems}").format(problems="；".join(problems)))
        with self._uow(write=True) as s:
            pp = s.scalar(select(PayProfile).where(PayProfile.employee_id == employee_id))
            what = _("pay profile of {staff_no} {name}").format(staff_no=view.staff_no, name=view.name)
            if pp is None:
                if expected_version != 0:
                    raise Conflict(_("{what} was deleted on another workstation; reload it.").format(what=what))
                pp = PayProfile(employee_id=employee_id)
                s.add(pp)
            elif pp.version != expected_version:
                raise Conflict(_("{what} was changed on another workstation (version {mine} → {theirs}). Reload it, "
                                 "check the change, and make yours again; nothing was saved.").format(
                    what=what, mine=expected_version, theirs=pp.version))
            pp.category = form.category
            pp.roles = sorted(set(form.roles))
            pp.post_grade = form.post_grade
            pp.salary_level = form.salary_level
            pp.contract_wage_fen = form.contract_wage_fen
            pp.post_coefficient = float(form.post_coefficient)
            pp.performance_coefficient = float(form.performance_coefficient)
            pp.si_base_fen = form.si_base_fen
            pp.hf_base_fen = form.hf_base_fen
            pp.hf_rate_pct = float(form.hf_rate_pct)
            pp.special_additional_deduction_fen = form.special_additional_deduction_fen
            pp.bank_account = normalise_account(form.bank_account) or None
            s.flush()
        return self.pay_profile(employee_id, on=on), ChangeSet.of("pay_profiles")

    # ---------------------------------------------------------------- internals
    def _coefficients(self, s, month: str, staff: Sequence[_Staff] | None,  # type: ignore[no-untyped-def]
                      employee_ids: Sequence[int] | None = None) -> dict[int, Coefficient]:
        """绩效系数 per employee: the latest approved ``performance_coefficients`` row effective by ``month``,
        else the pay profile's figure."""
        ids = [st.employee.id for st in staff] if staff is not None else list(employee_ids or [])
        latest: dict[int, PerformanceCoefficient] = {}
        stmt = (select(PerformanceCoefficient)
                .where(PerformanceCoefficient.status == "approved", PerformanceCoefficient.effective_month <= month)
                .order_by(PerformanceCoefficient.effective_month, PerformanceCoefficient.id))
        if staff is None or len(ids) < 500:
            stmt = stmt.where(PerformanceCoefficient.employee_id.in_(ids))
        for c in s.scalars(stmt).all():
            latest[c.employee_id] = c
        out: dict[int, Coefficient] = {}
        for emp in ids:
            c = latest.get(emp)
            if c is not None:
                out[emp] = Coefficient(
                    Decimal(str(c.coefficient)),
                    _("approved {month}, {source}{reason}").format(
                        month=c.effective_month, source=_(SOURCE_LABELS.get(c.source, c.source)),
                        reason=f"：{c.reason}" if c.reason else ""),
                    c.id)
        if staff is not None:
            for st in staff:
                if st.employee.id not in out:
                    out[st.employee.id] = Coefficient(Decimal(str(st.profile.performance_coefficient)),
                                                      _("pay profile"), None)
        return out

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
                    other_income=yuan(amounts.get(OTHER_INCOME_CODE, 0)),
                ))
        return out


def declarations_by_employee(s, employee_ids: Sequence[int] | None = None  # type: ignore[no-untyped-def]
                             ) -> dict[int, list[decl.Declaration]]:
    """The stored 专项附加扣除 declarations by employee (all employees when ``employee_ids`` is None); the row
    version rides in ``detail["_version"]`` for the run's record."""
    stmt = select(TaxDeclaration).order_by(TaxDeclaration.employee_id, TaxDeclaration.month_from, TaxDeclaration.id)
    if employee_ids is not None:
        stmt = stmt.where(TaxDeclaration.employee_id.in_(list(employee_ids)))
    out: dict[int, list[decl.Declaration]] = defaultdict(list)
    for row in s.scalars(stmt).all():
        out[row.employee_id].append(to_declaration(row))
    return out


def declarations_text(used: dict[str, object] | None, additional_fen: int) -> str:
    """What a stored month's 专项附加扣除 came from, as the run recorded it (never recomputed)."""
    if not used:
        return _("special additional deduction {amount} (flat amount of the pay profile)").format(
            amount=f"{additional_fen / 100:,.2f}")
    by_kind = used.get("by_kind") or {}
    parts = "、".join(f"{decl.kind_name(k)} {v / 100:,.2f}" for k, v in by_kind.items()) if isinstance(by_kind, dict) else ""
    cumulative = used.get("cumulative_fen", 0)
    return _("special additional deduction this month {amount} (declared in force: {parts}; cumulative for the "
             "year {cumulative})").format(amount=f"{additional_fen / 100:,.2f}", parts=parts or "—",
                                          cumulative=f"{int(cumulative) / 100:,.2f}")  # type: ignore[call-overload]


def to_declaration(row: TaxDeclaration) -> decl.Declaration:
    return decl.Declaration(row.kind, row.month_from, row.month_to, row.monthly_fen, row.count or 1,
                            row.share_pct or 100, {**(row.detail or {}), "_version": row.version}, row.id)


def _lines(s, run_id: int) -> dict[int, dict[str, int]]:  # type: ignore[no-untyped-def]
    out: dict[int, dict[str, int]] = defaultdict(dict)
    for emp, code, amount in s.execute(
        select(PayrollLine.employee_id, PayrollLine.item_code, PayrollLine.amount_fen).where(PayrollLine.run_id == run_id)
    ).all():
        out[emp][code] = amount
    return out


def _profile(st: _Staff, on: dt.date, coefficient: Coefficient | None = None) -> EmployeeProfile:
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
        variables={"岗位系数": Decimal(str(pp.post_coefficient)),
                   "绩效系数": coefficient.value if coefficient else Decimal(str(pp.performance_coefficient))},
        sources={"绩效系数": coefficient.source} if coefficient else {},
        hire_date=e.hire_date,
        leave_date=e.leave_date,
        probation_end=e.probation_end,
        bases=ContributionBases(yuan(pp.si_base_fen), yuan(pp.hf_base_fen),
                                housing_fund_rate=(Decimal(str(pp.hf_rate_pct)) / 100) if pp.hf_rate_pct else None),
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


def _employer_cost(r: PayResult) -> Decimal:
    return ZERO  # the employer's social-insurance share is not a setting yet; cost is compared on gross pay


def _group(name: str, people: Sequence[SimulatedPerson]) -> SimulatedGroup:
    return SimulatedGroup(
        name, len(people), sum(p.gross_before_fen for p in people), sum(p.gross_after_fen for p in people),
        sum(p.net_before_fen for p in people), sum(p.net_after_fen for p in people),
        sum(1 for p in people if p.delta_net_fen > 0), sum(1 for p in people if p.delta_net_fen < 0),
    )


def check_profile(form: PayProfileForm, view: PayProfileView) -> list[str]:
    """Problems with a pay profile against the city's limits and the structure in force (translated)."""
    lim = view.limits
    problems: list[str] = []

    def money(fen_value: int) -> str:
        return f"{fen_value / 100:,.2f}"

    if view.grades and form.post_grade not in view.grades:
        problems.append(_("the post grade {grade} is not in the pay structure").format(grade=form.post_grade or "—"))
    if view.levels and form.salary_level not in view.levels:
        problems.append(_("the salary level {level} is not in the pay structure").format(level=form.salary_level))
    if not lim.si_floor_fen <= form.si_base_fen <= lim.si_cap_fen:
        problems.append(_("the social insurance base {base} is outside the city's {floor} – {cap}").format(
            base=money(form.si_base_fen), floor=money(lim.si_floor_fen), cap=money(lim.si_cap_fen)))
    if not lim.hf_floor_fen <= form.hf_base_fen <= lim.hf_cap_fen:
        problems.append(_("the housing fund base {base} is outside the city's {floor} – {cap}").format(
            base=money(form.hf_base_fen), floor=money(lim.hf_floor_fen), cap=money(lim.hf_cap_fen)))
    if not lim.hf_rate_min_pct <= form.hf_rate_pct <= lim.hf_rate_max_pct:
        problems.append(_("the housing fund rate {rate}% is outside the city's {low}% – {high}%").format(
            rate=format(form.hf_rate_pct.normalize(), "f"), low=format(lim.hf_rate_min_pct.normalize(), "f"),
            high=format(lim.hf_rate_max_pct.normalize(), "f")))
    for label, value in ((_("post coefficient"), form.post_coefficient),
                         (_("performance coefficient"), form.performance_coefficient)):
        if not Decimal("0") <= value <= Decimal("5"):
            problems.append(_("the {what} must lie between 0 and 5").format(what=label))
    if form.contract_wage_fen < 0 or form.special_additional_deduction_fen < 0:
        problems.append(_("amounts must not be negative"))
    elif form.contract_wage_fen and form.contract_wage_fen < lim.minimum_wage_fen:
        problems.append(_("the contract wage {wage} is below the local minimum wage {minimum}").format(
            wage=money(form.contract_wage_fen), minimum=money(lim.minimum_wage_fen)))
    if form.special_additional_deduction_fen > 2_000_000:
        problems.append(_("the monthly special additional deduction looks too high; check the declaration"))
    problem = account_problem(form.bank_account) if form.bank_account.strip() else ""
    if problem:
        problems.append(problem)
    return problems


def pay_calendar(year: int) -> PayCalendar:
    """Paid days (计薪日) of ``year``: Monday–Friday adjusted by the State Council's holiday arrangement
    (``resources/attendance/holidays_cn.toml``, the same calendar attendance uses); a year the calendar
    does not cover falls back to plain Monday–Friday, which the log notes."""
    from app.attendance.calendar import load_calendar

    holidays = load_calendar()
    if not holidays.covers(year):
        log.warning("holiday calendar has no %d: paid days counted Monday to Friday", year)
        return MON_FRI
    return PayCalendar(*holidays.pay_exceptions(year))

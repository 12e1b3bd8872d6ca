"""Licence check at onboarding: the licences a post requires against the person's licence register.

A post's hard requirements (``positions.requirements["licences"]``) name licence kinds; the register
(``licences``) holds what the person handed in. At each approving signature of the 入职审批单 the
register is checked on the form's start date. Each finding is either a **refusal** (the approval cannot
be signed until the register is put right) or a **warning** (shown to the signer and kept with the
signature). Which one depends on the kind of licence, because the law treats them differently:

- **Qualification certificates** — 医师资格证书, 药师资格证, 技师资格证: obtained only by passing the
  national examination and valid for life. Without one the person does not meet the post's hard
  requirement and nothing done after hiring can change that → missing = refuse.
- **Practising registrations** — 医师执业证书 (医师法 第十三、十四条), 护士执业证书 (护士条例 第七、八条):
  a person may not practise without a valid registration, and a hospital must never let someone with a
  lapsed licence work (DOMAIN.md §1). An **expired** registration → refuse (file the 延续注册 first).
  A **missing** one → warn: new graduates and staff changing hospital register (or change their
  执业地点 to this hospital) after they are hired; until then they may not practise independently.
  护士执业注册 without an expiry date on file expires 5 years after issue (护士条例 第八条).
  An overdue 医师定期考核 (医师法 第四十二条) → warn.
- **Training / equipment certificates** — 规培合格证, 大型设备上岗证: can be obtained after hiring
  (规培 often is), and only restrict what the person may do → missing or expired = warn.
- A licence kind the hospital wrote itself (not one of the above) → missing = warn: the software cannot
  know its legal weight, the signer can.

A licence that expires within ``warn_days`` after the start date → warn (renew in time).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from app.i18n import _

QUALIFICATIONS: frozenset[str] = frozenset({"医师资格证书", "药师资格证", "技师资格证"})
REGISTRATIONS: frozenset[str] = frozenset({"医师执业证书", "护士执业证书"})
TRAINING_CERTIFICATES: frozenset[str] = frozenset({"规培合格证", "大型设备上岗证"})
NURSE_REGISTRATION = "护士执业证书"
NURSE_REGISTRATION_YEARS = 5
WARN_DAYS = 90


class Severity(StrEnum):
    REFUSE = "refuse"
    WARN = "warn"


class Problem(StrEnum):
    MISSING = "missing"
    EXPIRED = "expired"
    EXPIRING = "expiring"
    ASSESSMENT_OVERDUE = "assessment_overdue"


@dataclass(frozen=True)
class HeldLicence:
    """One row of the person's licence register (plain values, no ORM)."""

    kind: str
    number: str = ""
    issue_date: date | None = None
    expiry_date: date | None = None
    next_assessment: date | None = None


@dataclass(frozen=True)
class LicenceFinding:
    kind: str
    problem: Problem
    severity: Severity
    due: date | None  # the expiry / assessment date concerned, when there is one
    message: str  # translated, names the licence

    def to_dict(self) -> dict[str, object]:
        return {"kind": self.kind, "problem": str(self.problem), "severity": str(self.severity),
                "due": self.due.isoformat() if self.due else None, "message": self.message}


@dataclass(frozen=True)
class LicenceCheck:
    start_date: date
    required: tuple[str, ...]
    findings: tuple[LicenceFinding, ...]

    @property
    def refusals(self) -> tuple[LicenceFinding, ...]:
        return tuple(f for f in self.findings if f.severity == Severity.REFUSE)

    @property
    def warnings(self) -> tuple[LicenceFinding, ...]:
        return tuple(f for f in self.findings if f.severity == Severity.WARN)

    @property
    def ok(self) -> bool:
        return not self.findings


def _norm(text: str) -> str:
    return "".join(text.split()).replace("证书", "证")


def matches(required: str, held: str) -> bool:
    """Same kind, tolerant of 证/证书 and spaces (``护士执业证`` = ``护士执业证书``)."""
    a, b = _norm(required), _norm(held)
    return bool(a) and (a == b or a in b or b in a)


def expiry_of(lic: HeldLicence, nurse_years: int = NURSE_REGISTRATION_YEARS) -> date | None:
    """The expiry on file; for a nurse registration without one, issue date + 5 years (护士条例 第八条)."""
    if lic.expiry_date is not None:
        return lic.expiry_date
    if lic.issue_date is not None and matches(NURSE_REGISTRATION, lic.kind):
        try:
            return lic.issue_date.replace(year=lic.issue_date.year + nurse_years)
        except ValueError:  # 29 February
            return lic.issue_date.replace(year=lic.issue_date.year + nurse_years, day=28)
    return None


def _missing(kind: str) -> LicenceFinding:
    if kind in QUALIFICATIONS:
        return LicenceFinding(kind, Problem.MISSING, Severity.REFUSE, None, _(
            "The post requires {kind}, and there is none in this person's licence register. A qualification "
            "certificate cannot be obtained after hiring: record it in the register (with its number) or reject "
            "the form.").format(kind=kind))
    if kind in REGISTRATIONS:
        return LicenceFinding(kind, Problem.MISSING, Severity.WARN, None, _(
            "The post requires {kind}, and there is none in this person's licence register. They may be hired "
            "but must not practise independently until the registration (or the change of practice location "
            "to this hospital) is done and recorded.").format(kind=kind))
    return LicenceFinding(kind, Problem.MISSING, Severity.WARN, None, _(
        "The post requires {kind}, and there is none in this person's licence register. Check that it is "
        "obtained and recorded.").format(kind=kind))


def check_licences(
    required: Iterable[str], held: Sequence[HeldLicence], start_date: date, *,
    warn_days: int = WARN_DAYS, nurse_years: int = NURSE_REGISTRATION_YEARS,
) -> LicenceCheck:
    """Findings for each required kind on ``start_date`` (see the module docstring for the rules)."""
    kinds = tuple(dict.fromkeys(k.strip() for k in required if k and k.strip()))
    findings: list[LicenceFinding] = []
    for kind in kinds:
        mine = [lic for lic in held if matches(kind, lic.kind)]
        if not mine:
            findings.append(_missing(kind))
            continue
        # the best licence on file for this kind: one without expiry, else the latest expiry
        expiries = [expiry_of(lic, nurse_years) for lic in mine]
        best = None if any(e is None for e in expiries) else max(e for e in expiries if e is not None)
        lic = mine[expiries.index(best)] if best is not None else mine[expiries.index(None)]
        if best is not None and best < start_date:
            severity = Severity.WARN if kind in TRAINING_CERTIFICATES else Severity.REFUSE
            if severity == Severity.REFUSE:
                msg = _("{kind} (number {number}) expired on {date}, before the start date {start}. Someone whose "
                        "licence has lapsed must not work in this post: record the renewed licence first, or "
                        "reject the form.")
            else:
                msg = _("{kind} (number {number}) expired on {date}, before the start date {start}. The person may "
                        "be hired but must not do the work it covers until it is renewed.")
            findings.append(LicenceFinding(kind, Problem.EXPIRED, severity, best, msg.format(
                kind=kind, number=lic.number or "-", date=best.isoformat(), start=start_date.isoformat())))
            continue
        if best is not None and (best - start_date).days <= warn_days:
            findings.append(LicenceFinding(kind, Problem.EXPIRING, Severity.WARN, best, _(
                "{kind} (number {number}) expires on {date}, {days} days after the start date: the renewal must be "
                "filed in time.").format(kind=kind, number=lic.number or "-", date=best.isoformat(),
                                         days=(best - start_date).days)))
        assessed = [x.next_assessment for x in mine if x.next_assessment is not None]
        if assessed and max(assessed) < start_date:
            due = max(assessed)
            findings.append(LicenceFinding(kind, Problem.ASSESSMENT_OVERDUE, Severity.WARN, due, _(
                "The periodic assessment for {kind} was due on {date} and is not recorded as done: check it before "
                "the person practises.").format(kind=kind, date=due.isoformat())))
    return LicenceCheck(start_date, kinds, tuple(findings))


def refusal_message(check: LicenceCheck) -> str:
    """One message for an ``InvalidInput`` naming every refused licence."""
    return _("The onboarding cannot be approved: {problems}").format(
        problems=" ".join(f.message for f in check.refusals))

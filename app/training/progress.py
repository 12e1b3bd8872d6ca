"""Progress of an enrolment from its modules, overdue logic on a given day, CME credits per year."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from app.errors import InvalidInput
from app.i18n import N_, _

MODULE_STATUSES = ("todo", "in_progress", "done")
MODULE_STATUS_LABELS = {"todo": N_("not started"), "in_progress": N_("in progress"), "done": N_("completed")}
ENROLMENT_STATUSES = ("assigned", "in_progress", "done")


@dataclass(frozen=True)
class ProgressState:
    status: str  # assigned / in_progress / done
    progress_pct: int  # 0..100, completed modules weighted by hours (equal when no hours)
    completed_on: date | None


def check_module_status(status: str) -> str:
    if status not in MODULE_STATUSES:
        raise InvalidInput(_("Unknown module status {status}; use one of {choices}.").format(
            status=status, choices="、".join(MODULE_STATUSES)))
    return status


def enrollment_progress(modules: Sequence[tuple[str, float, date | None]]) -> ProgressState:
    """From (status, hours, completed_on) of every module.

    Done when every module is done (completed on the last module's day); in progress when any module
    has started; assigned otherwise. The percentage weights modules by hours, or equally when no
    module has hours; it is 100 only when all modules are done (rounded down otherwise).
    """
    if not modules:
        return ProgressState("assigned", 0, None)
    for status, _h, _d in modules:
        check_module_status(status)
    total_h = sum(max(h, 0.0) for _s, h, _d in modules)
    weights = [max(h, 0.0) if total_h > 0 else 1.0 for _s, h, _d in modules]
    done_w = sum(w for (s, _h, _d), w in zip(modules, weights, strict=True) if s == "done")
    all_done = all(s == "done" for s, _h, _d in modules)
    pct = 100 if all_done else min(99, int(100 * done_w / sum(weights)))
    if all_done:
        days = [d for _s, _h, d in modules if d is not None]
        return ProgressState("done", 100, max(days) if days else None)
    started = any(s != "todo" for s, _h, _d in modules)
    return ProgressState("in_progress" if started else "assigned", pct, None)


def is_overdue(status: str, due: date | None, today: date) -> bool:
    """Not completed and the due day has passed (the due day itself is still in time)."""
    return status != "done" and due is not None and due < today


def days_overdue(status: str, due: date | None, today: date) -> int:
    return (today - due).days if is_overdue(status, due, today) and due is not None else 0


@dataclass(frozen=True)
class CreditStatus:
    year: int
    earned: float
    required: float

    @property
    def shortfall(self) -> float:
        return round(max(0.0, self.required - self.earned), 2)

    @property
    def met(self) -> bool:
        return self.earned >= self.required


def credits_in_year(completions: Iterable[tuple[date | None, float]], year: int) -> float:
    """CME credits of courses completed in ``year`` (a course counts in the year it was completed)."""
    return round(sum(c for d, c in completions if d is not None and d.year == year and c > 0), 2)

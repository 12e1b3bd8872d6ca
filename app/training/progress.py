"""Progress of an enrolment from its modules, overdue logic on a given day, CME credits per year."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
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


# 继续医学教育 credit classes (继续医学教育学分授予与管理办法, 卫生部 2006): Ⅰ类 and Ⅱ类 each have a yearly
# minimum inside the total and cannot replace each other. "" = a course that gives no classed credit.
CME_CLASSES = ("I", "II")
CME_CLASS_LABELS = {"I": "Ⅰ类", "II": "Ⅱ类", "": ""}
_CLASS_BY_TEXT = {
    "": "", "i": "I", "ii": "II", "1": "I", "2": "II", "ⅰ": "I", "ⅱ": "II", "ⅰ类": "I", "ⅱ类": "II",
    "i类": "I", "ii类": "II", "1类": "I", "2类": "II", "一类": "I", "二类": "II",
}


def parse_cme_class(text: object) -> str | None:
    """"I"/"II" from I, II, Ⅰ类, Ⅱ类 (and 1, 2, 一类, 二类); "" for blank; None when not a class."""
    raw = "" if text is None else str(text).strip().replace(" ", "").replace("\u3000", "")
    return _CLASS_BY_TEXT.get(raw.lower())


def check_cme_class(cme_class: str, credits: float) -> str:
    """The stored class of a course; CME credits above 0 need a class (the classes count separately)."""
    cls = parse_cme_class(cme_class)
    if cls is None:
        raise InvalidInput(_("Unknown CME class {value}; use Ⅰ类, Ⅱ类 or leave it blank.").format(value=cme_class))
    if credits > 0 and not cls:
        raise InvalidInput(_("A course with CME credits needs a class: Ⅰ类 (national or provincial projects) or Ⅱ类 "
                             "(in-hospital and self-study activities)."))
    return cls


@dataclass(frozen=True)
class CreditStatus:
    """One person's CME credits of one year against the yearly total and the Ⅰ类/Ⅱ类 minimums.

    ``earned`` is the total (classed and unclassed credits); ``earned_i``/``earned_ii`` the classed parts.
    Unclassed credits (courses stored before the class existed) count in the total only.
    """

    year: int
    earned: float
    required: float
    earned_i: float = 0.0
    earned_ii: float = 0.0
    required_i: float = 0.0
    required_ii: float = 0.0

    @property
    def short_i(self) -> float:
        return round(max(0.0, self.required_i - self.earned_i), 2)

    @property
    def short_ii(self) -> float:
        return round(max(0.0, self.required_ii - self.earned_ii), 2)

    @property
    def short_total(self) -> float:
        return round(max(0.0, self.required - self.earned), 2)

    @property
    def shortfall(self) -> float:
        """Credits still to earn: each class minimum must be filled by its own class, and the total too
        (credits earned for a class minimum also count in the total)."""
        return round(max(self.short_total, self.short_i + self.short_ii), 2)

    @property
    def met(self) -> bool:
        return self.shortfall <= 0

    @property
    def short_classes(self) -> tuple[str, ...]:
        return tuple(c for c, short in (("I", self.short_i), ("II", self.short_ii)) if short > 0)

    def reasons(self) -> tuple[str, ...]:
        """What is short, e.g. "Ⅰ类学分 3.0 < 5.0" (empty when met)."""
        out = []
        if self.short_total > 0:
            out.append(_("CME credits {year}: {earned:g} < {required:g}").format(
                year=self.year, earned=self.earned, required=self.required))
        if self.short_i > 0:
            out.append(_("Class I credits {earned:.1f} < {required:.1f}").format(
                earned=self.earned_i, required=self.required_i))
        if self.short_ii > 0:
            out.append(_("Class II credits {earned:.1f} < {required:.1f}").format(
                earned=self.earned_ii, required=self.required_ii))
        return tuple(out)


def credits_in_year(completions: Iterable[tuple[date | None, float]], year: int) -> float:
    """CME credits of courses completed in ``year`` (a course counts in the year it was completed)."""
    return round(sum(c for d, c in completions if d is not None and d.year == year and c > 0), 2)


def credits_by_class(completions: Iterable[tuple[date | None, float, str]], year: int) -> dict[str, float]:
    """Credits of ``year`` per class: keys "I", "II" and "" (unclassed)."""
    out = {"I": 0.0, "II": 0.0, "": 0.0}
    for d, c, cls in completions:
        if d is not None and d.year == year and c > 0:
            key = parse_cme_class(cls) or ""
            out[key] += c
    return {k: round(v, 2) for k, v in out.items()}


def credit_status(completions: Iterable[tuple[date | None, float, str]], year: int, required: float,
                  class_minimum: Mapping[str, float]) -> CreditStatus:
    """The year's status; the class minimums apply only to people who owe credits at all."""
    by = credits_by_class(completions, year)
    total = round(sum(by.values()), 2)
    req_i = float(class_minimum.get("I", 0.0)) if required > 0 else 0.0
    req_ii = float(class_minimum.get("II", 0.0)) if required > 0 else 0.0
    return CreditStatus(year, total, required, by["I"], by["II"], req_i, req_ii)

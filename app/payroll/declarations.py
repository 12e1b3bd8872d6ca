"""专项附加扣除 declared by month: the kinds, their caps, validation and the amount in force in a month.

Sources: 个人所得税专项附加扣除暂行办法 (国发〔2018〕41号) with the 2023 standards of 国发〔2023〕13号:

- 子女教育 (children_education) and 3岁以下婴幼儿照护 (infant_care): 2,000 per child per month; each
  parent claims 100 % or 50 % (办法 第五、二十四条之二).
- 继续教育 (continuing_education): 学历（学位）教育 400 per month, at most 48 months; 职业资格 3,600 once, in the
  year the certificate is obtained (第八条).
- 住房贷款利息 (housing_loan): 1,000 per month, at most 240 months; 100 %, or 50 % each when a couple each had a
  first-home loan before marriage (第十四、十五条).
- 住房租金 (housing_rent): 1,500 / 1,100 / 800 per month by city tier (直辖市、省会等 / 市辖区户籍人口 > 100万 /
  ≤ 100万) (第十七条); never in the same month as housing_loan (第十八条).
- 赡养老人 (elderly_support): 3,000 per month for an only child; otherwise shared among the siblings, each at
  most 1,500 (第二十二条).
- 大病医疗 is claimed only in the annual settlement (第十一条), never in monthly withholding: refused here.

Amounts are integer fen. A declaration applies from ``month_from`` to ``month_to`` inclusive (None = until
withdrawn); the 48- and 240-month limits also end an open-ended declaration.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from app.i18n import _

KIND_NAMES: dict[str, str] = {  # legal names (data, shown as they are in both languages)
    "children_education": "子女教育",
    "infant_care": "3岁以下婴幼儿照护",
    "continuing_education": "继续教育",
    "housing_loan": "住房贷款利息",
    "housing_rent": "住房租金",
    "elderly_support": "赡养老人",
}
ANNUAL_ONLY = {"serious_illness": "大病医疗"}
PER_CHILD_FEN = 200_000
DEGREE_FEN = 40_000
DEGREE_MAX_MONTHS = 48
QUALIFICATION_FEN = 360_000
LOAN_FEN = 100_000
LOAN_MAX_MONTHS = 240
RENT_FEN = {1: 150_000, 2: 110_000, 3: 80_000}
ELDERLY_ONLY_CHILD_FEN = 300_000
ELDERLY_SHARED_MAX_FEN = 150_000
CONTINUING_TYPES = {"degree": "学历（学位）教育", "qualification": "职业资格"}


@dataclass(frozen=True)
class Declaration:
    kind: str
    month_from: str
    month_to: str | None
    monthly_fen: int
    count: int = 1
    share_pct: int = 100
    detail: Mapping[str, Any] = field(default_factory=dict)
    id: int | None = None


def kind_name(kind: str) -> str:
    return KIND_NAMES.get(kind) or ANNUAL_ONLY.get(kind) or kind


def kind_for_name(text: str) -> str | None:
    """The kind code for a code or its Chinese name (as written in the Excel template)."""
    t = (text or "").strip()
    for code, name in {**KIND_NAMES, **ANNUAL_ONLY}.items():
        if t in (code, name):
            return code
    return None


def month_index(text: str | None) -> int | None:
    """'2026-03' → 2026*12+2; None when not a month like YYYY-MM."""
    if not isinstance(text, str) or len(text) != 7 or text[4] != "-":
        return None
    y, m = text[:4], text[5:]
    if not (y.isdigit() and m.isdigit()):
        return None
    year, month = int(y), int(m)
    if not (1900 <= year <= 2200 and 1 <= month <= 12):
        return None
    return year * 12 + month - 1


def month_text(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def max_months(d: Declaration) -> int | None:
    if d.kind == "housing_loan":
        return LOAN_MAX_MONTHS
    if d.kind == "continuing_education" and d.detail.get("type", "degree") == "degree":
        return DEGREE_MAX_MONTHS
    return None


def cap_fen(d: Declaration) -> int | None:
    """The most this declaration may claim per month (count × share for the per-child kinds)."""
    if d.kind in ("children_education", "infant_care"):
        return PER_CHILD_FEN * max(d.count, 0) * d.share_pct // 100
    if d.kind == "continuing_education":
        return QUALIFICATION_FEN if d.detail.get("type") == "qualification" else DEGREE_FEN
    if d.kind == "housing_loan":
        return LOAN_FEN * d.share_pct // 100
    if d.kind == "housing_rent":
        return RENT_FEN.get(_tier(d))
    if d.kind == "elderly_support":
        return ELDERLY_ONLY_CHILD_FEN if d.detail.get("only_child") else ELDERLY_SHARED_MAX_FEN
    return None


def standard_fen(d: Declaration) -> int:
    """The standard monthly amount for what is declared (what the form proposes)."""
    if d.kind == "elderly_support" and not d.detail.get("only_child"):
        return min(ELDERLY_SHARED_MAX_FEN, ELDERLY_ONLY_CHILD_FEN * d.share_pct // 100)
    return cap_fen(d) or 0


def _tier(d: Declaration) -> int:
    try:
        return int(d.detail.get("city_tier", 0))
    except (TypeError, ValueError):
        return 0


def span(d: Declaration) -> tuple[int, int | None]:
    """First and last month index in force (last None = open); the legal month limits end it."""
    start = month_index(d.month_from)
    assert start is not None
    end = month_index(d.month_to) if d.month_to else None
    limit = max_months(d)
    if limit is not None:
        last = start + limit - 1
        end = last if end is None else min(end, last)
    return start, end


def in_force(d: Declaration, month: str) -> bool:
    m = month_index(month)
    if m is None or month_index(d.month_from) is None:
        return False
    start, end = span(d)
    return start <= m and (end is None or m <= end)


def _span_text(d: Declaration) -> str:
    return _("{start} – {end}").format(start=d.month_from, end=d.month_to or _("open"))


def _overlap(a: Declaration, b: Declaration) -> tuple[int, int | None] | None:
    a0, a1 = span(a)
    b0, b1 = span(b)
    lo = max(a0, b0)
    ends = [e for e in (a1, b1) if e is not None]
    hi = min(ends) if ends else None
    if hi is not None and lo > hi:
        return None
    return lo, hi


def validate(d: Declaration, others: Sequence[Declaration] = ()) -> list[str]:
    """Every problem with ``d`` (translated sentences), against the employee's other declarations ``others``
    (``d`` itself, by id, is skipped among them). An empty list means it may be stored."""
    name = kind_name(d.kind)
    if d.kind in ANNUAL_ONLY:
        return [_("{kind} is not deducted in the monthly withholding: the employee claims it in the annual "
                  "income tax settlement (汇算清缴) the following year.").format(kind=name)]
    if d.kind not in KIND_NAMES:
        return [_("Unknown kind of special additional deduction: {kind}.").format(kind=d.kind or "—")]
    problems: list[str] = []
    start, end = month_index(d.month_from), month_index(d.month_to) if d.month_to else None
    if start is None:
        problems.append(_("The first month must look like 2026-03; got {value}.").format(value=d.month_from or "—"))
    if d.month_to and end is None:
        problems.append(_("The last month must look like 2026-03; got {value}.").format(value=d.month_to))
    if start is not None and end is not None and end < start:
        problems.append(_("The last month {end} is before the first month {start}.").format(
            end=d.month_to, start=d.month_from))
    if d.monthly_fen <= 0:
        problems.append(_("The monthly amount must be more than 0."))
    if d.count < 1:
        problems.append(_("The number must be at least 1."))
    if d.kind in ("children_education", "infant_care", "housing_loan"):
        if d.share_pct not in (50, 100):
            problems.append(_("{kind} is claimed at 100% or 50%; got {share}%.").format(kind=name, share=d.share_pct))
    elif d.kind == "elderly_support":
        if d.detail.get("only_child") and d.share_pct != 100:
            problems.append(_("An only child claims {kind} in full (100%).").format(kind=name))
        elif not 1 <= d.share_pct <= 100:
            problems.append(_("The share must lie between 1% and 100%; got {share}%.").format(share=d.share_pct))
    elif d.share_pct != 100:
        problems.append(_("{kind} is not shared; the share must be 100%.").format(kind=name))
    if d.kind not in ("children_education", "infant_care") and d.count != 1:
        problems.append(_("{kind} is declared once; the number must be 1.").format(kind=name))
    if d.kind == "housing_rent" and _tier(d) not in RENT_FEN:
        problems.append(_("Housing rent needs the city tier 1, 2 or 3 (1,500 / 1,100 / 800 a month)."))
    if d.kind == "continuing_education":
        ctype = d.detail.get("type", "degree")
        if ctype not in CONTINUING_TYPES:
            problems.append(_("Continuing education is a degree course or a professional qualification; got "
                              "{value}.").format(value=ctype))
        elif ctype == "qualification" and start is not None and (d.month_to is None or end != start):
            problems.append(_("A professional qualification is deducted once ({amount} yuan) in the month the "
                              "certificate is declared: the first and last month must be the same.").format(
                amount="3,600"))
    limit = max_months(d)
    if limit is not None and start is not None and end is not None and end - start + 1 > limit:
        problems.append(_("{kind} is deducted for at most {limit} months; {start} – {end} is {months} months.").format(
            kind=name, limit=limit, start=d.month_from, end=d.month_to, months=end - start + 1))
    cap = cap_fen(d)
    if cap is not None and d.monthly_fen > cap and d.count >= 1:
        problems.append(_("{amount} yuan a month is more than {kind} allows here ({cap} yuan for {count} × "
                          "{share}%).").format(amount=_yuan(d.monthly_fen), kind=name, cap=_yuan(cap),
                                               count=d.count, share=d.share_pct))
    if problems:
        return problems
    for o in others:
        if o.id is not None and o.id == d.id or month_index(o.month_from) is None:
            continue
        both = _overlap(d, o)
        if both is None:
            continue
        lo, hi = both
        months = _("{start} – {end}").format(start=month_text(lo), end=month_text(hi) if hi is not None else _("open"))
        pair = {d.kind, o.kind}
        if pair == {"housing_loan", "housing_rent"}:
            loan, rent = (d, o) if d.kind == "housing_loan" else (o, d)
            problems.append(_("Housing loan interest ({loan}) and housing rent ({rent}) cannot be deducted in the "
                              "same month; they overlap in {months}. End one before the other starts.").format(
                loan=_span_text(loan), rent=_span_text(rent), months=months))
        elif d.kind == o.kind and _same_subject(d, o):
            problems.append(_("Another {kind} declaration ({other}) already covers {months}; end it or change "
                              "that one instead of declaring twice.").format(kind=name, other=_span_text(o),
                                                                               months=months))
    return problems


def _same_subject(a: Declaration, b: Declaration) -> bool:
    """Two declarations of one kind that may run side by side: different children (per-child kinds, each
    naming its child) or a degree course next to a qualification."""
    if a.kind in ("children_education", "infant_care"):
        ca, cb = str(a.detail.get("child", "")).strip(), str(b.detail.get("child", "")).strip()
        return not (ca and cb and ca != cb)
    if a.kind == "continuing_education":
        return a.detail.get("type", "degree") == b.detail.get("type", "degree")
    return True


def _yuan(fen: int) -> str:
    return f"{fen / 100:,.2f}"


def breakdown(declarations: Iterable[Declaration], month: str) -> dict[str, Decimal]:
    """Amount in force in ``month`` by kind (yuan), kinds with nothing in force left out."""
    out: dict[str, Decimal] = {}
    for d in declarations:
        if d.kind in KIND_NAMES and in_force(d, month):
            out[d.kind] = out.get(d.kind, Decimal(0)) + Decimal(d.monthly_fen) / 100
    return {k: v.quantize(Decimal("0.01")) for k, v in out.items()}


def monthly_amount(declarations: Iterable[Declaration], month: str) -> Decimal:
    """专项附加扣除 in force in ``month`` (yuan, exact to the fen)."""
    return sum(breakdown(declarations, month).values(), Decimal("0.00"))


def cumulative_amount(declarations: Sequence[Declaration], year: int, first_month: int, month: int) -> Decimal:
    """Σ of the amounts in force over months ``first_month`` … ``month`` of ``year`` (the months employed by
    this employer): the 累计专项附加扣除 of the cumulative withholding, so a declaration made later catches up
    the earlier months it covers. (Integer fen per declaration: months in force within the period × amount.)"""
    lo, hi = year * 12 + first_month - 1, year * 12 + month - 1
    total = 0
    for d in declarations:
        if d.kind not in KIND_NAMES or month_index(d.month_from) is None:
            continue
        start, end = span(d)
        months = min(hi, hi if end is None else end) - max(lo, start) + 1
        if months > 0:
            total += months * d.monthly_fen
    return (Decimal(total) / 100).quantize(Decimal("0.01"))

"""Probation length and pay for several contract types, the competency summary and the path rule."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from app.errors import InvalidInput
from app.talent import probation as prob
from app.talent.competency import (
    CourseInfo,
    EvidencePoint,
    Gap,
    competency_picture,
    latest_scores,
    interview_gaps,
    proposed_coefficient,
    suggest_path,
    summary_phrases,
)


@pytest.mark.parametrize(
    ("ctype", "years", "public", "first", "months", "rule"),
    [
        ("fixed_lt1y", None, False, False, 1, prob.RULE_LABOUR_LAW),
        ("fixed_lt1y", 0.2, False, False, 0, prob.RULE_LABOUR_LAW),  # < 3 months: none
        ("fixed_1y", None, False, False, 2, prob.RULE_LABOUR_LAW),
        ("fixed_2y", None, True, True, 2, prob.RULE_LABOUR_LAW),  # 12-month rule needs >= 3 years
        ("fixed_3y", None, False, False, 6, prob.RULE_LABOUR_LAW),
        ("fixed_3y", None, True, False, 6, prob.RULE_LABOUR_LAW),  # not first employment
        ("fixed_3y", None, True, True, 12, prob.RULE_PUBLIC_INSTITUTION),
        ("fixed_5y", None, True, True, 12, prob.RULE_PUBLIC_INSTITUTION),
        ("open_ended", None, False, False, 6, prob.RULE_LABOUR_LAW),
        ("task_based", None, True, True, 0, prob.RULE_LABOUR_LAW),
        ("part_time", None, False, False, 0, prob.RULE_LABOUR_LAW),
    ],
)
def test_probation_length_by_contract(ctype, years, public, first, months, rule) -> None:  # type: ignore[no-untyped-def]
    term = prob.probation_term(ctype, years, public_institution=public, first_employment=first)
    assert (term.months, term.rule) == (months, rule)
    assert ("第十九条" in term.basis) or ("第十三条" in term.basis)


def test_unknown_contract_type_is_refused() -> None:
    with pytest.raises(InvalidInput):
        prob.probation_term("forever")


def test_probation_end_and_extension_limits() -> None:
    start = date(2026, 1, 31)
    assert prob.probation_end(start, 1) == date(2026, 2, 27)
    assert prob.probation_end(date(2026, 3, 1), 6) == date(2026, 8, 31)
    assert prob.probation_end(start, 0) is None
    hire = date(2026, 3, 1)
    # 3-month probation on a 3-year contract may be extended up to 6 months in total, not beyond
    prob.check_extension(hire, date(2026, 5, 31), date(2026, 8, 31), prob.RULE_LABOUR_LAW, "fixed_3y")
    with pytest.raises(InvalidInput):
        prob.check_extension(hire, date(2026, 5, 31), date(2026, 9, 1), prob.RULE_LABOUR_LAW, "fixed_3y")
    with pytest.raises(InvalidInput):  # not after the current end
        prob.check_extension(hire, date(2026, 5, 31), date(2026, 5, 30), prob.RULE_LABOUR_LAW, "fixed_3y")
    # a 1-year contract: at most 2 months
    with pytest.raises(InvalidInput):
        prob.check_extension(hire, date(2026, 3, 31), date(2026, 5, 15), prob.RULE_LABOUR_LAW, "fixed_1y")
    assert prob.latest_extension_end(hire, prob.RULE_PUBLIC_INSTITUTION, "fixed_3y") == date(2027, 2, 28)


@pytest.mark.parametrize(
    ("contract", "minimum", "lowest", "ratio", "expected"),
    [
        ("5000", "2300", "0", "0.8", "4000.00"),  # 80 % of the contract wage
        ("5000", "2300", "4200", "0.8", "4200.00"),  # the post's lowest pay is higher
        ("2500", "2300", "0", "0.8", "2300.00"),  # the local minimum wage is higher
        ("5000", "2300", "0", "0.9", "4500.00"),  # a hospital paying 90 %
        ("5000", "2300", "0", "1", "5000.00"),
    ],
)
def test_probation_pay_rules(contract, minimum, lowest, ratio, expected) -> None:  # type: ignore[no-untyped-def]
    pay = prob.probation_pay(Decimal(contract), Decimal(minimum), Decimal(lowest), Decimal(ratio))
    assert pay.amount == Decimal(expected)


def test_probation_pay_below_80_percent_is_refused() -> None:
    with pytest.raises(InvalidInput):
        prob.probation_pay(Decimal("5000"), Decimal("2300"), Decimal("0"), Decimal("0.7"))


def _ev(i: int, dim: str, score: float, day: date) -> EvidencePoint:
    return EvidencePoint(i, dim, score, "interview", day)


def test_summary_names_strengths_gaps_and_trends_with_their_evidence() -> None:
    dims = [("专业知识", 7.0, 40), ("团队协作", 6.0, 30), ("沟通能力", 6.0, 20), ("操作技能", 6.0, 10)]
    ev = [
        _ev(1, "专业知识", 8.0, date(2026, 1, 1)), _ev(2, "专业知识", 8.4, date(2026, 6, 1)),
        _ev(3, "团队协作", 5.6, date(2026, 6, 1)),
        _ev(4, "沟通能力", 5.1, date(2026, 1, 1)), _ev(5, "沟通能力", 7.0, date(2026, 6, 1)),
    ]
    picture = competency_picture(dims, ev)
    by = {p.dimension: p for p in picture}
    assert by["专业知识"].latest == 8.4 and by["专业知识"].trend == 0.4
    assert by["沟通能力"].trend == 1.9 and by["操作技能"].latest is None
    phrases = summary_phrases(picture)
    kinds = [(p.kind, p.dimension) for p in phrases]
    assert kinds == [("strength", "专业知识"), ("gap", "团队协作"), ("trend", "沟通能力"), ("missing", "操作技能")]
    assert "8.4" in phrases[0].text and phrases[0].evidence_ids == (1, 2)
    assert "5.6" in phrases[1].text and "6.0" in phrases[1].text and phrases[1].evidence_ids == (3,)
    assert "5.1" in phrases[2].text and "7.0" in phrases[2].text
    # the coefficient proposal waits while a dimension is below its bar
    assert proposed_coefficient(0.8, picture) == 0.8
    better = competency_picture(dims, [*ev, _ev(6, "团队协作", 6.5, date(2026, 7, 1))])
    assert proposed_coefficient(0.8, better) == 0.9
    assert proposed_coefficient(1.0, better) == 1.0


def test_learning_path_covers_the_gaps() -> None:
    gaps = interview_gaps({"沟通能力": {"blended": 5.0, "bar": 6.0}, "团队协作": {"blended": 5.8, "bar": 6.0},
                           "专业知识": {"blended": 8.0, "bar": 7.0}})
    assert [g.dimension for g in gaps] == ["沟通能力", "团队协作"]
    courses = [
        CourseInfo(1, "C-GT01", "患者沟通技巧", "basic", ("职业素养", "沟通能力"), ()),
        CourseInfo(2, "C-GT02", "跨部门沟通", "basic", ("团队协作", "沟通能力"), ()),
        CourseInfo(3, "C-CT01", "冲突管理", "intermediate", ("职业素养", "团队协作"), ("C-GT01",)),
        CourseInfo(4, "C-PY01", "Python基础", "basic", ("技术能力",), ()),
    ]
    path = suggest_path(gaps, courses, max_items=3)
    assert [p.course_code for p in path] == ["C-GT02", "C-CT01", "C-GT01"]
    assert path[0].dimension == "沟通能力" and "5.0" in path[0].reason
    assert suggest_path([Gap("技术能力", 4.0, 6.0)], courses) [0].course_code == "C-PY01"
    assert suggest_path([], courses) == []


def test_latest_score_is_the_mean_of_the_most_recent_day_everywhere() -> None:
    """Learning paths (training service) and the profile read one rule: two rows on the last date are averaged,
    earlier dates are history; before this, training took whichever row came last by id (here 8.0, a pass)."""
    ev = [_ev(1, "医学知识", 5.0, date(2026, 3, 1)), _ev(2, "医学知识", 5.0, date(2026, 9, 1)),
          _ev(3, "医学知识", 8.0, date(2026, 9, 1)), _ev(4, "沟通能力", 7.0, date(2026, 2, 1))]
    assert latest_scores(ev) == {"医学知识": 6.5, "沟通能力": 7.0}
    picture = {p.dimension: p.latest for p in competency_picture([("医学知识", 7.0, 50)], ev)}
    assert picture == latest_scores(ev)

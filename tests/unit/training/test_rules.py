"""Pure training rules: recommendation order, prerequisites, progress/overdue, credits, quiz grading."""

from __future__ import annotations

from datetime import date

import pytest

from app.errors import InvalidInput
from app.training import feedback
from app.training.progress import credits_in_year, days_overdue, enrollment_progress, is_overdue
from app.training.quiz import QuizQuestion, grade_choice, grade_quiz, normalise_choice, override_item
from app.training.recommend import (
    CatalogueCourse,
    Gap,
    cme_gap,
    default_due_dates,
    dimension_gaps,
    recommend,
    topological_order,
)
from app.training.rules import TrainingRules, default_rules

CATALOGUE = [
    CatalogueCourse(1, "PY", "Python基础", ("技术能力",), (), "course", "basic", 24, 0),
    CatalogueCourse(2, "DL", "深度学习入门", ("技术能力",), ("PY",), "course", "intermediate", 32, 0),
    CatalogueCourse(3, "TJ", "医学统计学基础", ("专业知识", "技术能力"), (), "course", "basic", 16, 4),
    CatalogueCourse(4, "BZ", "临床数据标注实践", ("临床场景理解",), ("TJ",), "project", "basic", 12, 2),
    CatalogueCourse(5, "AI", "AI医疗产品设计", ("临床场景理解", "团队协作"), ("DL", "BZ"), "scenario", "advanced", 16, 2),
    CatalogueCourse(6, "YG", "院感防控", ("操作技能",), (), "cme", "basic", 4, 2),
    CatalogueCourse(7, "JJ", "急救技能复训", ("操作技能",), (), "cme", "basic", 8, 4),
]


def test_dimension_gaps_name_score_and_bar_and_list_unscored() -> None:
    gaps, unknown = dimension_gaps({"专业知识": 6.1, "技术能力": 8.0}, {"专业知识": 7.0, "技术能力": 7.0, "团队协作": 6.0})
    assert [g.reason for g in gaps] == ["专业知识 6.1 < 7.0"]
    assert gaps[0].shortfall == pytest.approx(0.9)
    assert unknown == ["团队协作"]


def test_recommendation_adds_prerequisites_before_the_course_with_reasons() -> None:
    gaps = [Gap("dimension", "临床场景理解 5.0 < 7.0", "临床场景理解", 2.0)]
    p = recommend(gaps, CATALOGUE, per_gap=2)
    codes = [s.code for s in p.steps]
    # BZ (basic, main dimension) and AI chosen; AI needs DL (needs PY) and BZ (needs TJ)
    assert set(codes) == {"BZ", "AI", "TJ", "DL", "PY"}
    for s in p.steps:
        for pre in next(c for c in CATALOGUE if c.code == s.code).prerequisites:
            assert codes.index(pre) < codes.index(s.code)
    tj = next(s for s in p.steps if s.code == "TJ")
    assert tj.reasons == () and tj.prerequisite_for == ("BZ",)
    assert "临床场景理解 5.0 < 7.0" in next(s for s in p.steps if s.code == "BZ").reason_text


def test_completed_courses_are_skipped_and_satisfy_prerequisites() -> None:
    gaps = [Gap("dimension", "技术能力 5.0 < 7.0", "技术能力", 2.0)]
    p = recommend(gaps, CATALOGUE, done={"PY"}, enrolled={"TJ"}, per_gap=2)
    assert [s.code for s in p.steps] == ["DL", "TJ"] or [s.code for s in p.steps] == ["TJ", "DL"]
    assert "PY" not in [s.code for s in p.steps]
    assert next(s for s in p.steps if s.code == "TJ").already_enrolled


def test_larger_gap_goes_first_among_ready_courses() -> None:
    gaps = [Gap("dimension", "操作技能 6.5 < 7.0", "操作技能", 0.5), Gap("dimension", "专业知识 4.0 < 7.0", "专业知识", 3.0)]
    p = recommend(gaps, CATALOGUE, per_gap=1)
    assert [s.code for s in p.steps] == ["TJ", "YG"]


def test_cme_gap_picks_cme_courses_until_the_shortfall_is_covered() -> None:
    gap = cme_gap(20.0, 25.0, 2026)
    assert gap is not None and gap.shortfall == 5.0
    p = recommend([gap], CATALOGUE, per_gap=5)
    assert {s.code for s in p.steps} == {"YG", "JJ"}
    assert cme_gap(25.0, 25.0, 2026) is None and cme_gap(0.0, 0.0, 2026) is None


def test_prerequisite_cycle_is_a_clear_error_naming_the_courses() -> None:
    cyc = [*CATALOGUE[:2], CatalogueCourse(8, "X", "X课", ("技术能力",), ("Y",)),
           CatalogueCourse(9, "Y", "Y课", ("技术能力",), ("X",))]
    with pytest.raises(InvalidInput) as err:
        recommend([Gap("dimension", "技术能力 1.0 < 7.0", "技术能力", 6.0)], cyc, per_gap=4)
    assert "X → Y → X" in err.value.message or "Y → X → Y" in err.value.message
    with pytest.raises(InvalidInput):
        topological_order(["A"], {"A": ["A"]})


def test_no_course_for_a_gap_is_reported() -> None:
    p = recommend([Gap("dimension", "外语 3.0 < 6.0", "外语", 3.0)], CATALOGUE)
    assert p.steps == () and any("外语" in n for n in p.notes)


def test_default_due_dates_follow_hours() -> None:
    p = recommend([Gap("dimension", "技术能力 5.0 < 7.0", "技术能力", 2.0)], CATALOGUE, per_gap=1)
    dues = default_due_dates(p.steps, date(2026, 1, 1), hours_per_week=4, min_days=14)
    assert dues == [date(2026, 2, 12)]  # 24 h at 4 h/week = 6 weeks


def test_progress_from_modules_weighted_by_hours() -> None:
    d = date(2026, 3, 1)
    assert enrollment_progress([]).status == "assigned"
    st = enrollment_progress([("done", 3, d), ("todo", 1, None)])
    assert (st.status, st.progress_pct, st.completed_on) == ("in_progress", 75, None)
    st = enrollment_progress([("done", 3, d), ("done", 1, date(2026, 3, 5))])
    assert (st.status, st.progress_pct, st.completed_on) == ("done", 100, date(2026, 3, 5))
    assert enrollment_progress([("todo", 0, None), ("in_progress", 0, None)]).status == "in_progress"
    assert enrollment_progress([("done", 0, d), ("todo", 0, None), ("todo", 0, None)]).progress_pct == 33
    with pytest.raises(InvalidInput):
        enrollment_progress([("finished", 1, None)])


def test_overdue_on_fixed_dates() -> None:
    due = date(2026, 11, 20)
    assert not is_overdue("in_progress", due, date(2026, 11, 20))  # the due day is still in time
    assert is_overdue("in_progress", due, date(2026, 11, 21))
    assert days_overdue("assigned", due, date(2026, 11, 22)) == 2
    assert not is_overdue("done", due, date(2026, 12, 31))
    assert not is_overdue("assigned", None, date(2026, 12, 31))


def test_cme_credits_count_in_the_year_of_completion() -> None:
    rows = [(date(2025, 12, 31), 4.0), (date(2026, 1, 1), 2.0), (date(2026, 6, 1), 3.5), (None, 9.0)]
    assert credits_in_year(rows, 2026) == 5.5
    assert credits_in_year(rows, 2025) == 4.0
    assert default_rules().cme_required_for("nursing") == 25.0
    assert default_rules().cme_required_for("admin") == 0.0


CHOICE = QuizQuestion(1, "q1", "成人胸外按压频率？", "操作技能", options=(("A", "60"), ("B", "100–120"), ("C", "140")), answer="B")
MULTI = QuizQuestion(2, "q2", "标准预防包括？", "操作技能",
                     options=(("A", "手卫生"), ("B", "防护用品"), ("C", "安全注射"), ("D", "不防护")), answer="ABC")
SHORT = QuizQuestion(3, "q3", "简述手卫生的五个时刻。", "专业知识", key_points=(
    "接触患者前", "进行清洁或无菌操作前", "接触患者体液后", "接触患者后", "接触患者周围环境后"))


def test_choice_grading_normalises_and_is_all_or_nothing() -> None:
    assert normalise_choice(" c, a ,Ａ") == "AC"
    assert grade_choice(CHOICE, "b").auto == 1.0
    assert grade_choice(MULTI, "CBA").auto == 1.0
    wrong = grade_choice(MULTI, "AB")
    assert wrong.auto == 0.0 and "ABC" in wrong.explanation[0]
    assert grade_choice(CHOICE, "").auto == 0.0


def test_short_answer_scored_with_explanation_and_better_answer_scores_higher() -> None:
    good = grade_quiz([SHORT], {3: "接触患者前、进行清洁或无菌操作前、接触患者体液后、接触患者后、接触患者周围环境后都要做手卫生。"})
    poor = grade_quiz([SHORT], {3: "下班前洗手。"})
    assert good.items[0].auto > poor.items[0].auto
    assert any("接触患者前" in line for line in good.items[0].explanation)
    assert grade_quiz([SHORT], {}).items[0].auto == 0.0


def test_quiz_score_dimension_scores_and_override() -> None:
    g = grade_quiz([CHOICE, MULTI], {1: "B", 2: "A"}, pass_score=60)
    assert g.score == 50.0 and not g.passed
    assert g.dimension_scores() == {"操作技能": 5.0}
    g2 = override_item(g, 2, 1.0, by="张老师", reason="题目表述有歧义")
    assert g2.score == 100.0 and g2.passed
    assert g2.items[1].auto == 0.0 and g2.items[1].override == 1.0  # the automatic score stays visible
    with pytest.raises(InvalidInput):
        override_item(g, 2, 1.0, by="张老师", reason=" ")
    with pytest.raises(InvalidInput):
        override_item(g, 99, 1.0, by="张老师", reason="x")


def test_coefficient_rule_and_score_change() -> None:
    rules = TrainingRules(coef_min_completed=2, coef_min_growth=0.5, coef_step=0.05, coef_maximum=1.2)
    ch = feedback.score_change([(date(2026, 1, 1), 6.0), (date(2026, 3, 1), 8.0), (date(2027, 3, 1), 3.0)],
                               date(2026, 3, 1), "专业知识")
    assert (ch.before, ch.after, ch.change) == (6.0, 8.0, 2.0)
    p = feedback.propose_coefficient(1.0, 2, 0, [2.0, 0.0], rules)
    assert p is not None and p.proposed == 1.05
    assert feedback.propose_coefficient(1.0, 1, 0, [2.0], rules) is None  # too few courses
    assert feedback.propose_coefficient(1.0, 3, 1, [2.0], rules) is None  # something overdue
    assert feedback.propose_coefficient(1.0, 3, 0, [0.2], rules) is None  # no real growth
    assert feedback.propose_coefficient(1.2, 3, 0, [2.0], rules) is None  # at the maximum
    assert feedback.completion_evidence("课", "course", ["专业知识"], None, date(2026, 1, 1)) == []
    ev = feedback.completion_evidence("情景", "scenario", ["沟通能力"], 85, date(2026, 1, 1))
    # completing a course of any format is training evidence; "scenario" is reserved for recorded practices
    # (their ids are attempt ids, so the two kinds can never replace each other's evidence)
    assert [(e.dimension, e.score, e.source) for e in ev] == [("沟通能力", 8.5, "training")]
    sc = feedback.scenario_evidence("告知坏消息", {"沟通能力": 6.25, "职业素养": 7.0}, date(2026, 2, 3))
    assert [(e.dimension, e.score, e.source, e.observed_on) for e in sc] == [
        ("沟通能力", 6.25, "scenario", date(2026, 2, 3)), ("职业素养", 7.0, "scenario", date(2026, 2, 3))]

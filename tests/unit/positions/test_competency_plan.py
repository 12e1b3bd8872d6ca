from __future__ import annotations

import pytest

from app.errors import InvalidInput
from app.positions import competency
from app.positions.competency import Dimension
from app.positions.plan import add_question, generate_plan, largest_remainder, remove_item, replace_item
from app.positions.questions import LICENCE_NOT_FOR_INDIVIDUALS, Question

DIMS = (Dimension("专业知识", 40), Dimension("操作技能", 30), Dimension("职业素养", 30))


def test_valid_model_and_templates() -> None:
    assert competency.validate(DIMS) == ()
    assert sum(d.weight for d in competency.template_for("admin")) == 100
    assert competency.template_for("medtech", ai_medical=True)[0].name == "技术能力"


def test_weight_sum_message_names_the_total_and_dimensions() -> None:
    probs = competency.validate((Dimension("专业知识", 40), Dimension("操作技能", 30), Dimension("职业素养", 20)))
    assert len(probs) == 1 and "90" in probs[0].message and "职业素养 20" in probs[0].message


def test_each_problem_names_its_dimension() -> None:
    probs = competency.validate((Dimension("专业知识", 50, 11), Dimension(" ", 30), Dimension("专业知识", 20)))
    msgs = [p.message for p in probs]
    assert any("专业知识" in m and "及格线" in m for m in msgs)
    assert any("第2个维度" in m for m in msgs)
    assert any("出现了两次" in m for m in msgs)
    with pytest.raises(InvalidInput):
        competency.check((Dimension("专业知识", 30.5, 6),))  # type: ignore[arg-type]


def _q(i: int, dim: str, diff: int = 3, **kw) -> Question:  # type: ignore[no-untyped-def]
    return Question(id=f"q{i}", text=f"题目{i}{dim}{diff}", type="情景题", dimension=dim, difficulty=diff,
                    family=kw.pop("family", "physician"), **kw)


POOL = [_q(i, d, 1 + i % 5) for i, d in enumerate(["专业知识"] * 12 + ["操作技能"] * 9 + ["职业素养"] * 9)]


def test_largest_remainder() -> None:
    assert largest_remainder([("a", 40), ("b", 30), ("c", 30)], 10) == {"a": 4, "b": 3, "c": 3}
    assert largest_remainder([("a", 40), ("b", 30), ("c", 30)], 7) == {"a": 3, "b": 2, "c": 2}
    assert sum(largest_remainder([("a", 34), ("b", 33), ("c", 33)], 11).values()) == 11


def test_plan_is_balanced_unique_and_reproducible() -> None:
    plan = generate_plan(DIMS, POOL, 10, families={"physician"}, seed=7)
    assert plan.count_by_dimension() == {"专业知识": 4, "操作技能": 3, "职业素养": 3}
    assert len(set(plan.question_ids)) == 10 and plan.complete
    again = generate_plan(DIMS, list(reversed(POOL)), 10, families={"physician"}, seed=7)
    assert again.question_ids == plan.question_ids
    other = generate_plan(DIMS, POOL, 10, families={"physician"}, seed=8)
    assert other.question_ids != plan.question_ids


def test_difficulty_mix_is_respected() -> None:
    plan = generate_plan(DIMS, POOL, 10, families={"physician"}, seed=1, difficulty_mix={2: 0.5, 4: 0.5})
    assert set(plan.count_by_difficulty()) <= {1, 2, 3, 4, 5}
    assert sum(1 for it in plan.items if it.difficulty in (2, 4)) >= 8


def test_shortfall_is_reported_in_chinese_and_can_be_redistributed() -> None:
    pool = [q for q in POOL if q.dimension != "操作技能"] + [_q(100, "操作技能"), _q(101, "操作技能")]
    plan = generate_plan(DIMS, pool, 10, families={"physician"})
    assert [(s.dimension, s.available, s.needed) for s in plan.shortfalls] == [("操作技能", 2, 3)]
    assert plan.shortfalls[0].message == "维度『操作技能』只有2道可用题目，需要3道"
    assert len(plan.items) == 9
    filled = generate_plan(DIMS, pool, 10, families={"physician"}, redistribute=True)
    assert len(filled.items) == 10 and filled.shortfalls


def test_versions_and_same_text_never_both_in_a_plan() -> None:
    dims = (Dimension("专业知识", 100),)
    pool = [_q(1, "专业知识"), _q(2, "专业知识", variant_of="q1"),
            Question("q3", "题目1 专业知识3。", "情景题", "专业知识", 3, "physician")]
    plan = generate_plan(dims, pool, 3, families={"physician"})
    assert len(plan.items) == 2 and plan.shortfalls  # q1/q2 are versions, q1/q3 have the same text
    assert not {"q1", "q2"} <= set(plan.question_ids) and not {"q1", "q3"} <= set(plan.question_ids)


def test_position_tagged_questions_are_preferred_and_restricted_flagged() -> None:
    dims = (Dimension("专业知识", 100),)
    pool = [_q(i, "专业知识") for i in range(6)] + [
        _q(50, "专业知识", positions=("P01",)), _q(51, "专业知识", family="nursing"),
        _q(52, "专业知识", licence_condition=LICENCE_NOT_FOR_INDIVIDUALS, positions=("P01",))]
    plan = generate_plan(dims, pool, 3, families={"physician"}, position_code="P01")
    assert {"q50", "q52"} <= set(plan.question_ids) and "q51" not in plan.question_ids
    assert [it.question_id for it in plan.restricted_items] == ["q52"]
    assert any("评估个人" in w for w in plan.warnings())
    clean = generate_plan(dims, pool, 3, families={"physician"}, position_code="P01", exclude_restricted=True)
    assert "q52" not in clean.question_ids


def test_plan_can_be_edited() -> None:
    plan = generate_plan(DIMS, POOL, 10, families={"physician"}, seed=3)
    swapped = replace_item(plan, 0, POOL)
    assert swapped.items[0].question_id not in plan.question_ids and swapped.items[0].dimension == "专业知识"
    shorter = remove_item(swapped, 0)
    with pytest.raises(InvalidInput):
        add_question(shorter, next(q for q in POOL if q.id == shorter.items[0].question_id))
    with pytest.raises(InvalidInput):
        add_question(shorter, _q(999, "沟通能力"))
    assert len(add_question(shorter, _q(999, "专业知识")).items) == 10


def test_bad_plan_inputs_are_rejected() -> None:
    with pytest.raises(InvalidInput):
        generate_plan(DIMS, POOL, 0, families={"physician"})
    with pytest.raises(InvalidInput):
        generate_plan(DIMS, POOL, 5, families={"physician"}, difficulty_mix={7: 1.0})
    with pytest.raises(InvalidInput):
        generate_plan((Dimension("专业知识", 90),), POOL, 5, families={"physician"})

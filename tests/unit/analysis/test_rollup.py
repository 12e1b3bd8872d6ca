from __future__ import annotations

import pytest

from app.analysis import (
    CompetencyModel,
    DimensionSpec,
    NonVerbalObservation,
    QuestionSpec,
    recommend,
    score_text_answer,
)
from app.errors import InvalidInput

MODEL = CompetencyModel(
    dimensions=(DimensionSpec("专业知识", 40, 6.0), DimensionSpec("操作技能", 30, 6.0), DimensionSpec("职业素养", 30, 6.0)),
    recommend_threshold=7.0, far_below=2.0, borderline_margin=0.5, disagreement_margin=2.0,
    interviewer_blend=0.5, nonverbal_weight=0.05,
)

GOOD = "急性心肌梗死发病12小时内、无禁忌证时尽早溶栓治疗，溶栓前核对出血风险，签署知情同意书，治疗后监测心电图。"
Q = QuestionSpec(
    id="k1", text="请简述急性心肌梗死的溶栓治疗指征", type="专业知识", dimensions=("专业知识",),
    key_points=("发病12小时内", "无禁忌证", "尽早溶栓治疗", "监测心电图"),
)


def test_interviewer_only_marks_drive_the_level():
    rec = recommend([], MODEL, interviewer_marks={"专业知识": 8.5, "操作技能": 8.0, "职业素养": 8.0})
    assert (rec.code, rec.label) == ("recommend", "推荐录用")
    assert rec.total == pytest.approx((8.5 * 40 + 8 * 30 + 8 * 30) / 100, abs=0.01)
    assert not rec.needs_review

    rec = recommend([], MODEL, interviewer_marks={"专业知识": 3.0, "操作技能": 8.0, "职业素养": 8.0})
    assert (rec.code, rec.label) == ("reject", "不推荐")
    assert rec.reasons[0].dimension == "专业知识"

    rec = recommend([], MODEL, interviewer_marks={"专业知识": 5.0, "操作技能": 8.0, "职业素养": 8.0})
    assert (rec.code, rec.label) == ("hold", "保留观察")
    assert {r.code for r in rec.review_reasons} >= {"mixed"}


def test_borderline_near_bar_and_threshold():
    rec = recommend([], MODEL, interviewer_marks={"专业知识": 6.2, "操作技能": 8.0, "职业素养": 8.0})
    assert rec.code == "recommend"
    codes = {(r.code, r.dimension) for r in rec.review_reasons}
    assert ("near_bar", "专业知识") in codes
    assert rec.needs_review


def test_blend_keeps_both_and_flags_disagreement():
    a = score_text_answer(Q, GOOD)
    ai = a.score_for("专业知识")
    assert ai is not None and ai > 7
    rec = recommend([a], MODEL, interviewer_marks={"专业知识": 3.0, "操作技能": 7.5, "职业素养": 7.5})
    d = rec.dimensions[0]
    assert d.ai_score == round(ai, 2) and d.interviewer_score == 3.0
    assert d.final == pytest.approx(0.5 * d.ai_score + 0.5 * 3.0, abs=0.01)
    assert any(r.code == "disagreement" and r.dimension == "专业知识" for r in rec.review_reasons)


def test_missing_dimension_needs_review():
    a = score_text_answer(Q, GOOD)
    rec = recommend([a], MODEL)
    assert rec.code == "hold"
    assert {r.dimension for r in rec.review_reasons if r.code == "missing"} == {"操作技能", "职业素养"}


def test_nonverbal_is_low_weight_and_zero_without_consent():
    marks = {"专业知识": 8.0, "操作技能": 8.0, "职业素养": 8.0}
    frown = [NonVerbalObservation("frown", 0.0, "looked tense", 12.0, 14.0)]
    rec = recommend([], MODEL, interviewer_marks=marks, nonverbal=frown)
    assert rec.nonverbal_weight == 0.05 and rec.total == pytest.approx(0.95 * 8.0, abs=0.01)
    assert rec.risks == () and not any(r.code == "risk_flag" for r in rec.review_reasons)
    declined = recommend([], MODEL, interviewer_marks=marks, nonverbal=frown, ai_consent=False)
    assert declined.nonverbal_weight == 0.0 and declined.total == 8.0 and declined.nonverbal == ()
    assert any(r.code == "no_ai_consent" for r in declined.reasons)
    with pytest.raises(InvalidInput):
        recommend([], CompetencyModel(MODEL.dimensions, nonverbal_weight=0.2))


def test_declined_ai_uses_interviewer_marks_only():
    a = score_text_answer(Q, GOOD)
    rec = recommend([a], MODEL, interviewer_marks={"专业知识": 5.0, "操作技能": 7.0, "职业素养": 7.0}, ai_consent=False)
    assert rec.dimensions[0].ai_score is None and rec.dimensions[0].final == 5.0


def test_high_risk_blocks_recommend():
    risky = score_text_answer(Q, GOOD + "不过急的时候不用做皮试也不用签知情同意书。")
    assert risky.risks
    rec = recommend([risky], MODEL, interviewer_marks={"专业知识": 9.0, "操作技能": 9.0, "职业素养": 9.0})
    assert rec.code != "recommend" and rec.needs_review
    assert any(r.code == "risk_flag" for r in rec.review_reasons)


def test_model_validation():
    with pytest.raises(InvalidInput):
        CompetencyModel((DimensionSpec("专业知识", 40, 6), DimensionSpec("操作技能", 30, 6))).validate()
    model = CompetencyModel.from_dict(
        {"dimensions": [{"name": "沟通能力", "weight": 40, "pass_bar": 6}, {"name": "团队协作", "weight": 30},
                        {"name": "专业知识", "weight": 30}], "recommend_threshold": 6.5}
    )
    assert model.recommend_threshold == 6.5 and model.dimensions[1].pass_bar == 6.0
    with pytest.raises(InvalidInput):
        recommend([], model, interviewer_marks={"沟通能力": 11})


def test_the_recommendation_label_follows_the_program_language() -> None:
    """Screens, reports and the CLI read one table: English when the program runs in English (it was Chinese)."""
    from app import i18n

    i18n.set_language("en")
    try:
        rec = recommend([], MODEL, interviewer_marks={"专业知识": 8.5, "操作技能": 8.0, "职业素养": 8.0})
        assert (rec.code, rec.label) == ("recommend", "Recommend hiring")
    finally:
        i18n.set_language("zh_CN")
    assert recommend([], MODEL, interviewer_marks={"专业知识": 8.5, "操作技能": 8.0, "职业素养": 8.0}).label == "推荐录用"

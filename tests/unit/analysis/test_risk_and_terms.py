from __future__ import annotations

import pytest

from app.analysis import QuestionSpec, score_text_answer
from app.analysis.config import load_settings
from app.analysis.model import Segment
from app.analysis.risk import find_risks
from app.analysis.textutil import sentences_from_segments


def risks(text: str) -> list[str]:
    flags, _negated = find_risks(sentences_from_segments([Segment(text)]), load_settings())
    return [f.id for f in flags]


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("我会把患者的病情告诉我的朋友。", "privacy_disclosure"),
        ("不过说实话，如果是好朋友问，我可能会把患者的检查结果简单告诉他。", "privacy_disclosure"),  # 不过 is no negation
        ("在网络上发布患者信息也没关系。", "privacy_disclosure"),
        ("没关系，透露一点患者信息也无所谓。", "privacy_disclosure"),
        ("领导要求的话，我会帮他改一下病历上的记录。", "record_falsification"),
        ("时间紧的话，不用做皮试，直接输液。", "allergy_contraindication_ignored"),
        ("来不及的话先做手术后补签知情同意书。", "consent_bypassed"),
        ("出了差错我会瞒着不上报。", "error_concealed"),
        ("把患者影像数据拷到U盘带回家训练模型。", "patient_data_misuse"),
    ],
)
def test_risky_statements_are_flagged(text, rule):
    assert rule in risks(text)


@pytest.mark.parametrize(
    "text",
    [
        "我绝对不会泄露患者隐私。",
        "我们要避免泄露患者信息，注意保护隐私。",
        "泄露患者隐私是违法的。",
        "如果有人让我篡改病历，我会拒绝并上报。",
        "我不会不做皮试就用药。",
        "用药前一定核对过敏史，严格三查七对。",
        "手术前必须签署知情同意书。",
        "发生差错要第一时间上报，不能隐瞒。",
        # key points of the starter bank's 网络投诉 question, stated by a strong candidate (were false flags)
        "首先，不在网络上私自回应、争辩或发布患者信息。",
        "接着，遵守保密义务，不以泄露患者信息来自证清白。",
        "我不向无关人员透露患者信息。",
    ],
)
def test_negated_or_safe_statements_are_not_flagged(text):
    assert risks(text) == []


def test_negated_mention_is_kept_for_the_reviewer():
    _flags, negated = find_risks(sentences_from_segments([Segment("我绝对不会泄露患者隐私。")]), load_settings())
    assert negated and negated[0].rule == "risk.privacy_disclosure.negated"


def test_high_risk_caps_the_score_with_the_rule_as_evidence():
    q = QuestionSpec(id="c1", text="朋友问起你科室一位名人的病情，你怎么办？", type="合规",
                     dimensions=("职业素养",), key_points=("保护患者隐私", "遵守医疗保密制度"))
    safe = score_text_answer(q, "我会保护患者隐私，遵守医疗保密制度，不会透露任何信息。")
    risky = score_text_answer(q, "我会保护患者隐私，遵守医疗保密制度，但是朋友问的话我会把患者病情告诉朋友。")
    assert not safe.risks and risky.risks[0].severity == "high"
    cap = load_settings().param("risk", "high_cap")
    assert risky.dimensions[0].score <= cap < safe.dimensions[0].score
    assert risky.dimensions[0].rules[0].rule == "risk.privacy_disclosure.cap"
    assert "告诉朋友" in risky.risks[0].quote.text


def test_confusions_are_flagged_from_context():
    q = QuestionSpec(id="t", text="请解释诊断试验的评价指标", key_terms=("敏感度", "特异度"))
    a = score_text_answer(q, "心绞痛的患者肌钙蛋白升高，需要立即溶栓。这个检查敏感度高，所以误诊少。")
    assert {(c.used, c.probably_meant) for c in a.terms.confusions} == {("心绞痛", "心肌梗死"), ("敏感度", "特异度")}
    assert all(c.explanation and c.quote.text for c in a.terms.confusions)


def test_correct_use_and_contrast_are_not_confusions():
    q = QuestionSpec(id="t", text="请解释诊断试验的评价指标")
    a = score_text_answer(
        q,
        "敏感度高说明漏诊少。特异度高说明误诊少，敏感度和特异度要一起看。"
        "心绞痛一般休息后缓解，心绞痛不会出现肌钙蛋白升高。",
    )
    assert a.terms.confusions == ()


def test_synonyms_and_compounds_count_as_coverage():
    q = QuestionSpec(id="s", text="急性心肌梗死如何处理", key_points=("急性心肌梗死尽早溶栓治疗", "监测心电图"))
    a = score_text_answer(q, "急性心梗病人应该尽快溶栓，同时做ECG监测。")
    statuses = {p.key_point.text: (p.status, {m.how for m in p.matches}) for p in a.coverage.points}
    assert statuses["急性心肌梗死尽早溶栓治疗"][0] == "covered"
    assert "synonym" in statuses["急性心肌梗死尽早溶栓治疗"][1]
    assert statuses["监测心电图"][0] == "covered"
    off = score_text_answer(q, "我平时喜欢打篮球，也喜欢看书。")
    assert all(p.status == "missed" for p in off.coverage.points)
    assert a.overall > off.overall


def test_term_density_counts_vocabulary():
    q = QuestionSpec(id="d", text="介绍一下AI辅助诊断")
    a = score_text_answer(q, "我们用卷积神经网络处理DICOM影像，用ROC曲线和AUC评价模型。")
    used = dict(a.terms.terms)
    assert {"DICOM", "卷积神经网络", "AUC"} <= set(used)
    assert a.terms.density_per_100 > 5

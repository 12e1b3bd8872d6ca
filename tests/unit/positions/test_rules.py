from __future__ import annotations

import pytest

from app.positions import rules
from app.positions.rules import RuleSyntaxError, SynonymTable, evaluate, parse, to_text


@pytest.mark.parametrize(
    ("src", "tree"),
    [
        ("a OR b AND c", "(a OR (b AND c))"),
        ("NOT a AND b", "(NOT a AND b)"),
        ("a b | c -d", "((a AND b) OR (c AND NOT d))"),
        ("(a 或 b) 与 非 c", "((a OR b) AND NOT c)"),
        ("a & (b | !c)", "(a AND (b OR NOT c))"),
        ("（医学影像 OR 影像诊断） AND （PyTorch OR 深度学习）", "((医学影像 OR 影像诊断) AND (PyTorch OR 深度学习))"),
        ('"deep learning" and not 外包', '("deep learning" AND NOT 外包)'),
        ("非小细胞肺癌 COVID-19", "(非小细胞肺癌 AND COVID-19)"),
    ],
)
def test_precedence_and_operator_spellings(src: str, tree: str) -> None:
    assert to_text(parse(src).root) == tree


@pytest.mark.parametrize(
    ("src", "pos", "zh"),
    [
        ("(医学影像 OR 影像诊断", 14, "缺少右括号"),
        ("a AND", 3, "后面缺少关键词"),
        ("OR a", 1, "前面缺少关键词"),
        ("a ) b", 3, "多余的右括号"),
        ("()", 1, "括号内为空"),
        ('"unclosed', 1, "引号没有闭合"),
        ("医学影像、影像诊断", 5, "含义不明确"),
        ("   ", 1, "规则为空"),
    ],
)
def test_parse_errors_name_the_position_in_chinese(src: str, pos: int, zh: str) -> None:
    with pytest.raises(RuleSyntaxError) as err:
        parse(src)
    assert err.value.position == pos
    assert f"第{pos}个字符" in err.value.message or "规则为空" in err.value.message
    assert zh in err.value.message


RESUME = "2019–2023 某三甲医院医学影像诊断科，使用PyTorch开发肺结节检测模型；熟悉DICOM。邮箱 a@mail.com"


def test_nested_rule_matches_with_spans_for_highlighting() -> None:
    ev = evaluate("(医学影像 OR 影像诊断) AND (PyTorch OR 深度学习) AND NOT 外包", RESUME)
    assert ev.matched
    found = {(h.term, RESUME[h.start : h.end]) for h in ev.hits}
    assert ("医学影像", "医学影像") in found and ("PyTorch", "PyTorch") in found
    assert not ev.failed and not ev.excluded_hits


def test_failure_explains_which_sub_expression_failed() -> None:
    ev = evaluate("(医学影像 OR 影像诊断) AND (TensorFlow OR Keras) AND -DICOM", RESUME)
    assert not ev.matched
    assert [f.expression for f in ev.failed] == ["(TensorFlow OR Keras)", "-DICOM"]
    assert ev.excluded_hits and RESUME[ev.excluded_hits[0].start : ev.excluded_hits[0].end] == "DICOM"
    reasons = ev.reasons()
    assert "未找到" in reasons[0] and "(TensorFlow OR Keras)" in reasons[0]
    assert "排除词" in reasons[1]


def test_latin_terms_are_case_insensitive_and_whole_word() -> None:
    assert evaluate("pytorch", RESUME).matched
    assert not evaluate("AI", "请发邮件至 email 地址").matched
    assert not evaluate("HIS", "this is it").matched
    assert evaluate("HIS", "负责HIS系统维护").matched


def test_chinese_matching_rejects_hits_across_word_boundaries() -> None:
    assert not evaluate("中医", "集中医疗资源").matched
    ev = evaluate("护士", "曾任护士长")
    assert ev.matched and ev.hits[0].kind == "compound"


def test_synonyms_are_symmetric_not_transitive() -> None:
    syn = SynonymTable.parse("深度学习 = DL, deep learning\nDL = 数据湖")
    assert evaluate('"deep learning"', "熟悉深度学习", syn).matched
    assert evaluate("深度学习", "3年DL经验", syn).matched
    assert not evaluate("深度学习", "建设数据湖", syn).matched  # 深度学习=DL=数据湖 does not chain
    hit = evaluate("深度学习", "3年DL经验", syn).hits[0]
    assert hit.form == "DL" and hit.term == "深度学习"


def test_bad_synonym_line_is_rejected() -> None:
    with pytest.raises(rules.InvalidInput):
        SynonymTable.parse("只有词没有同义词")


def test_vocabulary_check_warns_about_unknown_terms() -> None:
    warnings = rules.vocabulary_warnings("(医学影像 OR 影像诊断) AND 哈密瓜测试词")
    assert [w.term for w in warnings] == ["哈密瓜测试词"]
    assert "专业词库" in warnings[0].message
    syn = SynonymTable.of({"哈密瓜测试词": ["医学影像"]})
    assert rules.vocabulary_warnings("哈密瓜测试词", syn) == ()

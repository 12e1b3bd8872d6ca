from __future__ import annotations

import re

from app.analysis.textutil import normalize
from app.analysis import QuestionSpec, derive_key_points, key_points_for, question_from_cmexam


def test_key_points_from_explanation_drop_boilerplate_and_keep_informative_terms(cmexam):
    rec = next(r for r in cmexam if r["id"] == "cmexam-val-142")
    points = derive_key_points(rec["explanation"])
    assert 3 <= len(points) <= 8
    texts = "".join(p.text for p in points)
    assert not re.search(r"[（(][A-E][对错][）)]", texts)  # option markers are gone
    terms = {t for p in points for t in p.terms}
    # the sentence naming the correct prescription is a key point (jieba splits 龙胆泻肝汤: see report)
    assert any("龙胆泻肝汤" in p.text for p in points)
    assert "龙胆" in terms
    assert all(w > 0 for p in points for w in p.weights)
    assert not terms & {"可以", "所以", "出现", "考查"}


def test_every_cmexam_question_gets_key_points(cmexam):
    missing_explanation = 0
    for rec in cmexam:
        q = question_from_cmexam(rec)
        assert q.key_points, rec["id"]
        assert q.key_points[0].startswith(normalize(rec["question"])[:5])
        if not q.reference_answer:
            missing_explanation += 1
            assert len(q.key_points) == 1  # 'nan' explanations do not become key points
    # the sample has explanations stored as the text 'nan'; they must not produce key points
    assert 0 < missing_explanation < 60


def test_author_key_points_take_precedence():
    q = QuestionSpec(id="x", text="溶栓指征", key_points=("发病4.5小时内", "排除出血"), reference_answer="无关的参考答案")
    points = key_points_for(q)
    assert [p.source for p in points] == ["author", "author"]
    assert points[0].text == "发病4.5小时内"

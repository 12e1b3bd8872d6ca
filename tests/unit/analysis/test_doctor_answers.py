from __future__ import annotations

import json

from app.analysis import QuestionSpec, score_text_answer


def test_real_doctor_answers_score_with_evidence(doctor_answers):
    assert len(doctor_answers) == 210
    with_terms = 0
    for rec in doctor_answers:
        q = QuestionSpec(
            id=rec["id"], text=rec["ask"], type="专业知识", dimensions=("专业知识", "沟通能力"),
            reference_answer=rec["title"] + "。" + rec["ask"],
        )
        a = score_text_answer(q, rec["answer"])
        assert len(a.dimensions) == 2
        for d in a.dimensions:
            assert 0.0 <= d.score <= 10.0
            assert abs(sum(c.weight for c in d.components) - 1.0) < 1e-3
            assert abs(sum(c.contribution for c in d.components) - d.raw) < 1e-3
            assert all(c.evidence for c in d.components if c.weight > 0)
        with_terms += a.terms.total_mentions > 0
        json.dumps(a.to_dict(), ensure_ascii=False)  # serialisable for the UI/PDF/CLI
        assert not [r for r in a.risks if r.severity == "high"], (rec["id"], a.risks)
    assert with_terms >= 200

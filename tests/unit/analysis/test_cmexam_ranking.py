"""Answers built from a question's own explanation must beat off-topic and truncated answers.

Two protocols, both reported:

- ``reference``: key points from the question + correct option + the whole explanation (how a
  bank imported from CMExam is set up). The full explanation covers them by construction, so this
  mainly checks that the pipeline ranks correctly; it is the easy case.
- ``held_out``: the explanation's sentences are split alternately; key points come from the
  question + correct option + the odd sentences, and the candidate's answer is built from the
  even sentences only. Covering a key point then needs related wording in *other* sentences,
  so the result is not true by construction.

Off-topic = the next question's answer built the same way; truncated = first 30 % of the answer.
Questions whose explanation is missing (the text 'nan' in the sample) have no answer to build
and are counted, not scored.
"""

from __future__ import annotations

import re

import pytest

from app.analysis import QuestionSpec, Segment, assess_answer, question_from_cmexam, score_text_answer
from app.analysis.keypoints import derive_key_points, key_points_from_phrases


def _has_explanation(rec) -> bool:
    return rec["explanation"].strip().lower() not in ("", "nan")


def _halves(explanation: str) -> tuple[str, str]:
    sentences = [s for s in re.split(r"(?<=[。；！？])", explanation) if s.strip()]
    if len(sentences) < 2:
        sentences = [s for s in re.split(r"(?<=[，])", explanation) if s.strip()]
    return "".join(sentences[1::2]), "".join(sentences[0::2])


def _truncated(text: str) -> str:
    return text[: max(1, len(text) * 3 // 10)]


@pytest.mark.slow
def test_reference_protocol(cmexam):
    recs = [r for r in cmexam if _has_explanation(r)]
    assert len(recs) >= 240
    beats_off = beats_trunc = 0
    for i, rec in enumerate(recs):
        q = question_from_cmexam(rec)
        full = score_text_answer(q, rec["explanation"]).overall
        beats_off += full > score_text_answer(q, recs[(i + 1) % len(recs)]["explanation"]).overall
        beats_trunc += full > score_text_answer(q, _truncated(rec["explanation"])).overall
    assert beats_off / len(recs) >= 0.9, beats_off / len(recs)
    assert beats_trunc / len(recs) >= 0.9, beats_trunc / len(recs)


@pytest.mark.slow
def test_held_out_protocol(cmexam):
    recs = [r for r in cmexam if _has_explanation(r)]
    beats_off = beats_trunc = 0
    for i, rec in enumerate(recs):
        held, answer = _halves(rec["explanation"])
        _other_held, other_answer = _halves(recs[(i + 1) % len(recs)]["explanation"])
        correct = [rec["options"][c] for c in rec["answer"] if c in rec["options"]]
        kps = key_points_from_phrases([rec["question"] + "：" + "、".join(correct)], id_prefix="q")
        kps += derive_key_points(held, max_points=6, id_prefix="h") if held else ()
        q = QuestionSpec(
            id=rec["id"], text=rec["question"], key_terms=tuple(c for c in correct if 1 < len(c) <= 16)
        )

        def score(text: str, q=q, kps=kps) -> float:
            return assess_answer(q, [Segment(text, speaker="candidate")], key_points=kps).overall

        own = score(answer)
        beats_off += own > score(other_answer)
        beats_trunc += own > score(_truncated(answer))
    assert beats_off / len(recs) >= 0.9, beats_off / len(recs)
    assert beats_trunc / len(recs) >= 0.9, beats_trunc / len(recs)

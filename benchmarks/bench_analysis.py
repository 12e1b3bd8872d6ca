"""Interview-answer analysis speed: ``python -m benchmarks analysis``.

Records:
- ``text_answers``: CMExam explanations scored as typed answers (answers per second);
- ``interview_30min``: a 30-minute interview (10 questions × 3 minutes of candidate speech at
  240 characters/minute with word times, built from the real doctor answers of
  Chinese-medical-dialogue-data) analysed question by question, then rolled up: ms per answer, seconds
  per interview;
- ``service_analyse_demo``: ``AssessmentService.analyse`` per interview of the demo hospital (database
  read, analysis, stored assessment and evidence), the review page's read and one PDF report;
- ``cmexam_ranking``: the share of CMExam questions where the own-explanation answer beats an
  off-topic and a truncated answer (both protocols of tests/unit/analysis/test_cmexam_ranking.py).
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import time
import tracemalloc
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from app.analysis import (
    CompetencyModel,
    DimensionSpec,
    QuestionSpec,
    Segment,
    Word,
    assess_answer,
    question_from_cmexam,
    recommend,
    score_text_answer,
)
from app.analysis.keypoints import derive_key_points, key_points_from_phrases

SHARED = Path(os.environ.get("HRDESK_SHARED_DIR") or Path(__file__).resolve().parent.parent.parent / "shared") / "data" / "exam"
CHARS_PER_MIN = 240.0


def _jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _speech(text: str, start: float) -> tuple[list[Segment], float]:
    """Sentences as segments with one word per character at CHARS_PER_MIN, 0.6 s between sentences."""
    segments: list[Segment] = []
    t = start
    step = 60.0 / CHARS_PER_MIN
    for sentence in (s for s in re.split(r"(?<=[。！？；])", text) if s.strip()):
        chars = [c for c in sentence if not c.isspace()]
        words = tuple(Word(c, t + i * step, t + (i + 1) * step) for i, c in enumerate(chars))
        segments.append(Segment(sentence, t, t + len(chars) * step, "candidate", words))
        t += len(chars) * step + 0.6
    return segments, t


def _interview(answers: list[dict[str, Any]]) -> list[tuple[QuestionSpec, list[Segment]]]:
    per_question = 3 * CHARS_PER_MIN  # characters in 3 minutes
    out: list[tuple[QuestionSpec, list[Segment]]] = []
    t = 0.0
    pool = iter(answers)
    for qi in range(10):
        first = next(pool)
        text = first["answer"]
        while len(text) < per_question:
            text += next(pool)["answer"]
        q = QuestionSpec(
            id=f"bench-{qi}", text=first["ask"], type="情景题" if qi % 2 else "专业知识",
            dimensions=("专业知识", "职业素养") if qi % 2 else ("专业知识",),
            reference_answer=first["title"] + "。" + first["ask"], clinical_scenario=bool(qi % 2),
        )
        segments, t = _speech(text[: int(per_question)], t + 5.0)
        out.append((q, segments))
    return out


def _ranking(cmexam: list[dict[str, Any]]) -> dict[str, float]:
    recs = [r for r in cmexam if r["explanation"].strip().lower() not in ("", "nan")]

    def halves(expl: str) -> tuple[str, str]:
        s = [x for x in re.split(r"(?<=[。；！？])", expl) if x.strip()]
        if len(s) < 2:
            s = [x for x in re.split(r"(?<=[，])", expl) if x.strip()]
        return "".join(s[1::2]), "".join(s[0::2])

    wins = {"reference_vs_offtopic": 0, "reference_vs_truncated": 0, "heldout_vs_offtopic": 0, "heldout_vs_truncated": 0}
    for i, rec in enumerate(recs):
        other = recs[(i + 1) % len(recs)]
        q = question_from_cmexam(rec)
        full = score_text_answer(q, rec["explanation"]).overall
        wins["reference_vs_offtopic"] += full > score_text_answer(q, other["explanation"]).overall
        wins["reference_vs_truncated"] += full > score_text_answer(q, rec["explanation"][: len(rec["explanation"]) * 3 // 10]).overall
        held, ans = halves(rec["explanation"])
        correct = [rec["options"][c] for c in rec["answer"] if c in rec["options"]]
        kps = key_points_from_phrases([rec["question"] + "：" + "、".join(correct)]) + (derive_key_points(held, max_points=6) if held else ())
        hq = QuestionSpec(id=rec["id"], text=rec["question"], key_terms=tuple(c for c in correct if 1 < len(c) <= 16))

        def score(text: str, hq=hq, kps=kps) -> float:
            return assess_answer(hq, [Segment(text, speaker="candidate")], key_points=kps).overall

        own = score(ans)
        wins["heldout_vs_offtopic"] += own > score(halves(other["explanation"])[1])
        wins["heldout_vs_truncated"] += own > score(ans[: max(1, len(ans) * 3 // 10)])
    result: dict[str, float] = {k: round(v / len(recs), 4) for k, v in wins.items()}
    result["questions"] = len(recs)
    result["skipped_no_explanation"] = len(cmexam) - len(recs)
    return result


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _service_cases() -> Iterator[dict[str, Any]]:
    """Per-interview time through the service on the demo hospital: read the plan and transcript from
    the database, analyse, store the assessment and evidence (``AssessmentService.analyse``), then read it
    back for the review page (``detail``) and write the PDF report."""
    from datetime import date

    from app.demo.service import create_demo

    with tempfile.TemporaryDirectory() as tmp:
        ctx, _stats = create_demo(Path(tmp) / "demo", today=date(2026, 11, 22))
        try:
            svc = ctx.services.assessment
            ids = [r.interview_id for r in svc.analysed() if r.state != "decided"]
            svc.analyse(ids[0])  # warm: tokenizer and settings
            analyse_s: list[float] = []
            detail_s: list[float] = []
            answers = 0
            for iid in ids:
                t0 = time.perf_counter()
                svc.analyse(iid)
                analyse_s.append(time.perf_counter() - t0)
                t0 = time.perf_counter()
                answers += len(svc.detail(iid).answers)
                detail_s.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            svc.export_pdf(ids[0], Path(tmp) / "report.pdf")
            pdf_s = time.perf_counter() - t0
        finally:
            ctx.close()
    yield {"benchmark": "analysis", "case": "service_analyse_demo", "interviews": len(ids), "answers": answers,
           "ms_per_interview_mean": _ms(sum(analyse_s) / len(analyse_s)), "ms_per_interview_max": _ms(max(analyse_s)),
           "ms_per_answer_mean": _ms(sum(analyse_s) / max(1, answers)),
           "ms_detail_mean": _ms(sum(detail_s) / len(detail_s)), "ms_pdf_report": _ms(pdf_s)}


def run() -> Iterable[dict[str, Any]]:
    return list(_run())


def _run() -> Iterator[dict[str, Any]]:
    cmexam = _jsonl(SHARED / "CMExam" / "cmexam_val_sample300.jsonl")
    answers = _jsonl(SHARED / "Chinese-medical-dialogue-data_sample" / "im_qa_sample.jsonl")
    score_text_answer(question_from_cmexam(cmexam[0]), cmexam[0]["explanation"])  # load jieba once

    questions = [question_from_cmexam(r) for r in cmexam]
    per_answer: list[float] = []
    chars = 0
    for q, r in zip(questions, cmexam, strict=True):
        t0 = time.perf_counter()
        score_text_answer(q, r["explanation"])
        per_answer.append(time.perf_counter() - t0)
        chars += len(r["explanation"])
    dt = sum(per_answer)
    yield {"benchmark": "analysis", "case": "text_answers", "answers": len(cmexam), "seconds": round(dt, 3),
           "answers_per_second": round(len(cmexam) / dt, 1), "chars_per_second": round(chars / dt),
           "ms_per_answer_median": _ms(_quantile(per_answer, 0.5)), "ms_per_answer_p95": _ms(_quantile(per_answer, 0.95)),
           "ms_per_answer_max": _ms(max(per_answer))}

    interview = _interview(answers)
    tracemalloc.start()
    t0 = time.perf_counter()
    assessments = []
    answer_times: list[float] = []
    for q, segs in interview:
        ta = time.perf_counter()
        assessments.append(assess_answer(q, segs))
        answer_times.append(time.perf_counter() - ta)
    model = CompetencyModel((DimensionSpec("专业知识", 60, 6.0), DimensionSpec("职业素养", 40, 6.0)))
    tr = time.perf_counter()
    rec = recommend(assessments, model, interviewer_marks={"职业素养": 7.0})
    rollup_s = time.perf_counter() - tr
    dt = time.perf_counter() - t0
    _cur, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    speech_s = max(s.end or 0.0 for _q, segs in interview for s in segs)
    yield {"benchmark": "analysis", "case": "interview_30min", "questions": len(interview),
           "speech_seconds": round(speech_s, 1),
           "chars": sum(a.communication.chars for a in assessments),
           "seconds_per_interview": round(dt, 3), "ms_per_answer_mean": _ms(sum(answer_times) / len(answer_times)),
           "ms_per_answer_max": _ms(max(answer_times)), "ms_rollup": _ms(rollup_s),
           "realtime_ratio": round(dt / speech_s, 5),
           "peak_python_mib": round(peak / 2**20, 1), "recommendation": rec.code}

    yield from _service_cases()

    t0 = time.perf_counter()
    ranking = _ranking(cmexam)
    yield {"benchmark": "analysis", "case": "cmexam_ranking", **ranking, "seconds": round(time.perf_counter() - t0, 1)}

"""Interview assessment on the demo hospital: analysis, review queue, decisions, comparison, PDF, CLI."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from app.db.tables import (
    Candidate,
    CompetencyEvidence,
    Interview,
    InterviewAssessment,
    InterviewDecision,
    Person,
)
from app.db.uow import unit_of_work
from app.demo.interviews import DEMO_REVIEWER, LIVE_SLIP
from app.errors import InvalidInput


def _stored(ctx, interview_id: int) -> tuple:  # type: ignore[no-untyped-def]
    with unit_of_work(ctx.session_factory) as s:
        a = s.scalar(select(InterviewAssessment).where(InterviewAssessment.interview_id == interview_id))
        assert a is not None
        return (json.dumps(a.answers, sort_keys=True, ensure_ascii=False), a.dimensions, a.nonverbal, a.risk_flags,
                a.total, a.recommendation, a.needs_review, a.review_reasons, a.settings)


def _evidence_rows(ctx, interview_id: int) -> list[tuple]:  # type: ignore[no-untyped-def]
    with unit_of_work(ctx.session_factory) as s:
        return [tuple(r) for r in s.execute(
            select(CompetencyEvidence.person_id, CompetencyEvidence.dimension, CompetencyEvidence.score)
            .where(CompetencyEvidence.source == "interview", CompetencyEvidence.source_id == interview_id)
            .order_by(CompetencyEvidence.dimension)).all()]


def test_demo_has_interviews_in_every_state(demo_ctx) -> None:  # type: ignore[no-untyped-def]
    svc = demo_ctx.services.assessment
    rows = svc.analysed()
    assert len(rows) >= 6
    recommended = [r for r in rows if r.recommendation == "recommend" and not r.needs_review and r.decision is None]
    held = [r for r in rows if r.recommendation == "hold" and r.needs_review and r.decision is None]
    decided = [r for r in rows if r.state == "decided" and r.decided_by == DEMO_REVIEWER]
    assert recommended and held and len(decided) == 1
    assert decided[0].decision == "hold"
    assert any(r.recommendation == "reject" for r in rows)
    assert any(r.risk_count for r in rows)
    assert any(not r.consent_ai for r in rows)
    planned = [i for i in demo_ctx.services.recruiting.interviews() if i.state == "planned"]
    assert planned, "some interviews stay planned for the capture page"


def test_analyse_is_deterministic_and_replaces(demo_ctx) -> None:  # type: ignore[no-untyped-def]
    svc = demo_ctx.services.assessment
    row = next(r for r in svc.analysed() if r.state == "analysed" and r.consent_ai)
    before, evidence = _stored(demo_ctx, row.interview_id), _evidence_rows(demo_ctx, row.interview_id)
    first = svc.analyse(row.interview_id)
    second = svc.analyse(row.interview_id)
    assert first.total == second.total == before[4]
    assert _stored(demo_ctx, row.interview_id) == before
    assert _evidence_rows(demo_ctx, row.interview_id) == evidence and len(evidence) == 3
    with unit_of_work(demo_ctx.session_factory) as s:
        n = s.scalar(select(func.count()).select_from(InterviewAssessment)
                     .where(InterviewAssessment.interview_id == row.interview_id))
        interview = s.get(Interview, row.interview_id)
        assert n == 1 and interview is not None
        assert interview.total_score == first.total and interview.recommendation == first.recommendation
        assert interview.state == "analysed"


def test_every_number_has_evidence(demo_ctx) -> None:  # type: ignore[no-untyped-def]
    svc = demo_ctx.services.assessment
    row = next(r for r in svc.analysed() if r.risk_count)
    d = svc.detail(row.interview_id)
    assert d.recommendation == "hold" and d.needs_review
    for a in d.answers:
        assert a.ai_score is not None and a.components and a.transcript
        assert abs(sum(c.contribution for c in a.components) - min(10.0, a.ai_score)) < 0.05 or a.rules
        assert all(c.start is not None for c in a.covered)  # quotes carry their time
    risk = d.risks[0]
    assert risk.severity == "high" and "患者" in risk.quote and risk.start is not None
    # the capped answer says why
    capped = next(a for a in d.answers if a.risks)
    assert capped.rules and capped.ai_score is not None and capped.ai_score <= 3.0
    for dim in d.dimensions:
        assert dim.blended is not None and dim.ai is not None and dim.interviewer is not None
        assert abs(dim.blended - (dim.ai + dim.interviewer) / 2) < 0.011
    assert {o.kind for o in d.nonverbal} == {"eye_contact", "expression", "head_steadiness", "body_movement"}


def test_the_edited_transcript_wins_over_the_live_one(demo_ctx) -> None:  # type: ignore[no-untyped-def]
    svc = demo_ctx.services.assessment
    edited = []
    for r in svc.analysed():
        d = svc.detail(r.interview_id)
        edited += [a for a in d.answers if a.transcript_version == "edited"]
    assert len(edited) == 1
    assert not any(wrong in edited[0].transcript for wrong in LIVE_SLIP.values())


def test_without_ai_consent_only_the_interviewer_counts(demo_ctx) -> None:  # type: ignore[no-untyped-def]
    svc = demo_ctx.services.assessment
    row = next(r for r in svc.analysed() if r.state == "analysed" and r.consent_ai and not r.risk_count)
    with unit_of_work(demo_ctx.session_factory, write=True) as s:
        interview = s.get(Interview, row.interview_id)
        assert interview is not None
        interview.consent_ai = False
    svc.analyse(row.interview_id)
    d = svc.detail(row.interview_id)
    assert all(x.ai is None for x in d.dimensions)
    assert all(x.blended == x.interviewer for x in d.dimensions)
    assert all(a.ai_score is None and not a.components for a in d.answers)
    assert d.nonverbal == () and d.nonverbal_weight == 0 and d.risks == ()
    assert any("AI" in r for r in d.reasons)


def test_decide_needs_a_reason_and_records_who_and_when(demo_ctx) -> None:  # type: ignore[no-untyped-def]
    svc = demo_ctx.services.assessment
    queue = svc.review_queue()
    target = queue[0]
    for reason in ("", "   ", "好"):
        with pytest.raises(InvalidInput):
            svc.decide(target.interview_id, "recommend", reason, "张三")
    with pytest.raises(InvalidInput):
        svc.decide(target.interview_id, "recommend", "面试表现良好，科室同意录用。", "  ")
    with pytest.raises(InvalidInput):
        svc.decide(target.interview_id, "maybe", "面试表现良好，科室同意录用。", "张三")
    assert svc.detail(target.interview_id).decision is None
    d = svc.detail(target.interview_id)
    svc.decide(target.interview_id, "recommend", "面试表现良好，科室同意录用。", "张三", expected_version=d.version)
    after = svc.detail(target.interview_id)
    assert after.state == "decided" and after.decision is not None
    assert (after.decision.decision, after.decision.decided_by) == ("recommend", "张三")
    assert after.decision.decided_at is not None and after.decision.reason == "面试表现良好，科室同意录用。"
    assert after.recommendation == d.recommendation  # the recommendation stays beside the decision
    assert target.interview_id not in {r.interview_id for r in svc.review_queue()}
    with pytest.raises(InvalidInput):
        svc.analyse(target.interview_id)
    with unit_of_work(demo_ctx.session_factory) as s:
        assert s.scalar(select(func.count()).select_from(InterviewDecision)
                        .where(InterviewDecision.interview_id == target.interview_id)) == 1


def test_review_queue_holds_undecided_interviews_that_need_review(demo_ctx) -> None:  # type: ignore[no-untyped-def]
    svc = demo_ctx.services.assessment
    queue = svc.review_queue()
    everything = svc.analysed()
    expected = {r.interview_id for r in everything if r.needs_review and r.decision is None}
    assert {r.interview_id for r in queue} == expected and expected
    assert all(r.review_reasons for r in queue)
    risky = next(r for r in everything if r.risk_count)
    assert risky.interview_id in expected
    assert any("保密" in reason or "患者信息" in reason for reason in risky.review_reasons)
    clean = [r for r in everything if not r.needs_review]
    assert clean and not {r.interview_id for r in clean} & expected


def test_comparison_and_excel_export(demo_ctx, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    svc = demo_ctx.services.assessment
    rows = svc.analysed()
    by_position: dict[int, list] = {}
    for r in rows:
        by_position.setdefault(r.position_id, []).append(r)
    position_id, members = max(by_position.items(), key=lambda kv: len(kv[1]))
    assert len(members) >= 2
    # a hostile name must stay text in Excel
    with unit_of_work(demo_ctx.session_factory, write=True) as s:
        cand = s.get(Candidate, members[0].candidate_id)
        assert cand is not None
        person = s.get(Person, cand.person_id)
        assert person is not None
        person.name = '=HYPERLINK("http://x","y")'
    comp = svc.comparison(position_id)
    assert len(comp.rows) == len(members) and len(comp.dimensions) == 3
    assert [r.total for r in comp.rows] == sorted((r.total for r in comp.rows), reverse=True)
    assert all(len(r.scores) == 3 for r in comp.rows)
    out = svc.export_comparison(position_id, tmp_path / "cmp.xlsx")
    ws = load_workbook(out).active
    values = [[c.value for c in row] for row in ws.iter_rows()]
    names = {row[0] for row in values}
    assert {r.candidate for r in comp.rows} <= names
    hostile = next(c for row in ws.iter_rows() for c in row if c.value == '=HYPERLINK("http://x","y")')
    assert hostile.data_type == "s"
    assert any(isinstance(v, (int, float)) for row in values[3:] for v in row[5:])


@pytest.mark.slow
def test_pdf_report_renders_with_text_and_every_glyph(demo_ctx, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    if shutil.which("pdftotext") is None or shutil.which("pdftoppm") is None:
        pytest.skip("poppler-utils (pdftotext, pdftoppm) not installed")
    from app.reports.fonts import missing_glyphs

    svc = demo_ctx.services.assessment
    rows = svc.analysed()
    risky = next(r for r in rows if r.risk_count)
    decided = next(r for r in rows if r.state == "decided" and r.decided_by == DEMO_REVIEWER)
    for row, level in ((risky, "保留观察"), (decided, "保留观察")):
        pdf = svc.export_pdf(row.interview_id, tmp_path / f"r{row.interview_id}.pdf")
        text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
        compact = "".join(text.split())
        assert row.candidate in compact and level in compact
        for heading in ("面试评估报告", "知情同意记录", "各维度得分", "逐题回答分析", "非言语观察", "紧张"):
            assert heading in compact, heading
        assert missing_glyphs(text) == []
        fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True).stdout
        assert "WenQuanYi" in fonts and " yes " in fonts  # embedded
        subprocess.run(["pdftoppm", "-png", "-r", "60", str(pdf), str(tmp_path / f"p{row.interview_id}")], check=True)
        assert len(list(tmp_path.glob(f"p{row.interview_id}-*.png"))) >= 2
    assert "对医疗保密制度的理解存在偏差" in "".join(subprocess.run(
        ["pdftotext", str(tmp_path / f"r{risky.interview_id}.pdf"), "-"], capture_output=True, text=True).stdout.split())
    decided_text = subprocess.run(["pdftotext", str(tmp_path / f"r{decided.interview_id}.pdf"), "-"],
                                  capture_output=True, text=True).stdout
    assert "".join(DEMO_REVIEWER.split()) in "".join(decided_text.split())


def test_cli_review_report_and_decide(demo_ctx, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    from app.cli import main

    root = str(demo_ctx.data.root)
    queue = demo_ctx.services.assessment.review_queue()
    assert main(["interview", "review", "--json", "--data-dir", root]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [d["id"] for d in data] == [r.interview_id for r in queue]
    assert all(d["needs_review"] and d["decision"] is None and d["reasons"] for d in data)
    target = data[0]["id"]
    out = tmp_path / "report.pdf"
    assert main(["interview", "report", str(target), "--pdf", str(out), "--data-dir", root]) == 0
    assert out.read_bytes().startswith(b"%PDF") and str(out) in capsys.readouterr().out
    assert main(["interview", "report", str(target), "--pdf", str(tmp_path / "x.txt"), "--data-dir", root]) == 2
    assert ".pdf" in capsys.readouterr().err
    assert main(["interview", "decide", str(target), "--decision", "reject", "--reason", " ", "--user", "李四",
                 "--data-dir", root]) == 2
    assert "理由" in capsys.readouterr().err
    assert main(["interview", "decide", str(target), "--decision", "reject", "--reason", "专业知识明显不足。",
                 "--user", "李四", "--data-dir", root]) == 0
    capsys.readouterr()
    assert main(["interview", "review", "--json", "--data-dir", root]) == 0
    assert target not in [d["id"] for d in json.loads(capsys.readouterr().out)]

"""The talent service: resume → onboarding approval → employee → probation review → coefficient,
retention, the archive zip, search, saved searches and the talent pool."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.db.tables import (
    Candidate,
    CompetencyEvidence,
    Course,
    Department,
    Document,
    Employee,
    Interview,
    InterviewAssessment,
    InterviewRecording,
    LearningPath,
    PathItem,
    PayProfile,
    PerformanceCoefficient,
    Person,
    Position,
    PositionCompetency,
    ProbationReview,
    RetentionLog,
)
from app.db.uow import unit_of_work
from app.errors import Conflict, InvalidInput
from app.services.talent import SearchQuery

TODAY = date(2026, 11, 22)


def _seed_post(ctx) -> int:  # type: ignore[no-untyped-def]
    with unit_of_work(ctx.session_factory, write=True) as s:
        d = Department(code="NK-XN", name="心血管内科")
        s.add(d)
        s.flush()
        pos = Position(code="P-1", title="心内科住院医师", department_id=d.id, job_family="physician", grade="专业技术十二级",
                       title_ladder="住院医师", competencies=[
                           PositionCompetency(name="专业知识", weight=40, pass_bar=7.0, sort_order=0),
                           PositionCompetency(name="沟通能力", weight=30, pass_bar=6.0, sort_order=1),
                           PositionCompetency(name="团队协作", weight=30, pass_bar=6.0, sort_order=2)])
        s.add(pos)
        s.add_all([Course(code="C-GT01", title="患者沟通技巧", level="basic", dimensions=["职业素养", "沟通能力"]),
                   Course(code="C-GT02", title="跨部门沟通", level="basic", dimensions=["团队协作", "沟通能力"]),
                   Course(code="C-PY01", title="Python基础", level="basic", dimensions=["技术能力"])])
        s.flush()
        return pos.id


def _candidate(ctx, pos_id: int, name: str, status: str = "interview", scores: dict[str, float] | None = None,  # type: ignore[no-untyped-def]
               when: date = TODAY - timedelta(days=10)) -> tuple[int, int, int]:
    with unit_of_work(ctx.session_factory, write=True) as s:
        p = Person(name=name, gender="女", phone="13800000000", highest_degree="硕士", major="临床医学", professional_title="住院医师")
        s.add(p)
        s.flush()
        c = Candidate(person_id=p.id, position_id=pos_id, status=status, applied_at=when - timedelta(days=20),
                      resume_text="擅长冠心病介入、心电图判读", extracted={"skills": ["心电图", "PCI"], "school": "某医科大学"},
                      corrections={"school": "首都医科大学"})
        s.add(c)
        s.flush()
        at = datetime(when.year, when.month, when.day, 2, 0, tzinfo=UTC)
        iv = Interview(candidate_id=c.id, position_id=pos_id, scheduled_at=at, state="analysed", total_score=72.0,
                       recommendation="recommend", consent_audio=True, consent_ai=True, consent_at=at)
        s.add(iv)
        s.flush()
        scores = scores or {"专业知识": 8.2, "沟通能力": 5.4, "团队协作": 5.8}
        bars = {"专业知识": 7.0, "沟通能力": 6.0, "团队协作": 6.0}
        s.add(InterviewAssessment(interview_id=iv.id, total=72.0, recommendation="recommend",
                                  dimensions={k: {"blended": v, "bar": bars[k]} for k, v in scores.items()}))
        for k, v in scores.items():
            s.add(CompetencyEvidence(person_id=p.id, dimension=k, score=v, source="interview", source_id=iv.id, observed_on=when))
        return p.id, c.id, iv.id


def test_candidate_becomes_a_confirmed_employee_with_every_record(ctx) -> None:  # type: ignore[no-untyped-def]
    talent = ctx.services.talent
    pos_id = _seed_post(ctx)
    person_id, cand_id, iv_id = _candidate(ctx, pos_id, "林晓")
    prof = talent.profile(person_id, TODAY)
    assert prof.stage == "candidate" and prof.resume["school"] == "首都医科大学" and "school" in prof.resume_corrected
    assert [p.kind for p in prof.phrases] == ["strength", "gap", "gap"]
    assert prof.phrases[0].text.startswith("专业知识") and "8.2" in prof.phrases[0].text
    gap_rows = prof.evidence_for(prof.phrases[1].evidence_ids)
    assert [(e.dimension, e.score) for e in gap_rows] == [("沟通能力", 5.4)]

    start = date(2026, 3, 2)
    with pytest.raises(InvalidInput):  # longer than the law allows for this contract
        talent.create_onboarding(cand_id, start_date=start, user="王敏", contract_type="fixed_1y", probation_months=3)
    form_id, changes = talent.create_onboarding(cand_id, start_date=start, user="王敏", contract_type="fixed_3y",
                                                public_institution=False, salary_level=2, probation_ratio="0.8")
    assert changes.touches("onboarding_forms")
    form = talent.onboarding_form(form_id)
    assert (form.state, form.probation_months, form.grade, form.interview_id) == ("hr", 6, "专技十二级", iv_id)
    assert form.pay_items["岗位工资"] + form.pay_items["薪级工资"] == form.contract_wage_fen
    assert form.probation_wage_fen >= form.contract_wage_fen * 0.8
    assert talent.profile(person_id, TODAY).stage == "onboarding"
    with pytest.raises(Conflict):  # one open form per candidate
        talent.create_onboarding(cand_id, start_date=start, user="王敏")

    result, _ = talent.sign_onboarding(form_id, form.version, user="王敏", approve=True, note="材料齐全")
    assert result is None
    form = talent.onboarding_form(form_id)
    assert form.state == "dept_head"
    with pytest.raises(Conflict):  # the same person cannot sign twice
        talent.sign_onboarding(form_id, form.version, user="王敏", approve=True)
    with pytest.raises(Conflict):  # stale version
        talent.sign_onboarding(form_id, form.version - 1, user="李主任", approve=True)
    talent.sign_onboarding(form_id, form.version, user="李主任", approve=True)
    form = talent.onboarding_form(form_id)
    result, changes = talent.sign_onboarding(form_id, form.version, user="赵科长", approve=True, note="同意入职")
    assert result is not None and changes.touches("employees", "pay_profiles")
    form = talent.onboarding_form(form_id)
    assert form.state == "approved" and form.employee_id == result.employee_id
    assert [s["role"] for s in form.steps] == ["created", "hr", "dept_head", "hr_manager"]
    assert all(s["by"] and s["at"] for s in form.steps)

    with unit_of_work(ctx.session_factory) as s:
        emp = s.get(Employee, result.employee_id)
        assert emp is not None
        assert (emp.staff_no, emp.status, emp.hire_date, emp.probation_end) == ("E10001", "probation", start, date(2026, 9, 1))
        pay = s.scalar(select(PayProfile).where(PayProfile.employee_id == emp.id))
        assert pay is not None and (pay.post_grade, pay.salary_level, pay.category, pay.performance_coefficient) == \
            ("专技十二级", 2, "医师", 0.8)
        assert pay.contract_wage_fen == form.contract_wage_fen
        assert s.get(Candidate, cand_id).status == "hired"  # type: ignore[union-attr]
        path = s.scalar(select(LearningPath).where(LearningPath.person_id == person_id))
        assert path is not None and path.source == "onboarding"
        items = s.scalars(select(PathItem).where(PathItem.path_id == path.id).order_by(PathItem.sort_order)).all()
        assert [s.get(Course, i.course_id).code for i in items] == ["C-GT02", "C-GT01"]  # type: ignore[union-attr]
        review = s.scalar(select(ProbationReview).where(ProbationReview.employee_id == emp.id))
        assert review is not None and review.due_date == date(2026, 8, 17)
        coeffs = s.scalars(select(PerformanceCoefficient).where(PerformanceCoefficient.employee_id == emp.id)).all()
        assert [(c.effective_month, c.coefficient, c.status) for c in coeffs] == [("2026-03", 0.8, "approved")]

    due = talent.probation_due(date(2026, 8, 10), within_days=14)
    assert [r.employee_id for r in due] == [result.employee_id]
    assert talent.probation_due(date(2026, 7, 1), within_days=14) == []
    context = talent.probation_context(due[0].review_id, date(2026, 8, 10))
    assert context.interview is not None and context.interview.id == iv_id  # the interview is the reference
    assert context.current_coefficient == 0.8 and context.proposed_coefficient == 0.8  # gaps remain
    assert context.latest_extension == date(2026, 9, 1)  # 6 months is already the maximum

    with pytest.raises(InvalidInput):  # extension beyond the legal maximum
        talent.decide_probation(due[0].review_id, due[0].version, outcome="extend", user="赵科长",
                                extend_to=date(2026, 10, 1), today=date(2026, 8, 15))
    talent.decide_probation(due[0].review_id, due[0].version, outcome="confirm", user="赵科长", notes="考核合格",
                            new_coefficient=0.9, today=date(2026, 8, 20))
    prof = talent.profile(person_id, TODAY)
    assert prof.stage == "employee" and prof.probation_end == date(2026, 8, 20)
    proposed = [c for c in prof.coefficients if c.status == "proposed"]
    assert [(c.effective_month, c.coefficient) for c in proposed] == [("2026-09", 0.9)]
    assert prof.performance_coefficient == 0.8  # not effective before approval
    talent.approve_coefficient(proposed[0].id, user="赵科长", today=date(2026, 8, 25))
    assert talent.profile(person_id, TODAY).performance_coefficient == 0.8  # effective from September
    n, _ = talent.apply_coefficients("2026-09")
    assert n == 1 and talent.profile(person_id, TODAY).performance_coefficient == 0.9
    with pytest.raises(Conflict):
        talent.decide_probation(due[0].review_id, due[0].version + 1, outcome="end", user="x", today=TODAY)


def test_rejection_and_extension(ctx) -> None:  # type: ignore[no-untyped-def]
    talent = ctx.services.talent
    pos_id = _seed_post(ctx)
    _pid, cand_id, _iv = _candidate(ctx, pos_id, "周岚", scores={"专业知识": 7.5, "沟通能力": 6.5, "团队协作": 6.4})
    form_id, _ = talent.create_onboarding(cand_id, start_date=date(2026, 1, 5), user="王敏", contract_type="fixed_3y",
                                          public_institution=False, probation_months=3)
    form = talent.onboarding_form(form_id)
    with pytest.raises(InvalidInput):  # a rejection needs a reason
        talent.sign_onboarding(form_id, form.version, user="王敏", approve=False)
    talent.sign_onboarding(form_id, form.version, user="王敏", approve=False, note="学历证明未提交")
    assert talent.onboarding_form(form_id).state == "rejected"
    form_id, _ = talent.create_onboarding(cand_id, start_date=date(2026, 1, 5), user="王敏", contract_type="fixed_3y",
                                          public_institution=False, probation_months=3)
    for user in ("王敏", "李主任", "赵科长"):
        result, _ = talent.sign_onboarding(form_id, talent.onboarding_form(form_id).version, user=user, approve=True)
    assert result is not None and result.path_courses == ()  # no gaps, no path
    review = talent.probation_due(date(2026, 3, 25))[0]
    ctx_ = talent.probation_context(review.review_id, date(2026, 3, 25))
    assert ctx_.proposed_coefficient == 0.9  # every dimension meets its bar
    talent.decide_probation(review.review_id, review.version, outcome="extend", user="赵科长",
                            extend_to=date(2026, 7, 4), today=date(2026, 3, 25))
    nxt = talent.probation_due(date(2026, 7, 1))
    assert len(nxt) == 1 and nxt[0].probation_end == date(2026, 7, 4) and nxt[0].review_id != review.review_id
    talent.decide_probation(nxt[0].review_id, nxt[0].version, outcome="end", user="赵科长", today=date(2026, 7, 1))
    with unit_of_work(ctx.session_factory) as s:
        emp = s.get(Employee, result.employee_id)
        assert emp is not None and (emp.status, emp.leave_date) == ("left", date(2026, 7, 1))


def _recording(ctx, iv_id: int, days_ago: int, name: str) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    audio = f"archive/recordings/{name}/audio.wav"
    frame = f"archive/recordings/{name}/video/0001.jpg"
    for rel, data in ((audio, b"RIFF" + bytes(100)), (frame, b"\xff\xd8" + bytes(50))):
        f = ctx.data.root / rel
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_bytes(data)
    at = datetime.combine(TODAY - timedelta(days=days_ago), datetime.min.time(), UTC)
    with unit_of_work(ctx.session_factory, write=True) as s:
        s.add(InterviewRecording(interview_id=iv_id, audio_path=audio, video_dir=f"archive/recordings/{name}/video",
                                 started_at=at, ended_at=at + timedelta(minutes=20), state="finished"))
    return audio, frame


def test_retention_deletes_exactly_old_recordings_of_people_not_hired(ctx) -> None:  # type: ignore[no-untyped-def]
    talent = ctx.services.talent
    pos_id = _seed_post(ctx)
    _p1, _c1, iv_old_rejected = _candidate(ctx, pos_id, "甲", status="rejected")
    _p2, _c2, iv_old_pool = _candidate(ctx, pos_id, "乙", status="pool")
    _p3, _c3, iv_new_rejected = _candidate(ctx, pos_id, "丙", status="rejected")
    _p4, c4, iv_hired = _candidate(ctx, pos_id, "丁", status="interview")
    old1 = _recording(ctx, iv_old_rejected, 200, "r1")
    old2 = _recording(ctx, iv_old_pool, 181, "r2")
    new3 = _recording(ctx, iv_new_rejected, 100, "r3")
    hired4 = _recording(ctx, iv_hired, 300, "r4")
    form_id, _ = talent.create_onboarding(c4, start_date=TODAY - timedelta(days=250), user="a", public_institution=False)
    for user in ("a", "b", "c"):
        talent.sign_onboarding(form_id, talent.onboarding_form(form_id).version, user=user, approve=True)

    preview = talent.run_retention(180, user="王敏", dry_run=True, today=TODAY)
    assert not preview.deleted and preview.log_id is None
    assert sorted(i.interview_id for i in preview.items) == sorted([iv_old_rejected, iv_old_pool])
    assert all((ctx.data.root / f).exists() for f in (*old1, *old2))

    result = talent.run_retention(180, user="王敏", today=TODAY)
    assert result.deleted and result.log_id is not None
    for f in (*old1, *old2):
        assert not (ctx.data.root / f).exists()
    for f in (*new3, *hired4):
        assert (ctx.data.root / f).exists()
    with unit_of_work(ctx.session_factory) as s:
        left = sorted(s.scalars(select(InterviewRecording.interview_id)).all())
        assert left == sorted([iv_new_rejected, iv_hired])
        log = s.get(RetentionLog, result.log_id)
        assert log is not None and log.run_by == "王敏"
        assert sorted(d["interview_id"] for d in log.deleted) == sorted([iv_old_rejected, iv_old_pool])
        assert sorted(f for d in log.deleted for f in d["files"]) == sorted([*old1, *old2])
        assert sum(d["bytes"] for d in log.deleted) == 2 * (104 + 52)
    assert talent.run_retention(180, user="王敏", today=TODAY).items == ()  # nothing left to delete


def test_archive_zip_holds_what_its_index_lists(ctx, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    talent = ctx.services.talent
    pos_id = _seed_post(ctx)
    person_id, _cid, iv_id = _candidate(ctx, pos_id, "戊")
    audio, frame = _recording(ctx, iv_id, 5, "r5")
    src = tmp_path / "毕业证书.pdf"
    src.write_bytes(b"%PDF-1.4 test certificate")
    doc_id, _ = talent.add_document(person_id, src, kind="certificate", user="王敏")
    items = talent.archive(person_id)
    kinds = sorted(i.kind for i in items)
    assert kinds == ["audio", "consent", "document:certificate", "report", "video"]
    doc = next(i for i in items if i.document_id == doc_id)
    assert doc.added_by == "王敏" and doc.exists and talent.document_path(doc_id).read_bytes() == src.read_bytes()

    out = talent.export_archive(person_id, tmp_path / "out" / "archive.zip")
    with zipfile.ZipFile(out) as z:
        names = set(z.namelist())
        index = json.loads(z.read("index.json"))
        rows = list(csv.DictReader(io.StringIO(z.read("index.csv").decode("utf-8-sig"))))
        listed = {e["entry"] for e in index["entries"]}
        assert names - {"index.json", "index.csv"} == listed
        assert {r["entry"] for r in rows} == listed
        for e in index["entries"]:
            data = z.read(e["entry"])
            assert hashlib.sha256(data).hexdigest() == e["sha256"] and len(data) == e["bytes"]
        assert f"files/{audio}" in names and f"files/{frame}" in names
        report = json.loads(z.read(f"records/interview_{iv_id}_assessment.json"))
        assert report["dimensions"]["沟通能力"]["blended"] == 5.4


def test_search_saved_searches_and_pool(demo_ctx, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    talent = demo_ctx.services.talent
    everyone = talent.search(SearchQuery())
    nurses = talent.search(SearchQuery(licence="护士执业", role="employee"))
    assert nurses and all(any("护士执业" in k for k in h.licences) and h.role == "employee" for h in nurses)
    some = everyone[5]
    assert some in talent.search(SearchQuery(name=some.name[:2]))
    dept = talent.search(SearchQuery(department="心血管"))
    assert dept and all("心血管" in h.department for h in dept)
    scored = talent.search(SearchQuery(score_min=60, score_max=80))
    assert scored and all(h.score is not None and 60 <= h.score <= 80 for h in scored)
    titled = talent.search(SearchQuery(title="主治"))
    assert titled and all("主治" in h.professional_title for h in titled)
    assert len(talent.search(SearchQuery(skill="护理"))) < len(everyone)

    q = SearchQuery(licence="护士执业", department="呼吸", score_min=1.5)
    sid, _ = talent.save_search("呼吸科护士", q)
    saved = talent.saved_searches()
    assert [(s.id, s.name, s.query) for s in saved] == [(sid, "呼吸科护士", q)]
    talent.save_search("呼吸科护士", SearchQuery(licence="护士执业"))  # same name: replaced
    assert [s.query for s in talent.saved_searches()] == [SearchQuery(licence="护士执业")]
    with pytest.raises(InvalidInput):
        talent.save_search("  ", q)
    talent.delete_search(sid)
    assert talent.saved_searches() == []

    out = talent.export_people(nurses, tmp_path / "list.xlsx")
    from openpyxl import load_workbook

    ws = load_workbook(out).active
    assert ws.max_row == len(nurses) + 1 and ws.cell(1, 1).value == "姓名"

    pool = talent.pool()
    assert len(pool) >= 3 and all(r.reason for r in pool)
    hit = next(h for h in everyone if h.role == "candidate" and h.status in ("new", "screened"))
    talent.move_to_pool(hit.candidate_id, "编制已满，保留", user="王敏")  # type: ignore[arg-type]
    assert any(r.candidate_id == hit.candidate_id and r.reason == "编制已满，保留" for r in talent.pool())
    with pytest.raises(InvalidInput):
        talent.move_to_pool(hit.candidate_id, " ", user="王敏")  # type: ignore[arg-type]


def test_demo_has_profiles_in_every_stage(demo_ctx) -> None:  # type: ignore[no-untyped-def]
    talent = demo_ctx.services.talent
    due = talent.probation_due(TODAY, within_days=30)
    assert due, "a probation review is due in the demo"
    forms = talent.onboarding_forms(open_only=True)
    assert forms and forms[0].state == "dept_head"
    confirmed = [f for f in talent.onboarding_forms() if f.state == "approved" and f.employee_id]
    histories = [talent.profile(f.person_id, TODAY).coefficients for f in confirmed]
    assert any([c.coefficient for c in h if c.status == "approved"] == [0.8, 0.9] for h in histories)
    assert len(talent.pool()) >= 3
    assert talent.retention_preview(180, TODAY)
    with unit_of_work(demo_ctx.session_factory) as s:
        assert s.scalar(select(func.count()).select_from(CompetencyEvidence)) > 50
        assert s.scalar(select(func.count()).select_from(Document)) >= 0
    # the onboarded candidates' interviews were analysed like real ones: their reports have per-question evidence
    assessment = demo_ctx.services.assessment
    for f in talent.onboarding_forms():
        assert f.interview_id is not None
        d = assessment.detail(f.interview_id)
        assert d.state == "decided" and d.decision is not None and d.decision.decided_by
        assert len(d.answers) >= 4 and all(a.transcript for a in d.answers)
        assert sum(len(a.covered) for a in d.answers) >= 5 and all(a.ai_score is not None for a in d.answers)
    # the form waiting for the department head: a new graduate whose practising registration is still to be filed
    waiting = forms[0]
    assert waiting.licence_findings and {f.severity for f in waiting.licence_findings} == {"warn"}


def test_assessment_add_edit_adds_evidence(ctx) -> None:  # type: ignore[no-untyped-def]
    talent = ctx.services.talent
    pos_id = _seed_post(ctx)
    person_id, _c, _i = _candidate(ctx, pos_id, "己")
    aid, _ = talent.save_assessment(person_id, name="沟通情景测评", taken_on=TODAY, score=42, max_score=60,
                                    dimension="沟通能力", notes="角色扮演")
    prof = talent.profile(person_id, TODAY)
    assert prof.assessments[0].name == "沟通情景测评"
    comm = next(p for p in prof.picture if p.dimension == "沟通能力")
    assert comm.latest == 7.0 and comm.trend == 1.6  # 42/60 → 7.0 after the interview's 5.4
    a = prof.assessments[0]
    talent.save_assessment(person_id, name="沟通情景测评", taken_on=TODAY, score=30, max_score=60, dimension="沟通能力",
                           assessment_id=aid, version=a.version)
    comm = next(p for p in talent.profile(person_id, TODAY).picture if p.dimension == "沟通能力")
    assert comm.latest == 5.0 and comm.count == 2
    with pytest.raises(Conflict):
        talent.save_assessment(person_id, name="x", taken_on=TODAY, score=1, assessment_id=aid, version=a.version)
    with pytest.raises(InvalidInput):
        talent.save_assessment(person_id, name="", taken_on=TODAY, score=1)
    talent.delete_assessment(aid)
    assert talent.profile(person_id, TODAY).assessments == ()

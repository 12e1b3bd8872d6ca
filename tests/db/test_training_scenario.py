"""Scenario practice (情景演练) end to end on real clips: consent, the capture pipeline's crash-safe recorder,
whisper transcription, the interview analysis against the scenario's key points, the stored attempt with
dated ``scenario`` evidence, and signed overrides. Also group assignment with a preview."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.db.tables import CompetencyEvidence, Course, Employee, Enrollment, Person
from app.db.uow import unit_of_work
from app.errors import InvalidInput
from app.i18n import _
from app.positions.questions import Question
from app.services.training import FALLBACK_SIGNER, GroupFilter, PlannedItem, PracticeConsent, TrainingService
from app.speech.audio import read_wav_info
from app.training.scenario import media_source
from tests.conftest import DEMO_TODAY
from tests.support import require_model, shared_data

MODEL_INTRO = Question(
    "test-scn-001", "情景：向临床医生介绍科室新引进的语音识别模型，并邀请医生试用。请直接对医生说。", "情景题", "沟通能力", 2,
    "general",
    key_points=("介绍这是一个语音识别模型", "邀请大家来体验试用", "说明识别出错时由医生人工核对病历"),
    reference_answer="各位老师好，科室新引进了一个语音识别模型，可以把口述转成病历文字，欢迎大家来体验。"
                     "模型偶尔会识别错误，写入病历前请您人工核对。",
    key_terms=("语音识别模型",),
)


def _service(ctx) -> TrainingService:  # type: ignore[no-untyped-def]
    # the raw service (the permission guard's policy lists methods; this test is about the training rules)
    return TrainingService(ctx.session_factory, ctx.data)


def _scenario(ctx, tr: TrainingService) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """A scenario on 患者沟通技巧 (a 情景演练 course) and an employee enrolled in that course."""
    ctx.services.questions.import_questions([MODEL_INTRO], user="测试")
    with unit_of_work(ctx.session_factory) as s:
        course = s.scalar(select(Course).where(Course.code == "C-GT01"))
        assert course is not None and course.format == "scenario"
        course_id = course.id
    version = _version_of(ctx, "test-scn-001")
    quiz = tr.create_scenario(course_id, "介绍语音识别模型", [version])
    person = tr.people("family", "physician")[0]
    with unit_of_work(ctx.session_factory) as s:
        enrolled = s.scalar(select(Enrollment.id).where(Enrollment.person_id == person.person_id,
                                                        Enrollment.course_id == course_id))
    if enrolled is None:
        tr.assign_path([person.person_id], [PlannedItem(course_id, DEMO_TODAY + timedelta(days=30))], title="沟通",
                       today=DEMO_TODAY)
    return quiz, person.person_id


def _version_of(ctx, code: str) -> int:  # type: ignore[no-untyped-def]
    from app.db.tables import Question as BankRow
    from app.db.tables import QuestionVersion

    with unit_of_work(ctx.session_factory) as s:
        return int(s.scalar(select(QuestionVersion.id).join(BankRow, QuestionVersion.question_id == BankRow.id)
                            .where(BankRow.code == code)))


@pytest.fixture(scope="module")
def engine():  # type: ignore[no-untyped-def]
    require_model("faster-whisper-base")
    from app.speech.engine import SpeechSettings, create_engine

    return create_engine(SpeechSettings(engine="whisper", hotwords=("语音识别模型",), speaker_labels=False))


def _consent(keep: bool = True) -> PracticeConsent:
    return PracticeConsent(analysis=True, keep_recording=keep, at=datetime(2026, 11, 22, 2, 0, tzinfo=UTC))


@pytest.mark.slow
def test_practice_from_a_real_clip_is_recorded_transcribed_scored_and_fed_to_the_profile(demo_ctx, engine) -> None:  # type: ignore[no-untyped-def]
    tr = _service(demo_ctx)
    quiz, pid = _scenario(demo_ctx, tr)
    clip = shared_data("media/speech/old_funasr_asr_example.wav")  # "欢迎大家来体验达摩院推出的语音识别模型"
    heard: list[str] = []
    rec = tr.practise(quiz, pid, media_source(clip), consent=_consent(), today=DEMO_TODAY, source_name=clip.name,
                      engine=engine, on_segment=lambda seg: heard.append(seg.text))
    # the capture pipeline kept the recording in the archive, complete
    assert rec.recording is not None and rec.recording.is_relative_to(demo_ctx.data.archive)
    assert abs(read_wav_info(rec.recording).duration - read_wav_info(clip).duration) < 0.1
    assert 5.0 < rec.audio_seconds < 6.0
    # whisper heard the model being introduced (its CER on this clip is low; "达摩院" may be misheard)
    text = "".join(s.text for s in rec.transcript)
    assert "语音识别模型" in text and heard and "".join(heard) == text
    # the interview analysis: introducing the model and inviting to try it are covered, the safety point is not
    item = rec.attempt.grade.items[0]
    assert item.kind == "scenario" and item.given == text
    lines = "\n".join(item.explanation)
    covered = [ln for ln in item.explanation if ln.startswith((_("covered"), _("partly covered")))]
    missed = [ln for ln in item.explanation if ln.startswith(_("missed"))]
    assert any("语音识别模型" in ln for ln in covered), lines
    assert any("体验" in ln for ln in covered), lines
    assert [ln for ln in missed if "人工核对" in ln] and not any("人工核对" in ln for ln in covered), lines
    assert 0 < rec.attempt.row.score < 100 and rec.attempt.row.score == round(item.auto * 100, 1)
    # stored as a practice attempt with dated scenario evidence for the dimension
    assert [p.id for p in tr.practices(pid)] == [rec.attempt.row.id]
    assert tr.scenario(quiz).practices == 1
    ev = [e for e in tr.evidence(pid) if e.source == "scenario"]
    assert [(e.dimension, e.observed_on) for e in ev] == [("沟通能力", DEMO_TODAY)]
    assert ev[0].score == pytest.approx(item.auto * 10, abs=0.01)
    # the stored record reads back the same
    again = tr.practice(rec.attempt.row.id)
    assert again.transcript == rec.transcript and again.recording == rec.recording and again.consent_at

    # an override signed by the signed-in user; the evidence follows, still as scenario evidence
    after = tr.override_score(rec.attempt.row.id, item.version_id, 90, reason="试讲中已口头说明核对要求",
                              today=DEMO_TODAY, signer="王主任")
    assert after.row.overridden_by == "王主任" and after.grade.items[0].override == 0.9
    assert after.grade.items[0].auto == item.auto  # the automatic score stays visible
    ev = [e for e in tr.evidence(pid) if e.source in ("scenario", "quiz") and e.observed_on == DEMO_TODAY]
    assert [(e.source, e.score) for e in ev] == [("scenario", 9.0)]
    # without a signer (command line) the HR office signs
    fallback = tr.override_score(rec.attempt.row.id, item.version_id, 80, reason="复核", today=DEMO_TODAY)
    assert fallback.row.overridden_by == FALLBACK_SIGNER == "人事科"


@pytest.mark.slow
def test_practice_from_a_silent_video_without_keeping_the_recording(demo_ctx, engine) -> None:  # type: ignore[no-untyped-def]
    tr = _service(demo_ctx)
    quiz, pid = _scenario(demo_ctx, tr)
    archive = demo_ctx.data.archive / "training"
    # a video (its sound track decoded with PyAV) in which nobody speaks: stored with score 0 and the reason,
    # and without consent to keep the recording no file is written
    silent = shared_data("media/video/LivePortrait_d3.mp4")
    rec = tr.practise(quiz, pid, media_source(silent), consent=_consent(keep=False), today=DEMO_TODAY,
                      source_name=silent.name, engine=engine)
    assert rec.recording is None and not list(archive.rglob("*.wav"))
    assert 11.5 < rec.audio_seconds < 12.0 and rec.source == silent.name
    assert rec.transcript == () and rec.attempt.row.score == 0.0 and not rec.attempt.row.passed
    assert rec.attempt.grade.items[0].explanation == (_("Nothing was said that could be transcribed."),)
    assert [e.score for e in tr.evidence(pid) if e.source == "scenario"] == [0.0]


def test_practice_needs_consent_enrolment_a_scenario_course_and_a_readable_file(demo_ctx, tmp_path) -> None:  # type: ignore[no-untyped-def]
    tr = _service(demo_ctx)
    quiz, pid = _scenario(demo_ctx, tr)
    clip = shared_data("media/speech/wenet_nst_ID003.wav")
    no = PracticeConsent(analysis=False, keep_recording=False, at=datetime.now(UTC))
    with pytest.raises(InvalidInput):
        tr.practise(quiz, pid, media_source(clip), consent=no, today=DEMO_TODAY, engine=object())
    with unit_of_work(demo_ctx.session_factory) as s:
        enrolled = set(s.scalars(select(Enrollment.person_id)
                                 .join(Course, Enrollment.course_id == Course.id).where(Course.code == "C-GT01")))
    outsider = next(p for p in tr.people() if p.person_id not in enrolled)
    with pytest.raises(InvalidInput, match="C-GT01|患者沟通技巧"):
        tr.practise(quiz, outsider.person_id, media_source(clip), consent=_consent(), today=DEMO_TODAY,
                    engine=object())
    assert pid in {p.person_id for p in tr.scenario_people(quiz)}
    assert outsider.person_id not in {p.person_id for p in tr.scenario_people(quiz)}
    with unit_of_work(demo_ctx.session_factory) as s:
        plain = s.scalar(select(Course.id).where(Course.format != "scenario"))
    with pytest.raises(InvalidInput):
        tr.create_scenario(plain, "x", [1])
    bad = tmp_path / "notes.txt"
    bad.write_text("not audio", encoding="utf-8")
    with pytest.raises(InvalidInput):
        list(media_source(bad))
    with pytest.raises(InvalidInput):
        list(media_source(tmp_path / "missing.wav"))
    assert not (demo_ctx.data.archive / "training").exists() or not list((demo_ctx.data.archive / "training").rglob("*.wav"))


def test_group_preview_skips_enrolled_people_with_a_reason_and_assigns_in_one_go(demo_ctx) -> None:  # type: ignore[no-untyped-def]
    tr = _service(demo_ctx)
    with unit_of_work(demo_ctx.session_factory) as s:
        courses = {c.code: c.id for c in s.scalars(select(Course))}
        nurses = s.execute(select(Employee.person_id, Employee.hire_date, Person.professional_title)
                           .join(Person, Employee.person_id == Person.id)
                           .where(Employee.status != "left")).all()
    # "the nurses hired since <day>" as the dialog builds it (the day of the 4th most recent nurse hire)
    nursing = {p.person_id for p in tr.people("family", "nursing")}
    hires = sorted((hired for pid, hired, _t in nurses if pid in nursing), reverse=True)
    since = hires[3]
    group = GroupFilter(family="nursing", hired_from=since, hired_to=DEMO_TODAY)
    ids = [courses["C-GT02"], courses["C-PY01"]]  # courses the demo's nurses have not taken
    preview = tr.group_preview(group, ids)
    expected = {pid for pid, hired, _t in nurses if pid in nursing and since <= hired <= DEMO_TODAY}
    assert len(preview) >= 4 and {r.person_id for r in preview} == expected
    assert all(r.hire_date is not None and since <= r.hire_date <= DEMO_TODAY for r in preview)
    # make one member already enrolled in one course and another in both
    first, second = [r for r in preview if len(r.assign) == 2][:2]
    tr.assign_path([first.person_id], [PlannedItem(ids[0], None)], title="x", today=DEMO_TODAY)
    tr.assign_path([second.person_id], [PlannedItem(i, None) for i in ids], title="x", today=DEMO_TODAY)
    preview = {r.person_id: r for r in tr.group_preview(group, ids)}
    assert preview[first.person_id].gets_path and len(preview[first.person_id].assign) == 1
    assert "已" in preview[first.person_id].reason or "already" in preview[first.person_id].reason
    assert not preview[second.person_id].gets_path and preview[second.person_id].reason
    before = len(tr.learning_paths(DEMO_TODAY))
    res = tr.assign_group(group, [PlannedItem(i, DEMO_TODAY + timedelta(days=60)) for i in ids], title="新护士院感与急救",
                          today=DEMO_TODAY, user="护理部")
    getting = [r for r in preview.values() if r.gets_path]
    assert res.paths == len(getting) and len(tr.learning_paths(DEMO_TODAY)) == before + len(getting)
    assert res.enrollments == sum(len(r.assign) for r in getting)
    again = {r.person_id: r for r in tr.group_preview(group, ids)}
    assert not any(r.gets_path for r in again.values())
    with pytest.raises(InvalidInput):
        tr.assign_group(group, [PlannedItem(i, None) for i in ids], title="t", today=DEMO_TODAY)
    with pytest.raises(InvalidInput):
        tr.group_preview(GroupFilter(), ids)
    with pytest.raises(InvalidInput):
        tr.group_preview(GroupFilter(hired_from=DEMO_TODAY, hired_to=DEMO_TODAY - timedelta(days=1)), ids)
    # a title (职称) filter matches only that title
    titled = next((t for _p, _h, t in nurses if t), "")
    if titled:
        assert {r.professional_title for r in tr.group_preview(GroupFilter(title=titled), ids)} == {titled}


def test_scenario_evidence_never_collides_with_course_completion_evidence(demo_ctx) -> None:  # type: ignore[no-untyped-def]
    tr = _service(demo_ctx)
    with unit_of_work(demo_ctx.session_factory) as s:
        sources = set(s.scalars(select(CompetencyEvidence.source)))
    # completed courses of every format are training evidence; scenario evidence comes only from practices
    assert "scenario" not in sources and "training" in sources
    assert tr.scenarios() == [] or all(r.course for r in tr.scenarios())


def test_cme_duty_follows_the_post_family_also_on_ai_medical_posts(demo_ctx) -> None:  # type: ignore[no-untyped-def]
    """继续医学教育: 25 credits a year for 卫生技术人员 (physician, nursing, medtech posts); an AI-medical post of a
    health-technical family keeps the duty (a 医学影像AI工程师 on the 技师 ladder), administration has none."""
    tr = _service(demo_ctx)
    people = {p.person_id: p for p in tr.people()}
    rows = tr.credits(DEMO_TODAY.year)
    assert rows and len(rows) == len(people)
    for r in rows:
        family = people[r.person_id].job_family
        assert r.required == (25.0 if family in ("physician", "nursing", "medtech") else 0.0), (family, r)
        assert r.shortfall == max(0.0, round(r.required - r.earned, 2)) and r.met == (r.earned >= r.required)
    ai = [p for p in people.values() if p.family == "ai_medical" and p.job_family == "medtech"]
    assert ai and all(next(r for r in rows if r.person_id == p.person_id).required == 25.0 for p in ai)
    # the gap shows in the recommendation of an AI-medical person short of credits
    short = next(p for p in ai if not next(r for r in rows if r.person_id == p.person_id).met)
    gaps, _notes = tr.gaps(short.person_id, DEMO_TODAY)
    assert any(g.kind == "cme" for g in gaps)


def test_cli_lists_scenarios_and_refuses_a_practice_without_consent(demo_ctx, capsys) -> None:  # type: ignore[no-untyped-def]
    import json

    from app.cli import main

    root = str(demo_ctx.data.root)
    assert main(["training", "scenarios", "--json", "--data-dir", root]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {r["course"] for r in rows} >= {"患者沟通技巧", "冲突管理", "AI医疗产品设计"}
    assert all(r["questions"] >= 1 and r["key_points"] >= 3 for r in rows)
    clip = str(shared_data("media/speech/wenet_nst_ID003.wav"))
    person = _service(demo_ctx).people()[0].person_id
    assert main(["training", "practise", str(rows[0]["quiz_id"]), str(person), clip, "--data-dir", root]) == 2
    assert "--consent" in capsys.readouterr().err
    assert not (demo_ctx.data.archive / "training").exists()

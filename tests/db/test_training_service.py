"""Training service on the demo hospital: paths from gaps, assignment, progress, evidence, quizzes,
coefficient proposals, credits, Excel import/export and the CLI."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from app.db.tables import (
    CompetencyEvidence,
    Course,
    Employee,
    Enrollment,
    PerformanceCoefficient,
    PositionCompetency,
)
from app.db.uow import unit_of_work
from app.errors import Conflict, InvalidInput
from app.i18n import _
from app.services.training import PlannedItem
from tests.conftest import DEMO_TODAY


def _fresh_employee(ctx):  # type: ignore[no-untyped-def]
    """An AI-medical employee with no enrolments, and their position's bars."""
    tr = ctx.services.training
    with unit_of_work(ctx.session_factory) as s:
        enrolled = set(s.scalars(select(Enrollment.person_id)))
    person = next(p for p in tr.people() if p.person_id not in enrolled and p.family == "physician")
    with unit_of_work(ctx.session_factory) as s:
        emp = s.scalar(select(Employee).where(Employee.person_id == person.person_id))
        bars = {c.name: c.pass_bar for c in s.scalars(select(PositionCompetency)
                                                      .where(PositionCompetency.position_id == emp.position_id))}
    return person, bars


def _evidence(ctx, person_id: int, scores: dict[str, float], day: date) -> None:  # type: ignore[no-untyped-def]
    with unit_of_work(ctx.session_factory, write=True) as s:
        for dim, score in scores.items():
            s.add(CompetencyEvidence(person_id=person_id, dimension=dim, score=score, source="assessment",
                                     observed_on=day, note="test"))


def test_recommend_from_gaps_assign_progress_and_evidence(demo_ctx) -> None:  # type: ignore[no-untyped-def]
    tr = demo_ctx.services.training
    person, bars = _fresh_employee(demo_ctx)
    weak = next(iter(bars))
    scores = {d: b + 1.0 for d, b in bars.items()}
    scores[weak] = bars[weak] - 1.5
    _evidence(demo_ctx, person.person_id, scores, DEMO_TODAY - timedelta(days=30))
    rec = tr.recommend(person.person_id, DEMO_TODAY)
    dim_gaps = [g for g in rec.proposal.gaps if g.kind == "dimension"]
    assert [g.dimension for g in dim_gaps] == [weak]
    assert f"{weak} {scores[weak]:.1f} < {bars[weak]:.1f}" in dim_gaps[0].reason
    assert rec.proposal.steps and any(weak in s.reason_text for s in rec.proposal.steps)
    assert len(rec.due_dates) == len(rec.proposal.steps) and rec.due_dates[0] > DEMO_TODAY
    # HR keeps the first step only and assigns it
    step = rec.proposal.steps[0]
    res = tr.assign_path([person.person_id], [PlannedItem(step.course_id, DEMO_TODAY + timedelta(days=30), step.reason_text)],
                         title="测试路径", today=DEMO_TODAY, user="测试")
    assert (res.paths, res.enrollments) == (1, 1)
    path = next(p for p in tr.learning_paths(DEMO_TODAY) if p.person_id == person.person_id)
    assert path.items == 1 and path.status == "assigned"
    enrol = next(e for e in tr.enrollments(DEMO_TODAY) if e.person_id == person.person_id)
    modules = tr.module_progress(enrol.id)
    assert modules and all(m.status == "todo" for m in modules)
    # one module done → in progress; late → overdue on a later date
    tr.set_module_status(modules[0].id, "done", DEMO_TODAY)
    enrol = next(e for e in tr.enrollments(DEMO_TODAY) if e.id == enrol.id)
    assert enrol.status == "in_progress" and 0 < enrol.progress_pct < 100
    assert not enrol.overdue
    later = DEMO_TODAY + timedelta(days=31)
    assert any(r.id == enrol.id for r in tr.overdue(later))
    assert tr.overdue_count(later) >= tr.overdue_count(DEMO_TODAY) + 1
    # completion with a score writes dated evidence for every dimension the course builds
    done_day = DEMO_TODAY + timedelta(days=10)
    tr.complete_enrollment(enrol.id, done_day, score=88)
    course = next(c for c in tr.courses() if c.id == step.course_id)
    ev = [e for e in tr.evidence(person.person_id) if e.observed_on == done_day]
    assert {e.dimension for e in ev} == set(course.dimensions)
    assert all(e.score == 8.8 and e.source in ("training", "scenario") for e in ev)
    with pytest.raises(Conflict):
        tr.complete_enrollment(enrol.id, done_day, score=90)


def test_assign_to_a_group_skips_existing_enrolments_and_checks_order(demo_ctx) -> None:  # type: ignore[no-untyped-def]
    tr = demo_ctx.services.training
    ward = tr.people("family", "nursing")[:5]
    courses = {c.code: c for c in tr.courses()}
    items = [PlannedItem(courses["C-YG01"].id, DEMO_TODAY + timedelta(days=20), "院感年度培训"),
             PlannedItem(courses["C-JJ01"].id, DEMO_TODAY + timedelta(days=40), "急救复训")]
    with unit_of_work(demo_ctx.session_factory) as s:
        before = s.scalar(select(func.count()).select_from(Enrollment))
        already = s.scalar(select(func.count()).select_from(Enrollment).where(
            Enrollment.person_id.in_([p.person_id for p in ward]),
            Enrollment.course_id.in_([courses["C-YG01"].id, courses["C-JJ01"].id])))
    res = tr.assign_path([p.person_id for p in ward], items, title="病区院感与急救", today=DEMO_TODAY, source="group")
    assert res.paths == 5 and res.enrollments + res.skipped == 10 and res.skipped == already
    with unit_of_work(demo_ctx.session_factory) as s:
        assert s.scalar(select(func.count()).select_from(Enrollment)) == before + res.enrollments
    # a course before its prerequisite is refused; past due dates too
    bad = [PlannedItem(courses["C-DL01"].id, None), PlannedItem(courses["C-PY01"].id, None)]
    with pytest.raises(InvalidInput, match="C-PY01"):
        tr.assign_path([ward[0].person_id], bad, title="x", today=DEMO_TODAY)
    with pytest.raises(InvalidInput):
        tr.assign_path([ward[0].person_id], [PlannedItem(courses["C-PY01"].id, DEMO_TODAY - timedelta(days=1))],
                       title="x", today=DEMO_TODAY)


def test_prerequisite_cycle_in_the_catalogue_is_reported(demo_ctx) -> None:  # type: ignore[no-untyped-def]
    with unit_of_work(demo_ctx.session_factory, write=True) as s:
        py = s.scalar(select(Course).where(Course.code == "C-PY01"))
        py.prerequisites = ["C-DL01"]  # C-DL01 already needs C-PY01
    person, bars = _fresh_employee(demo_ctx)
    with pytest.raises(InvalidInput, match="C-DL01"):
        demo_ctx.services.training.recommend(person.person_id, DEMO_TODAY)


def test_quiz_attempt_grading_override_and_profile_evidence(demo_ctx) -> None:  # type: ignore[no-untyped-def]
    tr = demo_ctx.services.training
    quiz = next(q for q in tr.quizzes() if q.choice_questions == q.questions)
    _title, _pass, questions = tr.quiz_questions(quiz.id)
    person, _bars = _fresh_employee(demo_ctx)
    answers = {q.version_id: q.answer for q in questions}
    wrong = questions[0]
    answers[wrong.version_id] = next(k for k, _t in wrong.options if k not in wrong.answer)
    detail = tr.submit_attempt(quiz.id, person.person_id, answers, today=DEMO_TODAY)
    n = len(questions)
    assert detail.row.score == pytest.approx(round(100 * (n - 1) / n, 1))
    ev = [e for e in tr.evidence(person.person_id) if e.source == "quiz"]
    assert ev and ev[0].observed_on == DEMO_TODAY
    # a person overrides the wrong item: the score and the evidence follow, the auto score stays
    after = tr.override_score(detail.row.id, wrong.version_id, 100, by="李老师", reason="选项表述有歧义", today=DEMO_TODAY)
    assert after.row.score == 100.0 and after.row.overridden_by == "李老师"
    item = next(i for i in after.grade.items if i.version_id == wrong.version_id)
    assert item.auto == 0.0 and item.override == 1.0
    ev2 = [e for e in tr.evidence(person.person_id) if e.source == "quiz"]
    assert len(ev2) == len(ev) and all(e.score == 10.0 for e in ev2)


def test_short_answer_quiz_from_the_bank(demo_ctx) -> None:  # type: ignore[no-untyped-def]
    tr = demo_ctx.services.training
    qid = tr.quiz_from_bank("简答测试", dimensions=("专业知识",), n=1, family="nursing", kind="short")
    _t, _p, (q,) = tr.quiz_questions(qid)
    person, _bars = _fresh_employee(demo_ctx)
    good = tr.submit_attempt(qid, person.person_id, {q.version_id: "；".join(q.key_points)}, today=DEMO_TODAY)
    poor = tr.submit_attempt(qid, person.person_id, {q.version_id: "不清楚"}, today=DEMO_TODAY)
    assert good.row.score > poor.row.score
    assert len(good.grade.items[0].explanation) > 1


def test_coefficient_proposal_and_decision(demo_ctx) -> None:  # type: ignore[no-untyped-def]
    tr = demo_ctx.services.training
    person, bars = _fresh_employee(demo_ctx)
    start = DEMO_TODAY - timedelta(days=120)
    _evidence(demo_ctx, person.person_id, {d: 5.0 for d in bars}, start - timedelta(days=10))
    courses = [c for c in tr.courses() if set(c.dimensions) & set(bars) and not c.prerequisites][:2]
    assert len(courses) == 2
    tr.assign_path([person.person_id], [PlannedItem(c.id, None) for c in courses], title="t", today=start)
    for i, e in enumerate(r for r in tr.enrollments(DEMO_TODAY) if r.person_id == person.person_id):
        tr.complete_enrollment(e.id, start + timedelta(days=10 + i), score=90)
    created = tr.propose_coefficients(DEMO_TODAY)
    mine = [p for p in created if p.name == person.name]
    assert len(mine) == 1 and mine[0].status == "proposed" and mine[0].coefficient == pytest.approx(mine[0].current + 0.05)
    assert not [p for p in tr.propose_coefficients(DEMO_TODAY) if p.name == person.name]  # no second proposal
    with pytest.raises(InvalidInput):
        tr.decide_proposal(mine[0].id, True, user=" ")
    tr.decide_proposal(mine[0].id, True, user="人事科长")
    with unit_of_work(demo_ctx.session_factory) as s:
        pc = s.get(PerformanceCoefficient, mine[0].id)
        assert (pc.status, pc.decided_by, pc.source) == ("approved", "人事科长", "training")
    with pytest.raises(Conflict):
        tr.decide_proposal(mine[0].id, False, user="人事科长")


def test_cme_credits_per_year(demo_ctx) -> None:  # type: ignore[no-untyped-def]
    tr = demo_ctx.services.training
    person, _bars = _fresh_employee(demo_ctx)
    row = next(r for r in tr.credits(2026) if r.person_id == person.person_id)
    assert (row.earned, row.required, row.met) == (0.0, 25.0, False)
    cme = next(c for c in tr.courses() if c.code == "C-JJ01")
    tr.assign_path([person.person_id], [PlannedItem(cme.id, None)], title="t", today=date(2026, 1, 1))
    e = next(r for r in tr.enrollments(DEMO_TODAY) if r.person_id == person.person_id)
    tr.complete_enrollment(e.id, date(2026, 3, 1))
    row = next(r for r in tr.credits(2026) if r.person_id == person.person_id)
    assert row.earned == cme.credits and row.shortfall == 25.0 - cme.credits
    assert next(r for r in tr.credits(2025) if r.person_id == person.person_id).earned == 0.0
    assert not [e for e in tr.evidence(person.person_id) if e.source == "training"]  # no score → no evidence


def test_course_excel_round_trip_and_row_validation(demo_ctx, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    tr = demo_ctx.services.training
    out = tr.export_courses(tmp_path / "courses.xlsx")
    wb = load_workbook(out)
    ws = wb.worksheets[0]
    assert ws.cell(1, 1).value == "课程编号" and ws.max_row == 15
    ws.append(["C-NEW1", "新课程", "课程", "初级", "沟通能力", 6, 1, "Ⅱ类", "C-TJ01", "说明"])
    ws.append(["C-BAD1", "坏课程", "讲座", "初级", "沟通能力", -1, 1, "", "C-NOPE", ""])
    wb.worksheets[1].append(["C-NEW1", 1, "第一讲", 3])
    wb.worksheets[1].append(["C-NEW1", 2, "第二讲", 3])
    wb.save(out)
    result = tr.read_course_file(out)
    assert {r.code for r in result.rows} >= {"C-NEW1"} and "C-BAD1" not in {r.code for r in result.rows}
    reasons = " ".join(p.reason for p in result.problems if p.row == 17)
    assert "课程" in reasons or reasons  # format, hours and prerequisite problems on row 17
    assert len([p for p in result.problems if p.row == 17]) >= 4  # also: credits without a CME class
    with pytest.raises(InvalidInput):
        tr.import_courses(out)  # not clean: nothing imported
    assert "C-NEW1" not in {c.code for c in tr.courses()}
    added, updated, _r = tr.import_courses(out, only_good=True)
    assert added == 1 and updated == 14
    new = next(c for c in tr.courses() if c.code == "C-NEW1")
    assert [m.title for m in tr.modules(new.id)] == ["第一讲", "第二讲"]
    assert new.cme_class == "II"
    classes = {c.code: c.cme_class for c in tr.courses()}
    assert classes["C-YX01"] == "I" and classes["C-JJ01"] == "II" and classes["C-PY01"] == ""  # the demo's classes


def test_material_file_is_copied_into_the_archive(demo_ctx, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    tr = demo_ctx.services.training
    src = tmp_path / "讲义.txt"
    src.write_text("内容", encoding="utf-8")
    course = tr.courses()[0]
    m = tr.add_material(course.id, "", file=src)
    stored = tr.material_path(m)
    assert m.location.startswith("archive/courses/") and stored is not None and stored.read_text(encoding="utf-8") == "内容"
    with pytest.raises(InvalidInput):
        tr.add_material(course.id, "x")


def test_report_and_cli(demo_ctx, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    from app.cli import main

    rep = demo_ctx.services.training.report(DEMO_TODAY)
    assert rep.by_department and rep.by_course and rep.credits
    assert sum(c.enrolled for c in rep.by_course) == len(demo_ctx.services.training.enrollments(DEMO_TODAY))
    assert len(rep.overdue) == demo_ctx.services.training.overdue_count(DEMO_TODAY) > 0
    root = str(demo_ctx.data.root)
    assert main(["training", "overdue", "--json", "--today", DEMO_TODAY.isoformat(), "--data-dir", root]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == len(rep.overdue) and all(r["days_overdue"] > 0 for r in rows)
    out = tmp_path / "report.xlsx"
    assert main(["training", "report", "--xlsx", str(out), "--today", DEMO_TODAY.isoformat(), "--data-dir", root]) == 0
    assert len(load_workbook(out).sheetnames) == 5
    assert main(["training", "recommend", "999999", "--data-dir", root]) == 2
    assert main(["training", "report", "--xlsx", str(tmp_path / "r.csv"), "--data-dir", root]) == 2


def test_25_credits_but_short_of_class_i_is_flagged(demo_ctx, capsys) -> None:  # type: ignore[no-untyped-def]
    """Ⅱ类 credits cannot stand in for Ⅰ类: 3 + 22 = 25 in total is still short (继续医学教育, 卫生部 2006)."""
    tr = demo_ctx.services.training
    person, _bars = _fresh_employee(demo_ctx)
    with unit_of_work(demo_ctx.session_factory, write=True) as s:
        s.add_all([Course(code="T-I3", title="省级项目（3学分）", format="cme", dimensions=["专业知识"], hours=6,
                          credits=3.0, cme_class="I"),
                   Course(code="T-II22", title="院内讲座合集（22学分）", format="cme", dimensions=["专业知识"], hours=40,
                          credits=22.0, cme_class="II")])
    ids = {c.code: c.id for c in tr.courses()}
    tr.assign_path([person.person_id], [PlannedItem(ids["T-I3"], None), PlannedItem(ids["T-II22"], None)],
                   title="t", today=date(2026, 1, 1))
    for e in [r for r in tr.enrollments(DEMO_TODAY) if r.person_id == person.person_id]:
        tr.complete_enrollment(e.id, date(2026, 3, 1))
    row = next(r for r in tr.credits(2026) if r.person_id == person.person_id)
    assert (row.earned, row.earned_i, row.earned_ii, row.required_i, row.required_ii) == (25.0, 3.0, 22.0, 5.0, 15.0)
    assert not row.met and row.shortfall == 2.0
    short = _("Class I credits {earned:.1f} < {required:.1f}").format(earned=3.0, required=5.0)
    assert row.short_text == short
    from app.cli import main

    root = str(demo_ctx.data.root)
    assert main(["training", "credits", "--year", "2026", "--short", "--today", "2026-06-01", "--data-dir", root]) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if x.startswith(person.staff_no))
    assert short in line and "25" in line
    assert main(["training", "credits", "--year", "2026", "--json", "--today", "2026-06-01", "--data-dir", root]) == 0
    mine = next(r for r in json.loads(capsys.readouterr().out) if r["person_id"] == person.person_id)
    assert (mine["earned_i"], mine["earned_ii"], mine["met"]) == (3.0, 22.0, False)
    gaps, _notes = tr.gaps(person.person_id, date(2026, 6, 1))
    cme = [g for g in gaps if g.kind == "cme"]
    assert len(cme) == 1 and cme[0].reason == short and cme[0].cme_classes == ("I",)
    rec = tr.recommend(person.person_id, date(2026, 6, 1))
    for_cme = [st for st in rec.proposal.steps if short in st.reasons]
    assert for_cme and all(classes == "I" for classes in
                           (next(c.cme_class for c in tr.courses() if c.code == st.code) for st in for_cme))
    # one more Ⅰ类 course of 2 credits meets it
    with unit_of_work(demo_ctx.session_factory, write=True) as s:
        s.add(Course(code="T-I2", title="国家级项目（2学分）", format="cme", dimensions=["专业知识"], hours=4,
                     credits=2.0, cme_class="I"))
    tr.assign_path([person.person_id], [PlannedItem(next(c.id for c in tr.courses() if c.code == "T-I2"), None)],
                   title="t2", today=date(2026, 4, 1))
    e = next(r for r in tr.enrollments(DEMO_TODAY) if r.person_id == person.person_id and r.status != "done")
    tr.complete_enrollment(e.id, date(2026, 4, 2))
    row = next(r for r in tr.credits(2026) if r.person_id == person.person_id)
    assert row.met and row.short_text == "" and (row.earned_i, row.earned) == (5.0, 27.0)
    assert not [g for g in tr.gaps(person.person_id, date(2026, 6, 1))[0] if g.kind == "cme"]


def test_set_cme_class_is_validated_and_versioned(demo_ctx) -> None:  # type: ignore[no-untyped-def]
    tr = demo_ctx.services.training
    jj = next(c for c in tr.courses() if c.code == "C-JJ01")
    py = next(c for c in tr.courses() if c.code == "C-PY01")  # no credits
    assert (jj.cme_class, py.cme_class) == ("II", "")
    with pytest.raises(InvalidInput):
        tr.set_cme_class(jj.id, "", jj.version)  # 4 credits need a class
    with pytest.raises(InvalidInput):
        tr.set_cme_class(jj.id, "Ⅲ类", jj.version)
    tr.set_cme_class(jj.id, "Ⅰ类", jj.version)
    assert next(c for c in tr.courses() if c.code == "C-JJ01").cme_class == "I"
    with pytest.raises(Conflict):
        tr.set_cme_class(jj.id, "II", jj.version)  # stale version
    tr.set_cme_class(py.id, "", py.version)

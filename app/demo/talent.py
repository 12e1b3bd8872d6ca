"""Demo talent data: profiles in every stage, built through the talent service where a service exists.

- interviewed candidates with a question plan, a transcript, an analysed assessment (per-question
  evidence, so their PDF reports show quotes), the department head's decision and competency evidence;
- one candidate whose 入职审批单 waits for the department head;
- one employee on probation whose review is due within days (hired through the full approval flow);
- one confirmed employee with a coefficient history (0.8 at hiring → 0.9 after the review);
- talent-pool candidates with their reasons, one with a recording older than the retention period;
- HR assessments and dated competency evidence (training, assessment) for some employees.
"""

from __future__ import annotations

import random
import wave
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select

from app.context import AppContext
from app.db.tables import (
    AttendanceMonth,
    Candidate,
    CompetencyEvidence,
    Employee,
    Interview,
    InterviewDecision,
    InterviewRecording,
    Licence,
    Position,
    PositionCompetency,
)
from app.db.uow import unit_of_work
from app.demo.interviews import record_interview
from app.domain.org import Month
from app.domain.timeutil import HOSPITAL_TZ
from app.payroll.rules import PayCalendar
from app.talent.licences import REGISTRATIONS
from app.tasks import NEVER_CANCELLED, CancelToken

DEMO_USER = "演示数据"
HR_CLERK, DEPT_HEAD, HR_MANAGER = "王敏（人事专员）", "李建国（科室主任）", "赵丽（人事科长）"


def _silence(path, seconds: float = 0.5) -> None:  # type: ignore[no-untyped-def]
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes(b"\x00\x00" * int(16000 * seconds))


def _interview(ctx: AppContext, cand_id: int, when: date, profile: str, decision: str, reason: str, record: bool) -> int:
    """A finished interview as the real flow leaves it: a question plan, a transcript answered in the style
    of ``profile`` (see :mod:`app.demo.interviews`), interviewer marks, analysis through the assessment
    service (per-question evidence, competency evidence), the department head's decision and, optionally,
    a recording file."""
    at = datetime.combine(when, time(9, 30), HOSPITAL_TZ).astimezone(UTC)
    with unit_of_work(ctx.session_factory, write=True) as s:
        cand = s.get(Candidate, cand_id)
        assert cand is not None and cand.position_id is not None
        iv = Interview(candidate_id=cand.id, position_id=cand.position_id, scheduled_at=at,
                       interviewers="人事专员, 科室主任", state="planned")
        s.add(iv)
        s.flush()
        interview_id, version = iv.id, iv.version
    accounts = {a.username: a.user_id for a in ctx.services.recruiting.panel_accounts()}
    if "demo-zhangwei" in accounts:  # the demo's interviewer accounts (app.demo.interviews.demo_panels)
        members = [accounts[u] for u in ("demo-liuna", "demo-lijianguo") if u in accounts]
        ctx.services.recruiting.set_panel(interview_id, accounts["demo-zhangwei"], members,
                                          expected_version=version, user="演示数据")
    ctx.services.questions.generate_plan(interview_id, 6, seed=interview_id)
    record_interview(ctx, interview_id, profile, at)
    ctx.services.assessment.decide(interview_id, decision, reason, DEPT_HEAD)
    with unit_of_work(ctx.session_factory, write=True) as s:
        # decided the day after the interview (the service stamps "now")
        for d in s.scalars(select(InterviewDecision).where(InterviewDecision.interview_id == interview_id)).all():
            d.decided_at = at + timedelta(days=1)
        if record:
            audio = ctx.data.archive / "recordings" / f"interview_{interview_id}" / "audio.wav"
            rel = ctx.data.relative(audio)  # archive/recordings/...: found in a shared archive folder too
            _silence(audio)
            s.add(InterviewRecording(interview_id=interview_id, audio_path=rel, started_at=at,
                                     ended_at=at + timedelta(minutes=25), audio_seconds=0.5, state="finished",
                                     engine="demo"))
    return interview_id


def demo_talent(ctx: AppContext, today: date, *, cancel: CancelToken = NEVER_CANCELLED) -> None:
    rng = random.Random(7)
    talent = ctx.services.talent
    with unit_of_work(ctx.session_factory) as s:
        cands = s.execute(select(Candidate.id, Candidate.status, Position.job_family, Position.title)
                          .join(Position, Candidate.position_id == Position.id).order_by(Candidate.id)).all()
        employees = s.execute(select(Employee.id, Employee.person_id, Employee.position_id)
                              .order_by(Employee.staff_no)).all()
    by_status: dict[str, list[int]] = {}
    for cid, status, _family, _title in cands:
        by_status.setdefault(status, []).append(cid)
    screened = by_status.get("screened", [])
    pool = by_status.get("pool", [])

    # confirmed employee with a coefficient history: hired 11 months ago, confirmed after 6 months
    cancel.raise_if_cancelled()
    if len(screened) >= 3:
        c_conf, c_prob, c_onb = screened[0], screened[1], screened[2]
        start = today - timedelta(days=330)
        _interview(ctx, c_conf, start - timedelta(days=30), "strong", "recommend", "各维度均达标，推荐录用", True)
        _licences_handed_in(ctx, c_conf, start, rng)
        form_id, _ = talent.create_onboarding(c_conf, start_date=start, user=HR_CLERK, contract_type="fixed_3y",
                                              public_institution=False, salary_level=3)
        hired = _sign_all(talent, form_id)
        reviews = [r for r in talent.probation_due(today, within_days=None) if r.employee_id == hired]
        talent.decide_probation(reviews[0].review_id, reviews[0].version, outcome="confirm", user=HR_MANAGER,
                                notes="试用期表现良好，转正", new_coefficient=0.9, today=start + timedelta(days=170))
        prof = talent.profile(_person_of(ctx, hired), today)
        proposed = next(c.id for c in prof.coefficients if c.status == "proposed")
        talent.approve_coefficient(proposed, user=HR_MANAGER, today=today)

        # on probation, review due within days: hired ~5.5 months ago on a 6-month probation
        start = today - timedelta(days=172)
        _interview(ctx, c_prob, start - timedelta(days=21), "medium", "recommend", "专业能力突出，沟通需加强", True)
        _licences_handed_in(ctx, c_prob, start, rng)
        form_id, _ = talent.create_onboarding(c_prob, start_date=start, user=HR_CLERK, contract_type="fixed_3y",
                                              public_institution=False, salary_level=2)
        on_probation = _sign_all(talent, form_id)
        _attendance_for_new_staff(ctx, today, (hired, on_probation))

        # in onboarding approval: signed by the HR clerk, waiting for the department head
        _interview(ctx, c_onb, today - timedelta(days=6), "strong", "recommend", "推荐录用，回答完整、条理清楚", True)
        # a new graduate: the practising registration is filed after hiring (a warning on the form, not a refusal)
        _licences_handed_in(ctx, c_onb, today + timedelta(days=24), rng, pending=REGISTRATIONS)
        form_id, _ = talent.create_onboarding(c_onb, start_date=today + timedelta(days=24), user=HR_CLERK,
                                              contract_type="fixed_3y", public_institution=True, first_employment=True)
        form = talent.onboarding_form(form_id)
        talent.sign_onboarding(form_id, form.version, user=HR_CLERK, approve=True, note="材料齐全")

    # talent pool: interviewed, good, no vacancy this time; one recording older than the retention period
    cancel.raise_if_cancelled()
    reasons = ("本次岗位编制已满，综合评价良好，保留至人才库", "专业能力强但期望入职时间晚于岗位需求", "适合下半年新开设的岗位")
    for i, cid in enumerate(pool):
        if i < 2:
            when = today - timedelta(days=240 if i == 0 else 40)
            _interview(ctx, cid, when, "medium" if i == 0 else "strong", "hold", reasons[i], True)
        talent.move_to_pool(cid, reasons[i % len(reasons)], user=HR_CLERK)

    # HR assessments and evidence over time for some employees
    cancel.raise_if_cancelled()
    with unit_of_work(ctx.session_factory, write=True) as s:
        sample = rng.sample(list(employees), min(12, len(employees)))
        dims_by_pos = {}
        for _eid, pid, pos_id in sample:
            if pos_id is None:
                continue
            if pos_id not in dims_by_pos:
                dims_by_pos[pos_id] = [c.name for c in s.scalars(select(PositionCompetency)
                                                                 .where(PositionCompetency.position_id == pos_id)).all()]
            for dim in dims_by_pos[pos_id]:
                base = rng.uniform(5.0, 8.5)
                for k, days in enumerate((540, 300, 60)):
                    s.add(CompetencyEvidence(person_id=pid, dimension=dim, score=round(min(10.0, base + k * rng.uniform(-0.3, 0.8)), 1),
                                             source=("assessment", "training", "project")[k], observed_on=today - timedelta(days=days),
                                             note=("年度考核", "培训考核", "项目评价")[k]))
    for _eid, pid, _pos in sample[:6]:
        talent.save_assessment(pid, name="瑞文推理测验", kind="cognitive", taken_on=today - timedelta(days=200),
                               score=round(rng.uniform(40, 58), 0), max_score=60.0, notes="入职后能力测评")
        talent.save_assessment(pid, name="临床技能考核（OSCE）", kind="skills", taken_on=today - timedelta(days=45),
                               score=round(rng.uniform(72, 95), 0), max_score=100.0, dimension="操作技能", notes="科室组织")


def _attendance_for_new_staff(ctx: AppContext, today: date, employee_ids: tuple[int, ...]) -> None:
    """The demo's attendance month was computed and locked before these people were hired through the
    service: give them the same locked month (full attendance, no nights), so payroll sees no gap."""
    month = Month.previous_complete(today)
    days = month.days()
    worked = PayCalendar().paid_days(days[0], days[-1])
    with unit_of_work(ctx.session_factory, write=True) as s:
        for emp_id in employee_ids:
            exists = s.scalar(select(AttendanceMonth.id).where(AttendanceMonth.employee_id == emp_id,
                                                               AttendanceMonth.month == str(month)))
            if exists is None:
                s.add(AttendanceMonth(employee_id=emp_id, month=str(month), days_worked=float(worked),
                                      hours_worked=8.0 * worked, locked=True, locked_by=DEMO_USER,
                                      locked_at=datetime.now(UTC)))


def _licences_handed_in(ctx: AppContext, cand_id: int, start: date, rng: random.Random,
                        pending: frozenset[str] = frozenset()) -> None:
    """The licences the post requires, as the candidate hands them in before the onboarding approval
    (护士执业注册: 5 years); kinds in ``pending`` are not yet obtained."""
    with unit_of_work(ctx.session_factory, write=True) as s:
        cand = s.get(Candidate, cand_id)
        pos = s.get(Position, cand.position_id) if cand and cand.position_id else None
        if cand is None or pos is None:
            return
        for kind in (pos.requirements or {}).get("licences", []):
            if kind in pending:
                continue
            issued = start - timedelta(days=rng.randint(60, 700))
            expiry = issued + timedelta(days=5 * 365) if "护士" in kind else None
            s.add(Licence(person_id=cand.person_id, kind=kind, number=f"{rng.randrange(10**11, 10**12)}",
                          issue_date=issued, expiry_date=expiry, location="本院"))


def _sign_all(talent, form_id: int) -> int:  # type: ignore[no-untyped-def]
    for user in (HR_CLERK, DEPT_HEAD, HR_MANAGER):
        form = talent.onboarding_form(form_id)
        result, _ = talent.sign_onboarding(form_id, form.version, user=user, approve=True, note="同意")
    assert result is not None
    return int(result.employee_id)


def _person_of(ctx: AppContext, employee_id: int) -> int:
    with unit_of_work(ctx.session_factory) as s:
        emp = s.get(Employee, employee_id)
        assert emp is not None
        return emp.person_id

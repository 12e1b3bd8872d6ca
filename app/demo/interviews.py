"""Demo interviews after capture: transcripts, interviewer marks, video observations, analysis, a decision.

Answers are generated from the asked question's own key points with templates of varying quality
per question type: strong answers cover the key points with a problem → action → result structure
(and empathy where the question calls for it), middling ones cover part of them with some fillers,
weak ones are vague and hesitant, and one answer contains a risky statement about disclosing patient
information. Everything is seeded by the interview id, so the demo is reproducible. The interviews
are then analysed through :class:`app.services.assessment.AssessmentService`, exactly as a real one.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select

from app.context import AppContext
from app.db.tables import Interview, InterviewObservation, InterviewQuestion, Position, TranscriptSegment
from app.db.uow import unit_of_work
from app.domain.timeutil import HOSPITAL_TZ
from app.services.questions import AskedQuestion
from app.tasks import NEVER_CANCELLED, CancelToken

DEMO_REVIEWER = "人事科 王主任"
#: interviewer accounts of the demo hospital (username, display name, role); they sit on the interview panels.
#: Each has the one-time password DEMO_PASSWORD and must change it at the first sign-in.
DEMO_PANEL_ACCOUNTS = (("demo-zhangwei", "张伟", "interviewer"), ("demo-liuna", "刘娜", "interviewer"),
                       ("demo-lijianguo", "李建国", "dept_head"))
DEMO_PASSWORD = "Demo-2026"
DEMO_EXTERNAL_EXPERT = "外院专家陈教授"


@dataclass(frozen=True)
class Profile:
    name: str
    coverage: float  # share of key points the answers state
    fillers: float  # probability of a filler phrase before a sentence
    structured: bool
    empathy: bool
    marks: tuple[float, float]  # interviewer's marks range
    chars_per_s: float
    pause_s: float
    consent_ai: bool = True
    nervous: bool = False
    risky: bool = False


PROFILES: dict[str, Profile] = {
    "strong": Profile("strong", 1.0, 0.0, True, True, (8.0, 9.5), 4.2, 0.8),
    "mixed": Profile("mixed", 0.5, 0.35, False, False, (7.0, 8.5), 3.6, 1.5, nervous=True),
    "risky": Profile("risky", 0.8, 0.1, True, False, (6.5, 8.0), 4.0, 1.0, risky=True),
    "weak": Profile("weak", 0.0, 0.6, False, False, (3.0, 5.0), 2.6, 4.0, nervous=True),
    "decided": Profile("decided", 0.6, 0.2, True, True, (6.0, 7.5), 3.8, 1.2),
    "no_ai": Profile("no_ai", 0.75, 0.1, True, True, (7.0, 8.5), 4.0, 1.0, consent_ai=False),
    "medium": Profile("medium", 0.75, 0.15, True, False, (6.5, 8.0), 3.9, 1.2),
}
ORDER = ("strong", "mixed", "risky", "weak", "decided", "no_ai", "medium")

FILLERS = ("嗯，", "呃，", "那个，", "就是说，", "怎么说呢，")
OPENINGS = {
    "专业知识": ("这个问题我分几点来回答。", "我按照指南和核心制度的要求来说。"),
    "操作技能": ("操作前我会先核对患者身份并评估病情。", "我按操作流程一步一步说。"),
    "情景题": ("我遇到过类似的情况，当时病房里也是这样。", "面对这种情况，我会先把情况弄清楚。"),
    "职业素养": ("我在轮转时遇到过类似的问题。", "如果遇到这种情况，我会先稳住自己的情绪。"),
    "合规": ("这个问题涉及法规和医院制度，我会严格按规定处理。", "面对这种情况，我首先想到的是合规要求。"),
}
CONNECTORS = ("首先，", "其次，", "然后，", "接着，", "同时，", "另外，", "此外，", "还要注意，")
EMPATHY = ("我理解您的担心，我们一起想办法。", "我会耐心倾听患者和家属的想法，站在患者的角度考虑。")
RESULTS = ("最后，处理结果要记录在病历里，事后我也做了总结和反思。", "最终患者情况好转，家属也比较满意，这件事让我积累了经验。")
SAFETY = "整个过程中我会注意患者安全，做好核对和生命体征监测。"
VAGUE = ("我觉得主要还是要认真负责吧。", "具体的步骤我记得不是特别清楚了。", "反正就是按照规定来，有问题就跟上级汇报一下。",
         "这个我们学校讲过，但是我印象不太深。", "我会尽量处理好，多跟同事沟通。")
RISKY = "不过说实话，如果是好朋友问，我可能会把患者的检查结果简单告诉他，毕竟是熟人。"
LIVE_SLIP = {"心肺复苏": "新肺复苏", "危急值": "危机值", "患者": "换者"}


def _sentences(q: AskedQuestion, p: Profile, rng: random.Random, *, risky: bool) -> list[str]:
    points = list(q.key_points)
    n = round(len(points) * p.coverage)
    stated = points[:n]
    out: list[str] = []
    if p.structured:
        out.append(rng.choice(OPENINGS.get(q.qtype, OPENINGS["专业知识"])))
    for i, point in enumerate(stated):
        lead = CONNECTORS[i % len(CONNECTORS)] if p.structured else ""
        out.append(f"{lead}{point.rstrip('。；;')}。")
    if p.coverage == 0.0:
        out += rng.sample(VAGUE, 3)
    elif not p.structured:
        out.append(rng.choice(VAGUE))
    if p.empathy and (q.qtype in ("情景题", "职业素养") or q.is_clinical_scenario):
        out.append(rng.choice(EMPATHY))
    if p.structured and q.qtype in ("操作技能", "情景题"):
        out.append(SAFETY)
    if risky:
        out.append(RISKY)
    if p.structured:
        out.append(rng.choice(RESULTS))
    return [(rng.choice(FILLERS) if rng.random() < p.fillers else "") + s for s in out]


def _segments(
    interview_id: int, q: AskedQuestion, sentences: list[str], p: Profile, t: float, rng: random.Random,
) -> tuple[list[TranscriptSegment], float]:
    segs = [TranscriptSegment(interview_id=interview_id, version="live", start_s=round(t, 2),
                              end_s=round(t + len(q.text) / 4.5, 2), speaker="interviewer", text=q.text,
                              question_index=q.position_in_plan, words=[])]
    t += len(q.text) / 4.5 + 1.0 + rng.uniform(0.5, 2.0)
    for s in sentences:
        dur = len(s) / (p.chars_per_s * rng.uniform(0.9, 1.1))
        segs.append(TranscriptSegment(interview_id=interview_id, version="live", start_s=round(t, 2),
                                      end_s=round(t + dur, 2), speaker="candidate", text=s,
                                      question_index=q.position_in_plan, words=[]))
        t += dur + p.pause_s * rng.uniform(0.7, 1.3)
    return segs, t + 2.0


def _observations(interview_id: int, seconds: int, p: Profile, rng: random.Random) -> list[InterviewObservation]:
    look, smile, head, body = ((35.0, 4.0, 18.0, 0.06) if p.nervous else (72.0, 16.0, 8.0, 0.02))
    away_from = rng.randint(60, max(61, seconds - 30)) if p.nervous else -100
    rows = []
    for sec in range(seconds):
        away = away_from <= sec < away_from + 14
        rows.append(InterviewObservation(
            interview_id=interview_id, second=sec,
            pct_face_present=100.0 if rng.random() > 0.04 else 40.0,
            pct_looking_at_camera=0.0 if away else max(0.0, min(100.0, rng.gauss(look, 15))),
            pct_smiling=max(0.0, min(100.0, rng.gauss(smile, 8))),
            pct_frowning=max(0.0, min(100.0, rng.gauss(3.0, 3))),
            mean_yaw_deg=round(rng.gauss(35.0 if away else 5.0, 4), 1),
            mean_pitch_deg=round(rng.gauss(2.0, 3), 1),
            head_motion=round(abs(rng.gauss(head, 4)), 2),
            body_motion=round(abs(rng.gauss(body, 0.01)), 4),
        ))
    return rows


def record_interview(
    ctx: AppContext, interview_id: int, profile: str, when: datetime, *, slip: bool = False,
    cancel: CancelToken = NEVER_CANCELLED,
) -> None:
    """Give a planned interview (with its question plan) consent, a transcript in the style of ``profile``,
    interviewer marks and notes, video observations when AI analysis was consented to, and analyse it
    through the assessment service. ``slip``: the live transcript of question 1 misheard words that the
    interviewer corrected (an ``edited`` version)."""
    p = PROFILES[profile]
    rng = random.Random(1000 + interview_id)
    asked = ctx.services.questions.asked(interview_id)
    risky_q = next((q.position_in_plan for q in asked if q.qtype in ("职业素养", "合规", "情景题")), None) if p.risky else None
    with unit_of_work(ctx.session_factory, write=True) as s:
        interview = s.get(Interview, interview_id)
        assert interview is not None
        interview.scheduled_at = when
        interview.consent_audio = True
        interview.consent_video = p.consent_ai
        interview.consent_ai = p.consent_ai
        interview.consent_at = when - timedelta(minutes=5)
        interview.state = "recorded"
        plan = {r.position_in_plan: r for r in s.scalars(
            select(InterviewQuestion).where(InterviewQuestion.interview_id == interview_id))}
        t = 5.0
        for q in asked:
            sentences = _sentences(q, p, rng, risky=q.position_in_plan == risky_q)
            segs, t = _segments(interview_id, q, sentences, p, t, rng)
            s.add_all(segs)
            if slip and q.position_in_plan == 1:
                # the live transcript misheard a word; the interviewer corrected it afterwards
                for seg in segs:
                    wrong = seg.text
                    for right, misheard in LIVE_SLIP.items():
                        wrong = wrong.replace(right, misheard)
                    seg.text, edited = wrong, seg.text
                    s.add(TranscriptSegment(interview_id=interview_id, version="edited", start_s=seg.start_s,
                                            end_s=seg.end_s, speaker=seg.speaker, text=edited,
                                            question_index=seg.question_index, words=[]))
            row = plan.get(q.position_in_plan)
            if row is not None:
                low, high = p.marks
                mark = 3.0 if q.position_in_plan == risky_q else rng.uniform(low, high)
                row.interviewer_mark = round(mark * 2) / 2
                if q.position_in_plan == risky_q:
                    row.notes = "回答中提到可能向朋友透露患者检查结果，需复核。"
                elif profile == "weak":
                    row.notes = "回答含糊，停顿较多。"
                elif profile == "strong" and q.position_in_plan == 1:
                    row.notes = "回答完整，条理清楚。"
        if p.consent_ai:
            s.add_all(_observations(interview_id, int(t), p, rng))
    ctx.services.assessment.analyse(interview_id, cancel=cancel)


def demo_panels(ctx: AppContext, *, cancel: CancelToken = NEVER_CANCELLED) -> int:
    """Interviewer accounts (created when missing) and a panel for every interview planned so far, through the
    same service calls HR uses: the two interviewers chair in turn, the head of department sits on the
    interviews of his department's positions, and one interview has an external expert without an account.
    Returns how many panels were set."""
    from app.security.permissions import Principal

    system = Principal.system("演示数据")
    with unit_of_work(ctx.session_factory) as s:
        rows = s.execute(select(Interview.id, Interview.version, Position.department_id)
                         .join(Position, Position.id == Interview.position_id).order_by(Interview.id)).all()
    if not rows:
        return 0
    head_department = rows[0][2]
    have = {a.username: a.user_id for a in ctx.services.recruiting.panel_accounts()}
    ids: dict[str, int] = {}
    for username, display, role in DEMO_PANEL_ACCOUNTS:
        if username not in have:
            info = ctx.services.accounts.create_user(
                system, username, role, DEMO_PASSWORD, display_name=display,
                department_id=head_department if role == "dept_head" else None)
            have[username] = info.id
        ids[username] = have[username]
    chairs = [ids["demo-zhangwei"], ids["demo-liuna"]]
    for n, (interview_id, version, department_id) in enumerate(rows):
        cancel.raise_if_cancelled()
        chair = chairs[n % 2]
        members = [chairs[(n + 1) % 2]] if n % 4 == 0 else []
        if department_id == head_department:
            members.append(ids["demo-lijianguo"])
        ctx.services.recruiting.set_panel(interview_id, chair, members, [DEMO_EXTERNAL_EXPERT] if n == 0 else [],
                                          expected_version=version, user=system.username)
    return len(rows)


def demo_interviews(ctx: AppContext, today: date, *, cancel: CancelToken = NEVER_CANCELLED) -> int:
    """Panels for the planned interviews (:func:`demo_panels`), then record, analyse and (one) decide demo
    interviews; the rest stay planned. Returns how many were analysed."""
    demo_panels(ctx, cancel=cancel)
    with unit_of_work(ctx.session_factory) as s:
        planned = [(i.id, i.position_id) for i in s.scalars(select(Interview).where(Interview.state == "planned"))]
    chosen = sorted(planned, key=lambda x: (x[1], x[0]))[: len(ORDER)]
    for n, ((interview_id, _pos), name) in enumerate(zip(chosen, ORDER, strict=False)):
        cancel.raise_if_cancelled()
        when = datetime.combine(today - timedelta(days=2 + n), time(9 + n % 6, 0), HOSPITAL_TZ).astimezone(UTC)
        record_interview(ctx, interview_id, name, when, slip=n == 0, cancel=cancel)
        if name == "decided":
            ctx.services.assessment.decide(
                interview_id, "hold",
                "专业知识基本达标，沟通表达尚可；与科室主任商议后保留观察，待第二轮技能考核后再定。",
                DEMO_REVIEWER,
            )
    return len(chosen)

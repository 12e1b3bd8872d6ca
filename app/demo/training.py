"""Demo training data: modules and materials for every course, baseline competency scores, learning
paths in progress for new nurses and AI-medical staff (assigned from their gaps through the
service, as HR would), quizzes with attempts, completed courses feeding the profile, and
performance-coefficient proposals. Deterministic for a given ``today``."""

from __future__ import annotations

import random
import tempfile
from datetime import date, datetime, time, timedelta
from pathlib import Path

from sqlalchemy import select

from app.context import AppContext
from app.db.tables import (
    CompetencyEvidence,
    Course,
    CourseModule,
    Employee,
    Enrollment,
    ModuleProgress,
    PositionCompetency,
    ProbationReview,
    QuestionVersion,
)
from app.db.tables import Question as BankQuestion
from app.db.uow import unit_of_work
from app.domain.timeutil import to_utc
from app.positions.questions import Question
from app.services.training import PlannedItem
from app.tasks import NEVER_CANCELLED, CancelToken

DEMO_USER = "演示数据"
SEED = 8

MODULES: dict[str, tuple[tuple[str, float], ...]] = {
    "C-TJ01": (("描述性统计与数据类型", 4), ("假设检验与P值", 4), ("回归分析", 4), ("临床研究设计与样本量", 4)),
    "C-BZ01": (("标注规范与术语", 3), ("影像标注实操", 4), ("电子病历标注与脱敏", 3), ("质控与一致性评估", 2)),
    "C-YX01": (("成像原理", 5), ("胸部影像", 5), ("腹部影像", 5), ("神经系统影像", 5)),
    "C-PY01": (("语法与数据结构", 8), ("pandas数据处理", 8), ("可视化", 8)),
    "C-DL01": (("神经网络基础", 8), ("卷积网络", 8), ("模型评估：ROC与AUC", 8), ("医疗影像项目", 8)),
    "C-AI01": (("临床需求分析", 4), ("可解释性与工作流嵌入", 6), ("监管与注册要求", 6)),
    "C-GT01": (("共情表达", 3), ("坏消息告知情景演练", 3), ("医患冲突化解", 2)),
    "C-GT02": (("多学科协作", 3), ("跨部门项目沟通", 3)),
    "C-CT01": (("冲突识别", 3), ("冲突处理演练", 3)),
    "C-BM01": (("个人信息保护法要点", 2), ("病历信息安全", 2)),
    "C-JJ01": (("心肺复苏", 3), ("除颤", 2), ("气道管理与考核", 3)),
    "C-HL01": (("静脉输液规范", 2), ("PICC维护", 2), ("并发症预防", 2)),
    "C-XD01": (("心律失常", 5), ("急性心肌梗死心电图", 5)),
    "C-YG01": (("手卫生", 1), ("标准预防", 1.5), ("多重耐药菌防控", 1.5)),
}

# Courses with credits that are national or provincial CME projects (Ⅰ类); the rest with credits are
# in-hospital lectures, skills refreshers (急救技能复训) and practice projects (Ⅱ类).
CME_CLASSES: dict[str, str] = {
    "C-TJ01": "I",  # 省级继续医学教育项目
    "C-YX01": "I",  # 国家级继续医学教育项目（远程）
    "C-XD01": "I",  # 省级继续医学教育项目
    "C-HL01": "I",  # 省护理学会继续教育项目
    "C-JJ01": "II", "C-BM01": "II", "C-YG01": "II", "C-GT01": "II", "C-GT02": "II", "C-CT01": "II",
    "C-BZ01": "II", "C-AI01": "II",
}

LINKS = (
    ("C-JJ01", "心肺复苏操作视频（内网）", "http://intranet.hospital.local/cme/cpr-2025.mp4"),
    ("C-YG01", "手卫生规范 WS/T 313（内网文库）", "http://intranet.hospital.local/library/ws-t-313"),
    ("C-TJ01", "医学统计学讲义（内网）", "http://intranet.hospital.local/courses/stat-basic"),
)
FILES = (
    ("C-BZ01", "标注规范说明.txt", "临床数据标注规范（演示）\n1. 标注前完成数据脱敏。\n2. 两人独立标注，分歧由上级医师仲裁。\n"),
    ("C-HL01", "静脉治疗核对清单.txt", "静脉治疗核对清单（演示）\n- 核对医嘱与患者身份\n- 评估血管与留置时间\n"),
)

# Original choice questions for the demo quizzes (HR Desk authored).
CHOICE_QUESTIONS = (
    Question("trn-yg-001", "医务人员手卫生的“两前三后”中，下列哪项属于“两前”？", "专业知识", "操作技能", 1, "general",
             options=(("A", "接触患者前"), ("B", "接触患者后"), ("C", "接触患者周围环境后"), ("D", "接触患者体液后")),
             answer="A", key_points=("接触患者前",)),
    Question("trn-yg-002", "下列哪些属于标准预防措施？（多选）", "专业知识", "操作技能", 2, "general",
             options=(("A", "手卫生"), ("B", "根据暴露风险使用个人防护用品"), ("C", "安全注射"), ("D", "仅对确诊传染病患者采取防护")),
             answer="ABC", key_points=("手卫生", "个人防护用品", "安全注射")),
    Question("trn-jj-001", "成人心肺复苏胸外按压的频率应为每分钟多少次？", "专业知识", "操作技能", 1, "general",
             options=(("A", "60–80"), ("B", "80–100"), ("C", "100–120"), ("D", "120–140")), answer="C",
             key_points=("100–120次/分",)),
    Question("trn-jj-002", "成人胸外按压深度应为：", "专业知识", "操作技能", 1, "general",
             options=(("A", "2–3 cm"), ("B", "3–4 cm"), ("C", "5–6 cm"), ("D", "7–8 cm")), answer="C",
             key_points=("5–6 cm",)),
    Question("trn-tj-001", "比较两组独立样本均数（数据近似正态、方差齐）最常用的检验是：", "专业知识", "专业知识", 2, "general",
             options=(("A", "配对t检验"), ("B", "独立样本t检验"), ("C", "卡方检验"), ("D", "秩和检验")), answer="B",
             key_points=("独立样本t检验",)),
    Question("trn-tj-002", "ROC曲线下面积（AUC）为0.5表示模型：", "专业知识", "技术能力", 2, "ai_medical",
             options=(("A", "完美区分"), ("B", "没有区分能力"), ("C", "区分能力很好"), ("D", "预测方向相反")), answer="B",
             key_points=("没有区分能力",)),
    Question("trn-tj-003", "临床数据用于模型训练前，下列做法正确的是：（多选）", "合规", "临床场景理解", 2, "ai_medical",
             options=(("A", "去除可识别个人身份的信息"), ("B", "经伦理审查并按规定取得授权"), ("C", "将原始病历上传到公共网盘便于协作"),
                      ("D", "训练集与测试集按患者划分，避免信息泄漏")), answer="ABD",
             key_points=("脱敏", "伦理审查", "按患者划分")),
)

SCENARIOS = (
    ("C-GT01", "情景演练：安抚走廊拍摄的患者家属", ("gen-com-002",)),
    ("C-GT01", "情景演练：向患者说明检查预约遗漏", ("gen-com-004",)),
    ("C-CT01", "情景演练：同事在工作群公开指责", ("gen-team-001",)),
    ("C-AI01", "情景演练：向临床医生解释模型输出", ("ai-clin-007",)),
)


def demo_training(ctx: AppContext, today: date, *, cancel: CancelToken = NEVER_CANCELLED) -> dict[str, int]:
    rng = random.Random(SEED)
    training = ctx.services.training
    counts: dict[str, int] = {}
    # ---- CME classes (继续医学教育 Ⅰ类: national/provincial projects; Ⅱ类: in-hospital activities)
    with unit_of_work(ctx.session_factory, write=True) as s:
        for c in s.scalars(select(Course)).all():
            c.cme_class = CME_CLASSES.get(c.code, "II" if c.credits > 0 else "")
    # ---- modules and materials
    with unit_of_work(ctx.session_factory) as s:
        courses = {c.code: c.id for c in s.scalars(select(Course)).all()}
    for code, mods in MODULES.items():
        if code in courses:
            training.set_modules(courses[code], [(t, float(h)) for t, h in mods])
    for code, title, url in LINKS:
        training.add_material(courses[code], title, link=url)
    with tempfile.TemporaryDirectory() as tmp:
        for code, name, text in FILES:
            f = Path(tmp) / name
            f.write_text(text, encoding="utf-8")
            training.add_material(courses[code], name.removesuffix(".txt"), file=f)
    # the demo generator's older enrolments get their module rows, consistent with their status
    with unit_of_work(ctx.session_factory, write=True) as s:
        mods_by_course: dict[int, list[int]] = {}
        for cid in courses.values():
            mods_by_course[cid] = [m.id for m in training_modules(s, cid)]
        for e in s.scalars(select(Enrollment)).all():
            mids = mods_by_course.get(e.course_id, [])
            have = {p.module_id: p for p in s.scalars(select(ModuleProgress).where(ModuleProgress.enrollment_id == e.id))}
            n_done = len(mids) if e.status == "done" else (len(mids) * e.progress_pct) // 100
            for i, mid in enumerate(mids):
                row = have.get(mid) or ModuleProgress(enrollment_id=e.id, module_id=mid)
                done = i < n_done
                row.status = "done" if done else ("in_progress" if i == n_done and e.status == "in_progress" else "todo")
                row.completed_on = (e.completed_on or today) if done else None
                if mid not in have:
                    s.add(row)
    cancel.raise_if_cancelled()
    # ---- baseline evidence (onboarding assessment) for new nurses and AI-medical staff
    nursing = {p.person_id: p for p in training.people("family", "nursing")}
    with unit_of_work(ctx.session_factory) as s:
        newest = s.scalars(select(Employee.person_id).where(Employee.person_id.in_(list(nursing)))
                           .order_by(Employee.hire_date.desc()).limit(6)).all()
    nurses = [nursing[pid] for pid in newest]
    ai_staff = training.people("ai_medical")[:5]
    start = today - timedelta(days=75)
    with unit_of_work(ctx.session_factory, write=True) as s:
        for p in [*nurses, *ai_staff]:
            emp = s.scalar(select(Employee).where(Employee.person_id == p.person_id))
            assert emp is not None
            for pc in s.scalars(select(PositionCompetency).where(PositionCompetency.position_id == emp.position_id)).all():
                score = round(min(9.5, max(3.0, pc.pass_bar + rng.uniform(-1.8, 0.9))), 1)
                s.add(CompetencyEvidence(person_id=p.person_id, dimension=pc.name, score=score, source="assessment",
                                         observed_on=start - timedelta(days=rng.randint(5, 40)),
                                         note="入职能力测评"))
        if nurses:
            emp = s.scalar(select(Employee).where(Employee.person_id == nurses[0].person_id))
            assert emp is not None
            s.add(ProbationReview(employee_id=emp.id, due_date=start - timedelta(days=3), outcome="extend",
                                  extended_to=today + timedelta(days=60), notes="静脉治疗操作不够熟练，延长试用期",
                                  decided_by=DEMO_USER))
    cancel.raise_if_cancelled()
    # ---- learning paths from gaps, assigned 75 days ago, then partly worked through
    paths = 0
    planned: dict[int, list[int]] = {}
    for group, people in (("新护士能力提升", nurses), ("AI医疗复合能力", ai_staff)):
        for p in people:
            rec = training.recommend(p.person_id, start)
            steps = [st for st in rec.proposal.steps if not st.already_enrolled][:4]
            if not steps:
                continue
            items = [PlannedItem(st.course_id, rec.due_dates[i], st.reason_text)
                     for i, st in enumerate(rec.proposal.steps) if st in steps]
            training.assign_path([p.person_id], items, title=group, today=start, user=DEMO_USER)
            planned[p.person_id] = [it.course_id for it in items]
            paths += 1
    counts["paths"] = paths
    with unit_of_work(ctx.session_factory) as s:
        enrol_ids = {(e.person_id, e.course_id): e.id for e in s.scalars(
            select(Enrollment).where(Enrollment.person_id.in_(list(planned)))).all()}
    for k, (pid, course_ids) in enumerate(planned.items()):
        eids = [enrol_ids[(pid, c)] for c in course_ids]
        n_complete = min(2, len(eids)) if k % 4 == 0 else rng.choice((0, 1, 1, 2, 2))
        for j, eid in enumerate(eids[:n_complete]):
            training.complete_enrollment(eid, start + timedelta(days=20 + 20 * j + rng.randint(0, 9)),
                                         score=round(rng.uniform(80, 96), 1))
        if len(eids) > n_complete:
            rows = training.module_progress(eids[n_complete])
            for r in rows[: max(1, len(rows) // 2)]:
                training.set_module_status(r.id, "done", today - timedelta(days=rng.randint(1, 10)))
    cancel.raise_if_cancelled()
    # ---- quizzes from the bank
    ctx.services.questions.import_questions(CHOICE_QUESTIONS, user=DEMO_USER)
    q1 = training.quiz_from_bank("院感与急救年度测验", dimensions=("操作技能",), n=4, course_id=courses.get("C-YG01"))
    q2 = training.quiz_from_bank("医学统计与AI基础测验", dimensions=("专业知识", "技术能力", "临床场景理解"), n=4,
                                 family="ai_medical", course_id=courses.get("C-TJ01"))
    q3 = training.quiz_from_bank("护理专业知识简答", dimensions=("专业知识",), n=2, family="nursing", kind="short")
    # ---- scenarios (情景演练) of the scenario courses, from the bank's 情景题 with key points; practices are
    # recorded by people (microphone or file), so the demo has none
    with unit_of_work(ctx.session_factory) as s:
        versions = dict(s.execute(select(BankQuestion.code, QuestionVersion.id)
                                  .join(QuestionVersion, (QuestionVersion.question_id == BankQuestion.id)
                                        & (QuestionVersion.number == BankQuestion.current_version))
                                  .where(BankQuestion.code.in_([c for _k, _t, cs in SCENARIOS for c in cs]))).all())
    scenarios = 0
    for course_code, title, codes in SCENARIOS:
        ids = [versions[c] for c in codes if c in versions]
        if course_code in courses and ids:
            training.create_scenario(courses[course_code], title, ids)
            scenarios += 1
    counts["scenarios"] = scenarios
    attempts = 0
    for quiz_id, people in ((q1, nurses), (q2, ai_staff), (q3, nurses[:3])):
        _title, _pass, questions = training.quiz_questions(quiz_id)
        for i, p in enumerate(people):
            answers: dict[int, str] = {}
            for q in questions:
                if q.is_choice:
                    answers[q.version_id] = q.answer if rng.random() < 0.75 else rng.choice([k for k, _t in q.options])
                else:
                    pts = list(q.key_points)
                    answers[q.version_id] = "；".join(pts[: max(1, len(pts) - i % 3)]) if pts else q.reference_answer[:60]
            day = today - timedelta(days=rng.randint(3, 20))
            training.submit_attempt(quiz_id, p.person_id, answers, today=day,
                                    taken_at=to_utc(datetime.combine(day, time(10, 0))))
            attempts += 1
    counts["quiz_attempts"] = attempts
    counts["proposals"] = len(training.propose_coefficients(today, user=DEMO_USER))
    return counts


def training_modules(s, course_id: int):  # type: ignore[no-untyped-def]
    return s.scalars(select(CourseModule).where(CourseModule.course_id == course_id).order_by(CourseModule.sort_order)).all()

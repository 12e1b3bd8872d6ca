"""The demo's question bank, screening rules and interview plans."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from app.context import AppContext
from app.db.tables import Interview, Position, PositionRule, Synonym
from app.db.uow import unit_of_work
from app.positions.bank import load_cmexam, load_starter_bank
from app.tasks import NEVER_CANCELLED, CancelToken

DEMO_USER = "演示数据"

# Hospital-wide synonym groups a screening rule can rely on.
SYNONYMS: dict[str, list[str]] = {
    "深度学习": ["神经网络", "卷积神经网络", "CNN"],
    "医学影像": ["影像诊断", "放射影像"],
    "心肌梗死": ["心梗", "急性心肌梗死"],
    "心肺复苏": ["CPR"],
    "静脉输液": ["静脉穿刺", "输液"],
    "规培": ["住院医师规范化培训"],
}


def demo_bank(ctx: AppContext, exam_dir: Path | None = None, *, cancel: CancelToken = NEVER_CANCELLED) -> int:
    """Load the starter bank (and CMExam when its folder is given), the positions' screening rules
    and synonyms, and a plan for every planned interview. Returns the number of questions."""
    questions = list(load_starter_bank())
    if exam_dir is not None:
        files = sorted(Path(exam_dir).glob("*.jsonl"))
        questions += list(load_cmexam(files, cancel=cancel).questions)
    ctx.services.questions.import_questions(questions, user=DEMO_USER, cancel=cancel)
    with unit_of_work(ctx.session_factory, write=True) as s:
        for term, equivalents in SYNONYMS.items():
            s.add(Synonym(term=term, equivalents=equivalents))
        for p in s.scalars(select(Position)).all():
            expression = (p.requirements or {}).get("keywords")
            if expression:
                s.add(PositionRule(position_id=p.id, name="关键词规则", expression=expression, required=False, weight=1))
        interviews = list(s.scalars(select(Interview.id).where(Interview.state == "planned")))
    for i, interview_id in enumerate(interviews):
        cancel.raise_if_cancelled()
        ctx.services.questions.generate_plan(interview_id, 6, seed=i)
    return len(questions)

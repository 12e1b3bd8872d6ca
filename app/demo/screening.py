"""Demo 简历筛选: the demo candidates get realistic resume files (PDF, DOCX and GBK text), archived and
read through the screening service exactly as a real import, then ranked against their positions."""

from __future__ import annotations

import logging
import tempfile
from datetime import date
from pathlib import Path

from sqlalchemy import select

from app.context import AppContext
from app.db.tables import Candidate, Position
from app.screening.generate import generate_resume, write_docx, write_pdf, write_txt
from app.tasks import NEVER_CANCELLED, CancelToken

log = logging.getLogger(__name__)

DEMO_USER = "演示数据"
SEED = 4242
_FORMATS = ("pdf", "docx", "gbk", "docx", "gbk", "txt")  # a third PDF would cost the most time


def _profile(p: Position) -> str:
    title = p.title
    if "AI" in title or "人工智能" in title or p.is_ai_medical:
        return "ai_doctor" if p.job_family == "physician" else "ai_engineer"
    if p.job_family == "physician":
        return "imaging_doctor" if "影像" in title else "doctor"
    if p.job_family == "nursing":
        return "nurse"
    if p.job_family == "medtech":
        return "pharmacist" if "药" in title else "technician"
    return "admin"


def demo_screening(ctx: AppContext, today: date, *, cancel: CancelToken = NEVER_CANCELLED) -> None:
    service = ctx.services.screening
    with ctx.session_factory() as s:
        rows = s.execute(select(Candidate.id, Position).join(Position, Candidate.position_id == Position.id)
                         .order_by(Candidate.id)).all()
    position_ids: list[int] = []
    with tempfile.TemporaryDirectory(prefix="hrdesk-demo-resumes-") as tmp:
        folder = Path(tmp)
        for i, (cid, position) in enumerate(rows):
            cancel.raise_if_cancelled()
            resume = generate_resume(SEED + i, profile=_profile(position), today=today)
            fmt = _FORMATS[i % len(_FORMATS)] if i % 3 else "pdf"
            stem = f"简历_{resume.truth.name or cid}"
            if fmt == "pdf":
                path = write_pdf(resume, folder / f"{stem}.pdf")
            elif fmt == "docx":
                path = write_docx(resume, folder / f"{stem}.docx")
            else:
                path = write_txt(resume, folder / f"{stem}.txt", "gbk" if fmt == "gbk" else "utf-8")
            service.replace_resume(cid, path, user=DEMO_USER, today=today)
            if position.id not in position_ids:
                position_ids.append(position.id)
    for pid in position_ids:
        cancel.raise_if_cancelled()
        service.screen(pid, today=today)
    log.info("demo screening: %d resumes archived, %d positions screened", len(rows), len(position_ids))

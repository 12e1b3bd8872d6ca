"""Candidates and interviews."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from app.db.tables import Candidate, Interview, Person, Position
from app.services.base import Service


@dataclass(frozen=True)
class CandidateRow:
    id: int
    person_id: int
    name: str
    gender: str
    highest_degree: str
    school: str
    professional_title: str
    position: str
    status: str
    applied_at: date | None
    screening_score: float | None
    resume_excerpt: str


@dataclass(frozen=True)
class InterviewRow:
    id: int
    candidate_id: int
    candidate: str
    position: str
    scheduled_at: datetime | None
    interviewers: str
    state: str
    total_score: float | None
    recommendation: str | None
    decision: str | None


class RecruitingService(Service):
    def resume_text(self, candidate_id: int) -> str:
        with self._uow() as s:
            cand = s.get(Candidate, candidate_id)
            return cand.resume_text if cand else ""

    def candidates(self) -> list[CandidateRow]:
        with self._uow() as s:
            stmt = (
                select(Candidate, Person, Position.title)
                .join(Person, Candidate.person_id == Person.id)
                .outerjoin(Position, Candidate.position_id == Position.id)
                .order_by(Candidate.applied_at.desc(), Candidate.id)
            )
            return [
                CandidateRow(
                    c.id, p.id, p.name, p.gender, p.highest_degree, p.school, p.professional_title,
                    title or "", c.status, c.applied_at, c.screening_score,
                    " ".join(c.resume_text.split())[:120],
                )
                for c, p, title in s.execute(stmt).all()
            ]

    def interviews(self) -> list[InterviewRow]:
        with self._uow() as s:
            stmt = (
                select(Interview, Person.name, Position.title)
                .join(Candidate, Interview.candidate_id == Candidate.id)
                .join(Person, Candidate.person_id == Person.id)
                .join(Position, Interview.position_id == Position.id)
                .order_by(Interview.scheduled_at.desc())
            )
            return [
                InterviewRow(
                    i.id, i.candidate_id, name, title, i.scheduled_at, i.interviewers, i.state,
                    i.total_score, i.recommendation, i.decision,
                )
                for i, name, title in s.execute(stmt).all()
            ]

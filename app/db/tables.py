"""ORM classes for the whole product (SQLAlchemy 2.0 typed mapping).

Conventions: money is integer fen (``*_fen``), timestamps are UTC, calendar days are ``Date``,
structured lists that are read and written as a whole (requirements, keyword rules) are JSON.
Relationships are ``lazy="raise"``: load what you need with ``selectinload``.
Schema changes go through Alembic only (``app/db/migrations``).
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db.base import Base, IdMixin, TimestampMixin, UTCDateTime, VersionMixin, utcnow
from app.security.crypto import EncryptedString

# --------------------------------------------------------------------------------------------
# Organisation: departments and positions


class Department(IdMixin, TimestampMixin, VersionMixin, Base):
    __tablename__ = "departments"

    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id", ondelete="RESTRICT"))
    kind: Mapped[str] = mapped_column(String(20), default="clinical")  # clinical/nursing/medtech/admin
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    shift_set: Mapped[str] = mapped_column(String(20), default="", server_default="")  # 三班倒/ICU12/值班/APN
    working_time: Mapped[str] = mapped_column(String(20), default="standard", server_default="standard")  # or comprehensive

    parent: Mapped[Department | None] = relationship(remote_side="Department.id", lazy="raise")


class Position(IdMixin, TimestampMixin, VersionMixin, Base):
    __tablename__ = "positions"

    code: Mapped[str] = mapped_column(String(32), unique=True)
    title: Mapped[str] = mapped_column(String(100))
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id", ondelete="RESTRICT"), index=True)
    job_family: Mapped[str] = mapped_column(String(20))  # physician/nursing/medtech/admin
    grade: Mapped[str] = mapped_column(String(40), default="")  # 专业技术十级 ...
    title_ladder: Mapped[str] = mapped_column(String(40), default="")  # 住院医师 ...
    headcount: Mapped[int] = mapped_column(Integer, default=1)
    duties: Mapped[str] = mapped_column(Text, default="")
    requirements: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    nice_to_have: Mapped[str] = mapped_column(Text, default="")
    is_ai_medical: Mapped[bool] = mapped_column(Boolean, default=False)
    open: Mapped[bool] = mapped_column(Boolean, default=True)

    department: Mapped[Department] = relationship(lazy="raise")
    competencies: Mapped[list[PositionCompetency]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="PositionCompetency.sort_order"
    )


class PositionCompetency(IdMixin, Base):
    __tablename__ = "position_competencies"
    __table_args__ = (UniqueConstraint("position_id", "name"),)

    position_id: Mapped[int] = mapped_column(ForeignKey("positions.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(40))
    weight: Mapped[int] = mapped_column(Integer)  # percent, sums to 100 per position
    pass_bar: Mapped[float] = mapped_column(default=6.0)  # 0–10 scale
    sort_order: Mapped[int] = mapped_column(Integer, default=0)


# --------------------------------------------------------------------------------------------
# People: one record per person; candidate and employee are roles of that person


class Person(IdMixin, TimestampMixin, VersionMixin, Base):
    __tablename__ = "people"

    name: Mapped[str] = mapped_column(String(50), index=True)
    gender: Mapped[str] = mapped_column(String(4), default="")  # 男/女/""
    birth_date: Mapped[date | None] = mapped_column(Date)
    # AES-256-GCM at rest (app.security.crypto); VARCHAR(255) in the DDL, no schema change
    id_number: Mapped[str | None] = mapped_column(EncryptedString(255, context="people.id_number"))
    phone: Mapped[str | None] = mapped_column(String(32), index=True)
    email: Mapped[str | None] = mapped_column(String(120), index=True)
    highest_degree: Mapped[str] = mapped_column(String(20), default="")
    school: Mapped[str] = mapped_column(String(100), default="")
    major: Mapped[str] = mapped_column(String(100), default="")
    professional_title: Mapped[str] = mapped_column(String(40), default="")  # 职称
    notes: Mapped[str] = mapped_column(Text, default="")


class Employee(IdMixin, TimestampMixin, VersionMixin, Base):
    __tablename__ = "employees"

    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="RESTRICT"), unique=True)
    staff_no: Mapped[str] = mapped_column(String(20), unique=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id", ondelete="RESTRICT"), index=True)
    position_id: Mapped[int | None] = mapped_column(ForeignKey("positions.id", ondelete="SET NULL"))
    hire_date: Mapped[date] = mapped_column(Date)
    leave_date: Mapped[date | None] = mapped_column(Date)
    contract_type: Mapped[str] = mapped_column(String(30), default="fixed_3y")
    probation_end: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="active")  # probation/active/left
    nursing_start: Mapped[date | None] = mapped_column(Date)  # for 护龄津贴

    person: Mapped[Person] = relationship(lazy="raise")
    department: Mapped[Department] = relationship(lazy="raise")
    position: Mapped[Position | None] = relationship(lazy="raise")


class Licence(IdMixin, TimestampMixin, VersionMixin, Base):
    __tablename__ = "licences"

    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(40))  # 医师执业证书, 护士执业证书 ...
    number: Mapped[str] = mapped_column(String(40), default="")
    issue_date: Mapped[date | None] = mapped_column(Date)
    expiry_date: Mapped[date | None] = mapped_column(Date, index=True)
    scope: Mapped[str] = mapped_column(String(60), default="")  # 执业范围
    location: Mapped[str] = mapped_column(String(100), default="")  # 执业地点
    next_assessment: Mapped[date | None] = mapped_column(Date)  # 医师定期考核

    person: Mapped[Person] = relationship(lazy="raise")


class Document(IdMixin, Base):
    """A file kept in a person's archive; ``stored_path`` is relative to the data folder."""

    __tablename__ = "documents"

    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(30))  # resume/certificate/contract/recording/report
    filename: Mapped[str] = mapped_column(String(255))
    stored_path: Mapped[str] = mapped_column(String(500))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size_bytes: Mapped[int] = mapped_column(Integer)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    added_by: Mapped[str] = mapped_column(String(50), default="")


class Candidate(IdMixin, TimestampMixin, VersionMixin, Base):
    __tablename__ = "candidates"

    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    position_id: Mapped[int | None] = mapped_column(ForeignKey("positions.id", ondelete="SET NULL"))
    source: Mapped[str] = mapped_column(String(40), default="")
    status: Mapped[str] = mapped_column(String(20), default="new")  # new/screened/interview/offer/hired/rejected/pool
    applied_at: Mapped[date | None] = mapped_column(Date)
    resume_text: Mapped[str] = mapped_column(Text, default="")
    resume_document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id", ondelete="SET NULL"))
    extracted: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    corrections: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    screening_score: Mapped[float | None] = mapped_column()

    person: Mapped[Person] = relationship(lazy="raise")
    position: Mapped[Position | None] = relationship(lazy="raise")


# --------------------------------------------------------------------------------------------
# Interviews


class Interview(IdMixin, TimestampMixin, VersionMixin, Base):
    __tablename__ = "interviews"

    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidates.id", ondelete="CASCADE"), index=True)
    position_id: Mapped[int] = mapped_column(ForeignKey("positions.id", ondelete="RESTRICT"))
    scheduled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    interviewers: Mapped[str] = mapped_column(String(200), default="")
    state: Mapped[str] = mapped_column(String(20), default="planned")  # planned/recorded/analysed/decided
    consent_audio: Mapped[bool | None] = mapped_column(Boolean)
    consent_video: Mapped[bool | None] = mapped_column(Boolean)
    consent_ai: Mapped[bool | None] = mapped_column(Boolean)
    consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    total_score: Mapped[float | None] = mapped_column()
    recommendation: Mapped[str | None] = mapped_column(String(20))  # recommend/hold/reject
    decision: Mapped[str | None] = mapped_column(String(20))
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    decided_by: Mapped[str] = mapped_column(String(50), default="")

    candidate: Mapped[Candidate] = relationship(lazy="raise")
    position: Mapped[Position] = relationship(lazy="raise")


class TranscriptSegment(IdMixin, Base):
    __tablename__ = "transcript_segments"

    interview_id: Mapped[int] = mapped_column(ForeignKey("interviews.id", ondelete="CASCADE"), index=True)
    version: Mapped[str] = mapped_column(String(20), default="live")  # live/retranscribed/edited
    start_s: Mapped[float] = mapped_column()
    end_s: Mapped[float] = mapped_column()
    speaker: Mapped[str] = mapped_column(String(20), default="")  # interviewer/candidate/""
    text: Mapped[str] = mapped_column(Text)
    question_index: Mapped[int | None] = mapped_column(Integer)
    words: Mapped[list[Any]] = mapped_column(JSON, default=list)


# --------------------------------------------------------------------------------------------
# Training


class Course(IdMixin, TimestampMixin, VersionMixin, Base):
    __tablename__ = "courses"

    code: Mapped[str] = mapped_column(String(32), unique=True)
    title: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    format: Mapped[str] = mapped_column(String(20), default="course")  # course/project/scenario/cme
    level: Mapped[str] = mapped_column(String(20), default="basic")
    dimensions: Mapped[list[str]] = mapped_column(JSON, default=list)
    hours: Mapped[float] = mapped_column(default=0.0)
    credits: Mapped[float] = mapped_column(default=0.0)
    prerequisites: Mapped[list[str]] = mapped_column(JSON, default=list)  # course codes
    # 继续医学教育学分类别: "I" (Ⅰ类: national/provincial projects), "II" (Ⅱ类), "" (no CME credit) (revision 0007)
    cme_class: Mapped[str] = mapped_column(String(4), default="", server_default="")


class Enrollment(IdMixin, TimestampMixin, VersionMixin, Base):
    __tablename__ = "enrollments"
    __table_args__ = (UniqueConstraint("person_id", "course_id"),)

    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="RESTRICT"))
    status: Mapped[str] = mapped_column(String(20), default="assigned")  # assigned/in_progress/done
    due_date: Mapped[date | None] = mapped_column(Date)
    progress_pct: Mapped[int] = mapped_column(Integer, default=0)
    score: Mapped[float | None] = mapped_column()
    completed_on: Mapped[date | None] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(200), default="")

    course: Mapped[Course] = relationship(lazy="raise")


# --------------------------------------------------------------------------------------------
# Attendance


class ShiftType(IdMixin, TimestampMixin, VersionMixin, Base):
    __tablename__ = "shift_types"
    __table_args__ = (UniqueConstraint("department_id", "code"),)

    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(10))  # 白/小夜/大夜/休 ...
    name: Mapped[str] = mapped_column(String(40))
    start_time: Mapped[time | None] = mapped_column(Time)
    end_time: Mapped[time | None] = mapped_column(Time)  # may be <= start: crosses midnight
    paid_minutes: Mapped[int] = mapped_column(Integer, default=0)
    break_minutes: Mapped[int] = mapped_column(Integer, default=0)
    is_night: Mapped[bool] = mapped_column(Boolean, default=False)
    night_class: Mapped[str] = mapped_column(String(10), default="")
    is_duty: Mapped[bool] = mapped_column(Boolean, default=False)  # 值班, paid apart from overtime
    is_rest: Mapped[bool] = mapped_column(Boolean, default=False)
    start_day_offset: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # 1: 大夜 starts next day
    is_early: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    # retired shift types stay for the rosters that used them but are no longer offered (revision 0007)
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="1")


class RosterEntry(IdMixin, Base):
    __tablename__ = "roster_entries"
    __table_args__ = (UniqueConstraint("employee_id", "day"),)

    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date, index=True)
    shift_type_id: Mapped[int] = mapped_column(ForeignKey("shift_types.id", ondelete="RESTRICT"))
    fixed: Mapped[bool] = mapped_column(Boolean, default=False)

    shift_type: Mapped[ShiftType] = relationship(lazy="raise")


class ClockPunch(IdMixin, Base):
    __tablename__ = "clock_punches"
    __table_args__ = (UniqueConstraint("employee_id", "punched_at"),)

    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id", ondelete="CASCADE"))
    punched_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)  # stored UTC
    device: Mapped[str] = mapped_column(String(40), default="")
    import_batch: Mapped[str] = mapped_column(String(64), default="")
    import_key: Mapped[str | None] = mapped_column(String(80), unique=True)  # staff no + minute: re-imports add nothing


class AttendanceMonth(IdMixin, TimestampMixin, VersionMixin, Base):
    """Per person per month summary, the figures payroll pays."""

    __tablename__ = "attendance_months"
    __table_args__ = (UniqueConstraint("employee_id", "month"),)

    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id", ondelete="CASCADE"))
    month: Mapped[str] = mapped_column(String(7), index=True)  # YYYY-MM
    days_worked: Mapped[float] = mapped_column(default=0.0)
    hours_worked: Mapped[float] = mapped_column(default=0.0)
    absent_days: Mapped[float] = mapped_column(default=0.0)
    late_count: Mapped[int] = mapped_column(Integer, default=0)
    early_count: Mapped[int] = mapped_column(Integer, default=0)
    missing_punches: Mapped[int] = mapped_column(Integer, default=0)
    overtime_hours: Mapped[dict[str, float]] = mapped_column(JSON, default=dict)  # extended/restday/holiday
    night_shifts: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)  # by night class
    duty_shifts: Mapped[int] = mapped_column(Integer, default=0)
    leave_days: Mapped[dict[str, float]] = mapped_column(JSON, default=dict)
    locked: Mapped[bool] = mapped_column(Boolean, default=False)
    late_minutes: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    early_minutes: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    duty_minutes: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    corrections: Mapped[list[Any]] = mapped_column(JSON, default=list, server_default="[]")  # [{field, old, new, reason, by, at}]
    locked_by: Mapped[str] = mapped_column(String(40), default="", server_default="")
    locked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


# --------------------------------------------------------------------------------------------
# Payroll


class PayProfile(IdMixin, TimestampMixin, VersionMixin, Base):
    __tablename__ = "pay_profiles"

    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id", ondelete="CASCADE"), unique=True)
    post_grade: Mapped[str] = mapped_column(String(40), default="")  # 岗位工资 table row
    salary_level: Mapped[int] = mapped_column(Integer, default=1)  # 薪级
    contract_wage_fen: Mapped[int] = mapped_column(Integer, default=0)
    performance_base_fen: Mapped[int] = mapped_column(Integer, default=0)
    post_coefficient: Mapped[float] = mapped_column(default=1.0)
    performance_coefficient: Mapped[float] = mapped_column(default=1.0)
    si_base_fen: Mapped[int] = mapped_column(Integer, default=0)  # social insurance base
    hf_base_fen: Mapped[int] = mapped_column(Integer, default=0)  # housing fund base
    hf_rate_pct: Mapped[float] = mapped_column(default=12.0)
    # AES-256-GCM at rest (app.security.crypto); VARCHAR(255) in the DDL, no schema change
    bank_account: Mapped[str | None] = mapped_column(EncryptedString(255, context="pay_profiles.bank_account"))
    special_additional_deduction_fen: Mapped[int] = mapped_column(Integer, default=0)  # monthly 专项附加
    category: Mapped[str] = mapped_column(String(10), default="", server_default="")  # 医师/护士/医技/药剂/行政/工勤
    roles: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")  # e.g. ["护士长"]

    employee: Mapped[Employee] = relationship(lazy="raise")


class PayrollRun(IdMixin, TimestampMixin, VersionMixin, Base):
    __tablename__ = "payroll_runs"
    __table_args__ = (UniqueConstraint("month", "kind"),)

    month: Mapped[str] = mapped_column(String(7))
    kind: Mapped[str] = mapped_column(String(20), default="regular")
    state: Mapped[str] = mapped_column(String(20), default="draft")  # draft/review/approved/locked
    # a month's totals pass 2^31 fen (21.5 million yuan): 64-bit on PostgreSQL (SQLite integers are 64-bit)
    total_gross_fen: Mapped[int] = mapped_column(Integer().with_variant(BigInteger(), "postgresql"), default=0)
    total_net_fen: Mapped[int] = mapped_column(Integer().with_variant(BigInteger(), "postgresql"), default=0)
    headcount: Mapped[int] = mapped_column(Integer, default=0)
    history: Mapped[list[Any]] = mapped_column(JSON, default=list)  # [{state, by, at}]
    warnings: Mapped[list[Any]] = mapped_column(JSON, default=list, server_default="[]")  # [{employee_id, text}]
    # which dated settings the run used: {"structure": pay_settings.id | None, "city": pay_settings.id | None}
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, server_default="{}")


class PayrollLine(IdMixin, Base):
    __tablename__ = "payroll_lines"
    __table_args__ = (UniqueConstraint("run_id", "employee_id", "item_code"),)

    run_id: Mapped[int] = mapped_column(ForeignKey("payroll_runs.id", ondelete="CASCADE"), index=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id", ondelete="RESTRICT"))
    item_code: Mapped[str] = mapped_column(String(40))
    amount_fen: Mapped[int] = mapped_column(Integer)


# --------------------------------------------------------------------------------------------
# Users and audit


class User(IdMixin, TimestampMixin, VersionMixin, Base):
    __tablename__ = "users"

    username: Mapped[str] = mapped_column(String(40), unique=True)
    display_name: Mapped[str] = mapped_column(String(50), default="")
    role: Mapped[str] = mapped_column(String(30), default="hr")
    password_hash: Mapped[str] = mapped_column(String(200), default="")
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id", ondelete="SET NULL"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)


class AuditEntry(IdMixin, Base):
    """Append-only log; each entry's hash covers the previous entry's hash (tamper-evident)."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_object", "object_type", "object_id"),)

    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    username: Mapped[str] = mapped_column(String(40), default="")
    action: Mapped[str] = mapped_column(String(40))
    object_type: Mapped[str] = mapped_column(String(40), default="")
    object_id: Mapped[str] = mapped_column(String(40), default="")
    detail: Mapped[str] = mapped_column(Text, default="")
    prev_hash: Mapped[str] = mapped_column(String(64), default="")
    hash: Mapped[str] = mapped_column(String(64), default="")


class AppSetting(IdMixin, VersionMixin, Base):
    """Hospital-wide settings shared by every workstation (ward cover rules, clock-file column mappings,
    custom roles ...): one JSON value per key. Per-workstation preferences stay in ``settings.toml``."""

    __tablename__ = "app_settings"

    key: Mapped[str] = mapped_column(String(120), unique=True)
    value: Mapped[Any] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    updated_by: Mapped[str] = mapped_column(String(40), default="", server_default="")


class PaySetting(IdMixin, TimestampMixin, VersionMixin, Base):
    """A dated pay document: the pay structure (``kind="structure"``) or the city's social-insurance and
    housing-fund settings (``kind="city"``), as TOML text, valid from ``effective_month`` (YYYY-MM) until a
    later one. A payroll run uses the latest one effective on its month (else the shipped default)."""

    __tablename__ = "pay_settings"
    __table_args__ = (UniqueConstraint("kind", "effective_month"),)

    kind: Mapped[str] = mapped_column(String(20))
    effective_month: Mapped[str] = mapped_column(String(7))
    name: Mapped[str] = mapped_column(String(100), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    note: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(40), default="")


class Meta(Base):
    """Key/value facts about this database (e.g. how and when the demo was generated)."""

    __tablename__ = "meta"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str] = mapped_column(Text, default="")


# --------------------------------------------------------------------------------------------
# Position DNA: screening rules, vocabulary, question bank (versioned), policies, interview plans


class PositionRule(IdMixin, TimestampMixin, VersionMixin, Base):
    """A keyword rule of a position, e.g. ``(医学影像 OR 影像诊断) AND (PyTorch OR 深度学习)``."""

    __tablename__ = "position_rules"

    position_id: Mapped[int] = mapped_column(ForeignKey("positions.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(60), default="")
    expression: Mapped[str] = mapped_column(Text)
    required: Mapped[bool] = mapped_column(Boolean, default=False)  # hard filter or score only
    weight: Mapped[int] = mapped_column(Integer, default=1)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)


class Synonym(IdMixin, TimestampMixin, Base):
    """Hospital-wide synonym group: ``term`` matches any of ``equivalents``."""

    __tablename__ = "synonyms"

    term: Mapped[str] = mapped_column(String(60), unique=True)
    equivalents: Mapped[list[str]] = mapped_column(JSON, default=list)


class VocabularyTerm(IdMixin, TimestampMixin, Base):
    """The hospital's own professional terms, added to the shipped medical vocabulary."""

    __tablename__ = "vocabulary_terms"

    term: Mapped[str] = mapped_column(String(60), unique=True)
    tag: Mapped[str] = mapped_column(String(20), default="clin")  # clin/nurse/tech/hr


class Question(IdMixin, TimestampMixin, VersionMixin, Base):
    """A question's identity and tags; its wording lives in versions."""

    __tablename__ = "questions"

    code: Mapped[str] = mapped_column(String(60), unique=True)
    job_family: Mapped[str] = mapped_column(String(20), default="")  # "" = any
    positions: Mapped[list[str]] = mapped_column(JSON, default=list)  # position codes
    dimension: Mapped[str] = mapped_column(String(40))
    qtype: Mapped[str] = mapped_column(String(20))  # 专业知识/操作技能/情景题/职业素养/合规
    difficulty: Mapped[int] = mapped_column(Integer, default=3)  # 1–5
    is_clinical_scenario: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str] = mapped_column(String(200), default="")
    licence_condition: Mapped[str] = mapped_column(String(200), default="")  # e.g. not for assessing individuals
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    current_version: Mapped[int] = mapped_column(Integer, default=1)


class QuestionVersion(IdMixin, Base):
    __tablename__ = "question_versions"
    __table_args__ = (UniqueConstraint("question_id", "number"),)

    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    key_points: Mapped[list[str]] = mapped_column(JSON, default=list)
    reference_answer: Mapped[str] = mapped_column(Text, default="")
    key_terms: Mapped[list[str]] = mapped_column(JSON, default=list)
    options: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)  # choice questions
    answer: Mapped[str] = mapped_column(String(10), default="")
    policy_ref: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(40), default="")
    change_note: Mapped[str] = mapped_column(String(200), default="")


class Policy(IdMixin, TimestampMixin, VersionMixin, Base):
    __tablename__ = "policies"

    title: Mapped[str] = mapped_column(String(200))
    issued_on: Mapped[date | None] = mapped_column(Date)
    text: Mapped[str] = mapped_column(Text, default="")


class PolicyQuestion(Base):
    __tablename__ = "policy_questions"

    policy_id: Mapped[int] = mapped_column(ForeignKey("policies.id", ondelete="CASCADE"), primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"), primary_key=True)
    reviewed: Mapped[bool] = mapped_column(Boolean, default=False)


class InterviewQuestion(IdMixin, Base):
    """A question of an interview's plan, pinned to the version that was asked."""

    __tablename__ = "interview_questions"
    __table_args__ = (UniqueConstraint("interview_id", "position_in_plan"),)

    interview_id: Mapped[int] = mapped_column(ForeignKey("interviews.id", ondelete="CASCADE"), index=True)
    position_in_plan: Mapped[int] = mapped_column(Integer)
    question_version_id: Mapped[int] = mapped_column(ForeignKey("question_versions.id", ondelete="RESTRICT"))
    interviewer_mark: Mapped[float | None] = mapped_column()
    notes: Mapped[str] = mapped_column(Text, default="")


# --------------------------------------------------------------------------------------------
# Attendance details: leave, missing-punch supplements, adjustments after a lock


class LeaveRecord(IdMixin, TimestampMixin, VersionMixin, Base):
    __tablename__ = "leave_records"

    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id", ondelete="CASCADE"), index=True)
    leave_type: Mapped[str] = mapped_column(String(10))  # 年假/病假/事假/婚假/产假/陪产假/丧假
    first_day: Mapped[date] = mapped_column(Date)
    last_day: Mapped[date] = mapped_column(Date)
    days: Mapped[float] = mapped_column(default=0.0)
    approved_by: Mapped[str] = mapped_column(String(40), default="")
    note: Mapped[str] = mapped_column(String(200), default="")


class PunchSupplement(IdMixin, TimestampMixin, Base):
    """补卡: a missing punch supplied by the employee and approved by HR."""

    __tablename__ = "punch_supplements"

    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id", ondelete="CASCADE"), index=True)
    day: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(5))  # in/out
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    reason: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(12), default="pending")  # pending/approved/rejected
    decided_by: Mapped[str] = mapped_column(String(40), default="")


class AttendanceAdjustment(IdMixin, TimestampMixin, Base):
    """A correction to a locked month, booked into a later month."""

    __tablename__ = "attendance_adjustments"

    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id", ondelete="CASCADE"), index=True)
    source_month: Mapped[str] = mapped_column(String(7))
    book_month: Mapped[str] = mapped_column(String(7), index=True)
    delta: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    reason: Mapped[str] = mapped_column(String(200), default="")
    created_by: Mapped[str] = mapped_column(String(40), default="")


# --------------------------------------------------------------------------------------------
# Interviews: recordings, observations, assessments, decisions, speaker profiles


class InterviewRecording(IdMixin, TimestampMixin, Base):
    """Files of one recording session; paths are relative to the data folder."""

    __tablename__ = "interview_recordings"

    interview_id: Mapped[int] = mapped_column(ForeignKey("interviews.id", ondelete="CASCADE"), index=True)
    audio_path: Mapped[str] = mapped_column(String(500), default="")
    video_dir: Mapped[str] = mapped_column(String(500), default="")
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    audio_seconds: Mapped[float] = mapped_column(default=0.0)
    state: Mapped[str] = mapped_column(String(20), default="recording")  # recording/finished/recovered/deleted
    engine: Mapped[str] = mapped_column(String(40), default="")
    notes: Mapped[str] = mapped_column(Text, default="")


class InterviewObservation(IdMixin, Base):
    """Non-verbal observations per second of video (no frame is stored)."""

    __tablename__ = "interview_observations"
    __table_args__ = (UniqueConstraint("interview_id", "second"),)

    interview_id: Mapped[int] = mapped_column(ForeignKey("interviews.id", ondelete="CASCADE"), index=True)
    second: Mapped[int] = mapped_column(Integer)
    pct_face_present: Mapped[float] = mapped_column(default=0.0)
    pct_looking_at_camera: Mapped[float] = mapped_column(default=0.0)
    pct_smiling: Mapped[float] = mapped_column(default=0.0)
    pct_frowning: Mapped[float] = mapped_column(default=0.0)
    mean_yaw_deg: Mapped[float | None] = mapped_column()
    mean_pitch_deg: Mapped[float | None] = mapped_column()
    head_motion: Mapped[float] = mapped_column(default=0.0)
    body_motion: Mapped[float] = mapped_column(default=0.0)


class InterviewAssessment(IdMixin, TimestampMixin, Base):
    """The computed assessment of one interview (answers, dimensions, recommendation) with evidence."""

    __tablename__ = "interview_assessments"

    interview_id: Mapped[int] = mapped_column(ForeignKey("interviews.id", ondelete="CASCADE"), unique=True)
    answers: Mapped[list[Any]] = mapped_column(JSON, default=list)  # per question: scores + evidence
    dimensions: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # name -> {ai, interviewer, blended, bar}
    nonverbal: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    risk_flags: Mapped[list[Any]] = mapped_column(JSON, default=list)
    total: Mapped[float | None] = mapped_column()
    recommendation: Mapped[str] = mapped_column(String(20), default="")
    needs_review: Mapped[bool] = mapped_column(Boolean, default=False)
    review_reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # blend, weights used


class InterviewDecision(IdMixin, Base):
    """A person's decision on an interview (PIPL art. 24); kept beside the recommendation."""

    __tablename__ = "interview_decisions"

    interview_id: Mapped[int] = mapped_column(ForeignKey("interviews.id", ondelete="CASCADE"), index=True)
    decision: Mapped[str] = mapped_column(String(20))  # recommend/hold/reject
    reason: Mapped[str] = mapped_column(Text, default="")
    decided_by: Mapped[str] = mapped_column(String(40), default="")
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class SpeakerProfile(IdMixin, TimestampMixin, Base):
    """An interviewer's enrolled voice (x-vector), to tell their speech from the candidate's."""

    __tablename__ = "speaker_profiles"

    name: Mapped[str] = mapped_column(String(50), unique=True)
    vector: Mapped[list[float]] = mapped_column(JSON, default=list)
    model: Mapped[str] = mapped_column(String(60), default="")


# --------------------------------------------------------------------------------------------
# Talent profiles, onboarding, probation, retention


class Assessment(IdMixin, TimestampMixin, VersionMixin, Base):
    """A test entered by HR (cognitive, personality ...)."""

    __tablename__ = "assessments"

    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # cognitive/personality/skills/other
    name: Mapped[str] = mapped_column(String(100))
    taken_on: Mapped[date] = mapped_column(Date)
    score: Mapped[float | None] = mapped_column()
    max_score: Mapped[float | None] = mapped_column()
    dimension: Mapped[str] = mapped_column(String(40), default="")
    notes: Mapped[str] = mapped_column(Text, default="")


class CompetencyEvidence(IdMixin, Base):
    """One dated score on a competency dimension, from any source: the competency picture over time."""

    __tablename__ = "competency_evidence"
    __table_args__ = (Index("ix_competency_evidence_person_dim", "person_id", "dimension"),)

    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    dimension: Mapped[str] = mapped_column(String(40))
    score: Mapped[float] = mapped_column()  # 0–10
    source: Mapped[str] = mapped_column(String(20))  # interview/assessment/training/quiz/scenario/project
    source_id: Mapped[int | None] = mapped_column(Integer)
    observed_on: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(String(200), default="")


class PerformanceCoefficient(IdMixin, Base):
    """绩效系数 history; payroll uses the latest effective one."""

    __tablename__ = "performance_coefficients"

    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id", ondelete="CASCADE"), index=True)
    effective_month: Mapped[str] = mapped_column(String(7))
    coefficient: Mapped[float] = mapped_column()
    reason: Mapped[str] = mapped_column(String(200), default="")
    source: Mapped[str] = mapped_column(String(20), default="manual")  # probation/training/manual
    status: Mapped[str] = mapped_column(String(12), default="approved")  # proposed/approved/rejected
    decided_by: Mapped[str] = mapped_column(String(40), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class OnboardingForm(IdMixin, TimestampMixin, VersionMixin, Base):
    """入职审批单: pre-filled from the profile and the post, approved step by step."""

    __tablename__ = "onboarding_forms"

    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidates.id", ondelete="CASCADE"), index=True)
    interview_id: Mapped[int | None] = mapped_column(ForeignKey("interviews.id", ondelete="SET NULL"))
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id", ondelete="RESTRICT"))
    position_id: Mapped[int] = mapped_column(ForeignKey("positions.id", ondelete="RESTRICT"))
    grade: Mapped[str] = mapped_column(String(40), default="")
    salary_level: Mapped[int] = mapped_column(Integer, default=1)
    start_date: Mapped[date] = mapped_column(Date)
    contract_type: Mapped[str] = mapped_column(String(30))
    contract_years: Mapped[float] = mapped_column(default=3.0)
    probation_months: Mapped[int] = mapped_column(Integer, default=0)
    probation_rule: Mapped[str] = mapped_column(String(60), default="")
    contract_wage_fen: Mapped[int] = mapped_column(Integer, default=0)
    probation_wage_fen: Mapped[int] = mapped_column(Integer, default=0)
    pay_items: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    state: Mapped[str] = mapped_column(String(20), default="draft")  # draft/hr/dept_head/hr_manager/approved/rejected
    steps: Mapped[list[Any]] = mapped_column(JSON, default=list)  # [{role, by, at, decision, note}]
    employee_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id", ondelete="SET NULL"))


class ProbationReview(IdMixin, TimestampMixin, VersionMixin, Base):
    __tablename__ = "probation_reviews"

    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id", ondelete="CASCADE"), index=True)
    due_date: Mapped[date] = mapped_column(Date)
    outcome: Mapped[str] = mapped_column(String(12), default="")  # confirm/extend/end/""
    extended_to: Mapped[date | None] = mapped_column(Date)
    new_coefficient: Mapped[float | None] = mapped_column()
    notes: Mapped[str] = mapped_column(Text, default="")
    decided_by: Mapped[str] = mapped_column(String(40), default="")
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class SavedSearch(IdMixin, TimestampMixin, Base):
    __tablename__ = "saved_searches"

    name: Mapped[str] = mapped_column(String(60), unique=True)
    query: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class RetentionLog(IdMixin, Base):
    """What a retention run deleted (recordings of candidates not hired)."""

    __tablename__ = "retention_log"

    run_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    run_by: Mapped[str] = mapped_column(String(40), default="")
    deleted: Mapped[list[Any]] = mapped_column(JSON, default=list)  # [{interview_id, files, bytes}]


# --------------------------------------------------------------------------------------------
# Training: modules, materials, learning paths, quizzes, coefficient proposals


class CourseModule(IdMixin, Base):
    __tablename__ = "course_modules"
    __table_args__ = (UniqueConstraint("course_id", "sort_order"),)

    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(100))
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    hours: Mapped[float] = mapped_column(default=0.0)


class CourseMaterial(IdMixin, Base):
    __tablename__ = "course_materials"

    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(10), default="file")  # file/link
    location: Mapped[str] = mapped_column(String(500))  # relative path in the data folder, or a local URL


class ModuleProgress(IdMixin, Base):
    __tablename__ = "module_progress"
    __table_args__ = (UniqueConstraint("enrollment_id", "module_id"),)

    enrollment_id: Mapped[int] = mapped_column(ForeignKey("enrollments.id", ondelete="CASCADE"), index=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("course_modules.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(12), default="todo")  # todo/in_progress/done
    completed_on: Mapped[date | None] = mapped_column(Date)


class LearningPath(IdMixin, TimestampMixin, VersionMixin, Base):
    __tablename__ = "learning_paths"

    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(100), default="")
    status: Mapped[str] = mapped_column(String(12), default="draft")  # draft/assigned/done
    created_by: Mapped[str] = mapped_column(String(40), default="")
    source: Mapped[str] = mapped_column(String(20), default="gaps")  # gaps/group/manual/onboarding


class PathItem(IdMixin, Base):
    __tablename__ = "path_items"
    __table_args__ = (UniqueConstraint("path_id", "sort_order"),)

    path_id: Mapped[int] = mapped_column(ForeignKey("learning_paths.id", ondelete="CASCADE"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="RESTRICT"))
    sort_order: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(200), default="")
    due_date: Mapped[date | None] = mapped_column(Date)


class Quiz(IdMixin, TimestampMixin, VersionMixin, Base):
    __tablename__ = "quizzes"

    title: Mapped[str] = mapped_column(String(100))
    course_id: Mapped[int | None] = mapped_column(ForeignKey("courses.id", ondelete="SET NULL"))
    question_version_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    pass_score: Mapped[float] = mapped_column(default=60.0)


class QuizAttempt(IdMixin, Base):
    __tablename__ = "quiz_attempts"

    quiz_id: Mapped[int] = mapped_column(ForeignKey("quizzes.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    grading: Mapped[list[Any]] = mapped_column(JSON, default=list)  # per question: auto score, evidence, override
    score: Mapped[float | None] = mapped_column()
    overridden_by: Mapped[str] = mapped_column(String(40), default="")


# --------------------------------------------------------------------------------------------
# Revision 0007: 专项附加扣除 declarations by month, interview panels


class TaxDeclaration(IdMixin, TimestampMixin, VersionMixin, Base):
    """One 专项附加扣除 an employee declared to the hospital (个人所得税专项附加扣除暂行办法, 国发〔2023〕13号).

    A declaration is a monthly amount over a span of months (``month_to`` NULL = open-ended); the payroll sums the
    declarations in force in a month. 大病医疗 is not here: it is only claimed in the annual settlement.
    """

    __tablename__ = "tax_declarations"

    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(30))  # children_education/infant_care/continuing_education/...
    month_from: Mapped[str] = mapped_column(String(7))  # YYYY-MM, first month it applies
    month_to: Mapped[str | None] = mapped_column(String(7))  # YYYY-MM inclusive, NULL = until withdrawn
    monthly_fen: Mapped[int] = mapped_column(Integer)
    count: Mapped[int] = mapped_column(Integer, default=1)  # children, for the per-child kinds
    share_pct: Mapped[int] = mapped_column(Integer, default=100)  # the part this employee claims (50/100, ≤50 …)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # city tier, certificate, lender …
    note: Mapped[str] = mapped_column(Text, default="")
    declared_on: Mapped[date | None] = mapped_column(Date)
    created_by: Mapped[str] = mapped_column(String(40), default="")


class InterviewPanelMember(IdMixin, Base):
    """A user account sitting on an interview's panel: what "an interviewer sees only interviews assigned to them"
    is checked against (the free-text ``interviews.interviewers`` stays the printed list of names)."""

    __tablename__ = "interview_panel"
    __table_args__ = (UniqueConstraint("interview_id", "user_id"),)

    interview_id: Mapped[int] = mapped_column(ForeignKey("interviews.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20), default="member")  # chair/member

"""岗位 as the place the hospital describes what it needs: positions with requirements and competency
models, screening rules, synonyms and the hospital's own vocabulary, Excel import/export of positions
and of the question bank, and the licence register (expiry view and post warnings).

Every public method is one unit of work and returns frozen DTOs. Writes return a ``ChangeSet`` or the
new id. Excel imports validate the whole file first (``preview_*``) and store nothing unless the file
is clean or the caller asked for the good rows only; storing is atomic.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.db.tables import (
    Department,
    Employee,
    Licence,
    Person,
    Policy,
    PolicyQuestion,
    Position,
    PositionCompetency,
    PositionRule,
    Synonym,
    VocabularyTerm,
)
from app.domain.org import DEGREES, JOB_FAMILY_LABELS, LICENCE_KINDS, JobFamily, LicenceState, licence_state
from app.errors import InvalidInput, NotFound
from app.i18n import N_, _
from app.positions import competency, excel, rules
from app.positions.competency import Dimension
from app.positions.questions import Question as BankQuestion
from app.services.base import Service, load_for_update
from app.services.questions import ImportStats, QuestionBankService
from app.tasks import NEVER_CANCELLED, CancelToken, ChangeSet, ProgressFn, no_progress

log = logging.getLogger(__name__)

FAMILIES: tuple[str, ...] = tuple(str(f) for f in JobFamily)
VOCABULARY_TAGS: tuple[str, ...] = ("clin", "nurse", "tech", "hr")
NURSE_LICENCE = "护士执业证书"
PHYSICIAN_LICENCE = "医师执业证书"
POSITION_TABLES = ("positions", "position_competencies")


# --------------------------------------------------------------------------------------------
# DTOs


@dataclass(frozen=True)
class PositionForm:
    """Everything the position editor shows and saves. ``id`` None = a new position."""

    code: str
    title: str
    department_id: int
    job_family: str
    grade: str = ""
    title_ladder: str = ""
    headcount: int = 1
    is_ai_medical: bool = False
    open: bool = True
    min_degree: str = ""
    majors: tuple[str, ...] = ()
    licences: tuple[str, ...] = ()
    years: int = 0
    guipei: bool = False
    duties: str = ""
    nice_to_have: str = ""
    competencies: tuple[Dimension, ...] = ()
    id: int | None = None
    version: int = 0
    keywords: str = ""  # legacy single rule text kept in requirements (demo data)


@dataclass(frozen=True)
class RuleRow:
    id: int
    position_id: int
    name: str
    expression: str
    required: bool
    weight: int
    version: int
    error: str  # parse error of the stored text ("" when it parses)


@dataclass(frozen=True)
class SynonymRow:
    id: int
    term: str
    equivalents: tuple[str, ...]


@dataclass(frozen=True)
class VocabularyRow:
    id: int
    term: str
    tag: str


@dataclass(frozen=True)
class RuleCheck:
    """Live validation of a rule text: a syntax error (with its 1-based position) and vocabulary warnings."""

    ok: bool
    error: str = ""
    error_position: int = 0
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class PreparedResume:
    candidate_id: int
    name: str
    applied_for: str
    text: rules.PreparedText


@dataclass(frozen=True)
class CandidateMatch:
    candidate_id: int
    name: str
    applied_for: str
    matched: bool
    explanation: str
    terms: tuple[str, ...]  # rule terms found (positive)
    hits: tuple[rules.Hit, ...]  # spans in the resume text for highlighting
    excluded_hits: tuple[rules.Hit, ...]


@dataclass(frozen=True)
class PositionImportStats:
    created: int
    updated: int
    skipped_rows: int
    synonyms_added: int


@dataclass(frozen=True)
class PolicyRow:
    id: int
    title: str
    issued_on: dt.date | None
    to_review: int
    linked: int


@dataclass(frozen=True)
class LicencePolicy:
    """Statutory cycles from the settings (``app.config.Settings``)."""

    warn_days: tuple[int, int] = (90, 30)
    nurse_registration_years: int = 5
    nurse_renewal_days_before: int = 30
    physician_assessment_years: int = 3

    @classmethod
    def from_settings(cls, settings: Any) -> LicencePolicy:
        warn = tuple(int(x) for x in getattr(settings, "licence_warn_days", (90, 30)))
        far, near = (max(warn), min(warn)) if len(warn) >= 2 else (90, 30)
        return cls((far, near), int(settings.nurse_registration_years), int(settings.nurse_renewal_days_before),
                   int(settings.physician_assessment_years))


LICENCE_ACTIONS = {
    "renew": N_("apply for renewal of the registration by {date}"),
    "assessment": N_("periodic assessment due by {date}"),
    "assessment_overdue": N_("periodic assessment overdue since {date}"),
    "expired": N_("expired on {date}; must not practise until renewed"),
    "replace": N_("renew before {date}"),
}


@dataclass(frozen=True)
class LicenceRow:
    id: int
    person_id: int
    staff_no: str
    name: str
    department_id: int
    department: str
    position: str
    kind: str
    number: str
    issue_date: dt.date | None
    due: dt.date | None  # expiry date, or the date of the next periodic assessment
    due_kind: str  # "expiry" | "assessment" | ""
    derived: bool  # the due date was computed from the issue date and the statutory cycle
    state: str  # LicenceState value
    days_left: int | None
    action: str  # translated advice


@dataclass(frozen=True)
class LicenceGap:
    position_id: int
    position: str
    staff_no: str
    name: str
    kind: str
    reason: str  # translated


# --------------------------------------------------------------------------------------------
# The service


class PositionsService(Service):
    # ================================================================ positions
    def form(self, position_id: int) -> PositionForm:
        """The editor's data for an existing position (with its record version)."""
        with self._uow() as s:
            p = s.get(Position, position_id)
            if p is None:
                raise NotFound(_("The position no longer exists; it may have been deleted. Reload the list."))
            dims = s.scalars(select(PositionCompetency).where(PositionCompetency.position_id == p.id)
                             .order_by(PositionCompetency.sort_order, PositionCompetency.id)).all()
            return _form_of(p, [Dimension(d.name, d.weight, d.pass_bar) for d in dims])

    def new_form(self, department_id: int, job_family: str = "physician", *, ai_medical: bool = False) -> PositionForm:
        """A blank position in ``department_id`` with the family's competency template."""
        return PositionForm(code="", title="", department_id=department_id, job_family=job_family,
                            is_ai_medical=ai_medical,
                            competencies=competency.template_for(job_family, ai_medical=ai_medical))

    def create_position(self, form: PositionForm) -> int:
        data = _checked(form)
        with self._uow(write=True) as s:
            _check_code_free(s, data.code)
            _check_department(s, data.department_id)
            p = Position(code=data.code)
            _apply(p, data)
            s.add(p)
            s.flush()
            _replace_competencies(s, p.id, data.competencies)
            log.info("position created id=%s", p.id)
            return p.id

    def update_position(self, position_id: int, expected_version: int, form: PositionForm) -> ChangeSet:
        data = _checked(form)
        with self._uow(write=True) as s:
            p = load_for_update(s, Position, position_id, expected_version,
                                _("Position {code}").format(code=data.code))
            if data.code != p.code:
                _check_code_free(s, data.code)
                p.code = data.code
            _check_department(s, data.department_id)
            _apply(p, data)
            p.updated_at = dt.datetime.now(dt.UTC)  # one version step, even if only competencies changed
            _replace_competencies(s, p.id, data.competencies)
        return ChangeSet.of(*POSITION_TABLES)

    def copy_position(self, position_id: int, new_code: str, new_title: str = "", department_id: int | None = None) -> int:
        """A copy of a position (requirements, competency model and screening rules) under a new code."""
        new_code = new_code.strip()
        if not new_code:
            raise InvalidInput(_("A position needs a code."))
        original = self.form(position_id)
        with self._uow(write=True) as s:
            _check_code_free(s, new_code)
            src_rules = s.scalars(select(PositionRule).where(PositionRule.position_id == position_id)
                                  .order_by(PositionRule.sort_order, PositionRule.id)).all()
            data = _checked(PositionForm(**{
                **original.__dict__, "id": None, "version": 0, "code": new_code,
                "title": new_title.strip() or _("{title} (copy)").format(title=original.title),
                "department_id": department_id or original.department_id,
            }))
            _check_department(s, data.department_id)
            p = Position(code=new_code)
            _apply(p, data)
            s.add(p)
            s.flush()
            _replace_competencies(s, p.id, data.competencies)
            for i, r in enumerate(src_rules):
                s.add(PositionRule(position_id=p.id, name=r.name, expression=r.expression, required=r.required,
                                   weight=r.weight, sort_order=i))
            return p.id

    def delete_position(self, position_id: int, expected_version: int) -> ChangeSet:
        """Delete a position nobody holds; posts with staff or candidates are closed instead."""
        from app.db.tables import Candidate, Interview

        with self._uow(write=True) as s:
            p = load_for_update(s, Position, position_id, expected_version, _("Position"))
            used = (s.scalar(select(func.count()).select_from(Employee).where(Employee.position_id == p.id)) or 0) + \
                (s.scalar(select(func.count()).select_from(Candidate).where(Candidate.position_id == p.id)) or 0) + \
                (s.scalar(select(func.count()).select_from(Interview).where(Interview.position_id == p.id)) or 0)
            if used:
                raise InvalidInput(_("{title} is held by staff or has candidates and interviews; it cannot be "
                                     "deleted. Set it to not recruiting instead.").format(title=p.title))
            s.delete(p)
        return ChangeSet.of(*POSITION_TABLES, "position_rules")

    # ================================================================ rules
    def rules(self, position_id: int) -> list[RuleRow]:
        with self._uow() as s:
            rows = s.scalars(select(PositionRule).where(PositionRule.position_id == position_id)
                             .order_by(PositionRule.sort_order, PositionRule.id)).all()
            return [_rule_row(r) for r in rows]

    def rule_counts(self) -> dict[int, int]:
        """position id -> number of screening rules."""
        with self._uow() as s:
            return {pid: n for pid, n in s.execute(
                select(PositionRule.position_id, func.count()).group_by(PositionRule.position_id)).all()}

    def save_rule(
        self,
        position_id: int,
        expression: str,
        *,
        rule_id: int | None = None,
        expected_version: int = 0,
        name: str = "",
        required: bool = False,
        weight: int = 1,
    ) -> int:
        """Create (``rule_id`` None) or change a screening rule; the text must parse."""
        expression = expression.strip()
        rules.parse(expression)  # raises RuleSyntaxError (InvalidInput) naming the position
        name = name.strip()[:60]
        if not 1 <= int(weight) <= 10:
            raise InvalidInput(_("A rule's weight must be from 1 to 10."))
        with self._uow(write=True) as s:
            if s.get(Position, position_id) is None:
                raise NotFound(_("The position no longer exists; it may have been deleted. Reload the list."))
            if rule_id is None:
                order = (s.scalar(select(func.max(PositionRule.sort_order))
                                  .where(PositionRule.position_id == position_id)) or 0) + 1
                r = PositionRule(position_id=position_id, sort_order=order)
                s.add(r)
            else:
                r = load_for_update(s, PositionRule, rule_id, expected_version,
                                    _("Rule {name}").format(name=name or rule_id))
                if r.position_id != position_id:
                    raise InvalidInput(_("The rule belongs to another position. Reload the list."))
            r.name, r.expression, r.required, r.weight = name or _("Rule"), expression, bool(required), int(weight)
            s.flush()
            return r.id

    def delete_rule(self, rule_id: int, expected_version: int) -> ChangeSet:
        with self._uow(write=True) as s:
            r = load_for_update(s, PositionRule, rule_id, expected_version, _("Rule"))
            s.delete(r)
        return ChangeSet.of("position_rules")

    def check_rule(self, expression: str) -> RuleCheck:
        """Syntax (with the position of the error) and the terms that are not in any vocabulary."""
        error = rules.syntax_error(expression)
        if error is not None:
            return RuleCheck(False, error.message, error.position)
        table = self.synonym_table()
        vocab = self._vocabulary_words()
        warnings = tuple(w.message for w in rules.vocabulary_warnings(expression, table, vocab))
        return RuleCheck(True, warnings=warnings)

    # ================================================================ synonyms
    def synonyms(self) -> list[SynonymRow]:
        with self._uow() as s:
            return [SynonymRow(x.id, x.term, tuple(x.equivalents))
                    for x in s.scalars(select(Synonym).order_by(Synonym.term)).all()]

    def synonym_table(self) -> rules.SynonymTable:
        return rules.SynonymTable.of([(r.term, r.equivalents) for r in self.synonyms()])

    def save_synonym(self, term: str, equivalents: Iterable[str] | str, synonym_id: int | None = None) -> int:
        """Create or replace a hospital-wide synonym group ``term = a、b``."""
        term = term.strip()
        eqs = rules.split_list(equivalents) if isinstance(equivalents, str) else [e.strip() for e in equivalents]
        eqs = list(dict.fromkeys(e for e in eqs if e and rules.norm_key(e) != rules.norm_key(term)))
        if not term:
            raise InvalidInput(_("A synonym group needs its term."))
        if len(term) > 60:
            raise InvalidInput(_("The term is longer than {n} characters.").format(n=60))
        if not eqs:
            raise InvalidInput(_("Give at least one synonym for {term}, separated by 、.").format(term=term))
        with self._uow(write=True) as s:
            clash = s.scalar(select(Synonym).where(Synonym.term == term))
            if synonym_id is None:
                if clash is not None:
                    raise InvalidInput(_("{term} already has a synonym group; edit that one.").format(term=term))
                row = Synonym(term=term, equivalents=eqs)
                s.add(row)
            else:
                row = s.get(Synonym, synonym_id)
                if row is None:
                    raise NotFound(_("The synonym group no longer exists. Reload the list."))
                if clash is not None and clash.id != synonym_id:
                    raise InvalidInput(_("{term} already has a synonym group; edit that one.").format(term=term))
                row.term, row.equivalents = term, eqs
            s.flush()
            return row.id

    def delete_synonym(self, synonym_id: int) -> ChangeSet:
        with self._uow(write=True) as s:
            row = s.get(Synonym, synonym_id)
            if row is not None:
                s.delete(row)
        return ChangeSet.of("synonyms")

    # ================================================================ own vocabulary
    def vocabulary(self) -> list[VocabularyRow]:
        with self._uow() as s:
            return [VocabularyRow(v.id, v.term, v.tag)
                    for v in s.scalars(select(VocabularyTerm).order_by(VocabularyTerm.term)).all()]

    def add_term(self, term: str, tag: str = "clin") -> int:
        """Add a professional term of the hospital; the shared tokenizer learns it at once."""
        term = " ".join(term.split())
        if not term:
            raise InvalidInput(_("Enter the term to add."))
        if len(term) > 60:
            raise InvalidInput(_("The term is longer than {n} characters.").format(n=60))
        if tag not in VOCABULARY_TAGS:
            raise InvalidInput(_("Unknown category {tag}; use one of {choices}.").format(
                tag=tag, choices="、".join(VOCABULARY_TAGS)))
        with self._uow(write=True) as s:
            if s.scalar(select(VocabularyTerm.id).where(VocabularyTerm.term == term)) is not None:
                raise InvalidInput(_("{term} is already in the hospital's vocabulary.").format(term=term))
            row = VocabularyTerm(term=term, tag=tag)
            s.add(row)
            s.flush()
            new_id = row.id
        from app.text.tokenize import add_terms

        add_terms([term])
        return new_id

    def delete_term(self, term_id: int) -> ChangeSet:
        with self._uow(write=True) as s:
            row = s.get(VocabularyTerm, term_id)
            if row is not None:
                s.delete(row)
        return ChangeSet.of("vocabulary_terms")

    def load_vocabulary(self) -> int:
        """Teach the shared tokenizer the hospital's own terms (call once after opening the database)."""
        from app.text.tokenize import add_terms

        with self._uow() as s:
            terms = list(s.scalars(select(VocabularyTerm.term)))
        return len(add_terms(terms))

    def _vocabulary_words(self) -> frozenset[str]:
        from app.text.lexicon import own_terms_path, professional_terms, read_term_file

        words = set(professional_terms())
        if own_terms_path().exists():
            words.update(t for t, _tag in read_term_file(own_terms_path()))
        words.update(r.term for r in self.vocabulary())
        return frozenset(words)

    # ================================================================ live rule check over resumes
    def prepared_resumes(self, *, progress: ProgressFn = no_progress,
                         cancel: CancelToken = NEVER_CANCELLED) -> list[PreparedResume]:
        """Every candidate's resume, normalised and segmented once, for live rule evaluation."""
        from app.db.tables import Candidate

        self.load_vocabulary()
        with self._uow() as s:
            rows = s.execute(
                select(Candidate.id, Person.name, Position.title, Candidate.resume_text)
                .join(Person, Candidate.person_id == Person.id)
                .outerjoin(Position, Candidate.position_id == Position.id)
                .order_by(Candidate.id)
            ).all()
        out: list[PreparedResume] = []
        for i, (cid, name, title, text) in enumerate(rows):
            cancel.raise_if_cancelled()
            if i % 20 == 0:
                progress(i, len(rows), _("Reading resumes"))
            out.append(PreparedResume(cid, name, title or "", rules.prepare(text or "")))
        progress(len(rows), len(rows), _("Reading resumes"))
        return out

    @staticmethod
    def match_resumes(expression: str, resumes: Sequence[PreparedResume], synonyms: rules.SynonymTable,
                      *, cancel: CancelToken = NEVER_CANCELLED) -> list[CandidateMatch]:
        """Evaluate a rule against prepared resumes (no database access; raises RuleSyntaxError)."""
        rule = rules.parse(expression)
        out: list[CandidateMatch] = []
        for r in resumes:
            cancel.raise_if_cancelled()
            ev = rules.evaluate(rule, r.text, synonyms)
            out.append(CandidateMatch(r.candidate_id, r.name, r.applied_for, ev.matched, ev.summary(),
                                      tuple(dict.fromkeys(h.term for h in ev.hits)), ev.hits, ev.excluded_hits))
        out.sort(key=lambda m: (not m.matched, -len(m.terms), m.candidate_id))
        return out

    # ================================================================ Excel: positions
    def export_positions(self, path: Path, position_ids: Collection[int] | None = None) -> Path:
        records = self._position_records(position_ids)
        return excel.write_positions(Path(path), records)

    def preview_positions_import(self, path: Path) -> excel.ImportResult[excel.PositionRecord]:
        """Validate a positions workbook against the database; stores nothing."""
        with self._uow() as s:
            depts = set(s.scalars(select(Department.code).where(Department.active)))
            existing = set(s.scalars(select(Position.code)))
        return excel.read_positions(Path(path), department_codes=depts, existing_codes=existing)

    def import_positions(self, path: Path, *, good_rows_only: bool = False,
                         progress: ProgressFn = no_progress,
                         cancel: CancelToken = NEVER_CANCELLED) -> PositionImportStats:
        """Store a positions workbook: all of it when it is clean, else only its good rows when asked.
        Known codes are updated (competency model and, when the file gives any, rules replaced)."""
        result = self.preview_positions_import(path)
        _refuse_unless_allowed(result, good_rows_only)
        created = updated = syn_added = 0
        with self._uow(write=True) as s:
            depts = dict(s.execute(select(Department.code, Department.id)).all())
            existing = {p.code: p for p in s.scalars(select(Position)).all()}
            synonyms = {x.term: x for x in s.scalars(select(Synonym)).all()}
            for i, rec in enumerate(result.rows):
                cancel.raise_if_cancelled()
                progress(i, len(result.rows), _("Importing positions"))
                form = _form_of_record(rec, depts[rec.department_code])
                data = _checked(form)
                p = existing.get(rec.code)
                if p is None:
                    p = Position(code=rec.code)
                    s.add(p)
                    created += 1
                else:
                    updated += 1
                    p.updated_at = dt.datetime.now(dt.UTC)
                _apply(p, data, keep_keywords=True)
                s.flush()
                _replace_competencies(s, p.id, data.competencies)
                if rec.rules:
                    for old in s.scalars(select(PositionRule).where(PositionRule.position_id == p.id)).all():
                        s.delete(old)
                    s.flush()
                    for j, r in enumerate(rec.rules):
                        s.add(PositionRule(position_id=p.id, name=r.name, expression=r.expression, sort_order=j + 1))
                for term, eqs in rec.synonyms:
                    row = synonyms.get(term)
                    if row is None:
                        row = Synonym(term=term, equivalents=list(eqs))
                        s.add(row)
                        synonyms[term] = row
                        syn_added += 1
                    else:
                        merged = list(dict.fromkeys([*row.equivalents, *eqs]))
                        if merged != list(row.equivalents):
                            row.equivalents = merged
            progress(len(result.rows), len(result.rows), _("Importing positions"))
        log.info("positions imported: %d created, %d updated, %d bad rows skipped", created, updated,
                 result.bad_count)
        return PositionImportStats(created, updated, result.bad_count, syn_added)

    def _position_records(self, position_ids: Collection[int] | None) -> list[excel.PositionRecord]:
        table = self.synonyms()
        with self._uow() as s:
            stmt = (select(Position, Department.code).join(Department, Position.department_id == Department.id)
                    .order_by(Department.sort_order, Position.code))
            if position_ids is not None:
                stmt = stmt.where(Position.id.in_(list(position_ids)))
            out: list[excel.PositionRecord] = []
            for p, dept_code in s.execute(stmt).all():
                dims = s.scalars(select(PositionCompetency).where(PositionCompetency.position_id == p.id)
                                 .order_by(PositionCompetency.sort_order, PositionCompetency.id)).all()
                prs = s.scalars(select(PositionRule).where(PositionRule.position_id == p.id)
                                .order_by(PositionRule.sort_order, PositionRule.id)).all()
                req = p.requirements or {}
                terms: set[str] = set()
                for r in prs:
                    parsed = _parse_or_none(r.expression)
                    if parsed is not None:
                        terms.update(rules.norm_key(t.text) for t in parsed.terms)
                syns = tuple(
                    (row.term, row.equivalents) for row in table
                    if rules.norm_key(row.term) in terms or any(rules.norm_key(e) in terms for e in row.equivalents)
                )
                years = req.get("years")
                out.append(excel.PositionRecord(
                    code=p.code, title=p.title, department_code=dept_code, job_family=p.job_family, grade=p.grade,
                    title_ladder=p.title_ladder, headcount=p.headcount, is_ai_medical=p.is_ai_medical, open=p.open,
                    min_degree=str(req.get("min_degree", "") or ""), majors="、".join(_as_list(req.get("majors"))),
                    licences=tuple(_as_list(req.get("licences"))), min_years=int(years) if years else None,
                    duties=p.duties, nice_to_have=p.nice_to_have,
                    competencies=tuple(Dimension(d.name, d.weight, d.pass_bar) for d in dims),
                    rules=tuple(excel.RuleRecord(r.name, r.expression) for r in prs), synonyms=syns,
                ))
            return out

    # ================================================================ Excel: question bank
    def export_questions(self, path: Path) -> Path:
        pool = sorted(QuestionBankService(self._factory).pool(), key=lambda q: (q.family, q.dimension, q.id))
        return excel.write_questions(Path(path), pool)

    def preview_questions_import(self, path: Path) -> excel.ImportResult[BankQuestion]:
        with self._uow() as s:
            from app.db.tables import Question

            positions = set(s.scalars(select(Position.code)))
            existing = set(s.scalars(select(Question.code)))
        return excel.read_questions(Path(path), position_codes=positions, existing_ids=existing)

    def import_questions(self, path: Path, *, good_rows_only: bool = False, user: str = "",
                         progress: ProgressFn = no_progress, cancel: CancelToken = NEVER_CANCELLED) -> ImportStats:
        """Store a question-bank workbook (changed wording of a known ID becomes a new version)."""
        result = self.preview_questions_import(path)
        _refuse_unless_allowed(result, good_rows_only)
        return QuestionBankService(self._factory).import_questions(result.rows, user=user, progress=progress,
                                                                   cancel=cancel)

    # ================================================================ policies (review list)
    def policies(self) -> list[PolicyRow]:
        with self._uow() as s:
            counts: dict[int, list[int]] = {}
            for pid, reviewed in s.execute(select(PolicyQuestion.policy_id, PolicyQuestion.reviewed)).all():
                c = counts.setdefault(pid, [0, 0])
                c[0] += 1
                c[1] += 0 if reviewed else 1
            return [PolicyRow(p.id, p.title, p.issued_on, counts.get(p.id, [0, 0])[1], counts.get(p.id, [0, 0])[0])
                    for p in s.scalars(select(Policy).order_by(Policy.id.desc())).all()]

    def mark_reviewed(self, policy_id: int, question_id: int) -> ChangeSet:
        with self._uow(write=True) as s:
            link = s.get(PolicyQuestion, (policy_id, question_id))
            if link is None:
                raise NotFound(_("The question is no longer linked to this policy. Reload the list."))
            link.reviewed = True
        return ChangeSet.of("policy_questions")

    # ================================================================ licence register
    def licence_register(
        self,
        today: dt.date,
        policy: LicencePolicy = LicencePolicy(),
        *,
        department_ids: Collection[int] | None = None,
        within_days: int | None = None,
    ) -> list[LicenceRow]:
        """Licences of current staff with their state on ``today``. ``within_days``: only those expired or
        due within that many days. Sorted most urgent first."""
        with self._uow() as s:
            rows = self._licence_rows(s, today, policy, department_ids)
        if within_days is not None:
            rows = [r for r in rows if r.days_left is not None and r.days_left <= within_days]
        rows.sort(key=lambda r: (r.days_left is None, r.days_left if r.days_left is not None else 0, r.staff_no))
        return rows

    def export_licences(self, path: Path, rows: Sequence[LicenceRow], today: dt.date) -> Path:
        """Write the given register rows (e.g. the filtered view) to an Excel workbook."""
        from openpyxl import Workbook
        from openpyxl.styles import Font, PatternFill

        from app.domain.org import LICENCE_STATE_LABELS

        wb = Workbook()
        ws = wb.active
        ws.title = _("Licences")
        headers = [_("Staff no."), _("Name"), _("Department"), _("Position"), _("Licence"), _("Number"),
                   _("Issued"), _("Due"), _("Days left"), _("State"), _("What to do")]
        ws.append([_("Licence register as of {date}").format(date=today.isoformat())])
        ws["A1"].font = Font(bold=True, size=12)
        ws.append(headers)
        for c in ws[2]:
            c.font = Font(bold=True)
        fills = {LicenceState.EXPIRED: "F8CBAD", LicenceState.EXPIRING_30: "FFE699", LicenceState.EXPIRING_90: "FFF2CC"}
        for r in rows:
            ws.append([_text_cell(r.staff_no), _text_cell(r.name), _text_cell(r.department), _text_cell(r.position),
                       r.kind, _text_cell(r.number), r.issue_date, r.due, r.days_left,
                       _(LICENCE_STATE_LABELS[r.state]), r.action])
            colour = fills.get(LicenceState(r.state))
            if colour:
                for c in ws[ws.max_row]:
                    c.fill = PatternFill("solid", fgColor=colour)
            for col in (7, 8):
                ws.cell(ws.max_row, col).number_format = "yyyy-mm-dd"
        for letter, width in zip("ABCDEFGHIJK", (10, 10, 16, 18, 16, 20, 12, 12, 9, 16, 40), strict=True):
            ws.column_dimensions[letter].width = width
        ws.freeze_panes = "A3"
        path = Path(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            wb.save(path)
        except PermissionError as exc:
            from app.errors import StorageError

            raise StorageError(_("Cannot write {path}: the file may be open in Excel or the folder is read-only. "
                                 "Close the file or choose another folder.").format(path=path)) from exc
        return path

    def licence_gaps(self, today: dt.date, policy: LicencePolicy = LicencePolicy(),
                     position_ids: Collection[int] | None = None) -> list[LicenceGap]:
        """Post warnings: people holding a post who lack a valid licence the post requires (missing,
        expired, or the physician's periodic assessment overdue)."""
        with self._uow() as s:
            stmt = (select(Position.id, Position.title, Position.requirements, Employee.person_id, Employee.staff_no,
                           Person.name)
                    .join(Employee, Employee.position_id == Position.id)
                    .join(Person, Employee.person_id == Person.id)
                    .where(Employee.status != "left")
                    .order_by(Position.id, Employee.staff_no))
            if position_ids is not None:
                stmt = stmt.where(Position.id.in_(list(position_ids)))
            holders = s.execute(stmt).all()
            people = {h.person_id for h in holders}
            by_person: dict[int, list[Licence]] = {}
            if people:
                for lic in s.scalars(select(Licence).where(Licence.person_id.in_(people))).all():
                    by_person.setdefault(lic.person_id, []).append(lic)
        gaps: list[LicenceGap] = []
        for pos_id, title, req, person_id, staff_no, name in holders:
            for kind in _as_list((req or {}).get("licences")):
                held = [lic for lic in by_person.get(person_id, []) if lic.kind == kind]
                if not held:
                    gaps.append(LicenceGap(pos_id, title, staff_no, name, kind,
                                           _("no {kind} on file").format(kind=kind)))
                    continue
                states = [_licence_state(lic, today, policy) for lic in held]
                if any(st[0] != LicenceState.EXPIRED for st in states):
                    continue
                due = max((st[1] for st in states if st[1] is not None), default=None)
                what = states[0][2]
                reason = (_("periodic assessment overdue since {date}") if what == "assessment"
                          else _("{kind} expired on {date}")).format(kind=kind, date=due.isoformat() if due else "?")
                gaps.append(LicenceGap(pos_id, title, staff_no, name, kind, reason))
        return gaps

    def _licence_rows(self, s: Session, today: dt.date, policy: LicencePolicy,
                      department_ids: Collection[int] | None) -> list[LicenceRow]:
        stmt = (select(Licence, Employee.staff_no, Person.name, Employee.department_id, Department.name,
                       Position.title)
                .join(Person, Licence.person_id == Person.id)
                .join(Employee, Employee.person_id == Person.id)
                .join(Department, Employee.department_id == Department.id)
                .outerjoin(Position, Employee.position_id == Position.id)
                .where(Employee.status != "left"))
        if department_ids is not None:
            stmt = stmt.where(Employee.department_id.in_(list(department_ids)))
        found = s.execute(stmt).all()
        # a renewed licence supersedes the older record of the same kind (kept on file for history)
        latest: dict[tuple[int, str], dt.date] = {}
        for lic, *_rest in found:
            due = _licence_state(lic, today, policy)[1]
            if due is not None and due > latest.get((lic.person_id, lic.kind), dt.date.min):
                latest[(lic.person_id, lic.kind)] = due
        out: list[LicenceRow] = []
        for lic, staff_no, name, dept_id, dept, title in found:
            state, due, due_kind, derived = _licence_state(lic, today, policy)
            if due is not None and due < latest[(lic.person_id, lic.kind)]:
                continue
            days = (due - today).days if due is not None else None
            out.append(LicenceRow(lic.id, lic.person_id, staff_no, name, dept_id, dept, title or "", lic.kind,
                                  lic.number, lic.issue_date, due, due_kind, derived, str(state), days,
                                  _action(lic.kind, state, due, due_kind, policy)))
        return out


# --------------------------------------------------------------------------------------------
# Helpers


def _as_list(value: Any) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return rules.split_list(value)
    return [str(v).strip() for v in value if str(v).strip()]


def _text_cell(value: str) -> str:
    """Text that Excel must not take for a formula."""
    return "'" + value if value and value[0] in excel.FORMULA_TRIGGERS else value


def _parse_or_none(expression: str) -> rules.Rule | None:
    try:
        return rules.parse(expression)
    except rules.RuleSyntaxError:
        return None


def _rule_row(r: PositionRule) -> RuleRow:
    err = rules.syntax_error(r.expression)
    return RuleRow(r.id, r.position_id, r.name, r.expression, r.required, r.weight, r.version,
                   err.message if err else "")


def _form_of(p: Position, dims: Sequence[Dimension]) -> PositionForm:
    req = p.requirements or {}
    years = req.get("years") or 0
    return PositionForm(
        code=p.code, title=p.title, department_id=p.department_id, job_family=p.job_family, grade=p.grade,
        title_ladder=p.title_ladder, headcount=p.headcount, is_ai_medical=p.is_ai_medical, open=p.open,
        min_degree=str(req.get("min_degree", "") or ""), majors=tuple(_as_list(req.get("majors"))),
        licences=tuple(_as_list(req.get("licences"))), years=int(years), guipei=bool(req.get("guipei")),
        duties=p.duties, nice_to_have=p.nice_to_have, competencies=tuple(dims), id=p.id, version=p.version,
        keywords=str(req.get("keywords", "") or ""),
    )


def _form_of_record(rec: excel.PositionRecord, department_id: int) -> PositionForm:
    return PositionForm(
        code=rec.code, title=rec.title, department_id=department_id, job_family=rec.job_family, grade=rec.grade,
        title_ladder=rec.title_ladder, headcount=rec.headcount, is_ai_medical=rec.is_ai_medical, open=rec.open,
        min_degree=rec.min_degree, majors=tuple(rules.split_list(rec.majors)), licences=rec.licences,
        years=rec.min_years or 0, duties=rec.duties, nice_to_have=rec.nice_to_have, competencies=rec.competencies,
    )


def _checked(form: PositionForm) -> PositionForm:
    """The form with text trimmed, or InvalidInput naming every problem."""
    problems: list[str] = []
    code, title = form.code.strip(), form.title.strip()
    if not code:
        problems.append(_("A position needs a code."))
    elif len(code) > 32:
        problems.append(_("The position code is longer than {n} characters.").format(n=32))
    if not title:
        problems.append(_("A position needs a title."))
    elif len(title) > 100:
        problems.append(_("The position title is longer than {n} characters.").format(n=100))
    if form.job_family not in FAMILIES:
        problems.append(_("Choose a job family: {choices}.").format(
            choices="、".join(JOB_FAMILY_LABELS[f] for f in FAMILIES)))
    if not 1 <= int(form.headcount) <= 10000:
        problems.append(_("The headcount must be from 1 to 10000."))
    if form.min_degree and form.min_degree not in DEGREES:
        problems.append(_("Unknown degree {degree}; choose one of {choices}.").format(
            degree=form.min_degree, choices="、".join(DEGREES)))
    unknown = [k for k in form.licences if k not in LICENCE_KINDS]
    if unknown:
        problems.append(_("Unknown licence {kinds}; use one of {choices}.").format(
            kinds="、".join(unknown), choices="、".join(LICENCE_KINDS)))
    if not 0 <= int(form.years) <= 60:
        problems.append(_("Years of experience must be from 0 to 60."))
    dims = form.competencies
    if not dims and form.job_family in FAMILIES:
        dims = competency.template_for(form.job_family, ai_medical=form.is_ai_medical)
    problems += [p.message for p in competency.validate(dims)]
    if problems:
        raise InvalidInput("\n".join(problems))
    return PositionForm(**{
        **form.__dict__, "code": code, "title": title, "grade": form.grade.strip(),
        "title_ladder": form.title_ladder.strip(), "majors": tuple(m.strip() for m in form.majors if m.strip()),
        "licences": tuple(dict.fromkeys(form.licences)), "duties": form.duties.strip(),
        "nice_to_have": form.nice_to_have.strip(), "competencies": competency.check(dims),
    })


def _check_code_free(s: Session, code: str) -> None:
    if s.scalar(select(Position.id).where(Position.code == code)) is not None:
        raise InvalidInput(_("The position code {code} is already used; choose another.").format(code=code))


def _check_department(s: Session, department_id: int) -> None:
    dept = s.get(Department, department_id)
    if dept is None or not dept.active:
        raise NotFound(_("The department no longer exists. Reload the list."))


def _apply(p: Position, f: PositionForm, *, keep_keywords: bool = True) -> None:
    p.title, p.department_id, p.job_family = f.title, f.department_id, f.job_family
    p.grade, p.title_ladder, p.headcount = f.grade, f.title_ladder, int(f.headcount)
    p.is_ai_medical, p.open = bool(f.is_ai_medical), bool(f.open)
    p.duties, p.nice_to_have = f.duties, f.nice_to_have
    old = dict(p.requirements or {}) if keep_keywords else {}
    old.update({"min_degree": f.min_degree, "majors": list(f.majors), "licences": list(f.licences),
                "years": int(f.years), "guipei": bool(f.guipei)})
    if f.keywords:
        old["keywords"] = f.keywords
    p.requirements = old


def _replace_competencies(s: Session, position_id: int, dims: Sequence[Dimension]) -> None:
    for old in s.scalars(select(PositionCompetency).where(PositionCompetency.position_id == position_id)).all():
        s.delete(old)
    s.flush()
    for i, d in enumerate(dims):
        s.add(PositionCompetency(position_id=position_id, name=d.name, weight=d.weight, pass_bar=float(d.pass_bar),
                                 sort_order=i))


def _refuse_unless_allowed(result: excel.ImportResult[Any], good_rows_only: bool) -> None:
    if result.clean:
        return
    if not good_rows_only:
        first = "\n".join(str(p) for p in result.problems[:5])
        raise InvalidInput(_("The file has {n} problems in {bad} of {total} records; nothing was imported. Correct "
                             "the file, or choose to import only the {good} correct records.\n{first}").format(
            n=len(result.problems), bad=result.bad_count, total=result.total, good=len(result.rows), first=first))
    if not result.rows:
        raise InvalidInput(_("No record in the file is correct; nothing was imported. Correct the file and try "
                             "again."))


def _licence_state(lic: Licence, today: dt.date, policy: LicencePolicy) -> tuple[LicenceState, dt.date | None, str, bool]:
    """(state, due date, due kind, derived)."""
    due, kind, derived = lic.expiry_date, "expiry", False
    if due is None and lic.kind == NURSE_LICENCE and lic.issue_date is not None:
        due, derived = _add_years(lic.issue_date, policy.nurse_registration_years), True
    if due is None and lic.next_assessment is not None:
        due, kind = lic.next_assessment, "assessment"
    if due is None:
        return LicenceState.NO_EXPIRY, None, "", False
    return licence_state(due, today, policy.warn_days), due, kind, derived


def _add_years(d: dt.date, years: int) -> dt.date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28)


def _action(kind: str, state: LicenceState, due: dt.date | None, due_kind: str, policy: LicencePolicy) -> str:
    if due is None or state == LicenceState.VALID:
        return ""
    when = due
    if due_kind == "assessment":
        key = "assessment_overdue" if state == LicenceState.EXPIRED else "assessment"
    elif state == LicenceState.EXPIRED:
        key = "expired"
    elif kind == NURSE_LICENCE:
        key, when = "renew", due - dt.timedelta(days=policy.nurse_renewal_days_before)
    else:
        key = "replace"
    msgid = LICENCE_ACTIONS[key]
    return _(msgid).format(date=when.isoformat())

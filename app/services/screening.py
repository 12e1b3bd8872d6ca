"""简历筛选: bulk import of resume files, corrections, explained ranking, shortlist to interview.

Import: every file gets an outcome — imported, duplicate of an existing candidate (same phone, e-mail,
identical file, or near-identical text by SimHash; the user may merge it), or rejected with its reason.
Each imported file is one unit of work (person + candidate + document row + the copy in
``<data>/archive/resumes/YYYY/MM/``); the copy is removed when the transaction fails, so a bad file
never leaves anything half-stored and never stops the batch.

Corrections live in ``candidates.corrections`` and always win over ``candidates.extracted``; re-running
extraction only rewrites ``extracted``. The ranking itself is :mod:`app.screening.ranking`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import re
import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session, sessionmaker

from app.db.tables import Candidate, Document, Interview, Person, Position, PositionRule, Synonym
from app.errors import AppError, Cancelled, InvalidInput, NotFound
from app.i18n import N_, _
from app.paths import DataDir
from app.positions import rules
from app.screening import ranking
from app.screening.extract import DEGREE_RANK, extract_fields
from app.screening.files import DEFAULT_MAX_BYTES, FileResult, near_duplicate, read_resume, read_resume_bytes, simhash
from app.services.base import Service, load_for_update
from app.tasks import NEVER_CANCELLED, CancelToken, ChangeSet, ProgressFn, no_progress

log = logging.getLogger(__name__)

IMPORTED, DUPLICATE, REJECTED, MERGED = "imported", "duplicate", "rejected", "merged"
OUTCOME_LABELS = {IMPORTED: N_("imported"), DUPLICATE: N_("duplicate"), REJECTED: N_("refused"),
                  MERGED: N_("merged")}
MATCH_LABELS = {"phone": N_("same phone"), "email": N_("same e-mail"), "text": N_("near-identical text"),
                "file": N_("identical file")}
CHANGES = ChangeSet.of("people", "candidates", "documents")
_SKIP_NAMES = {"thumbs.db", "desktop.ini", ".ds_store"}
_PREPARED_CACHE = 5000


# --------------------------------------------------------------------------------------------
# DTOs


@dataclass(frozen=True)
class FileOutcome:
    path: str
    name: str
    outcome: str  # imported / duplicate / rejected / merged
    reason: str  # translated
    kind: str = ""  # pdf / docx / txt
    candidate_id: int | None = None
    duplicate_of: int | None = None
    duplicate_name: str = ""
    match: str = ""  # phone / email / text / file

    @property
    def outcome_label(self) -> str:
        return _(OUTCOME_LABELS.get(self.outcome, self.outcome))


@dataclass(frozen=True)
class ImportReport:
    outcomes: tuple[FileOutcome, ...]

    def count(self, outcome: str) -> int:
        return sum(1 for o in self.outcomes if o.outcome == outcome)

    @property
    def imported(self) -> int:
        return self.count(IMPORTED)

    @property
    def duplicates(self) -> int:
        return self.count(DUPLICATE)

    @property
    def rejected(self) -> int:
        return self.count(REJECTED)

    def summary(self) -> str:
        return _("{total} files: {imported} imported, {duplicates} duplicates, {rejected} rejected").format(
            total=len(self.outcomes), imported=self.imported, duplicates=self.duplicates, rejected=self.rejected)


@dataclass(frozen=True)
class PositionChoice:
    id: int
    code: str
    title: str
    candidates: int


@dataclass(frozen=True)
class RankedRow:
    candidate_id: int
    version: int
    rank: int
    name: str  # "候选人 #12" in blind mode
    gender: str
    age: int | None
    phone: str
    email: str
    highest_degree: str
    major: str
    current_title: str
    experience_years: float | None
    licences: str
    eligible: bool
    score: float
    status: str
    applied_at: dt.date | None
    top_terms: str
    failed: str
    result: ranking.Ranked
    blind: bool = False


@dataclass(frozen=True)
class RankingView:
    position: PositionChoice
    rows: tuple[RankedRow, ...]
    blind: bool


@dataclass(frozen=True)
class FieldRow:
    key: str
    label: str
    extracted: str
    correction: str | None
    effective: str


@dataclass(frozen=True)
class CandidateDetail:
    candidate_id: int
    version: int
    text: str  # masked in blind mode
    fields: tuple[FieldRow, ...]
    document: str  # file name of the archived original ("" when none)
    blind: bool


@dataclass(frozen=True)
class InviteResult:
    created: int
    already: int
    changes: ChangeSet = field(default_factory=lambda: ChangeSet.of("candidates", "interviews"))


@dataclass(frozen=True)
class FileRanking:
    """One file of ``rank_files`` (the CLI): its outcome, fields and ranking (None when rejected)."""

    path: str
    name: str
    outcome: str  # ok / rejected
    reason: str
    kind: str
    fields: Mapping[str, Any]
    result: ranking.Ranked | None

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"file": self.path, "name": self.name, "outcome": self.outcome, "reason": self.reason,
                             "kind": self.kind, "fields": dict(self.fields) if self.fields else {}}
        if self.result is not None:
            d.update(self.result.to_dict())
            d["explanation"] = self.result.explanation()
        return d


# --------------------------------------------------------------------------------------------
# Helpers


def expand_paths(paths: Iterable[str | Path]) -> list[Path]:
    """Files as given, folders recursively (hidden files and OS clutter skipped), sorted, no repeats."""
    out: list[Path] = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            for root, dirs, files in os.walk(p):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for f in sorted(files):
                    if f.startswith((".", "~$")) or f.lower() in _SKIP_NAMES:
                        continue
                    out.append(Path(root) / f)
        else:
            out.append(p)
    return list(dict.fromkeys(out))


def _digits(phone: str | None) -> str:
    d = re.sub(r"\D", "", phone or "")
    return d[-11:] if len(d) >= 11 else d


def _safe_name(name: str) -> str:
    stem = re.sub(r"[^\w.\-\u4e00-\u9fff]+", "_", name).strip("._") or "resume"
    return stem[-80:]


def _fmt(value: Any) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, (list, tuple)):
        return "、".join(str(v) for v in value if v)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


@dataclass
class _DupIndex:
    """Existing candidates' identities for duplicate detection within one batch."""

    by_phone: dict[str, tuple[int, str]] = field(default_factory=dict)
    by_email: dict[str, tuple[int, str]] = field(default_factory=dict)
    by_sha: dict[str, tuple[int, str]] = field(default_factory=dict)
    hashes: list[tuple[int, int, str]] = field(default_factory=list)

    def add(self, cid: int, name: str, phone: str | None, email: str | None, sh: int | None, sha: str | None) -> None:
        if _digits(phone):
            self.by_phone.setdefault(_digits(phone), (cid, name))
        if email:
            self.by_email.setdefault(email.strip().lower(), (cid, name))
        if sha:
            self.by_sha.setdefault(sha, (cid, name))
        if sh is not None:
            self.hashes.append((sh, cid, name))

    def find(self, phone: str | None, email: str | None, sh: int, sha: str) -> tuple[int, str, str] | None:
        if sha in self.by_sha:
            return (*self.by_sha[sha], "file")
        if _digits(phone) and _digits(phone) in self.by_phone:
            return (*self.by_phone[_digits(phone)], "phone")
        if email and email.strip().lower() in self.by_email:
            return (*self.by_email[email.strip().lower()], "email")
        for other, cid, name in self.hashes:
            if near_duplicate(sh, other):
                return cid, name, "text"
        return None


# --------------------------------------------------------------------------------------------
# The service


class ScreeningService(Service):
    def __init__(self, factory: sessionmaker[Session], data: DataDir) -> None:
        super().__init__(factory)
        self._data = data
        self._prepared: OrderedDict[tuple[int, int], rules.PreparedText] = OrderedDict()
        self._prepared_lock = threading.Lock()

    # ================================================================ positions
    def positions(self) -> list[PositionChoice]:
        """Positions with the number of candidates who applied (open positions first)."""
        with self._uow() as s:
            counts = dict(s.execute(select(Candidate.position_id, func.count()).group_by(Candidate.position_id)).all())
            rows = s.scalars(select(Position).order_by(Position.open.desc(), Position.code)).all()
            return [PositionChoice(p.id, p.code, p.title, int(counts.get(p.id, 0))) for p in rows]

    # ================================================================ import
    def import_files(
        self,
        paths: Sequence[str | Path],
        *,
        position_id: int | None = None,
        source: str = "",
        user: str = "",
        today: dt.date | None = None,
        max_bytes: int = DEFAULT_MAX_BYTES,
        progress: ProgressFn = no_progress,
        cancel: CancelToken = NEVER_CANCELLED,
    ) -> ImportReport:
        """Import resume files and folders (recursively); every file gets an outcome."""
        today = today or dt.date.today()
        files = expand_paths(paths)
        if position_id is not None:
            with self._uow() as s:
                if s.get(Position, position_id) is None:
                    raise NotFound(_("The position no longer exists; it may have been deleted. Reload the list."))
        index = self._dup_index()
        outcomes: list[FileOutcome] = []
        for i, path in enumerate(files):
            cancel.raise_if_cancelled()
            progress(i, len(files), path.name)
            try:
                outcome = self._import_one(path, index, position_id, source, user, today, max_bytes)
            except Cancelled:
                raise
            except Exception as exc:  # noqa: BLE001 - one bad file never stops the batch
                log.exception("resume import failed for one file")
                reason = exc.message if isinstance(exc, AppError) else _(
                    "The file could not be stored ({error}); nothing was saved for it.").format(
                    error=type(exc).__name__)
                outcome = FileOutcome(str(path), path.name, REJECTED, reason)
            outcomes.append(outcome)
        progress(len(files), len(files), "")
        report = ImportReport(tuple(outcomes))
        log.info("resume import: %d files, %d imported, %d duplicates, %d rejected", len(files), report.imported,
                 report.duplicates, report.rejected)
        return report

    def _read(self, path: Path, max_bytes: int) -> tuple[FileResult, bytes]:
        try:
            size = path.stat().st_size
            if not path.is_file() or size > max_bytes:
                return read_resume(path, max_bytes=max_bytes), b""
            data = path.read_bytes()
        except OSError:
            return read_resume(path, max_bytes=max_bytes), b""
        return read_resume_bytes(data, path.name, max_bytes=max_bytes), data

    def _import_one(self, path: Path, index: _DupIndex, position_id: int | None, source: str, user: str,
                    today: dt.date, max_bytes: int) -> FileOutcome:
        fr, data = self._read(path, max_bytes)
        if not fr.ok:
            return FileOutcome(str(path), path.name, REJECTED, fr.reason, fr.kind)
        fields = extract_fields(fr.text, today)
        sh = simhash(fr.text)
        sha = hashlib.sha256(data).hexdigest()
        dup = index.find(fields.phone, fields.email, sh, sha)
        if dup is not None:
            cid, name, match = dup
            return FileOutcome(str(path), path.name, DUPLICATE,
                               _("Duplicate of candidate {name} (#{id}): {match}. Merge it to replace that resume, "
                                 "or leave it.").format(name=name, id=cid, match=_(MATCH_LABELS[match])),
                               fr.kind, duplicate_of=cid, duplicate_name=name, match=match)
        extracted = {**fields.to_dict(), "simhash": format(sh, "016x")}
        stored, rel = self._archive_copy(path.name, data, sha, today)
        person = Person(name="")
        _apply_person(person, ranking.effective_fields(extracted, {}), fallback_name=path.stem)
        name = person.name
        try:
            # Core inserts: one unit of work, about three times cheaper than three ORM flushes (bulk import)
            with self._uow(write=True) as s:
                person_id = s.execute(insert(Person).values(
                    name=person.name, gender=person.gender, phone=person.phone, email=person.email,
                    highest_degree=person.highest_degree, school=person.school, major=person.major,
                    professional_title=person.professional_title)).inserted_primary_key[0]
                doc_id = s.execute(insert(Document).values(
                    person_id=person_id, kind="resume", filename=path.name[:255], stored_path=rel, sha256=sha,
                    size_bytes=len(data), added_by=user[:50])).inserted_primary_key[0]
                cid = s.execute(insert(Candidate).values(
                    person_id=person_id, position_id=position_id, source=source[:40], status="new",
                    applied_at=today, resume_text=fr.text, resume_document_id=doc_id, extracted=extracted,
                    corrections={})).inserted_primary_key[0]
        except BaseException:
            stored.unlink(missing_ok=True)
            raise
        index.add(cid, name, fields.phone, fields.email, sh, sha)
        return FileOutcome(str(path), path.name, IMPORTED, _("Imported as {name}").format(name=name), fr.kind,
                           candidate_id=cid)

    def _archive_copy(self, name: str, data: bytes, sha: str, today: dt.date) -> tuple[Path, str]:
        rel_dir = Path("archive") / "resumes" / f"{today.year:04d}" / f"{today.month:02d}"
        folder = self._data.resolve(rel_dir.as_posix())  # the shared archive folder when one is configured
        folder.mkdir(parents=True, exist_ok=True)
        base = f"{sha[:12]}_{_safe_name(name)}"
        target = folder / base
        n = 1
        while target.exists():
            n += 1
            target = folder / f"{sha[:12]}_{n}_{_safe_name(name)}"
        target.write_bytes(data)
        return target, (rel_dir / target.name).as_posix()

    def _dup_index(self) -> _DupIndex:
        index = _DupIndex()
        with self._uow() as s:
            rows = s.execute(
                select(Candidate.id, Person.name, Person.phone, Person.email, Candidate.extracted,
                       Candidate.resume_text, Document.sha256)
                .join(Person, Candidate.person_id == Person.id)
                .outerjoin(Document, Candidate.resume_document_id == Document.id)
            ).all()
        for cid, name, phone, email, extracted, text, sha in rows:
            sh_hex = (extracted or {}).get("simhash")
            sh = int(sh_hex, 16) if sh_hex else (simhash(text) if text and text.strip() else None)
            index.add(cid, name, phone, email, sh, sha)
        return index

    def merge_duplicate(self, candidate_id: int, path: str | Path, *, user: str = "",
                        today: dt.date | None = None) -> ChangeSet:
        """Replace an existing candidate's resume with this file (the old original stays in the archive);
        the user's corrections are kept."""
        return self.replace_resume(candidate_id, path, user=user, today=today)

    def replace_resume(self, candidate_id: int, path: str | Path, *, user: str = "",
                       today: dt.date | None = None) -> ChangeSet:
        today = today or dt.date.today()
        path = Path(path)
        fr, data = self._read(path, DEFAULT_MAX_BYTES)
        if not fr.ok:
            raise InvalidInput(_("{file}: {reason}").format(file=path.name, reason=fr.reason))
        fields = extract_fields(fr.text, today)
        extracted = {**fields.to_dict(), "simhash": format(simhash(fr.text), "016x")}
        sha = hashlib.sha256(data).hexdigest()
        stored, rel = self._archive_copy(path.name, data, sha, today)
        try:
            with self._uow(write=True) as s:
                cand = s.get(Candidate, candidate_id)
                if cand is None:
                    raise NotFound(_("The candidate no longer exists. Reload the list."))
                person = s.get(Person, cand.person_id)
                assert person is not None
                doc = Document(person_id=person.id, kind="resume", filename=path.name[:255], stored_path=rel,
                               sha256=sha, size_bytes=len(data), added_by=user[:50])
                s.add(doc)
                s.flush()
                cand.resume_text, cand.resume_document_id, cand.extracted = fr.text, doc.id, extracted
                _apply_person(person, ranking.effective_fields(extracted, cand.corrections or {}),
                              fallback_name=person.name or path.stem)
        except BaseException:
            stored.unlink(missing_ok=True)
            raise
        return CHANGES

    # ================================================================ corrections
    def detail(self, candidate_id: int, *, blind: bool = False) -> CandidateDetail:
        with self._uow() as s:
            cand = s.get(Candidate, candidate_id)
            if cand is None:
                raise NotFound(_("The candidate no longer exists. Reload the list."))
            doc = s.get(Document, cand.resume_document_id) if cand.resume_document_id else None
            extracted = ranking.flat_fields(cand.extracted or {})
            corrections = dict(cand.corrections or {})
            effective = ranking.effective_fields(cand.extracted or {}, corrections)
            rows: list[FieldRow] = []
            for key in ranking.CORRECTABLE_FIELDS:
                if blind and key in ranking.BLIND_FIELDS:
                    continue
                rows.append(FieldRow(key, _(ranking.FIELD_LABELS[key]), _fmt(extracted.get(key)),
                                     _fmt(corrections[key]) if key in corrections else None,
                                     _fmt(effective.get(key))))
            text = ranking.mask_text(cand.resume_text, effective) if blind else cand.resume_text
            return CandidateDetail(cand.id, cand.version, text, tuple(rows), doc.filename if doc else "", blind)

    def document_path(self, candidate_id: int) -> Path | None:
        """The archived original of the candidate's resume, or None."""
        with self._uow() as s:
            cand = s.get(Candidate, candidate_id)
            doc = s.get(Document, cand.resume_document_id) if cand and cand.resume_document_id else None
            return self._data.resolve(doc.stored_path) if doc else None

    def save_corrections(self, candidate_id: int, expected_version: int, changes: Mapping[str, Any]) -> ChangeSet:
        """Set (or, with an empty value, remove) corrections; they are never touched by re-extraction."""
        cleaned = {k: _clean_correction(k, v) for k, v in changes.items()}
        with self._uow(write=True) as s:
            cand = load_for_update(s, Candidate, candidate_id, expected_version, _("Candidate"))
            corrections = dict(cand.corrections or {})
            for key, value in cleaned.items():
                if value is None:
                    corrections.pop(key, None)
                else:
                    corrections[key] = value
            cand.corrections = corrections
            cand.updated_at = dt.datetime.now(dt.UTC)
            person = s.get(Person, cand.person_id)
            assert person is not None
            _apply_person(person, ranking.effective_fields(cand.extracted or {}, corrections),
                          fallback_name=person.name)
        return CHANGES

    def reextract(self, candidate_ids: Sequence[int] | None = None, *, today: dt.date | None = None,
                  progress: ProgressFn = no_progress, cancel: CancelToken = NEVER_CANCELLED) -> int:
        """Run extraction again on stored resume text; only ``extracted`` changes, corrections stay."""
        today = today or dt.date.today()
        with self._uow() as s:
            stmt = select(Candidate.id, Candidate.resume_text).order_by(Candidate.id)
            if candidate_ids is not None:
                stmt = stmt.where(Candidate.id.in_(list(candidate_ids)))
            todo = s.execute(stmt).all()
        computed: dict[int, dict[str, Any]] = {}
        for i, (cid, text) in enumerate(todo):
            cancel.raise_if_cancelled()
            if i % 20 == 0:
                progress(i, len(todo), _("Extracting fields"))
            computed[cid] = {**extract_fields(text or "", today).to_dict(), "simhash": format(simhash(text or ""), "016x")}
        with self._uow(write=True) as s:
            for cid, extracted in computed.items():
                cancel.raise_if_cancelled()
                cand = s.get(Candidate, cid)
                if cand is None:
                    continue
                cand.extracted = extracted
                person = s.get(Person, cand.person_id)
                if person is not None:
                    _apply_person(person, ranking.effective_fields(extracted, cand.corrections or {}),
                                  fallback_name=person.name)
        progress(len(todo), len(todo), "")
        return len(computed)

    # ================================================================ ranking
    def profile(self, position_id: int) -> ranking.PositionProfile:
        with self._uow() as s:
            return self._profile(s, position_id)

    def _profile(self, s: Session, position_id: int) -> ranking.PositionProfile:
        p = s.get(Position, position_id)
        if p is None:
            raise NotFound(_("The position no longer exists; it may have been deleted. Reload the list."))
        stored = s.scalars(select(PositionRule).where(PositionRule.position_id == p.id)
                           .order_by(PositionRule.sort_order, PositionRule.id)).all()
        screening_rules = [ranking.ScreeningRule(r.name or _("Rule"), r.expression, r.required, r.weight)
                           for r in stored]
        legacy = str((p.requirements or {}).get("keywords") or "").strip()
        if legacy and not any(r.expression.strip() == legacy for r in screening_rules):
            screening_rules.append(ranking.ScreeningRule(_("Keywords"), legacy, False, 1))
        return ranking.PositionProfile(p.code, p.title, ranking.Requirements.from_json(p.requirements),
                                       p.duties or "", p.nice_to_have or "", tuple(screening_rules))

    def _synonyms(self, s: Session) -> rules.SynonymTable:
        return rules.SynonymTable.of([(x.term, x.equivalents) for x in s.scalars(select(Synonym)).all()])

    def _prepare(self, cid: int, text: str) -> rules.PreparedText:
        key = (cid, hash(text))
        with self._prepared_lock:
            pt = self._prepared.get(key)
            if pt is not None:
                self._prepared.move_to_end(key)
                return pt
        pt = rules.prepare(text)
        with self._prepared_lock:
            self._prepared[key] = pt
            while len(self._prepared) > _PREPARED_CACHE:
                self._prepared.popitem(last=False)
        return pt

    def rank(self, position_id: int, *, blind: bool = False, today: dt.date | None = None,
             progress: ProgressFn = no_progress, cancel: CancelToken = NEVER_CANCELLED) -> RankingView:
        """The candidates who applied for the position, ranked with explanations (read only)."""
        today = today or dt.date.today()
        with self._uow() as s:
            profile = self._profile(s, position_id)
            synonyms = self._synonyms(s)
            p = s.get(Position, position_id)
            assert p is not None
            rows = s.execute(
                select(Candidate.id, Candidate.version, Candidate.resume_text, Candidate.extracted,
                       Candidate.corrections, Candidate.status, Candidate.applied_at, Person.name)
                .join(Person, Candidate.person_id == Person.id)
                .where(Candidate.position_id == position_id)
                .order_by(Candidate.id)
            ).all()
        self._load_vocabulary()
        inputs: list[ranking.ResumeInput] = []
        prepared: dict[int, rules.PreparedText] = {}
        meta: dict[int, tuple[int, str, dt.date | None, str, dict[str, Any]]] = {}
        for i, (cid, version, text, extracted, corrections, status, applied, name) in enumerate(rows):
            cancel.raise_if_cancelled()
            if i % 50 == 0:
                progress(i, len(rows), _("Reading resumes"))
            if not extracted and text:  # stored before extraction existed: extract now (not stored)
                extracted = extract_fields(text, today).to_dict()
            eff = ranking.effective_fields(extracted or {}, corrections or {})
            inputs.append(ranking.ResumeInput(cid, text or "", eff))
            prepared[cid] = self._prepare(cid, text or "")
            meta[cid] = (version, status, applied, name, eff)
        ranked = ranking.rank(profile, inputs, synonyms, prepared=prepared, cancel=cancel)
        progress(len(rows), len(rows), "")
        out: list[RankedRow] = []
        for r in ranked:
            version, status, applied, name, eff = meta[r.key]
            out.append(RankedRow(
                candidate_id=r.key, version=version, rank=r.rank,
                name=_("Candidate #{id}").format(id=r.key) if blind else (eff.get("name") or name),
                gender="" if blind else (eff.get("gender") or ""),
                age=None if blind else ranking.age_of(eff, today),
                phone="" if blind else (eff.get("phone") or ""),
                email="" if blind else (eff.get("email") or ""),
                highest_degree=eff.get("highest_degree") or "", major=eff.get("major") or "",
                current_title=eff.get("current_title") or "",
                experience_years=ranking._years_value(eff.get("experience_years")),
                licences="、".join(eff.get("licences") or []), eligible=r.eligible, score=r.score, status=status,
                applied_at=applied, top_terms="、".join(t.term for t in r.top_terms), failed="；".join(r.failed),
                result=r, blind=blind,
            ))
        choice = PositionChoice(p.id, p.code, p.title, len(out))
        return RankingView(choice, tuple(out), blind)

    def screen(self, position_id: int, *, today: dt.date | None = None, progress: ProgressFn = no_progress,
               cancel: CancelToken = NEVER_CANCELLED) -> RankingView:
        """Rank the position's candidates and store their scores; new candidates become 'screened'."""
        view = self.rank(position_id, today=today, progress=progress, cancel=cancel)
        with self._uow(write=True) as s:
            for row in view.rows:
                cand = s.get(Candidate, row.candidate_id)
                if cand is None:
                    continue
                cand.screening_score = row.score
                if cand.status == "new":
                    cand.status = "screened"
        return view

    def _load_vocabulary(self) -> None:
        """The hospital's own terms (database) into the shared tokenizer, once per call (additive)."""
        from app.db.tables import VocabularyTerm
        from app.text.tokenize import add_terms

        with self._uow() as s:
            terms = s.scalars(select(VocabularyTerm.term)).all()
        if terms:
            add_terms(terms)

    # ================================================================ shortlist
    def invite(self, candidate_ids: Sequence[int], position_id: int, *, user: str = "",
               scheduled_at: dt.datetime | None = None) -> InviteResult:
        """邀请面试: a planned interview for the position and status 'interview' for each candidate
        (a candidate who already has a planned interview for it is counted, not invited twice)."""
        if not candidate_ids:
            raise InvalidInput(_("Select at least one candidate to invite."))
        created = already = 0
        with self._uow(write=True) as s:
            if s.get(Position, position_id) is None:
                raise NotFound(_("The position no longer exists; it may have been deleted. Reload the list."))
            for cid in dict.fromkeys(candidate_ids):
                cand = s.get(Candidate, cid)
                if cand is None:
                    raise NotFound(_("The candidate no longer exists. Reload the list."))
                if cand.status in ("hired", "rejected"):
                    raise InvalidInput(_("{name} is already {status}; change the status first.").format(
                        name=s.get(Person, cand.person_id).name,  # type: ignore[union-attr]
                        status=_(STATUS_LABELS.get(cand.status, cand.status))))
                exists = s.scalar(select(Interview.id).where(
                    Interview.candidate_id == cid, Interview.position_id == position_id,
                    Interview.state == "planned"))
                if exists is not None:
                    already += 1
                else:
                    s.add(Interview(candidate_id=cid, position_id=position_id, state="planned",
                                    scheduled_at=scheduled_at.astimezone(dt.UTC) if scheduled_at else None))
                    created += 1
                if cand.position_id is None:
                    cand.position_id = position_id
                cand.status = "interview"
        log.info("invited %d candidates to interview (%d already invited)", created, already)
        return InviteResult(created, already)

    # ================================================================ files without storing (CLI)
    def rank_files(self, position_code: str, paths: Sequence[str | Path], *, today: dt.date | None = None,
                   max_bytes: int = DEFAULT_MAX_BYTES, progress: ProgressFn = no_progress,
                   cancel: CancelToken = NEVER_CANCELLED) -> list[FileRanking]:
        """Rank resume files against a position without storing anything."""
        today = today or dt.date.today()
        with self._uow() as s:
            pid = s.scalar(select(Position.id).where(Position.code == position_code.strip()))
            if pid is None:
                raise InvalidInput(_("No position with the code {code}. The codes are listed in the 岗位 tab.").format(
                    code=position_code))
            profile = self._profile(s, pid)
            synonyms = self._synonyms(s)
        self._load_vocabulary()
        files = expand_paths(paths)
        results: list[tuple[Path, FileResult, dict[str, Any]]] = []
        inputs: list[ranking.ResumeInput] = []
        for i, path in enumerate(files):
            cancel.raise_if_cancelled()
            progress(i, len(files), path.name)
            fr = read_resume(path, max_bytes=max_bytes)
            eff: dict[str, Any] = {}
            if fr.ok:
                eff = ranking.effective_fields(extract_fields(fr.text, today).to_dict(), {})
                inputs.append(ranking.ResumeInput(i, fr.text, eff))
            results.append((path, fr, eff))
        ranked = {r.key: r for r in ranking.rank(profile, inputs, synonyms, cancel=cancel)}
        out: list[FileRanking] = []
        for i, (path, fr, eff) in enumerate(results):
            shown = {k: eff.get(k) for k in (*ranking.CORRECTABLE_FIELDS, "majors")} if eff else {}
            out.append(FileRanking(str(path), path.name, "ok" if fr.ok else "rejected", fr.reason, fr.kind, shown,
                                   ranked.get(i)))
        out.sort(key=lambda f: (f.result is None, f.result.rank if f.result else 0, f.path))
        return out

    # ================================================================ report export
    @staticmethod
    def export_report(report: ImportReport | Sequence[FileOutcome], path: str | Path) -> Path:
        """The import report as an Excel workbook."""
        from openpyxl import Workbook
        from openpyxl.styles import Font

        outcomes = report.outcomes if isinstance(report, ImportReport) else tuple(report)
        wb = Workbook()
        ws = wb.active
        ws.title = _("Import report")[:31]
        headers = [_("File"), _("Outcome"), _("Reason"), _("Type"), _("Candidate"), _("Duplicate of"), _("Folder")]
        ws.append(headers)
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for o in outcomes:
            values = [o.name, o.outcome_label, o.reason, o.kind.upper(), o.candidate_id or "",
                      f"{o.duplicate_name} (#{o.duplicate_of})" if o.duplicate_of else "", str(Path(o.path).parent)]
            ws.append([("'" + v) if isinstance(v, str) and v[:1] in "=+-@" else v for v in values])
        for col, width in zip("ABCDEFG", (34, 10, 70, 8, 10, 24, 40), strict=True):
            ws.column_dimensions[col].width = width
        ws.freeze_panes = "A2"
        target = Path(path)
        try:
            wb.save(str(target))
        except OSError as exc:
            raise InvalidInput(_("The report cannot be written to {path} ({error}). Choose another folder or close "
                                 "the file in Excel.").format(path=target, error=exc.strerror or exc)) from exc
        return target


STATUS_LABELS = {
    "new": N_("new"), "screened": N_("screened"), "interview": N_("interview"), "offer": N_("offer"),
    "hired": N_("hired"), "rejected": N_("rejected"), "pool": N_("talent pool"),
}


# --------------------------------------------------------------------------------------------
# Corrections and people


_EMAIL_RE = re.compile(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$")


def _clean_correction(key: str, value: Any) -> Any:
    """The stored form of a correction, None to remove it; InvalidInput with the field and what to do."""
    if key not in ranking.CORRECTABLE_FIELDS:
        raise InvalidInput(_("{field} cannot be corrected.").format(field=key))
    label = _(ranking.FIELD_LABELS[key])
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if key == "licences":
        items = rules.split_list(value) if isinstance(value, str) else [str(v).strip() for v in value if str(v).strip()]
        return items or None
    if key == "guipei":
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in ("是", "有", "已完成", "yes", "true", "1"):
            return True
        if text in ("否", "无", "未完成", "no", "false", "0"):
            return False
        raise InvalidInput(_("{field}: answer yes or no.").format(field=label))
    text = str(value).strip()
    if key == "gender" and text not in ("男", "女"):
        raise InvalidInput(_("{field}: enter 男 or 女.").format(field=label))
    if key == "birth_year":
        if not text.isdigit() or not 1940 <= int(text) <= dt.date.today().year - 14:
            raise InvalidInput(_("{field}: enter a four-digit year, e.g. 1990.").format(field=label))
        return int(text)
    if key == "phone":
        digits = re.sub(r"[\s-]", "", text)
        if not re.fullmatch(r"1[3-9]\d{9}", digits):
            raise InvalidInput(_("{field}: enter an 11-digit mobile number.").format(field=label))
        return digits
    if key == "email" and not _EMAIL_RE.match(text):
        raise InvalidInput(_("{field}: '{value}' is not an e-mail address.").format(field=label, value=text))
    if key == "highest_degree" and text not in DEGREE_RANK:
        raise InvalidInput(_("{field}: choose one of {choices}.").format(field=label, choices="、".join(DEGREE_RANK)))
    if key == "experience_years":
        try:
            years = float(text)
        except ValueError:
            years = -1.0
        if not 0 <= years <= 60:
            raise InvalidInput(_("{field}: enter a number of years from 0 to 60.").format(field=label))
        return years
    limits = {"name": 50, "school": 100, "major": 100, "current_title": 40}
    if len(text) > limits.get(key, 100):
        raise InvalidInput(_("{field} is longer than {n} characters.").format(field=label, n=limits.get(key, 100)))
    return text


def _apply_person(person: Person, eff: Mapping[str, Any], *, fallback_name: str) -> None:
    """The person's searchable columns from the effective fields."""
    person.name = str(eff.get("name") or fallback_name or "?")[:50]
    person.gender = eff.get("gender") if eff.get("gender") in ("男", "女") else ""
    person.phone = _digits(eff.get("phone")) or None
    person.email = (str(eff.get("email"))[:120] if eff.get("email") else None)
    person.highest_degree = str(eff.get("highest_degree") or "")[:20]
    person.school = str(eff.get("school") or "")[:100]
    person.major = str(eff.get("major") or "")[:100]
    person.professional_title = str(eff.get("current_title") or "")[:40]

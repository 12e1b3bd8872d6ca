"""Loaders for the question sources: the starter bank we wrote, and CMExam sample questions.

Starter bank: ``resources/questions/*.toml``, one file per job family, written by the project
(source "HR Desk original"). Layout::

    [bank]
    family = "nursing"            # default family of the file's questions
    title = "护理岗位 …"

    [[question]]
    id = "nur-op-001"             # unique across all files
    type = "操作技能"             # one of QUESTION_TYPES
    dimension = "操作技能"        # a competency dimension of the family's template
    difficulty = 3                # 1..5
    text = "…"
    key_points = ["…", "…", "…"]  # 3 to 6 expected points
    reference_answer = "…"
    key_terms = ["…"]             # at least one
    policy = "护士条例 第十七条"  # optional: the rule the answer rests on
    positions = []                # optional position codes; family = "…" optional override
    variant_of = ""               # optional: id of the question this is a version of

``check_bank_files`` validates that schema; ``load_starter_bank`` refuses to load a broken bank.

CMExam (``../shared/data/exam/CMExam/*.jsonl``, Apache-2.0): physician licensing MCQs. Its authors
state it is "Not for assessing individual medical competence", so every CMExam question carries the
licence condition ``不得用于评估个人`` and plans flag it. Difficulty is not in the data; we estimate
it (2 for recall, +1 for a clinical vignette, +1 for multiple correct answers) and say so in
the source field. Key points are the texts of the correct options; richer key points derived from the
explanation are the job of ``app.analysis.keypoints`` (interview-answer scoring).
"""

from __future__ import annotations

import functools
import json
import logging
import re
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app import paths
from app.errors import AppError, InvalidInput
from app.i18n import _
from app.positions.competency import all_template_dimensions
from app.positions.questions import (
    FAMILY_LABELS,
    HRDESK_SOURCE,
    LICENCE_NOT_FOR_INDIVIDUALS,
    QUESTION_TYPES,
    Question,
    stem_key,
)
from app.tasks import NEVER_CANCELLED, CancelToken, ProgressFn, no_progress

log = logging.getLogger(__name__)

MIN_KEY_POINTS, MAX_KEY_POINTS = 3, 6
_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$")
_REQUIRED = ("id", "type", "dimension", "difficulty", "text", "key_points", "reference_answer", "key_terms")
_OPTIONAL = ("policy", "positions", "family", "variant_of", "source")

CMEXAM_SOURCE = (
    "CMExam (Apache-2.0), github.com/williamliujl/CMExam 验证集；仅供学术研究；难度为 HR Desk 按题型估计"
)
CMEXAM_LICENCE = f"{LICENCE_NOT_FOR_INDIVIDUALS}（CMExam 作者声明：Not for assessing individual medical competence）"


@dataclass(frozen=True)
class BankProblem:
    file: str
    item: int  # 1-based number of the question in the file (0: the file itself)
    question_id: str
    message: str


@dataclass(frozen=True)
class BankLoad:
    questions: tuple[Question, ...]
    problems: tuple[BankProblem, ...]


def starter_bank_dir() -> Path:
    return paths.resource("questions")


def starter_files(directory: Path | None = None) -> list[Path]:
    return sorted((directory or starter_bank_dir()).glob("*.toml"))


# --------------------------------------------------------------------------------------------
# Starter bank (TOML)


def _str_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) and v.strip() for v in value)


def _check_entry(entry: Any, default_family: str, dims: set[str]) -> list[str]:
    if not isinstance(entry, dict):
        return [_("The entry is not a table.")]
    errs: list[str] = []
    for key in _REQUIRED:
        if key not in entry:
            errs.append(_("Field '{field}' is missing.").format(field=key))
    for key in entry:
        if key not in _REQUIRED and key not in _OPTIONAL:
            errs.append(_("Unknown field '{field}'.").format(field=key))
    qid = entry.get("id")
    if "id" in entry and (not isinstance(qid, str) or not _ID_RE.match(qid)):
        errs.append(_("The id must be letters, digits, '-', '_' or '.' (at most 64)."))
    for key in ("text", "reference_answer", "type", "dimension"):
        if key in entry and (not isinstance(entry[key], str) or not entry[key].strip()):
            errs.append(_("Field '{field}' must be non-empty text.").format(field=key))
    if isinstance(entry.get("type"), str) and entry["type"] not in QUESTION_TYPES:
        errs.append(_("Type '{value}' is not one of {choices}.").format(value=entry["type"],
                                                                      choices="、".join(QUESTION_TYPES)))
    if isinstance(entry.get("dimension"), str) and entry["dimension"] not in dims:
        errs.append(_("Dimension '{value}' is not used by any competency template.").format(value=entry["dimension"]))
    diff = entry.get("difficulty")
    if "difficulty" in entry and (isinstance(diff, bool) or not isinstance(diff, int) or not 1 <= diff <= 5):
        errs.append(_("Difficulty must be a whole number from 1 to 5."))
    kp = entry.get("key_points")
    if "key_points" in entry and (not _str_list(kp) or not MIN_KEY_POINTS <= len(kp) <= MAX_KEY_POINTS):
        errs.append(_("Give {low} to {high} key points as a list of texts.").format(low=MIN_KEY_POINTS,
                                                                                   high=MAX_KEY_POINTS))
    if "key_terms" in entry and (not _str_list(entry["key_terms"]) or not entry["key_terms"]):
        errs.append(_("Give at least one key term as a list of texts."))
    if "positions" in entry and not (_str_list(entry["positions"]) or entry["positions"] == []):
        errs.append(_("Field '{field}' must be a list of texts.").format(field="positions"))
    for key in ("policy", "variant_of", "source"):
        if key in entry and not isinstance(entry[key], str):
            errs.append(_("Field '{field}' must be text.").format(field=key))
    family = entry.get("family", default_family)
    if family not in FAMILY_LABELS:
        errs.append(_("Job family '{value}' is not one of {choices}.").format(value=family,
                                                                            choices="、".join(FAMILY_LABELS)))
    return errs


def _question(entry: dict[str, Any], default_family: str) -> Question:
    return Question(
        id=entry["id"],
        text=entry["text"].strip(),
        type=entry["type"],
        dimension=entry["dimension"],
        difficulty=entry["difficulty"],
        family=entry.get("family", default_family),
        positions=tuple(entry.get("positions", ())),
        key_points=tuple(p.strip() for p in entry["key_points"]),
        reference_answer=entry["reference_answer"].strip(),
        key_terms=tuple(t.strip() for t in entry["key_terms"]),
        source=entry.get("source", HRDESK_SOURCE),
        policy_reference=entry.get("policy", "").strip(),
        variant_of=entry.get("variant_of", ""),
    )


def read_bank_files(files: Sequence[Path]) -> BankLoad:
    """Parse and check TOML bank files; good questions plus every problem found."""
    dims = set(all_template_dimensions())
    out: list[Question] = []
    problems: list[BankProblem] = []
    ids: dict[str, str] = {}
    stems: dict[str, str] = {}
    for path in files:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            problems.append(BankProblem(path.name, 0, "", _("The file cannot be read: {error}").format(error=exc)))
            continue
        meta = data.get("bank", {})
        family = meta.get("family", "") if isinstance(meta, dict) else ""
        entries = data.get("question", [])
        if not isinstance(entries, list) or not entries:
            problems.append(BankProblem(path.name, 0, "", _("The file has no [[question]] entries.")))
            continue
        for n, entry in enumerate(entries, 1):
            errs = _check_entry(entry, family, dims)
            qid = entry.get("id", "") if isinstance(entry, dict) else ""
            qid = qid if isinstance(qid, str) else ""
            if not errs:
                if qid in ids:
                    errs.append(_("Id {id} is used twice (also in {file}).").format(id=qid, file=ids[qid]))
                stem = stem_key(entry["text"])
                if stem in stems:
                    errs.append(_("The same question text is already in question {id}.").format(id=stems[stem]))
            problems.extend(BankProblem(path.name, n, qid, e) for e in errs)
            if not errs:
                ids[qid] = path.name
                stems[stem_key(entry["text"])] = qid
                out.append(_question(entry, family))
    variants = {q.id for q in out}
    for q in out:
        if q.variant_of and q.variant_of not in variants:
            problems.append(BankProblem("", 0, q.id, _("variant_of points to an unknown question {id}.").format(
                id=q.variant_of)))
    return BankLoad(tuple(out), tuple(problems))


def check_bank_files(directory: Path | None = None) -> tuple[BankProblem, ...]:
    """Schema check of the starter bank files (empty when they are fine)."""
    files = starter_files(directory)
    if not files:
        return (BankProblem(str(directory or starter_bank_dir()), 0, "", _("No question files found.")),)
    return read_bank_files(files).problems


def load_starter_bank(directory: Path | None = None) -> tuple[Question, ...]:
    """The shipped starter bank; a broken bank is a packaging error, reported with the first problems."""
    files = starter_files(directory)
    if not files:
        raise AppError(_("The question bank folder {path} is empty or missing; reinstall the program.").format(
            path=directory or starter_bank_dir()))
    load = read_bank_files(files)
    if load.problems:
        first = "; ".join(f"{p.file}#{p.item} {p.question_id}: {p.message}" for p in load.problems[:5])
        raise AppError(_("The question bank has {n} errors, e.g. {first}").format(n=len(load.problems), first=first))
    return load.questions


# --------------------------------------------------------------------------------------------
# CMExam

_VIGNETTE = re.compile(r"(患者|患儿|病人|男|女)[，,、\s]*\d{1,3}\s*(岁|个月|天)")


def estimate_cmexam_difficulty(stem: str, answer: str) -> int:
    """Heuristic, not calibrated: 2 for recall, +1 for a clinical vignette, +1 for several answers."""
    level = 2
    if _VIGNETTE.search(stem):
        level += 1
    if len(answer) > 1:
        level += 1
    return level


@functools.lru_cache(maxsize=1)
def _vocabulary() -> frozenset[str]:
    from app.text.lexicon import professional_terms

    return frozenset(professional_terms())


def _key_terms(texts: Iterable[str], limit: int = 8) -> tuple[str, ...]:
    """Professional-vocabulary words of ``texts`` in order of first appearance."""
    from app.text.tokenize import cut

    vocab = _vocabulary()
    found: dict[str, None] = {}
    for text in texts:
        for w in cut(text):
            if len(w) >= 2 and w in vocab:
                found.setdefault(w, None)
    return tuple(list(found)[:limit])


def cmexam_question(record: dict[str, Any]) -> Question:
    """One CMExam record -> Question; raises ValueError naming the bad field."""
    qid, stem, options, answer = record.get("id"), record.get("question"), record.get("options"), record.get("answer")
    explanation = record.get("explanation", "")
    if not isinstance(qid, str) or not qid:
        raise ValueError("id")
    if not isinstance(stem, str) or not stem.strip():
        raise ValueError("question")
    if not isinstance(options, dict) or len(options) < 2 or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in options.items()
    ):
        raise ValueError("options")
    if not isinstance(answer, str) or not answer or any(a not in options for a in answer):
        raise ValueError("answer")
    if not isinstance(explanation, str):
        raise ValueError("explanation")
    correct = [(a, options[a].strip()) for a in answer]
    answer_text = "；".join(f"{a}．{t}" for a, t in correct)
    reference = f"正确答案：{answer_text}"
    if explanation.strip():
        reference += f"\n解析：{explanation.strip()}"
    return Question(
        id=qid,
        text=stem.strip(),
        type="专业知识",
        dimension="专业知识",
        difficulty=estimate_cmexam_difficulty(stem, answer),
        family="physician",
        key_points=tuple(t for _a, t in correct),
        reference_answer=reference,
        key_terms=_key_terms([t for _a, t in correct] + [explanation]),
        source=CMEXAM_SOURCE,
        licence_condition=CMEXAM_LICENCE,
        options=tuple(sorted((k, v.strip()) for k, v in options.items())),
        answer=answer,
    )


def load_cmexam(
    files: Sequence[Path],
    *,
    progress: ProgressFn = no_progress,
    cancel: CancelToken = NEVER_CANCELLED,
) -> BankLoad:
    """CMExam jsonl files -> questions (duplicate ids across files kept once); bad lines are problems."""
    out: dict[str, Question] = {}
    problems: list[BankProblem] = []
    for fi, path in enumerate(files):
        progress(fi, len(files), path.name)
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise InvalidInput(_("Cannot read {name}: {error}").format(name=path.name, error=exc)) from exc
        for lineno, line in enumerate(lines, 1):
            cancel.raise_if_cancelled()
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                if not isinstance(record, dict):
                    raise ValueError("record")
                q = cmexam_question(record)
            except json.JSONDecodeError:
                problems.append(BankProblem(path.name, lineno, "", _("The line is not valid JSON.")))
                continue
            except ValueError as exc:
                problems.append(BankProblem(path.name, lineno, str(record.get("id", "")),
                                            _("Field '{field}' is missing or malformed.").format(field=exc)))
                continue
            out.setdefault(q.id, q)
    progress(len(files), len(files), "")
    log.info("CMExam: %d questions, %d bad lines", len(out), len(problems))
    return BankLoad(tuple(out.values()), tuple(problems))

"""The maintained lists and weights in ``resources/analysis/`` (TOML), loaded once and validated.

A hospital can point :func:`load_settings` at its own folder holding files of the same names
(e.g. ``<data dir>/analysis``); missing files fall back to the shipped ones.
"""

from __future__ import annotations

import re
import threading
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app import paths
from app.errors import AppError
from app.i18n import N_, _

COMPONENTS: tuple[str, ...] = ("coverage", "terminology", "structure", "clinical", "communication")
COMPONENT_LABELS: dict[str, str] = {
    "coverage": N_("key-point coverage"),
    "terminology": N_("professional terms"),
    "structure": N_("answer structure"),
    "clinical": N_("clinical factors"),
    "communication": N_("communication"),
}
"""English msgids of the component names; show them with ``_(COMPONENT_LABELS[name])``."""


@dataclass(frozen=True)
class RiskRule:
    id: str
    category: str
    severity: str
    message: str  # English msgid
    patterns: tuple[re.Pattern[str], ...]


@dataclass(frozen=True)
class Confusion:
    id: str
    a: tuple[str, ...]
    b: tuple[str, ...]
    a_cues: tuple[str, ...]
    b_cues: tuple[str, ...]
    explanation: str  # English msgid


@dataclass(frozen=True)
class Factor:
    id: str
    label: str  # English msgid
    phrases: tuple[str, ...]


@dataclass(frozen=True)
class Settings:
    synonyms: dict[str, str]  # variant (lower-case) -> canonical
    synonym_groups: tuple[tuple[str, ...], ...]
    confusions: tuple[Confusion, ...]
    risk_rules: tuple[RiskRule, ...]
    negation_before: tuple[str, ...]
    negation_after: tuple[str, ...]
    negation_window: int
    structure: dict[str, tuple[str, ...]]  # problem/action/result -> markers
    factors: tuple[Factor, ...]
    empathy: tuple[str, ...]
    fillers: tuple[str, ...]
    stopwords: frozenset[str]
    scoring: dict[str, Any]

    def weights_for(self, question_type: str) -> dict[str, float]:
        table = self.scoring["weights"]
        row = table.get(question_type) or table["default"]
        return {c: float(row.get(c, 0.0)) for c in COMPONENTS}

    def emphasis_for(self, dimension: str) -> dict[str, float]:
        row = self.scoring.get("emphasis", {}).get(dimension, {})
        return {c: float(row.get(c, 1.0)) for c in COMPONENTS}

    def param(self, section: str, name: str) -> float:
        return float(self.scoring[section][name])


def _read_toml(folder: Path | None, name: str) -> dict[str, Any]:
    candidates = [folder / name] if folder else []
    candidates.append(paths.resource("analysis", name))
    for path in candidates:
        if path.exists():
            try:
                with path.open("rb") as fh:
                    return tomllib.load(fh)
            except (OSError, tomllib.TOMLDecodeError) as exc:
                raise AppError(
                    _(
                        "The analysis settings file {path} cannot be read ({error}). Fix or restore it."
                    ).format(path=path, error=exc)
                ) from exc
    raise AppError(
        _(
            "The analysis settings file {name} is missing. Reinstall HR Desk or restore the file."
        ).format(name=name)
    )


def _read_lines(folder: Path | None, name: str) -> list[str]:
    path = folder / name if folder and (folder / name).exists() else paths.resource("analysis", name)
    if not path.exists():
        return []
    with path.open(encoding="utf-8") as fh:
        return [ln.strip() for ln in fh if ln.strip() and not ln.lstrip().startswith("#")]


def _tuple(value: Any) -> tuple[str, ...]:
    return tuple(str(v) for v in value or ())


def _build(folder: Path | None) -> Settings:
    syn = _read_toml(folder, "synonyms.toml")
    groups = tuple(tuple(str(w) for w in g) for g in syn.get("groups", ()) if g)
    synonyms: dict[str, str] = {}
    for group in groups:
        for word in group:
            synonyms.setdefault(word.lower(), group[0])

    conf = _read_toml(folder, "confusions.toml")
    confusions = tuple(
        Confusion(
            id=str(c["id"]), a=_tuple(c["a"]), b=_tuple(c["b"]),
            a_cues=_tuple(c.get("a_cues")), b_cues=_tuple(c.get("b_cues")),
            explanation=str(c.get("explanation", "")),
        )
        for c in conf.get("confusion", ())
    )

    risk = _read_toml(folder, "risk_patterns.toml")
    rules: list[RiskRule] = []
    for r in risk.get("rule", ()):
        try:
            patterns = tuple(re.compile(p) for p in r["patterns"])
        except re.error as exc:
            raise AppError(
                _("Risk rule {rule} has an invalid pattern ({error}). Fix risk_patterns.toml.").format(
                    rule=r.get("id", "?"), error=exc
                )
            ) from exc
        severity = str(r.get("severity", "medium"))
        if severity not in ("high", "medium"):
            severity = "medium"
        rule = RiskRule(str(r["id"]), str(r.get("category", "")), severity, str(r["message"]), patterns)
        rules.append(rule)
    neg = risk.get("negation", {})

    markers = _read_toml(folder, "markers.toml")
    structure = {k: _tuple(v) for k, v in markers.get("structure", {}).items()}
    factors = tuple(
        Factor(fid, str(f.get("label", fid)), _tuple(f.get("phrases")))
        for fid, f in markers.get("clinical_factors", {}).items()
    )
    comm = markers.get("communication", {})

    scoring = _read_toml(folder, "scoring.toml")
    if "default" not in scoring.get("weights", {}):
        raise AppError(_("scoring.toml has no [weights.default] table. Restore the file."))

    return Settings(
        synonyms=synonyms,
        synonym_groups=groups,
        confusions=confusions,
        risk_rules=tuple(rules),
        negation_before=_tuple(neg.get("before")),
        negation_after=_tuple(neg.get("after")),
        negation_window=int(neg.get("window", 8)),
        structure=structure,
        factors=factors,
        empathy=_tuple(comm.get("empathy")),
        fillers=_tuple(comm.get("fillers")),
        stopwords=frozenset(_read_lines(folder, "stopwords.txt")),
        scoring=scoring,
    )


_lock = threading.Lock()
_cache: dict[str, Settings] = {}


def load_settings(folder: Path | None = None) -> Settings:
    """Settings from ``folder`` (files missing there come from the shipped resources); cached."""
    key = str(folder.resolve()) if folder else ""
    with _lock:
        if key not in _cache:
            _cache[key] = _build(folder)
        return _cache[key]

"""The training settings in ``resources/training/rules.toml``."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from app import paths
from app.errors import AppError
from app.i18n import _


@dataclass(frozen=True)
class TrainingRules:
    cme_required: dict[str, float] = field(default_factory=dict)  # job family -> credits per year
    # Ⅰ类/Ⅱ类 minimum per year inside the total, for everyone who owes credits
    cme_class_minimum: dict[str, float] = field(default_factory=lambda: {"I": 5.0, "II": 15.0})
    courses_per_gap: int = 2
    hours_per_week: float = 4.0
    min_days: int = 14
    licence_warn_days: int = 90
    coef_window_days: int = 365
    coef_min_completed: int = 2
    coef_min_growth: float = 0.5
    coef_step: float = 0.05
    coef_maximum: float = 1.2

    def cme_required_for(self, family: str) -> float:
        return float(self.cme_required.get(family, 0.0))


def parse_rules(raw: dict) -> TrainingRules:  # type: ignore[type-arg]
    cme = raw.get("cme", {})
    p = raw.get("paths", {})
    c = raw.get("coefficient", {})
    return TrainingRules(
        cme_required={str(k): float(v) for k, v in cme.get("required_per_year", {}).items()},
        cme_class_minimum={"I": float(cme.get("class_i_minimum", 5.0)), "II": float(cme.get("class_ii_minimum", 15.0))},
        courses_per_gap=int(p.get("courses_per_gap", 2)),
        hours_per_week=float(p.get("hours_per_week", 4.0)),
        min_days=int(p.get("min_days", 14)),
        licence_warn_days=int(p.get("licence_warn_days", 90)),
        coef_window_days=int(c.get("window_days", 365)),
        coef_min_completed=int(c.get("min_completed", 2)),
        coef_min_growth=float(c.get("min_growth", 0.5)),
        coef_step=float(c.get("step", 0.05)),
        coef_maximum=float(c.get("maximum", 1.2)),
    )


def load_rules(path: Path | None = None) -> TrainingRules:
    path = path or paths.resource("training", "rules.toml")
    try:
        return parse_rules(tomllib.loads(path.read_text(encoding="utf-8")))
    except (OSError, tomllib.TOMLDecodeError, TypeError, ValueError) as exc:
        raise AppError(_("The training rules file {path} is missing or damaged: {error}. Reinstall the program or "
                         "restore the file.").format(path=path, error=exc)) from exc


@lru_cache(maxsize=1)
def default_rules() -> TrainingRules:
    return load_rules()

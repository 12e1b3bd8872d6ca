"""Competency models (胜任力模型): named dimensions with integer weights summing to 100 and a pass bar.

``validate`` returns every problem at once (each naming the dimension) so an editor can mark all
bad fields; ``check`` raises ``InvalidInput`` with the same sentences joined. Templates per job
family come from ``app.domain.org.COMPETENCY_TEMPLATES`` (AI-medical posts use their own).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from app.domain.org import COMPETENCY_TEMPLATES, JobFamily
from app.errors import InvalidInput
from app.i18n import _

WEIGHT_TOTAL = 100
MIN_WEIGHT, MAX_WEIGHT = 1, 100
MIN_BAR, MAX_BAR = 0.0, 10.0
DEFAULT_PASS_BAR = 6.0
MAX_NAME_LENGTH = 40  # the database column is String(40)
AI_MEDICAL = "ai_medical"


@dataclass(frozen=True)
class Dimension:
    name: str
    weight: int  # percent
    pass_bar: float = DEFAULT_PASS_BAR  # on a 0–10 scale


@dataclass(frozen=True)
class CompetencyProblem:
    index: int  # 0-based position of the dimension in the model; -1 for the model as a whole
    dimension: str
    field: str  # "name" | "weight" | "pass_bar" | "model"
    message: str


def _label(dim: Dimension, index: int) -> str:
    name = dim.name.strip() if isinstance(dim.name, str) else ""
    return name or _("dimension {n}").format(n=index + 1)


def validate(dimensions: Sequence[Dimension]) -> tuple[CompetencyProblem, ...]:
    """All problems of a model; empty when it is valid."""
    problems: list[CompetencyProblem] = []
    if not dimensions:
        return (CompetencyProblem(-1, "", "model", _("The competency model has no dimensions; add at least one.")),)
    seen: dict[str, int] = {}
    for i, dim in enumerate(dimensions):
        label = _label(dim, i)
        name = dim.name.strip() if isinstance(dim.name, str) else ""
        if not name:
            problems.append(CompetencyProblem(i, label, "name", _("Dimension {n} has no name.").format(n=i + 1)))
        elif len(name) > MAX_NAME_LENGTH:
            problems.append(CompetencyProblem(
                i, label, "name",
                _("The name of dimension “{name}” is longer than {limit} characters.").format(
                    name=name, limit=MAX_NAME_LENGTH),
            ))
        elif name.casefold() in seen:
            problems.append(CompetencyProblem(
                i, label, "name",
                _("Dimension “{name}” appears twice (also as dimension {n}); names must be unique.").format(
                    name=name, n=seen[name.casefold()] + 1),
            ))
        else:
            seen[name.casefold()] = i
        w = dim.weight
        if isinstance(w, bool) or not isinstance(w, int):
            problems.append(CompetencyProblem(
                i, label, "weight",
                _("The weight of dimension “{name}” must be a whole number from 1 to 100, not {value}.").format(
                    name=label, value=w),
            ))
        elif not MIN_WEIGHT <= w <= MAX_WEIGHT:
            problems.append(CompetencyProblem(
                i, label, "weight",
                _("The weight of dimension “{name}” is {value}; it must be from 1 to 100.").format(
                    name=label, value=w),
            ))
        bar = dim.pass_bar
        if isinstance(bar, bool) or not isinstance(bar, int | float) or math.isnan(bar):
            problems.append(CompetencyProblem(
                i, label, "pass_bar",
                _("The pass bar of dimension “{name}” must be a number from 0 to 10.").format(name=label),
            ))
        elif not MIN_BAR <= bar <= MAX_BAR:
            problems.append(CompetencyProblem(
                i, label, "pass_bar",
                _("The pass bar of dimension “{name}” is {value}; it must be from 0 to 10.").format(
                    name=label, value=bar),
            ))
    weights = [d.weight for d in dimensions if isinstance(d.weight, int) and not isinstance(d.weight, bool)]
    if len(weights) == len(dimensions) and sum(weights) != WEIGHT_TOTAL:
        total = sum(weights)
        problems.append(CompetencyProblem(
            -1, "", "model",
            _("The weights add up to {total}, not 100: {detail}. Adjust them so that they add up to exactly 100.")
            .format(total=total, detail="、".join(f"{_label(d, i)} {d.weight}" for i, d in enumerate(dimensions))),
        ))
    return tuple(problems)


def check(dimensions: Sequence[Dimension]) -> tuple[Dimension, ...]:
    """The model with names trimmed, or ``InvalidInput`` listing every problem."""
    problems = validate(dimensions)
    if problems:
        raise InvalidInput("\n".join(p.message for p in problems))
    return tuple(Dimension(d.name.strip(), d.weight, float(d.pass_bar)) for d in dimensions)


def template_for(job_family: str, *, ai_medical: bool = False, pass_bar: float = DEFAULT_PASS_BAR) -> tuple[
        Dimension, ...]:
    """The starting model for a family (``physician`` … or ``ai_medical``); unknown families raise."""
    key = AI_MEDICAL if ai_medical else job_family
    if key not in COMPETENCY_TEMPLATES:
        raise InvalidInput(
            _("There is no competency template for job family “{family}”; choose one of: {choices}.").format(
                family=job_family, choices="、".join(str(k) for k in COMPETENCY_TEMPLATES))
        )
    return tuple(Dimension(name, weight, pass_bar) for name, weight in COMPETENCY_TEMPLATES[key])


def all_template_dimensions() -> tuple[str, ...]:
    """Every dimension name used by a template (the question bank's vocabulary of dimensions)."""
    names: dict[str, None] = {}
    for dims in COMPETENCY_TEMPLATES.values():
        for name, _w in dims:
            names[name] = None
    return tuple(names)


FAMILY_KEYS: tuple[str, ...] = (*[str(f) for f in JobFamily], AI_MEDICAL)

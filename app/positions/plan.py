"""Interview plans: N questions balanced across a position's weighted competency dimensions.

Algorithm
---------
1. Allocation: each dimension gets ``N * weight / 100`` questions, rounded with the largest-remainder
   (Hamilton) method, so the counts add up to N and never deviate from the exact share by a whole
   question. Ties go to the heavier dimension, then to the earlier one.
2. Difficulty: the per-dimension count is split over the target mix (e.g. ``{2: .3, 3: .4, 4: .3}``)
   with the same method; each slot looks for a question of its difficulty.
3. Choice: candidates are questions of the dimension that apply to the post — tagged with the
   position's code (preferred), with its job family, or ``general``. Ranking per slot: a question
   within ±1 of the target difficulty first, then position > family > general, then closeness to
   the target, then a seeded pseudo-random key derived from (seed, question id) — so the same seed
   gives the same plan whatever the order of the pool.
4. No duplicates: never the same id, two versions of one question (``variant_of``), or two
   questions whose text is the same after normalisation.
5. Shortfalls are reported per dimension ("维度『操作技能』只有2道可用题目，需要3道"); with
   ``redistribute=True`` the missing slots go to the other dimensions (largest weight per question
   first) so the plan still has N questions.
6. Questions whose licence forbids assessing individuals (CMExam) are included but flagged
   (``PlanItem.restricted``) so the UI can warn; ``exclude_restricted=True`` leaves them out.

A plan is a frozen value; ``replace_item`` / ``remove_item`` / ``add_question`` / ``move_item``
return edited copies for the interviewer to adjust it before the interview.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Literal

from app.errors import InvalidInput
from app.i18n import _
from app.positions.competency import Dimension, check
from app.positions.questions import GENERAL, Question, stem_key

log = logging.getLogger(__name__)

MAX_QUESTIONS = 100
Tier = Literal["position", "family", "general"]
_TIER_RANK: dict[str, int] = {"position": 0, "family": 1, "general": 2}


@dataclass(frozen=True)
class PlanItem:
    question_id: str
    dimension: str
    difficulty: int
    type: str
    tier: Tier
    restricted: bool  # its licence forbids assessing individuals: warn before use
    group_key: str
    stem_key: str
    target_difficulty: int | None = None
    manual: bool = False  # added or swapped in by hand


@dataclass(frozen=True)
class Shortfall:
    dimension: str
    available: int
    needed: int

    @property
    def message(self) -> str:
        return _("Dimension “{dimension}” has only {available} usable questions; {needed} are needed.").format(
            dimension=self.dimension, available=self.available, needed=self.needed
        )


@dataclass(frozen=True)
class PlanSettings:
    """What the plan was generated for (kept so edits apply the same filters)."""

    position_code: str
    families: tuple[str, ...]
    difficulty_range: tuple[int, int]
    exclude_restricted: bool
    seed: int


@dataclass(frozen=True)
class InterviewPlan:
    settings: PlanSettings
    requested: int
    allocation: tuple[tuple[str, int], ...]  # dimension -> questions wanted (largest remainder)
    items: tuple[PlanItem, ...]
    shortfalls: tuple[Shortfall, ...] = ()

    @property
    def complete(self) -> bool:
        return len(self.items) == self.requested and not self.shortfalls

    @property
    def question_ids(self) -> tuple[str, ...]:
        return tuple(i.question_id for i in self.items)

    @property
    def restricted_items(self) -> tuple[PlanItem, ...]:
        return tuple(i for i in self.items if i.restricted)

    def count_by_dimension(self) -> dict[str, int]:
        out = {name: 0 for name, _n in self.allocation}
        for it in self.items:
            out[it.dimension] = out.get(it.dimension, 0) + 1
        return out

    def count_by_difficulty(self) -> dict[int, int]:
        out: dict[int, int] = {}
        for it in self.items:
            out[it.difficulty] = out.get(it.difficulty, 0) + 1
        return dict(sorted(out.items()))

    def warnings(self) -> list[str]:
        """Translated sentences for the plan screen."""
        out = [s.message for s in self.shortfalls]
        for name, wanted in self.allocation:
            if wanted == 0:
                out.append(_("Dimension “{dimension}” gets no question with {n} questions in total; "
                             "ask more questions to cover every dimension.").format(dimension=name, n=self.requested))
        if self.restricted_items:
            out.append(_("{n} questions come from a source whose licence forbids assessing individuals "
                         "(e.g. CMExam); use them for practice only or replace them.").format(
                n=len(self.restricted_items)))
        return out


# --------------------------------------------------------------------------------------------
# Allocation


def largest_remainder(weights: Sequence[tuple[str, float]], total: int) -> dict[str, int]:
    """Split ``total`` in proportion to ``weights`` (Hamilton); ties: heavier, then earlier."""
    wsum = sum(w for _k, w in weights)
    if total <= 0 or wsum <= 0:
        return {k: 0 for k, _w in weights}
    quotas = [(k, total * w / wsum, w, i) for i, (k, w) in enumerate(weights)]
    counts = {k: int(q) for k, q, _w, _i in quotas}
    left = total - sum(counts.values())
    order = sorted(quotas, key=lambda t: (-(t[1] - int(t[1])), -t[2], t[3]))
    for k, _q, _w, _i in order[:left]:
        counts[k] += 1
    return counts


def difficulty_slots(count: int, mix: Mapping[int, float] | None) -> list[int | None]:
    """Target difficulty of each slot, easiest first (None = any)."""
    if not mix:
        return [None] * count
    split = largest_remainder(sorted(mix.items()), count)
    out: list[int | None] = []
    for level in sorted(split):
        out.extend([level] * split[level])
    return out


def _check_mix(mix: Mapping[int, float] | None) -> dict[int, float] | None:
    if mix is None:
        return None
    clean: dict[int, float] = {}
    for level, share in mix.items():
        if not isinstance(level, int) or not 1 <= level <= 5:
            raise InvalidInput(_("Difficulty {level} does not exist; use levels 1 to 5.").format(level=level))
        if share < 0:
            raise InvalidInput(_("The share of difficulty {level} is negative.").format(level=level))
        if share > 0:
            clean[level] = float(share)
    if not clean:
        raise InvalidInput(_("The difficulty mix is empty; give at least one level a share."))
    return clean


# --------------------------------------------------------------------------------------------
# Candidate ranking


def _rand_key(seed: int, qid: str) -> str:
    return hashlib.sha256(f"{seed}\x1f{qid}".encode()).hexdigest()


def _norm_dim(name: str) -> str:
    return name.strip().casefold()


def _tier(q: Question, position_code: str, families: Collection[str]) -> Tier | None:
    if position_code and position_code in q.positions:
        return "position"
    if q.family in families:
        return "family"
    if q.family == GENERAL:
        return "general"
    return None


@dataclass(frozen=True)
class _Cand:
    q: Question
    tier: Tier
    rand: str
    stem: str


def _candidates(pool: Sequence[Question], st: PlanSettings, exclude_ids: Collection[str]) -> dict[str, list[_Cand]]:
    lo, hi = st.difficulty_range
    by_dim: dict[str, list[_Cand]] = {}
    for q in pool:
        if q.id in exclude_ids or not lo <= q.difficulty <= hi:
            continue
        if st.exclude_restricted and q.restricts_individual_assessment:
            continue
        tier = _tier(q, st.position_code, st.families)
        if tier is None:
            continue
        by_dim.setdefault(_norm_dim(q.dimension), []).append(_Cand(q, tier, _rand_key(st.seed, q.id), stem_key(q.text)))
    return by_dim


def _rank(c: _Cand, target: int | None) -> tuple[int, int, int, str]:
    dist = 0 if target is None else abs(c.q.difficulty - target)
    return (1 if dist > 1 else 0, _TIER_RANK[c.tier], dist, c.rand)


class _Picker:
    def __init__(self, used_groups: set[str], used_stems: set[str], used_ids: set[str]) -> None:
        self.groups = used_groups
        self.stems = used_stems
        self.ids = used_ids

    def free(self, c: _Cand) -> bool:
        return c.q.id not in self.ids and c.q.group_key not in self.groups and c.stem not in self.stems

    def pick(self, cands: list[_Cand], target: int | None) -> _Cand | None:
        best = min((c for c in cands if self.free(c)), key=lambda c: _rank(c, target), default=None)
        if best is not None:
            self.ids.add(best.q.id)
            self.groups.add(best.q.group_key)
            self.stems.add(best.stem)
        return best


def _item(c: _Cand, dimension: str, target: int | None, manual: bool = False) -> PlanItem:
    return PlanItem(c.q.id, dimension, c.q.difficulty, c.q.type, c.tier, c.q.restricts_individual_assessment,
                    c.q.group_key, c.stem, target, manual)


# --------------------------------------------------------------------------------------------
# Generation


def generate_plan(
    dimensions: Sequence[Dimension],
    pool: Sequence[Question],
    n: int,
    *,
    families: Collection[str],
    position_code: str = "",
    difficulty_mix: Mapping[int, float] | None = None,
    difficulty_range: tuple[int, int] = (1, 5),
    seed: int = 0,
    exclude_ids: Collection[str] = (),
    exclude_restricted: bool = False,
    redistribute: bool = False,
) -> InterviewPlan:
    """A plan of ``n`` questions for a post; see the module doc for the rules."""
    dims = check(dimensions)
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_QUESTIONS:
        raise InvalidInput(_("The number of questions must be from 1 to {limit}.").format(limit=MAX_QUESTIONS))
    lo, hi = difficulty_range
    if not 1 <= lo <= hi <= 5:
        raise InvalidInput(_("The difficulty range must lie within 1 to 5, lowest first."))
    mix = _check_mix(difficulty_mix)
    if mix is not None:
        mix = {k: v for k, v in mix.items() if lo <= k <= hi}
        if not mix:
            raise InvalidInput(_("No level of the difficulty mix lies inside the difficulty range."))
    st = PlanSettings(position_code.strip(), tuple(families), (lo, hi), exclude_restricted, seed)
    by_dim = _candidates(pool, st, set(exclude_ids))
    alloc = largest_remainder([(d.name, d.weight) for d in dims], n)
    picker = _Picker(set(), set(), set())
    chosen: dict[str, list[PlanItem]] = {d.name: [] for d in dims}
    shortfalls: list[Shortfall] = []
    for d in dims:
        cands = by_dim.get(_norm_dim(d.name), [])
        for target in difficulty_slots(alloc[d.name], mix):
            c = picker.pick(cands, target)
            if c is None:
                break
            chosen[d.name].append(_item(c, d.name, target))
        if len(chosen[d.name]) < alloc[d.name]:
            shortfalls.append(Shortfall(d.name, len(chosen[d.name]), alloc[d.name]))
    if redistribute and shortfalls:
        missing = sum(s.needed - s.available for s in shortfalls)
        weights = {d.name: d.weight for d in dims}
        while missing > 0:
            open_dims = [d for d in dims if any(picker.free(c) for c in by_dim.get(_norm_dim(d.name), []))]
            if not open_dims:
                break
            d = max(open_dims, key=lambda x: (weights[x.name] / (len(chosen[x.name]) + 1), x.weight))
            c = picker.pick(by_dim[_norm_dim(d.name)], None)
            assert c is not None
            chosen[d.name].append(_item(c, d.name, None))
            missing -= 1
    items: list[PlanItem] = []
    for d in dims:
        items.extend(sorted(chosen[d.name], key=lambda it: it.difficulty))
    log.info("interview plan: %d of %d questions, %d shortfalls", len(items), n, len(shortfalls))
    return InterviewPlan(st, n, tuple((d.name, alloc[d.name]) for d in dims), tuple(items), tuple(shortfalls))


# --------------------------------------------------------------------------------------------
# Editing before the interview


def _check_index(plan: InterviewPlan, index: int) -> None:
    if not 0 <= index < len(plan.items):
        raise InvalidInput(_("There is no question number {n} in the plan.").format(n=index + 1))


def replace_item(plan: InterviewPlan, index: int, pool: Sequence[Question]) -> InterviewPlan:
    """Swap question ``index`` for the next best one of the same dimension and difficulty."""
    _check_index(plan, index)
    old = plan.items[index]
    others = [it for i, it in enumerate(plan.items) if i != index]
    picker = _Picker({it.group_key for it in others} | {old.group_key},
                     {it.stem_key for it in others} | {old.stem_key},
                     {it.question_id for it in others} | {old.question_id})
    cands = _candidates(pool, plan.settings, ()).get(_norm_dim(old.dimension), [])
    c = picker.pick(cands, old.target_difficulty if old.target_difficulty is not None else old.difficulty)
    if c is None:
        raise InvalidInput(_("There is no other unused question for dimension “{dimension}”.").format(
            dimension=old.dimension))
    items = list(plan.items)
    items[index] = _item(c, old.dimension, old.target_difficulty, manual=True)
    return replace(plan, items=tuple(items))


def remove_item(plan: InterviewPlan, index: int) -> InterviewPlan:
    _check_index(plan, index)
    return replace(plan, items=plan.items[:index] + plan.items[index + 1 :])


def move_item(plan: InterviewPlan, index: int, new_index: int) -> InterviewPlan:
    _check_index(plan, index)
    items = list(plan.items)
    it = items.pop(index)
    items.insert(max(0, min(new_index, len(items))), it)
    return replace(plan, items=tuple(items))


def add_question(plan: InterviewPlan, question: Question) -> InterviewPlan:
    """Append a question chosen by hand; refuses duplicates and dimensions not in the model."""
    dims = {_norm_dim(name): name for name, _n in plan.allocation}
    dim = dims.get(_norm_dim(question.dimension))
    if dim is None:
        raise InvalidInput(_("Question {id} belongs to dimension “{dimension}”, which this position does not "
                             "assess.").format(id=question.id, dimension=question.dimension))
    stem = stem_key(question.text)
    for it in plan.items:
        if it.question_id == question.id or it.group_key == question.group_key or it.stem_key == stem:
            raise InvalidInput(_("Question {id} (or a version of it) is already in the plan.").format(id=question.id))
    tier = _tier(question, plan.settings.position_code, plan.settings.families) or "general"
    c = _Cand(question, tier, "", stem)
    return replace(plan, items=(*plan.items, _item(c, dim, None, manual=True)))

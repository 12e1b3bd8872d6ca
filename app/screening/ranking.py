"""Explained ranking of resumes against a position (pure: no database, no files).

For each candidate the ranking says, in this order:

1. **Hard requirements** from the position (minimum degree, each required licence, years of
   experience, completed 规培) — each a :class:`Check` that passed, failed or is unknown (the resume does
   not say), with the exact reason. The required majors are checked too but only count toward the
   score (a related major is often accepted after review), they never exclude a candidate.
2. **Keyword rules** (the position's screening rules, AND/OR/NOT with synonyms, see
   :mod:`app.positions.rules`) with the matched words as spans for highlighting. A rule marked
   *required* is a hard filter; the others add to the score by their weight.
3. **BM25 relevance** of the resume to the position's title, duties, nice-to-have text, majors and
   licences, plus the rule terms. Both sides are segmented with the shared jieba tokenizer (with the
   medical vocabulary); a query term is found in a resume the way the rule language finds it (whole
   tokens or compounds, and its synonyms), so "PCI" in a rule also counts "经皮冠状动脉介入". The top
   contributing terms are reported.

Combined score (0–100), documented for the user in the detail pane::

    H = share of hard checks passed (an unknown check counts half; majors included)
    K = weight of the matched scoring rules / weight of all scoring rules
    R = BM25 relevance / the best BM25 among the resumes ranked together (the best resume has R = 1)
    score = 100 × (0.40·H + 0.30·K + 0.30·R)        (no scoring rules: 100 × (0.40·H + 0.60·R))

A candidate who fails a hard requirement or a required rule is *not eligible*: eligible candidates
are always ranked above the others, whatever their scores; within each group higher scores come
first. BM25 uses k1 = 1.2, b = 0.75 and idf = ln(1 + (N − n + 0.5)/(n + 0.5)) over the ranked pool.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from app.i18n import N_, _
from app.positions import rules
from app.screening.extract import DEGREE_RANK

K1 = 1.2
B = 0.75
W_HARD, W_RULES, W_RELEVANCE = 0.40, 0.30, 0.30
TOP_TERMS = 5

#: Fields a user may correct; the effective value is the correction when present.
CORRECTABLE_FIELDS: tuple[str, ...] = (
    "name", "gender", "birth_year", "phone", "email", "highest_degree", "school", "major",
    "current_title", "licences", "experience_years", "guipei",
)
FIELD_LABELS: dict[str, str] = {
    "name": N_("Name"), "gender": N_("Gender"), "birth_year": N_("Year of birth"), "phone": N_("Phone"),
    "email": N_("E-mail"), "highest_degree": N_("Degree"), "school": N_("School"), "major": N_("Major"),
    "current_title": N_("Current title"), "licences": N_("Licences"),
    "experience_years": N_("Years of experience"), "guipei": N_("规培 completed"),
}
#: Fields hidden in blind screening.
BLIND_FIELDS: frozenset[str] = frozenset({"name", "gender", "birth_year", "age", "phone", "email"})

_STOPWORDS = frozenset(
    "的 了 和 与 及 或 等 在 对 为 以 并 其 中 上 下 者 之 能 可 有 是 负责 完成 进行 参与 相关 工作 能力 具有 具备 "
    "熟悉 熟练 掌握 优先 良好 以上 经验 要求 岗位 日常 做好 协助 开展 任务 交办 上级 常见 多发病 病人 "
    "年 月 日 至今 个人 简历 时间 学校 专业 学历 单位 科室 职务".split()
)
_CJK_RE = re.compile(r"[\u3400-\u9fff]")
_WORD_RE = re.compile(r"[a-z0-9][a-z0-9+#.\-]*[a-z0-9+#]|[a-z]")


# --------------------------------------------------------------------------------------------
# Inputs


@dataclass(frozen=True)
class Requirements:
    min_degree: str = ""
    majors: tuple[str, ...] = ()
    licences: tuple[str, ...] = ()
    years: int = 0
    guipei: bool = False

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> Requirements:
        data = data or {}

        def as_list(v: Any) -> tuple[str, ...]:
            if not v:
                return ()
            if isinstance(v, str):
                return tuple(rules.split_list(v))
            return tuple(str(x).strip() for x in v if str(x).strip())

        try:
            years = int(data.get("years") or 0)
        except (TypeError, ValueError):
            years = 0
        return cls(str(data.get("min_degree") or ""), as_list(data.get("majors")), as_list(data.get("licences")),
                   years, bool(data.get("guipei")))


@dataclass(frozen=True)
class ScreeningRule:
    name: str
    expression: str
    required: bool = False
    weight: int = 1


@dataclass(frozen=True)
class PositionProfile:
    """What a resume is ranked against."""

    code: str
    title: str
    requirements: Requirements
    duties: str = ""
    nice_to_have: str = ""
    rules: tuple[ScreeningRule, ...] = ()


@dataclass(frozen=True)
class ResumeInput:
    key: int  # candidate id, or the index of a file for the CLI
    text: str
    fields: Mapping[str, Any]  # effective fields (see effective_fields)


# --------------------------------------------------------------------------------------------
# Fields: extracted (ResumeFields.to_dict()) overlaid with the user's corrections


def flat_fields(extracted: Mapping[str, Any]) -> dict[str, Any]:
    """The correctable view of ``ResumeFields.to_dict()``."""
    education = list(extracted.get("education") or [])
    best: Mapping[str, Any] | None = None
    for e in education:
        if best is None or DEGREE_RANK.get(e.get("degree") or "", 0) > DEGREE_RANK.get(best.get("degree") or "", 0):
            best = e
    residency = extracted.get("residency")
    return {
        "name": extracted.get("name"),
        "gender": extracted.get("gender"),
        "birth_year": extracted.get("birth_year"),
        "phone": extracted.get("phone"),
        "email": extracted.get("email"),
        "highest_degree": extracted.get("highest_degree"),
        "school": (best or {}).get("school"),
        "major": (best or {}).get("major"),
        "current_title": extracted.get("current_title"),
        "licences": [lic.get("name") for lic in extracted.get("licences") or [] if lic.get("name")],
        "experience_years": extracted.get("experience_years"),
        "guipei": None if not residency else bool(residency.get("done")),
        "majors": [e.get("major") for e in education if e.get("major")],
    }


def effective_fields(extracted: Mapping[str, Any], corrections: Mapping[str, Any]) -> dict[str, Any]:
    """Extracted fields with every correction applied (a correction always wins)."""
    out = flat_fields(extracted)
    for key, value in (corrections or {}).items():
        if key in CORRECTABLE_FIELDS:
            out[key] = value
    if "major" in (corrections or {}) and corrections["major"]:
        out["majors"] = [corrections["major"], *[m for m in out["majors"] if m != corrections["major"]]]
    return out


def age_of(fields: Mapping[str, Any], today: date) -> int | None:
    by = fields.get("birth_year")
    try:
        return today.year - int(by) if by else None
    except (TypeError, ValueError):
        return None


# --------------------------------------------------------------------------------------------
# Results


@dataclass(frozen=True)
class Check:
    key: str  # degree / licence / years / guipei / major
    label: str  # translated
    state: str  # pass / fail / unknown
    reason: str  # translated, exact
    hard: bool = True

    @property
    def passed(self) -> bool:
        return self.state == "pass"


@dataclass(frozen=True)
class RuleResult:
    name: str
    expression: str
    required: bool
    weight: int
    matched: bool
    explanation: str
    hits: tuple[rules.Hit, ...] = ()
    error: str = ""


@dataclass(frozen=True)
class TermScore:
    term: str
    score: float
    tf: int


@dataclass(frozen=True)
class Ranked:
    key: int
    eligible: bool
    score: float  # 0..100
    hard: float  # H, 0..1
    keywords: float | None  # K, 0..1 (None: no scoring rules)
    relevance: float  # R, 0..1
    bm25: float
    checks: tuple[Check, ...]
    rules: tuple[RuleResult, ...]
    top_terms: tuple[TermScore, ...]
    rank: int = 0

    @property
    def failed(self) -> tuple[str, ...]:
        out = [c.reason for c in self.checks if c.hard and c.state == "fail"]
        out += [_("Required rule not met: {name}").format(name=r.name) for r in self.rules if r.required and not r.matched]
        return tuple(out)

    def highlight_spans(self) -> list[tuple[int, int, str]]:
        """(start, end, kind) in the resume text: 'rule' for matched rule words, 'excluded' for NOT hits."""
        spans: list[tuple[int, int, str]] = []
        for r in self.rules:
            for h in r.hits:
                spans.append((h.start, h.end, "excluded" if h.negated else "rule"))
        return sorted(set(spans))

    def explanation(self) -> str:
        """One translated paragraph: the formula with this candidate's figures."""
        if self.keywords is None:
            formula = _("Score {score} = 100 × (0.40 × hard requirements {h} + 0.60 × relevance {r})").format(
                score=f"{self.score:.1f}", h=f"{self.hard:.2f}", r=f"{self.relevance:.2f}")
        else:
            formula = _("Score {score} = 100 × (0.40 × hard requirements {h} + 0.30 × keyword rules {k} + "
                        "0.30 × relevance {r})").format(score=f"{self.score:.1f}", h=f"{self.hard:.2f}",
                                                        k=f"{self.keywords:.2f}", r=f"{self.relevance:.2f}")
        if not self.eligible:
            formula += "\n" + _("Not eligible: {reasons}").format(reasons="；".join(self.failed))
        return formula

    def to_dict(self) -> dict[str, Any]:
        return {
            "rank": self.rank,
            "eligible": self.eligible,
            "score": round(self.score, 2),
            "hard_requirements": round(self.hard, 3),
            "keyword_rules": None if self.keywords is None else round(self.keywords, 3),
            "relevance": round(self.relevance, 3),
            "bm25": round(self.bm25, 3),
            "checks": [{"key": c.key, "state": c.state, "reason": c.reason, "hard": c.hard} for c in self.checks],
            "rules": [{"name": r.name, "expression": r.expression, "required": r.required, "weight": r.weight,
                       "matched": r.matched, "explanation": r.explanation,
                       "matched_words": list(dict.fromkeys(h.form for h in r.hits if not h.negated))}
                      for r in self.rules],
            "top_terms": [{"term": t.term, "score": round(t.score, 3), "count": t.tf} for t in self.top_terms],
            "not_eligible_because": list(self.failed),
        }


# --------------------------------------------------------------------------------------------
# Hard requirements


def _licence_key(name: str) -> str:
    key = rules.norm_key(name)
    return key[:-1] if key.endswith("书") else key


def _years_value(value: Any) -> float | None:
    try:
        return None if value is None or value == "" else float(value)
    except (TypeError, ValueError):
        return None


def check_requirements(req: Requirements, fields: Mapping[str, Any]) -> tuple[Check, ...]:
    out: list[Check] = []
    if req.min_degree:
        label = _("Degree")
        have = fields.get("highest_degree") or ""
        need_rank = DEGREE_RANK.get(req.min_degree, 0)
        if not have:
            out.append(Check("degree", label, "unknown", _("Degree not found in the resume (required: {need} or "
                                                           "higher); check the resume and correct the field.").format(
                need=req.min_degree)))
        elif DEGREE_RANK.get(have, 0) >= need_rank:
            out.append(Check("degree", label, "pass", _("{have} meets the minimum {need}").format(
                have=have, need=req.min_degree)))
        else:
            out.append(Check("degree", label, "fail", _("Degree {have} is below the required {need}").format(
                have=have, need=req.min_degree)))
    held = {_licence_key(x) for x in fields.get("licences") or [] if x}
    for lic in req.licences:
        label = _("Licence {name}").format(name=lic)
        key = _licence_key(lic)
        if key in held or (key == _licence_key("规培合格证") and fields.get("guipei")):
            out.append(Check("licence", label, "pass", _("Has {name}").format(name=lic)))
        else:
            out.append(Check("licence", label, "fail", _("No {name} found in the resume (required)").format(name=lic)))
    if req.years:
        label = _("Years of experience")
        have_years = _years_value(fields.get("experience_years"))
        if have_years is None:
            out.append(Check("years", label, "unknown", _("No dated work history found (required: {need} years); "
                                                          "check the resume.").format(need=req.years)))
        elif have_years >= req.years:
            out.append(Check("years", label, "pass", _("{have} years of experience, {need} required").format(
                have=f"{have_years:g}", need=req.years)))
        else:
            out.append(Check("years", label, "fail", _("Only {have} years of experience, {need} required").format(
                have=f"{have_years:g}", need=req.years)))
    if req.guipei:
        label = _("规培")
        done = fields.get("guipei")
        if done is True:
            out.append(Check("guipei", label, "pass", _("规培 completed")))
        elif done is False:
            out.append(Check("guipei", label, "fail", _("The resume says 规培 is not completed (required)")))
        else:
            out.append(Check("guipei", label, "fail", _("No completed 规培 found in the resume (required)")))
    if req.majors:
        label = _("Major")
        majors = [m for m in fields.get("majors") or [] if m]
        if fields.get("major") and fields["major"] not in majors:
            majors.insert(0, fields["major"])
        wanted = [rules.norm_key(m) for m in req.majors]
        if not majors:
            out.append(Check("major", label, "unknown", _("Major not found in the resume (wanted: {majors})").format(
                majors="、".join(req.majors)), hard=False))
        elif any(any(w in rules.norm_key(m) or rules.norm_key(m) in w for w in wanted) for m in majors):
            out.append(Check("major", label, "pass", _("Major {major} matches").format(major="、".join(majors)),
                             hard=False))
        else:
            out.append(Check("major", label, "fail", _("Major {major} is not one of {majors} (review)").format(
                major="、".join(majors), majors="、".join(req.majors)), hard=False))
    return tuple(out)


# --------------------------------------------------------------------------------------------
# BM25


def _keep(token: str) -> bool:
    t = token.strip()
    if not t or t in _STOPWORDS:
        return False
    if _CJK_RE.search(t):
        return len(t) >= 2
    return bool(_WORD_RE.fullmatch(t)) and not t.isdigit()


def doc_tokens(pt: rules.PreparedText) -> list[str]:
    starts = pt.token_starts
    return [pt.norm[a:b].strip() for a, b in zip(starts, starts[1:], strict=False) if _keep(pt.norm[a:b])]


def query_terms(profile: PositionProfile, parsed_rules: Sequence[rules.Rule | None]) -> tuple[str, ...]:
    """The terms a resume is scored on: segmented position text plus the (positive) rule terms."""
    from app.text.tokenize import tokenizer

    req = profile.requirements
    text = "\n".join([profile.title, profile.duties, profile.nice_to_have, " ".join(req.majors),
                      " ".join(req.licences)])
    norm = rules.normalise(text)
    terms = [w.strip() for w, _s, _e in tokenizer().tokenize(norm) if _keep(w)]
    for rule in parsed_rules:
        if rule is None:
            continue
        terms.extend(t.text for t in _positive_terms(rule.root))
    return tuple(dict.fromkeys(t for t in terms if t))


def _positive_terms(node: rules.Node, negated: bool = False) -> Iterable[rules.Term]:
    if isinstance(node, rules.Term):
        if not negated:
            yield node
    elif isinstance(node, rules.Not):
        yield from _positive_terms(node.child, not negated)
    else:
        for child in node.children:
            yield from _positive_terms(child, negated)


@dataclass(frozen=True)
class _Doc:
    key: int
    pt: rules.PreparedText
    length: int
    tf: dict[str, int]


def _term_frequencies(pt: rules.PreparedText, terms: Sequence[str], synonyms: rules.SynonymTable) -> dict[str, int]:
    out: dict[str, int] = {}
    for t in terms:
        n = len(rules.find_term(t, pt, synonyms))
        if n:
            out[t] = n
    return out


# --------------------------------------------------------------------------------------------
# Ranking


def rank(
    profile: PositionProfile,
    resumes: Sequence[ResumeInput],
    synonyms: rules.SynonymTable = rules.EMPTY_SYNONYMS,
    *,
    prepared: Mapping[int, rules.PreparedText] | None = None,
    cancel: Any = None,
) -> list[Ranked]:
    """Every resume ranked against ``profile`` (best first, ``rank`` 1-based)."""
    parsed: list[rules.Rule | None] = []
    rule_errors: list[str] = []
    for r in profile.rules:
        try:
            parsed.append(rules.parse(r.expression))
            rule_errors.append("")
        except rules.RuleSyntaxError as exc:
            parsed.append(None)
            rule_errors.append(exc.message)
    terms = query_terms(profile, parsed)
    docs: list[_Doc] = []
    for res in resumes:
        if cancel is not None:
            cancel.raise_if_cancelled()
        pt = (prepared or {}).get(res.key) or rules.prepare(res.text or "")
        docs.append(_Doc(res.key, pt, max(len(doc_tokens(pt)), 1), _term_frequencies(pt, terms, synonyms)))
    n_docs = len(docs)
    avg_len = sum(d.length for d in docs) / n_docs if n_docs else 1.0
    df = Counter(t for d in docs for t in d.tf)
    idf = {t: math.log(1 + (n_docs - df.get(t, 0) + 0.5) / (df.get(t, 0) + 0.5)) for t in terms}
    scoring_weight = sum(max(1, r.weight) for r in profile.rules if not r.required)
    out: list[Ranked] = []
    for res, doc in zip(resumes, docs, strict=True):
        if cancel is not None:
            cancel.raise_if_cancelled()
        checks = check_requirements(profile.requirements, res.fields)
        results: list[RuleResult] = []
        for r, rule, err in zip(profile.rules, parsed, rule_errors, strict=True):
            if rule is None:
                results.append(RuleResult(r.name, r.expression, r.required, r.weight, False,
                                          _("The rule cannot be read: {error}").format(error=err), (), err))
                continue
            ev = rules.evaluate(rule, doc.pt, synonyms)
            results.append(RuleResult(r.name, r.expression, r.required, r.weight, ev.matched, ev.summary(),
                                      ev.hits + ev.excluded_hits))
        contributions: list[TermScore] = []
        bm25 = 0.0
        norm = K1 * (1 - B + B * doc.length / avg_len)
        for t, f in doc.tf.items():
            s = idf[t] * f * (K1 + 1) / (f + norm)
            bm25 += s
            contributions.append(TermScore(t, s, f))
        contributions.sort(key=lambda c: (-c.score, c.term))
        hard = (sum(1.0 if c.state == "pass" else 0.5 if c.state == "unknown" else 0.0 for c in checks)
                / len(checks)) if checks else 1.0
        keywords: float | None = None
        if scoring_weight:
            keywords = sum(max(1, r.weight) for r in results if not r.required and r.matched) / scoring_weight
        eligible = not any(c.hard and c.state == "fail" for c in checks) and not any(
            r.required and not r.matched for r in results)
        out.append(Ranked(res.key, eligible, 0.0, hard, keywords, 0.0, bm25, checks,
                          tuple(results), tuple(contributions[:TOP_TERMS])))
    best = max((x.bm25 for x in out), default=0.0)
    scored: list[Ranked] = []
    for x in out:
        relevance = x.bm25 / best if best > 0 else 0.0
        if x.keywords is not None:
            score = 100 * (W_HARD * x.hard + W_RULES * x.keywords + W_RELEVANCE * relevance)
        else:
            score = 100 * (W_HARD * x.hard + (W_RULES + W_RELEVANCE) * relevance)
        scored.append(replace(x, relevance=relevance, score=round(score, 2)))
    out = scored
    out.sort(key=lambda x: (not x.eligible, -x.score, x.key))
    return [replace(x, rank=i) for i, x in enumerate(out, 1)]


# --------------------------------------------------------------------------------------------
# Blind screening


def mask_text(text: str, fields: Mapping[str, Any]) -> str:
    """The resume text with name, gender, birth date/age and contact details blacked out (same length,
    so highlight spans stay valid)."""
    spans: list[tuple[int, int]] = []
    name = fields.get("name") or ""
    if name and len(name) >= 2:
        for m in re.finditer(re.escape(name), text):
            spans.append(m.span())
    patterns = (
        r"(?<!\d)(?:\+?86[\s-]?)?1[3-9]\d[\s-]?\d{4}[\s-]?\d{4}(?!\d)",
        r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}",
        r"(?<=性别)\s*[:：]?\s*[男女]",
        r"(?<=性\s别)\s*[:：]?\s*[男女]",
        r"(?:出生(?:年月|日期|年份)?|生日)\s*[:：]?\s*(?:19|20)\d{2}[^\s，,|｜]{0,9}",
        r"(?:19|20)\d{2}\s*年\s*\d{1,2}\s*月\s*(?:\d{1,2}\s*日\s*)?(?:出生|生人)",
        r"年\s*龄\s*[:：]?\s*\d{2}\s*岁?",
        r"(?<![\d])\d{2}\s*岁",
        r"(?:^|(?<=[\s,，|｜/、(（]))[男女](?=[\s,，|｜/、)）]|$)",
        r"(?:先生|女士)",
        r"(?:微信|QQ|qq)\s*[:：]?\s*[A-Za-z0-9_-]{5,}",
        r"\d{17}[\dXx]",
    )
    for p in patterns:
        for m in re.finditer(p, text, re.M):
            spans.append(m.span())
    if not spans:
        return text
    chars = list(text)
    for a, b in spans:
        for i in range(a, b):
            if not chars[i].isspace():
                chars[i] = "■"
    return "".join(chars)

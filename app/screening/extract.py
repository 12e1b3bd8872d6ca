"""Structured fields from the text of a Chinese resume of a hospital candidate.

Rules and vocabularies do what they do best (phone, e-mail, dates, the fixed 职称 ladders and licence
names); section structure decides what a dated entry is; the CRF (:mod:`app.screening.ner`) is the
fallback for names and organisations that the rules do not find.

Everything here is a pure function of the text (and a reference date for ages and "至今").
"""

from __future__ import annotations

import json
import logging
import re
import threading
from dataclasses import asdict, dataclass, field
from datetime import date
from functools import lru_cache

from app import paths

log = logging.getLogger(__name__)

# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Education:
    degree: str | None
    school: str | None
    major: str | None
    start: str | None  # "YYYY-MM" or "YYYY"
    end: str | None


@dataclass(frozen=True)
class Work:
    organisation: str | None
    department: str | None
    position: str | None
    start: str | None
    end: str | None  # None while current ("至今")
    current: bool = False


@dataclass(frozen=True)
class Licence:
    name: str
    scope: str | None = None  # 执业范围 for 医师执业证书, equipment for 大型设备上岗证


@dataclass(frozen=True)
class Residency:
    """住院医师规范化培训 (规培)."""

    done: bool
    base: str | None = None
    years: int | None = None


@dataclass(frozen=True)
class ResumeFields:
    name: str | None = None
    gender: str | None = None
    birth_year: int | None = None
    age: int | None = None
    phone: str | None = None
    email: str | None = None
    highest_degree: str | None = None
    education: tuple[Education, ...] = ()
    titles: tuple[str, ...] = ()  # normalised 职称 found, lowest to highest
    current_title: str | None = None
    title_ladder: str | None = None  # doctor / nurse / pharmacist / technician / engineer
    licences: tuple[Licence, ...] = ()
    residency: Residency | None = None
    work: tuple[Work, ...] = ()
    experience_years: float | None = None
    clinical_skills: tuple[str, ...] = ()
    technical_skills: tuple[str, ...] = ()
    publications: tuple[str, ...] = ()
    projects: tuple[str, ...] = ()
    warnings: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


# --------------------------------------------------------------------------- vocabularies

DEGREE_RANK = {"中专": 1, "大专": 2, "本科": 3, "硕士": 4, "博士": 5}
_DEGREE_PATTERNS: tuple[tuple[str, str], ...] = (
    ("博士研究生", "博士"), ("博士后", "博士"), ("博士", "博士"),
    ("硕士研究生", "硕士"), ("硕士", "硕士"), ("研究生", "硕士"),
    ("本科", "本科"), ("学士", "本科"),
    ("大专", "大专"), ("专科", "大专"), ("高职", "大专"),
    ("中专", "中专"),
)
_DEGREE_RE = re.compile("|".join(p for p, _n in _DEGREE_PATTERNS))

TITLE_LADDERS: dict[str, tuple[str, ...]] = {
    "doctor": ("住院医师", "主治医师", "副主任医师", "主任医师"),
    "nurse": ("护士", "护师", "主管护师", "副主任护师", "主任护师"),
    "pharmacist": ("药士", "药师", "主管药师", "副主任药师", "主任药师"),
    "technician": ("技士", "技师", "主管技师", "副主任技师", "主任技师"),
    "engineer": ("助理工程师", "工程师", "高级工程师", "正高级工程师"),
}
_TITLE_ALIASES = {"主治医生": "主治医师", "住院医生": "住院医师", "主任医生": "主任医师", "副主任医生": "副主任医师"}
_TITLE_TO_LADDER = {t: (ladder, rank) for ladder, ts in TITLE_LADDERS.items() for rank, t in enumerate(ts)}
# longest first; a title word followed by these is a licence or training, not a 职称
_TITLE_RE = re.compile(
    r"(?<![执职])(" + "|".join(sorted([*_TITLE_TO_LADDER, *_TITLE_ALIASES], key=len, reverse=True)) + r")"
    r"(?!规范化|规培|资格|执业|职业|注册|证|考试|培训|助理|学院|长)"
)

LICENCES: tuple[tuple[str, str], ...] = (
    # (regex, normalised name)
    (r"医师资格证书?|执业医师资格证?书?", "医师资格证书"),
    (r"医师执业证书?|医师执业注册", "医师执业证书"),
    (r"护士执业证书?|护士执业资格证?书?|护士执业注册|护士资格证书?", "护士执业证书"),
    (r"执业药师(?:资格|注册)?证?书?|药师资格证书?|药[士师]资格", "药师资格证书"),
    (r"技师资格证书?|技士资格证?书?|(?:检验|影像|康复)技[士师]资格证?书?", "技师资格证书"),
    (r"规培合格证书?|住院医师规范化培训合格证书?|规范化培训合格证书?", "规培合格证书"),
    (r"大型(?:医用)?设备(?:使用)?上岗证书?", "大型设备上岗证"),
    (r"放射工作人员证", "放射工作人员证"),
)
_LICENCE_RES = tuple((re.compile(p), n) for p, n in LICENCES)

SECTION_KEYS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("education", ("教育背景", "教育经历", "学习经历", "教育情况", "学历教育", "教育背景及经历", "学历")),
    ("residency", ("规培经历", "规范化培训经历", "住院医师规范化培训", "规培情况")),
    ("work", ("工作经历", "工作经验", "从业经历", "执业经历", "工作履历", "实习经历", "任职经历", "工作经历及业绩", "工作情况")),
    ("licence", ("证书", "资质", "执业资格", "职称与证书", "资格证书", "资质证书", "证书资质", "执业证书", "职业资格", "资格与证书", "职称及证书")),
    ("skills", ("专业技能", "技能特长", "个人技能", "技能", "专业特长", "专业技能与特长", "技能证书")),
    ("research", ("科研", "论文", "学术成果", "发表论文", "论文发表", "科研成果", "项目经历", "科研项目", "论文与科研项目", "科研情况", "科研与论文")),
    ("self", ("自我评价", "个人评价", "求职意向", "个人总结", "其他")),
    ("basic", ("基本信息", "个人信息", "基本资料", "个人资料")),
)

_DATE = r"((?:19|20)\d{2})\s*(?:[.\-/年]\s*(\d{1,2})(?!\d)\s*月?)?(?:\s*\d{1,2}\s*日)?"
_RANGE_RE = re.compile(_DATE + r"\s*(?:-{1,2}|–|—{1,2}|~|～|至|到|－|—)\s*(?:" + _DATE + r"|(至今|今|现在|目前))")
_PHONE_RE = re.compile(r"(?<![\d])(?:\+?86[\s-]?)?(1[3-9]\d)[\s-]?(\d{4})[\s-]?(\d{4})(?!\d)")
_EMAIL_RE = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_HAN = r"\u4e00-\u9fff"
_SEP_RE = re.compile(r"[\s|｜,，;；:：、/()（）\[\]【】。]+")
_SCHOOL_SUFFIX_RE = re.compile(r"(大学|学院|学校|医学部|医学中心)")
_ORG_SUFFIX_RE = re.compile(
    r"(医院|保健院|卫生院|卫生服务中心|疾病预防控制中心|急救中心|血液中心|医学中心|有限公司|公司|研究院|研究所|实验室|集团|大学|学院|委员会|卫生健康委员会|卫健委|局)"
)
_DEPT_RE = re.compile(r"^([" + _HAN + r"A-Za-z]{1,10}?(?:科|部|中心|室|病区|处|组|所))(?=[" + _HAN + r"A-Za-z]|$)")
_LEAD_VERBS = ("就读于", "毕业于", "就职于", "任职于", "工作于", "受聘于", "入职", "进入", "考入", "就读", "毕业", "于", "在", "任", "担任")


def _skills_vocab() -> dict[str, str]:
    return _load_skills()


@lru_cache(maxsize=1)
def _load_skills() -> dict[str, str]:
    """term -> 'clinical' | 'technical' from the shared vocabulary tags and our own list."""
    from app.text.lexicon import professional_terms

    out: dict[str, str] = {}
    for term, tag in professional_terms().items():
        if tag in ("clin", "nurse"):
            out[term] = "clinical"
        elif tag == "tech":
            out[term] = "technical"
    data = json.loads(paths.resource("screening", "skills.json").read_text(encoding="utf-8"))
    for term in data.get("clinical", []):
        out[term] = "clinical"
    for term in data.get("technical", []):
        out[term] = "technical"
    # names of licences, titles and training are not skills
    for t in ("住院医师规范化培训", "规培", "医师资格证书", "医师执业证书", "护士执业证书", "执业范围", "执业地点", "大型设备上岗证"):
        out.pop(t, None)
    for t in _TITLE_TO_LADDER:
        out.pop(t, None)
    return out


@lru_cache(maxsize=1)
def _skills_re() -> re.Pattern[str]:
    terms = sorted(_load_skills(), key=len, reverse=True)
    parts = []
    for t in terms:
        esc = re.escape(t)
        if t.isascii():
            esc = r"(?<![A-Za-z])" + esc + r"(?![A-Za-z+#])"
        parts.append(esc)
    return re.compile("|".join(parts))


# --------------------------------------------------------------------------- helpers


def _ym(year: str | None, month: str | None) -> str | None:
    if not year:
        return None
    if month and 1 <= int(month) <= 12:
        return f"{int(year):04d}-{int(month):02d}"
    return f"{int(year):04d}"


def _months(value: str, end_default_month: int) -> int:
    y, _sep, m = value.partition("-")
    return int(y) * 12 + (int(m) if m else end_default_month) - 1


@dataclass(frozen=True)
class _Dated:
    start: str | None
    end: str | None
    current: bool
    body: str  # the text of the entry without the date range
    section: str | None


def _section_of(line: str) -> str | None:
    s = re.sub(r"[\s#*=\-—_:：【】\[\]<>《》|｜·•●■◆▶►]+", "", line)
    if not s or len(s) > 12:
        return None
    for key, words in SECTION_KEYS:
        if s in words:
            return key
    return None


def _split_sections(text: str) -> list[tuple[str | None, str]]:
    out: list[tuple[str | None, list[str]]] = [(None, [])]
    for line in text.split("\n"):
        key = _section_of(line)
        if key is not None:
            out.append((key, []))
        else:
            out[-1][1].append(line)
    return [(k, "\n".join(lines)) for k, lines in out if "".join(lines).strip()]


def _dated_entries(text: str) -> list[_Dated]:
    entries: list[_Dated] = []
    for section, body in _split_sections(text):
        matches = list(_RANGE_RE.finditer(body))
        for i, m in enumerate(matches):
            # the entry runs until the next date range (or the end of the section); text before the
            # first date on the same line belongs to it too (e.g. "医院名称  2018.07-至今")
            line_start = body.rfind("\n", 0, m.start()) + 1
            prev_end = matches[i - 1].end() if i else 0
            pre = body[max(line_start, prev_end) : m.start()]
            if i and body.rfind("\n", prev_end, m.start()) < 0:
                pre = ""
            end = matches[i + 1].start() if i + 1 < len(matches) else len(body)
            nxt_line_start = body.rfind("\n", m.end(), end) + 1 if i + 1 < len(matches) else end
            if i + 1 < len(matches) and nxt_line_start > m.end():
                # text on the next entry's line before its date belongs to the next entry
                end = nxt_line_start
            current = bool(m.group(5))
            entries.append(
                _Dated(
                    start=_ym(m.group(1), m.group(2)),
                    end=None if current else _ym(m.group(3), m.group(4)),
                    current=current,
                    body=(pre + " " + body[m.end() : end]).strip(),
                    section=section,
                )
            )
    return entries


def _entry_head(body: str) -> str:
    """The entry's own line plus following short lines (table cells that a PDF puts one per line)."""
    lines = body.split("\n")
    head = [lines[0]]
    for ln in lines[1:]:
        ln = ln.strip()
        if not ln or len(ln) > 16 or re.search(r"[。，,；;:：]", ln):
            break
        head.append(ln)
    return " ".join(head)


def _strip_lead(token: str) -> str:
    changed = True
    while changed:
        changed = False
        for v in _LEAD_VERBS:
            if token.startswith(v) and len(token) > len(v) + 1:
                token = token[len(v) :]
                changed = True
    return token


def _tokens(body: str) -> list[str]:
    return [t for t in _SEP_RE.split(body) if t]


def _degree(body: str) -> str | None:
    best = None
    for m in _DEGREE_RE.finditer(body):
        norm = dict(_DEGREE_PATTERNS)[m.group(0)]
        if best is None or DEGREE_RANK[norm] > DEGREE_RANK[best]:
            best = norm
    return best


def _parse_education(entry: _Dated) -> Education:
    body = _entry_head(entry.body) if entry.section != "education" else entry.body
    body = re.sub(r"(学历|学位)[:：]", " ", body)
    degree = _degree(body)
    school = None
    major = None
    rest: list[str] = []
    for tok in _tokens(body):
        tok = _strip_lead(tok)
        if school is None and _SCHOOL_SUFFIX_RE.search(tok):
            last = None
            for m in _SCHOOL_SUFFIX_RE.finditer(tok):
                last = m
            assert last is not None
            school = tok[: last.end()]
            tail = tok[last.end() :]
            if tail:
                rest.append(tail)
        else:
            rest.append(tok)
    m_major = re.search(r"专业[:：]?\s*([" + _HAN + r"A-Za-z与和及]{2,16})", body)
    if m_major and not m_major.group(1).startswith(("学位", "学历")):
        major = m_major.group(1)
    else:
        for tok in rest:
            tok = _strip_lead(tok)
            tok = re.sub(r"专业$", "", tok)
            tok = _DEGREE_RE.sub("", tok)
            tok = re.sub(r"(毕业|学位|学历|在读|全日制|统招|方向|就读|学习|攻读|获|取得|研究方向.*)$", "", tok)
            if 2 <= len(tok) <= 16 and re.fullmatch(r"[" + _HAN + r"A-Za-z与和及（）()]+", tok):
                major = tok
                break
    return Education(degree=degree, school=school, major=major, start=entry.start, end=entry.end)


def _parse_work(entry: _Dated) -> Work:
    first = _entry_head(entry.body)
    org = None
    dept = None
    position = None
    rest: list[str] = []
    for tok in _tokens(first):
        tok = _strip_lead(tok)
        if org is None and _ORG_SUFFIX_RE.search(tok):
            last = None
            for m in _ORG_SUFFIX_RE.finditer(tok):
                last = m
            assert last is not None
            org = tok[: last.end()]
            tail = tok[last.end() :]
            if tail:
                rest.append(tail)
        else:
            rest.append(tok)
    if org is None:
        org = _crf_org(first)
        if org:
            rest = [r.replace(org, "") for r in rest if r.replace(org, "")]
    rest = [_strip_lead(r) for r in rest]
    rest = [re.sub(r"^(职务|岗位|科室|部门)", "", r) for r in rest]
    rest = [r for r in rest if r and r not in ("工作", "从事", "任职")]
    if rest:
        m = _DEPT_RE.match(rest[0])
        if m and not _TITLE_RE.fullmatch(rest[0]):
            dept = m.group(1)
            tail = rest[0][m.end() :]
            rest = ([tail] if tail else []) + rest[1:]
    for r in rest:
        r = re.sub(r"(工作|至今)$", "", _strip_lead(r))
        if 2 <= len(r) <= 12 and re.fullmatch(r"[" + _HAN + r"A-Za-z]+", r):
            position = r
            break
    return Work(organisation=org, department=dept, position=position, start=entry.start, end=entry.end, current=entry.current)


def _education_key_values(text: str) -> Education | None:
    """'毕业院校：X  专业：Y  学历：Z' without dates."""
    school = re.search(r"(?:毕业院校|毕业学校|院校|学校)\s*[:：]\s*([" + _HAN + r"]{2,24})", text)
    major = re.search(r"(?<!执业)专业\s*[:：]\s*([" + _HAN + r"A-Za-z与和及]{2,16})", text)
    degree = re.search(r"(?:最高)?(?:学历|学位)\s*[:：]\s*([" + _HAN + r"/]{2,8})", text)
    if not school:
        return None
    return Education(
        degree=_degree(degree.group(1)) if degree else None,
        school=school.group(1),
        major=major.group(1) if major else None,
        start=None,
        end=None,
    )


def _crf_org(text: str) -> str | None:
    tagger = _tagger()
    if tagger is None:
        return None
    for e in tagger.entities(text):
        if e.type == "ORG":
            return e.text
    return None


_tagger_lock = threading.Lock()
_tagger_failed = False


def _tagger():  # type: ignore[no-untyped-def]
    global _tagger_failed
    if _tagger_failed:
        return None
    from app.errors import AppError
    from app.screening import ner

    with _tagger_lock:
        try:
            return ner.load()
        except AppError:
            log.warning("entity model missing; extraction continues with rules only")
            _tagger_failed = True
            return None


def _is_residency(body: str) -> bool:
    return bool(re.search(r"规培|规范化培训", body))


def _is_education(entry: _Dated) -> bool:
    if entry.section == "education":
        return True
    if entry.section in ("work", "residency", "research"):
        return False
    body = _entry_head(entry.body)
    if re.search(r"就读|攻读|毕业|入学|学习|" + _DEGREE_RE.pattern, body) and _SCHOOL_SUFFIX_RE.search(body):
        return not re.search(r"医院|公司|任职|工作", body) or bool(re.search(r"就读|攻读|学位|学历", body))
    return False


# --------------------------------------------------------------------------- fields


def _name(text: str) -> str | None:
    m = re.search(r"姓\s*名\s*[:：]?\s*([" + _HAN + r"·]{2,5})", text)
    if m:
        return m.group(1)
    lines = [ln.strip() for ln in text.split("\n") if ln.strip()]
    for ln in lines[:3]:
        m2 = re.match(r"^([" + _HAN + r"]{2,4}?)(?:的)?(?:个人)?简历$", ln)
        if m2 and not re.search(r"个人|求职|应聘", m2.group(1)):
            return m2.group(1)
        toks = _tokens(ln)
        first = toks[0] if toks else ""
        if (
            re.fullmatch(r"[" + _HAN + r"]{2,4}", first)
            and ln.startswith(first)
            and not re.search(r"简历|求职|个人|信息|资料|应聘", first)
            and not _section_of(ln)
        ):
            return first
    tagger = _tagger()
    if tagger is not None:
        head = "\n".join(lines[:4])
        for ln in head.split("\n"):
            for e in tagger.entities(ln):
                if e.type == "NAME":
                    return e.text
    return None


def _gender(text: str, name: str | None) -> str | None:
    m = re.search(r"性\s*别\s*[:：]?\s*(男|女)", text)
    if m:
        return m.group(1)
    m = re.search(r"(?:^|[\s,，|｜/、(（])(男|女)(?:[\s,，|｜/、)）]|$)", text[:400], re.M)
    if m:
        return m.group(1)
    if name:
        m = re.search(re.escape(name) + r"\s*(先生|女士)", text)
        if m:
            return "男" if m.group(1) == "先生" else "女"
    return None


def _birth_year(text: str) -> int | None:
    for pat in (
        r"出生(?:年月|日期|年份)?\s*[:：]?\s*((?:19|20)\d{2})",
        r"((?:19|20)\d{2})\s*(?:[年.\-/]\s*\d{1,2}\s*月?\s*)?(?:[.\-/]?\s*\d{1,2}\s*日?\s*)?(?:出生|生人)",
        r"生\s*日\s*[:：]?\s*((?:19|20)\d{2})",
    ):
        m = re.search(pat, text)
        if m:
            return int(m.group(1))
    return None


def _age(text: str) -> int | None:
    m = re.search(r"年\s*龄\s*[:：]?\s*(\d{2})\s*岁?|(?:^|[\s,，|｜])(\d{2})\s*岁", text, re.M)
    if m:
        return int(m.group(1) or m.group(2))
    return None


def _titles(text: str) -> tuple[tuple[str, ...], str | None, str | None]:
    found: dict[str, tuple[str, int]] = {}
    explicit: str | None = None
    m = re.search(r"(?:职\s*称|专业技术职务|技术职称)\s*[:：]?\s*([" + _HAN + r"]{2,6})", text)
    if m:
        t = _TITLE_RE.match(m.group(1))
        if t:
            explicit = _TITLE_ALIASES.get(t.group(1), t.group(1))
    for t in _TITLE_RE.finditer(text):
        title = _TITLE_ALIASES.get(t.group(1), t.group(1))
        if title in ("工程师", "技师", "药师", "护师", "技士", "药士") and t.start() > 0:
            prev = text[t.start() - 1]
            if "\u4e00" <= prev <= "\u9fff" and prev not in "级理管任":
                continue  # 算法工程师, 放射技师, 临床药师: a job, not a 职称
        # "护士" also names the job itself ("护士长" is excluded by the regex); keep it
        found[title] = _TITLE_TO_LADDER[title]
    if explicit:
        found[explicit] = _TITLE_TO_LADDER[explicit]
    if not found:
        return (), None, None
    ladder_counts: dict[str, int] = {}
    for ladder, _rank in found.values():
        ladder_counts[ladder] = ladder_counts.get(ladder, 0) + 1
    ladder = _TITLE_TO_LADDER[explicit][0] if explicit else max(ladder_counts, key=lambda k: (ladder_counts[k], k != "engineer"))
    ordered = tuple(sorted(found, key=lambda t: (found[t][0] != ladder, found[t][0], found[t][1])))
    in_ladder = [t for t in found if found[t][0] == ladder]
    current = max(in_ladder, key=lambda t: found[t][1])
    return ordered, current, ladder


def _licences(text: str) -> tuple[Licence, ...]:
    out: dict[str, Licence] = {}
    for rx, name in _LICENCE_RES:
        for m in rx.finditer(text):
            line_start = text.rfind("\n", 0, m.start()) + 1
            before = text[max(line_start, m.start() - 6) : m.start()]
            if re.search(r"(无|未取得|未获得|暂无|正在考取|备考)", before):
                continue
            scope = None
            if name == "医师执业证书":
                s = re.search(r"执业范围\s*[:：为]?\s*([" + _HAN + r"]{2,12}?专业|[" + _HAN + r"]{2,8})", text)
                if s:
                    scope = s.group(1)
            elif name == "大型设备上岗证":
                s = re.search(r"(CT|MRI|MR|DSA|PET-CT|PET/CT|LA|直线加速器|X线)", text[max(0, m.start() - 12) : m.end() + 16])
                if s:
                    scope = s.group(1)
            if name not in out or (scope and not out[name].scope):
                out[name] = Licence(name, scope)
    return tuple(out[n] for _rx, n in _LICENCE_RES if n in out)


def _residency(text: str, entries: list[_Dated]) -> Residency | None:
    if not re.search(r"规培|规范化培训", text):
        return None
    if re.search(r"(未参加|未完成|无|尚未|没有)(住院医师)?(规培|规范化培训)", text):
        return Residency(done=False)
    base = None
    years = None
    for e in entries:
        if _is_residency(e.body) or e.section == "residency":
            m = re.search(r"([" + _HAN + r"]{2,24}?(?:医院|医学中心))", _strip_lead(_tokens(e.body)[0]) if _tokens(e.body) else "")
            if not m:
                m = re.search(r"([" + _HAN + r"]{2,24}?(?:医院|医学中心))", e.body)
            if m:
                base = _strip_lead(m.group(1))
            if e.start and e.end:
                months = _months(e.end, 12) - _months(e.start, 1) + 1
                years = max(1, round(months / 12))
            break
    if base is None:
        m = re.search(r"(?:规培基地|培训基地|基地)\s*[:：为]?\s*([" + _HAN + r"]{2,24}?(?:医院|医学中心))", text)
        if m:
            base = m.group(1)
    if years is None:
        m = re.search(r"(?:规培|规范化培训)[^\n。]{0,20}?([1-3一二三])\s*年", text)
        if m:
            years = {"一": 1, "二": 2, "三": 3}.get(m.group(1)) or int(m.group(1))
    return Residency(done=True, base=base, years=years)


def _experience_years(work: tuple[Work, ...], today: date) -> float | None:
    spans: list[tuple[int, int]] = []
    now = today.year * 12 + today.month - 1
    for w in work:
        if not w.start:
            continue
        s = _months(w.start, 1)
        e = now if w.current or not w.end else _months(w.end, 12) + 1
        if e >= s:
            spans.append((s, min(e, now)))
    if not spans:
        return None
    spans.sort()
    total = 0
    cur_s, cur_e = spans[0]
    for s, e in spans[1:]:
        if s <= cur_e:
            cur_e = max(cur_e, e)
        else:
            total += cur_e - cur_s
            cur_s, cur_e = s, e
    total += cur_e - cur_s
    return round(total / 12, 1)


def _skills(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Skills from the skills section when there is one (terms elsewhere are topics, not skills)."""
    sections = [body for key, body in _split_sections(text) if key == "skills"]
    if sections:
        text = "\n".join(sections)
    vocab = _load_skills()
    clinical: list[str] = []
    technical: list[str] = []
    for m in _skills_re().finditer(text):
        term = m.group(0)
        target = clinical if vocab[term] == "clinical" else technical
        if term not in target:
            target.append(term)
    return tuple(clinical), tuple(technical)


_PUB_RE = re.compile(r"\[J\]|\[C\]|《[^》]{4,}》|SCI|中华[" + _HAN + r"]{2,10}杂志|期刊|发表")
_PROJECT_RE = re.compile(r"项目|课题|基金|专利")


def _research(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    pubs: list[str] = []
    projects: list[str] = []
    for section, body in _split_sections(text):
        if section != "research":
            continue
        items: list[str] = []
        for line in body.split("\n"):
            if not line.strip():
                continue
            new_item = re.match(r"^\s*(?:\d+[.、)]|[-•●·*]|参与|主持|负责|承担)", line)
            if new_item or not items:
                items.append(re.sub(r"^\s*(?:\d+[.、)]|[-•●·*])\s*", "", line).strip())
            else:
                items[-1] += line.strip()
        for item in items:
            if len(item) < 6:
                continue
            if _PUB_RE.search(item):
                pubs.append(item)
            elif _PROJECT_RE.search(item):
                projects.append(item)
    return tuple(pubs), tuple(projects)


def extract_fields(text: str, today: date | None = None) -> ResumeFields:
    """Fields of one resume's text. ``today`` fixes age and "至今" (default: the current date)."""
    today = today or date.today()
    text = text.replace("\r\n", "\n").replace("\u3000", " ")
    warnings: list[str] = []
    name = _name(text)
    gender = _gender(text, name)
    birth_year = _birth_year(text)
    age = _age(text)
    if birth_year and not age:
        age = today.year - birth_year
    if age and not birth_year:
        birth_year = today.year - age
    phone_m = _PHONE_RE.search(text)
    phone = "".join(phone_m.groups()) if phone_m else None
    email_m = _EMAIL_RE.search(text)
    email = email_m.group(0) if email_m else None

    entries = _dated_entries(text)
    education: list[Education] = []
    work: list[Work] = []
    for e in entries:
        if e.section in ("research", "licence", "skills", "self"):
            continue
        if _is_residency(e.body) and e.section != "education":
            continue
        if _is_education(e):
            education.append(_parse_education(e))
        elif e.section in ("work", None, "basic"):
            w = _parse_work(e)
            if w.organisation or w.position:
                work.append(w)
    if not education:
        kv = _education_key_values(text)
        if kv is not None:
            education.append(kv)
    degrees = [ed.degree for ed in education if ed.degree]
    degree_in_text = _degree(text) if not degrees else None
    highest = max(degrees, key=lambda d: DEGREE_RANK[d]) if degrees else degree_in_text
    titles, current_title, ladder = _titles(text)
    clinical, technical = _skills(text)
    pubs, projects = _research(text)
    if name is None:
        warnings.append("name_not_found")
    if phone is None and email is None:
        warnings.append("no_contact")
    return ResumeFields(
        name=name,
        gender=gender,
        birth_year=birth_year,
        age=age,
        phone=phone,
        email=email,
        highest_degree=highest,
        education=tuple(education),
        titles=titles,
        current_title=current_title,
        title_ladder=ladder,
        licences=_licences(text),
        residency=_residency(text, entries),
        work=tuple(work),
        experience_years=_experience_years(tuple(work), today),
        clinical_skills=clinical,
        technical_skills=technical,
        publications=pubs,
        projects=projects,
        warnings=tuple(warnings),
    )

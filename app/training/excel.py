"""Excel export and row-validated import of the course catalogue (courses and their modules).

Same approach as ``app.positions.excel``: headers in the UI language (Chinese or English both
import), dropdowns, an instructions sheet, a hidden ``_meta`` sheet naming the file kind, user text
never written as a formula. Import validates every row and returns the good records and every
problem; it writes nothing (the service stores them).
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook

from app.errors import InvalidInput
from app.i18n import N_, _
from app.positions.excel import (
    META_SHEET,
    Col,
    ImportResult,
    Problem,
    bind_sheet,
    data_rows,
    find_sheet,
    write_header,
    write_instructions,
    write_meta,
    open_workbook,
    RowReader,
    save_workbook,
    write_rows,
)
from app.training.progress import CME_CLASS_LABELS, parse_cme_class
from app.training.recommend import CatalogueCourse, topological_order

log = logging.getLogger(__name__)

KIND_COURSES = "hrdesk-courses"
FORMATS = ("course", "project", "scenario", "cme")
FORMAT_LABELS = {"course": "课程", "project": "实践项目", "scenario": "情景演练", "cme": "继续医学教育"}
LEVELS = ("basic", "intermediate", "advanced")
LEVEL_LABELS = {"basic": "初级", "intermediate": "中级", "advanced": "高级"}
_FORMAT_BY_TEXT = {**{v: k for k, v in FORMAT_LABELS.items()}, **{k: k for k in FORMATS}}
_LEVEL_BY_TEXT = {**{v: k for k, v in LEVEL_LABELS.items()}, **{k: k for k in LEVELS}}

CME_CLASS_CHOICES = ("Ⅰ类", "Ⅱ类")
SHEET_COURSES = N_("Courses")
SHEET_MODULES = N_("Modules")

COURSE_COLS: tuple[Col, ...] = (
    Col("code", N_("Course code"), required=True, width=12),
    Col("title", N_("Course title"), required=True, width=24),
    Col("format", N_("Format"), required=True, width=14, choices=tuple(FORMAT_LABELS.values())),
    Col("level", N_("Level"), width=10, choices=tuple(LEVEL_LABELS.values())),
    Col("dimensions", N_("Competency dimensions"), kind="list", required=True, width=24),
    Col("hours", N_("Hours"), kind="float", width=8),
    Col("credits", N_("CME credits"), kind="float", width=10),
    Col("cme_class", N_("CME class"), width=10, choices=CME_CLASS_CHOICES),
    Col("prerequisites", N_("Prerequisites (course codes)"), kind="list", width=20),
    Col("description", N_("Description"), width=50),
)
_PREREQ_HEADER = next(c.header for c in COURSE_COLS if c.key == "prerequisites")
MODULE_COLS: tuple[Col, ...] = (
    Col("code", N_("Course code"), required=True, width=12),
    Col("order", N_("Order"), kind="int", required=True, width=8),
    Col("title", N_("Module title"), required=True, width=30),
    Col("hours", N_("Hours"), kind="float", width=8),
)


@dataclass(frozen=True)
class ModuleRecord:
    order: int
    title: str
    hours: float = 0.0


@dataclass(frozen=True)
class CourseRecord:
    code: str
    title: str
    format: str
    level: str
    dimensions: tuple[str, ...]
    hours: float = 0.0
    credits: float = 0.0
    prerequisites: tuple[str, ...] = ()
    description: str = ""
    modules: tuple[ModuleRecord, ...] = ()
    cme_class: str | None = ""  # "I" / "II" / ""; None: the file has no class column (keep the catalogue's)


def write_courses(path: Path, courses: Sequence[CourseRecord]) -> Path:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = _(SHEET_COURSES)
    write_header(ws, COURSE_COLS)
    write_rows(ws, COURSE_COLS, [
        {"code": c.code, "title": c.title, "format": FORMAT_LABELS.get(c.format, c.format),
         "level": LEVEL_LABELS.get(c.level, c.level), "dimensions": c.dimensions, "hours": c.hours,
         "credits": c.credits, "cme_class": CME_CLASS_LABELS.get(c.cme_class, c.cme_class),
         "prerequisites": c.prerequisites, "description": c.description}
        for c in courses
    ])
    wm = wb.create_sheet(_(SHEET_MODULES))
    write_header(wm, MODULE_COLS)
    write_rows(wm, MODULE_COLS, [
        {"code": c.code, "order": m.order, "title": m.title, "hours": m.hours} for c in courses for m in c.modules
    ])
    write_instructions(wb, [
        _("Course catalogue"),
        _("One row per course on the sheet “{sheet}”; required columns have a yellow header.").format(sheet=_(SHEET_COURSES)),
        _("Format: 课程, 实践项目, 情景演练 or 继续医学教育. Several dimensions or prerequisites are separated by 、 or commas."),
        _("CME class: Ⅰ类 (national or provincial CME projects) or Ⅱ类 (in-hospital lectures, skills refreshers, "
          "self-study); a course with CME credits needs one, a course without credits leaves it blank."),
        _("Prerequisites name course codes of this file or of the catalogue already in the program; they must not form a cycle."),
        _("Modules: one row per module on the sheet “{sheet}”, numbered 1, 2, 3 … within a course.").format(sheet=_(SHEET_MODULES)),
        _("Importing updates courses with the same code and adds new ones; courses not in the file are kept."),
    ])
    write_meta(wb, KIND_COURSES)
    return save_workbook(wb, path)


def read_courses(path: Path, *, known_codes: Collection[str] = (),
                 known_prerequisites: dict[str, Sequence[str]] | None = None) -> ImportResult[CourseRecord]:
    """Every row validated. ``known_codes``/``known_prerequisites``: the catalogue in the database,
    so prerequisites may point at it and a cycle through it is found."""
    path = Path(path)
    wb = open_workbook(path)
    if META_SHEET in wb.sheetnames:
        kind = wb[META_SHEET]["B1"].value
        if kind and kind != KIND_COURSES:
            raise InvalidInput(_("{name} is not a course catalogue workbook (it holds {kind}). Export the catalogue "
                                 "from the Training tab to get the right template.").format(name=path.name, kind=kind))
    ws = find_sheet(wb, SHEET_COURSES)
    if ws is None:
        raise InvalidInput(_("{name} has no sheet “{sheet}”. Export the catalogue from the Training tab to get the "
                             "right template.").format(name=path.name, sheet=_(SHEET_COURSES)))
    sheet = bind_sheet(ws, COURSE_COLS, path.name)
    drafts: dict[str, tuple[int, CourseRecord, bool]] = {}
    problems: list[Problem] = list(sheet.problems)
    warnings: list[Problem] = list(sheet.warnings)
    total = 0
    has_class = "cme_class" in sheet.index
    if not has_class:  # a catalogue exported before the column existed: import it, keep the classes already set
        warnings.append(Problem(sheet.title, 0, _("CME class"), "",
                                _("The file has no CME class column: courses already in the catalogue keep their "
                                  "class, new courses with credits get none. Set Ⅰ类/Ⅱ类 in the catalogue "
                                  "afterwards, or export the catalogue again to get the column.")))
    for row_no, cells in data_rows(sheet):
        total += 1
        r = RowReader(sheet, COURSE_COLS, row_no, cells)
        code = r.text("code")
        title = r.text("title")
        fmt_text = r.text("format")
        fmt = _FORMAT_BY_TEXT.get(fmt_text)
        if fmt_text and fmt is None:
            r.problem("format", fmt_text, _("Choose 课程, 实践项目, 情景演练 or 继续医学教育."))
        level_text = r.text("level")
        level = _LEVEL_BY_TEXT.get(level_text or "basic")
        if level is None:
            r.problem("level", level_text, _("Choose 初级, 中级 or 高级."))
        dims = r.items("dimensions")
        hours = r.number("hours", 0.0, 1000.0, 0.0)
        credits = r.number("credits", 0.0, 100.0, 0.0)
        prereq = r.items("prerequisites")
        if code and code in prereq:
            r.problem("prerequisites", "、".join(prereq), _("A course cannot be its own prerequisite."))
        if code in drafts:
            r.problem("code", code, _("The course code appears twice in the file (first in row {row}).").format(
                row=drafts[code][0]))
        cme_class = parse_cme_class(r.text("cme_class")) if has_class else ""
        if cme_class is None:
            r.problem("cme_class", r.text("cme_class"), _("Choose Ⅰ类 or Ⅱ类, or leave it blank for a course without CME credits."))
        elif credits > 0 and not cme_class and has_class:
            r.problem("cme_class", "", _("A course with CME credits needs a class: Ⅰ类 or Ⅱ类 (the two classes count "
                                         "separately towards the yearly credits)."))
        if fmt == "cme" and credits == 0:
            warnings.append(Problem(sheet.title, row_no, _("CME credits"), "0",
                                    _("A CME course with no credits does not count towards the yearly credits.")))
        bad = bool(r.problems)
        problems += r.problems
        if code and code not in drafts:
            drafts[code] = (row_no, CourseRecord(code, title, fmt or "course", level or "basic", dims, hours, credits,
                                                 prereq, r.text("description"), (), (cme_class or "") if has_class else None), bad)
    modules = _read_modules(wb, path.name, set(drafts), problems, warnings)
    # prerequisites: must exist; no cycle over file + database
    all_codes = set(known_codes) | set(drafts)
    bad_codes = {c for c, (_r, _rec, bad) in drafts.items() if bad}
    for code, (row_no, rec, _bad) in drafts.items():
        missing = [p for p in rec.prerequisites if p not in all_codes]
        if missing:
            problems.append(Problem(sheet.title, row_no, _(_PREREQ_HEADER), "、".join(missing),
                                    _("Not a course code of this file or of the catalogue.")))
            bad_codes.add(code)
    graph = {k: list(v) for k, v in (known_prerequisites or {}).items()}
    graph.update({c: list(rec.prerequisites) for c, (_r, rec, _b) in drafts.items()})
    try:
        topological_order(graph, graph)
    except InvalidInput as exc:
        for code, (row_no, rec, _b) in drafts.items():
            if code in exc.message:
                problems.append(Problem(sheet.title, row_no, _(_PREREQ_HEADER), "、".join(rec.prerequisites),
                                        exc.message))
                bad_codes.add(code)
    bad_codes |= {c for c, bad in modules.items() if bad is None}
    rows = []
    for code, (_row, rec, _bad) in drafts.items():
        if code in bad_codes:
            continue
        mods = modules.get(code) or ()
        rows.append(CourseRecord(**{**rec.__dict__, "modules": tuple(sorted(mods, key=lambda m: m.order))}))
    log.info("course import read: %d rows, %d good, %d problems", total, len(rows), len(problems))
    return ImportResult(tuple(rows), tuple(problems), tuple(warnings), total)


def _read_modules(wb: Workbook, name: str, codes: set[str], problems: list[Problem],
                  warnings: list[Problem]) -> dict[str, list[ModuleRecord] | None]:
    """Modules per course code; ``None`` marks a course with a bad module row."""
    ws = find_sheet(wb, SHEET_MODULES)
    out: dict[str, list[ModuleRecord] | None] = {}
    if ws is None:
        return out
    sheet = bind_sheet(ws, MODULE_COLS, name)
    warnings += sheet.warnings
    seen: dict[tuple[str, int], int] = {}
    for row_no, cells in data_rows(sheet):
        r = RowReader(sheet, MODULE_COLS, row_no, cells)
        code = r.text("code")
        order = r.integer("order", 1, 500, None)
        title = r.text("title")
        hours = r.number("hours", 0.0, 1000.0, 0.0)
        if code and code not in codes:
            r.problem("code", code, _("No course with this code on the courses sheet."))
        if code and order is not None and (code, order) in seen:
            r.problem("order", order, _("Module number {n} appears twice for this course (first in row {row}).").format(
                n=order, row=seen[(code, order)]))
        if code and order is not None:
            seen.setdefault((code, order), row_no)
        problems += r.problems
        if not code or code not in codes:
            continue
        if r.problems or order is None:
            out[code] = None
        elif out.get(code, []) is not None:
            out.setdefault(code, [])
            current = out[code]
            assert current is not None
            current.append(ModuleRecord(order, title, hours))
    return out


def to_catalogue(records: Sequence[CourseRecord]) -> list[CatalogueCourse]:
    return [CatalogueCourse(0, r.code, r.title, r.dimensions, r.prerequisites, r.format, r.level, r.hours, r.credits,
                            r.cme_class or "")
            for r in records]


__all__ = ["CourseRecord", "ModuleRecord", "read_courses", "write_courses"]

"""继续医学教育 Ⅰ类/Ⅱ类 credits: the yearly split rule, class parsing, gaps and the import column."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook

from app.errors import InvalidInput
from app.i18n import _
from app.training.excel import CourseRecord, read_courses, write_courses
from app.training.progress import check_cme_class, credit_status, credits_by_class, parse_cme_class
from app.training.recommend import CatalogueCourse, cme_status_gap, recommend
from app.training.rules import default_rules

MIN = {"I": 5.0, "II": 15.0}


def short_i(earned: float) -> str:
    return _("Class I credits {earned:.1f} < {required:.1f}").format(earned=earned, required=5.0)
D = date(2026, 5, 1)


def test_class_text_is_parsed_in_every_spelling_and_rejects_others() -> None:
    assert [parse_cme_class(t) for t in ("I", "Ⅰ类", "ⅰ", "1类", "II", "Ⅱ类", "ii", "", None)] == \
        ["I", "I", "I", "I", "II", "II", "II", "", ""]
    assert parse_cme_class("III") is None and parse_cme_class("三类") is None
    assert check_cme_class("Ⅱ类", 2.0) == "II" and check_cme_class("", 0.0) == ""
    with pytest.raises(InvalidInput):
        check_cme_class("", 3.0)  # credits need a class
    with pytest.raises(InvalidInput):
        check_cme_class("X", 0.0)


def test_rules_file_holds_the_class_minimums() -> None:
    r = default_rules()
    assert r.cme_class_minimum == {"I": 5.0, "II": 15.0}
    assert r.cme_required_for("physician") == 25.0


@pytest.mark.parametrize(("i", "ii", "unclassed", "short_i", "short_ii", "shortfall", "met"), [
    (5, 20, 0, 0, 0, 0, True),        # 5 + 20 = 25: met exactly
    (10, 15, 0, 0, 0, 0, True),       # 10 + 15
    (3, 22, 0, 2, 0, 2, False),       # 25 in total but Ⅰ类 3 < 5: Ⅱ类 cannot stand in for Ⅰ类
    (20, 5, 0, 0, 10, 10, False),     # Ⅰ类 cannot stand in for Ⅱ类 either
    (5, 15, 0, 0, 0, 5, False),       # both minimums met, total 20 < 25
    (0, 0, 0, 5, 15, 25, False),
    (2, 10, 0, 3, 5, 13, False),      # total 12: 13 more, of which ≥3 Ⅰ类 and ≥5 Ⅱ类
    (6, 16, 5, 0, 0, 0, True),        # unclassed (older) credits count in the total only
    (4, 16, 5, 1, 0, 1, False),
])
def test_split_rule_worked_cases(i: float, ii: float, unclassed: float, short_i: float, short_ii: float,
                                 shortfall: float, met: bool) -> None:
    rows = [(D, float(i), "I"), (D, float(ii), "II"), (D, float(unclassed), "")]
    st = credit_status(rows, 2026, 25.0, MIN)
    assert (st.short_i, st.short_ii, st.shortfall, st.met) == (short_i, short_ii, shortfall, met)
    assert st.earned == i + ii + unclassed


def test_credits_count_in_the_year_completed_and_families_without_duty_owe_nothing() -> None:
    rows = [(D, 4.0, "I"), (date(2025, 12, 31), 9.0, "I"), (None, 3.0, "II"), (D, 2.0, "Ⅱ类")]
    assert credits_by_class(rows, 2026) == {"I": 4.0, "II": 2.0, "": 0.0}
    admin = credit_status(rows, 2026, 0.0, MIN)
    assert admin.met and admin.required_i == 0.0 and cme_status_gap(admin) is None


def test_reasons_name_the_short_class() -> None:
    st = credit_status([(D, 3.0, "I"), (D, 22.0, "II")], 2026, 25.0, MIN)
    assert st.reasons() == (short_i(3.0),)
    assert st.reasons()[0].endswith("3.0 < 5.0")
    gap = cme_status_gap(st)
    assert gap is not None and gap.kind == "cme" and gap.cme_classes == ("I",) and gap.shortfall == 2.0
    both = credit_status([(D, 1.0, "I")], 2026, 25.0, MIN).reasons()
    assert both == (_("CME credits {year}: {earned:g} < {required:g}").format(year=2026, earned=1.0, required=25.0),
                    short_i(1.0),
                    _("Class II credits {earned:.1f} < {required:.1f}").format(earned=0.0, required=15.0))


def test_a_class_i_gap_recommends_only_class_i_courses() -> None:
    catalogue = [
        CatalogueCourse(1, "JJ", "急救技能复训", ("操作技能",), (), "cme", "basic", 8, 4, "II"),
        CatalogueCourse(2, "YG", "院感防控", ("操作技能",), (), "cme", "basic", 4, 2, "II"),
        CatalogueCourse(3, "XD", "心电图判读", ("专业知识",), (), "course", "intermediate", 10, 3, "I"),
        CatalogueCourse(4, "GJ", "国家级项目：重症医学进展", ("专业知识",), (), "cme", "advanced", 12, 6, "I"),
    ]
    gap = cme_status_gap(credit_status([(D, 3.0, "I"), (D, 22.0, "II")], 2026, 25.0, MIN))
    assert gap is not None
    p = recommend([gap], catalogue, per_gap=5)
    assert [s.code for s in p.steps] == ["GJ"]  # a CME-format Ⅰ类 course first; 6 credits cover the 2 short
    assert p.steps[0].reasons == (short_i(3.0),)
    only_total = cme_status_gap(credit_status([(D, 5.0, "I"), (D, 15.0, "II")], 2026, 25.0, MIN))
    assert only_total is not None and only_total.cme_classes == ()
    # only the total is short: any CME course serves it (GJ's 6 credits cover the 5 short)
    assert [s.code for s in recommend([only_total], catalogue, per_gap=5).steps] == ["GJ"]
    two_short = cme_status_gap(credit_status([(D, 5.0, "I"), (D, 12.0, "II")], 2026, 25.0, MIN))
    assert two_short is not None and two_short.cme_classes == ("II",)
    assert [s.code for s in recommend([two_short], catalogue, per_gap=5).steps] == ["JJ", "YG"]


def _course(code: str, credits: float, cme_class: str) -> CourseRecord:
    return CourseRecord(code, f"课程{code}", "cme", "basic", ("操作技能",), 4.0, credits, cme_class=cme_class)


def test_export_writes_the_class_and_import_reads_it_back(tmp_path: Path) -> None:
    f = write_courses(tmp_path / "c.xlsx", [_course("A", 4.0, "I"), _course("B", 2.0, "II"), _course("C", 0.0, "")])
    back = read_courses(f)
    assert back.clean, back.problems
    assert {r.code: r.cme_class for r in back.rows} == {"A": "I", "B": "II", "C": ""}


def test_import_refuses_an_unknown_class_and_credits_without_a_class(tmp_path: Path) -> None:
    f = write_courses(tmp_path / "c.xlsx", [_course("A", 4.0, "I"), _course("B", 2.0, "II"), _course("C", 3.0, "I")])
    wb = load_workbook(f)
    ws = wb.worksheets[0]
    col = next(c.column for c in ws[1] if c.value == _("CME class"))
    ws.cell(row=3, column=col, value="Ⅲ类")
    ws.cell(row=4, column=col).value = None
    wb.save(f)
    res = read_courses(f)
    assert [r.code for r in res.rows] == ["A"]
    by_row = {p.row: p for p in res.problems}
    assert set(by_row) == {3, 4}
    assert by_row[3].value == "Ⅲ类" and by_row[3].reason == _("Choose Ⅰ类 or Ⅱ类, or leave it blank for a course without CME credits.")
    assert by_row[4].reason.startswith(_("A course with CME credits needs a class: Ⅰ类 or Ⅱ类 (the two classes count "
                                         "separately towards the yearly credits).")[:12])


def test_a_catalogue_exported_before_the_class_column_still_imports(tmp_path: Path) -> None:
    """An older export has no class column: its courses import (no refusal per row), the class is left as the
    catalogue has it (None), and one warning says what to do."""
    f = write_courses(tmp_path / "c.xlsx", [_course("A", 4.0, "I"), _course("B", 0.0, "")])
    wb = load_workbook(f)
    ws = wb.worksheets[0]
    ws.delete_cols(next(c.column for c in ws[1] if c.value == _("CME class")))
    wb.save(f)
    res = read_courses(f)
    assert res.clean, res.problems
    assert {r.code: r.cme_class for r in res.rows} == {"A": None, "B": None}
    assert [(w.row, w.column) for w in res.warnings if w.column == _("CME class")] == [(0, _("CME class"))]

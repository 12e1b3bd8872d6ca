from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from app.errors import InvalidInput
from app.i18n import _
from app.positions import bank
from app.positions.competency import Dimension
from app.positions.excel import (
    PositionRecord,
    RuleRecord,
    read_positions,
    read_questions,
    write_positions,
    write_positions_template,
    write_questions,
)
from app.positions.questions import QUESTION_TYPES, Question
from tests.support import shared_data

POS = PositionRecord(
    code="P001", title="影像AI算法工程师", department_code="D-IMG", job_family="medtech", grade="专技十级",
    headcount=2, is_ai_medical=True, min_degree="硕士", majors="计算机科学/生物医学工程",
    licences=("大型设备上岗证",), min_years=3, duties="=HYPERLINK(\"http://x\")", nice_to_have="-有三甲经验",
    competencies=(Dimension("技术能力", 40, 6.0), Dimension("临床场景理解", 35, 6.5), Dimension("团队协作", 25, 5.0)),
    rules=(RuleRecord("核心技能", "(医学影像 OR 影像诊断) AND (PyTorch OR 深度学习)"),),
    synonyms=(("深度学习", ("DL", "deep learning")),),
)
NURSE = PositionRecord(code="N010", title="急诊护士", department_code="D-ER", job_family="nursing",
                       competencies=(Dimension("专业知识", 35), Dimension("操作技能", 35), Dimension("职业素养", 30)))


def test_positions_round_trip_and_formula_text_stays_text(tmp_path: Path) -> None:
    path = write_positions(tmp_path / "p.xlsx", [POS, NURSE])
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[:4] == [_("Positions"), _("Competencies"), _("Screening rules"), _("Synonyms")]
    cell = wb[_("Positions")]["N2"]
    assert cell.value.startswith("=HYPERLINK") and cell.data_type == "s"
    assert wb["_meta"].sheet_state == "hidden" and wb[_("Instructions")].protection.sheet
    assert any("医师" in str(dv.formula1) for dv in wb[_("Positions")].data_validations.dataValidation)
    result = read_positions(path, department_codes={"D-IMG", "D-ER"})
    assert result.clean and result.rows == (POS, NURSE)


def _fill(path: Path, sheet: str, rows: list[list[object]]) -> None:
    wb = openpyxl.load_workbook(path)
    ws = wb[sheet]
    for r, row in enumerate(rows, 2):
        for c, v in enumerate(row, 1):
            ws.cell(row=r, column=c, value=v)
    wb.save(path)


def test_bad_position_rows_are_listed_with_specific_reasons(tmp_path: Path) -> None:
    path = write_positions_template(tmp_path / "t.xlsx")
    _fill(path, _("Positions"), [
        ["P1", "心内科医师", "D-CARD", "医师"],
        ["P1", "重复编码", "D-CARD", "医师"],
        ["P2", "", "D-XXX", "厨师", None, None, "两个"],
        ["P3", "检验技师", "D-LAB", "医技", None, None, "=1+1"],
        ["P4", "护士", "D-ER", "护理"],
    ])
    _fill(path, _("Competencies"), [["P4", "专业知识", 50], ["P4", "操作技能", 30], ["P4", "职业素养", 10, 12]])
    _fill(path, _("Screening rules"), [["P3", "规则一", "(急诊 OR 重症"]])
    result = read_positions(path, department_codes={"D-CARD", "D-LAB", "D-ER"})
    reasons = {(p.row, p.column): p.reason for p in result.problems}
    assert "与第2行重复" in reasons[(3, _("Position code"))]
    assert "必填" in reasons[(4, _("Position title"))]
    assert "科室编码不存在" in reasons[(4, _("Department code"))]
    assert "职系无法识别" in reasons[(4, _("Job family"))]
    assert "不是整数" in reasons[(4, _("Headcount"))]
    assert "公式" in reasons[(5, _("Headcount"))]
    assert "缺少右括号" in reasons[(2, _("Rule"))]
    assert "0到10" in reasons[(4, _("Pass bar (0–10)"))]
    assert not result.clean and result.rows == () and result.total == 5


def test_missing_dimensions_use_the_template_with_a_warning(tmp_path: Path) -> None:
    path = write_positions_template(tmp_path / "t.xlsx")
    _fill(path, _("Positions"), [["A1", "人事专员", "D-HR", "行政后勤"]])
    result = read_positions(path, department_codes=None)
    assert result.clean and result.rows[0].competencies[0] == Dimension("沟通能力", 40, 6.0)
    assert any("模板" in w.reason for w in result.warnings)


def test_bad_files_are_rejected_clearly(tmp_path: Path) -> None:
    junk = tmp_path / "junk.xlsx"
    junk.write_text("not a workbook", encoding="utf-8")
    with pytest.raises(InvalidInput, match="不是 Excel 工作簿"):
        read_positions(junk)
    wb = openpyxl.Workbook()
    wb.active.title = "Sheet1"
    wb.save(tmp_path / "other.xlsx")
    with pytest.raises(InvalidInput, match="没有工作表『" + _("Positions") + "』"):
        read_positions(tmp_path / "other.xlsx")
    wb = openpyxl.Workbook()
    wb.active.title = _("Positions")
    wb.active.append([_("Position code"), _("Position title")])
    wb.save(tmp_path / "cols.xlsx")
    with pytest.raises(InvalidInput, match="缺少列：" + _("Department code") + "、" + _("Job family")):
        read_positions(tmp_path / "cols.xlsx")
    q = write_questions(tmp_path / "q.xlsx", [])
    with pytest.raises(InvalidInput, match="是题库文件"):
        read_positions(q)


def test_questions_round_trip_and_validation(tmp_path: Path) -> None:
    qs = bank.load_starter_bank()[:15]
    extra = Question("X-1", "=1+1 这道题以等号开头", "合规", "职业素养", 2, "general", ("P001",), ("要点一", "要点二"),
                     "参考", ("患者隐私",), options=(("A", "甲"), ("B", "乙")), answer="B")
    path = write_questions(tmp_path / "q.xlsx", [*qs, extra])
    result = read_questions(path, position_codes={"P001"})
    assert result.clean and result.rows == (*qs, extra)
    _fill(path, _("Questions"), [["X-2", "新题", "闲聊题", "专业知识", 9, "医师", "ZZZ"], [qs[3].id, qs[2].text]])
    bad = read_questions(path, position_codes={"P001"})
    reasons = {(p.row, p.column): p.reason for p in bad.problems}
    assert "题型无法识别" in reasons[(2, _("Question type"))] and "1到5" in reasons[(2, _("Difficulty (1–5)"))]
    assert "岗位编码不存在" in reasons[(2, _("Position codes"))]
    assert "相同的题干" in reasons[(4, _("Question"))] and "重复" in reasons[(5, _("Question ID"))]
    assert len(bad.rows) == bad.total - 3


def test_starter_bank_loads_and_validates() -> None:
    assert bank.check_bank_files() == ()
    qs = bank.load_starter_bank()
    assert len({q.id for q in qs}) == len(qs) >= 140
    assert {q.family for q in qs} >= {"physician", "nursing", "medtech"}
    assert all(q.type in QUESTION_TYPES and 3 <= len(q.key_points) <= 6 and q.key_terms for q in qs)
    assert sum(1 for q in qs if q.policy_reference) >= 40


def test_bank_schema_check_names_the_problem(tmp_path: Path) -> None:
    (tmp_path / "bad.toml").write_text(
        '[bank]\nfamily = "nursing"\n[[question]]\nid = "b1"\ntype = "闲聊"\ndimension = "专业知识"\n'
        'difficulty = 7\ntext = "题"\nkey_points = ["一"]\nreference_answer = "答"\nkey_terms = ["词"]\nfoo = 1\n',
        encoding="utf-8")
    msgs = [p.message for p in bank.check_bank_files(tmp_path)]
    assert any("题型" in m for m in msgs) and any("难度" in m for m in msgs)
    assert any("答题要点" in m for m in msgs) and any("foo" in m for m in msgs)


def test_cmexam_loads_with_licence_condition() -> None:
    folder = shared_data("exam/CMExam")
    load = bank.load_cmexam(sorted(folder.glob("*.jsonl")))
    assert len(load.questions) >= 300 and not load.problems
    q = next(q for q in load.questions if q.id == "cmexam-val-108")
    assert q.type == "专业知识" and q.family == "physician" and q.answer == "D"
    assert q.key_points == ("耳后发际",) and "解析" in q.reference_answer
    assert all(x.restricts_individual_assessment for x in load.questions)
    assert "Apache-2.0" in q.source

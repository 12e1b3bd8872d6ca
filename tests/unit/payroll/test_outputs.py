"""Pay sheet (.xlsx), payslips (PDF) and the bank list, read back with openpyxl / pypdf / pdftoppm."""

from __future__ import annotations

import csv
import shutil
import subprocess
from decimal import Decimal as D
from pathlib import Path

import openpyxl
import pytest
from pypdf import PdfReader

from app.errors import InvalidInput
from app.payroll.excel import PayrollSheetData, SheetColumn, sheet_from_results, write_payroll_sheet
from app.payroll.payslip import BankTransfer, payslip_from_result, write_bank_csv, write_bank_xlsx, write_payslips
from app.payroll.structure import evaluate_month

from .conftest import july, nurse


@pytest.fixture(scope="module")
def results(structure, city):  # type: ignore[no-untyped-def]
    people = [
        nurse(employee_id="N1", name="张三", department="内科"),
        nurse(employee_id="N2", name="=HYPERLINK(\"http://x\",\"点我\")", department="内科"),
        nurse(employee_id="N3", name="王五", department="外科", category="医师"),
        nurse(employee_id="N4", name="@SUM(A1)", department="-外科'二病区", category="医技"),
    ]
    att = july(counts={"大夜": D(2)}, amounts={"reward_perf": D("1000.00")})
    return [evaluate_month(structure, p, att, city) for p in people]


def test_pay_sheet_formulas_layout_and_injection(tmp_path: Path, structure, results) -> None:  # type: ignore[no-untyped-def]
    path = write_payroll_sheet(sheet_from_results(structure, results, "2026年7月工资表"), tmp_path / "pay.xlsx")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[0] == "全院汇总" and set(wb.sheetnames[1:]) == {"内科", "外科", "-外科'二病区"}
    ws = wb["内科"]
    headers = [c.value for c in ws[2]]
    assert headers[:4] == ["工号", "姓名", "科室", "岗位工资"] and headers[-1] == "实发工资"
    # user text beginning with = or @ stays text
    names = [ws.cell(row=r, column=2) for r in (3, 4)]
    assert names[1].value.startswith("=HYPERLINK") and names[1].data_type == "s"
    assert wb["-外科'二病区"].cell(row=3, column=2).data_type == "s"
    # totals row: SUM formulas over the data rows
    net_col = openpyxl.utils.get_column_letter(len(headers))
    assert ws.cell(row=5, column=2).value == "合计"
    assert ws[f"{net_col}5"].value == f"=SUM({net_col}3:{net_col}4)"
    assert ws[f"{net_col}3"].value == pytest.approx(float(results[0].net))
    assert ws[f"{net_col}3"].number_format.startswith("#,##0.00")
    # summary links to each department's total row and sums them
    summary = wb["全院汇总"]
    rows = list(summary.iter_rows(min_row=3, values_only=True))
    assert rows[0][0] == "内科" and rows[0][1] == "=COUNTA('内科'!A3:A4)"
    assert rows[2][0] == "-外科'二病区" and "'-外科''二病区'!" in rows[2][2]
    assert rows[-1][0] == "全院合计" and rows[-1][2] == "=SUM(C3:C5)"
    # frozen header, repeated print titles, landscape fit to width
    assert ws.freeze_panes == "D3" and ws.print_title_rows == "$1:$2"
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.fitToWidth == 1
    assert ws.sheet_properties.pageSetUpPr.fitToPage


def test_pay_sheet_refuses_floats(tmp_path: Path) -> None:
    data = PayrollSheetData("t", [SheetColumn("a", "A", "text"), SheetColumn("x", "X")], [{"a": "1", "x": 0.1}])
    with pytest.raises(InvalidInput):
        write_payroll_sheet(data, tmp_path / "f.xlsx")


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) not installed")
def test_pay_sheet_totals_recompute_in_libreoffice(tmp_path: Path, structure, results) -> None:  # type: ignore[no-untyped-def]
    path = write_payroll_sheet(sheet_from_results(structure, results, "t"), tmp_path / "pay.xlsx")
    out = tmp_path / "out"
    subprocess.run(["soffice", "--headless", "--convert-to", "xlsx", "--outdir", str(out), str(path)],
                   check=True, timeout=180, capture_output=True)
    wb = openpyxl.load_workbook(out / "pay.xlsx", data_only=True)
    last = wb["全院汇总"].max_row
    net = wb["全院汇总"].cell(row=last, column=wb["全院汇总"].max_column).value
    assert D(str(net)).quantize(D("0.01")) == sum(r.net for r in results)


def test_payslips_text_and_rendering(tmp_path: Path, results) -> None:  # type: ignore[no-untyped-def]
    slips = [payslip_from_result(r, "示例市人民医院", "2026年7月") for r in results]
    files = write_payslips(slips, tmp_path)
    assert len(files.per_person) == 4 and files.combined.exists()
    reader = PdfReader(files.combined)
    assert len(reader.pages) == 4
    text = reader.pages[0].extract_text()
    assert "张三" in text and "实发工资" in text and "岗位工资" in text
    assert f"{results[0].net:,.2f}" in text
    fonts = [f.get_object() for f in reader.pages[0]["/Resources"]["/Font"].values()]
    cjk = [f for f in fonts if "WenQuanYiMicroHei" in str(f["/BaseFont"])]
    assert cjk and "/FontFile2" in cjk[0]["/FontDescriptor"].get_object()  # embedded subset
    assert "N1" in files.per_person[0].name and "张三" not in files.per_person[0].name
    if shutil.which("pdftoppm"):
        subprocess.run(["pdftoppm", "-r", "40", "-png", "-f", "1", "-l", "1", str(files.combined),
                        str(tmp_path / "page")], check=True, timeout=60)
        png = next(tmp_path.glob("page*.png"))
        assert png.stat().st_size > 2000  # not a blank page


def test_bank_lists(tmp_path: Path, results) -> None:  # type: ignore[no-untyped-def]
    transfers = [BankTransfer(r.employee_id, r.name, "6222 0212 3456 7890 123", "工商银行", r.net) for r in results]
    path = write_bank_csv(transfers, tmp_path / "bank.csv")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(path.read_text(encoding="utf-8-sig").splitlines()))
    assert rows[0][3] == "银行账号" and rows[1][3] == "6222021234567890123"
    assert rows[2][2].startswith("'=")  # CSV injection neutralised
    assert rows[-1][-1] == f"{sum(r.net for r in results):.2f}"
    x = write_bank_xlsx(transfers, tmp_path / "bank.xlsx")
    ws = openpyxl.load_workbook(x).worksheets[1]
    assert ws.cell(row=3, column=3).value == "6222021234567890123" and ws.cell(row=3, column=3).data_type == "s"
    with pytest.raises(InvalidInput, match="N9"):
        write_bank_csv([BankTransfer("N9", "x", "12ab", "b", D(1))], tmp_path / "b2.csv")


def test_pay_sheet_cancel(tmp_path: Path, structure, results) -> None:  # type: ignore[no-untyped-def]
    from app.errors import Cancelled
    from app.tasks import CancelToken

    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        write_payroll_sheet(sheet_from_results(structure, results, "t"), tmp_path / "c.xlsx", cancel=token)
    assert not (tmp_path / "c.xlsx").exists()

"""Payslips (工资条) as PDF and the bank transfer list (代发工资清单) as CSV or Excel.

PDFs embed the bundled CJK font ``resources/fonts/wqy-microhei.ttc`` (subfont 0) so Chinese text is
extractable and prints the same everywhere. One file per person (named by staff number, never by
name) and one combined file with one payslip per page.
"""

from __future__ import annotations

import csv
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from app import paths
from app.errors import InvalidInput, StorageError
from app.i18n import _
from app.payroll.money import ZERO, fmt, fmt_grouped
from app.payroll.structure import PayResult
from app.tasks import NEVER_CANCELLED, CancelToken, ProgressFn, no_progress

log = logging.getLogger(__name__)

FONT_NAME = "WQYMicroHei"
_SAFE_FILE = re.compile(r"[^0-9A-Za-z_.-]+")


@dataclass(frozen=True)
class Payslip:
    hospital: str
    period: str  # e.g. "2026年7月"
    employee_id: str
    name: str
    department: str
    earnings: Sequence[tuple[str, Decimal]]  # shown positive
    deductions: Sequence[tuple[str, Decimal]]  # shown positive, subtracted
    gross: Decimal
    tax: Decimal
    net: Decimal
    notes: Sequence[str] = ()


def payslip_from_result(result: PayResult, hospital: str, period: str) -> Payslip:
    earnings: list[tuple[str, Decimal]] = []
    deductions: list[tuple[str, Decimal]] = []
    for ln in result.lines:
        if ln.amount == 0:
            continue
        if ln.category == "earning":
            earnings.append((ln.name, ln.amount))
        else:
            deductions.append((ln.name, ln.amount))
    deductions.append((_("Income tax"), result.tax))
    return Payslip(
        hospital, period, result.employee_id, result.name, result.department,
        tuple(earnings), tuple(deductions), result.gross, result.tax, result.net,
    )


def register_font() -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if FONT_NAME not in pdfmetrics.getRegisteredFontNames():
        font = paths.resource("fonts", "wqy-microhei.ttc")
        if not font.exists():
            raise StorageError(
                _("The font file {path} is missing; reinstall the program.").format(path=font)
            )
        pdfmetrics.registerFont(TTFont(FONT_NAME, str(font), subfontIndex=0))
    return FONT_NAME


def _draw(c, slip: Payslip) -> None:  # type: ignore[no-untyped-def]
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm

    width, height = A4
    left, right = 20 * mm, width - 20 * mm
    y = height - 25 * mm
    c.setFont(FONT_NAME, 16)
    c.drawCentredString(width / 2, y, _("{hospital} payslip for {period}").format(hospital=slip.hospital, period=slip.period))
    y -= 12 * mm
    c.setFont(FONT_NAME, 10.5)
    c.drawString(left, y, _("Staff no.: {id}").format(id=slip.employee_id))
    c.drawString(left + 55 * mm, y, _("Name: {name}").format(name=slip.name))
    c.drawString(left + 110 * mm, y, _("Department: {department}").format(department=slip.department))
    y -= 5 * mm
    c.line(left, y, right, y)
    y -= 8 * mm
    mid = (left + right) / 2
    c.setFont(FONT_NAME, 11)
    c.drawString(left, y, _("Earnings"))
    c.drawString(mid + 5 * mm, y, _("Deductions"))
    c.setFont(FONT_NAME, 10)
    row_h = 6.5 * mm
    top = y - row_h
    for i, (label, amount) in enumerate(slip.earnings):
        yy = top - i * row_h
        c.drawString(left, yy, label)
        c.drawRightString(mid - 5 * mm, yy, fmt_grouped(amount))
    for i, (label, amount) in enumerate(slip.deductions):
        yy = top - i * row_h
        c.drawString(mid + 5 * mm, yy, label)
        c.drawRightString(right, yy, fmt_grouped(amount))
    y = top - max(len(slip.earnings), len(slip.deductions)) * row_h - 2 * mm
    c.line(left, y, right, y)
    y -= 8 * mm
    c.setFont(FONT_NAME, 11)
    c.drawString(left, y, _("Gross pay: {amount}").format(amount=fmt_grouped(slip.gross)))
    c.drawString(mid + 5 * mm, y, _("Income tax: {amount}").format(amount=fmt_grouped(slip.tax)))
    y -= 9 * mm
    c.setFont(FONT_NAME, 13)
    c.drawString(left, y, _("Net pay: {amount} yuan").format(amount=fmt_grouped(slip.net)))
    c.setFont(FONT_NAME, 9)
    y -= 10 * mm
    for note in slip.notes:
        c.drawString(left, y, note)
        y -= 5 * mm
    c.drawString(left, 15 * mm, _("This payslip is for the employee only; keep it private. Questions: ask the HR office."))


def _canvas(path: Path, title: str):  # type: ignore[no-untyped-def]
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen.canvas import Canvas

    c = Canvas(str(path), pagesize=A4, pageCompression=1)
    c.setTitle(title)
    c.setCreator("HR Desk")
    return c


@dataclass(frozen=True)
class PayslipFiles:
    combined: Path
    per_person: tuple[Path, ...]


def write_payslips(
    slips: Sequence[Payslip],
    out_dir: Path,
    *,
    per_person: bool = True,
    progress: ProgressFn = no_progress,
    cancel: CancelToken = NEVER_CANCELLED,
) -> PayslipFiles:
    """Write ``payslips_<period>.pdf`` (all, one per page) and, if asked, ``<period>_<staff no>.pdf``."""
    if not slips:
        raise InvalidInput(_("There are no payslips to write."))
    register_font()
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        period = _SAFE_FILE.sub("_", slips[0].period).strip("_") or "period"
        combined = out_dir / f"payslips_{period}.pdf"
        title = _("Payslips {period}").format(period=slips[0].period)
        all_c = _canvas(combined, title)
        singles: list[Path] = []
        used: set[str] = set()
        for i, slip in enumerate(slips):
            cancel.raise_if_cancelled()
            _draw(all_c, slip)
            all_c.showPage()
            if per_person:
                stem = _SAFE_FILE.sub("_", slip.employee_id).strip("_.") or f"row{i + 1}"
                while stem in used:
                    stem += "_"
                used.add(stem)
                p = out_dir / f"{period}_{stem}.pdf"
                c = _canvas(p, title)
                _draw(c, slip)
                c.showPage()
                c.save()
                singles.append(p)
            progress(i + 1, len(slips), _("Writing payslips"))
        all_c.save()
    except OSError as exc:
        raise StorageError(
            _("Could not write payslips into {path}: {error}").format(path=out_dir, error=exc.strerror or exc)
        ) from exc
    log.info("payslips written: %d", len(slips))
    return PayslipFiles(combined, tuple(singles))


# ---------------------------------------------------------------- bank transfer list


@dataclass(frozen=True)
class BankTransfer:
    employee_id: str
    name: str
    account: str
    bank: str
    amount: Decimal


def _clean_account(t: BankTransfer) -> str:
    account = re.sub(r"[\s-]", "", t.account or "")
    if not re.fullmatch(r"\d{8,30}", account):
        raise InvalidInput(
            _("The bank account of staff no. {id} is missing or not 8–30 digits; fix it before paying.").format(
                id=t.employee_id
            )
        )
    return account


def _csv_safe(text: str) -> str:
    return "'" + text if text.startswith(("=", "+", "-", "@", "\t", "\r")) else text


def write_bank_csv(transfers: Sequence[BankTransfer], path: Path) -> Path:
    """UTF-8 CSV with BOM (opens in Excel/WPS). Accounts are validated and kept as text."""
    rows = [(t, _clean_account(t)) for t in transfers]
    try:
        with path.open("w", encoding="utf-8-sig", newline="") as fh:
            w = csv.writer(fh)
            w.writerow([_("No."), _("Staff no."), _("Name"), _("Bank account"), _("Bank"), _("Amount")])
            for i, (t, account) in enumerate(rows, 1):
                w.writerow([i, _csv_safe(t.employee_id), _csv_safe(t.name), account, _csv_safe(t.bank), fmt(t.amount)])
            w.writerow(["", "", _("Total"), "", "", fmt(sum((t.amount for t in transfers), ZERO))])
    except OSError as exc:
        raise StorageError(_("Could not write {path}: {error}. Check the folder exists and the file is not open in Excel.").format(path=path, error=exc.strerror or exc)) from exc
    return path


def write_bank_xlsx(transfers: Sequence[BankTransfer], path: Path) -> Path:
    from app.payroll.excel import PayrollSheetData, SheetColumn, write_payroll_sheet

    rows = []
    for t in transfers:
        rows.append({"employee_id": t.employee_id, "name": t.name, "account": _clean_account(t),
                     "bank": t.bank, "amount": t.amount, "list": _("Bank transfer list")})
    columns = [
        SheetColumn("employee_id", _("Staff no."), "text", 10),
        SheetColumn("name", _("Name"), "text", 10),
        SheetColumn("account", _("Bank account"), "text", 24),
        SheetColumn("bank", _("Bank"), "text", 20),
        SheetColumn("amount", _("Amount"), "money", 14),
    ]
    return write_payroll_sheet(PayrollSheetData(_("Bank transfer list"), columns, rows, department_key="list"), path)

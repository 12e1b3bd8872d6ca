"""Paper and spreadsheets: a quiz as a printable PDF (bundled CJK font embedded) and the training
report as an Excel workbook."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

from openpyxl import Workbook
from openpyxl.styles import Font

from app.errors import StorageError
from app.i18n import _
from app.positions.excel import save_workbook, set_cell
from app.reports.fonts import register_reportlab_font
from app.training.quiz import QuizQuestion

if TYPE_CHECKING:
    from app.services.training import TrainingReport

SHORT_ANSWER_LINES = 6


def quiz_pdf(path: Path, title: str, pass_score: float, questions: Sequence[QuizQuestion], *,
             with_answers: bool = False) -> Path:
    """A4 paper quiz: name/staff-no/date line, numbered questions, options or lines to write on;
    ``with_answers`` adds the key (choice letters, key points) for the marker."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

    font = register_reportlab_font()
    body = ParagraphStyle("body", fontName=font, fontSize=10.5, leading=16, wordWrap="CJK")
    head = ParagraphStyle("head", parent=body, fontSize=16, leading=24, spaceAfter=6)
    small = ParagraphStyle("small", parent=body, fontSize=9, leading=13, textColor="#444444")
    story: list[Any] = [
        Paragraph(escape(title), head),
        Paragraph(escape(_("Name: ________  Staff no.: ________  Date: ________  Pass mark: {score:g} / 100").format(
            score=pass_score)), body),
        Spacer(1, 6 * mm),
    ]
    for n, q in enumerate(questions, 1):
        kind = _("multiple choice") if q.is_choice and q.multiple else (_("single choice") if q.is_choice else _("short answer"))
        story.append(Paragraph(f"{n}. [{escape(kind)}] {escape(q.text)}", body))
        if q.is_choice:
            for key, text in q.options:
                story.append(Paragraph(f"&nbsp;&nbsp;&nbsp;&nbsp;{escape(key)}. {escape(text)}", body))
        else:
            for _i in range(SHORT_ANSWER_LINES):
                story.append(Paragraph("_" * 80, small))
        if with_answers:
            key = q.answer if q.is_choice else "；".join(q.key_points) or q.reference_answer
            story.append(Paragraph(escape(_("Key: {key}").format(key=key)), small))
        story.append(Spacer(1, 4 * mm))
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        doc = SimpleDocTemplate(str(path), pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, topMargin=16 * mm,
                                bottomMargin=16 * mm, title=title, author="HR Desk")
        doc.build(story)
    except PermissionError as exc:
        raise StorageError(_("Cannot write {path}: the file may be open in another program or the folder is "
                             "read-only. Close the file or choose another folder.").format(path=path)) from exc
    return path


def write_report(path: Path, report: TrainingReport) -> Path:
    """Sheets: completion by department, by course, overdue list, CME credits, score change."""
    wb = Workbook()
    bold = Font(bold=True)

    def sheet(title: str, headers: Sequence[str], rows: Sequence[Sequence[Any]], first: bool = False) -> None:
        ws = wb.active if first else wb.create_sheet()
        assert ws is not None
        ws.title = title[:31]
        for c, h in enumerate(headers, 1):
            set_cell(ws, 1, c, h).font = bold
            ws.column_dimensions[chr(64 + c)].width = max(10, len(h) * 2 + 2)
        for r, row in enumerate(rows, 2):
            for c, v in enumerate(row, 1):
                set_cell(ws, r, c, v)
        ws.freeze_panes = "A2"

    comp_headers = [_("Completed"), _("Enrolled"), _("Overdue"), _("Completion rate %")]
    sheet(_("By department"), [_("Department"), *comp_headers],
          [(c.group, c.completed, c.enrolled, c.overdue, c.rate) for c in report.by_department], first=True)
    sheet(_("By course"), [_("Course"), *comp_headers],
          [(c.group, c.completed, c.enrolled, c.overdue, c.rate) for c in report.by_course])
    sheet(_("Overdue"), [_("Staff no."), _("Name"), _("Department"), _("Course"), _("Due"), _("Days overdue"),
                         _("Progress %")],
          [(r.staff_no, r.name, r.department, r.course, r.due_date.isoformat() if r.due_date else "", r.days_overdue,
            r.progress_pct) for r in report.overdue])
    sheet(_("CME credits {year}").format(year=report.year),
          [_("Staff no."), _("Name"), _("Department"), _("Credits earned"), _("Class I"), _("Class II"),
           _("Credits required"), _("Shortfall"), _("What is short")],
          [(c.staff_no, c.name, c.department, c.earned, c.earned_i, c.earned_ii, c.required, c.shortfall, c.short_text)
           for c in report.credits])
    sheet(_("Score change"), [_("Course code"), _("Course"), _("People"), _("Mean before"), _("Mean after"),
                              _("Change")],
          [(s.code, s.course, s.people, s.mean_before, s.mean_after, s.change) for s in report.score_changes])
    return save_workbook(wb, path)

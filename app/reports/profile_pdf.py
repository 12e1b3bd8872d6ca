"""人才画像 PDF: one person's profile on A4 with the bundled CJK font embedded."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from xml.sax.saxutils import escape

from app.i18n import N_, _
from app.reports.charts import radar_chart
from app.reports.fonts import register_reportlab_font


class Styles:
    def __init__(self) -> None:
        font = register_reportlab_font()
        self.font = font
        self.title = ParagraphStyle("title", fontName=font, fontSize=17, leading=22, alignment=TA_CENTER, spaceAfter=4)
        self.subtitle = ParagraphStyle("subtitle", fontName=font, fontSize=9, leading=12, alignment=TA_CENTER,
                                       textColor=colors.HexColor("#555555"))
        self.h2 = ParagraphStyle("h2", fontName=font, fontSize=12, leading=16, spaceBefore=10, spaceAfter=4,
                                 textColor=colors.HexColor("#1f3f6e"))
        self.body = ParagraphStyle("body", fontName=font, fontSize=9, leading=13, wordWrap="CJK")
        self.cell = ParagraphStyle("cell", fontName=font, fontSize=8.5, leading=11, wordWrap="CJK")


def text(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, float):
        return f"{value:.1f}"
    return escape(str(value))


def table(rows: Sequence[Sequence[Any]], widths: Sequence[float], st: Styles, *, header: bool = True) -> Table:
    data = [[c if not isinstance(c, str) else Paragraph(c, st.cell) for c in r] for r in rows]
    t = Table(data, colWidths=list(widths), repeatRows=1 if header else 0)
    style = [
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#b8b8b8")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]
    if header:
        style.append(("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e6edf5")))
    t.setStyle(TableStyle(style))
    return t


def build_story(p: Any) -> list[Any]:  # p: app.services.talent.Profile
    st = Styles()
    story: list[Any] = [
        Paragraph(_("Talent profile: {name}").format(name=escape(p.name)), st.title),
        Paragraph(escape(" · ".join(x for x in (p.department, p.position, p.staff_no, p.professional_title) if x)), st.subtitle),
        Spacer(1, 4 * mm),
        Paragraph(_("Basic information"), st.h2),
    ]
    full = 180 * mm
    q = full / 4
    story.append(table([
        [_("Name"), text(p.name), _("Gender"), text(p.gender)],
        [_("Birth date"), text(p.birth_date), _("Phone"), text(p.phone)],
        [_("Degree"), text(p.highest_degree), _("School"), text(p.school)],
        [_("Major"), text(p.major), _("Title"), text(p.professional_title)],
        [_("Hired"), text(p.hire_date), _("Probation ends"), text(p.probation_end)],
        [_("Pay grade"), text(p.pay_grade), _("Performance coefficient"), text(p.performance_coefficient)],
    ], [q * 0.8, q * 1.2, q * 0.8, q * 1.2], st, header=False))
    if p.picture:
        story.append(Paragraph(_("Competency picture"), st.h2))
        axes = [d.dimension for d in p.picture]
        series = [(_("Latest"), [d.latest for d in p.picture])]
        if any(d.trend is not None for d in p.picture):
            series.append((_("First"), [d.first for d in p.picture]))
        chart = radar_chart(axes, series,
                            bars=[d.bar for d in p.picture], bar_label=_("Pass bar"), width=250, height=220)
        rows = [[_("Dimension"), _("Latest"), _("Trend"), _("Pass bar"), _("Evidence")]]
        for d in p.picture:
            trend = "—" if d.trend is None else f"{d.trend:+.1f}"
            rows.append([escape(d.dimension), text(d.latest), trend, text(d.bar), str(d.count)])
        side = table(rows, [26 * mm, 14 * mm, 14 * mm, 14 * mm, 14 * mm], st)
        story.append(Table([[chart, side]], colWidths=[95 * mm, 85 * mm],
                           style=[("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))
        story.append(Paragraph(_("Summary: {text}").format(text=escape(p.summary or "—")), st.body))
    if p.licences:
        story.append(Paragraph(_("Licences"), st.h2))
        story.append(table([[_("Licence"), _("Number"), _("Expires"), _("State")]] +
                           [[escape(x.kind), text(x.number), text(x.expiry_date), escape(licence_label(x.state))] for x in p.licences],
                           [60 * mm, 50 * mm, 35 * mm, 35 * mm], st))
    if p.interviews:
        story.append(Paragraph(_("Interviews"), st.h2))
        rows = [[_("Date"), _("Position"), _("Total"), _("Recommendation"), _("Decision"), _("Reason")]]
        for iv in p.interviews:
            rows.append([text(iv.when.date() if iv.when else None), escape(iv.position), text(iv.total),
                         escape(decision_label(iv.recommendation)), escape(decision_label(iv.decision)), text(iv.decision_reason)])
        story.append(table(rows, [22 * mm, 38 * mm, 14 * mm, 24 * mm, 20 * mm, 62 * mm], st))
    if p.assessments:
        story.append(Paragraph(_("HR assessments"), st.h2))
        rows = [[_("Name"), _("Date"), _("Score"), _("Notes")]]
        for a in p.assessments:
            score = text(a.score) + (f" / {a.max_score:g}" if a.max_score else "")
            rows.append([escape(a.name), text(a.taken_on), score, text(a.notes)])
        story.append(table(rows, [55 * mm, 25 * mm, 25 * mm, 75 * mm], st))
    if p.training:
        story.append(Paragraph(_("Training"), st.h2))
        story.append(table([[_("Course"), _("Status"), _("Score"), _("Completed")]] +
                           [[escape(t.course), escape(t.status), text(t.score), text(t.completed_on)] for t in p.training],
                           [80 * mm, 30 * mm, 30 * mm, 40 * mm], st))
    if p.coefficients:
        story.append(KeepTogether([
            Paragraph(_("Performance coefficient history"), st.h2),
            table([[_("Effective month"), _("Coefficient"), _("Status"), _("Reason"), _("Decided by")]] +
                  [[c.effective_month, f"{c.coefficient:.2f}", escape(coefficient_status_label(c.status)), text(c.reason), text(c.decided_by)]
                   for c in p.coefficients], [28 * mm, 22 * mm, 22 * mm, 70 * mm, 38 * mm], st),
        ]))
    return story


COEFFICIENT_STATUS = {"proposed": N_("proposed"), "approved": N_("approved"), "rejected": N_("rejected")}


def coefficient_status_label(code: str) -> str:
    return _(COEFFICIENT_STATUS[code]) if code in COEFFICIENT_STATUS else code


def decision_label(code: str | None) -> str:
    from app.domain.recommendation import recommendation_label

    return recommendation_label(code)


def licence_label(state: str) -> str:
    from app.domain.org import LICENCE_STATE_LABELS

    return _(LICENCE_STATE_LABELS[state]) if state in LICENCE_STATE_LABELS else state


def footer(title: str):  # type: ignore[no-untyped-def]
    def draw(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(register_reportlab_font(), 7.5)
        canvas.setFillColor(colors.HexColor("#777777"))
        canvas.drawString(15 * mm, 10 * mm, title)
        canvas.drawRightString(195 * mm, 10 * mm, _("Page {n}").format(n=doc.page))
        canvas.restoreState()
    return draw


def write_profile_pdf(profile: Any, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    doc = SimpleDocTemplate(str(path), pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=15 * mm,
                            bottomMargin=16 * mm, title=_("Talent profile: {name}").format(name=profile.name))
    draw = footer(_("Talent profile: {name} · confidential personnel record").format(name=profile.name))
    doc.build(build_story(profile), onFirstPage=draw, onLaterPages=draw)
    return path

"""面试评估报告: the PDF a hospital files for one interview (reportlab, bundled CJK font embedded).

Contents: candidate and position, the consent record, the recommendation beside the reviewer's
decision, dimension scores (AI / interviewer / blended) with weights and bars, a radar chart, risk
flags with the sentence that raised them, per-question summaries with evidence quotes and times,
key points covered and missed, non-verbal observations with their caution, and signature lines.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape

from reportlab.graphics.shapes import Drawing, Line, Rect
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from app.domain.recommendation import recommendation_label
from app.domain.timeutil import to_local
from app.errors import StorageError
from app.i18n import N_, _
from app.reports.charts import radar_chart
from app.reports.fonts import register_reportlab_font

if TYPE_CHECKING:
    from app.services.assessment import AnswerView, AssessmentDetail

STATUS_LABELS = {"pass": N_("meets the bar"), "below": N_("below the bar"), "far_below": N_("far below the bar"),
                 "missing": N_("no score")}
"""Stored codes → msgids (达标 … in Chinese); the report is in the program's language."""
LEVEL_COLOURS = {"recommend": "#2e7d32", "hold": "#b26a00", "reject": "#b71c1c"}
GRID = colors.HexColor("#9aa5b1")
HEAD_BG = colors.HexColor("#e3eaf2")


def _label(table: dict[str, str], code: str | None) -> str:
    """The translated label of a stored code; an unknown code as it is."""
    return _(table[code]) if code in table else (code or "")


def mmss(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    s = int(round(seconds))
    return f"{s // 60:02d}:{s % 60:02d}"


def _num(v: float | None, fmt: str = "{:.1f}") -> str:
    return "—" if v is None else fmt.format(v)


def _when(v: datetime | None) -> str:
    return "—" if v is None else to_local(v).strftime("%Y-%m-%d %H:%M")


def _yes_no(v: bool | None) -> str:
    if v is None:
        return _("not asked")
    return _("agreed") if v else _("declined")


class _Styles:
    def __init__(self) -> None:
        font = register_reportlab_font()
        self.font = font
        self.title = ParagraphStyle("title", fontName=font, fontSize=17, leading=22, alignment=TA_CENTER, spaceAfter=4)
        self.subtitle = ParagraphStyle("subtitle", fontName=font, fontSize=9, leading=12, alignment=TA_CENTER,
                                       textColor=colors.HexColor("#555555"), spaceAfter=8)
        self.h2 = ParagraphStyle("h2", fontName=font, fontSize=12, leading=16, spaceBefore=10, spaceAfter=4,
                                 textColor=colors.HexColor("#1f3b5c"), keepWithNext=1)
        self.h3 = ParagraphStyle("h3", fontName=font, fontSize=10, leading=14, spaceBefore=6, spaceAfter=2,
                                 keepWithNext=1)
        self.body = ParagraphStyle("body", fontName=font, fontSize=9, leading=13, wordWrap="CJK")
        self.small = ParagraphStyle("small", fontName=font, fontSize=8, leading=11, wordWrap="CJK",
                                    textColor=colors.HexColor("#333333"))
        self.cell = ParagraphStyle("cell", fontName=font, fontSize=8.5, leading=11, wordWrap="CJK")
        self.big = ParagraphStyle("big", fontName=font, fontSize=14, leading=18)


def _table(rows: Sequence[Sequence[Any]], widths: Sequence[float], st: _Styles, *, header: bool = True,
           extra: Sequence[tuple[Any, ...]] = (), row_height: float | None = None) -> Table:
    data = [[Paragraph(escape(c), st.cell) if isinstance(c, str) else c for c in row] for row in rows]
    t = Table(data, colWidths=list(widths), repeatRows=1 if header else 0,
              rowHeights=[row_height] * len(data) if row_height else None)
    style: list[tuple[Any, ...]] = [
        ("FONTNAME", (0, 0), (-1, -1), st.font),
        ("GRID", (0, 0), (-1, -1), 0.4, GRID),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]
    if header:
        style.append(("BACKGROUND", (0, 0), (-1, 0), HEAD_BG))
    style.extend(extra)
    t.setStyle(TableStyle(style))
    return t


def score_bar(value: float | None, bar: float, *, width: float = 38 * mm, height: float = 9) -> Drawing:
    """A 0–10 bar with the pass bar marked; green when it meets the bar, amber below."""
    d = Drawing(width, height)
    d.add(Rect(0, 1, width, height - 2, fillColor=colors.HexColor("#eeeeee"), strokeColor=None))
    if value is not None:
        colour = colors.HexColor("#5b9bd5") if value >= bar else colors.HexColor("#e39b3b")
        d.add(Rect(0, 1, width * max(0.0, min(value, 10.0)) / 10, height - 2, fillColor=colour, strokeColor=None))
    x = width * bar / 10
    d.add(Line(x, 0, x, height, strokeColor=colors.HexColor("#333333"), strokeWidth=1))
    return d


def _header_footer(detail: AssessmentDetail, st: _Styles):  # type: ignore[no-untyped-def]
    def draw(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(st.font, 7.5)
        canvas.setFillColor(colors.HexColor("#666666"))
        canvas.drawString(18 * mm, 10 * mm, _("Interview assessment · {name} · {position} · confidential personnel record").format(
            name=detail.candidate, position=detail.position))
        canvas.drawRightString(A4[0] - 18 * mm, 10 * mm, _("Page {n}").format(n=doc.page))
        canvas.restoreState()
    return draw


def _answer_block(a: AnswerView, st: _Styles, ai_used: bool) -> list[Any]:
    out: list[Any] = []
    head = _("Question {n} · {qtype} · {dimension} · {code} v{version}").format(
        n=a.position_in_plan, qtype=a.qtype, dimension=a.dimension, code=a.code, version=a.version)
    out.append(Paragraph(escape(head), st.h3))
    out.append(Paragraph(escape(a.text), st.body))
    scores = _("AI score {ai} · interviewer mark {mark} · answer {start}–{end} ({version} transcript)").format(
        ai=_num(a.ai_score) if ai_used else _("not used"), mark=_num(a.interviewer_mark),
        start=mmss(a.start), end=mmss(a.end), version=a.transcript_version or "—")
    out.append(Paragraph(escape(scores), st.small))
    if a.components:
        rows: list[list[Any]] = [[_("Component"), _("Value (0–1)"), _("Weight"), _("Points of 10")]]
        rows += [[c.label, f"{c.value:.2f}", f"{c.weight:.2f}", f"{c.contribution:.2f}"] for c in a.components]
        for r in a.rules:
            rows.append([_("Rule"), r.text, "", ""])
        out.append(_table(rows, (45 * mm, 30 * mm, 25 * mm, 30 * mm), st))
    if a.covered:
        out.append(Paragraph(escape(_("Key points covered")), st.small))
        for c in a.covered:
            mark = "✓" if c.kind == "covered" else "◐"
            quote = _("「{quote}」 at {time}").format(quote=c.detail, time=mmss(c.start)) if c.detail else ""
            out.append(Paragraph(escape(f"{mark} {c.text}　{quote}"), st.small))
    if a.missed:
        out.append(Paragraph(escape(_("Key points missed")), st.small))
        for m in a.missed:
            out.append(Paragraph(escape(f"○ {m}"), st.small))
    if a.terms:
        out.append(Paragraph(escape(_("Professional terms used: {terms}").format(terms="、".join(a.terms[:12]))),
                             st.small))
    for r in a.risks:
        risk = _("Risk: {message} 「{quote}」 at {time}").format(message=r.message, quote=r.quote, time=mmss(r.start))
        out.append(Paragraph(f'<font color="#b71c1c">{escape(risk)}</font>', st.small))
    if a.notes:
        out.append(Paragraph(escape(_("Interviewer's note: {note}").format(note=a.notes)), st.small))
    for w in a.warnings:
        out.append(Paragraph(escape(w), st.small))
    out.append(Spacer(1, 4))
    return out


def build_story(detail: AssessmentDetail) -> list[Any]:
    st = _Styles()
    ai_used = bool(detail.consent_ai)
    story: list[Any] = [
        Paragraph(escape(_("Interview assessment report")), st.title),
        Paragraph(escape(_("Generated {when} · the software recommends, a person decides (PIPL art. 24)").format(
            when=_when(datetime.now().astimezone()))), st.subtitle),
    ]
    info = [
        [_("Candidate"), detail.candidate, _("Position"), detail.position],
        [_("Department"), detail.department, _("Interview time"), _when(detail.scheduled_at)],
        [_("Interviewers"), detail.interviewers, _("Analysed"), _when(detail.analysed_at)],
    ]
    story.append(_table(info, (25 * mm, 60 * mm, 25 * mm, 64 * mm), st, header=False,
                        extra=[("BACKGROUND", (0, 0), (0, -1), HEAD_BG), ("BACKGROUND", (2, 0), (2, -1), HEAD_BG)]))

    story.append(Paragraph(escape(_("Consent record")), st.h2))
    consent = [
        [_("Audio recording"), _("Video recording"), _("AI analysis"), _("Recorded at")],
        [_yes_no(detail.consent_audio), _yes_no(detail.consent_video), _yes_no(detail.consent_ai), _when(detail.consent_at)],
    ]
    story.append(_table(consent, (43 * mm, 43 * mm, 43 * mm, 45 * mm), st))
    if not ai_used:
        story.append(Paragraph(escape(_("The candidate declined AI analysis: only the interviewer's marks were used; "
                                        "no AI scores and no non-verbal observations.")), st.small))

    story.append(Paragraph(escape(_("Recommendation and decision")), st.h2))
    colour = LEVEL_COLOURS.get(detail.recommendation, "#333333")
    story.append(Paragraph(
        escape(_("Software recommendation: {label} · total {total} / 10")).format(
            label=f'<font color="{colour}">{escape(recommendation_label(detail.recommendation))}</font>',
            total=_num(detail.total, "{:.2f}")), st.big))
    for r in detail.reasons:
        story.append(Paragraph(escape(f"· {r}"), st.body))
    if detail.decision is not None:
        d = detail.decision
        story.append(Paragraph(escape(_("Reviewer's decision: {label} — by {by} on {when}").format(
            label=recommendation_label(d.decision), by=d.decided_by, when=_when(d.decided_at))), st.big))
        story.append(Paragraph(escape(_("Reason: {reason}").format(reason=d.reason)), st.body))
    else:
        story.append(Paragraph(escape(_("Reviewer's decision: not decided yet.")), st.body))
    if detail.needs_review:
        story.append(Paragraph(escape(_("Why a person should review it:")), st.h3))
        for r in detail.review_reasons:
            story.append(Paragraph(escape(f"· {r}"), st.small))

    story.append(Paragraph(escape(_("Dimension scores")), st.h2))
    rows: list[list[Any]] = [[_("Dimension"), _("Weight"), _("Pass bar"), _("AI"), _("Interviewer's mark"), _("Blended"),
                              _("Against the bar"), _("Result")]]
    for dim in detail.dimensions:
        rows.append([dim.name, f"{dim.weight:g}%", f"{dim.pass_bar:g}", _num(dim.ai), _num(dim.interviewer),
                     _num(dim.blended), score_bar(dim.blended, dim.pass_bar), _label(STATUS_LABELS, dim.status)])
    story.append(_table(rows, (26 * mm, 14 * mm, 15 * mm, 14 * mm, 17 * mm, 15 * mm, 42 * mm, 22 * mm), st))
    if detail.nonverbal_weight:
        blend = _("The blended score averages the AI score and the interviewer's mark; the total weighs the dimensions "
                  "by the position's weights and non-verbal observations at {w}%.").format(
            w=f"{100 * detail.nonverbal_weight:g}")
    else:
        blend = _("The blended score averages the AI score and the interviewer's mark; the total weighs the dimensions "
                  "by the position's weights.")
    story.append(Paragraph(escape(blend), st.small))
    names = [d.name for d in detail.dimensions]
    series = [(_("Blended"), [d.blended for d in detail.dimensions])]
    if ai_used:
        series.append((_("AI"), [d.ai for d in detail.dimensions]))
    series.append((_("Interviewer's mark"), [d.interviewer for d in detail.dimensions]))
    chart = radar_chart(names, series, bars=[d.pass_bar for d in detail.dimensions], bar_label=_("Pass bar"),
                        width=300, height=240)
    story.append(KeepTogether([Spacer(1, 4), chart]))

    story.append(Paragraph(escape(_("Risk flags")), st.h2))
    if detail.risks:
        rows = [[_("Question"), _("Severity"), _("What"), _("What the candidate said"), _("Time")]]
        for r in detail.risks:
            rows.append([str(r.question), _("high") if r.severity == "high" else _("medium"), r.message, r.quote,
                         mmss(r.start)])
        story.append(_table(rows, (13 * mm, 14 * mm, 55 * mm, 76 * mm, 16 * mm), st))
    else:
        story.append(Paragraph(escape(_("No risk flags.") if ai_used else _("Not analysed (no AI consent).")), st.body))

    story.append(Paragraph(escape(_("Answers question by question")), st.h2))
    for a in detail.answers:
        story.extend(_answer_block(a, st, ai_used))

    story.append(Paragraph(escape(_("Non-verbal observations")), st.h2))
    from app.services.assessment import NONVERBAL_CAUTION

    story.append(Paragraph(escape(_(NONVERBAL_CAUTION)), st.small))
    if detail.nonverbal:
        rows = [[_("Observation"), _("Score (0–10)"), _("What was measured"), _("Time")]]
        for o in detail.nonverbal:
            span = f"{mmss(o.start)}–{mmss(o.end)}" if o.start is not None else "—"
            rows.append([o.label, f"{o.score:.1f}", o.note, span])
        story.append(_table(rows, (32 * mm, 22 * mm, 95 * mm, 25 * mm), st))
        story.append(Paragraph(escape(_("Non-verbal score {score}, weight {w}% of the total.").format(
            score=_num(detail.nonverbal_score), w=f"{100 * detail.nonverbal_weight:g}")), st.small))
    elif detail.nonverbal_note:
        story.append(Paragraph(escape(detail.nonverbal_note), st.body))
    for w in detail.warnings:
        story.append(Paragraph(escape(w), st.small))

    story.append(Spacer(1, 14))
    sign = [[_("Reviewer (signature)"), "", _("Date"), ""], [_("HR department (seal)"), "", _("Date"), ""]]
    story.append(_table(sign, (35 * mm, 70 * mm, 20 * mm, 49 * mm), st, header=False,
                        row_height=12 * mm))
    return story


def write_interview_pdf(detail: AssessmentDetail, path: Path) -> Path:
    st = _Styles()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        doc = SimpleDocTemplate(
            str(path), pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, topMargin=16 * mm, bottomMargin=18 * mm,
            title=_("Interview assessment report"), author="HR Desk", subject=detail.candidate,
        )
        hf = _header_footer(detail, st)
        doc.build(build_story(detail), onFirstPage=hf, onLaterPages=hf)
    except OSError as exc:
        raise StorageError(_("Cannot write {path}: {reason}. Choose another folder.").format(
            path=path, reason=exc.strerror or exc)) from exc
    return path


__all__ = ["build_story", "mmss", "radar_chart", "score_bar", "write_interview_pdf"]

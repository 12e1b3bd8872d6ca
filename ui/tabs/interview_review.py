"""评估与复核: analysed interviews, the review queue, each assessment expandable to its evidence, the
reviewer's decision, the PDF report and the comparison of a position's candidates."""

from __future__ import annotations

import getpass
from collections.abc import Sequence
from html import escape
from pathlib import Path
from typing import Any

from PySide6.QtCharts import QCategoryAxis, QChartView, QLineSeries, QPolarChart, QValueAxis
from PySide6.QtCore import QEvent, QMargins, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPalette, QPen, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QToolTip,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from app.i18n import N_, _
from app.services.assessment import (
    NONVERBAL_CAUTION,
    AssessmentDetail,
    Comparison,
    ComparisonRow,
    DimensionView,
    ReviewRow,
)
from app.tasks import ChangeSet
from ui.tablemodels.base import CENTER, RIGHT, ROW_ROLE, Column, DtoTableModel
from ui.tablemodels.labels import RECOMMENDATION_CODES, join_clauses, quoted, recommendation_label
from ui.tabs.base import Tab
from ui.widgets.progress import run_with_progress
from ui.widgets.table import FilterTable

STATUS_LABELS = {"pass": N_("meets the bar"), "below": N_("below the bar"), "far_below": N_("far below the bar"),
                 "missing": N_("no score")}
BAR_COLUMN = 6  # the "score against the bar" column of the dimension table
SERIES_COLOURS = ("#1f5fa8", "#c0504d", "#4f8a3c", "#8064a2", "#d8891c", "#2c9c9c")


def score(v: float | None) -> str:
    return "" if v is None else f"{v:.1f}"


BAR_PASS = QColor("#3b7dc4")
BAR_BELOW = QColor("#e0a040")
BAR_FAR_BELOW = QColor("#c0504d")
BAR_TRACK = QColor("#e8ecf1")


class ScoreBarDelegate(QStyledItemDelegate):
    """Paints a dimension's blended 0–10 score as a bar with a tick at the pass bar.

    Colours follow the result: blue at or above the bar, amber below it, red far below; the AI and
    interviewer scores are small markers on the track (hollow: AI, filled: interviewer) so a
    disagreement shows at a glance. The cell's text (the score) stays the model's display value for
    sorting, copying and screen readers; the tooltip spells the figures out."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Any) -> None:
        d = index.data(ROW_ROLE)
        if not isinstance(d, DimensionView):
            super().paint(painter, option, index)
            return
        style = option.widget.style() if option.widget is not None else QApplication.style()
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, option.widget)
        rect = option.rect.adjusted(6, 0, -6, 0)
        label_w = option.fontMetrics.horizontalAdvance("10.0") + 8
        track = QRectF(rect.left(), rect.center().y() - 6, max(10, rect.width() - label_w), 12)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(BAR_TRACK)
        painter.drawRoundedRect(track, 3, 3)

        def x_at(v: float) -> float:
            return track.left() + track.width() * max(0.0, min(10.0, v)) / 10.0

        if d.blended is not None:
            colour = BAR_PASS if d.status == "pass" else BAR_FAR_BELOW if d.status == "far_below" else BAR_BELOW
            painter.setBrush(colour)
            painter.drawRoundedRect(QRectF(track.left(), track.top(), x_at(d.blended) - track.left(), track.height()), 3, 3)
        for value, filled in ((d.ai, False), (d.interviewer, True)):
            if value is None:
                continue
            painter.setPen(QPen(QColor("#222222"), 1.2))
            painter.setBrush(QColor("#222222") if filled else Qt.BrushStyle.NoBrush)
            painter.drawEllipse(QPointF(x_at(value), track.center().y()), 3.0, 3.0)
        tick = x_at(d.pass_bar)
        painter.setPen(QPen(QColor("#222222"), 2))
        painter.drawLine(QPointF(tick, track.top() - 3), QPointF(tick, track.bottom() + 3))
        painter.setPen(option.palette.color(QPalette.ColorRole.Text))
        painter.drawText(QRectF(track.right() + 4, rect.top(), label_w, rect.height()),
                         int(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft), score(d.blended) or "—")
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index: Any) -> QSize:  # noqa: N802
        hint = super().sizeHint(option, index)
        return QSize(max(hint.width(), 170), max(hint.height(), 22))

    def helpEvent(self, event: Any, view: Any, option: QStyleOptionViewItem, index: Any) -> bool:  # noqa: N802
        d = index.data(ROW_ROLE)
        if isinstance(d, DimensionView) and event.type() == QEvent.Type.ToolTip:
            QToolTip.showText(event.globalPos(), bar_tooltip(d), view)
            return True
        return super().helpEvent(event, view, option, index)


def status_label(status: str) -> str:
    """A dimension's result against its pass bar (达标 / 未达标 / 明显未达标 / 无评分 in Chinese)."""
    msgid = STATUS_LABELS.get(status)
    return _(msgid) if msgid is not None else status


def bar_tooltip(d: DimensionView) -> str:
    return _("{name}: blended {blended} (AI {ai}, interviewer {mark}); pass bar {bar}; {status}").format(
        name=d.name, blended=score(d.blended) or "—", ai=score(d.ai) or "—", mark=score(d.interviewer) or "—",
        bar=f"{d.pass_bar:g}", status=status_label(d.status))


def mmss(seconds: float | None) -> str:
    if seconds is None:
        return ""
    s = int(round(seconds))
    return f"{s // 60:02d}:{s % 60:02d}"


# --------------------------------------------------------------------------------------------
# Radar chart (QtCharts polar chart)


def radar_view(parent: QWidget | None = None) -> QChartView:
    view = QChartView(QPolarChart(), parent)
    view.setRenderHint(QPainter.RenderHint.Antialiasing)
    view.setMinimumSize(260, 240)
    return view


def fill_radar(
    view: QChartView, axes: Sequence[str], series: Sequence[tuple[str, Sequence[float | None]]],
    bars: Sequence[float] | None = None,
) -> QPolarChart:
    """Replace the view's chart by a radar of ``series`` on ``axes`` (0–10), with the pass bars dashed."""
    chart = QPolarChart()
    chart.setMargins(QMargins(4, 4, 4, 4))
    chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
    n = len(axes)
    angular = QCategoryAxis()
    angular.setRange(0, max(n, 1))
    angular.setLabelsPosition(QCategoryAxis.AxisLabelsPosition.AxisLabelsPositionOnValue)
    for i, name in enumerate(axes):
        angular.append(name, i)
    radial = QValueAxis()
    radial.setRange(0, 10)
    radial.setTickCount(6)
    radial.setLabelFormat("%d")
    chart.addAxis(angular, QPolarChart.PolarOrientation.PolarOrientationAngular)
    chart.addAxis(radial, QPolarChart.PolarOrientation.PolarOrientationRadial)
    todo: list[tuple[str, Sequence[float | None], QPen]] = []
    for k, (label, values) in enumerate(series):
        pen = QPen(QColor(SERIES_COLOURS[k % len(SERIES_COLOURS)]))
        pen.setWidthF(2.0)
        todo.append((label, values, pen))
    if bars:
        pen = QPen(QColor("#666666"))
        pen.setStyle(Qt.PenStyle.DashLine)
        todo.append((_("Pass bar"), bars, pen))
    for label, values, pen in todo:
        s = QLineSeries()
        s.setName(label)
        for i, v in enumerate(values):
            s.append(i, v or 0.0)
        if values:
            s.append(n, values[0] or 0.0)
        s.setPen(pen)
        chart.addSeries(s)
        s.attachAxis(angular)
        s.attachAxis(radial)
    old = view.chart()
    view.setChart(chart)
    if old is not None and old is not chart:
        old.deleteLater()
    return chart


# --------------------------------------------------------------------------------------------
# Evidence tree


def evidence_model(d: AssessmentDetail, parent: Any = None) -> QStandardItemModel:
    """The assessment as a tree: questions → components → evidence; risks; non-verbal observations."""
    model = QStandardItemModel(parent)
    model.setHorizontalHeaderLabels([_("Item"), _("Score / value"), _("Evidence"), _("Time")])

    def row(parent_item: QStandardItem | QStandardItemModel, *cells: str, colour: str | None = None) -> QStandardItem:
        items = [QStandardItem(c) for c in cells] + [QStandardItem("") for _i in range(4 - len(cells))]
        for it in items:
            it.setEditable(False)
            if colour:
                it.setForeground(QBrush(QColor(colour)))
        parent_item.appendRow(items)
        return items[0]

    answers = row(model, _("Answers ({n} questions)").format(n=len(d.answers)))
    for a in d.answers:
        label = _("Q{n} {qtype} · {dimension}").format(n=a.position_in_plan, qtype=a.qtype, dimension=a.dimension)
        value = _("AI {ai} / interviewer {mark}").format(ai=score(a.ai_score) or "—", mark=score(a.interviewer_mark) or "—")
        q = row(answers, label, value, a.text, f"{mmss(a.start)}–{mmss(a.end)}" if a.start is not None else "")
        row(q, _("Transcript ({version})").format(version=a.transcript_version or "—"), "", a.transcript or _("(no answer)"))
        for c in a.components:
            comp = row(q, c.label, _("{value} × {weight} = {points}").format(
                value=f"{c.value:.2f}", weight=f"{c.weight:.2f}", points=f"{c.contribution:.2f}"))
            for e in c.evidence:
                row(comp, e.rule, e.detail if e.kind != "quote" else "", e.text, mmss(e.start))
        for r in a.rules:
            row(q, _("Rule"), "", r.text, "", colour="#b71c1c")
        if a.covered:
            cov = row(q, _("Key points covered ({n})").format(n=len(a.covered)))
            for c in a.covered:
                row(cov, c.text, c.kind, c.detail, mmss(c.start))
        if a.missed:
            mis = row(q, _("Key points missed ({n})").format(n=len(a.missed)), colour="#b26a00")
            for m in a.missed:
                row(mis, m)
        for r in a.risks:
            row(q, _("Risk"), r.severity, f"{r.message} {quoted(r.quote)}", mmss(r.start), colour="#b71c1c")
        if a.notes:
            row(q, _("Interviewer's note"), "", a.notes)
        for w in a.warnings:
            row(q, _("Note"), "", w)
    risks = row(model, _("Risk flags ({n})").format(n=len(d.risks)), colour="#b71c1c" if d.risks else None)
    for r in d.risks:
        row(risks, _("Q{n}").format(n=r.question), r.severity, f"{r.message} {quoted(r.quote)}", mmss(r.start))
    nv = row(model, _("Non-verbal observations ({n})").format(n=len(d.nonverbal)))
    row(nv, _("Caution"), "", _(NONVERBAL_CAUTION))
    if d.nonverbal_note:
        row(nv, _("Note"), "", d.nonverbal_note)
    for o in d.nonverbal:
        row(nv, o.label, f"{o.score:.1f}", o.note, f"{mmss(o.start)}–{mmss(o.end)}" if o.start is not None else "")
    if d.decisions:
        hist = row(model, _("Decisions ({n})").format(n=len(d.decisions)))
        for dec in d.decisions:
            from app.domain.timeutil import to_local

            row(hist, dec.label, dec.decided_by, dec.reason, to_local(dec.decided_at).strftime("%Y-%m-%d %H:%M"))
    return model


# --------------------------------------------------------------------------------------------
# Dialogs


class DecisionDialog(QDialog):
    def __init__(self, detail: AssessmentDetail, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Decision on {name}").format(name=detail.candidate))
        self.level = QComboBox(self)
        for code in RECOMMENDATION_CODES:
            self.level.addItem(recommendation_label(code), code)
        self.level.setCurrentIndex(max(self.level.findData(detail.recommendation), 0) if detail.recommendation
                                   in RECOMMENDATION_CODES else RECOMMENDATION_CODES.index("hold"))
        self.reason = QPlainTextEdit(self)
        self.reason.setPlaceholderText(_("Why? The reason is kept with the interview record."))
        self.user = QLineEdit(getpass.getuser(), self)
        form = QFormLayout()
        form.addRow(QLabel(_("Software recommendation: {label} (total {total})").format(
            label=recommendation_label(detail.recommendation), total=score(detail.total)), self))
        form.addRow(_("Decision:"), self.level)
        form.addRow(_("Reason:"), self.reason)
        form.addRow(_("Decided by:"), self.user)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)

    def values(self) -> tuple[str, str, str]:
        return str(self.level.currentData()), self.reason.toPlainText(), self.user.text()


class ComparisonDialog(QDialog):
    def __init__(self, comparison: Comparison, page: InterviewReviewPage) -> None:
        super().__init__(page)
        self.comparison = comparison
        self.page = page
        self.setWindowTitle(_("Candidates for {position}").format(position=comparison.position))
        columns: list[Column[ComparisonRow]] = [
            Column[ComparisonRow]("candidate", _("Candidate")),
            Column[ComparisonRow]("total", _("Total"), align=RIGHT),
            Column[ComparisonRow]("recommendation", _("Recommendation"), fmt=recommendation_label),
            Column[ComparisonRow]("decision", _("Decision"), fmt=recommendation_label),
            Column[ComparisonRow]("risk_count", _("Risk flags"), align=RIGHT),
        ]
        for j, name in enumerate(comparison.dimensions):
            columns.append(Column[ComparisonRow](
                f"dim{j}", name, value=lambda r, j=j: r.scores[j], fmt=score, align=RIGHT,
                color=lambda r, j=j: "#fbe3d6" if r.scores[j] is not None and r.scores[j] < comparison.pass_bars[j] else None,
            ))
        self.table = FilterTable(columns, title=_("Blended scores by dimension"), sort=("total", Qt.SortOrder.DescendingOrder),
                                 parent=self)
        self.table.set_rows(comparison.rows)
        self.radar = radar_view(self)
        fill_radar(self.radar, comparison.dimensions, [(r.candidate, r.scores) for r in comparison.rows],
                   comparison.pass_bars)
        self.export = QPushButton(_("Export to Excel…"), self)
        self.export.clicked.connect(self._on_export_clicked)
        close = QPushButton(_("Close"), self)
        close.clicked.connect(self.accept)
        split = QSplitter(Qt.Orientation.Horizontal, self)
        split.addWidget(self.table)
        split.addWidget(self.radar)
        split.setSizes([600, 380])
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.export)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(split, 1)
        layout.addLayout(buttons)
        self.resize(1100, 520)

    def _on_export_clicked(self) -> None:
        path, _filter = QFileDialog.getSaveFileName(
            self, _("Export the comparison"), _("candidate_comparison_{position}.xlsx").format(position=self.comparison.position), "Excel (*.xlsx)")
        if path:
            self.page.export_comparison(self.comparison.position_id, Path(path))


# --------------------------------------------------------------------------------------------
# The page


class InterviewReviewPage(Tab):
    KEY = "interview_review"
    TABLES = frozenset({"interviews", "interview_assessments", "interview_decisions"})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.detail: AssessmentDetail | None = None
        self.table = FilterTable(
            [
                Column[ReviewRow]("scheduled_at", _("Time")),
                Column[ReviewRow]("candidate", _("Candidate")),
                Column[ReviewRow]("position", _("Position")),
                Column[ReviewRow]("total", _("Total"), align=RIGHT),
                Column[ReviewRow]("recommendation", _("Recommendation"), fmt=recommendation_label),
                Column[ReviewRow]("needs_review", _("To review"), fmt=lambda v: _("yes") if v else "", align=CENTER,
                                  color=lambda r: "#fde0b8" if r.needs_review and not r.decision else None),
                Column[ReviewRow]("risk_count", _("Risk flags"), align=RIGHT,
                                  color=lambda r: "#f8c9c4" if r.risk_count else None),
                Column[ReviewRow]("decision", _("Decision"), fmt=recommendation_label),
                Column[ReviewRow]("decided_by", _("Decided by")),
                Column[ReviewRow]("review_reasons", _("Why review"), fmt=lambda v: join_clauses(x.rstrip("。.") for x in v)),
            ],
            title=_("Analysed interviews"),
            sort=("scheduled_at", Qt.SortOrder.DescendingOrder),
            parent=self,
        )
        self.queue_only = QCheckBox(_("Only the review queue (undecided, needs review)"), self)
        self.decide_button = QPushButton(_("Decide…"), self)
        self.pdf_button = QPushButton(_("Export report PDF…"), self)
        self.compare_button = QPushButton(_("Compare candidates…"), self)
        self.reanalyse_button = QPushButton(_("Analyse again"), self)
        self.summary = QLabel(self)
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.summary.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.dimension_model: DtoTableModel[DimensionView] = DtoTableModel(
            [
                Column[DimensionView]("name", _("Dimension")),
                Column[DimensionView]("weight", _("Weight"), fmt=lambda v: f"{v:g}%", align=RIGHT),
                Column[DimensionView]("pass_bar", _("Pass bar"), fmt=lambda v: f"{v:g}", align=RIGHT),
                Column[DimensionView]("ai", _("AI"), fmt=score, align=RIGHT),
                Column[DimensionView]("interviewer", _("Interviewer's mark"), fmt=score, align=RIGHT),
                Column[DimensionView]("blended", _("Blended"), fmt=score, align=RIGHT),
                Column[DimensionView]("bar", _("Score against the bar"), value=lambda d: d.blended, fmt=score),
                Column[DimensionView]("status", _("Result"), fmt=status_label),
            ],
            self,
        )
        self.dimensions = QTableView(self)
        self.dimensions.setModel(self.dimension_model)
        self.dimensions.verticalHeader().setVisible(False)
        self.dimensions.horizontalHeader().setStretchLastSection(True)
        self.bar_delegate = ScoreBarDelegate(self.dimensions)
        self.dimensions.setItemDelegateForColumn(BAR_COLUMN, self.bar_delegate)
        self.radar = radar_view(self)
        self.tree = QTreeView(self)
        self.tree.setUniformRowHeights(False)
        self.tree.setWordWrap(True)
        self.tree.setAlternatingRowColors(True)
        self.evidence: QStandardItemModel = QStandardItemModel(self)
        self.tree.setModel(self.evidence)

        buttons = QHBoxLayout()
        buttons.addWidget(self.queue_only)
        buttons.addStretch(1)
        for b in (self.reanalyse_button, self.decide_button, self.pdf_button, self.compare_button):
            buttons.addWidget(b)
        left = QWidget(self)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.summary)
        left_layout.addWidget(self.dimensions, 1)
        left_layout.addWidget(self.radar, 2)
        bottom = QSplitter(Qt.Orientation.Horizontal, self)
        bottom.addWidget(left)
        bottom.addWidget(self.tree)
        bottom.setSizes([520, 780])
        split = QSplitter(Qt.Orientation.Vertical, self)
        top = QWidget(self)
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addLayout(buttons)
        top_layout.addWidget(self.table, 1)
        split.addWidget(top)
        split.addWidget(bottom)
        split.setSizes([260, 600])
        layout = QVBoxLayout(self)
        layout.addWidget(split)
        self._update_buttons()
        self._connect_signals()

    def title(self) -> str:
        return _("Assessment and review")

    def _connect_signals(self) -> None:
        self.table.row_selected.connect(self._on_table_row_selected)
        self.queue_only.toggled.connect(self._on_queue_only_toggled)
        self.decide_button.clicked.connect(self._on_decide_clicked)
        self.pdf_button.clicked.connect(self._on_pdf_clicked)
        self.compare_button.clicked.connect(self._on_compare_clicked)
        self.reanalyse_button.clicked.connect(self._on_reanalyse_clicked)

    # ---------------------------------------------------------------- loading
    def reload(self) -> None:
        self.load(self.services.assessment.analysed, self._on_rows_loaded)

    def _on_rows_loaded(self, rows: list[ReviewRow]) -> None:
        current = self.detail.interview_id if self.detail else None
        self.table.set_rows(rows)
        for r in range(self.table.proxy.rowCount()):
            row = self.table.proxy.index(r, 0).data(Qt.ItemDataRole.UserRole + 2)
            if row is not None and row.interview_id == current:
                self.table.view.selectRow(r)
                break
        else:
            self.table.select_first()
        if not rows:
            self._show(None)

    def select_interview(self, interview_id: int) -> None:
        for r in range(self.table.proxy.rowCount()):
            row = self.table.proxy.index(r, 0).data(Qt.ItemDataRole.UserRole + 2)
            if row is not None and row.interview_id == interview_id:
                self.table.view.selectRow(r)
                return

    def _on_table_row_selected(self, row: ReviewRow | None) -> None:
        if row is None:
            self._show(None)
            return
        interview_id = row.interview_id
        self.load(lambda: self.services.assessment.detail(interview_id), self._show)

    def _show(self, d: AssessmentDetail | None) -> None:
        self.detail = d
        self._update_buttons()
        if d is None:
            self.summary.setText(_("Select an analysed interview."))
            self.dimension_model.set_rows([])
            self.evidence.clear()
            fill_radar(self.radar, [], [])
            return
        lines = [
            _("<b>{name}</b> · {position} · {department}").format(
                name=escape(d.candidate), position=escape(d.position), department=escape(d.department)),
            _("Recommendation: <b>{label}</b> · total {total} (verbal {verbal})").format(
                label=escape(recommendation_label(d.recommendation)), total=score(d.total), verbal=score(d.verbal_total)),
        ]
        lines += [f"· {escape(r)}" for r in d.reasons]
        if d.decision:
            lines.append(_("Decision: <b>{label}</b> by {by}: {reason}").format(
                label=escape(recommendation_label(d.decision.decision)), by=escape(d.decision.decided_by), reason=escape(d.decision.reason)))
        elif d.needs_review:
            lines.append("<span style='color:#b26a00'>" + escape(_("Needs a person's review:")) + "</span> "
                         + escape(join_clauses(x.rstrip("。.") for x in d.review_reasons)))
        consent = _("Consent: audio {audio}, video {video}, AI analysis {ai}").format(
            audio=_yes(d.consent_audio), video=_yes(d.consent_video), ai=_yes(d.consent_ai))
        lines.append(f"<span style='color:#555'>{escape(consent)}</span>")
        self.summary.setText("<br>".join(lines))
        self.dimension_model.set_rows(list(d.dimensions))
        self.dimensions.resizeColumnsToContents()
        names = [x.name for x in d.dimensions]
        series: list[tuple[str, Sequence[float | None]]] = [(_("Blended"), [x.blended for x in d.dimensions])]
        if d.consent_ai:
            series.append((_("AI"), [x.ai for x in d.dimensions]))
        series.append((_("Interviewer's mark"), [x.interviewer for x in d.dimensions]))
        fill_radar(self.radar, names, series, [x.pass_bar for x in d.dimensions])
        model = evidence_model(d, self)
        self.tree.setModel(model)
        self.evidence.deleteLater()
        self.evidence = model
        self.tree.expand(model.index(0, 0))
        self.tree.setColumnWidth(0, 240)
        self.tree.setColumnWidth(1, 150)
        self.tree.setColumnWidth(2, 360)

    def _update_buttons(self) -> None:
        d = self.detail
        self.decide_button.setEnabled(d is not None)
        self.pdf_button.setEnabled(d is not None)
        self.compare_button.setEnabled(d is not None)
        self.reanalyse_button.setEnabled(d is not None and d.state != "decided")

    # ---------------------------------------------------------------- actions
    def _after_change(self, changes: object) -> None:
        window = self.window()
        if isinstance(changes, ChangeSet) and hasattr(window, "publish_changes"):
            window.publish_changes(changes)
        else:
            self.reload()

    def _on_queue_only_toggled(self, checked: bool) -> None:
        self.table.set_filter_predicate((lambda r: r.needs_review and not r.decision) if checked else None)

    def _on_decide_clicked(self) -> None:
        d = self.detail
        if d is None:
            return
        dialog = DecisionDialog(d, self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        self.decide(*dialog.values())

    def decide(self, decision: str, reason: str, user: str) -> None:
        d = self.detail
        if d is None:
            return
        svc = self.services.assessment
        version = d.version
        self.pool.submit(lambda: svc.decide(d.interview_id, decision, reason, user, expected_version=version),
                         on_done=self._after_change, on_error=self.show_error)

    def _on_reanalyse_clicked(self) -> None:
        d = self.detail
        if d is None:
            return
        svc = self.services.assessment
        run_with_progress(self, self.pool, _("Analysing the interview…"),
                          lambda progress, cancel: svc.analyse(d.interview_id, progress=progress, cancel=cancel).changes,
                          self._after_change)

    def _on_pdf_clicked(self) -> None:
        d = self.detail
        if d is None:
            return
        path, _filter = QFileDialog.getSaveFileName(self, _("Export report PDF"), _("interview_report_{candidate}.pdf").format(candidate=d.candidate), "PDF (*.pdf)")
        if path:
            self.export_pdf(Path(path))

    def export_pdf(self, path: Path) -> None:
        d = self.detail
        if d is None:
            return
        svc = self.services.assessment
        run_with_progress(self, self.pool, _("Writing the report…"),
                          lambda progress, cancel: svc.export_pdf(d.interview_id, path, cancel=cancel),
                          lambda p: QMessageBox.information(self, _("HR Desk"), _("Saved {path}").format(path=p)), lane="io")

    def _on_compare_clicked(self) -> None:
        d = self.detail
        if d is None:
            return
        position_id = d.position_id
        self.load(lambda: self.services.assessment.comparison(position_id), self._open_comparison)

    def _open_comparison(self, comparison: Comparison) -> None:
        self.comparison_dialog = ComparisonDialog(comparison, self)
        self.comparison_dialog.show()

    def export_comparison(self, position_id: int, path: Path) -> None:
        svc = self.services.assessment
        run_with_progress(self, self.pool, _("Writing the comparison…"),
                          lambda progress, cancel: svc.export_comparison(position_id, path),
                          lambda p: QMessageBox.information(self, _("HR Desk"), _("Saved {path}").format(path=p)), lane="io")


def _yes(v: bool | None) -> str:
    if v is None:
        return _("not asked")
    return _("agreed") if v else _("declined")


__all__ = ["ComparisonDialog", "DecisionDialog", "InterviewReviewPage", "evidence_model", "fill_radar"]

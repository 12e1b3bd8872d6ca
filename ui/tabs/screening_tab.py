"""简历筛选: import resumes (files, folders, drag and drop), rank them against a position with explanations,
correct extracted fields, and invite the shortlist to interview. Blind mode hides who the candidate is."""

from __future__ import annotations

import html
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
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
    QPushButton,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from app.i18n import N_, _
from app.positions import rules
from app.services.screening import CandidateDetail, FieldRow, ImportReport, PositionChoice, RankedRow, RankingView
from app.tasks import ChangeSet
from ui.tablemodels.base import RIGHT, ROW_ROLE, Column
from ui.tablemodels.labels import join_list
from ui.tabs.base import Tab
from ui.widgets.progress import run_with_progress
from ui.widgets.table import FilterTable

CANDIDATE_STATUS = {
    "new": N_("new"), "screened": N_("screened"), "interview": N_("interview"), "offer": N_("offer"),
    "hired": N_("hired"), "rejected": N_("rejected"), "pool": N_("talent pool"),
}
BLIND_COLUMNS = ("gender", "age", "phone")


def status_label(code: str) -> str:
    return _(CANDIDATE_STATUS.get(code, code))


def _eligible_label(ok: bool) -> str:
    return _("eligible") if ok else _("not eligible")


def _pct(v: float | None) -> str:
    return "" if v is None else f"{v * 100:.0f}%"


def resume_filter() -> str:
    """The file-dialog filter for resumes, in the current language (Qt reads the patterns in brackets)."""
    return _("Resumes (*.pdf *.docx *.txt);;All files (*)")


class ScreeningTab(Tab):
    KEY = "screening"
    TABLES = frozenset({"candidates", "people", "documents", "positions", "position_rules", "synonyms", "interviews"})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.setAcceptDrops(True)
        self.view_data: RankingView | None = None
        self.current: RankedRow | None = None
        self.detail_data: CandidateDetail | None = None
        self.position_box = QComboBox(self)
        self.position_box.setMinimumWidth(260)
        self.blind_box = QCheckBox(_("Blind screening"), self)
        self.blind_box.setToolTip(_("Hide name, gender, age, photo and contact details while ranking."))
        self.eligible_box = QCheckBox(_("Eligible only"), self)
        self.import_files_button = QPushButton(_("Import files…"), self)
        self.import_folder_button = QPushButton(_("Import folder…"), self)
        self.screen_button = QPushButton(_("Save scores"), self)
        self.screen_button.setToolTip(_("Store the scores of this ranking; new candidates become screened."))
        self.correct_button = QPushButton(_("Correct fields…"), self)
        self.invite_button = QPushButton(_("Invite to interview"), self)
        top = QHBoxLayout()
        top.addWidget(QLabel(_("Position"), self))
        top.addWidget(self.position_box)
        top.addWidget(self.blind_box)
        top.addWidget(self.eligible_box)
        top.addStretch(1)
        for b in (self.import_files_button, self.import_folder_button, self.screen_button, self.correct_button,
                  self.invite_button):
            top.addWidget(b)
        self.table = FilterTable(
            [
                Column[RankedRow]("rank", _("Rank"), align=RIGHT),
                Column[RankedRow]("name", _("Name")),
                Column[RankedRow]("gender", _("Gender")),
                Column[RankedRow]("age", _("Age"), align=RIGHT),
                Column[RankedRow]("phone", _("Phone")),
                Column[RankedRow]("highest_degree", _("Degree")),
                Column[RankedRow]("major", _("Major")),
                Column[RankedRow]("current_title", _("Title")),
                Column[RankedRow]("experience_years", _("Years"), align=RIGHT),
                Column[RankedRow]("eligible", _("Hard requirements"), fmt=_eligible_label,
                                  color=lambda r: "#e3f4e1" if r.eligible else "#fbe3e3"),
                Column[RankedRow]("score", _("Score"), align=RIGHT),
                Column[RankedRow]("relevance", _("Relevance"), value=lambda r: r.result.relevance, fmt=_pct,
                                  align=RIGHT),
                Column[RankedRow]("top_terms", _("Top terms")),
                Column[RankedRow]("failed", _("Why not eligible")),
                Column[RankedRow]("status", _("Status"), fmt=status_label),
            ],
            title=_("Ranking"),
            sort=("rank", Qt.SortOrder.AscendingOrder),
            parent=self,
        )
        self.table.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.preview = QTextBrowser(self)
        self.preview.setOpenExternalLinks(False)
        self.hint = QLabel(_("Drop resume files or folders here to import them for the selected position."), self)
        self.hint.setStyleSheet("color: #666;")
        split = QSplitter(Qt.Orientation.Horizontal, self)
        split.addWidget(self.table)
        split.addWidget(self.preview)
        split.setSizes([950, 550])
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(split, 1)
        layout.addWidget(self.hint)
        self._connect_signals()
        self._update_buttons()

    def _connect_signals(self) -> None:
        self.table.row_selected.connect(self._on_table_row_selected)
        self.position_box.currentIndexChanged.connect(self._on_position_box_current_index_changed)
        self.blind_box.toggled.connect(self._on_blind_box_toggled)
        self.eligible_box.toggled.connect(self._on_eligible_box_toggled)
        self.import_files_button.clicked.connect(self._on_import_files_button_clicked)
        self.import_folder_button.clicked.connect(self._on_import_folder_button_clicked)
        self.screen_button.clicked.connect(self._on_screen_button_clicked)
        self.correct_button.clicked.connect(self._on_correct_button_clicked)
        self.invite_button.clicked.connect(self._on_invite_button_clicked)

    def title(self) -> str:
        return _("Screening")

    # ------------------------------------------------------------------ loading
    def position_id(self) -> int | None:
        data = self.position_box.currentData()
        return int(data) if data is not None else None

    def reload(self) -> None:
        self.load(self.services.screening.positions, self._on_positions_loaded)

    def _on_positions_loaded(self, positions: list[PositionChoice]) -> None:
        keep = self.position_id()
        self.position_box.blockSignals(True)
        self.position_box.clear()
        for p in positions:
            self.position_box.addItem(_("{code} {title} ({n} candidates)").format(code=p.code, title=p.title,
                                                                                   n=p.candidates), p.id)
        index = self.position_box.findData(keep) if keep is not None else -1
        if index < 0:
            index = next((i for i, p in enumerate(positions) if p.candidates), 0 if positions else -1)
        self.position_box.setCurrentIndex(index)
        self.position_box.blockSignals(False)
        self.reload_ranking()

    def reload_ranking(self) -> None:
        pid = self.position_id()
        if pid is None:
            self.table.set_rows([])
            self.preview.clear()
            return
        blind = self.blind_box.isChecked()
        self.load(lambda: self.services.screening.rank(pid, blind=blind), self._on_ranking_loaded)

    def _on_ranking_loaded(self, view: RankingView) -> None:
        self.view_data = view
        for key in BLIND_COLUMNS:
            self.table.view.setColumnHidden(self._column(key), view.blind)
        self.table.set_rows(view.rows)
        self._apply_filter()
        self.table.select_first()
        if not view.rows:
            self.current = None
            self.preview.setHtml(html.escape(_("No candidate has applied for this position yet. Import resumes "
                                               "with the buttons above or drop files here.")))
        self._update_buttons()

    def _column(self, key: str) -> int:
        return [c.key for c in self.table.model._columns].index(key)

    def _apply_filter(self) -> None:
        only = self.eligible_box.isChecked()
        self.table.set_filter_predicate((lambda r: r.eligible) if only else None)

    def _on_position_box_current_index_changed(self, _index: int) -> None:
        self.reload_ranking()

    def _on_blind_box_toggled(self, _checked: bool) -> None:
        self.reload_ranking()

    def _on_eligible_box_toggled(self, _checked: bool) -> None:
        self._apply_filter()

    def selected_rows(self) -> list[RankedRow]:
        rows = [i.data(ROW_ROLE) for i in self.table.view.selectionModel().selectedRows()]
        return [r for r in rows if r is not None]

    def _update_buttons(self) -> None:
        has_pos = self.position_id() is not None
        self.screen_button.setEnabled(has_pos and bool(self.view_data and self.view_data.rows))
        self.correct_button.setEnabled(self.current is not None)
        self.invite_button.setEnabled(has_pos and self.current is not None)

    # ------------------------------------------------------------------ detail
    def _on_table_row_selected(self, row: RankedRow | None) -> None:
        self.current = row
        self._update_buttons()
        if row is None:
            self.preview.clear()
            return
        blind = row.blind
        terms = tuple(t.term for t in row.result.top_terms)

        def fetch() -> tuple[CandidateDetail, list[tuple[int, int, str]]]:
            detail = self.services.screening.detail(row.candidate_id, blind=blind)
            spans = list(row.result.highlight_spans())
            if terms and detail.text:
                pt = rules.prepare(detail.text)
                for t in terms:
                    spans += [(h.start, h.end, "term") for h in rules.find_term(t, pt)]
            return detail, spans

        self.load(fetch, lambda result: self._show_detail(row, *result))

    def _show_detail(self, row: RankedRow, detail: CandidateDetail, spans: list[tuple[int, int, str]]) -> None:
        if self.current is None or self.current.candidate_id != row.candidate_id:
            return
        self.detail_data = detail
        self.preview.setHtml(detail_html(row, detail, spans))

    # ------------------------------------------------------------------ import
    def _on_import_files_button_clicked(self) -> None:
        files, _filter = QFileDialog.getOpenFileNames(self, _("Import resumes"), "", resume_filter())
        if files:
            self.import_paths(files)

    def _on_import_folder_button_clicked(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, _("Import every resume in a folder"))
        if folder:
            self.import_paths([folder])

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802
        if event.mimeData().hasUrls() and any(u.isLocalFile() for u in event.mimeData().urls()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802
        paths = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self.import_paths(paths)

    def import_paths(self, paths: Sequence[str | Path]) -> None:
        pid = self.position_id()
        service = self.services.screening

        def work(progress: Any, cancel: Any) -> ImportReport:
            return service.import_files(list(paths), position_id=pid, source=_("file import"),
                                        progress=progress, cancel=cancel)

        run_with_progress(self, self.pool, _("Importing resumes…"), work, self._on_imported)

    def _on_imported(self, report: ImportReport) -> None:
        from ui.dialogs.import_report import ImportReportDialog

        self.publish(ChangeSet.of("people", "candidates", "documents"))
        self.last_report_dialog = ImportReportDialog(report, self.services, self.pool, on_changed=self.publish,
                                                     parent=self)
        self.last_report_dialog.open()

    def publish(self, changes: ChangeSet) -> None:
        window = self.window()
        if hasattr(window, "publish_changes"):
            window.publish_changes(changes)
        else:
            self.reload()

    # ------------------------------------------------------------------ actions
    def _on_screen_button_clicked(self) -> None:
        pid = self.position_id()
        if pid is None:
            return
        service = self.services.screening

        def work(progress: Any, cancel: Any) -> RankingView:
            return service.screen(pid, progress=progress, cancel=cancel)

        run_with_progress(self, self.pool, _("Screening…"),
                          work, lambda _v: self.publish(ChangeSet.of("candidates")))

    def _on_invite_button_clicked(self) -> None:
        pid = self.position_id()
        rows = self.selected_rows() or ([self.current] if self.current else [])
        if pid is None or not rows:
            return
        not_ok = [r for r in rows if not r.eligible]
        text = _("Invite {n} candidates to interview for this position?").format(n=len(rows))
        if not_ok:
            text += "\n" + _("{n} of them do not meet the hard requirements.").format(n=len(not_ok))
        if QMessageBox.question(self, _("Invite to interview"), text) != QMessageBox.StandardButton.Yes:
            return
        self.invite([r.candidate_id for r in rows])

    def invite(self, candidate_ids: list[int]) -> None:
        pid = self.position_id()
        assert pid is not None

        def done(result: Any) -> None:
            self.publish(result.changes)
            QMessageBox.information(self, _("Invite to interview"), _(
                "{created} interviews planned; {already} were already invited.").format(
                created=result.created, already=result.already))

        self.pool.submit(lambda: self.services.screening.invite(candidate_ids, pid), lane="db", on_done=done,
                         on_error=self.show_error)

    def _on_correct_button_clicked(self) -> None:
        if self.current is None or self.detail_data is None:
            return
        dialog = CorrectionsDialog(self.detail_data, self)
        if dialog.exec() == QDialog.DialogCode.Accepted and dialog.changes():
            self.save_corrections(self.detail_data, dialog.changes())

    def save_corrections(self, detail: CandidateDetail, changes: dict[str, Any]) -> None:
        self.pool.submit(
            lambda: self.services.screening.save_corrections(detail.candidate_id, detail.version, changes),
            lane="db", on_done=self.publish, on_error=self.show_error)


class CorrectionsDialog(QDialog):
    """One line per extracted field: empty = use the extracted value (shown greyed as placeholder)."""

    def __init__(self, detail: CandidateDetail, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Correct extracted fields"))
        self.detail = detail
        self.edits: dict[str, tuple[FieldRow, QLineEdit]] = {}
        form = QFormLayout()
        for f in detail.fields:
            edit = QLineEdit(self)
            edit.setPlaceholderText(f.extracted or _("(not found)"))
            if f.correction is not None:
                edit.setText(f.correction)
            form.addRow(f.label, edit)
            self.edits[f.key] = (f, edit)
        note = QLabel(_("Leave a line empty to use the value read from the resume. Corrections are kept when "
                        "the resume is read again."), self)
        note.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(buttons)

    def changes(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, (f, edit) in self.edits.items():
            text = edit.text().strip()
            if text == (f.correction or ""):
                continue
            out[key] = text or None
        return out


# ---------------------------------------------------------------------------------------------- HTML


_SPAN_STYLE = {"rule": "background:#ffe58f;", "excluded": "background:#ffccc7;text-decoration:line-through;",
               "term": "background:#d6e4ff;"}
_STATE_MARK = {"pass": ("✓", "#237804"), "fail": ("✗", "#a8071a"), "unknown": ("?", "#ad6800")}


def highlighted(text: str, spans: Sequence[tuple[int, int, str]]) -> str:
    """The text as HTML with non-overlapping spans marked (rule hits win over top-term hits)."""
    priority = {"rule": 0, "excluded": 0, "term": 1}
    chosen: list[tuple[int, int, str]] = []
    for s in sorted(spans, key=lambda s: (priority.get(s[2], 2), s[0])):
        if s[0] < s[1] <= len(text) and all(s[1] <= c[0] or s[0] >= c[1] for c in chosen):
            chosen.append(s)
    chosen.sort()
    parts: list[str] = []
    pos = 0
    for a, b, kind in chosen:
        parts.append(html.escape(text[pos:a]))
        parts.append(f'<span style="{_SPAN_STYLE.get(kind, "")}">{html.escape(text[a:b])}</span>')
        pos = b
    parts.append(html.escape(text[pos:]))
    return "".join(parts).replace("\n", "<br>")


def detail_html(row: RankedRow, detail: CandidateDetail, spans: Sequence[tuple[int, int, str]]) -> str:
    r = row.result
    e = html.escape
    out = [f"<h3>{e(row.name)} — {e(_('Rank {rank}').format(rank=row.rank))}</h3>"]
    colour = "#237804" if r.eligible else "#a8071a"
    out.append(f'<p style="color:{colour}"><b>{e(_eligible_label(r.eligible))}</b></p>')
    out.append(f"<p>{e(r.explanation()).replace(chr(10), '<br>')}</p>")
    out.append(f"<h4>{e(_('Hard requirements'))}</h4><table cellspacing='2'>")
    for c in r.checks:
        mark, col = _STATE_MARK.get(c.state, ("", "#000"))
        soft = "" if c.hard else " " + _("(counts toward the score only)")
        out.append(f"<tr><td style='color:{col}'><b>{mark}</b></td><td>{e(c.label)}</td><td>{e(c.reason + soft)}</td></tr>")
    if not r.checks:
        out.append(f"<tr><td></td><td colspan='2'>{e(_('The position has no hard requirements.'))}</td></tr>")
    out.append("</table>")
    if r.rules:
        out.append(f"<h4>{e(_('Keyword rules'))}</h4><ul>")
        for rr in r.rules:
            mark, col = _STATE_MARK["pass" if rr.matched else "fail"]
            kind = _("required") if rr.required else _("weight {w}").format(w=rr.weight)
            out.append(f"<li><span style='color:{col}'><b>{mark}</b></span> {e(rr.name)} ({e(kind)}): "
                       f"<code>{e(rr.expression)}</code> — {e(rr.explanation)}</li>")
        out.append("</ul>")
    if r.top_terms:
        terms = join_list(f"{t.term} ×{t.tf} ({t.score:.2f})" for t in r.top_terms)
        out.append(f"<h4>{e(_('Relevance (BM25)'))}</h4><p>{e(_('Top contributing terms: {terms}').format(terms=terms))}</p>")
    out.append(f"<h4>{e(_('Fields'))}</h4><table cellspacing='2'>")
    for f in detail.fields:
        corr = f" <i style='color:#0958d9'>({e(_('corrected; read from the resume: {value}').format(value=f.extracted or '—'))})</i>" \
            if f.correction is not None else ""
        out.append(f"<tr><td>{e(f.label)}</td><td>{e(f.effective or '—')}{corr}</td></tr>")
    out.append("</table>")
    if detail.document:
        out.append(f"<p>{e(_('Original file: {name}').format(name=detail.document))}</p>")
    out.append(f"<h4>{e(_('Resume'))}</h4><p style='line-height:140%'>{highlighted(detail.text, spans)}</p>")
    return "".join(out)

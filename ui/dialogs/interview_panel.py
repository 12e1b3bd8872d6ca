"""面试小组: choose who sits on an interview's panel (user accounts, one chair) and when it takes place.

The accounts and the current panel are loaded in the worker pool; saving goes through
``recruiting.set_panel`` with the interview's version, so a panel changed on another workstation in the
meantime is refused with a message instead of being overwritten. External experts without an account are
typed as extra names: they are printed on the interview list but see nothing in the program.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from PySide6.QtCore import QDateTime, QSortFilterProxyModel, Qt, QTime
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListView,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from app.domain.timeutil import HOSPITAL_TZ, to_local
from app.errors import AppError
from app.i18n import _
from app.security.permissions import role_label
from app.services.recruiting import PRINTED_SEPARATOR, InterviewPanel, PanelAccount
from ui.tablemodels.labels import bracketed

USER_ID_ROLE = Qt.ItemDataRole.UserRole + 1
_EXTRA_SPLIT = re.compile(r"[,，、;；/\n]+")


class InterviewPanelDialog(QDialog):
    """``recruiting``: the recruiting service; ``pool``: the worker pool; ``user``: who saves (signed-in user)."""

    def __init__(self, recruiting: Any, pool: Any, interview_id: int, heading: str = "", user: str = "",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.recruiting, self.pool, self.interview_id, self.user = recruiting, pool, interview_id, user
        self.panel: InterviewPanel | None = None
        self.saved: InterviewPanel | None = None
        self._accounts: list[PanelAccount] = []
        self._filling = False
        self.setWindowTitle(_("Interview panel"))
        self.resize(600, 540)

        self.heading = QLabel(heading, self)
        self.heading.setWordWrap(True)
        self.state_label = QLabel(self)
        self.state_label.setWordWrap(True)
        self.set_time = QCheckBox(_("Interview time"), self)
        self.when = QDateTimeEdit(self)
        self.when.setCalendarPopup(True)
        self.when.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.when.setEnabled(False)
        self.search = QLineEdit(self)
        self.search.setPlaceholderText(_("Search accounts…"))
        self.search.setClearButtonEnabled(True)
        self.model = QStandardItemModel(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.accounts_view = QListView(self)
        self.accounts_view.setModel(self.proxy)
        self.chair = QComboBox(self)
        self.extra = QLineEdit(self)
        self.extra.setPlaceholderText(_("Names of external experts without an account, separated by 、"))
        self.preview = QLabel(self)
        self.preview.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel,
                                        self)
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setEnabled(False)

        form = QFormLayout()
        form.addRow(self.set_time, self.when)
        form.addRow(_("Chair:"), self.chair)
        form.addRow(_("Extra names:"), self.extra)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.state_label)
        layout.addWidget(QLabel(_("Panel members (accounts; interviewers are listed first):"), self))
        layout.addWidget(self.search)
        layout.addWidget(self.accounts_view, 1)
        layout.addLayout(form)
        layout.addWidget(self.preview)
        layout.addWidget(self.buttons)

        self.set_time.toggled.connect(self.when.setEnabled)
        self.search.textChanged.connect(self._on_search_text_changed)
        self.model.itemChanged.connect(self._on_model_item_changed)
        self.chair.currentIndexChanged.connect(self._refresh)
        self.extra.textChanged.connect(self._refresh)
        self.buttons.accepted.connect(self._on_save_clicked)
        self.buttons.rejected.connect(self.reject)
        self._load()

    # ---------------------------------------------------------------- loading
    def _load(self) -> None:
        svc, iid = self.recruiting, self.interview_id
        self.pool.submit(lambda: (svc.panel_accounts(), svc.panel(iid)), on_done=self._on_loaded,
                         on_error=self._on_load_failed)

    def _on_load_failed(self, exc: BaseException) -> None:
        self.state_label.setText(exc.message if isinstance(exc, AppError) else str(exc))

    def _on_loaded(self, result: tuple[list[PanelAccount], InterviewPanel]) -> None:
        accounts, panel = result
        self._accounts, self.panel = list(accounts), panel
        on_panel = {m.user_id for m in panel.members}
        known = {a.user_id for a in accounts}
        self._filling = True  # not blockSignals: the proxy must see the rows arrive
        self.model.clear()
        for a in accounts:
            self.model.appendRow(self._item(a.user_id, a.display_name, a.username, role_label(a.role),
                                            a.user_id in on_panel))
        for m in panel.members:  # a member whose account was disabled since: shown, can be removed
            if m.user_id not in known:
                self.model.appendRow(self._item(m.user_id, m.display_name, m.username, _("disabled"), True))
        self._filling = False
        self.extra.setText(PRINTED_SEPARATOR.join(panel.extra_names))
        if panel.scheduled_at is not None:
            local = to_local(panel.scheduled_at)
            self.when.setDateTime(QDateTime(local.date(), QTime(local.hour, local.minute)))
            self.set_time.setChecked(True)
        else:
            tomorrow = datetime.now(HOSPITAL_TZ) + timedelta(days=1)
            self.when.setDateTime(QDateTime(tomorrow.date(), QTime(9, 0)))
        self._fill_chairs(panel.chair.user_id if panel.chair else None)
        editable = panel.editable
        for w in (self.accounts_view, self.chair, self.extra, self.set_time, self.search):
            w.setEnabled(editable)
        self.when.setEnabled(editable and self.set_time.isChecked())
        if not editable:
            self.state_label.setText(_("This interview has been decided; its panel can no longer be changed."))
        elif not panel.members and panel.interviewers:
            self.state_label.setText(_("Planned before panels existed: the names “{names}” are not linked to "
                                       "accounts yet. Choose the accounts of the panel.").format(
                names=panel.interviewers))
        self._refresh()

    @staticmethod
    def _item(user_id: int, display: str, username: str, role: str, checked: bool) -> QStandardItem:
        item = QStandardItem(f"{display}{bracketed(username)} · {role}")
        item.setData(user_id, USER_ID_ROLE)
        item.setCheckable(True)
        item.setEditable(False)
        item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
        return item

    # ---------------------------------------------------------------- state
    def checked_ids(self) -> list[int]:
        return [int(self.model.item(r).data(USER_ID_ROLE)) for r in range(self.model.rowCount())
                if self.model.item(r).checkState() == Qt.CheckState.Checked]

    def check_account(self, user_id: int, checked: bool = True) -> None:
        """Tick (or untick) an account, as a click on its box does."""
        for r in range(self.model.rowCount()):
            item = self.model.item(r)
            if item.data(USER_ID_ROLE) == user_id:
                item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)

    def _display(self, user_id: int) -> str:
        account = next((a for a in self._accounts if a.user_id == user_id), None)
        if account is not None:
            return account.display_name
        member = next((m for m in (self.panel.members if self.panel else ()) if m.user_id == user_id), None)
        return member.display_name if member else str(user_id)

    def _fill_chairs(self, keep: int | None) -> None:
        ids = self.checked_ids()
        current = keep if keep is not None else self.chair.currentData()
        self.chair.blockSignals(True)
        self.chair.clear()
        for uid in ids:
            self.chair.addItem(self._display(uid), uid)
        index = self.chair.findData(current) if current is not None else -1
        self.chair.setCurrentIndex(index if index >= 0 else (0 if ids else -1))
        self.chair.blockSignals(False)

    def extra_names(self) -> list[str]:
        return [n.strip() for n in _EXTRA_SPLIT.split(self.extra.text()) if n.strip()]

    def _refresh(self, *_args: Any) -> None:
        chair = self.chair.currentData()
        ids = self.checked_ids()
        ordered = ([chair] if chair is not None else []) + [i for i in ids if i != chair]
        names = list(dict.fromkeys([*(self._display(i) for i in ordered), *self.extra_names()]))
        self.preview.setText(_("Printed list: {names}").format(names=PRINTED_SEPARATOR.join(names) or "—")
                             if names else _("Choose at least one account and its chair."))
        self.save_button.setEnabled(self.panel is not None and self.panel.editable and chair is not None)

    # ---------------------------------------------------------------- slots
    def _on_search_text_changed(self, text: str) -> None:
        self.proxy.setFilterFixedString(text.strip())

    def _on_model_item_changed(self, _item: QStandardItem) -> None:
        if self._filling:
            return
        self._fill_chairs(None)
        self._refresh()

    def values(self) -> tuple[int, list[int], list[str], datetime | None]:
        """(chair, members, extra names, time or None to keep it) as the dialog shows them."""
        chair = int(self.chair.currentData())
        members = [i for i in self.checked_ids() if i != chair]
        when = None
        if self.set_time.isChecked():
            q = self.when.dateTime()
            d, t = q.date(), q.time()
            when = datetime(d.year(), d.month(), d.day(), t.hour(), t.minute(), tzinfo=HOSPITAL_TZ)
        return chair, members, self.extra_names(), when

    def _on_save_clicked(self) -> None:
        if self.panel is None or self.chair.currentData() is None:
            return
        chair, members, extras, when = self.values()
        svc, iid, version, user = self.recruiting, self.interview_id, self.panel.version, self.user
        self.save_button.setEnabled(False)
        self.pool.submit(lambda: svc.set_panel(iid, chair, members, extras, expected_version=version,
                                               scheduled_at=when, user=user),
                         on_done=self._on_saved, on_error=self._on_save_failed)

    def _on_saved(self, panel: InterviewPanel) -> None:
        self.saved = panel
        self.accept()

    def _on_save_failed(self, exc: BaseException) -> None:
        self._refresh()
        QMessageBox.warning(self, _("HR Desk"), exc.message if isinstance(exc, AppError) else str(exc))

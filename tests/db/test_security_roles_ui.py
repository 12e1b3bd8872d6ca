"""用户管理 → 角色与锁定: a custom role made in the dialog is offered for accounts; a stale save is refused."""

from __future__ import annotations

from PySide6.QtCore import Qt

from app.context import open_app
from app.services.guard import unwrap
from tests.unit.security.matrix import principal
from ui.dialogs.users import RolesDialog, UsersDialog
from ui.workers import SyncPool

ADMIN = principal("admin", username="admin")


def test_roles_dialog_saves_a_role_used_by_the_users_dialog_and_refuses_a_stale_save(qtbot, ctx) -> None:  # type: ignore[no-untyped-def]
    accounts = unwrap(ctx.services.accounts)
    dlg = RolesDialog(accounts, ADMIN, SyncPool())
    qtbot.addWidget(dlg)
    assert dlg.table.model.rowCount() == 5  # the built-in roles
    dlg.name.setText("quality")
    dlg.label.setText("质控专员")
    dlg.set_permissions({"staff.view", "audit.view"})
    dlg.scoped.setChecked(True)
    dlg.save_role_btn.click()
    assert "已保存" in dlg.message.text(), dlg.message.text()
    assert dlg.table.model.rowCount() == 6 and dlg.overview is not None and dlg.overview.roles_version == 1
    users = UsersDialog(accounts, ADMIN, SyncPool())
    qtbot.addWidget(users)
    assert users.role.findData("quality") >= 0 and users.role.itemText(users.role.findData("quality")) == "质控专员"
    # another workstation saves first; this dialog still holds version 1
    other = open_app(ctx.data)
    try:
        unwrap(other.services.accounts).save_role(ADMIN, "archive", "档案员", {"staff.view"}, expected_version=1)
    finally:
        other.close()
    dlg.name.setText("quality")
    dlg.label.setText("质控")
    dlg.set_permissions({"staff.view"})
    dlg.save_role_btn.click()
    assert "另一台" in dlg.message.text(), dlg.message.text()
    labels = {r.name: r.label for r in dlg.overview.roles}
    assert labels["quality"] == "质控专员" and labels["archive"] == "档案员"  # reloaded, nothing overwritten
    checked = {dlg.permissions.item(i).data(Qt.ItemDataRole.UserRole) for i in range(dlg.permissions.count())
               if dlg.permissions.item(i).checkState() == Qt.CheckState.Checked}
    assert checked == dlg.checked_permissions() == {"staff.view"}
    dlg.lockout.setValue(4)
    dlg.save_lockout_btn.click()
    assert dlg.overview.max_failed_logins == 4 and "4" in dlg.message.text()

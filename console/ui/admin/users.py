"""Users: add one, change name, role, unit or a collector's cells, disable or enable, reset a
password.

Everything goes through ``console.services.accounts``, which checks the administrator and the
password policy again: the form only catches what it can see (two passwords that differ).
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from PySide6.QtCore import QModelIndex
from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit, QWidget

from console.desk_backend import AccountView
from console.domain.cases import Role
from console.domain.reference import User
from console.services import timefmt
from console.ui.admin.common import AdminContext, AdminData, Row
from console.ui.admin.tab import EditTab
from console.ui.i18n import N_, _, label

HEADINGS = (N_("用户名"), N_("姓名"), N_("角色"), N_("所属单位"), N_("状态"), N_("密码"))


class UsersTab(EditTab):
    """The users of the centre and a form to add or change one."""

    def __init__(self, ctx: AdminContext, parent: QWidget | None = None) -> None:
        super().__init__("users", HEADINGS, _("用户"), ctx, parent=parent)
        self.accounts: dict[str, AccountView] = {}
        self._after_save: str | None = None
        self._adding = True  # the form holds a new user, not the current row
        self.username = QLineEdit()
        self.username.setObjectName("admin_users_username")
        self.username.setPlaceholderText(_("字母、数字、_ . -"))
        self.name = QLineEdit()
        self.name.setObjectName("admin_users_name")
        self.role = QComboBox()
        self.role.setObjectName("admin_users_role")
        for role in Role:
            self.role.addItem(label(role), role.value)
        self.unit = QComboBox()
        self.unit.setObjectName("admin_users_unit")
        # A collector's beat (在岗's 越界 is judged against it): cell codes, as users.yaml and
        # `citydesk user add --grids` take them.
        self.grids = QLineEdit()
        self.grids.setObjectName("admin_users_grids")
        self.grids.setPlaceholderText(_("15 位网格编码，逗号分隔（仅监督员）"))
        self.role.currentIndexChanged.connect(self._on_role_current_index_changed)
        self.password = QLineEdit()
        self.password.setObjectName("admin_users_password")
        self.password2 = QLineEdit()
        self.password2.setObjectName("admin_users_password2")
        for field in (self.password, self.password2):
            field.setEchoMode(QLineEdit.EchoMode.Password)
            field.setPlaceholderText(_("至少 8 个字符"))
        self.state = QLabel()
        self.signin = QLabel()
        self.signin.setObjectName("admin_users_signin")
        self.form.addRow(_("用户名"), self.username)
        self.form.addRow(_("姓名"), self.name)
        self.form.addRow(_("角色"), self.role)
        self.form.addRow(_("所属单位"), self.unit)
        self.form.addRow(_("负责网格"), self.grids)
        self.form.addRow(_("密码"), self.password)
        self.form.addRow(_("确认密码"), self.password2)
        self.form.addRow(_("状态"), self.state)
        self.form.addRow(_("登录情况"), self.signin)
        self.new = self.button(_("新建用户"), "new")
        self.save = self.button(_("保存"), "save")
        self.toggle = self.button(_("停用"), "toggle")
        self.reset = self.button(_("重置密码"), "reset")
        self.hint.setText(_("新建用户须设定密码（两次一致）；重置密码使用上面两栏。"
                            "责任单位用户须选择所属单位。"))
        self.new.clicked.connect(self.start_new)
        self.save.clicked.connect(self.submit)
        self.toggle.clicked.connect(self.toggle_active)
        self.reset.clicked.connect(self.reset_password)
        for field in (self.username, self.name, self.password2):
            field.returnPressed.connect(self.submit)
        self.start_new()

    # -- showing ------------------------------------------------------------------------------
    def show_data(self, data: AdminData) -> None:
        super().show_data(data)
        units = data.view.ref.units
        self.accounts = {a.user.username: a for a in data.accounts}
        current = self.unit.currentData()
        self.unit.clear()
        self.unit.addItem(_("（无）"), "")
        for unit in sorted(units.values(), key=lambda u: u.code):
            text = unit.name if unit.active else _("{name}（已停用）").format(name=unit.name)
            self.unit.addItem(text, unit.code)
        self.unit.setCurrentIndex(max(self.unit.findData(current), 0))
        now = self.ctx.clock()
        rows = []
        for account in data.accounts:
            user = account.user
            home = units.get(user.unit or "")
            locked = account.locked_until is not None and account.locked_until > now
            state = (_("已锁定") if locked else _("启用") if user.active else _("已停用"))
            rows.append(Row(
                user.username,
                (user.username, user.name, _role_text(user.role),
                 home.name if home else (user.unit or ""), state,
                 _("已设置") if account.has_password else _("未设置")),
                (user.username, user.name, user.role, user.unit or "", state,
                 account.has_password),
                muted=not user.active,
            ))
        self.panel.set_rows(rows)
        if self._after_save is not None:  # a user just added: show it
            self.panel.select(self._after_save)
            self._after_save = None
        key = self.panel.current_key()
        if key is not None:
            self.edit(key)

    def start_new(self) -> None:
        """An empty form for a new user."""
        self.panel.view.clearSelection()
        self.panel.view.setCurrentIndex(QModelIndex())
        self._adding = True
        self.username.setReadOnly(False)
        for field in (self.username, self.name, self.password, self.password2, self.grids):
            field.clear()
        self.role.setCurrentIndex(max(self.role.findData(Role.ACCEPTOR.value), 0))
        self._on_role_current_index_changed(self.role.currentIndex())  # the same index: no signal
        self.unit.setCurrentIndex(0)
        self.state.setText(_("新用户"))
        self.signin.clear()
        self.toggle.setEnabled(False)
        self.reset.setEnabled(False)
        self.username.setFocus()

    def edit(self, key: str) -> None:
        account = self.accounts.get(key)
        if account is None:
            return
        user = account.user
        self.username.setText(user.username)
        self._adding = False
        self.username.setReadOnly(True)  # the key: a new name is a new user
        self.name.setText(user.name)
        self.role.setCurrentIndex(max(self.role.findData(user.role), 0))
        self.unit.setCurrentIndex(max(self.unit.findData(user.unit or ""), 0))
        self.grids.setText(", ".join(user.grids))
        self._on_role_current_index_changed(self.role.currentIndex())
        self.password.clear()
        self.password2.clear()
        self.state.setText(_("启用") if user.active else _("已停用"))
        self.signin.setText(self._signin_text(account))
        self.toggle.setText(_("停用") if user.active else _("启用"))
        self.toggle.setEnabled(True)
        self.reset.setEnabled(True)

    def _signin_text(self, account: AccountView) -> str:
        centre = self.data.centre if self.data is not None else None
        parts = []
        if account.password_changed_at is not None and centre is not None:
            when = timefmt.date_time(centre, account.password_changed_at)
            parts.append(_("密码更新于 {when}").format(when=when))
        parts.append(_("连续失败 {n} 次").format(n=account.failed_logins))
        if account.locked_until is not None and centre is not None:
            until = timefmt.clock(centre, account.locked_until)
            parts.append(_("锁定至 {when}").format(when=until))
        return " · ".join(parts)

    def _on_role_current_index_changed(self, _index: int) -> None:
        self.grids.setEnabled(self.role.currentData() == Role.COLLECTOR.value)

    # -- saving -------------------------------------------------------------------------------
    def _cells(self) -> tuple[str, ...]:
        """The cells in the form (a collector's only), in the order typed, each once."""
        if self.role.currentData() != Role.COLLECTOR.value:
            return ()
        codes = re.split(r"[\s,，;；、]+", self.grids.text().strip())
        return tuple(dict.fromkeys(c for c in codes if c))
    def _selected(self) -> AccountView | None:
        key = self.panel.current_key()
        return self.accounts.get(key) if key is not None and not self._adding else None

    def _passwords(self) -> str | None:
        first, second = self.password.text(), self.password2.text()
        if first != second:
            self.banner.show_message(_("两次输入的密码不一致"), "danger")
            return None
        return first

    def submit(self) -> None:
        """Add the user in the form, or save the selected one's name, role, unit and cells (an
        unknown cell code is refused by the service in one line, nothing saved)."""
        ctx, desk = self.ctx, self.ctx.desk
        current = self._selected()
        unit = str(self.unit.currentData() or "") or None
        if current is None:
            password = self._passwords()
            if password is None:
                return
            user = User(self.username.text().strip(), self.name.text(),
                        str(self.role.currentData()), unit, self._cells())

            def work() -> Any:
                return desk.add_user(user, password)

            def added(made: User) -> str:
                self._after_save = made.username  # selected when the reload arrives
                return _("已新建用户 {name}").format(name=made.username)

            ctx.save(work, self.banner, added)
            return
        changed = replace(current.user, name=self.name.text(),
                          role=str(self.role.currentData()), unit=unit, grids=self._cells())
        ctx.save(lambda: desk.update_user(changed), self.banner,
                 lambda u: _("已保存用户 {name}").format(name=u.username))

    def toggle_active(self) -> None:
        """Disable the selected user, or enable a disabled one."""
        current = self._selected()
        if current is None:
            return
        ctx, desk = self.ctx, self.ctx.desk
        username, active = current.user.username, not current.user.active
        ctx.save(lambda: desk.set_active(username, active),
                 self.banner,
                 lambda u: (_("已启用 {name}") if u.active else _("已停用 {name}")).format(
                     name=u.username))

    def reset_password(self) -> None:
        """Set the selected user's password to the one typed twice."""
        current = self._selected()
        password = self._passwords()
        if current is None or password is None:
            return
        ctx = self.ctx
        desk = ctx.desk
        username = current.user.username
        ctx.save(lambda: desk.set_password(username, password),
                 self.banner, lambda _r: _("已重置 {name} 的密码").format(name=username))


def _role_text(value: str) -> str:
    try:
        return label(Role(value))
    except ValueError:
        return value

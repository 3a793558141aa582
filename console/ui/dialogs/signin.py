"""Sign-in: pick the user (and so the role) to work as.

Passwords come with the central-database release; until then this picks the acting user, the
way ``--as USER`` does on the command line.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QWidget

from console.domain.reference import User
from console.ui.i18n import _


class SignInDialog(QDialog):
    """Choose a user; the role decides which panes and actions appear."""

    def __init__(self, users: Sequence[User], last: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("登录 CityDesk 智慧城管指挥台"))
        self.users = QComboBox()
        self.users.setObjectName("signin_users")
        for user in sorted(users, key=lambda u: (u.role, u.username)):
            if user.active:
                self.users.addItem(f"{user.name}（{_(user.role)} · {user.username}）", user.username)
        at = self.users.findData(last)
        self.users.setCurrentIndex(max(at, 0))
        note = QLabel(_("演示版：选择用户即登录；密码登录随中心数据库版本提供。"))
        note.setWordWrap(True)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow(_("用户"), self.users)
        form.addRow(note)
        form.addRow(buttons)

    def username(self) -> str:
        """The chosen user name."""
        return str(self.users.currentData() or "")

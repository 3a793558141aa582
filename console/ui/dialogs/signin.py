"""Sign-in: user name and password, checked by the services (argon2, lockout after 5 failures).

The dialog only collects the two fields and shows what the check says; it stays open on a
refusal so the operator can try again, and never says whether the user name exists.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QWidget,
)

from console.ui.i18n import _

#: Given (user name, password): None when signed in, else the message to show.
Check = Callable[[str, str], "str | None"]


class SignInDialog(QDialog):
    """Ask for a user name and password until ``check`` accepts them or the user cancels.

    Parameters
    ----------
    check : callable
        ``check(username, password)`` returns None on success, else a message.
    last : str
        The user name to prefill (the last one signed in here, or ``--as``).
    demo_hint : str
        Shown under the fields on a demo database (the demo password), else empty.
    """

    def __init__(self, check: Check, last: str = "", demo_hint: str = "",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._check = check
        self.setWindowTitle(_("登录 CityDesk 智慧城管指挥台"))
        self.user = QLineEdit(last)
        self.user.setObjectName("signin_user")
        self.password = QLineEdit()
        self.password.setObjectName("signin_password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.message = QLabel("")
        self.message.setObjectName("signin_message")
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #e53935;")
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(_("登录"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(_("取消"))
        buttons.accepted.connect(self.try_sign_in)
        buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow(_("用户名"), self.user)
        form.addRow(_("密码"), self.password)
        form.addRow(self.message)
        if demo_hint:
            hint = QLabel(demo_hint)
            hint.setObjectName("signin_hint")
            hint.setWordWrap(True)
            form.addRow(hint)
        form.addRow(buttons)
        self.setMinimumWidth(380)
        (self.password if last else self.user).setFocus()

    def try_sign_in(self) -> None:
        """Check the fields; accept on success, else show why and clear the password."""
        name = self.user.text().strip()
        if not name:
            self.message.setText(_("请输入用户名"))
            self.user.setFocus()
            return
        error = self._check(name, self.password.text())
        if error is None:
            self.accept()
            return
        self.message.setText(error)
        self.password.clear()
        self.password.setFocus()

    def username(self) -> str:
        """The user name typed."""
        return self.user.text().strip()

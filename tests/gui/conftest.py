"""GUI fixtures: headless Qt, settings and HOME per test, language and app look restored after.

Every test here gets its own QSettings folder and HOME (mne-qt-browser's ``qsettings_dir``
idea): qt-material writes recoloured icons under the user's cache and exports its palette into
``os.environ`` on every apply, and nothing a test does may reach the developer's real settings.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from console.ui import i18n

# Read when the QApplication is built (pytest-qt's qapp), not on import: this is early enough.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(autouse=True)
def qsettings_dir(tmp_path: Path) -> Path:
    """Point every QSettings (INI and native, user and system scope) into ``tmp_path``.

    Autouse, like mne-qt-browser's ``_isolated_qsettings``; request it to get the folder.
    """
    folder = tmp_path / "qsettings"
    for fmt in (QSettings.Format.IniFormat, QSettings.Format.NativeFormat):
        QSettings.setPath(fmt, QSettings.Scope.UserScope, str(folder / "user"))
        QSettings.setPath(fmt, QSettings.Scope.SystemScope, str(folder / "system"))
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    return folder


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """HOME (and the XDG caches) in ``tmp_path``; ``os.environ`` restored afterwards."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("USERPROFILE", str(home))
    for name in ("XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "LOCALAPPDATA"):
        monkeypatch.delenv(name, raising=False)
    saved = dict(os.environ)
    yield home
    # qt-material's get_theme() exports primaryColor, QTMATERIAL_* … into the environment.
    for name in set(os.environ) - set(saved):
        del os.environ[name]
    for name, value in saved.items():
        if os.environ.get(name) != value:
            os.environ[name] = value


@pytest.fixture(autouse=True)
def _reset_language() -> Iterator[None]:
    """Leave the console in Chinese, with no recorded misses, whatever a test switched to."""
    yield
    i18n.set_language("zh")
    i18n.clear_missing()


@pytest.fixture
def themed_app(qapp: QApplication) -> Iterator[QApplication]:
    """The test QApplication, its style, stylesheet, font and palette put back afterwards.

    Use it for any test that calls ``apply_theme``: the application is shared by the session.
    """
    style, sheet = qapp.style().name(), qapp.styleSheet()
    font, palette = qapp.font(), qapp.palette()
    yield qapp
    qapp.setStyleSheet(sheet)
    qapp.setStyle(style)
    qapp.setFont(font)
    qapp.setPalette(palette)


from tests.gui.desk import demo_template, desk_factory  # noqa: E402,F401  (fixtures)
from tests.gui.remote import backend, remote_centre  # noqa: E402,F401  (fixtures)
from tests.open311_server import open311_server  # noqa: E402,F401  (a local HTTP server)
from tests.rtsp_server import h264_clip, rtsp_h264  # noqa: E402,F401  (fixtures)

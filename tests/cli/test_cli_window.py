"""``citydesk`` and ``citydesk wall`` on a machine that cannot open Qt's window on X11.

One line naming what is missing, exit code 5, and no database created, instead of Qt's hint
(which blames libxcb-cursor0) and an abort.  The library check itself is tested with fake
loaders in tests/unit/test_xcb_check.py; here the command line's use of it.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from console.cli import gui, xcb_check
from console.cli.common import EXIT_SYSTEM
from tests.cli.conftest import run


@pytest.fixture
def x11(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """The environment of a Linux desktop on X11 without Wayland (Qt would pick xcb)."""
    if not sys.platform.startswith("linux"):
        pytest.skip("the xcb platform is Linux's")
    monkeypatch.setenv("QT_QPA_PLATFORM", "xcb")
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    return monkeypatch


@pytest.mark.parametrize("command", [[], ["wall"]])
def test_a_missing_library_is_one_line_and_no_database(x11: pytest.MonkeyPatch, tmp_path: Path,
                                                     command: list[str]) -> None:
    icccm = next(lib for lib in xcb_check.LIBRARIES if lib.soname == "libxcb-icccm.so.4")
    x11.setattr(xcb_check, "missing_libraries", lambda load=None: [icccm])
    x11.setenv("DISPLAY", ":0")
    db = tmp_path / "desk.sqlite3"
    result = run(f"sqlite:///{db}", *command)
    assert result.code == EXIT_SYSTEM
    assert result.err.count("\n") == 1 and result.err.startswith("citydesk: 缺少系统库 ")
    assert "libxcb-icccm.so.4" in result.err and "libxcb-icccm4" in result.err
    assert not db.exists()  # refused before the database was opened or created


@pytest.mark.parametrize("command", [[], ["wall"]])
def test_no_display_is_one_line(x11: pytest.MonkeyPatch, tmp_path: Path,
                                command: list[str]) -> None:
    """The libraries present (whatever this machine has): the display is what is missing."""
    x11.delenv("DISPLAY", raising=False)
    x11.setattr(xcb_check, "missing_libraries", lambda load=None: [])
    db = tmp_path / "desk.sqlite3"
    result = run(f"sqlite:///{db}", *command)
    assert result.code == EXIT_SYSTEM
    assert result.err.count("\n") == 1 and "DISPLAY is not set" in result.err
    assert not db.exists()


def test_an_unreachable_display_is_one_line(x11: pytest.MonkeyPatch, tmp_path: Path) -> None:
    x11.setenv("DISPLAY", ":4243")  # nobody serves it: the real libxcb connection fails
    x11.setattr(xcb_check, "missing_libraries", lambda load=None: [])
    result = run(f"sqlite:///{tmp_path / 'desk.sqlite3'}")
    assert result.code == EXIT_SYSTEM and "cannot connect to display :4243" in result.err


def test_qtgui_failing_to_import_on_a_library_is_one_line(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """libEGL and friends are QtGui's own: the import fails on every platform, offscreen too."""
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    (tmp_path / "fake_gui.py").write_text(
        'raise ImportError("libEGL.so.1: cannot open shared object file: No such file or '
        'directory")\n', encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    line = gui.window_refusal("fake_gui")
    assert line is not None and "libEGL.so.1" in line and "libegl1" in line


def test_another_import_error_is_not_hidden(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    with pytest.raises(ImportError):
        gui.window_refusal("console.ui.no_such_module")


def test_offscreen_opens_without_a_check(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")

    def never(load: object = None) -> list[object]:
        raise AssertionError("the libraries were checked for offscreen")

    monkeypatch.setattr(xcb_check, "missing_libraries", never)
    assert gui.window_refusal("console.ui.start") is None

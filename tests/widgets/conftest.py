"""Headless Qt for the widget tests, and a stopgap for PySide6 6.12.0 on Python 3.11."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import ctypes
import sys

from PySide6.QtCore import QPointF


def _pin_none_if_pyside_leaks_it() -> None:
    """Keep None alive when the installed PySide6 drops a reference to it on every void call.

    The abi3 wheels of PySide6 6.12.0 were built against 3.12 headers, where None is immortal and
    ``Py_RETURN_NONE`` no longer increments its count. On Python 3.11 every Qt method returning
    void then steals a reference to None, and after a few thousand calls the interpreter aborts
    with "Fatal Python error: none_dealloc". Probe for that and, only then, give None a count it
    cannot exhaust (what 3.12 does). The app itself is not protected: pin PySide6 or use 3.12+.
    """
    if sys.version_info >= (3, 12):
        return
    point = QPointF()
    before = sys.getrefcount(None)
    for _ in range(100):
        point.setX(0.0)
    if before - sys.getrefcount(None) >= 100:
        ctypes.c_ssize_t.from_address(id(None)).value += 1 << 40


_pin_none_if_pyside_leaks_it()

"""The administration window (users and reference data) and its tabs, one module per tab."""

from __future__ import annotations

from console.ui.admin.window import AdminWindow

__all__ = ["AdminWindow"]

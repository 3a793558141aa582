"""What the window's helpers may use of a desk window.

The main window owns the panes and hands itself to the helpers that work on them (alerts,
commands, live updates, the report form, the offline mode).  They see it through this protocol,
so none of them imports :mod:`console.ui.main_window` and the window imports them all: no
import circle, and each helper's reach is written down here.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from PySide6.QtCore import Qt, QTimer
    from PySide6.QtGui import QAction
    from PySide6.QtWidgets import QComboBox, QDockWidget, QPushButton, QStatusBar, QWidget

    from console.domain.cases import Case
    from console.domain.reference import User
    from console.ui.controller import DeskController, DetailData
    from console.ui.dialogs.new_report import NewReportDialog
    from console.ui.panes.charts import ChartsPane
    from console.ui.panes.detail import DetailPane
    from console.ui.panes.live_charts import LiveChartsPane
    from console.ui.panes.map import MapPane
    from console.ui.panes.queue import QueuePane
    from console.ui.presence import PresenceTracker
    from widgets.banner import Banner


class DeskView(Protocol):
    """The parts of a desk window its helpers work on."""

    controller: DeskController
    user: User
    clock: Callable[[], datetime]
    presence: PresenceTracker
    intake: QueuePane
    dispatch: QueuePane
    board: QueuePane
    approvals: QueuePane
    check: QueuePane
    queues: tuple[QueuePane, ...]
    detail: DetailPane
    map: MapPane
    charts: ChartsPane
    live_charts: LiveChartsPane
    unit_filter: QComboBox
    dispatch_to: QPushButton
    banner: Banner
    alert: Banner
    notice: Banner
    alert_timer: QTimer
    recount_soon: QTimer
    stats_soon: QTimer
    docks: dict[str, QDockWidget]

    @property
    def current_case(self) -> int | None:
        """The case in the detail pane (None before one is chosen)."""

    @property
    def current_detail(self) -> DetailData | None:
        """What the detail pane shows (None before a case is loaded)."""

    @property
    def report_dialog(self) -> NewReportDialog | None:
        """The report form, while one is open."""

    def statusBar(self) -> QStatusBar: ...  # noqa: N802 (Qt's name)

    def actions(self) -> list[QAction]: ...

    def sees(self, case: Case) -> bool:
        """Whether this seat may see the case at all."""

    def select_case(self, case_id: int) -> None:
        """Make a case current."""

    def forget_current(self) -> None:
        """Drop the current case, so the next selection loads even the same one again."""

    def show_idle_banner(self) -> None:
        """The banner when the database answers."""

    def add_dock(self, name: str, title: str, widget: QWidget,
                 area: Qt.DockWidgetArea) -> QDockWidget:
        """Put ``widget`` in a new dock pane of the window."""

    def tabifyDockWidget(self, first: QDockWidget, second: QDockWidget) -> None: ...  # noqa: N802

    def as_widget(self) -> QWidget:
        """The window itself, as the parent of dialogs."""

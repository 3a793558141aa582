"""A desk in its own process (offscreen): cold start, queue open, tick, dispatch, memory.

Run by the runner as ``python -m benchmarks.desk_probe MODE URL REPEATS``; prints one JSON
line.  ``MODE`` ``citydesk`` opens the real window the way ``tests/gui/desk.py`` does;
``floor`` does the least the same process must: import Qt, show an empty main window, and
read the first page and the count of each of the desk's queues with the best plain SQL
(the same rows in the same order, each read over the index that serves it best:
:func:`floor_sqls`).  ``CITYDESK_BENCH_T0`` (``time.time()`` just before the parent started
this process) dates the cold start; ``CITYDESK_BENCH_OFFICE`` names the coordination office
(the centre's, as the desk's approvals queue has it).
"""

from __future__ import annotations

import json
import os
import sys
import time

T0 = float(os.environ.get("CITYDESK_BENCH_T0", time.time()))
PAGE = 100  # console.ui.models.case_table.PAGE


def floor_sqls(office: str, sqlite: bool) -> list[str]:
    """The least SQL that opens the desk's queues: each pane's first page and its count,
    written by hand over the index that serves it best (intake newest first; dispatch, board
    and check by deadline; approvals by waiting time).

    Not the desk's own statements: a floor that shares the desk's statement shares its plan,
    and hid a walk of the whole history (issue #12).  On SQLite each read names its index
    (``INDEXED BY``), so no statistics can send it elsewhere; a partial index of open cases
    needs its WHERE term repeated word for word.  PostgreSQL takes no hints and proves a
    partial index's predicate itself: the same statements without them (their plans are in
    docs/BENCHMARKS.md).
    """
    from console.domain.cases import TERMINAL_STATES, CaseState
    from console.ui.models.case_table import (
        BOARD_STATES,
        CHECK_STATES,
        DISPATCH_STATES,
        INTAKE_STATES,
    )

    def states(group: object) -> str:
        return ", ".join(f"'{s.value}'" for s in CaseState if s in group)  # type: ignore[operator]

    opened = [s for s in CaseState if s not in TERMINAL_STATES]
    open_term = f"state IN ({states(opened)}) AND " if sqlite else ""

    def by(index: str) -> str:
        return f" INDEXED BY {index}" if sqlite else ""

    def count(group: object) -> str:
        return f"SELECT count(*) FROM cases{by('ix_cases_state')} WHERE state IN ({states(group)})"

    def by_deadline(group: object) -> str:  # the open cases by deadline, in order
        return (f"SELECT * FROM cases{by('ix_cases_open_deadline')} WHERE {open_term}"
                f"state IN ({states(group)}) ORDER BY stage_deadline ASC NULLS LAST, id ASC "
                f"LIMIT {PAGE}")

    filed = CaseState.FILED.value
    awaiting = (f"SELECT id FROM cases{by('ix_cases_awaiting')} WHERE pending IS NOT NULL "
                f"AND state || '' IN ({states(opened)}) UNION ALL SELECT id FROM cases"
                f"{by('ix_cases_suggested_unit_state')} WHERE suggested_unit = '{office}' "
                f"AND state = '{filed}' AND pending IS NULL")
    return [
        f"SELECT * FROM cases{by('ix_cases_open_reported_at')} WHERE {open_term}"
        f"state IN ({states(INTAKE_STATES)}) ORDER BY reported_at DESC, id DESC LIMIT {PAGE}",
        count(INTAKE_STATES),
        # one state: its part of (state, deadline) is already in order
        f"SELECT * FROM cases{by('ix_cases_state_stage_deadline')} WHERE state = '{filed}' "
        f"ORDER BY stage_deadline ASC NULLS LAST, id ASC LIMIT {PAGE}",
        count(DISPATCH_STATES),
        by_deadline(BOARD_STATES),
        count(BOARD_STATES),
        # (pending OR 代整改) as two indexed reads: an OR reads every open case on both
        # backends.
        f"SELECT * FROM cases WHERE id IN ({awaiting}) ORDER BY updated_at ASC NULLS LAST, "
        f"id ASC LIMIT {PAGE}",
        f"SELECT count(*) FROM cases WHERE id IN ({awaiting})",
        by_deadline(CHECK_STATES),
        count(CHECK_STATES),
    ]


def _rss_mb() -> float:
    for line in open("/proc/self/status").read().splitlines():  # noqa: SIM115
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def floor(url: str, repeats: int) -> dict[str, object]:
    """Qt window plus raw rows: the least any desk must do."""
    from PySide6.QtWidgets import QApplication, QMainWindow, QTableWidget

    qapp = QApplication.instance() or QApplication(sys.argv)
    window = QMainWindow()
    window.setCentralWidget(QTableWidget(50, 8))
    window.resize(1600, 960)
    window.show()
    qapp.processEvents()
    started = time.time() - T0
    if repeats == 0:
        return {"cold_start_ms": [started * 1000]}
    from sqlalchemy import create_engine

    engine = create_engine(url)
    sqls = floor_sqls(os.environ["CITYDESK_BENCH_OFFICE"], engine.dialect.name == "sqlite")
    loads = []
    rows: list[object] = []
    for _ in range(repeats):
        t = time.perf_counter()
        with engine.connect() as conn:
            rows = [row for sql in sqls for row in conn.exec_driver_sql(sql).fetchall()]
        loads.append((time.perf_counter() - t) * 1000)
    return {"cold_start_ms": [started * 1000], "open_queue_ms": loads, "rows": len(rows),
            "rss_mb": _rss_mb()}


def citydesk(url: str, repeats: int) -> dict[str, object]:
    """The real desk: window, first load, F5 reloads, ticks, one-click dispatches."""
    import tempfile
    from datetime import timedelta

    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from benchmarks.scales import NOW
    from console.app import App
    from console.ui.controller import DeskController
    from console.ui.main_window import MainWindow
    from console.ui.ops import OpRunner
    from console.ui.settings import Settings

    qapp = QApplication.instance() or QApplication(sys.argv)
    now = [NOW]
    app = App(url, clock=lambda: now[0])
    settings = Settings(QSettings(os.path.join(tempfile.mkdtemp(), "desk.ini"),
                                  QSettings.Format.IniFormat))
    ops = OpRunner(synchronous=True)
    controller = DeskController(app, ops, app.centre.actor("admin", "bench-desk"), lambda: now[0])
    window = MainWindow(controller, app.centre.user("admin"), settings, demo=False)
    window.resize(1600, 960)
    window.show()
    qapp.processEvents()
    interactive = (time.time() - T0) * 1000
    interactive_cpu = time.process_time() * 1000
    if repeats == 0:  # cold start only
        app.close()
        return {"cold_start_ms": [interactive], "cold_start_cpu_ms": [interactive_cpu]}
    # The first open (columns sized to the first rows), then the window's own start, which
    # loads again and starts the timers, light counts and charts.
    t, busy = time.perf_counter(), time.process_time()
    controller.load_all()
    qapp.processEvents()
    first_open = (time.perf_counter() - t) * 1000
    first_open_cpu = (time.process_time() - busy) * 1000
    window.start()
    qapp.processEvents()
    filled = (time.time() - T0) * 1000
    rows = sum(p.model.total for p in window.queues)  # the queues' sizes
    loaded = sum(p.model.rowCount() for p in window.queues)  # rows read (first pages)
    loads, loads_cpu = [first_open], [first_open_cpu]
    for _ in range(repeats):
        t, busy = time.perf_counter(), time.process_time()
        controller.load_all()
        qapp.processEvents()
        loads.append((time.perf_counter() - t) * 1000)
        loads_cpu.append((time.process_time() - busy) * 1000)
    rss = _rss_mb()
    # Scrolling: the next page of the board, as the view asks for it at the bottom.
    scrolls = []
    for _ in range(repeats):
        t = time.perf_counter()
        window.board.model.fetchMore()
        qapp.processEvents()
        scrolls.append((time.perf_counter() - t) * 1000)
    ticks, paints = [], []
    for _ in range(max(30, repeats)):
        now[0] += timedelta(seconds=1)
        t = time.process_time()
        for pane in window.queues:  # what the panes' and the window's 1 Hz timers run
            if pane.isVisible():
                pane._on_timer_timeout()
        window._on_deadline_timer_timeout()
        ticks.append((time.process_time() - t) * 1000)
        t = time.process_time()
        qapp.processEvents()  # Qt repainting the cells those timers marked changed
        paints.append((time.process_time() - t) * 1000)
    # Periodic refreshes (stats every 15 s, unit counts every 5 s, presence …) run on the
    # worker thread in a real desk; with the synchronous runner here they would land inside
    # whichever dispatch happened to be timed, so they are stopped for that part.
    from PySide6.QtCore import QTimer

    for timer in window.findChildren(QTimer):
        timer.stop()
    dispatch, dispatch_full = _dispatches(app, controller, qapp, repeats)
    controller.poll_timer.stop()
    window.close()
    ops.shutdown()
    app.close()
    return {"cold_start_ms": [interactive], "cold_start_cpu_ms": [interactive_cpu],
            "cold_start_filled_ms": filled, "open_queue_ms": loads, "open_queue_cpu_ms": loads_cpu, "rows": rows, "loaded": loaded, "scroll_ms": scrolls, "rss_mb": rss, "tick_cpu_ms": ticks, "paint_cpu_ms": paints,
            "dispatch_ms": dispatch, "dispatch_refreshed_ms": dispatch_full}


def _dispatches(app: object, controller: object, qapp: object,
                repeats: int) -> tuple[list[float], list[float]]:
    """Time D on filed cases: to committed and logged, and on to the panes updated."""
    from benchmarks.scales import NOW
    from console.services.cases import Report, act, report_many

    centre = app.centre  # type: ignore[attr-defined]
    uf = app.uow_factory  # type: ignore[attr-defined]
    n = max(20, repeats * 3)
    made = report_many(uf, centre, centre.actor("caiji01", "bench"), NOW,
                       [Report("06010", f"派遣基准 {i}", grid="330824001001001") for i in range(n)])
    filed = []
    for case in made:
        act(uf, centre, centre.actor("shouli1", "bench"), NOW, case.id, "accept")
        filed.append(act(uf, centre, centre.actor("admin", "bench"), NOW, case.id, "file"))
    controller.poll()  # type: ignore[attr-defined]
    qapp.processEvents()  # type: ignore[attr-defined]
    committed: list[float] = []
    after = controller._after_action  # type: ignore[attr-defined]

    def mark(case: object) -> None:  # the op's success callback: act() has committed
        committed.append(time.perf_counter())
        after(case)

    controller._after_action = mark  # type: ignore[attr-defined]
    out, full = [], []
    for case in filed:
        t = time.perf_counter()
        controller.run_command(case.id, "dispatch", {}, case.version)  # type: ignore[attr-defined]
        qapp.processEvents()  # type: ignore[attr-defined]
        full.append((time.perf_counter() - t) * 1000)
        out.append((committed[-1] - t) * 1000)
    return out, full


if __name__ == "__main__":
    mode, db_url, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    result = floor(db_url, n) if mode == "floor" else citydesk(db_url, n)
    print(json.dumps(result))

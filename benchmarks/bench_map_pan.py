"""Pan and zoom over the megacity queue's map while basemap tiles load (issue #16 part 6).

The desk's map pane (:class:`~console.ui.panes.map.MapPane`, offscreen, 1600×900) holds the
light counts of the benchmark's open queue: beyond ``MARKER_LIMIT`` open cases it draws one
marker per grid cell (``LightTally.by_grid``), as a megacity desk does.  Its basemap is an XYZ
source on a slow local server (:mod:`benchmarks.slow_tiles`, ``delay`` seconds a tile) with a
disk cache that already holds GENERATED tiles (``tests.gui.generated_tiles.draw_tile``) over
the first view's area at zooms 14-17: what a desk that has shown its county seat before keeps.

A script of small steps — pans of a few dozen pixels and zooms of 10 % around the view's
centre, one every 16 ms as a drag or a wheel gives them — leaves the cached area, zooms to
the deepest level and out to the whole county and back, so tiles keep arriving from the
server while the view moves.  Every 5 s the pane gets the light counts again (the desk's
refresh).  Measured: the GUI thread's busy time per event-loop turn (from the event
dispatcher's ``awake`` to its ``aboutToBlock``), over the turns that painted the map (frames)
and over all turns.  The same script runs a second time, every tile now on disk or in memory.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.measure import Result
from benchmarks.scales import NOW

#: The map's size (a desk's map pane at 1920×1080 is about this).
MAP_SIZE = (1600, 900)
#: Milliseconds between two steps of the script (60 Hz input).
STEP_MS = 16
#: Seconds the slow server waits before each tile.
TILE_DELAY_S = 0.15
#: The desk re-reads the light counts this often (ms).
TALLY_EVERY_MS = 5000


def _script() -> list[tuple[str, float, float]]:
    """The steps: ("pan", dx, dy) in pixels or ("zoom", factor, 0)."""
    steps: list[tuple[str, float, float]] = []
    steps += [("pan", 25, 0)] * 60  # east, out of the cached area
    steps += [("zoom", 1.1, 0)] * 10  # to the deepest zoom
    steps += [("pan", 0, 25)] * 40  # south
    steps += [("zoom", 1 / 1.1, 0)] * 34  # out to the county
    steps += [("pan", -40, 0)] * 50  # west
    steps += [("zoom", 1.1, 0)] * 20
    steps += [("pan", 20, -20)] * 40  # north-east
    return steps


class _TurnClock:
    """The GUI thread's busy time per event-loop turn, and whether the turn painted the map."""

    def __init__(self, viewport: Any) -> None:
        from PySide6.QtCore import QAbstractEventDispatcher, QEvent, QObject

        self.turns: list[tuple[float, bool]] = []
        self.cpu: list[float] = []  # the GUI thread's CPU time of each turn (ms)
        self.kinds: list[str] = []  # the last step's kind at each turn
        self.kind = ""
        self._cpu_at = 0.0
        self._awake: float | None = None
        self._painted = False
        self.recording = False
        clock = self

        class PaintSpy(QObject):
            def eventFilter(self, _watched: Any, event: Any) -> bool:  # noqa: N802
                if event.type() == QEvent.Type.Paint:
                    clock._painted = True
                return False

        self._spy = PaintSpy()
        viewport.installEventFilter(self._spy)
        dispatcher = QAbstractEventDispatcher.instance()
        assert dispatcher is not None
        dispatcher.awake.connect(self._on_awake)
        dispatcher.aboutToBlock.connect(self._on_block)

    def _on_awake(self) -> None:
        if self._awake is None:
            self._awake = time.perf_counter()
            self._cpu_at = time.thread_time()
            self._painted = False

    def _on_block(self) -> None:
        if self._awake is not None and self.recording:
            self.turns.append(((time.perf_counter() - self._awake) * 1000, self._painted))
            self.cpu.append((time.thread_time() - self._cpu_at) * 1000)
            self.kinds.append(self.kind)
        self._awake = None


def _prefill(cache: Any, name: str, bbox: tuple[float, float, float, float]) -> int:
    from tests.gui.generated_tiles import draw_tile
    from widgets.tiles.grid import tiles_in_bbox

    n = 0
    for z in range(14, 18):
        for x, y in tiles_in_bbox("w", z, bbox):
            cache.put(name, 0, z, x, y, draw_tile("w", z, x, y))
            n += 1
    return n


def _run_script(pane: Any, tally: Any, clock: _TurnClock) -> float:
    """Play the script on the event loop; return its seconds."""
    from PySide6.QtCore import QEventLoop, QTimer

    view = pane.map
    steps = iter(_script())
    loop = QEventLoop()
    ticker, refresher = QTimer(), QTimer()
    ticker.setInterval(STEP_MS)
    refresher.setInterval(TALLY_EVERY_MS)

    def step() -> None:
        try:
            kind, a, b = next(steps)
        except StopIteration:
            ticker.stop()
            QTimer.singleShot(1500, loop.quit)  # the last tiles asked for arrive
            return
        clock.kind = kind
        if kind == "zoom":
            view.zoom_by(a)
        else:
            view.horizontalScrollBar().setValue(view.horizontalScrollBar().value() + int(a))
            view.verticalScrollBar().setValue(view.verticalScrollBar().value() + int(b))

    ticker.timeout.connect(step)
    refresher.timeout.connect(lambda: pane.set_tally(tally))
    start = time.perf_counter()
    clock.recording = True
    ticker.start()
    refresher.start()
    loop.exec()
    clock.recording = False
    refresher.stop()
    return time.perf_counter() - start


def bench_map_pan(app: Any, say: Callable[[str], None],
                  delay: float = TILE_DELAY_S) -> tuple[list[Result], dict[str, Any]]:
    """Pan and zoom the desk's map over ``app``'s open queue; results and extras."""
    # Qt's glib event dispatcher emits awake/aboutToBlock where they do not bracket the
    # turn's work (turns of 0.01 ms, no paint inside): the Unix one does.  Read when the
    # application is made, so before it.
    os.environ.setdefault("QT_NO_GLIB", "1")
    from PySide6.QtWidgets import QApplication

    from benchmarks.slow_tiles import SlowTileServer
    from console.services.queue_reads import light_tally
    from console.ui.models.case_table import BOARD_STATES
    from console.ui.panes.map import MapPane
    from widgets.tiles.cache import TileCache
    from widgets.tiles.source import TileSource

    qt = QApplication.instance() or QApplication([])
    centre = app.centre
    say("map: the light counts …")
    tally = light_tally(app.uow_factory(), centre, NOW, BOARD_STATES)
    server = SlowTileServer(delay).start()
    folder = tempfile.TemporaryDirectory(prefix="citydesk-bench-tiles-")
    try:
        cache = TileCache(Path(folder.name))
        source = TileSource("bench", "w", (server.template,), attribution="generated test tiles",
                            max_zoom=18)
        pane = MapPane(centre)
        pane.resize(*MAP_SIZE)
        pane.set_tally(tally)
        seat = max({c.street_code for c in centre.ref.grids.values()},
                   key=lambda s: sum(c.street_code == s for c in centre.ref.grids.values()))
        ring = [p for c in centre.ref.grids.values() if c.street_code == seat for p in c.polygon]
        west, east = min(p[0] for p in ring), max(p[0] for p in ring)
        south, north = min(p[1] for p in ring), max(p[1] for p in ring)
        pad_x, pad_y = (east - west) * 0.6, (north - south) * 0.6
        say("map: generated tiles into the disk cache …")
        cached = _prefill(cache, source.name, (west - pad_x, south - pad_y, east + pad_x,
                                               north + pad_y))
        pane.map.basemap.set_source(source, cache)
        pane.show()
        for _ in range(20):  # the first fit (a zero-timer after the show) and first paints
            qt.processEvents()
            time.sleep(0.01)
        clock = _TurnClock(pane.map.viewport())
        runs = []
        for label in ("tiles loading", "tiles cached"):
            say(f"map: pan/zoom script ({label}) …")
            clock.turns, clock.kinds, clock.cpu = [], [], []
            hits = server.hits
            loader = pane.map.basemap.layer.loader
            asked = loader.requested if loader is not None else 0
            seconds = _run_script(pane, tally, clock)
            runs.append({"label": label, "turns": list(clock.turns), "seconds": seconds,
                         "kinds": list(clock.kinds), "cpu": list(clock.cpu),
                         "served": server.hits - hits,
                         "requested": (loader.requested if loader is not None else 0) - asked})
            pane.map.fit_all()  # back to the start: the second run begins where the first did
            pane._fit_first()
        markers = pane.map.marker_count
        per_cell = pane.per_cell
        pane.close()
        qt.processEvents()
    finally:
        server.stop()
        folder.cleanup()
    results = []
    extras: dict[str, Any] = {"map_markers": markers, "map_per_cell": per_cell,
                              "map_cached_tiles": cached, "map_tile_delay_s": delay}
    for run in runs:
        frames = [ms for ms, painted in run["turns"] if painted]
        frames_cpu = [cpu for (_ms, painted), cpu in zip(run["turns"], run["cpu"], strict=True)
                      if painted]
        every = [ms for ms, _p in run["turns"]]
        name = run["label"]
        by_kind = {kind: _p95([ms for (ms, painted), k in zip(run["turns"], run["kinds"],
                                                               strict=True)
                               if painted and k == kind]) for kind in ("pan", "zoom")}
        extras[f"map_{name.replace(' ', '_')}"] = {
            "turns": len(every), "frames": len(frames), "seconds": round(run["seconds"], 2),
            "tiles_served": run["served"], "tiles_requested": run["requested"],
            "turn_p95_ms": round(_p95(every), 2) if every else None,
            "turn_max_ms": round(max(every, default=0.0), 2),
            "frame_p95_ms_by_step": {k: round(v, 2) for k, v in by_kind.items()},
            "frame_cpu_p95_ms": round(_p95(frames_cpu), 2)}
        results.append(Result(
            f"map pan/zoom, {markers} per-cell markers, {name}: GUI thread time per frame "
            f"({MAP_SIZE[0]}×{MAP_SIZE[1]} offscreen)", "ms", frames or [0.0], None,
            "p95 ≤ 30 ms", lambda cd, _r: cd["p95"] <= 30, cpu=frames_cpu or [0.0],
            note=f"the GUI thread's CPU time per frame: p95 {_p95(frames_cpu):.1f} ms (the "
                 "rest of the wall time waits for a core or Qt's raster threads); "
                 f"{len(_script())} steps every {STEP_MS} ms in {run['seconds']:.1f} s; "
                 f"{len(frames)} frames (p95 after a pan {by_kind['pan']:.1f} ms, after a zoom "
                 f"{by_kind['zoom']:.1f} ms) of {len(every)} event-loop turns (all turns: p95 "
                 f"{_p95(every):.1f} ms, max {max(every, default=0.0):.1f} ms); "
                 f"{run['served']} tiles from the server ({delay * 1000:.0f} ms each), "
                 f"{cached} generated tiles "
                 "cached on disk before the first run"))
    return results, extras


def _p95(values: list[float]) -> float:
    from benchmarks.measure import p95

    return p95(values) if values else 0.0

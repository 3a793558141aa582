"""A collector's day replayed on the map: the track, and a time slider moving along it.

The map's **轨迹回放…** opens it.  Pick a collector and a day; the day's fixes (the centre's
zone) come from :meth:`~console.desk_backend.DeskBackend.collector_track` on the worker.  The
slider runs over the time from the first fix to the last; the cursor stands on the last fix
at or before the slider's time, and the part walked until then is drawn stronger.  播放 moves
the slider on by a minute every tick.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta

from PySide6.QtCore import QDate, QRectF, Qt, QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from console.domain.on_duty import TrackPoint
from console.services.centre import Centre
from console.ui.basemap import show_basemap
from console.ui.i18n import _
from widgets.grid_map import GridMapView, MapCell
from widgets.map_people import TrackLayer

#: A load: ``load(username, day, deliver)`` reads the day's fixes and calls ``deliver`` with them.
Load = Callable[[str, date, Callable[[list[TrackPoint]], None]], None]
#: Slider seconds per tick while playing, and the tick.
PLAY_STEP_S, PLAY_TICK_MS = 60, 100


class TrackReplayDialog(QDialog):
    """One collector's fixes of one day, replayed with a time slider.

    Parameters
    ----------
    centre : Centre
        The cells to draw and the zone the times are in.
    load : callable
        See :data:`Load`.
    collectors : sequence of (username, name)
    day : date
        The day shown first.
    username : str, optional
        The collector shown first (default the first listed).
    when : callable
        Formats an instant as the desk does (the centre's zone).
    """

    def __init__(self, centre: Centre, load: Load, collectors: Sequence[tuple[str, str]],
                 day: date, username: str | None, when: Callable[[datetime], str],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("track_replay")
        self.setWindowTitle(_("轨迹回放"))
        self._load, self._when, self._centre = load, when, centre
        self.points: list[TrackPoint] = []
        self._seconds: list[float] = []
        self.who = QComboBox()
        self.who.setObjectName("replay_collector")
        for name, shown in collectors:
            self.who.addItem(shown, name)
        if username is not None and (i := self.who.findData(username)) >= 0:
            self.who.setCurrentIndex(i)
        self.day = QDateEdit(QDate(day.year, day.month, day.day))
        self.day.setObjectName("replay_day")
        self.day.setCalendarPopup(True)
        self.day.setDisplayFormat("yyyy-MM-dd")
        self.summary = QLabel()
        self.summary.setObjectName("replay_summary")
        self.map = GridMapView()
        self.map.setObjectName("replay_map")
        self.map.set_cells([MapCell(c.code, c.polygon, c.code[-3:], c.community_code)
                            for c in sorted(centre.ref.grids.values(), key=lambda g: g.code)])
        show_basemap(self.map, centre.ref.config.basemap)
        self.track = TrackLayer(self.map.scene(), self.map.to_scene)
        self.play = QPushButton(_("播放"))
        self.play.setObjectName("replay_play")
        self.play.setCheckable(True)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setObjectName("replay_slider")
        self.time_label = QLabel("—")
        self.time_label.setObjectName("replay_time")
        top = QHBoxLayout()
        top.addWidget(QLabel(_("监督员")))
        top.addWidget(self.who, 1)
        top.addWidget(QLabel(_("日期")))
        top.addWidget(self.day)
        top.addWidget(self.summary)
        bottom = QHBoxLayout()
        bottom.addWidget(self.play)
        bottom.addWidget(self.slider, 1)
        bottom.addWidget(self.time_label)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.map, 1)
        layout.addLayout(bottom)
        self._timer = QTimer(self)
        self._timer.setInterval(PLAY_TICK_MS)
        self._timer.timeout.connect(self._on_timer_timeout)
        self.who.currentIndexChanged.connect(self.reload)
        self.day.dateChanged.connect(self.reload)
        self.slider.valueChanged.connect(self._on_slider_value_changed)
        self.play.toggled.connect(self._on_play_toggled)
        self.loaded = 0  # tracks delivered (tests wait on it)
        self.resize(980, 720)

    def reload(self, *_args: object) -> None:
        """Read the chosen collector's chosen day."""
        username = self.who.currentData()
        if not username:
            return
        self.summary.setText(_("读取中…"))
        self._load(str(username), self.day.date().toPython(), self.show_track)  # type: ignore[arg-type]

    def show_track(self, points: list[TrackPoint]) -> None:
        """Draw a day's fixes and put the slider at its start."""
        self.points = list(points)
        self.loaded += 1
        self.play.setChecked(False)
        self.track.set_track([(p.lon, p.lat) for p in self.points])
        if not self.points:
            self.summary.setText(_("当天无定位"))
            self.slider.setRange(0, 0)
            self.time_label.setText("—")
            return
        first = self.points[0].t
        self._seconds = [(p.t - first).total_seconds() for p in self.points]
        self.slider.setRange(0, int(self._seconds[-1]))
        self.slider.setValue(0)
        self._on_slider_value_changed(0)
        self.summary.setText(_("{n} 个定位，{start}–{end}").format(
            n=len(self.points), start=self._when(first), end=self._when(self.points[-1].t)))
        bounds = self.track.bounds()
        pad = max(bounds.width(), bounds.height(), 0.004) * 0.15
        self.map.fitInView(QRectF(bounds).adjusted(-pad, -pad, pad, pad),
                           Qt.AspectRatioMode.KeepAspectRatio)
        self.map.zoom_by(1.0)  # the cells' labels follow the new zoom

    def index_at(self, seconds: float) -> int:
        """The last fix at or before ``seconds`` after the first."""
        return max(bisect.bisect_right(self._seconds, seconds) - 1, 0)

    def _on_slider_value_changed(self, value: int) -> None:
        if not self.points:
            return
        index = self.index_at(value)
        self.track.set_position(index)
        at = self.points[0].t + timedelta(seconds=value)
        point = self.points[index]
        speed = "" if point.speed is None else _("，{v:.1f} 公里/时").format(v=point.speed * 3.6)
        self.time_label.setText(self._when(at) + speed)

    def _on_play_toggled(self, on: bool) -> None:
        if on and self.slider.value() >= self.slider.maximum():
            self.slider.setValue(0)
        self.play.setText(_("暂停") if on else _("播放"))
        if on:
            self._timer.start()
        else:
            self._timer.stop()

    def _on_timer_timeout(self) -> None:
        if self.slider.value() >= self.slider.maximum():
            self.play.setChecked(False)
            return
        self.slider.setValue(self.slider.value() + PLAY_STEP_S)

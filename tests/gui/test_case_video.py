"""「附近视频」 in the case detail, the live view dock, 抓拍 and 核实 by video, and F2 from the
patrol seat — embedded and through a server (issue #17 parts 2 and 3).

Set CITYDESK_UPDATE_SCREENSHOTS=1 to write docs/screenshots/detail_cameras_1080.png and
video_player_1080.png.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QScrollArea

from console.domain.camera_rows import NewCamera
from console.domain.cases import Source
from console.ui.dialogs.new_report import NewReportDialog
from console.ui.theme import apply_theme
from tests.gui.desk import Desk, accepted_case, visible_dialog
from tests.gui.remote import BOTH
from tests.rtsp_server import RtspServer
from widgets.video_decode import StreamState

pytestmark = pytest.mark.slow

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def add_cameras(desk: Desk, lon: float, lat: float, cell: str, url: str) -> list[NewCamera]:
    """Two cameras ~50 m and ~190 m east of the point, one far away (not listed)."""
    made = [
        NewCamera(1, "33082400001320000002", "体育场路东口", "城东", lon + 0.0019, lat, cell, "",
                  "", url, "", False),
        NewCamera(2, "33082400001320000001", "体育场路口", "城东", lon + 0.0005, lat, cell, "", "",
                  url, "", False),
        NewCamera(3, "33082400001320000003", "远处水库", "城西", lon + 0.2, lat + 0.2, "", "", "",
                  url, "", False),
    ]
    with desk.app.uow_factory() as uow:
        uow.cameras.upsert(made, "wgs84", "admin", datetime.now(UTC))
        uow.commit()
    return made


def case_point(desk: Desk, case_id: int) -> tuple[float, float, str]:
    with desk.app.uow_factory() as uow:
        case = uow.cases.get(case_id)
    if case.lon is not None and case.lat is not None:
        return case.lon, case.lat, case.grid or ""
    cell = desk.app.centre.grid(case.grid)
    lon, lat = cell.centroid
    return lon, lat, cell.code


def open_with_cameras(desk_factory, qtbot, rtsp_h264: RtspServer, user: str = "shouli1"):
    desk = desk_factory(user=user)
    w = desk.window
    case = accepted_case(desk)
    lon, lat, cell = case_point(desk, case.id)
    add_cameras(desk, lon, lat, cell, rtsp_h264.url)
    w.select_case(case.id)
    qtbot.waitUntil(lambda: w.detail.cameras.list.count() > 0, timeout=10000)
    return desk, case


@pytest.mark.parametrize("backend", BOTH, indirect=True)
def test_nearby_cameras_nearest_first_and_a_snapshot(desk_factory, qtbot,
                                                     rtsp_h264: RtspServer) -> None:
    desk, case = open_with_cameras(desk_factory, qtbot, rtsp_h264)
    w = desk.window
    listed = w.detail.cameras
    lines = [listed.list.item(i).text() for i in range(listed.list.count())]
    assert [n.camera.name for n in listed.cameras] == ["体育场路口", "体育场路东口"]
    assert lines[0].startswith("体育场路口 · ") and " 米" in lines[0]
    assert [round(n.distance_m, -1) for n in listed.cameras] == sorted(
        round(n.distance_m, -1) for n in listed.cameras)

    listed.list.setFocus()
    QTest.keyClick(listed.list, Qt.Key.Key_Return)  # Enter: the live view
    dock = w.case_video.dock
    assert dock is not None and dock.isVisible()
    assert dock.camera is not None and dock.camera.code == "33082400001320000001"
    qtbot.waitUntil(lambda: dock.player.frames_shown > 2, timeout=15000)

    before = len(_video_photos(desk, case.id))
    dock.snapshot.click()
    qtbot.waitUntil(lambda: len(_video_photos(desk, case.id)) == before + 1, timeout=10000)
    photo = _video_photos(desk, case.id)[-1]
    assert photo.kind == "video" and photo.filename.startswith("33082400001320000001-")
    with desk.app.uow_factory() as uow:
        assert uow.cameras.snapshots(case.id)[photo.id][0] == "33082400001320000001"
    qtbot.waitUntil(lambda: dock.status.text().startswith("已附加抓拍"), timeout=10000)


@pytest.mark.parametrize(("width", "height"), [(1920, 1080), (1366, 768)])
def test_detail_and_live_view_screenshots(desk_factory, themed_app, qtbot,
                                          rtsp_h264: RtspServer, tmp_path: Path, width: int,
                                          height: int) -> None:
    apply_theme(themed_app, "dark")
    desk, _case = open_with_cameras(desk_factory, qtbot, rtsp_h264)
    w = desk.window
    w.apply_theme_colors("dark")
    w.resize(width, height)
    w.reset_layout()  # the default layout fitted to this size
    w.detail.cameras.camera_chosen.emit(w.detail.cameras.chosen())
    dock = w.case_video.dock
    assert dock is not None
    dock.setFloating(False)
    if height >= 1080:  # the detail and the live view share the right column
        w.docks["board"].hide()
        w.splitDockWidget(w.docks["detail"], dock, Qt.Orientation.Vertical)
        w.resizeDocks([w.docks["detail"], dock], [560, 430], Qt.Orientation.Vertical)
    else:  # a laptop: the live view is a tab beside the board, under the detail
        w.tabifyDockWidget(w.docks["board"], dock)
        dock.raise_()
    qtbot.waitUntil(lambda: dock.player.frames_shown > 2, timeout=15000)
    qtbot.wait(300)
    scroll = w.detail.findChild(QScrollArea)
    scroll.ensureWidgetVisible(w.detail.cameras)  # the 附近视频 list in sight
    qtbot.wait(100)
    folder = DOCS if os.environ.get("CITYDESK_UPDATE_SCREENSHOTS") == "1" else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    image = w.grab().toImage()
    assert (image.width(), image.height()) == (width, height)
    assert image.save(str(folder / f"detail_cameras_{height}.png"))
    if height != 1080:
        return
    dock.setFloating(True)  # undocked, it plays on (closing it stops the stream)
    dock.resize(1920, 1080)
    shown = dock.player.frames_shown
    qtbot.waitUntil(lambda: dock.player.frames_shown > shown + 3, timeout=10000)
    qtbot.wait(200)
    assert dock.player.state is StreamState.PLAYING
    image = dock.grab().toImage()
    assert (image.width(), image.height()) == (1920, 1080)
    assert image.save(str(folder / "video_player_1080.png"))
    dock.close()
    assert dock.player.state is StreamState.STOPPED


def _video_photos(desk: Desk, case_id: int) -> list:
    with desk.app.uow_factory() as uow:
        return [p for p in uow.photos.for_case(case_id) if p.kind == "video"]


def test_verify_by_video_from_the_live_view(desk_factory, qtbot, rtsp_h264: RtspServer) -> None:
    desk, case = open_with_cameras(desk_factory, qtbot, rtsp_h264)
    w = desk.window
    w.detail.cameras.list.setCurrentRow(0)
    w.detail.cameras.camera_chosen.emit(w.detail.cameras.chosen())
    dock = w.case_video.dock
    assert dock is not None and dock.found.isVisibleTo(dock)
    qtbot.waitUntil(lambda: dock.player.frames_shown > 0, timeout=15000)
    dock.found.click()
    qtbot.waitUntil(lambda: dock.status.text() == "已记录视频核实：属实", timeout=10000)
    with desk.app.uow_factory() as uow:
        events = uow.events.for_case(case.id)
    verify = [e for e in events if e.type == "verify"][-1]
    assert verify.payload.get("by") == "video"
    assert verify.payload.get("camera") == "33082400001320000001"


def test_no_picture_no_snapshot(desk_factory, qtbot, rtsp_h264: RtspServer) -> None:
    desk, case = open_with_cameras(desk_factory, qtbot, rtsp_h264)
    w = desk.window
    rtsp_h264.stop()  # the camera is gone before the view opens
    w.detail.cameras.camera_chosen.emit(w.detail.cameras.chosen())
    dock = w.case_video.dock
    assert dock is not None
    before = len(_video_photos(desk, case.id))
    dock.snapshot.click()
    assert dock.status.text() == "尚无画面：等画面出现后再抓拍"
    assert len(_video_photos(desk, case.id)) == before


@pytest.mark.parametrize("backend", BOTH, indirect=True)
def test_f2_on_the_patrol_seat_files_a_video_report(desk_factory, qtbot,
                                                   rtsp_h264: RtspServer) -> None:
    desk = desk_factory(user="shouli1")
    w = desk.window
    cell = next(iter(desk.app.centre.ref.grids.values()))
    lon, lat = cell.centroid
    add_cameras(desk, lon, lat, cell.code, rtsp_h264.url)
    patrol = w.windows.video_patrol()
    qtbot.addWidget(patrol)
    qtbot.waitUntil(lambda: len([t for t in patrol.grid.tiles if t.camera]) == 3, timeout=10000)
    tile = next(t for t in patrol.grid.tiles if t.camera and t.camera.name == "体育场路口")
    qtbot.waitUntil(lambda: tile.frames_shown > 0, timeout=15000)
    QTest.mouseClick(tile, Qt.MouseButton.LeftButton)
    QTest.keyClick(patrol, Qt.Key.Key_F2)
    dialog = visible_dialog(w, NewReportDialog)
    assert dialog.source.currentData() == Source.VIDEO_PATROL.value
    assert dialog.lon == pytest.approx(lon + 0.0005) and dialog.grid_code() == cell.code
    assert dialog.address.text() == "体育场路口"
    qtbot.waitUntil(lambda: dialog.category.completer().popup().isVisible(), timeout=3000)
    dialog.category.completer().popup().hide()
    dialog.category.setText("06010")
    dialog.description.setPlainText("视频巡查发现暴露垃圾")
    dialog.buttons.button(dialog.buttons.StandardButton.Save).click()
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=10000)
    made_id = w.current_case  # the new case becomes current
    assert made_id is not None
    with desk.app.uow_factory() as uow:
        case = uow.cases.get(made_id)
    assert case.source == Source.VIDEO_PATROL.value and case.grid == cell.code
    photos = _video_photos(desk, case.id)
    assert len(photos) == 1 and photos[0].filename.startswith("33082400001320000001-")
    with desk.app.uow_factory() as uow:  # the camera and the frame time kept with the photo
        (code, frame_at), = uow.cameras.snapshots(case.id).values()
    assert code == "33082400001320000001" and frame_at.tzinfo is not None
    patrol.close()

"""Cameras on SQLite and PostgreSQL: import (all or nothing), near a case, snapshots, 核实 by
video, the online state, and AI alarms folded into their open case."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from PIL import Image

from console.domain.cases import Actor, CaseState, Role, Source
from console.domain.coords import Crs
from console.domain.errors import IllegalTransitionError, NotFoundError, PermissionDeniedError
from console.services.cameras import (
    cameras_near_case,
    import_cameras,
    list_cameras,
    record_online,
)
from console.services.cases import Report, act, report_case
from console.services.centre import Centre, load_centre
from console.services.video_alarms import IncomingAlarm, receive_alarm, set_type
from console.video.evidence import attach_snapshot, verify_by_video
from db.uow import SqlUnitOfWork

NOW = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)  # a Monday, 10:00 in Kaihua
ADMIN = Actor("admin", Role.ADMIN)
ACCEPTOR = Actor("shouli1", Role.ACCEPTOR)
HEAD = ["编码", "名称", "分组", "经度", "纬度", "主码流"]
CELL = "330824001001001"
#: Around cell 001 (118.4008–118.4023, 29.1468–29.1481): close, same cell, a neighbour, far.
CAMERAS = [
    (2, ["33082400001320000001", "解放街口", "芹阳", 118.4017, 29.14745, "rtsp://10.0.0.1/1"]),
    (3, ["33082400001320000002", "解放街西", "芹阳", 118.4009, 29.1469, "rtsp://10.0.0.2/1"]),
    (4, ["33082400001320000003", "新华路口", "芹阳", 118.4033, 29.1462, "rtsp://10.0.0.3/1"]),
    (5, ["33082400001320000004", "城东", "城东", 118.4090, 29.1475, "rtsp://10.0.0.4/1"]),
]
Factory = Callable[[], SqlUnitOfWork]


def _jpeg(color: str = "red") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 36), color).save(out, "JPEG")
    return out.getvalue()


def _import(factory: Factory, centre: Centre, rows: Any, dry_run: bool = False) -> Any:
    return import_cameras(factory, centre, HEAD, rows, Crs.WGS84, dry_run=dry_run, actor=ADMIN,
                          now=NOW)


def _case(factory: Factory, centre: Centre, source: Source = Source.PUBLIC) -> int:
    report = Report("06010", "路口暴露垃圾", source=source.value, grid=CELL, lon=118.40155,
                    lat=29.14745)
    case = report_case(factory, centre, ACCEPTOR, NOW, report).case
    assert case.id is not None
    return case.id


def test_import_is_all_or_nothing_and_updates_stored_codes(kaihua_factory: Factory) -> None:
    centre = load_centre(kaihua_factory())
    bad = [*CAMERAS, (6, ["33082400001320000005", "错位", "", 29.1, 118.4, "rtsp://h/1"])]
    result = _import(kaihua_factory, centre, bad)
    assert not result.kept and [p.row for p in result.problems] == [6]
    assert list_cameras(kaihua_factory) == []  # one bad row: nothing stored
    assert not _import(kaihua_factory, centre, CAMERAS, dry_run=True).kept
    assert list_cameras(kaihua_factory) == []
    done = _import(kaihua_factory, centre, CAMERAS)
    assert (done.kept, done.added, done.updated) == (True, 4, 0)
    moved = [(2, ["33082400001320000001", "解放街口（新）", "芹阳", 118.4017, 29.14745,
                  "rtsp://10.0.0.9/1"])]
    again = _import(kaihua_factory, centre, moved)
    assert (again.added, again.updated) == (0, 1)
    stored = {c.code: c for c in list_cameras(kaihua_factory)}
    assert stored["33082400001320000001"].main_url == "rtsp://10.0.0.9/1"
    assert [c.name for c in list_cameras(kaihua_factory, grid=CELL)] == ["解放街口（新）",
                                                                         "解放街西"]
    assert [c.code[-1] for c in list_cameras(kaihua_factory, group="城东")] == ["4"]


def test_cameras_near_a_case_nearest_first(kaihua_factory: Factory) -> None:
    centre = load_centre(kaihua_factory())
    _import(kaihua_factory, centre, CAMERAS)
    case_id = _case(kaihua_factory, centre)
    near = cameras_near_case(kaihua_factory, centre, ACCEPTOR, case_id, 50)
    assert [(n.camera.name, n.reason) for n in near] == [
        ("解放街口", "radius"), ("解放街西", "cell"), ("新华路口", "neighbour")]
    wide = cameras_near_case(kaihua_factory, centre, ACCEPTOR, case_id, 1000)
    assert [n.camera.name for n in wide] == ["解放街口", "解放街西", "新华路口", "城东"]
    with pytest.raises(NotFoundError):
        cameras_near_case(kaihua_factory, centre, ACCEPTOR, 999_999, 50)


def test_online_state_is_recorded(kaihua_factory: Factory) -> None:
    centre = load_centre(kaihua_factory())
    _import(kaihua_factory, centre, CAMERAS[:2])
    record_online(kaihua_factory, {"33082400001320000001": True,
                                   "33082400001320000002": False}, NOW)
    states = {c.code[-1]: (c.online, c.checked_at) for c in list_cameras(kaihua_factory)}
    assert states == {"1": (True, NOW), "2": (False, NOW)}


def test_snapshot_is_a_video_photo_with_camera_and_frame_time(kaihua_factory: Factory) -> None:
    centre = load_centre(kaihua_factory())
    _import(kaihua_factory, centre, CAMERAS)
    case_id = _case(kaihua_factory, centre)
    frame_at = NOW - timedelta(seconds=3)
    info = attach_snapshot(kaihua_factory, centre, ACCEPTOR, NOW, case_id,
                           "33082400001320000001", _jpeg(), frame_at)
    assert info.kind == "video" and info.event_id is None
    with kaihua_factory() as uow:
        assert uow.cameras.snapshots(case_id) == {info.id: ("33082400001320000001", frame_at)}
        photos = uow.photos.for_case(case_id)
    with pytest.raises(NotFoundError, match="摄像机"):
        attach_snapshot(kaihua_factory, centre, ACCEPTOR, NOW, case_id, "nope", _jpeg(), NOW)
    with pytest.raises(PermissionDeniedError):
        attach_snapshot(kaihua_factory, centre, Actor("dp", Role.WALL), NOW, case_id,
                        "33082400001320000001", _jpeg(), NOW)
    with kaihua_factory() as uow:
        assert uow.photos.for_case(case_id) == photos  # the refusals stored nothing


@pytest.mark.parametrize("found", [True, False])
def test_verify_by_video_from_accepted(kaihua_factory: Factory, found: bool) -> None:
    centre = load_centre(kaihua_factory())
    _import(kaihua_factory, centre, CAMERAS)
    case_id = _case(kaihua_factory, centre)
    act(kaihua_factory, centre, ACCEPTOR, NOW, case_id, "accept")
    case = verify_by_video(kaihua_factory, centre, ACCEPTOR, NOW + timedelta(minutes=1), case_id,
                           "33082400001320000002", found, _jpeg(), NOW, notes="看得清楚")
    assert case.state is CaseState.ACCEPTED and case.verified is found
    with kaihua_factory() as uow:
        events = uow.events.for_case(case_id)
        photos = uow.photos.for_case(case_id)
    assert [e.type for e in events][-2:] == ["request-verify", "verify"]
    verify = events[-1]
    assert verify.payload["by"] == "video" and verify.payload["found"] is found
    assert verify.payload["camera"] == "33082400001320000002"
    assert [(p.kind, p.event_id, p.id) for p in photos] == [
        ("video", verify.id, verify.payload["photo_id"])]


def test_verify_by_video_refused_elsewhere_in_the_loop(kaihua_factory: Factory) -> None:
    centre = load_centre(kaihua_factory())
    _import(kaihua_factory, centre, CAMERAS)
    case_id = _case(kaihua_factory, centre)  # 待受理: not yet accepted
    with pytest.raises(IllegalTransitionError):
        verify_by_video(kaihua_factory, centre, ACCEPTOR, NOW, case_id, "33082400001320000001",
                        True, _jpeg(), NOW)
    with kaihua_factory() as uow:
        assert len(uow.events.for_case(case_id)) == 1 and uow.photos.for_case(case_id) == []


def test_alarm_repeats_fold_into_the_open_case(kaihua_factory: Factory) -> None:
    centre = load_centre(kaihua_factory())
    _import(kaihua_factory, centre, CAMERAS)
    set_type(kaihua_factory, centre, ADMIN, NOW, "occupy", "06010", "占道经营")
    code = "33082400001320000001"
    first = receive_alarm(kaihua_factory, centre, ACCEPTOR, NOW,
                          IncomingAlarm(code, "occupy", NOW - timedelta(minutes=40)), None)
    assert not first.folded
    repeat = receive_alarm(kaihua_factory, centre, ACCEPTOR, NOW,
                           IncomingAlarm(code, "occupy", NOW - timedelta(minutes=15)),
                           _photo())
    later = receive_alarm(kaihua_factory, centre, ACCEPTOR, NOW,
                          IncomingAlarm(code, "occupy", NOW), None)  # 15 min after the repeat
    assert repeat.folded and later.folded and repeat.case_id == later.case_id == first.case_id
    other = receive_alarm(kaihua_factory, centre, ACCEPTOR, NOW,
                          IncomingAlarm("33082400001320000004", "occupy", NOW), None)
    assert not other.folded and other.case_id != first.case_id
    with kaihua_factory() as uow:
        case = uow.cases.get(first.case_id)
        photos = uow.photos.for_case(first.case_id)
    assert case.source is Source.VIDEO and case.grid == CELL and case.category == "06010"
    assert [p.kind for p in photos] == ["video"]


def test_an_alarm_after_the_window_or_on_a_closed_case_opens_a_new_one(
        kaihua_factory: Factory) -> None:
    centre = load_centre(kaihua_factory())
    _import(kaihua_factory, centre, CAMERAS)
    set_type(kaihua_factory, centre, ADMIN, NOW, "occupy", "06010")
    code = "33082400001320000001"
    first = receive_alarm(kaihua_factory, centre, ACCEPTOR, NOW,
                          IncomingAlarm(code, "occupy", NOW - timedelta(minutes=31)), None)
    late = receive_alarm(kaihua_factory, centre, ACCEPTOR, NOW,
                         IncomingAlarm(code, "occupy", NOW), None)
    assert not late.folded and late.case_id != first.case_id
    act(kaihua_factory, centre, ACCEPTOR, NOW, late.case_id, "refuse", {"reason": "误报"})
    after = receive_alarm(kaihua_factory, centre, ACCEPTOR, NOW,
                          IncomingAlarm(code, "occupy", NOW), None)
    assert not after.folded and after.case_id not in (first.case_id, late.case_id)


def _photo() -> Any:
    from console.photos import photo_from_bytes

    return photo_from_bytes(_jpeg("blue"), "alarm.jpg", "video")


def test_the_desk_seam_reads_cameras_and_they_survive_the_wire(kaihua_factory: Factory) -> None:
    import json

    from console.desk_backend import DeskBackend
    from console.desk_local import LocalDeskBackend, LocalWallBackend
    from console.services import wire

    centre = load_centre(kaihua_factory())
    _import(kaihua_factory, centre, CAMERAS)
    case_id = _case(kaihua_factory, centre)
    desk = LocalDeskBackend(kaihua_factory, centre, lambda: NOW, ACCEPTOR)
    for method, args in {"nearby_cameras": {"case_id": case_id, "radius_m": 50.0},
                         "cameras": {"group": "芹阳"}}.items():
        result = getattr(desk, method)(**args)
        assert result, method
        spec = getattr(DeskBackend, method)
        sent = json.loads(json.dumps(wire.encode_result(spec, result), ensure_ascii=False))
        assert wire.decode_result(spec, sent) == result, method
    assert desk.camera_play_url("33082400001320000001", True) == "rtsp://10.0.0.1/1"
    info = desk.attach_snapshot(case_id, "33082400001320000002", _jpeg(), NOW)
    assert info.kind == "video"
    wall = LocalWallBackend(kaihua_factory, centre, lambda: NOW)
    assert [c.name for c in wall.cameras("城东")] == ["城东"]


def test_the_worker_round_records_who_answers(kaihua_factory: Factory, tmp_path: Any) -> None:
    import socket

    from console.video.config import VideoConfig
    from console.video.online import CameraOnlineJob

    centre = load_centre(kaihua_factory())
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(b"\0")
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        with socket.socket() as closed:
            closed.bind(("127.0.0.1", 0))
            dead = closed.getsockname()[1]  # bound, never listening: refuses
            rows = [(2, ["cam-file", "文件", "", 118.4017, 29.14745, clip.as_uri()]),
                    (3, ["cam-up", "在线", "", 118.4017, 29.14745, f"rtsp://127.0.0.1:{port}/1"]),
                    (4, ["cam-down", "离线", "", 118.4017, 29.14745,
                         f"rtsp://127.0.0.1:{dead}/1"])]
            _import(kaihua_factory, centre, rows)
            job = CameraOnlineJob(kaihua_factory, lambda: NOW, lambda: VideoConfig())
            assert job() == {"checked": 3, "online": 2, "offline": 1, "platforms_failed": 0}
    states = {c.code: c.online for c in list_cameras(kaihua_factory)}
    assert states == {"cam-file": True, "cam-up": True, "cam-down": False}


def test_a_case_filed_from_a_frame_keeps_its_camera(kaihua_factory: Factory) -> None:
    from console.video.evidence import snapshot_photo

    centre = load_centre(kaihua_factory())
    _import(kaihua_factory, centre, CAMERAS)
    frame_at = NOW - timedelta(seconds=5)
    report = Report("06010", "视频巡查发现暴露垃圾", grid=CELL, lon=118.4017, lat=29.14745,
                    photos=(snapshot_photo("33082400001320000001", _jpeg(), frame_at),))
    case = report_case(kaihua_factory, centre, ACCEPTOR, NOW, report).case
    assert case.id is not None
    with kaihua_factory() as uow:
        (photo,) = uow.photos.for_case(case.id)
        assert photo.kind == "video"
        assert uow.cameras.snapshots(case.id) == {photo.id: ("33082400001320000001", frame_at)}


def test_a_platform_that_fails_leaves_its_cameras_states(kaihua_factory: Factory) -> None:
    from console.video.config import VideoConfig
    from console.video.online import CameraOnlineJob

    centre = load_centre(kaihua_factory())
    head = ["编码", "名称", "经度", "纬度", "平台", "平台编号"]
    import_cameras(kaihua_factory, centre, head,
                   [(2, ["cam-w", "平台上的", 118.4017, 29.14745, "ghost", "d/c"])], Crs.WGS84,
                   dry_run=False, actor=ADMIN, now=NOW)
    record_online(kaihua_factory, {"cam-w": True}, NOW)
    job = CameraOnlineJob(kaihua_factory, lambda: NOW + timedelta(minutes=5),
                          lambda: VideoConfig(), probe=lambda _url: True)
    assert job() == {"checked": 0, "online": 0, "offline": 0, "platforms_failed": 1}
    (camera,) = list_cameras(kaihua_factory)
    assert (camera.online, camera.checked_at) == (True, NOW)  # unknown is not offline


def test_a_case_without_coordinates_is_measured_from_its_cell(kaihua_factory: Factory) -> None:
    centre = load_centre(kaihua_factory())
    _import(kaihua_factory, centre, CAMERAS)
    case = report_case(kaihua_factory, centre, ACCEPTOR, NOW,
                       Report("06010", "只有网格", grid=CELL)).case
    assert case.id is not None and case.lon is None
    near = cameras_near_case(kaihua_factory, centre, ACCEPTOR, case.id, 50)
    # The cell's centre (118.40155, 29.14745): 解放街口 within 50 m, the rest by cell.
    assert [(n.camera.name, n.reason) for n in near] == [
        ("解放街口", "radius"), ("解放街西", "cell"), ("新华路口", "neighbour")]

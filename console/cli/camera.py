"""``citydesk camera …``: the camera registry, snapshots, 核实 by video, AI alarm settings.

* ``camera import FILE [--crs …] [--dry-run]`` — a CSV or XLSX registry (docs/video.md); any
  bad row is listed (row number and reason) and nothing is stored, exit 2.
* ``camera list [--near CASE | --grid CELL | --group G] [--radius M]`` — ``--near`` lists the
  cameras that may see the case's place, nearest first.
* ``camera snapshot CAMERA --case ID`` — one frame from the camera, attached as a photo of
  kind 视频; ``camera verify CAMERA --case ID --found|--not-found`` — 核实 by video.
* ``camera play-url CAMERA [--sub]`` — the URL a player opens now (asks the platform).
* ``camera alarm-types [set TYPE CATEGORY | remove TYPE]`` and ``camera alarm-key USER`` —
  the AI alarms' type → category table and the key a box posts alarms with.

Everything here needs the database itself: through a server these are refused in one line.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from console.cli.common import EXIT_INPUT, EXIT_OK, emit
from console.cli.setup import open_app
from console.domain.cameras import DEFAULT_RADIUS_M, Camera, NearCamera, check_radius
from console.domain.errors import ValidationError
from console.domain.gazetteer_rows import CRS_CHOICES, parse_crs
from console.services import cameras as camera_service
from console.services import video_alarms
from console.services.cameras import import_cameras
from console.services.video_alarms import AlarmUnitOfWork

if TYPE_CHECKING:
    from console.app import App

_REASON_ZH = {"radius": "半径内", "cell": "本网格", "neighbour": "相邻网格"}


def add_commands(sub: Any, common: argparse.ArgumentParser) -> None:
    """Register ``camera`` and its actions."""
    c = sub.add_parser("camera", parents=[common], help="公安视频：摄像机登记、截图、视频核实、智能告警")
    csub = c.add_subparsers(dest="camera_cmd", metavar="ACTION", required=True,
                            parser_class=type(c))
    i = csub.add_parser("import", parents=[common], help="导入摄像机登记表（CSV 或 XLSX）")
    i.add_argument("file", metavar="FILE")
    i.add_argument("--crs", choices=CRS_CHOICES, default="wgs84",
                   help="文件坐标的坐标系（默认 wgs84）/ the file's datum")
    i.add_argument("--sheet", metavar="NAME", help="XLSX 的工作表（默认第一张）")
    i.add_argument("--dry-run", action="store_true", help="只检查，不写入 / check only")
    i.set_defaults(handler=cmd_import)
    y = csub.add_parser("sync", parents=[common],
                        help="从视频平台（wvp、iSecure Center）导入其摄像机 / the platform's cameras")
    y.add_argument("platform", metavar="PLATFORM", help="video.toml 中的平台名")
    y.add_argument("--crs", choices=CRS_CHOICES, default="wgs84",
                   help="平台坐标的坐标系（默认 wgs84）/ the platform's datum")
    y.add_argument("--group", default="", metavar="NAME", help="这些摄像机的分组")
    y.add_argument("--dry-run", action="store_true", help="只检查，不写入 / check only")
    y.set_defaults(handler=cmd_sync)
    ls = csub.add_parser("list", parents=[common], help="列出摄像机 / list cameras")
    where = ls.add_mutually_exclusive_group()
    where.add_argument("--near", metavar="CASE", help="案件附近的摄像机，由近及远")
    where.add_argument("--grid", metavar="CELL", help="某网格内的摄像机")
    where.add_argument("--group", metavar="NAME", help="某分组的摄像机")
    ls.add_argument("--radius", type=_radius, default=DEFAULT_RADIUS_M, metavar="M",
                    help=f"--near 的半径（米，默认 {DEFAULT_RADIUS_M:.0f}）")
    ls.set_defaults(handler=cmd_list)
    s = csub.add_parser("snapshot", parents=[common], help="从摄像机截取一帧附到案件（照片类型 视频）")
    s.add_argument("camera", metavar="CAMERA")
    s.add_argument("--case", required=True, metavar="ID")
    s.add_argument("--sub", action="store_true", help="用子码流 / the sub stream")
    s.add_argument("--timeout", type=float, default=10.0, metavar="S", help="等待画面的秒数")
    s.set_defaults(handler=cmd_snapshot)
    v = csub.add_parser("verify", parents=[common], help="视频核实：截图为证，记录 问题属实/不属实")
    v.add_argument("camera", metavar="CAMERA")
    v.add_argument("--case", required=True, metavar="ID")
    found = v.add_mutually_exclusive_group(required=True)
    found.add_argument("--found", dest="found", action="store_true", help="问题属实")
    found.add_argument("--not-found", dest="found", action="store_false", help="问题不存在")
    v.add_argument("--notes", default="", metavar="TEXT")
    v.add_argument("--sub", action="store_true", help="用子码流 / the sub stream")
    v.add_argument("--timeout", type=float, default=10.0, metavar="S")
    v.set_defaults(handler=cmd_verify)
    p = csub.add_parser("play-url", parents=[common], help="摄像机当前的播放地址（向平台索取）")
    p.add_argument("camera", metavar="CAMERA")
    p.add_argument("--sub", action="store_true")
    p.set_defaults(handler=cmd_play_url)
    t = csub.add_parser("alarm-types", parents=[common], help="智能告警类型与案件类别的对应表")
    tsub = t.add_subparsers(dest="alarm_types_cmd", metavar="ACTION", parser_class=type(c))
    t.set_defaults(handler=cmd_alarm_types)
    ts = tsub.add_parser("set", parents=[common], help="设置一种告警类型的类别（管理员）")
    ts.add_argument("alarm_type", metavar="TYPE")
    ts.add_argument("category", metavar="CATEGORY")
    ts.add_argument("--note", default="", metavar="TEXT", help="类型的中文名，如 占道经营")
    ts.set_defaults(handler=cmd_alarm_type_set)
    tr = tsub.add_parser("remove", parents=[common], help="删除一种告警类型（管理员）")
    tr.add_argument("alarm_type", metavar="TYPE")
    tr.set_defaults(handler=cmd_alarm_type_remove)
    k = csub.add_parser("alarm-key", parents=[common], help="为告警账户发放密钥（只显示一次）")
    k.add_argument("username", metavar="USER")
    k.set_defaults(handler=cmd_alarm_key)


def _radius(value: str) -> float:
    try:
        return check_radius(float(value))
    except ValueError:
        raise argparse.ArgumentTypeError("应为 0–5000 的米数 / metres, 0-5000") from None
    except ValidationError as exc:
        raise argparse.ArgumentTypeError(exc.message) from None


def _cameras(app: App) -> Callable[[], AlarmUnitOfWork]:
    # db.uow.SqlUnitOfWork implements the camera and alarm ports (db/uow.py proves it to mypy).
    return cast(Callable[[], AlarmUnitOfWork], app.uow_factory)


def _actor(args: argparse.Namespace, app: App) -> Any:
    return app.centre.actor(args.user or "admin", args.desk)


def camera_dict(c: Camera) -> dict[str, Any]:
    """A camera as ``--json`` prints it."""
    return {"code": c.code, "name": c.name, "group": c.group, "lon": c.lon, "lat": c.lat,
            "cell": c.cell, "platform": c.platform, "platform_id": c.platform_id,
            "main_url": c.main_url, "sub_url": c.sub_url, "ptz": c.ptz, "online": c.online,
            "checked_at": c.checked_at.isoformat() if c.checked_at else None}


def _state(c: Camera) -> str:
    return "未检" if c.online is None else ("在线" if c.online else "离线")


def cmd_import(args: argparse.Namespace) -> int:
    """Read the file first (a bad file changes nothing), then check every row."""
    from console.intake.file_import import headed_rows

    crs = parse_crs(args.crs)
    path = Path(args.file)
    headers, body = headed_rows(path, args.sheet)
    app = open_app(args)
    try:
        result = import_cameras(_cameras(app), app.centre, headers, body, crs,
                                dry_run=args.dry_run, actor=_actor(args, app), now=app.clock())
    finally:
        app.close()
    data = {**result.as_dict(), "file": path.name, "crs": args.crs}

    emit(args, data, lambda: _import_text(result, args.dry_run))
    return EXIT_INPUT if result.problems else EXIT_OK


def _import_text(result: Any, dry_run: bool) -> str:
    if result.problems:
        lines = [f"{len(result.problems)} 行有问题，未写入任何摄像机 / {len(result.problems)} "
                 "bad rows: nothing stored"]
        return "\n".join(lines + [p.text for p in result.problems])
    head = "（试运行，未写入）/ dry run: nothing stored\n" if dry_run else ""
    return (f"{head}新增 {result.added} 台，更新 {result.updated} 台 / {result.added} added, "
            f"{result.updated} updated")


def cmd_sync(args: argparse.Namespace) -> int:
    """The platform's camera list imported as a registry file would be (all or nothing)."""
    from console.video.config import load_video_config
    from console.video.sync import sync_platform

    platform = load_video_config().platform(args.platform)
    crs = parse_crs(args.crs)
    app = open_app(args)
    try:
        done = sync_platform(_cameras(app), app.centre, platform, crs, args.group,
                             dry_run=args.dry_run, actor=_actor(args, app), now=app.clock())
    finally:
        app.close()

    def text() -> str:
        lines = [_import_text(done.result, args.dry_run)]
        if done.unplaced:
            lines.append(f"{len(done.unplaced)} 台平台未给出位置，未导入 / {len(done.unplaced)} "
                         "without a position, left out: "
                         + "、".join(c.name for c in done.unplaced[:20]))
        return "\n".join(lines)

    emit(args, {**done.as_dict(), "platform": platform.name}, text)
    return EXIT_INPUT if done.result.problems else EXIT_OK


def cmd_list(args: argparse.Namespace) -> int:
    """The registry, a cell's or group's cameras, or those near a case (nearest first)."""
    app = open_app(args)
    try:
        factory = _cameras(app)
        if args.near:
            near = camera_service.cameras_near_case(factory, app.centre, _actor(args, app),
                                                    args.near, args.radius)
        else:
            near = [NearCamera(c, 0.0, "") for c in camera_service.list_cameras(
                factory, grid=args.grid, group=args.group)]
    finally:
        app.close()
    data = [camera_dict(n.camera) | ({"distance_m": n.distance_m, "reason": n.reason}
                                     if args.near else {}) for n in near]

    def text() -> str:
        if not near:
            return "没有摄像机 / no cameras"
        return "\n".join(
            f"{n.camera.code}\t{n.camera.name}\t{n.camera.cell or '-'}\t{_state(n.camera)}"
            + (f"\t{n.distance_m:.0f} 米\t{_REASON_ZH.get(n.reason, n.reason)}" if args.near
               else f"\t{n.camera.group or '-'}") for n in near)

    emit(args, data, text)
    return EXIT_OK


def _grab(args: argparse.Namespace, camera: Camera) -> Any:
    from console.video.platforms import play_url
    from console.video.snapshot import grab_frame

    if not 0 < args.timeout <= 120:
        raise ValidationError("--timeout 应在 0–120 秒 / --timeout must be 0-120")
    return grab_frame(play_url(camera, args.sub), args.timeout)


def cmd_snapshot(args: argparse.Namespace) -> int:
    """Grab one frame and attach it to the case (kind 视频, camera and frame time kept)."""
    from console.video.evidence import attach_snapshot

    app = open_app(args)
    try:
        factory = _cameras(app)
        actor = _actor(args, app)
        camera = camera_service.get_camera(factory, args.camera)
        frame = _grab(args, camera)
        info = attach_snapshot(factory, app.centre, actor, app.clock(), args.case, camera.code,
                               frame.jpeg, frame.taken_at)
    finally:
        app.close()
    data = {"photo_id": info.id, "case_id": info.case_id, "kind": info.kind,
            "camera": camera.code, "frame_at": frame.taken_at.isoformat(),
            "width": frame.width, "height": frame.height}
    emit(args, data, f"已附截图 #{info.id}（{camera.name}，{frame.width}×{frame.height}）/ "
                     f"snapshot #{info.id} attached")
    return EXIT_OK


def cmd_verify(args: argparse.Namespace) -> int:
    """核实 by video: a frame as evidence, found or not found, logged as by video."""
    from console.video.evidence import verify_by_video

    app = open_app(args)
    try:
        factory = _cameras(app)
        camera = camera_service.get_camera(factory, args.camera)
        frame = _grab(args, camera)
        case = verify_by_video(factory, app.centre, _actor(args, app), app.clock(), args.case,
                               camera.code, args.found, frame.jpeg, frame.taken_at, args.notes)
    finally:
        app.close()
    result = "问题属实" if args.found else "问题不存在"
    emit(args, {"case_id": case.id, "case_no": case.case_no, "state": case.state.value,
                "found": args.found, "camera": camera.code},
         f"案件 {case.case_no} 已视频核实：{result}（{camera.name}）→ {case.state.value}")
    return EXIT_OK


def cmd_play_url(args: argparse.Namespace) -> int:
    """The URL the platform gives for the camera now."""
    from console.video.platforms import play_url

    app = open_app(args)
    try:
        camera = camera_service.get_camera(_cameras(app), args.camera)
    finally:
        app.close()
    url = play_url(camera, args.sub)
    emit(args, {"camera": camera.code, "url": url}, url)
    return EXIT_OK


def cmd_alarm_types(args: argparse.Namespace) -> int:
    """The alarm type → category table."""
    app = open_app(args)
    try:
        types = video_alarms.list_types(_cameras(app))
    finally:
        app.close()
    emit(args, [{"type": t.alarm_type, "category": t.category, "note": t.note} for t in types],
         lambda: "\n".join(f"{t.alarm_type}\t{t.category}\t{t.note}" for t in types)
         or "（没有告警类型映射）/ no alarm types mapped")
    return EXIT_OK


def cmd_alarm_type_set(args: argparse.Namespace) -> int:
    """Map an alarm type to a category."""
    app = open_app(args)
    try:
        t = video_alarms.set_type(_cameras(app), app.centre, _actor(args, app), app.clock(),
                                  args.alarm_type, args.category, args.note)
    finally:
        app.close()
    emit(args, {"type": t.alarm_type, "category": t.category, "note": t.note},
         f"告警类型 {t.alarm_type} → 类别 {t.category}")
    return EXIT_OK


def cmd_alarm_type_remove(args: argparse.Namespace) -> int:
    """Remove a mapping."""
    app = open_app(args)
    try:
        video_alarms.remove_type(_cameras(app), _actor(args, app), args.alarm_type)
    finally:
        app.close()
    emit(args, {"removed": args.alarm_type}, f"已删除告警类型 {args.alarm_type}")
    return EXIT_OK


def cmd_alarm_key(args: argparse.Namespace) -> int:
    """Issue an account's alarm key, shown once."""
    app = open_app(args)
    try:
        key = video_alarms.issue_key(_cameras(app), app.centre, _actor(args, app),
                                     args.username, app.clock())
    finally:
        app.close()
    emit(args, {"username": args.username, "key": key},
         f"{args.username}:{key}\n（只显示这一次；告警请求头 Authorization: Bearer USER:KEY）/ shown once")
    return EXIT_OK


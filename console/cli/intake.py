"""``citydesk intake …``, ``citydesk import`` and ``citydesk worker``: the intake channels."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import stat
import sys
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any, cast

from console.app import App
from console.cli.arguments import MAX_ROWS, bounded_count, record_id, seconds
from console.cli.common import KIND_CHOICES, emit
from console.cli.setup import open_app
from console.domain.cases import Source
from console.domain.errors import ValidationError
from console.intake.feed import FeedFormatError
from console.intake.open311_client import Open311Error
from console.intake.open311_parse import Open311FormatError
from console.services.intake import IntakeContext, dry_run
from console.services.intake_ports import IntakeUowFactory, ProblemFilter, ProblemStatus

SERVER_ERRORS = (Open311Error, Open311FormatError, FeedFormatError)

#: Where ``intake open311`` finds the server's API key when no ``--api-key-file`` is given.
API_KEY_ENV = "CITYDESK_OPEN311_KEY"
#: An API key file larger than this is not a key (a wrong file named).
MAX_KEY_FILE = 4096


def api_key(args: argparse.Namespace) -> str | None:
    """The Open311 API key: from ``--api-key-file`` or ``$CITYDESK_OPEN311_KEY``, never argv.

    A value on the command line stays in the shell's history and is shown by ``ps`` to every
    user of the machine, so ``--api-key VALUE`` is refused outright.
    """
    if getattr(args, "api_key", None) is not None:
        raise ValidationError(
            f"API 密钥不能写在命令行上（会留在 shell 历史与进程列表中）：请用环境变量 {API_KEY_ENV}"
            " 或 --api-key-file FILE / never give the API key on the command line")
    path = getattr(args, "api_key_file", None)
    if path is None:
        return os.environ.get(API_KEY_ENV) or None
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):  # a FIFO would block the read
            raise ValidationError(f"--api-key-file {path} 不是普通文件 / not a regular file")
        with open(path, "rb") as fh:
            data = fh.read(MAX_KEY_FILE + 1)
    except OSError as exc:
        raise ValidationError(f"--api-key-file {path}：{exc.strerror or exc} / cannot read the "
                              "key file") from None
    try:
        key = data.decode("utf-8").strip()
    except UnicodeDecodeError:
        key = ""
    if len(data) > MAX_KEY_FILE or not key or any(c.isspace() for c in key):
        raise ValidationError(f"--api-key-file {path} 中应只有一行密钥 / the file should hold the "
                              "key on one line")
    return key


@contextmanager
def intake_context(args: argparse.Namespace, *, keep: bool = True) -> Iterator[IntakeContext]:
    """An intake context on ``--db`` acting as ``--as`` (default admin); closed afterwards."""

    app = open_app(args)
    try:
        centre = app.centre
        actor = centre.actor(args.user or "admin", args.desk)
        yield IntakeContext(intake_factory(app, keep), centre, actor, app.clock)
    finally:
        app.close()


def intake_factory(app: App, keep: bool) -> IntakeUowFactory:
    """The app's units of work as the intake port (a dry run's roll back at the end)."""
    # db.uow.SqlUnitOfWork implements the intake port too (db/uow.py proves it to mypy).
    factory = cast(IntakeUowFactory, app.uow_factory)
    return factory if keep else dry_run(factory)


@contextmanager
def server_errors() -> Iterator[None]:
    """A channel server's failure as one line and exit code 2."""
    try:
        yield
    except SERVER_ERRORS as exc:
        # One line whatever the server wrote (a plain-text error page spans several).
        raise ValidationError(" ".join(str(getattr(exc, "message", exc)).split())) from None


def _counts_text(counts: dict[str, int]) -> str:
    text = ("取回 {fetched}，新建 {created}，更新 {updated}，重复 {duplicates}，隔离 {quarantined}"
            .format(**counts))
    if "closed_at_source" in counts:
        text += f"，源系统已关闭 {counts['closed_at_source']}"
    return text


def _loop(args: argparse.Namespace, once: bool, interval: float,
          round_: Callable[[], dict[str, Any]]) -> int:

    if once:
        with server_errors():
            data = round_()
        emit(args, data, lambda: _counts_text(data))
        return 0
    stopping = _stop_on_signals()
    while not stopping.is_set():
        try:
            with server_errors():
                data = round_()
            emit(args, data, _counts_text(data))
        except ValidationError as exc:
            print(f"citydesk: {exc.message}", file=sys.stderr)
        stopping.wait(interval)
    return 0


def _stop_on_signals() -> Any:
    import threading

    stopping = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_a: stopping.set())
    return stopping


def cmd_open311(args: argparse.Namespace) -> int:
    from console.intake.open311_channel import (
        ChannelNameError,
        Open311Settings,
        channel_name,
        poll,
        push,
    )
    from console.intake.open311_client import Open311Endpoint

    if not args.endpoint.startswith(("http://", "https://")):
        raise ValidationError(f"--endpoint 应为 http(s) 地址：{args.endpoint!r} / not an http(s) URL")
    try:  # the server's identity: --channel or --jurisdiction, never the URL's spelling
        name = channel_name(args.channel, args.jurisdiction)
    except ChannelNameError as exc:
        raise ValidationError(exc.message) from None
    endpoint = Open311Endpoint(args.endpoint, args.jurisdiction, api_key(args), args.format,
                               timeout=args.timeout, page_size=args.page_size)
    settings = Open311Settings(name, endpoint, args.source, args.lookback_days,
                               not args.no_updated_after, args.push)
    with intake_context(args) as ctx:
        def round_() -> dict[str, Any]:
            polled = poll(ctx, settings)
            counts = {**polled.as_dict(), "closed_at_source": polled.closed_at_source}
            pushed = push(ctx, settings)
            if pushed.retrying or pushed.failed or pushed.superseded:
                print(f"citydesk: 状态回推：已发 {pushed.sent}，待重试 {pushed.retrying}，"
                      f"被拒 {pushed.failed}，因源系统状态较新不回推 {pushed.superseded}"
                      " / status push incomplete", file=sys.stderr)
            return counts
        return _loop(args, args.once, args.interval, round_)


def cmd_services(args: argparse.Namespace) -> int:
    from console.intake.open311_client import Open311Client, Open311Endpoint

    client = Open311Client(Open311Endpoint(args.endpoint, args.jurisdiction, None, args.format,
                                           timeout=args.timeout))
    with server_errors():
        rows = client.services()
    emit(args, rows, lambda: "\n".join(f"{r['service_code']}\t{r['service_name']}\t{r['group']}"
                                       for r in rows) or "（服务器没有列出服务）")
    return 0


def cmd_feed(args: argparse.Namespace) -> int:
    from console.intake.feed_channel import FeedSettings, poll_feed

    if (args.url is None) == (args.folder is None):
        raise ValidationError("请给出 --url 或 --folder 之一 / give --url or --folder")
    folder = Path(args.folder) if args.folder else None
    if folder is not None and not folder.is_dir():
        raise ValidationError(f"投递目录 {folder} 不存在 / no such folder")
    settings = FeedSettings(args.channel, args.url, folder, args.source)
    with intake_context(args) as ctx:
        return _loop(args, args.once, args.interval, lambda: poll_feed(ctx, settings).as_dict())


def cmd_problems(args: argparse.Namespace) -> int:
    from console.services.intake_problems import list_problems, problem_as_dict

    flt = ProblemFilter(status=None if args.all else ProblemStatus.OPEN, channel=args.channel,
                        limit=args.limit)
    with intake_context(args) as ctx:
        rows = [problem_as_dict(p) for p in list_problems(ctx.uow_factory, flt)]
    if not args.json:
        for row in rows:
            row.pop("raw")
    emit(args, rows, lambda: "\n".join(
        f"#{r['id']}\t{r['channel']}\t{r['external_id']}\t{r['kind']}\t{r['reason']}"
        for r in rows) or "没有待处理的入库问题 / no intake problems")
    return 0


def cmd_retry(args: argparse.Namespace) -> int:
    from console.intake.retry import retry_problems

    with intake_context(args) as ctx:
        results = retry_problems(ctx, args.ids, grid=args.grid)
    data = [{"id": r.problem_id, "external_id": r.external_id, "outcome": r.taken.outcome.value,
             "case_id": r.taken.case_id, "reason": r.taken.reason} for r in results]
    emit(args, data, lambda: "\n".join(
        f"#{d['id']}: {d['outcome']}" + (f"（{d['reason']}）" if d["reason"] else "") for d in data))
    return 0


def cmd_dismiss(args: argparse.Namespace) -> int:
    from console.services.intake_problems import dismiss_problem

    with intake_context(args) as ctx:
        done = dismiss_problem(ctx.uow_factory, ctx.actor, ctx.clock(), args.id)
    emit(args, {"id": done.id, "status": done.status.value}, f"入库问题 #{done.id} 已忽略")
    return 0


def cmd_map(args: argparse.Namespace) -> int:
    from console.services.intake_problems import delete_mapping, mapping_table, set_mapping

    with intake_context(args) as ctx:
        if args.delete:
            if not delete_mapping(ctx.uow_factory, ctx.actor, args.channel, args.delete):
                raise ValidationError(f"映射表中没有代码 {args.delete!r} / no such code")
        elif args.code is not None:
            if args.category is None:
                raise ValidationError("请同时给出外部代码和 CityDesk 类别 / give CODE and CATEGORY")
            set_mapping(ctx.uow_factory, ctx.centre, ctx.actor, ctx.clock(), args.channel,
                        args.code, args.category, args.note or "")
        rows = [{"external_code": m.external_code, "category": m.category,
                 "name": ctx.centre.ref.categories[m.category].name_zh
                 if m.category in ctx.centre.ref.categories else "", "note": m.note}
                for m in mapping_table(ctx.uow_factory, args.channel)]
    emit(args, rows, lambda: "\n".join(f"{r['external_code']}\t{r['category']}\t{r['name']}"
                                       for r in rows) or "映射表为空 / the mapping table is empty")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from console.intake.file_import import read_table, run_import
    from console.intake.file_mapping import load_mapping

    mapping = load_mapping(Path(args.mapping))  # bad input fails before the database opens
    if args.kind is not None:  # the whole category column's kind; per-code kinds still win
        mapping = replace(mapping, legacy_kind=args.kind)
    table = read_table(Path(args.file), mapping)
    interactive = sys.stderr.isatty() and not args.json

    def progress(done: int, total: int) -> bool:
        if interactive:
            print(f"\r导入 {done}/{total}", end="", file=sys.stderr)
        return True

    with intake_context(args, keep=not args.dry_run) as ctx:
        report = run_import(ctx, table, mapping, progress)
    if interactive:
        print(file=sys.stderr)
    data: dict[str, Any] = {**report.counts.as_dict(), "dry_run": args.dry_run,
                            "channel": mapping.channel,
                            "date_formats": {d.field: d.as_dict() for d in report.dates},
                            "problems": [{"row": r, "external_id": e, "reason": why}
                                         for r, e, why in report.rows]}
    emit(args, data, lambda: ("（试运行，未写入）" if args.dry_run else "") + _counts_text(
        report.counts.as_dict()) + _dates_text(report.dates)
        + "".join(f"\n第 {r} 行 {e}：{why}" for r, e, why in report.rows))
    return 0


def _dates_text(dates: list[Any]) -> str:
    """One line per date-time column: its forms (with how many) and its day order."""
    from console.intake.file_mapping import FIELDS

    lines = []
    for d in dates:
        forms = "、".join(f"{f}（{n}）" for f, n in d.forms) or "（空）"
        order = {"MDY": "，月/日/年", "DMY": "，日/月/年"}.get(d.order or "", "")
        by = {"values": "（按本列的值）", "file": "（按文件中其他日期列）",
              "mapping": "（按映射文件 date_order）", "format": "（映射文件 formats）"
              }.get(d.decided_by, "")
        lines.append(f"\n日期格式 / date format {FIELDS[d.field]}「{d.column}」：{forms}{order}{by}")
    return "".join(lines)


def cmd_worker(args: argparse.Namespace) -> int:
    from console.cli.users import (
        ANCHOR_EVERY,
        RETENTION_EVERY,
        prune_positions_now,
        write_anchor_now,
    )
    from console.config import load_config
    from console.intake.settings import worker_settings
    from console.intake.worker import Worker
    from console.services.on_duty import CHECK_EVERY, OnDutyJob
    from console.services.photo_staging import SWEEP_EVERY, sweep_staged
    from console.video.online import CHECK_EVERY as CAMERAS_EVERY
    from console.video.online import CameraOnlineJob

    # Without channels the worker still has jobs of its own: the audit anchor and the
    # positions' retention (issue #15), so a centre without intake channels runs it too.
    settings = worker_settings(load_config().intake)
    logging.basicConfig(stream=sys.stdout, level=logging.INFO, force=True,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    user = args.user or settings.user
    with intake_context(args) as base, ExitStack() as stack:
        ctx = IntakeContext(base.uow_factory, base.centre, base.centre.actor(user, args.desk),
                            base.clock)
        worker = Worker(ctx, settings)
        # The audit chain's daily anchor, written outside the database (docs/security.md).
        worker.add_job("audit-anchor", ANCHOR_EVERY, lambda: write_anchor_now(args))
        # Collectors' positions older than centre.yaml's retention (issue #15).
        worker.add_job("position-retention", RETENTION_EVERY, lambda: prune_positions_now(args))
        # 在岗: the 离线 / 越界 / 停留 alarms, every minute (issue #15).
        duty_app = open_app(args)
        stack.callback(duty_app.close)
        worker.add_job("on-duty", CHECK_EVERY,
                       OnDutyJob(duty_app.alarm_store(), duty_app.uow_factory, duty_app.clock))
        # Photos a server process staged and then died before their events (issue #14).
        worker.add_job("staged-photos", SWEEP_EVERY, lambda: {
            "deleted": sweep_staged(duty_app.uow_factory, duty_app.clock())})
        # 在线: the cameras' online state, every five minutes (issue #17).
        worker.add_job("camera-online", CAMERAS_EVERY,
                       CameraOnlineJob(cast(Any, duty_app.uow_factory), duty_app.clock))
        if args.once:
            result = worker.run_once()
            emit(args, result, lambda: "\n".join(f"{k}: {v}" for k, v in result.items()))
            return 0
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_a: worker.stop())
        worker.run()
    return 0


def _sources() -> list[str]:
    return [s.value for s in Source]


def add_commands(sub: Any, common: argparse.ArgumentParser) -> None:
    """Register ``intake``, ``import`` and ``worker``."""
    intake = sub.add_parser("intake", parents=[common], help="入库渠道：Open311、馈送、入库问题")
    isub = intake.add_subparsers(dest="intake_cmd", metavar="COMMAND", required=True,
                                 parser_class=type(common))
    o = isub.add_parser("open311", parents=[common], help="从 Open311 GeoReport v2 服务器取件并回推状态")
    o.add_argument("--endpoint", required=True, metavar="URL", help="端点基址，如 https://host/open311/v2")
    o.add_argument("--jurisdiction", metavar="ID")
    o.add_argument("--api-key", metavar="KEY",
                   help="不接受：密钥不写在命令行上 / refused: never a key in argv")
    o.add_argument("--api-key-file", metavar="FILE",
                   help=f"API 密钥文件（一行；默认读环境变量 {API_KEY_ENV}）/ the API key's file")
    o.add_argument("--format", choices=["xml", "json"], default="xml")
    o.add_argument("--once", action="store_true", help="只取一轮 / one round, then exit")
    o.add_argument("--channel", metavar="NAME",
                   help="渠道名（默认 open311:辖区；两者须给出其一，渠道不按 URL 识别）")
    o.add_argument("--source", choices=_sources(), default=Source.WEB.value)
    o.add_argument("--push", choices=["updates", "requests", "none"], default="updates")
    o.add_argument("--no-updated-after", action="store_true",
                   help="服务器不支持 updated_after：按上报时间窗口取件")
    o.add_argument("--lookback-days", type=int, default=7, choices=range(1, 91), metavar="1-90")
    o.add_argument("--page-size", type=int, default=100)
    o.add_argument("--timeout", type=seconds(0.1, 600), default=10.0)
    o.add_argument("--interval", type=seconds(1, 86_400), default=300.0)
    o.set_defaults(handler=cmd_open311)
    s = isub.add_parser("services", parents=[common], help="列出 Open311 服务器的服务（建映射表用）")
    s.add_argument("--endpoint", required=True, metavar="URL")
    s.add_argument("--jurisdiction", metavar="ID")
    s.add_argument("--format", choices=["xml", "json"], default="xml")
    s.add_argument("--timeout", type=seconds(0.1, 600), default=10.0)
    s.set_defaults(handler=cmd_services)
    f = isub.add_parser("feed", parents=[common], help="读取监督员/热线馈送（HTTP 或投递目录）")
    f.add_argument("--channel", required=True, metavar="NAME")
    f.add_argument("--url", metavar="URL")
    f.add_argument("--folder", metavar="DIR")
    f.add_argument("--source", choices=["collector", "hotline", "public", "web", "video"])
    f.add_argument("--once", action="store_true")
    f.add_argument("--interval", type=seconds(1, 86_400), default=60.0)
    f.set_defaults(handler=cmd_feed)
    p = isub.add_parser("problems", parents=[common], help="列出入库问题（隔离的记录）")
    p.add_argument("--all", action="store_true", help="含已处理的 / include resolved and dismissed")
    p.add_argument("--channel", metavar="NAME")
    p.add_argument("--limit", type=bounded_count(MAX_ROWS), default=500)
    p.set_defaults(handler=cmd_problems)
    r = isub.add_parser("retry", parents=[common], help="修正映射后重试入库问题")
    r.add_argument("ids", type=record_id, nargs="+", metavar="ID")
    r.add_argument("--grid", metavar="CODE", help="为无法定位的记录指定单元网格")
    r.set_defaults(handler=cmd_retry)
    d = isub.add_parser("dismiss", parents=[common], help="忽略一个入库问题（不是案件）")
    d.add_argument("id", type=record_id, metavar="ID")
    d.set_defaults(handler=cmd_dismiss)
    m = isub.add_parser("map", parents=[common], help="查看或编辑渠道的类别映射表")
    m.add_argument("--channel", required=True, metavar="NAME")
    m.add_argument("code", nargs="?", metavar="CODE")
    m.add_argument("category", nargs="?", metavar="CATEGORY")
    m.add_argument("--note")
    m.add_argument("--delete", metavar="CODE")
    m.set_defaults(handler=cmd_map)
    i = sub.add_parser("import", parents=[common], help="从 CSV/XLSX 导入历史或批量案件")
    i.add_argument("file", metavar="FILE")
    i.add_argument("--mapping", required=True, metavar="MAP.yaml")
    i.add_argument("--dry-run", action="store_true", help="只检查、统计，不写入")
    i.add_argument("--kind", choices=KIND_CHOICES,
                   help="类别列中旧代码（CJ/T 214）的类型，代替映射文件的 legacy_kind"
                        " / the kind of the category column's legacy codes")
    i.set_defaults(handler=cmd_import)
    w = sub.add_parser("worker", parents=[common], help="按 desk.toml 的 [intake] 运行入库渠道")
    w.add_argument("--once", action="store_true", help="每个渠道只运行一轮")
    w.set_defaults(handler=cmd_worker)

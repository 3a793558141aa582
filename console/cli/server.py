"""``citydesk server``: the centre's API server, the one process that holds the database.

``citydesk server [--bind HOST:PORT] [--db URL] [--ssl-certfile F --ssl-keyfile F]
[--session-hours H] [--idle-minutes M] [--workers N]``.  Desks, unit seats, the wall and the CLI of a centre
hold only a signed-in user's session (docs/api.md, docs/deploy.md).  The server keeps its own
clock and takes no ``--as`` or ``--now``.  Bad input — a malformed bind address, a port in
use, a missing certificate, a database ``citydesk init`` has not set up — is one line and
exit code 2, before anything is served.
"""

from __future__ import annotations

import argparse
import errno
import ipaddress
import os
import socket
import ssl
from datetime import timedelta
from typing import Any

from console.cli.setup import open_app
from console.domain.errors import ValidationError
from console.server.workers import SERVER_POOL, WorkerApp, check_workers

DEFAULT_BIND = "127.0.0.1:8470"


def parse_bind(text: str) -> tuple[str, int]:
    """``HOST:PORT`` (``[v6]:PORT`` for IPv6) as a host and a port from 1 to 65535."""
    raw = text.strip()
    host, sep, port_text = raw.rpartition(":")
    if not sep or not host:
        raise ValidationError(f"--bind {raw[:64]!r} 应为 主机:端口，如 127.0.0.1:8470 / "
                              "--bind takes HOST:PORT")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    if not (port_text.isascii() and port_text.isdigit()) or not 0 < int(port_text) < 65536:
        raise ValidationError(f"--bind 的端口 {port_text[:16]!r} 应为 1–65535 / bad port")
    if not host or len(host) > 253 or any(c.isspace() for c in host):
        raise ValidationError(f"--bind 的主机 {host[:64]!r} 无效 / bad host")
    return host, int(port_text)


def _listen(host: str, port: int) -> socket.socket:
    """A listening socket, bound here so a taken port is one clear line."""
    try:
        family = socket.AF_INET6 if ipaddress.ip_address(host).version == 6 else socket.AF_INET
    except ValueError:
        family = socket.AF_INET  # a host name: resolved by bind
    # IPPROTO_TCP, not 0: asyncio turns Nagle off (TCP_NODELAY) on accepted connections only
    # when the listening socket says it is TCP.  With protocol 0 every answer on a kept-alive
    # connection waited ~40 ms for the client's delayed ACK (health: 45 ms -> 1.9 ms).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(2048)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise ValidationError(f"端口 {port} 已被占用（{host}）/ address {host}:{port} is "
                                  "already in use") from None
        if isinstance(exc, socket.gaierror) or exc.errno == errno.EADDRNOTAVAIL:
            raise ValidationError(f"无法绑定地址 {host}:{port}（{exc.strerror}）/ cannot bind "
                                  "that address") from None
        raise ValidationError(f"无法监听 {host}:{port}：{exc.strerror} / cannot listen") from None
    sock.set_inheritable(True)
    return sock


def _tls(args: argparse.Namespace) -> dict[str, Any]:
    cert, key = args.ssl_certfile, args.ssl_keyfile
    if not cert and not key:
        return {}
    if not cert or not key:
        raise ValidationError("--ssl-certfile 与 --ssl-keyfile 须同时给出 / give both TLS files")
    for flag, path in (("--ssl-certfile", cert), ("--ssl-keyfile", key)):
        if not os.path.isfile(path) or not os.access(path, os.R_OK):
            raise ValidationError(f"{flag} {path!r} 不存在或不可读 / cannot read {flag}")
    try:
        ssl.create_default_context(ssl.Purpose.CLIENT_AUTH).load_cert_chain(cert, key)
    except (ssl.SSLError, ValueError) as exc:
        raise ValidationError(f"证书或私钥无效：{exc} / the certificate or key is invalid") \
            from None
    return {"ssl_certfile": cert, "ssl_keyfile": key}


def cmd_server(args: argparse.Namespace) -> int:
    """Check everything, then serve until SIGINT/SIGTERM."""
    if args.now or args.user:
        raise ValidationError("citydesk server 使用本机时钟，登录用户由会话决定：不接受 --now 或 "
                              "--as / the server takes neither --now nor --as")
    if not 1 <= args.session_hours <= 24 * 7:
        raise ValidationError("--session-hours 应在 1 到 168 之间 / session hours out of range")
    if not 1 <= args.idle_minutes <= 24 * 60:
        raise ValidationError("--idle-minutes 应在 1 到 1440 之间 / idle minutes out of range")
    host, port = parse_bind(args.bind)
    tls = _tls(args)
    app = open_app(args, SERVER_POOL)  # refuses a database `citydesk init` has not set up
    try:
        check_workers(args.workers, app.engine.dialect.name)
        app.centre  # noqa: B018  (reference data read before a port is taken)
        sock = _listen(host, port)
        import uvicorn
        from uvicorn.supervisors import Multiprocess

        from console.server.app import create_app
        from console.services.sessions import SessionPolicy

        policy = SessionPolicy(lifetime=timedelta(hours=args.session_hours),
                               idle=timedelta(minutes=args.idle_minutes))
        served: Any = create_app(app, policy) if args.workers == 1 else WorkerApp(
            app.url, policy.lifetime.total_seconds(), policy.idle.total_seconds())
        # Keep-alive 75 s (uvicorn's default is 5): a phone posting its position every 10 s
        # and a desk reading every few seconds keep one connection (and, behind TLS, one
        # handshake) instead of reconnecting for every request.
        config = uvicorn.Config(served, log_level="info", interface="asgi3",
                                timeout_graceful_shutdown=3, timeout_keep_alive=KEEP_ALIVE_S,
                                proxy_headers=True, workers=args.workers, **tls)
        scheme = "https" if tls else "http"
        print(f"CityDesk 服务已启动 / serving on {scheme}://{args.bind.strip()}"
              + (f"（{args.workers} 个工作进程 / {args.workers} workers）"
                 if args.workers > 1 else ""), flush=True)
        if args.workers == 1:
            uvicorn.Server(config).run(sockets=[sock])
        else:
            app.close()  # each worker opens the database itself
            Multiprocess(config, sockets=[sock]).run()
    finally:
        app.close()
    return 0


#: Seconds an idle client connection is kept open.
KEEP_ALIVE_S = 75


def add_commands(sub: Any, common: argparse.ArgumentParser) -> None:
    """Register ``server`` (also ``api``: a one-machine setup serving phones the same API)."""
    p = sub.add_parser("server", aliases=["api"], parents=[common],
                       help="中心服务：持有数据库的 API 服务器（别名 api）/ the centre's API "
                            "server (alias api)")
    p.add_argument("--bind", default=DEFAULT_BIND, metavar="HOST:PORT",
                   help=f"监听地址（默认 {DEFAULT_BIND}）/ address to listen on")
    p.add_argument("--ssl-certfile", metavar="FILE", help="TLS 证书 / TLS certificate (PEM)")
    p.add_argument("--ssl-keyfile", metavar="FILE", help="TLS 私钥 / TLS private key (PEM)")
    p.add_argument("--session-hours", type=float, default=12.0, metavar="H",
                   help="会话最长有效小时数（默认 12）/ absolute session lifetime")
    p.add_argument("--idle-minutes", type=float, default=30.0, metavar="M",
                   help="会话空闲超时分钟数（默认 30）/ idle timeout")
    p.add_argument("--workers", type=int, default=1, metavar="N",
                   help="工作进程数（默认 1；大于 1 需 PostgreSQL）/ server processes sharing "
                        "the port (default 1; more needs PostgreSQL)")
    p.set_defaults(handler=cmd_server)

"""A TCP proxy that a test can cut and restore: a database outage without touching the server.

The desk under test connects through the proxy; :meth:`TcpProxy.cut` closes every connection and
refuses new ones (accepted and closed at once, as a server whose host went away), :meth:`pause`
keeps every connection open but carries nothing (a server that hangs: queries never fail, they
just never answer), :meth:`restore` lets traffic through again.  A second writer connects to the server directly and is unaffected.
One thread runs a :mod:`selectors` loop; :meth:`cut` waits until the loop has closed everything.
"""

from __future__ import annotations

import contextlib
import selectors
import socket
import threading
from collections.abc import Iterator


class TcpProxy:
    """Forward ``127.0.0.1:<port>`` to ``target`` until cut.

    Parameters
    ----------
    target : (str, int)
        Where to forward, e.g. ``("127.0.0.1", 5432)``.

    Attributes
    ----------
    port : int
        The port the proxy listens on (chosen by the system).
    """

    def __init__(self, target: tuple[str, int] = ("127.0.0.1", 5432)) -> None:
        self.target = target
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.setblocking(False)
        self.port: int = self._listener.getsockname()[1]
        self._selector = selectors.DefaultSelector()
        self._selector.register(self._listener, selectors.EVENT_READ, None)
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._selector.register(self._wake_r, selectors.EVENT_READ, "wake")
        self._peers: dict[socket.socket, socket.socket] = {}
        self._lock = threading.Lock()
        self._cut = False
        self._cut_done = threading.Event()
        self._paused = False
        self._parked: set[socket.socket] = set()  # peers not read while paused
        self._closing = False
        self._thread = threading.Thread(target=self._run, name="tcp-proxy", daemon=True)
        self._thread.start()

    # -- control (test thread) -----------------------------------------------------------------
    @property
    def is_cut(self) -> bool:
        """True between :meth:`cut` and :meth:`restore`."""
        return self._cut

    def cut(self) -> None:
        """Close every open connection and refuse new ones; returns once they are closed."""
        with self._lock:
            self._cut = True
            self._cut_done.clear()
        self._wake()
        if not self._cut_done.wait(5):
            raise RuntimeError("proxy did not cut its connections")

    def pause(self) -> None:
        """Stop carrying data (connections stay open; bytes wait in the kernel's buffers)."""
        with self._lock:
            self._paused = True
        self._wake()

    def restore(self) -> None:
        """Let connections through again (and what waited during a pause)."""
        with self._lock:
            self._cut = False
            self._paused = False
        self._wake()

    def close(self) -> None:
        """Stop the proxy and close everything."""
        self._closing = True
        self._wake()
        self._thread.join(5)

    def url_for(self, url: str) -> str:
        """``url`` (an SQLAlchemy URL on ``target``) rewritten to go through the proxy."""
        from sqlalchemy.engine import make_url

        return make_url(url).set(host="127.0.0.1", port=self.port).render_as_string(
            hide_password=False)

    def _wake(self) -> None:
        with contextlib.suppress(OSError):
            self._wake_w.send(b"x")

    # -- the loop (proxy thread) ---------------------------------------------------------------
    def _run(self) -> None:
        try:
            while not self._closing:
                for key, _mask in self._selector.select(timeout=0.5):
                    if key.data == "wake":
                        with contextlib.suppress(BlockingIOError):
                            self._wake_r.recv(4096)
                    elif key.fileobj is self._listener:
                        self._accept()
                    else:
                        self._forward(key.fileobj)  # type: ignore[arg-type]
                with self._lock:
                    cutting = self._cut and not self._cut_done.is_set()
                    paused = self._paused
                if cutting:
                    for sock in list(self._peers):
                        self._drop(sock)
                    self._parked.clear()
                    self._cut_done.set()
                if paused:
                    for sock in set(self._peers) - self._parked:
                        self._park(sock)
                elif self._parked:
                    for sock in list(self._parked):
                        self._parked.discard(sock)
                        self._selector.register(sock, selectors.EVENT_READ, "peer")
        finally:
            for sock in list(self._peers):
                self._drop(sock)
            self._selector.close()
            self._listener.close()
            self._wake_r.close()
            self._wake_w.close()

    def _accept(self) -> None:
        try:
            client, _addr = self._listener.accept()
        except BlockingIOError:
            return
        if self._cut:
            client.close()  # the client reads EOF at once: "server closed the connection"
            return
        try:
            upstream = socket.create_connection(self.target, timeout=5)
        except OSError:
            client.close()
            return
        for sock in (client, upstream):
            sock.setblocking(False)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._peers[client] = upstream
        self._peers[upstream] = client
        self._selector.register(client, selectors.EVENT_READ, "peer")
        self._selector.register(upstream, selectors.EVENT_READ, "peer")

    def _forward(self, sock: socket.socket) -> None:
        if sock not in self._peers:
            return
        try:
            data = sock.recv(65536)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:
            self._drop(sock)
            return
        other = self._peers[sock]
        try:
            other.setblocking(True)  # small test traffic: a blocking send keeps this simple
            other.sendall(data)
            other.setblocking(False)
        except OSError:
            self._drop(sock)

    def _park(self, sock: socket.socket) -> None:
        with contextlib.suppress(KeyError, ValueError):
            self._selector.unregister(sock)
        self._parked.add(sock)

    def _drop(self, sock: socket.socket) -> None:
        other = self._peers.pop(sock, None)
        for s in (sock, other):
            if s is None:
                continue
            self._peers.pop(s, None)
            self._parked.discard(s)
            with contextlib.suppress(KeyError, ValueError):
                self._selector.unregister(s)
            with contextlib.suppress(OSError):
                s.close()


@contextlib.contextmanager
def tcp_proxy(target: tuple[str, int] = ("127.0.0.1", 5432)) -> Iterator[TcpProxy]:
    """A running :class:`TcpProxy`, closed afterwards."""
    proxy = TcpProxy(target)
    try:
        yield proxy
    finally:
        proxy.close()

"""PushListener.stop returns while the server still holds the quiet stream open (issue #14).

Before, ``stop`` closed the response from the desk's thread, and that close waited for the
listener thread's blocked read — until the server's next ping (15 s) or the read timeout
(40 s): every remote desk's sign-out and every remote GUI test's teardown waited that long.
The server here keeps the stream open and silent until the test ends; ``stop`` must come back
(with the thread ended) before that.
"""

from __future__ import annotations

import threading

from tests.unit.test_push_listener_stop import _listener, silent_server  # noqa: F401


def test_stop_returns_while_the_stream_is_still_open_and_silent(silent_server: str) -> None:  # noqa: F811
    up = threading.Event()
    listener = _listener(silent_server, up)
    listener.start()
    assert up.wait(10)  # the hello came; the thread now waits in the read
    ended: list[bool] = []
    stopper = threading.Thread(target=lambda: ended.append(listener.stop(timeout=5.0)),
                               daemon=True)
    stopper.start()
    # The server holds the stream for 20 s more: a stop waiting on the read is still here.
    stopper.join(10)
    assert ended == [True]

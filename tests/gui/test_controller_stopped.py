"""A stopped desk controller ignores its listener's queued signals (issue #14, remote desk).

Signing out stops the controller and its push stream; the stream's "down" status, emitted as
it closes, reaches the GUI thread after the stop.  Before, the stopped controller polled on it
with the ended session: the server's 401 then signed out the user who had just signed in at
the same desk (the remote one-shift test lost its 派遣员's window that way).
"""

from __future__ import annotations


class _Listener:
    def start(self) -> None:
        return

    def stop(self, timeout: float = 2.0) -> bool:
        return True


def test_a_stopped_controller_does_not_poll_on_its_listeners_late_signals(desk_factory,
                                                                         qtbot) -> None:
    controller = desk_factory("paiqian1").window.controller
    controller.follow(_Listener())
    polls: list[str] = []
    controller.poll = lambda: polls.append("poll")  # type: ignore[method-assign]
    controller.listener_status.emit(True)
    controller.event_notified.emit(10**9)
    qtbot.waitUntil(lambda: len(polls) == 2, timeout=2000)
    controller.stop()
    controller.listener_status.emit(False)  # the closed stream's last word, queued
    controller.event_notified.emit(10**9 + 1)
    qtbot.wait(50)
    assert polls == ["poll", "poll"]

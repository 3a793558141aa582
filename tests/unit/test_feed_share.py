"""The server's shared feed poll: requests of one key in flight read once; a later one reads
again; an error reaches every waiter; another key never takes the answer."""

from __future__ import annotations

import threading

import pytest

from console.server.feed_share import FeedShare


def test_requests_in_flight_share_one_read() -> None:
    share, reads, release = FeedShare(), [], threading.Event()
    started = threading.Event()

    def read() -> dict[str, int]:
        reads.append(1)
        started.set()
        release.wait(5)
        return {"last_id": 7}

    answers: list[object] = []
    leader = threading.Thread(target=lambda: answers.append(share.run(("k", 7), read)))
    leader.start()
    assert started.wait(5)
    followers = [threading.Thread(target=lambda: answers.append(share.run(("k", 7), read)))
                 for _ in range(5)]
    for t in followers:
        t.start()
    while share.shared < 5:  # all five joined the flight
        threading.Event().wait(0.01)
    other = share.run(("k", 8), lambda: {"last_id": 8})  # told of a later event: its own read
    release.set()
    for t in (leader, *followers):
        t.join(5)
    assert reads == [1] and answers == [{"last_id": 7}] * 6 and other == {"last_id": 8}
    assert share.run(("k", 7), lambda: {"again": 1}) == {"again": 1}  # nothing kept after


def test_an_error_reaches_every_waiter() -> None:
    share, release = FeedShare(), threading.Event()
    started = threading.Event()

    def fail() -> None:
        started.set()
        release.wait(5)
        raise ConnectionError("database away")

    errors: list[BaseException] = []

    def ask() -> None:
        try:
            share.run("k", fail)
        except ConnectionError as exc:
            errors.append(exc)

    leader = threading.Thread(target=ask)
    leader.start()
    assert started.wait(5)
    follower = threading.Thread(target=ask)
    follower.start()
    while share.shared < 1:
        threading.Event().wait(0.01)
    release.set()
    leader.join(5)
    follower.join(5)
    assert len(errors) == 2
    with pytest.raises(KeyError):
        share.run("k", lambda: {}["missing"])

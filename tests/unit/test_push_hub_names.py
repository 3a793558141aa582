"""The push hub remembers which events name a collector, so a phone's long poll for its tasks
reads them again only when one was sent to it — not on every event of the centre."""

from __future__ import annotations

from typing import Any

from console.server import push
from console.server.push import PushHub
from tests.integration.conftest import new_event


def event(eid: int, **payload: Any) -> Any:
    from dataclasses import replace

    return replace(new_event(eid), id=eid, payload=payload)


def test_only_an_event_naming_the_collector_counts() -> None:
    hub = PushHub(app=None)  # type: ignore[arg-type]  (no thread started: memory only)
    hub.remember([event(1), event(2, collector="caiji01"), event(3, note="x")])
    assert hub.newest == 3
    assert hub.names(0, "caiji01") and hub.names(1, "caiji01")
    assert not hub.names(2, "caiji01")  # what came after 2 names nobody
    assert not hub.names(0, "caiji02")
    hub.remember([event(4, collector="caiji02")])
    assert hub.names(3, "caiji02") and not hub.names(3, "caiji01")


def test_a_point_older_than_the_memory_says_look(monkeypatch: Any) -> None:
    monkeypatch.setattr(push, "MEMORY", 3)
    hub = PushHub(app=None)  # type: ignore[arg-type]
    hub.remember([event(i) for i in range(1, 6)])
    assert hub.names(1, "caiji01")  # forgotten: the poll must read its tasks itself
    assert not hub.names(4, "caiji01")

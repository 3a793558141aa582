"""One case per client_id across server processes: the (user, key) pair is held by a
PostgreSQL advisory lock, so a copy arriving at another process waits for the first."""

from __future__ import annotations

import threading
import time

from sqlalchemy import Engine

from console.server.report_once import _across_processes
from db.engine import make_engine
from tests.pg import fresh_pg_database


def test_the_same_key_waits_across_engines_and_another_key_does_not(pg_admin: Engine) -> None:
    with fresh_pg_database(pg_admin) as url:
        first, second = make_engine(url), make_engine(url)  # two processes' pools
        order: list[str] = []
        held = threading.Event()

        def hold() -> None:
            with _across_processes(first, "caiji01", "phone-1"):
                held.set()
                time.sleep(0.5)
                order.append("first done")

        thread = threading.Thread(target=hold)
        thread.start()
        try:
            assert held.wait(5)
            with _across_processes(second, "caiji02", "phone-1"):
                order.append("another user's key: no wait")
            with _across_processes(second, "caiji01", "phone-1"):
                order.append("the same key: after the first")
        finally:
            thread.join()
            first.dispose()
            second.dispose()
        assert order == ["another user's key: no wait", "first done",
                         "the same key: after the first"]

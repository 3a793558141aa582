"""One desk of the N-desk concurrency test, run as its own process.

``python -m tests.integration.desk_process URL DESK SECONDS OUT.json``

For SECONDS the desk picks a random case (half the time one of ten hot ones), reads it (its
state and version, as a desk's screen shows them) and runs the next command of the cycle

    待派遣 --dispatch (派遣员, the suggested unit; after a return, one it names)--> 待处置
           --request-return (the unit's 责任单位 user)--> 待处置 with a request waiting
           --approve (值班长)--> 待派遣

with ``expected_version`` = the version it read and a fresh request id, exactly as the console
does.  Every attempt is written to OUT.json as ``{case, command, request_id, version,
outcome: ok|conflict|other, message}``; the parent test checks them against the log.
"""

from __future__ import annotations

import json
import random
import sys
import time
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from console.domain.cases import Case, CaseState, RequestKind, Role
from console.domain.errors import ConflictError
from console.services.cases import act
from console.services.centre import Centre, load_centre
from console.services.uow import CaseFilter
from db.engine import make_engine
from db.uow import make_uow_factory

#: Every desk acts "now" at this instant (Monday 10:00 in Kaihua): the working clock runs.
NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
DISPATCHER, SUPERVISOR = "paiqian1", "zhibanzhang1"
REASON = "不属于本单位职责，申请回退"
#: How many cases are "hot", and the share of picks that go to them.
HOT, HOT_SHARE = 10, 0.5
#: The event type each command of the cycle writes (``approve`` decides the return request).
EVENT_TYPE = {"dispatch": "dispatch", "request-return": "request-return",
              "approve": "approve-return"}


def next_step(case: Case, unit_users: dict[str, str], targets: Sequence[str],
              rng: random.Random) -> tuple[str, str, dict[str, Any]]:
    """The cycle's next (command, user, fields) for a case in the state the desk read."""
    if case.state is CaseState.FILED:
        if case.suggested_unit:
            return "dispatch", DISPATCHER, {}  # to the suggested unit
        # An approved return clears the suggestion (the unit said it is not theirs): the
        # dispatcher names a unit, as with Ctrl+D.
        return "dispatch", DISPATCHER, {"unit": rng.choice(targets)}
    if case.state is CaseState.DISPATCHED and case.pending is None and case.unit:
        return "request-return", unit_users[case.unit], {"reason": REASON}
    if case.state is CaseState.DISPATCHED and case.pending is not None \
            and case.pending.kind is RequestKind.RETURN:
        return "approve", SUPERVISOR, {}
    raise AssertionError(f"case {case.id} left the cycle: {case.state.value}, {case.pending}")


def unit_users(centre: Centre) -> dict[str, str]:
    """The 责任单位 user of each unit."""
    return {u.unit: u.username for u in centre.ref.users.values()
            if u.role == Role.UNIT.value and u.unit and u.active}


def run_desk(url: str, desk: str, seconds: float) -> list[dict[str, Any]]:
    """Loop for ``seconds``; returns every attempt."""
    engine = make_engine(url)
    try:
        uows = make_uow_factory(engine)
        centre = load_centre(uows())
        users = unit_users(centre)
        # The coordination office is never dispatched to (it designates 代整改 instead).
        targets = sorted(set(users) - {centre.ref.config.coordination_office})
        with uows() as uow:
            ids = [c.id for c in uow.cases.list(CaseFilter(order="id")) if c.id is not None]
        rng = random.Random(f"{desk}-{uuid.uuid4()}")
        attempts: list[dict[str, Any]] = []
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            # Half the picks land on a few hot cases, as when one street's burst of reports
            # is on every desk's screen at once: that is where desks collide.
            case_id = rng.choice(ids[:HOT] if rng.random() < HOT_SHARE else ids)
            with uows() as uow:
                case = uow.cases.get(case_id)
            command, user, fields = next_step(case, users, targets, rng)
            request_id = uuid.uuid4().hex
            attempt: dict[str, Any] = {"case": case_id, "command": command, "request_id": request_id,
                                       "version": case.version, "desk": desk}
            try:
                act(uows, centre, centre.actor(user, desk), NOW, case_id, command, fields,
                    expected_version=case.version, request_id=request_id)
                attempt.update(outcome="ok", message="")
            except ConflictError as exc:
                attempt.update(outcome="conflict", message=exc.message)
            except Exception as exc:  # recorded, and failed by the parent
                attempt.update(outcome="other", message=f"{type(exc).__name__}: {exc}")
            attempts.append(attempt)
        return attempts
    finally:
        engine.dispose()


def main(argv: Sequence[str]) -> int:
    """``URL DESK SECONDS OUT.json``."""
    url, desk, seconds, out = argv
    attempts = run_desk(url, desk, float(seconds))
    with open(out, "w", encoding="utf-8") as fh:
        json.dump(attempts, fh, ensure_ascii=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

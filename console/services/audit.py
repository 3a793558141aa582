"""``audit verify``: walk both chained logs, fold every case, compare users, check anchors.

What it reports (:class:`AuditReport`):

* every row of the event log and of the admin log that does not fit its chain (changed,
  inserted, removed, unkeyed after keyed, beyond the chain head), the walk carrying on past
  each one, so one bogus row never hides the rest;
* every case row that differs from the fold of its events (``console/domain/case_fold.py``);
* every users row whose role, unit, active flag or password differs from the admin log's last
  word on it (``console/domain/admin_log.py``);
* with anchors (``--anchors DIR``): every anchor whose row is gone (a log cut at its end),
  changed, or whose signature does not check.

Rows chained with a key this process does not hold are counted as unchecked, not as broken.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from console.domain import anchors as anchor_mod
from console.domain.admin_log import AdminEntry, last_words, user_differences
from console.domain.anchors import Anchor, Head
from console.domain.audit import BEYOND_HEAD, Break, ChainKey, ChainWalk, KeyRing
from console.domain.case_fold import differences
from console.services.uow import UnitOfWork

UowFactory = Callable[[], UnitOfWork]
PAGE = 5000
CASE_PAGE = 500
MAX_LISTED = 100
EVENTS, ADMIN = "events", "admin"


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, tuple):
        return [_jsonable(v) for v in value]
    return getattr(value, "value", value)


@dataclass(frozen=True, slots=True)
class LogReport:
    """One chained log's walk."""

    rows: int
    breaks: tuple[Break, ...]
    break_count: int
    keyed: int
    unkeyed: int
    unchecked: dict[str, int]
    head: Head

    def as_json(self) -> dict[str, object]:
        """The walk as JSON."""
        return {"rows": self.rows, "break_count": self.break_count, "keyed": self.keyed,
                "unkeyed": self.unkeyed, "unchecked": dict(self.unchecked),
                "head": {"last_id": self.head.last_id, "value": self.head.value},
                "breaks": [{"id": b.event_id, "reason": b.reason, "expected": b.expected,
                            "stored": b.stored} for b in self.breaks]}


@dataclass(frozen=True, slots=True)
class AuditReport:
    """The result of ``audit verify``.

    ``checked`` rows of the event log matched before its first break and ``last_id`` is the
    id of the last of them (0 when none did); ``head`` is the value the event log's chain ends
    with (note it, or write an anchor).  ``broken`` is the event log's first break.
    """

    checked: int
    last_id: int
    head: str
    broken: Break | None
    events: LogReport | None = None
    admin: LogReport | None = None
    keys_held: tuple[str, ...] = ()
    case_problems: tuple[tuple[str, int, str, Any, Any], ...] = ()
    case_problem_count: int = 0
    cases_checked: int = 0
    user_problems: tuple[tuple[str, str, Any, Any], ...] = ()
    anchor_problems: tuple[str, ...] = ()
    anchors_checked: int = 0

    @property
    def ok(self) -> bool:
        """True when nothing was found."""
        admin_breaks = 0 if self.admin is None else self.admin.break_count
        events_breaks = (0 if self.broken is None else 1) if self.events is None \
            else self.events.break_count
        return not (events_breaks or admin_breaks or self.case_problem_count
                    or self.user_problems or self.anchor_problems)

    @property
    def unchecked(self) -> int:
        """Rows whose HMAC could not be checked (their key is not held)."""
        return sum(sum(r.unchecked.values()) for r in (self.events, self.admin) if r is not None)

    def as_json(self) -> dict[str, object]:
        """The report for ``citydesk audit verify --json``."""
        broken = None if self.broken is None else {
            "event_id": self.broken.event_id, "reason": self.broken.reason,
            "expected": self.broken.expected, "stored": self.broken.stored,
        }
        return {
            "ok": self.ok, "checked": self.checked, "last_id": self.last_id, "head": self.head,
            "first_broken": broken, "keys_held": list(self.keys_held),
            "unchecked": self.unchecked,
            "events": None if self.events is None else self.events.as_json(),
            "admin": None if self.admin is None else self.admin.as_json(),
            "cases_checked": self.cases_checked, "case_problem_count": self.case_problem_count,
            "case_problems": [{"case_no": no, "case_id": cid, "field": f,
                               "stored": _jsonable(s), "events_say": _jsonable(w)}
                              for no, cid, f, s, w in self.case_problems],
            "user_problems": [{"username": u, "field": f, "stored": _jsonable(s),
                               "admin_log_says": _jsonable(w)}
                              for u, f, s, w in self.user_problems],
            "anchors_checked": self.anchors_checked,
            "anchor_problems": list(self.anchor_problems),
        }


def _log_report(walk: ChainWalk, head: Head) -> LogReport:
    return LogReport(walk.rows, tuple(walk.breaks), walk.break_count, walk.keyed, walk.unkeyed,
                     dict(walk.unchecked), head)


def _against_head(walk: ChainWalk, head: Head) -> ChainWalk:
    """Name the breaks past the chain head as such, and a log that ends before its head."""
    # A row past the head was not appended through the chain: say so, whatever it chains to.
    walk.breaks = [Break(b.event_id, b.expected, b.stored, BEYOND_HEAD)
                   if b.event_id > head.last_id else b for b in walk.breaks]
    if walk.last_id < head.last_id:
        walk.note_break(head.last_id, f"log ends at id {walk.last_id}, before its chain head "
                        f"{head.last_id} (rows cut at the end)")
    return walk


def _walk_events(uow: UnitOfWork, keys: KeyRing | None, page: int, head: Head,
                 watch: frozenset[int]) -> ChainWalk:
    walk = ChainWalk(keys, watch=watch)
    after = 0
    while True:
        links = uow.audit.event_links(after, page)
        if not links:
            break
        walk.feed(links)
        after = links[-1].row_id
    return _against_head(walk, head)


def _walk_admin(uow: UnitOfWork, keys: KeyRing | None, page: int, head: Head,
                watch: frozenset[int]) -> tuple[ChainWalk, list[AdminEntry]]:
    walk = ChainWalk(keys, watch=watch)
    entries: list[AdminEntry] = []
    after = 0
    while True:
        rows = uow.audit.admin_rows(after, page)
        if not rows:
            break
        walk.feed(link for _e, link in rows)
        entries += [e for e, _l in rows]
        after = rows[-1][1].row_id
    return _against_head(walk, head), entries


def _fold_cases(uow: UnitOfWork) -> tuple[list[tuple[str, int, str, Any, Any]], int, int]:
    problems: list[tuple[str, int, str, Any, Any]] = []
    count = checked = 0
    after = 0
    while True:
        cases = uow.audit.cases_after(after, CASE_PAGE)
        if not cases:
            return problems, count, checked
        events = uow.audit.events_of([c.id for c in cases if c.id is not None])
        for case in cases:
            assert case.id is not None
            checked += 1
            found = differences(case, events.get(case.id, []))
            if found:
                count += 1
                problems += [(case.case_no, case.id, f, s, w) for f, s, w in found
                             if len(problems) < MAX_LISTED]
        last = cases[-1].id
        assert last is not None
        after = last


def _check_anchors(found: Sequence[Anchor], keys: KeyRing | None, walks: dict[str, ChainWalk],
                   heads: dict[str, Head]) -> list[str]:
    problems = []
    for anchor in found:
        when = anchor.at.isoformat()
        signed = anchor_mod.authentic(anchor, keys)
        if signed is False:
            problems.append(f"anchor {when}: signature does not match (forged or altered)")
            continue
        for h in anchor.heads:
            walk = walks.get(h.log)
            if walk is None or h.last_id == 0:
                continue
            if h.last_id not in walk.seen:
                end = heads[h.log].last_id
                what = ("the log was cut at its end" if walk.last_id < h.last_id
                        else "the row is missing")
                problems.append(f"anchor {when}: {h.log} row {h.last_id} not found ({what}; "
                                f"the log now ends at {walk.last_id}, its head says {end})")
            elif walk.seen[h.last_id] != h.value:
                problems.append(f"anchor {when}: {h.log} row {h.last_id} holds another value "
                                "than anchored")
    return problems


def verify_chain(uow_factory: UowFactory, page: int = PAGE, *, keys: KeyRing | None = None,
                 anchors: Sequence[Anchor] = (), full: bool = True) -> AuditReport:
    """Walk both logs, fold every case, compare users, check ``anchors``.

    ``full=False`` walks the event log only (what the first ``audit verify`` did).
    """
    watch = {EVENTS: frozenset(h.last_id for a in anchors for h in a.heads if h.log == EVENTS),
             ADMIN: frozenset(h.last_id for a in anchors for h in a.heads if h.log == ADMIN)}
    with uow_factory() as uow:
        heads = uow.audit.heads()
        walk = _walk_events(uow, keys, page, heads[EVENTS], watch[EVENTS])
        walks = {EVENTS: walk}
        admin: LogReport | None = None
        case_problems: list[tuple[str, int, str, Any, Any]] = []
        case_count = cases_checked = 0
        user_problems: list[tuple[str, str, Any, Any]] = []
        if full:
            admin_walk, entries = _walk_admin(uow, keys, page, heads[ADMIN], watch[ADMIN])
            walks[ADMIN] = admin_walk
            admin = _log_report(admin_walk, heads[ADMIN])
            case_problems, case_count, cases_checked = _fold_cases(uow)
            held: dict[str, ChainKey | None] = {} if keys is None else \
                {k.key_id: k for k in keys.keys}
            user_problems = user_differences(uow.audit.users(), last_words(entries), held)
    first = walk.breaks[0] if walk.breaks else None
    return AuditReport(
        checked=walk.matched_before_break, last_id=walk.last_good_id, head=walk.head,
        broken=first, events=_log_report(walk, heads[EVENTS]), admin=admin,
        keys_held=() if keys is None else keys.ids,
        case_problems=tuple(case_problems), case_problem_count=case_count,
        cases_checked=cases_checked, user_problems=tuple(user_problems[:MAX_LISTED]),
        anchor_problems=tuple(_check_anchors(anchors, keys, walks, heads)),
        anchors_checked=len(anchors),
    )


def current_heads(uow_factory: UowFactory) -> tuple[Head, ...]:
    """Both logs' heads now: what an anchor records."""
    with uow_factory() as uow:
        heads = uow.audit.heads()
    return (heads[EVENTS], heads[ADMIN])


def make_anchor(uow_factory: UowFactory, key: ChainKey, now: datetime) -> Anchor:
    """A signed anchor of both logs' heads at ``now``."""
    return anchor_mod.sign(key, now, current_heads(uow_factory))

"""The audit probes of issue #14 on SQLite and PostgreSQL: what an insider holding the database
(its owner, or the desks' role) does behind the server's back, and what ``audit verify`` says.

Each probe fails on the code before revision 0016: a correctly chained forged event verified;
direct UPDATEs of cases and users went unseen; a log cut at its end verified; one row with a
huge id broke ``audit verify`` forever and stopped every desk's feed.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, event, text

from console.audit_files import load_keys
from console.domain.audit import BEYOND_HEAD, DOWNGRADE, KeyRing, canonical, chain_hash
from console.domain.calendar import statutory_days
from console.domain.cases import CaseState, Event, Role
from console.domain.reference import User
from console.photos import photo_from_bytes
from console.reference_files import load_centre_files
from console.services import accounts, admin
from console.services.audit import make_anchor, verify_chain
from console.services.cases import Report, act, report_case
from console.services.centre import load_centre
from console.services.feed import poll, start_id
from console.services.setup import init_reference
from console.services.uow import UnitOfWork
from db.engine import make_engine
from db.schema import upgrade
from db.uow import make_uow_factory
from tests.pg import fresh_pg_database

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # Monday 10:00 in Kaihua
GRID = "330824001001001"
Factory = Callable[[], UnitOfWork]


def _png() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 10, 10)).save(out, "PNG")
    return out.getvalue()


def _fill(url: str, keys: KeyRing) -> None:
    """A centre with a few cases taken some steps and one administrator's user change."""
    engine = make_engine(url)
    try:
        upgrade(engine)
        uows = make_uow_factory(engine, lambda: keys)
        init_reference(uows(), load_centre_files(), statutory_days([2026]))
        centre = load_centre(uows())
        actor = centre.actor("caiji01", "probe")
        for i in range(4):
            case = report_case(uows, centre, actor, NOW + timedelta(minutes=i),
                               Report("06010", f"路口垃圾 {i}", grid=GRID)).case
            assert case.id is not None
            if i < 3:
                act(uows, centre, centre.actor("shouli1"), NOW + timedelta(minutes=10), case.id,
                    "accept")
            if i < 2:
                act(uows, centre, centre.actor("zhibanzhang1"), NOW + timedelta(minutes=20),
                    case.id, "file")
        boss = centre.actor("admin", "probe")
        accounts.add_user(uows, centre, boss, User("probe1", "探针", Role.DISPATCHER.value),
                          "probe-password", NOW)
        accounts.set_active(uows, centre, boss, "paiqian2", False)
        admin.set_calendar_day(uows, centre, boss, date(2026, 3, 7), True, "调休上班")
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def keys(session_chain_key: Path) -> KeyRing:
    return load_keys(session_chain_key)


@pytest.fixture(scope="module")
def sqlite_audited(tmp_path_factory: pytest.TempPathFactory, keys: KeyRing) -> Path:
    path = tmp_path_factory.mktemp("audited") / "audited.sqlite3"
    _fill(f"sqlite:///{path}", keys)
    return path


@pytest.fixture(scope="module")
def pg_audited(pg_admin: Engine, keys: KeyRing) -> Iterator[str]:
    with fresh_pg_database(pg_admin) as url:
        _fill(url, keys)
        yield str(make_engine(url).url.database)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def audited(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A copy of the filled centre; the probes tamper with it."""
    if request.param == "sqlite":
        copy = tmp_path / "copy.sqlite3"
        shutil.copy(request.getfixturevalue("sqlite_audited"), copy)
        engine = make_engine(f"sqlite:///{copy}")
        yield engine
        engine.dispose()
    else:
        template = request.getfixturevalue("pg_audited")
        with fresh_pg_database(request.getfixturevalue("pg_admin"), template) as url:
            engine = make_engine(url)
            yield engine
            engine.dispose()


def _owner(engine: Engine, *statements: str, **params: object) -> None:
    """Run SQL as the owner would, the append-only triggers off (SQLite: dropped)."""
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("ALTER TABLE case_events DISABLE TRIGGER USER"))
        else:
            conn.execute(text("DROP TRIGGER IF EXISTS case_events_no_update"))
            conn.execute(text("DROP TRIGGER IF EXISTS case_events_no_delete"))
        for statement in statements:
            conn.execute(text(statement), params)
        if engine.dialect.name == "postgresql":
            conn.execute(text("ALTER TABLE case_events ENABLE TRIGGER USER"))


def test_the_untouched_centre_verifies_every_part(audited: Engine, keys: KeyRing) -> None:
    report = verify_chain(make_uow_factory(audited, lambda: keys), keys=keys)
    assert report.ok, report.as_json()
    assert report.events is not None and report.events.keyed == report.events.rows > 0
    assert report.admin is not None and report.admin.rows > 0 and report.cases_checked == 4
    assert report.unchecked == 0


@pytest.mark.parametrize("claims_key", [False, True], ids=["unkeyed", "claims-the-key-id"])
def test_a_correctly_chained_forged_event_is_reported(audited: Engine, keys: KeyRing,
                                                      claims_key: bool) -> None:
    uows = make_uow_factory(audited, lambda: keys)
    with uows() as uow:
        head = uow.audit.heads()["events"]
        [last] = uow.events.since(head.last_id - 1, 1)
    forged = Event(case_id=last.case_id, type="urge", from_state=last.to_state,
                   to_state=last.to_state, actor="zhibanzhang1", role=Role.SUPERVISOR,
                   occurred_at=NOW + timedelta(hours=1), payload={"note": "伪造"},
                   id=head.last_id + 1)
    digest = chain_hash(head.value, forged)  # SHA-256 recomputed: all the database allows
    at = forged.occurred_at
    _owner(audited,
           "INSERT INTO case_events (id, case_id, type, from_state, to_state, actor, role, desk,"
           " payload, occurred_at, hash, key_id) VALUES (:id, :case_id, 'urge', :s, :s,"
           " 'zhibanzhang1', '值班长', '', :payload, :at, :hash, :key)",
           "UPDATE chain_heads SET last_id = :id, value = :hash WHERE name = 'events'",
           id=forged.id, case_id=forged.case_id, s=forged.to_state.value,
           payload='{"note": "伪造"}', hash=digest,
           at=at.replace(tzinfo=None).isoformat(" ") if audited.dialect.name == "sqlite" else at,
           key=keys.current.key_id if claims_key else None)
    with uows() as uow:
        assert canonical(uow.events.for_case(forged.case_id or 0)[-1]) == canonical(forged)
    report = verify_chain(uows, keys=keys)
    assert not report.ok and report.events is not None
    reason = "contents or order changed" if claims_key else DOWNGRADE
    assert [(b.event_id, b.reason) for b in report.events.breaks] == [(forged.id, reason)]


def test_a_direct_update_of_a_case_is_reported_with_its_number(audited: Engine,
                                                               keys: KeyRing) -> None:
    with audited.connect() as conn:
        case_id, case_no = conn.execute(text(
            "SELECT id, case_no FROM cases WHERE state = '待派遣' ORDER BY id LIMIT 1")).one()
    _owner(audited, "UPDATE cases SET state = '已结案', close_type = '正常' WHERE id = :id",
           id=case_id)
    report = verify_chain(make_uow_factory(audited, lambda: keys), keys=keys)
    assert not report.ok and report.case_problem_count == 1
    assert {(p[0], p[2]) for p in report.case_problems} == {(case_no, "state"),
                                                           (case_no, "close_type")}
    assert report.events is not None and report.events.break_count == 0


@pytest.mark.parametrize(("statement", "field"), [
    ("UPDATE users SET role = '管理员' WHERE username = 'paiqian1'", "role"),
    ("UPDATE users SET active = :yes WHERE username = 'paiqian2'", "active"),
    ("UPDATE users SET password_hash = 'forged' WHERE username = 'probe1'", "password"),
])
def test_a_users_row_changed_behind_the_admin_log_is_named(audited: Engine, keys: KeyRing,
                                                           statement: str, field: str) -> None:
    _owner(audited, statement, yes=True)
    report = verify_chain(make_uow_factory(audited, lambda: keys), keys=keys)
    assert not report.ok
    assert [(u, f) for u, f, _s, _w in report.user_problems] == [(statement.split("'")[-2],
                                                                  field)]


def test_admin_changes_are_in_the_log_without_password_material(audited: Engine) -> None:
    with audited.connect() as conn:
        rows = conn.execute(text(
            "SELECT action, subject, target, payload, key_id FROM admin_log ORDER BY id")).all()
        stored_hash = conn.execute(text(
            "SELECT password_hash FROM users WHERE username = 'probe1'")).scalar_one()
    actions = [(r[0], r[2]) for r in rows]
    assert ("user-add", "probe1") in actions and ("user-update", "paiqian2") in actions
    assert ("calendar-edit", "2026-03-07") in actions and ("user-seed", "admin") in actions
    assert all(r[4] is not None for r in rows if r[0] != "user-baseline")
    text_of_log = repr([r[3] for r in rows])
    assert stored_hash not in text_of_log and "probe-password" not in text_of_log
    with pytest.raises(Exception, match="append-only"), audited.begin() as conn:
        conn.execute(text("UPDATE admin_log SET actor = 'x'"))


def test_an_anchor_catches_a_log_cut_at_its_end(audited: Engine, keys: KeyRing) -> None:
    uows = make_uow_factory(audited, lambda: keys)
    anchor = make_anchor(uows, keys.current, NOW)
    head = anchor.head("events")
    assert head is not None and head.last_id > 3
    # The owner deletes the last rows and moves the head back: the chain still verifies.
    with audited.connect() as conn:
        keep = conn.execute(text("SELECT id, hash FROM case_events WHERE id < :id "
                                 "ORDER BY id DESC LIMIT 1"), {"id": head.last_id - 1}).one()
    _owner(audited, "DELETE FROM case_events WHERE id > :id",
           "UPDATE chain_heads SET last_id = :id, value = :hash WHERE name = 'events'",
           id=keep[0], hash=keep[1])
    cut = verify_chain(uows, keys=keys, full=False)
    assert cut.ok  # without the anchor, nothing to see
    report = verify_chain(uows, keys=keys, anchors=[anchor], full=False)
    assert not report.ok and len(report.anchor_problems) == 1
    assert f"events row {head.last_id} not found" in report.anchor_problems[0]
    assert "cut at its end" in report.anchor_problems[0]


def test_a_bogus_row_with_a_huge_id_stops_neither_verify_nor_the_feed(audited: Engine,
                                                                      keys: KeyRing) -> None:
    uows = make_uow_factory(audited, lambda: keys)
    with audited.connect() as conn:
        case_id = conn.execute(text("SELECT min(id) FROM cases")).scalar_one()
    desk_since = start_id(uows())
    huge = 9_000_000_000_000_000
    _owner(audited,
           "INSERT INTO case_events (id, case_id, type, from_state, to_state, actor, role, desk,"
           " payload, occurred_at, hash) VALUES (:id, :c, 'urge', '待派遣', '待派遣', 'x',"
           " '值班长', '', '{}', :at, :hash)",
           id=huge, c=case_id, at=datetime(2026, 3, 2, 3, 0), hash="0" * 64)
    centre = load_centre(uows())
    made = report_case(uows, centre, centre.actor("caiji01"), NOW + timedelta(hours=2),
                       Report("06010", "之后的真实上报", grid=GRID)).case
    batch = poll(uows(), desk_since)  # (it replays a grace window before desk_since too)
    assert batch.events[-1].case_id == made.id and batch.last_id == batch.events[-1].id
    assert all(e.id is not None and e.id < huge for e in batch.events)
    assert start_id(uows()) < huge
    report = verify_chain(uows, keys=keys)
    assert report.events is not None
    assert [(b.event_id, b.reason) for b in report.events.breaks] == [(huge, BEYOND_HEAD)]
    assert report.events.rows == report.events.keyed + 1 and report.head == batch_head(uows)
    # The bogus row claims an urge of its case: the case row (rightly) disagrees with it.
    assert {p[1] for p in report.case_problems} == {case_id}
    assert "urge_count" in {p[2] for p in report.case_problems}


def batch_head(uows: Factory) -> str:
    with uows() as uow:
        return uow.audit.heads()["events"].value


def test_a_row_squatting_on_the_next_id_is_stepped_over(audited: Engine, keys: KeyRing) -> None:
    uows = make_uow_factory(audited, lambda: keys)
    with audited.connect() as conn:
        if audited.dialect.name == "postgresql":
            nxt = conn.execute(text("SELECT last_value + 1 FROM case_events_id_seq")).scalar_one()
        else:
            nxt = conn.execute(text("SELECT last_id + 1 FROM chain_heads "
                                    "WHERE name = 'events'")).scalar_one()
        case_id = conn.execute(text("SELECT min(id) FROM cases")).scalar_one()
    _owner(audited,
           "INSERT INTO case_events (id, case_id, type, from_state, to_state, actor, role, desk,"
           " payload, occurred_at, hash) VALUES (:id, :c, 'urge', '待派遣', '待派遣', 'x',"
           " '值班长', '', '{}', :at, :hash)",
           id=nxt, c=case_id, at=datetime(2026, 3, 2, 3, 0), hash="0" * 64)
    centre = load_centre(uows())
    made = report_case(uows, centre, centre.actor("caiji01"), NOW + timedelta(hours=2),
                       Report("06010", "之后的真实上报", grid=GRID)).case
    with uows() as uow:
        [logged] = uow.events.for_case(made.id or 0)
    assert logged.id is not None and logged.id > nxt


def test_photos_are_stored_before_the_chain_head_is_locked(audited: Engine,
                                                          keys: KeyRing) -> None:
    uows = make_uow_factory(audited, lambda: keys)
    centre = load_centre(uows())
    seen: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        seen.append(statement.split()[0].upper() + " " + (
            "photos" if "photos" in statement else
            "chain_heads" if "chain_heads" in statement else
            "case_events" if "case_events" in statement else "other"))

    event.listen(audited, "before_cursor_execute", record)
    try:
        photo = photo_from_bytes(_png(), "现场.png")
        made = report_case(uows, centre, centre.actor("caiji01"), NOW,
                           Report("06010", "带照片", grid=GRID, photos=(photo,))).case
    finally:
        event.remove(audited, "before_cursor_execute", record)
    first_photo = seen.index("INSERT photos")
    lock = next(i for i, s in enumerate(seen) if s.endswith("chain_heads"))
    assert first_photo < lock
    with uows() as uow:
        [info] = uow.photos.for_case(made.id or 0)
        [logged] = uow.events.for_case(made.id or 0)
    assert info.event_id == logged.id


@pytest.mark.parametrize("audited", [pytest.param("postgres", marks=pytest.mark.postgres)],
                         indirect=True)
def test_the_wall_role_cannot_take_the_chain_lock(pg_admin: Engine, audited: Engine) -> None:
    # Database roles exist on PostgreSQL only.  The advisory lock this replaces was open to
    # any role that could connect (pg_advisory_xact_lock needs no privilege).
    role = f"wall_{audited.url.database}"[:60]
    with pg_admin.connect() as conn:
        conn.execute(text(f'CREATE ROLE "{role}" LOGIN'))
    try:
        with audited.begin() as conn:
            conn.execute(text(f'GRANT SELECT ON ALL TABLES IN SCHEMA public TO "{role}"'))
        wall = make_engine(audited.url.set(username=role).render_as_string(hide_password=False))
        try:
            with pytest.raises(Exception, match="permission denied"), wall.begin() as conn:
                conn.execute(text("SELECT last_id FROM chain_heads WHERE name = 'events' "
                                  "FOR UPDATE"))
        finally:
            wall.dispose()
    finally:
        with audited.begin() as conn:
            conn.execute(text(f'REVOKE ALL ON ALL TABLES IN SCHEMA public FROM "{role}"'))
        with pg_admin.connect() as conn:
            conn.execute(text(f'DROP ROLE "{role}"'))


def test_keyed_appends_of_two_processes_keep_one_chain(audited: Engine, keys: KeyRing) -> None:
    uows = make_uow_factory(audited, lambda: keys)
    centre = load_centre(uows())
    other = make_engine(audited.url.render_as_string(hide_password=False))
    try:
        others = make_uow_factory(other, lambda: keys)
        for i in range(6):
            factory: Factory = uows if i % 2 else others
            report_case(factory, centre, centre.actor("caiji01"), NOW + timedelta(minutes=i),
                        Report("06010", f"交替 {i}", grid=GRID))
    finally:
        other.dispose()
    report = verify_chain(uows, keys=keys)
    assert report.ok, report.as_json()
    assert CaseState.REPORTED.value == "待受理"


def test_a_deleted_chain_head_is_started_again_at_the_logs_end(audited: Engine,
                                                               keys: KeyRing) -> None:
    with audited.begin() as conn:
        if audited.dialect.name == "postgresql":
            conn.execute(text("ALTER TABLE chain_heads DISABLE TRIGGER USER"))
        else:
            conn.execute(text("DROP TRIGGER chain_heads_no_delete"))
        conn.execute(text("DELETE FROM chain_heads WHERE name = 'events'"))
        if audited.dialect.name == "postgresql":
            conn.execute(text("ALTER TABLE chain_heads ENABLE TRIGGER USER"))
    uows = make_uow_factory(audited, lambda: keys)
    centre = load_centre(uows())
    report_case(uows, centre, centre.actor("caiji01"), NOW + timedelta(hours=3),
                Report("06010", "头行被删之后", grid=GRID))
    report = verify_chain(uows, keys=keys)
    assert report.ok, report.as_json()

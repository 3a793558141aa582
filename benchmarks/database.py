"""Make (or reuse) the benchmark database: schema, Kaihua reference data, the history."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from benchmarks.generate import generate
from benchmarks.scales import NOW, Scale
from console.app import App
from console.cli_gui import ensure_ready
from db.tables import SettingRow

MARK = "benchmark"  # settings key naming the scale a database holds


def _recreate_postgres(url: str) -> None:
    sa = make_url(url)
    admin = create_engine(sa.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{sa.database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{sa.database}"'))
    admin.dispose()


def _mark(app: App) -> dict[str, Any] | None:
    if not app.is_set_up:
        return None
    with app.engine.connect() as conn:
        value = conn.execute(select(SettingRow.value).where(SettingRow.key == MARK)).scalar()
    return value if isinstance(value, dict) else None


def prepare(url: str, scale: Scale, reuse: bool, say: Any) -> dict[str, Any]:
    """A database at ``url`` holding ``scale``'s history; returns the generator's summary.

    With ``reuse`` a database already holding this scale (same seed) is kept as it is.
    """
    if reuse:
        app = App(url, clock=lambda: NOW)
        try:
            mark = _mark(app)
        finally:
            app.close()
        if (mark and mark.get("scale") == scale.name and mark.get("seed") == scale.seed
                and mark.get("days", scale.days) == scale.days):
            say(f"reusing {scale.name} data: {mark['cases']:,} cases, {mark['events']:,} events")
            return {**mark, "reused": True}
    if make_url(url).get_backend_name() == "sqlite":
        path = Path(make_url(url).database or "")
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    else:
        _recreate_postgres(url)
    app = App(url, clock=lambda: NOW)
    try:
        ensure_ready(app)
        say(f"generating {scale.name}: {scale.per_day:g} reports/day for {scale.days} days")
        made = generate(app.engine, app.centre, scale, NOW, progress=say)
        mark = {"scale": scale.name, "seed": scale.seed, "days": scale.days, "cases": made.cases,
                "events": made.events, "open_cases": made.open_cases,
                "generate_s": round(made.seconds, 1), "by_state": made.by_state}
        with app.engine.begin() as conn:
            conn.execute(SettingRow.__table__.insert(), [{"key": MARK, "value": mark}])
            if app.engine.dialect.name == "postgresql":
                conn.execute(text("SELECT setval(pg_get_serial_sequence('case_events', 'id'), "
                                  "(SELECT max(id) FROM case_events))"))
                conn.execute(text("SELECT setval(pg_get_serial_sequence('cases', 'id'), "
                                  "(SELECT max(id) FROM cases))"))
                conn.execute(text("ANALYZE"))
            else:
                conn.execute(text("ANALYZE"))
        say(f"generated {made.cases:,} cases, {made.events:,} events, {made.open_cases:,} open "
            f"in {made.seconds:.0f} s")
        return {**mark, "reused": False}
    finally:
        app.close()


def working_copy(url: str, say: Any) -> str:
    """A copy of the prepared database to run on, so runs never see each other's writes.

    The benchmarks write (new reports, dispatches, urges); run on the generated data itself,
    a second ``--reuse`` run would find a longer queue.  SQLite: a file copy; PostgreSQL:
    ``CREATE DATABASE … TEMPLATE``.
    """
    sa = make_url(url)
    if sa.get_backend_name() == "sqlite":
        source = Path(sa.database or "")
        target = source.with_name(source.stem + "-run" + source.suffix)
        with create_engine(url).connect() as conn:  # fold the WAL in before copying
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        for suffix in ("-wal", "-shm"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(source, target)
        say(f"running on a copy: {target}")
        return sa.set(database=str(target)).render_as_string(hide_password=False)
    name = f"{sa.database}_run"
    admin = create_engine(sa.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                          "WHERE datname = :d AND pid <> pg_backend_pid()"), {"d": sa.database})
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{sa.database}"'))
    admin.dispose()
    say(f"running on a copy: database {name}")
    return sa.set(database=name).render_as_string(hide_password=False)

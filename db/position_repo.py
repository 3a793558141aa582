"""Collectors' positions and device keys in SQL (``console.services.positions.PositionStore``).

Each method is one short transaction on the engine, as the session store's are: a batch of
fixes is one multi-row INSERT, never held open across the request that brought it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Engine, delete, func, insert, select, text, update

from console.services.positions import Fix
from db.engine import single_statements
from db.tables import DeviceKeyRow, PositionRow

#: A batch of fixes in one statement on PostgreSQL (see ``SqlPositionStore._add_many_pg``).
_INSERT_NEW_PG = text("""
    INSERT INTO collector_positions
        (username, t, lon, lat, accuracy, speed, battery, received_at)
    SELECT b.username, b.t, b.lon, b.lat, b.accuracy, b.speed, b.battery, :received
    FROM unnest(CAST(:users AS varchar[]), CAST(:ts AS timestamptz[]),
                CAST(:lons AS float8[]), CAST(:lats AS float8[]), CAST(:accs AS float8[]),
                CAST(:speeds AS float8[]), CAST(:batts AS float8[]))
         AS b(username, t, lon, lat, accuracy, speed, battery)
    WHERE NOT EXISTS (SELECT 1 FROM collector_positions p
                      WHERE p.username = b.username AND p.t = b.t)
    RETURNING id""")


class SqlPositionStore:
    """Fixes in ``collector_positions``, keys in ``device_keys`` (revision 0017).

    Parameters
    ----------
    engine : Engine
        The server's engine.
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._single = single_statements(engine)

    def add_many(self, fixes: Sequence[Fix], received_at: datetime) -> int:
        """Insert a batch in one statement (all or nothing); returns how many were new.

        A fix whose collector already has one at the same instant is the same fix sent again
        (a phone whose reply was lost resends its batch): it is skipped, found through the
        ``(username, t)`` index over the batch's span.
        """
        if not fixes:
            return 0
        if self._engine.dialect.name == "postgresql":
            return self._add_many_pg(fixes, received_at)
        with self._engine.begin() as conn:
            seen: set[tuple[str, datetime]] = set()
            for username in {f.username for f in fixes}:
                mine = [f.t for f in fixes if f.username == username]
                stmt = select(PositionRow.t).where(PositionRow.username == username,
                                                   PositionRow.t.between(min(mine), max(mine)))
                seen.update((username, t) for t in conn.scalars(stmt))
            rows = []
            for f in fixes:
                if (f.username, f.t) in seen:
                    continue
                seen.add((f.username, f.t))
                rows.append({"username": f.username, "t": f.t, "lon": f.lon, "lat": f.lat,
                             "accuracy": f.accuracy, "speed": f.speed, "battery": f.battery,
                             "received_at": received_at})
            if rows:
                conn.execute(insert(PositionRow), rows)
        return len(rows)

    def _add_many_pg(self, fixes: Sequence[Fix], received_at: datetime) -> int:
        # One statement, its own transaction: INSERT … SELECT from the batch's columns as
        # arrays (unnest) what the table does not hold yet.  One round trip where the SELECT,
        # the INSERT and the transaction around them took four; one SQL text whatever the
        # batch's size, so it is compiled once and prepared by the driver (a VALUES list
        # built per batch cost SQLAlchemy a compilation every request: 1.8 ms of CPU).
        rows: list[Fix] = []
        seen: set[tuple[str, datetime]] = set()
        for f in fixes:  # the batch's own repeats
            if (f.username, f.t) not in seen:
                seen.add((f.username, f.t))
                rows.append(f)
        params = {"users": [f.username for f in rows], "ts": [f.t for f in rows],
                  "lons": [f.lon for f in rows], "lats": [f.lat for f in rows],
                  "accs": [f.accuracy for f in rows], "speeds": [f.speed for f in rows],
                  "batts": [f.battery for f in rows], "received": received_at}
        with self._single.connect() as conn:
            return len(conn.execute(_INSERT_NEW_PG, params).all())

    def delete_before(self, cutoff: datetime) -> int:
        """Delete the fixes taken before ``cutoff``; returns how many went."""
        with self._engine.begin() as conn:
            result = conn.execute(delete(PositionRow).where(PositionRow.t < cutoff))
        return int(result.rowcount or 0)

    def last_fix(self, username: str) -> Fix | None:
        """The collector's newest fix by its own instant, or None."""
        stmt = (select(PositionRow.username, PositionRow.t, PositionRow.lon, PositionRow.lat,
                       PositionRow.accuracy, PositionRow.speed, PositionRow.battery)
                .where(PositionRow.username == username)
                .order_by(PositionRow.t.desc(), PositionRow.id.desc()).limit(1))
        with self._engine.connect() as conn:
            row = conn.execute(stmt).one_or_none()
        return None if row is None else Fix(*row)

    def count(self, username: str | None = None) -> int:
        """How many fixes are stored (of one collector, or of all)."""
        stmt = select(func.count()).select_from(PositionRow)
        if username is not None:
            stmt = stmt.where(PositionRow.username == username)
        with self._engine.connect() as conn:
            return int(conn.execute(stmt).scalar_one())

    def device_key_hash(self, username: str) -> str | None:
        """The digest of the collector's device key, or None when it has none."""
        with self._engine.connect() as conn:
            return conn.scalar(select(DeviceKeyRow.key_hash)
                               .where(DeviceKeyRow.username == username))

    def set_device_key(self, username: str, key_hash: str | None,
                       created_at: datetime) -> None:
        """Store (or replace) the collector's device key digest; None removes it."""
        with self._engine.begin() as conn:
            if key_hash is None:
                conn.execute(delete(DeviceKeyRow).where(DeviceKeyRow.username == username))
                return
            done = conn.execute(update(DeviceKeyRow).where(DeviceKeyRow.username == username)
                                .values(key_hash=key_hash, created_at=created_at))
            if not done.rowcount:
                conn.execute(insert(DeviceKeyRow).values(username=username, key_hash=key_hash,
                                                         created_at=created_at))

"""Shadow copies of ``cases`` and ``case_events`` for the floors to write into.

A floor writes rows with plain SQL and no hash chain; written into the real log they would
break ``citydesk audit verify``.  The shadows have the same columns, keys and indexes (and
no append-only trigger), so a floor pays what the storage itself costs.
"""

from __future__ import annotations

import re

from sqlalchemy import Engine

SHADOWS = {"cases": "bench_floor_cases", "case_events": "bench_floor_events"}


def ensure_shadows(engine: Engine) -> None:
    """Create the shadow tables (with the originals' indexes) if they are missing."""
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            for table, shadow in SHADOWS.items():
                conn.exec_driver_sql(
                    f"CREATE TABLE IF NOT EXISTS {shadow} (LIKE {table} INCLUDING ALL)")
            return
        have = {r[0] for r in conn.exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE type = 'table'")}
        for table, shadow in SHADOWS.items():
            if shadow in have:
                continue
            rows = conn.exec_driver_sql(
                "SELECT type, name, sql FROM sqlite_master WHERE tbl_name = ? AND sql IS NOT NULL "
                "ORDER BY type DESC", (table,)).fetchall()
            for kind, name, sql in rows:
                if kind == "table":
                    sql = re.sub(rf'TABLE "?{table}"?', f"TABLE {shadow}", sql, count=1)
                elif kind == "index":
                    sql = sql.replace(name, f"{shadow}_{name}", 1)
                    sql = re.sub(rf'ON "?{table}"? ', f"ON {shadow} ", sql, count=1)
                else:
                    continue  # triggers: the shadow is not the audited log
                sql = re.sub(r"CONSTRAINT (\w+)", rf"CONSTRAINT {shadow}_\1", sql)
                conn.exec_driver_sql(sql)


def shadow_top(engine: Engine) -> int:
    """The largest case id in the shadow (new floor cases follow it)."""
    with engine.connect() as conn:
        return int(conn.exec_driver_sql("SELECT max(id) FROM bench_floor_cases").scalar() or 0)

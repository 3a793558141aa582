"""Database roles of a central PostgreSQL deployment: what desks and the wall screen may do.

The schema owner (who ran ``citydesk init``) runs :func:`grant_roles`; the roles themselves
are the DBA's to create, with their passwords, beforehand.  After it:

* the **app role** (every desk, every ``citydesk`` command of an operator) may SELECT, INSERT,
  UPDATE and DELETE on every CityDesk table except the event log, where it may only SELECT and
  INSERT; it may use the id sequences and read (never change) ``alembic_version``;
* the **wall role** (the hall's wall screen) may SELECT, nothing else.

In a **central deployment with the server** (``citydesk server``) the app role is the
server's role alone (``db grant --server-role``): desks, unit seats and the wall hold no
database login at all, and ``--revoke-desk-roles`` takes from the roles they used before every
privilege on the tables, sequences and schema and the right to connect to the database.  The
server role's timeouts (:data:`SERVER_SETTINGS`) are set by the DBA (``ALTER ROLE … SET``
needs CREATEROLE, which the owner does not have); the report says which are in force.

Privileges are the first wall around the log; the append-only trigger of revision 0002 is the
second, and holds for the owner too.  Each run first revokes what the roles held on these
tables and sequences, so running it again (after an upgrade added a table, say) leaves exactly
the set above.  Everything happens in one transaction: a refused run grants nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, inspect, text

from console.domain.errors import ValidationError
from db.engine import PG_SESSION_SETTINGS
from db.schema import HEAD, current_revision
from db.tables import Base

#: The append-only table: the app role may read it and add to it, nothing more.
EVENT_LOG = "case_events"
#: The append-only logs (the event log and the administrators' log, revision 0016): read and
#: appended to, never changed — by privilege as well as by their triggers.
APPEND_ONLY = (EVENT_LOG, "admin_log")
#: Alembic's bookkeeping table: readable (desks check the revision), changed by the owner only.
VERSION_TABLE = "alembic_version"
#: PostgreSQL truncates identifiers longer than this (NAMEDATALEN - 1).
MAX_ROLE = 63

#: What the server role's sessions must have (``ALTER ROLE … SET``, docs/deploy.md): the
#: limits the engine also asks for on each connection (:data:`db.engine.PG_SESSION_SETTINGS`),
#: so a client that connects without them (psql, another tool) is held to them too.
SERVER_SETTINGS = PG_SESSION_SETTINGS


@dataclass(frozen=True, slots=True)
class GrantReport:
    """What :func:`grant_roles` granted.

    Attributes
    ----------
    schema : str
        The schema holding the tables.
    app_role, wall_role : str, str or None
        The roles, as given.
    tables : tuple of str
        Every table the grants covered, in name order.
    sequences : tuple of str
        The sequences the app role may draw ids from.
    revoked : tuple of str
        Former desk and wall roles that lost every privilege and the right to connect.
    settings : tuple of (str, str)
        The app role's own settings in force (``ALTER ROLE … SET``), e.g. its timeouts.
    """

    def missing_settings(self) -> dict[str, str]:
        """The :data:`SERVER_SETTINGS` the role does not have (name -> documented value)."""
        have = dict(self.settings)
        return {k: v for k, v in SERVER_SETTINGS.items() if k not in have}

    schema: str
    app_role: str
    wall_role: str | None
    tables: tuple[str, ...]
    sequences: tuple[str, ...]
    revoked: tuple[str, ...] = ()
    settings: tuple[tuple[str, str], ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data, privileges spelled out per role and table."""
        app = {t: _app_privileges(t) for t in self.tables}
        data: dict[str, Any] = {
            "schema": self.schema,
            "app_role": {"name": self.app_role, "tables": app,
                         "sequences": {s: ["USAGE"] for s in self.sequences}},
            "wall_role": None,
            "revoked": list(self.revoked),
            "settings": dict(self.settings),
            "missing_settings": self.missing_settings(),
        }
        if self.wall_role is not None:
            data["wall_role"] = {"name": self.wall_role,
                                 "tables": {t: ["SELECT"] for t in self.tables}}
        return data


def _app_privileges(table: str) -> list[str]:
    if table in APPEND_ONLY:
        return ["SELECT", "INSERT"]
    if table == VERSION_TABLE:
        return ["SELECT"]
    return ["SELECT", "INSERT", "UPDATE", "DELETE"]


def grant_roles(engine: Engine, app_role: str, wall_role: str | None = None,
                revoke: Sequence[str] = ()) -> GrantReport:
    """Give the app role and the optional wall role their privileges on CityDesk's tables.

    Parameters
    ----------
    engine : Engine
        A PostgreSQL database at the newest schema, connected as the tables' owner.
    app_role : str
        The existing role desks connect as.
    wall_role : str, optional
        The existing role the wall screen connects as.
    revoke : sequence of str
        Roles desks or the wall used before the server: every privilege on the tables,
        sequences and schema and CONNECT on the database are revoked from them.

    Raises
    ------
    ValidationError
        SQLite; a role missing, the same twice, a superuser or an owner of the tables; the
        schema not at head; the connected user not the tables' owner.  Nothing is granted.
    """
    if engine.dialect.name != "postgresql":
        raise ValidationError("SQLite 没有数据库角色：citydesk db grant 只用于 PostgreSQL / "
                              "roles exist on PostgreSQL only")
    roles = [app_role] if wall_role is None else [app_role, wall_role]
    for name in roles:
        if not name or len(name) > MAX_ROLE:
            raise ValidationError(f"角色名 {name!r} 应为 1–{MAX_ROLE} 个字符 / bad role name")
    if wall_role == app_role:
        raise ValidationError("应用角色与大屏角色不能是同一个 / the app and wall roles must differ")
    for name in revoke:
        if not name or len(name) > MAX_ROLE:
            raise ValidationError(f"角色名 {name!r} 应为 1–{MAX_ROLE} 个字符 / bad role name")
        if name in roles:
            raise ValidationError(f"角色 {name} 不能既被授权又被收回 / a role both granted and revoked")
    revision = current_revision(engine)
    if revision != HEAD:
        raise ValidationError(
            "数据库尚未初始化或结构较旧：请先以属主身份运行 citydesk init / run 'citydesk init' first"
            f" (schema at {revision or 'nothing'}, need {HEAD})")
    with engine.begin() as conn:
        schema = str(conn.execute(text("SELECT current_schema()")).scalar_one())
        tables = _tables(conn, schema)
        _check_roles(conn, schema, tables, roles)
        _check_revoked(conn, revoke)
        sequences = _sequences(conn, schema)
        q = conn.dialect.identifier_preparer.quote_identifier
        every = ", ".join(f"{q(schema)}.{q(t)}" for t in tables)
        seqs = ", ".join(f"{q(schema)}.{q(s)}" for s in sequences)
        app = q(app_role)
        statements = [f"REVOKE ALL ON TABLE {every} FROM {app}"]
        writable = [t for t in tables if t not in (*APPEND_ONLY, VERSION_TABLE)]
        statements.append("GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE "
                          + ", ".join(f"{q(schema)}.{q(t)}" for t in writable) + f" TO {app}")
        logs = ", ".join(f"{q(schema)}.{q(t)}" for t in APPEND_ONLY if t in tables)
        statements.append(f"GRANT SELECT, INSERT ON TABLE {logs} TO {app}")
        statements.append(f"GRANT SELECT ON TABLE {q(schema)}.{q(VERSION_TABLE)} TO {app}")
        if seqs:
            statements += [f"REVOKE ALL ON SEQUENCE {seqs} FROM {app}",
                           f"GRANT USAGE ON SEQUENCE {seqs} TO {app}"]
        if wall_role is not None:
            wall = q(wall_role)
            statements += [f"REVOKE ALL ON TABLE {every} FROM {wall}",
                           f"GRANT SELECT ON TABLE {every} TO {wall}"]
            if seqs:
                statements.append(f"REVOKE ALL ON SEQUENCE {seqs} FROM {wall}")
        for name in roles:
            usage = conn.execute(text("SELECT has_schema_privilege(:r, :s, 'USAGE')"),
                                 {"r": name, "s": schema}).scalar_one()
            if not usage:
                statements.append(f"GRANT USAGE ON SCHEMA {q(schema)} TO {q(name)}")
        database = q(str(conn.execute(text("SELECT current_database()")).scalar_one()))
        if revoke:  # only the roles granted here may connect: PUBLIC's default right goes
            statements += [f"REVOKE CONNECT, TEMPORARY ON DATABASE {database} FROM PUBLIC",
                           *(f"GRANT CONNECT ON DATABASE {database} TO {q(n)}" for n in roles)]
        for name in revoke:
            old = q(name)
            statements += [f"REVOKE ALL ON TABLE {every} FROM {old}",
                           f"REVOKE ALL ON SCHEMA {q(schema)} FROM {old}",
                           f"REVOKE CONNECT, TEMPORARY ON DATABASE {database} FROM {old}"]
            if seqs:
                statements.append(f"REVOKE ALL ON SEQUENCE {seqs} FROM {old}")
        for statement in statements:
            conn.execute(text(statement))
        settings = _role_settings(conn, app_role)
    return GrantReport(schema, app_role, wall_role, tuple(tables), tuple(sequences),
                       tuple(revoke), settings)


def _role_settings(conn: Connection, role: str) -> tuple[tuple[str, str], ...]:
    """The role's own ``ALTER ROLE … SET`` values (for every database or this one)."""
    rows = conn.execute(text(
        "SELECT unnest(s.setconfig) FROM pg_db_role_setting s "
        "JOIN pg_roles r ON r.oid = s.setrole "
        "WHERE r.rolname = :role AND s.setdatabase IN "
        "(0, (SELECT oid FROM pg_database WHERE datname = current_database()))"),
        {"role": role}).scalars()
    pairs = (str(item).split("=", 1) for item in rows)
    return tuple(sorted((k, v) for k, v in pairs))


def _check_revoked(conn: Connection, names: Sequence[str]) -> None:
    """Refuse to revoke from a role that does not exist or from the caller itself."""
    if not names:
        return
    found = set(conn.execute(text("SELECT rolname FROM pg_roles WHERE rolname = ANY(:n)"),
                             {"n": list(names)}).scalars())
    missing = [n for n in names if n not in found]
    if missing:
        raise ValidationError(f"要收回的角色 {', '.join(missing)} 不存在 / role does not exist")
    me = str(conn.execute(text("SELECT current_user")).scalar_one())
    if me in names:
        raise ValidationError("不能收回属主自己的权限 / cannot revoke the owner's own rights")


def _tables(conn: Connection, schema: str) -> list[str]:
    """CityDesk's tables in ``schema`` (every one the metadata declares, and Alembic's)."""
    present = set(inspect(conn).get_table_names(schema=schema))
    wanted = {*Base.metadata.tables, VERSION_TABLE}
    missing = sorted(wanted - present)
    if missing:
        raise ValidationError(f"模式 {schema} 中缺少表 {', '.join(missing)}：请先运行 citydesk init"
                              " / tables missing")
    return sorted(wanted)


def _sequences(conn: Connection, schema: str) -> list[str]:
    """The sequences owned by CityDesk's tables' id columns (serial / identity)."""
    rows = conn.execute(text(
        "SELECT s.relname FROM pg_class s "
        "JOIN pg_namespace n ON n.oid = s.relnamespace "
        "JOIN pg_depend d ON d.objid = s.oid AND d.deptype IN ('a', 'i') "
        "JOIN pg_class t ON t.oid = d.refobjid "
        "WHERE s.relkind = 'S' AND n.nspname = :schema AND t.relname = ANY(:tables) "
        "ORDER BY s.relname"), {"schema": schema, "tables": list(Base.metadata.tables)})
    return [str(r[0]) for r in rows]


def _check_roles(conn: Connection, schema: str, tables: list[str], roles: list[str]) -> None:
    """Refuse roles that are missing, superusers or owners, and a caller who owns nothing."""
    found = {str(r.rolname): bool(r.rolsuper) for r in conn.execute(
        text("SELECT rolname, rolsuper FROM pg_roles WHERE rolname = ANY(:names)"),
        {"names": roles})}
    missing = [r for r in roles if r not in found]
    if missing:
        raise ValidationError(
            f"数据库角色 {', '.join(missing)} 不存在：请先由管理员创建（CREATE ROLE … LOGIN，见 "
            "docs/deploy.md）/ role does not exist")
    supers = [r for r in roles if found[r]]
    if supers:
        raise ValidationError(f"角色 {', '.join(supers)} 是超级用户，权限限制对它无效 / "
                              "a superuser ignores privileges: use an ordinary role")
    owners = {str(o) for o in conn.execute(
        text("SELECT DISTINCT tableowner FROM pg_tables "
             "WHERE schemaname = :schema AND tablename = ANY(:tables)"),
        {"schema": schema, "tables": tables}).scalars()}
    for name in roles:
        for owner in owners:
            if conn.execute(text("SELECT pg_has_role(:r, :o, 'USAGE')"),
                            {"r": name, "o": owner}).scalar_one():
                raise ValidationError(
                    f"角色 {name} 拥有（或继承）这些表的属主权限 {owner}，无法被限制 / "
                    "the role owns the tables")
    me_ok = conn.execute(
        text("SELECT bool_and(pg_has_role(current_user, o, 'USAGE')) "
             "FROM unnest(CAST(:owners AS text[])) o"),
        {"owners": sorted(owners)}).scalar_one()
    if not me_ok:
        raise ValidationError("请以表的属主（运行 citydesk init 的角色）身份运行 citydesk db grant"
                              " / run as the owner of the tables")

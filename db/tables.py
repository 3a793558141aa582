"""The schema as typed declarative rows (SQLAlchemy 2 ``Mapped[...]``).

These classes never leave ``db/``: repositories turn them into frozen domain objects.  Enum
fields are stored as their string values (``待派遣``, ``受理员`` …) so the tables read well in
``psql`` and survive a new enum member without a migration.  Every change here needs an Alembic
revision in ``db/migrations/versions``; ``tests/integration/test_db_schema.py`` compares both.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from db.engine import UTCDateTime

# Explicit names so the migration, the metadata and both backends agree on every constraint.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# SQLite only autoincrements an INTEGER PRIMARY KEY (a rowid alias), not a BIGINT one.
BigId = BigInteger().with_variant(Integer(), "sqlite")

CODE = 64  # unit / category / grid / component codes
NAME = 200  # names of people, units, streets
STATE = 32  # enum values (Chinese, a few characters)
KEY_ID = 16  # chain key ids (console.domain.audit.key_id_for)


class Base(DeclarativeBase):
    """Declarative base of every CityDesk table."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    # Every datetime column is an aware UTC instant; a dict column holds SQL NULL for None.
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSON(none_as_null=True),
    }


class UnitRow(Base):
    """A responsible unit (``console.domain.reference.Unit``)."""

    __tablename__ = "units"

    code: Mapped[str] = mapped_column(String(CODE), primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME))
    kind: Mapped[str] = mapped_column(String(STATE))
    parent: Mapped[str | None] = mapped_column(String(CODE))
    area: Mapped[str | None] = mapped_column(String(CODE))
    seed: Mapped[bool] = mapped_column(Boolean, default=False)
    duties: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # revision 0010: the English name an English desk shows ("" = none, show ``name``)
    name_en: Mapped[str] = mapped_column(String(NAME), default="", server_default=text("''"))


class CategoryRow(Base):
    """A 部件/事件 type; filing conditions and 处置 limits are small documents, kept as JSON."""

    __tablename__ = "categories"

    code: Mapped[str] = mapped_column(String(CODE), primary_key=True)
    kind: Mapped[str] = mapped_column(String(STATE))
    major: Mapped[str] = mapped_column(String(NAME))
    name_zh: Mapped[str] = mapped_column(String(NAME))
    name_en: Mapped[str] = mapped_column(String(NAME))
    legacy_code: Mapped[str | None] = mapped_column(String(CODE))
    natural_time: Mapped[bool] = mapped_column(Boolean, default=False)
    limits: Mapped[dict[str, Any]] = mapped_column(JSON)
    filing_conditions: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    closing_condition: Mapped[str] = mapped_column(Text, default="")
    local: Mapped[bool] = mapped_column(Boolean, default=False)
    # Other words for the category (revision 0008).  Nullable only because a JSON server
    # default cannot be compared on PostgreSQL; the migration fills [] and NULL reads as none.
    aliases: Mapped[list[str] | None] = mapped_column(JSON, nullable=True, default=list)


class RoutingRuleRow(Base):
    """One row of the responsibility matrix; ``position`` keeps the order of the source file."""

    __tablename__ = "routing_rules"

    position: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    category: Mapped[str] = mapped_column(String(CODE))
    unit: Mapped[str] = mapped_column(String(CODE))
    area: Mapped[str | None] = mapped_column(String(CODE))
    condition: Mapped[str | None] = mapped_column(String(CODE))
    basis: Mapped[str] = mapped_column(Text, default="")


class ComponentRow(Base):
    """One inventoried 部件 with its owner and maintainer."""

    __tablename__ = "components"

    id: Mapped[str] = mapped_column(String(CODE), primary_key=True)
    category: Mapped[str] = mapped_column(String(CODE))
    name: Mapped[str] = mapped_column(String(NAME))
    owner: Mapped[str | None] = mapped_column(String(CODE))
    maintainer: Mapped[str | None] = mapped_column(String(CODE))
    grid: Mapped[str] = mapped_column(String(CODE))
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    state: Mapped[str] = mapped_column(String(STATE), default="完好")
    # revision 0023: the survey's other columns as [heading, text] pairs (NULL before it)
    attributes: Mapped[list[list[str]] | None] = mapped_column(JSON, nullable=True)


class GridCellRow(Base):
    """A 单元网格: polygon as JSON plus its bounding box, so a point lookup can use an index."""

    __tablename__ = "grid_cells"
    __table_args__ = (Index(None, "lon_min", "lon_max", "lat_min", "lat_max"),)

    code: Mapped[str] = mapped_column(String(CODE), primary_key=True)
    street_code: Mapped[str] = mapped_column(String(CODE))
    street: Mapped[str] = mapped_column(String(NAME))
    community_code: Mapped[str] = mapped_column(String(CODE))
    community: Mapped[str] = mapped_column(String(NAME))
    # revision 0010: English names of the street and the community ("" = none)
    street_en: Mapped[str] = mapped_column(String(NAME), default="", server_default=text("''"))
    community_en: Mapped[str] = mapped_column(String(NAME), default="", server_default=text("''"))
    # revision 0023: the cell's own name from the centre's survey ("" = none)
    name: Mapped[str] = mapped_column(String(NAME), default="", server_default=text("''"))
    polygon: Mapped[list[list[float]]] = mapped_column(JSON)
    lon_min: Mapped[float] = mapped_column(Float)
    lon_max: Mapped[float] = mapped_column(Float)
    lat_min: Mapped[float] = mapped_column(Float)
    lat_max: Mapped[float] = mapped_column(Float)


class UserRow(Base):
    """A person who signs in."""

    __tablename__ = "users"

    username: Mapped[str] = mapped_column(String(CODE), primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME))
    role: Mapped[str] = mapped_column(String(STATE))
    unit: Mapped[str | None] = mapped_column(String(CODE))
    grids: Mapped[list[str]] = mapped_column(JSON)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Sign-in (revision 0002).  No hash means the user cannot sign in with a password yet.
    password_hash: Mapped[str | None] = mapped_column(String(NAME))
    failed_logins: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    locked_until: Mapped[datetime | None]
    password_changed_at: Mapped[datetime | None]


class SessionRow(Base):
    """A server session (revision 0015): a bearer token known only by its SHA-256 digest.

    ``role`` is the user's role when it was issued: a later change of role, a password
    change or a disabled account ends it (the server re-reads the user on every call).
    """

    __tablename__ = "sessions"
    __table_args__ = (Index(None, "username"), Index(None, "expires_at"))

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    username: Mapped[str] = mapped_column(String(CODE), ForeignKey("users.username"))
    role: Mapped[str] = mapped_column(String(STATE))
    kind: Mapped[str] = mapped_column(String(STATE))  # desk | wall | cli | field
    client: Mapped[str] = mapped_column(String(NAME), default="", server_default=text("''"))
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class CalendarDayRow(Base):
    """An explicit workday flag; ``source`` ``admin`` marks an override a re-seed must keep."""

    __tablename__ = "calendar_days"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    workday: Mapped[bool] = mapped_column(Boolean)
    source: Mapped[str] = mapped_column(String(CODE))
    note: Mapped[str] = mapped_column(Text, default="")


class SettingRow(Base):
    """A JSON setting by key; ``centre`` holds the :class:`CentreConfig`."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(CODE), primary_key=True)
    value: Mapped[dict[str, Any]] = mapped_column(JSON)


class CaseNoSeqRow(Base):
    """The last case number handed out per centre-local day (``YYYYMMDD``)."""

    __tablename__ = "case_no_seq"

    day: Mapped[str] = mapped_column(String(8), primary_key=True)
    last: Mapped[int] = mapped_column(Integer)


_OPEN_WHERE = text("state IN ('待受理', '核实中', '待立案', '待派遣', '待处置', '处置中', "
                   "'待核查', '核查中', '待结案', '挂账', '自处置待审核')")
#: The duplicate check's open states (revisions 0012/0014, ``case_repo.NEARBY_VALUES``): the
#: loop's, without 自处置待审核 (revision 0018 added it to the queues' indexes only).
_NEARBY_WHERE = text("state IN ('待受理', '核实中', '待立案', '待派遣', '待处置', '处置中', "
                     "'待核查', '核查中', '待结案', '挂账')")
#: Revisions 0012/0013 (the duplicate check's indexes; a cell's placed and unplaced cases in
#: two that exclude each other): on PostgreSQL the open-state list
#: wrapped in ``IS TRUE``, as ``citydesk_open_nearby`` says it: proving a bare ``IN`` list
#: against every partial index of the table costs PostgreSQL ~0.6 ms of planning per read
#: of cases, the wrapped term one comparison.  On SQLite the plain term, which it matches.
_PG_OPEN_TRUE = ("(state IN ('待受理', '核实中', '待立案', '待派遣', '待处置', '处置中', '待核查', "
                 "'核查中', '待结案', '挂账')) IS TRUE")
_UNPLACED = "(lon IS NULL OR lat IS NULL)"
_PLACED = "lat IS NOT NULL AND lon IS NOT NULL"

#: Revision 0009: partial indexes of the open cases, one per column a queue can be ordered
#: by that also has a full index (which a planner could otherwise walk through the history).
OPEN_ORDER_INDEXES: dict[str, tuple[str, ...]] = {
    "ix_cases_open_id": ("id",),
    "ix_cases_open_case_no": ("case_no",),
    "ix_cases_open_reported_at": ("reported_at", "id"),
    "ix_cases_open_updated_at": ("updated_at", "id"),
    "ix_cases_open_grid": ("grid", "id"),
    "ix_cases_open_category": ("category", "id"),
    "ix_cases_open_unit": ("unit", "id"),
    "ix_cases_open_suggested_unit": ("suggested_unit", "id"),
}


#: Revision 0024: what the light counts read of an open case (db/queue_repo.py).
OPEN_CLOCK_COLUMNS = ("unit", "grid", "state", "stage", "stage_limit", "natural_time",
                      "suspended_at", "stage_deadline")


class CaseRow(Base):
    """Every field of ``console.domain.cases.Case`` except ``photos`` (see :class:`PhotoRow`).

    The indexes serve the desks' queues: by state, by state and deadline (the countdown
    queues), a unit's open cases, a category's cases, newest first, and cases of a grid; the
    partial ones hold only the open cases, so a queue's page in any order reads only those.
    """

    __tablename__ = "cases"
    __table_args__ = (
        Index(None, "state"),
        Index(None, "state", "stage_deadline"),
        Index(None, "unit", "state"),
        Index(None, "category", "state"),
        Index(None, "reported_at"),
        Index(None, "grid"),
        # revision 0006 (0004: updated_at alone): cases changed since a period ended, and
        # whether they were reported before it, from the index
        Index(None, "updated_at", "reported_at"),
        # revision 0005: the approvals queue (pending requests; 代整改 by suggested unit)
        Index("ix_cases_awaiting", "updated_at", sqlite_where=text("pending IS NOT NULL"),
              postgresql_where=text("pending IS NOT NULL")),
        # revision 0011: a collector's waiting visits (核实 / 核查 sent to them)
        Index("ix_cases_assignee", "assignee", sqlite_where=text("assignee IS NOT NULL"),
              postgresql_where=text("assignee IS NOT NULL")),
        Index(None, "suggested_unit", "state"),
        # revision 0007 (0018: with 自处置待审核): the board's page by deadline (PostgreSQL
        # merges no per-state scans)
        Index("ix_cases_open_deadline", "stage_deadline", sqlite_where=_OPEN_WHERE,
              postgresql_where=_OPEN_WHERE),
        # revision 0024: the light counts of the desk's board and map and of the wall, read
        # from the index alone (every column they read is in it)
        Index("ix_cases_open_clock", *OPEN_CLOCK_COLUMNS, sqlite_where=_OPEN_WHERE,
              postgresql_where=_OPEN_WHERE),
        # revision 0009 (0018: with 自处置待审核): a queue page in any order from the open
        # cases alone, never a walk of the whole history through the full index of the same
        # column
        *(Index(name, *columns, sqlite_where=_OPEN_WHERE, postgresql_where=_OPEN_WHERE)
          for name, columns in OPEN_ORDER_INDEXES.items()),
        # revision 0012: the duplicate check's reads near a place (db.case_repo.open_in_box)
        Index("ix_cases_open_place", "category", "lat", "lon", "reported_at",
              sqlite_where=_NEARBY_WHERE, postgresql_where=text(_PG_OPEN_TRUE)),
        Index("ix_cases_open_placed_cell", "grid", "category", "reported_at",
              sqlite_where=text(f"{_NEARBY_WHERE.text} AND {_PLACED}"),
              postgresql_where=text(f"{_PG_OPEN_TRUE} AND {_PLACED}")),
        Index("ix_cases_open_unplaced", "category", "grid", "reported_at",
              sqlite_where=text(f"{_NEARBY_WHERE.text} AND {_UNPLACED}"),
              postgresql_where=text(f"{_PG_OPEN_TRUE} AND {_UNPLACED}")),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_no: Mapped[str] = mapped_column(String(32), unique=True)
    state: Mapped[str] = mapped_column(String(STATE))
    source: Mapped[str] = mapped_column(String(STATE))
    category: Mapped[str] = mapped_column(String(CODE))
    description: Mapped[str] = mapped_column(Text)
    reported_at: Mapped[datetime]
    reporter: Mapped[str] = mapped_column(String(NAME))
    grid: Mapped[str | None] = mapped_column(String(CODE))
    street: Mapped[str | None] = mapped_column(String(CODE))
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    address: Mapped[str] = mapped_column(Text)
    component_id: Mapped[str | None] = mapped_column(String(CODE))
    contact: Mapped[str] = mapped_column(String(NAME))
    condition: Mapped[str | None] = mapped_column(String(CODE))
    limit_class: Mapped[str] = mapped_column(String(STATE))
    unit: Mapped[str | None] = mapped_column(String(CODE))
    parent_unit: Mapped[str | None] = mapped_column(String(CODE))
    suggested_unit: Mapped[str | None] = mapped_column(String(CODE))
    routing_rule: Mapped[str] = mapped_column(Text)
    substitute: Mapped[bool] = mapped_column(Boolean)
    verified: Mapped[bool | None] = mapped_column(Boolean)
    natural_time: Mapped[bool] = mapped_column(Boolean)
    stage: Mapped[str | None] = mapped_column(String(STATE))
    stage_started_at: Mapped[datetime | None]
    stage_limit: Mapped[int | None] = mapped_column(Integer)
    stage_deadline: Mapped[datetime | None]
    suspended_at: Mapped[datetime | None]
    pending: Mapped[dict[str, Any] | None]
    rework_count: Mapped[int] = mapped_column(Integer)
    return_count: Mapped[int] = mapped_column(Integer)
    extension_count: Mapped[int] = mapped_column(Integer)
    extension_minutes: Mapped[int] = mapped_column(Integer)
    suspend_count: Mapped[int] = mapped_column(Integer)
    urge_count: Mapped[int] = mapped_column(Integer)
    handle_overdue: Mapped[bool] = mapped_column(Boolean)
    close_type: Mapped[str | None] = mapped_column(String(STATE))
    merged_into: Mapped[int | None] = mapped_column(Integer, ForeignKey("cases.id"))
    closed_at: Mapped[datetime | None]
    # revision 0011: the collector a 核实 / 核查 visit was sent to, while it waits
    assignee: Mapped[str | None] = mapped_column(String(NAME))
    version: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime | None]


class EventRow(Base):
    """One row of the append-only event log.  Nothing updates or deletes these rows."""

    __tablename__ = "case_events"
    __table_args__ = (
        Index(None, "case_id", "id"),
        Index(None, "type", "occurred_at"),
        Index(None, "unit", "occurred_at"),
        Index(None, "request_id"),
        # Revision 0004: every column the unit evaluation reads from a period's events.
        Index("ix_case_events_evaluation", "type", "occurred_at", "unit", "case_id", "on_time",
              "stage"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(Integer, ForeignKey("cases.id"))
    type: Mapped[str] = mapped_column(String(CODE))
    from_state: Mapped[str | None] = mapped_column(String(STATE))
    to_state: Mapped[str] = mapped_column(String(STATE))
    actor: Mapped[str] = mapped_column(String(NAME))
    role: Mapped[str] = mapped_column(String(STATE))
    desk: Mapped[str] = mapped_column(String(NAME))
    unit: Mapped[str | None] = mapped_column(String(CODE))
    stage: Mapped[str | None] = mapped_column(String(STATE))
    stage_deadline: Mapped[datetime | None]
    on_time: Mapped[bool | None] = mapped_column(Boolean)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    occurred_at: Mapped[datetime]
    # Revision 0002: the desk's action id, and the SHA-256 chain (console.domain.audit).
    request_id: Mapped[str | None] = mapped_column(String(CODE))
    hash: Mapped[str | None] = mapped_column(String(64))
    # Revision 0016: the chain key the row was chained with (NULL: the unkeyed sha256 scheme).
    key_id: Mapped[str | None] = mapped_column(String(KEY_ID))


class PresenceRow(Base):
    """One desk's heartbeat: who sits there and which case they have open.

    A row older than the presence time-to-live is ignored (and pruned), so a desk that dies
    without signing out disappears on its own.
    """

    __tablename__ = "desk_presence"
    __table_args__ = (Index(None, "case_id"), Index(None, "seen_at"))

    desk: Mapped[str] = mapped_column(String(NAME), primary_key=True)
    username: Mapped[str] = mapped_column(String(CODE))
    name: Mapped[str] = mapped_column(String(NAME))
    role: Mapped[str] = mapped_column(String(STATE))
    case_id: Mapped[int | None] = mapped_column(Integer)
    since: Mapped[datetime]
    seen_at: Mapped[datetime]


class PhotoRow(Base):
    """A photo of a case; the bytes are deferred so listing photos never loads images."""

    __tablename__ = "photos"
    __table_args__ = (Index(None, "case_id", "id"),
                      # revision 0022: the worker's sweep of photos left staged
                      Index("ix_photos_staged", "uploaded_at",
                            postgresql_where=text("staged"), sqlite_where=text("staged")))

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    # revision 0022: NULL while a new report's photo is staged (its case not yet written)
    case_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("cases.id"), nullable=True)
    event_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("case_events.id"))
    kind: Mapped[str] = mapped_column(String(STATE))
    filename: Mapped[str] = mapped_column(String(NAME))
    mime: Mapped[str] = mapped_column(String(CODE))
    size: Mapped[int] = mapped_column(Integer)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    thumbnail: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    uploaded_at: Mapped[datetime]
    uploaded_by: Mapped[str] = mapped_column(String(NAME))
    # Revision 0021: a video snapshot's camera and the frame's instant (NULL for other photos).
    camera_code: Mapped[str | None] = mapped_column(String(CODE))
    frame_at: Mapped[datetime | None]
    # Revision 0022: stored in its own transaction before its events' (issue #14) and shown
    # only once :meth:`~db.photo_repo.SqlPhotoStore.attach` hangs it on its event.
    staged: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))


EXTERNAL_ID = 128  # ids other systems give their records (Open311 ids, file keys)


class IntakeLinkRow(Base):
    """A case an intake channel created, by the channel's own id for the record.

    The unique (channel, external id) pair is what makes a second poll or a re-run after a
    crash create nothing: the link commits in the case's own transaction.
    """

    __tablename__ = "intake_links"
    __table_args__ = (UniqueConstraint("channel", "external_id"), Index(None, "case_id"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    channel: Mapped[str] = mapped_column(String(CODE))
    external_id: Mapped[str] = mapped_column(String(EXTERNAL_ID))
    case_id: Mapped[int] = mapped_column(Integer, ForeignKey("cases.id"))
    request_id: Mapped[str] = mapped_column(String(CODE))
    payload_hash: Mapped[str] = mapped_column(String(64))
    remote_status: Mapped[str | None] = mapped_column(String(CODE))
    remote_updated_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class IntakeProblemRow(Base):
    """A record an intake channel could not take in: raw payload, reason, status."""

    __tablename__ = "intake_problems"
    __table_args__ = (UniqueConstraint("channel", "external_id"), Index(None, "status", "id"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    channel: Mapped[str] = mapped_column(String(CODE))
    external_id: Mapped[str] = mapped_column(String(EXTERNAL_ID))
    parser: Mapped[str] = mapped_column(String(STATE))
    kind: Mapped[str] = mapped_column(String(STATE))
    reason: Mapped[str] = mapped_column(Text)
    raw: Mapped[dict[str, Any]] = mapped_column(JSON)
    payload_hash: Mapped[str] = mapped_column(String(64))
    external_code: Mapped[str | None] = mapped_column(String(EXTERNAL_ID))
    status: Mapped[str] = mapped_column(String(STATE))
    attempts: Mapped[int] = mapped_column(Integer)
    case_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("cases.id"))
    first_seen: Mapped[datetime]
    last_seen: Mapped[datetime]


class IntakeMappingRow(Base):
    """One row of a channel's mapping table: its service code → a CityDesk category."""

    __tablename__ = "intake_mappings"

    channel: Mapped[str] = mapped_column(String(CODE), primary_key=True)
    external_code: Mapped[str] = mapped_column(String(EXTERNAL_ID), primary_key=True)
    category: Mapped[str] = mapped_column(String(CODE), ForeignKey("categories.code"))
    note: Mapped[str] = mapped_column(Text)
    updated_by: Mapped[str] = mapped_column(String(NAME))
    updated_at: Mapped[datetime]


class IntakeOutboxRow(Base):
    """A status change of a linked case waiting to be pushed back to its channel."""

    __tablename__ = "intake_outbox"
    __table_args__ = (UniqueConstraint("event_id"), Index(None, "channel", "state", "id"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    channel: Mapped[str] = mapped_column(String(CODE))
    external_id: Mapped[str] = mapped_column(String(EXTERNAL_ID))
    case_id: Mapped[int] = mapped_column(Integer, ForeignKey("cases.id"))
    event_id: Mapped[int] = mapped_column(BigId, ForeignKey("case_events.id"))
    status: Mapped[str] = mapped_column(String(STATE))
    extended_status: Mapped[str] = mapped_column(String(STATE))
    notes: Mapped[str] = mapped_column(Text)
    occurred_at: Mapped[datetime]
    created_at: Mapped[datetime]
    state: Mapped[str] = mapped_column(String(STATE))
    attempts: Mapped[int] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]


class IntakeCursorRow(Base):
    """A channel's saved position: the last poll window, the last event queued for push …"""

    __tablename__ = "intake_cursors"

    channel: Mapped[str] = mapped_column(String(CODE), primary_key=True)
    key: Mapped[str] = mapped_column(String(CODE), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime]


class ChainHeadRow(Base):
    """Where a chained log ends (revision 0016): one row per log, ``events`` and ``admin``.

    Appends lock their log's row (``SELECT … FOR UPDATE`` on PostgreSQL, which needs the
    UPDATE privilege: the read-only wall role cannot take it) and move it in the same
    transaction, so the chain's order is the commit order.  Rows of the log beyond
    ``last_id`` were not appended through the chain: desks following the log ignore them.
    """

    __tablename__ = "chain_heads"

    name: Mapped[str] = mapped_column(String(KEY_ID), primary_key=True)
    last_id: Mapped[int] = mapped_column(BigInteger)
    value: Mapped[str] = mapped_column(String(64))


class AdminLogRow(Base):
    """One row of the append-only admin log (revision 0016, ``console.domain.admin_log``)."""

    __tablename__ = "admin_log"
    __table_args__ = (Index(None, "subject", "target", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    occurred_at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(NAME))
    role: Mapped[str] = mapped_column(String(STATE))
    desk: Mapped[str] = mapped_column(String(NAME))
    action: Mapped[str] = mapped_column(String(CODE))
    subject: Mapped[str] = mapped_column(String(CODE))  # the table changed ("users" …)
    target: Mapped[str] = mapped_column(String(NAME))  # the key of its row
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    key_id: Mapped[str | None] = mapped_column(String(KEY_ID))
    hash: Mapped[str] = mapped_column(String(64))


class PositionRow(Base):
    """One fix of a collector's phone (revision 0017): WGS-84, its instant in UTC.

    ``t`` is the fix's own instant (the phone's), ``received_at`` the server's clock when it
    arrived.  Read by collector and time (``(username, t)``); on PostgreSQL a BRIN index on
    ``t`` serves the retention's range delete and the day's track over an append-mostly table
    at a fraction of a B-tree's size (elsewhere it is a plain index).
    """

    __tablename__ = "collector_positions"
    __table_args__ = (
        Index(None, "username", "t"),
        Index("ix_collector_positions_t", "t", postgresql_using="brin"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(CODE), ForeignKey("users.username"))
    t: Mapped[datetime]
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    accuracy: Mapped[float | None] = mapped_column(Float)  # metres
    speed: Mapped[float | None] = mapped_column(Float)  # metres per second
    battery: Mapped[float | None] = mapped_column(Float)  # percent
    received_at: Mapped[datetime]


class DeviceKeyRow(Base):
    """A collector's tracking-device key (revision 0017), known only by its SHA-256 digest.

    An off-the-shelf tracking app (Traccar Client, OsmAnd) sends positions to ``/osmand``
    with ``id=USER:KEY``; ``citydesk user device-key USER`` issues a new key, printed once.
    """

    __tablename__ = "device_keys"

    username: Mapped[str] = mapped_column(String(CODE), ForeignKey("users.username"),
                                          primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]


class AlarmRow(Base):
    """A collector's 离线 / 越界 / 停留 alarm (revision 0019), raised by ``citydesk worker``.

    ``started_at`` is when the condition began, ``ended_at`` when it ended (NULL while it
    holds), ``raised_at`` when the worker raised it; a desk's Ctrl+K fills the acknowledgement.
    One alarm per collector, kind and start: a second worker raising the same one is refused.
    """

    __tablename__ = "collector_alarms"
    __table_args__ = (
        UniqueConstraint("username", "kind", "started_at",
                         name="uq_collector_alarms_username_kind_started_at"),
        Index(None, "raised_at"),
        Index("ix_collector_alarms_open", "username", sqlite_where=text("ended_at IS NULL"),
              postgresql_where=text("ended_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(CODE), ForeignKey("users.username"))
    kind: Mapped[str] = mapped_column(String(STATE))
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    raised_at: Mapped[datetime]
    acknowledged_by: Mapped[str | None] = mapped_column(String(CODE))
    acknowledged_at: Mapped[datetime | None]
    detail: Mapped[dict[str, Any]] = mapped_column(JSON)


class GazetteerRow(Base):
    """A place of the gazetteer (门牌 / POI, revision 0020), stored in WGS-84.

    ``key`` is name and address as search compares them (console.domain.gazetteer.place_key):
    unique, so a place is never stored twice.  ``initials`` are the name's pinyin initials,
    computed at import (the search index is built from them without pypinyin).  ``crs`` is
    the datum the file gave (the position is converted), ``source`` the file's name.
    """

    __tablename__ = "gazetteer_places"
    __table_args__ = (UniqueConstraint("key", name="uq_gazetteer_places_key"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(100))
    address: Mapped[str] = mapped_column(String(200))
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    initials: Mapped[str] = mapped_column(String(100))
    key: Mapped[str] = mapped_column(String(320))
    crs: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(200))
    imported_by: Mapped[str] = mapped_column(String(CODE))
    imported_at: Mapped[datetime]


class CameraRow(Base):
    """A camera of the registry (revision 0021), positioned in WGS-84.

    ``code`` is the GB/T 28181 id where the camera has one, else the centre's own code;
    ``crs`` is the datum the import file gave (the position is converted).  ``platform`` is
    empty for a camera played from its own URLs, else the name of a platform in video.toml
    whose id for the camera is ``platform_id``.  ``online``/``checked_at`` are the worker's.
    """

    __tablename__ = "cameras"
    __table_args__ = (UniqueConstraint("code", name="uq_cameras_code"), Index(None, "cell"),
                      Index(None, "group_name"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(CODE))
    name: Mapped[str] = mapped_column(String(NAME))
    group_name: Mapped[str] = mapped_column(String(100))
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    crs: Mapped[str] = mapped_column(String(16))
    cell: Mapped[str | None] = mapped_column(String(CODE))
    platform: Mapped[str] = mapped_column(String(CODE))
    platform_id: Mapped[str] = mapped_column(String(128))
    main_url: Mapped[str] = mapped_column(String(1000))
    sub_url: Mapped[str] = mapped_column(String(1000))
    ptz: Mapped[bool] = mapped_column(Boolean)
    online: Mapped[bool | None] = mapped_column(Boolean)
    checked_at: Mapped[datetime | None]
    imported_by: Mapped[str] = mapped_column(String(CODE))
    imported_at: Mapped[datetime]


class VideoAlarmTypeRow(Base):
    """An analysis platform's alarm type and the category its cases are filed under (0021)."""

    __tablename__ = "video_alarm_types"

    alarm_type: Mapped[str] = mapped_column(String(CODE), primary_key=True)
    category: Mapped[str] = mapped_column(String(CODE))
    note: Mapped[str] = mapped_column(String(NAME))
    updated_by: Mapped[str] = mapped_column(String(CODE))
    updated_at: Mapped[datetime]


class VideoAlarmKeyRow(Base):
    """The key an analysis box posts alarms with, by its account, as a SHA-256 digest (0021)."""

    __tablename__ = "video_alarm_keys"

    username: Mapped[str] = mapped_column(String(CODE), ForeignKey("users.username"),
                                          primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]


class VideoAlarmRow(Base):
    """An AI alarm received (0021): the case it opened, or folded into (``folded``)."""

    __tablename__ = "video_alarms"
    __table_args__ = (Index(None, "camera_code", "alarm_type", "occurred_at"),
                      Index(None, "case_id"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    camera_code: Mapped[str] = mapped_column(String(CODE))
    alarm_type: Mapped[str] = mapped_column(String(CODE))
    occurred_at: Mapped[datetime]
    received_at: Mapped[datetime]
    sender: Mapped[str] = mapped_column(String(CODE))
    case_id: Mapped[int] = mapped_column(Integer, ForeignKey("cases.id"))
    folded: Mapped[bool] = mapped_column(Boolean)
    photo_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("photos.id"))

"""Reference data in SQL: the :class:`~console.services.uow.ReferenceRepository` port.

Writes are "make the table say this" upserts that touch only rows whose values differ and
return how many they touched, so ``citydesk init`` run twice reports 0 changes the second time
and an administrator can trust that number.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from datetime import date
from typing import Any, TypeVar

from sqlalchemy import delete, insert, inspect, select, update
from sqlalchemy.orm import Session

from console.domain.reference import (
    CalendarDay,
    Category,
    CentreConfig,
    ComponentInstance,
    GridCell,
    ReferenceSet,
    RoutingRule,
    Unit,
    User,
)
from console.services.uow import IMPORTED_YEARS
from db import reference_codec as codec
from db.tables import (
    Base,
    CalendarDayRow,
    CategoryRow,
    ComponentRow,
    GridCellRow,
    RoutingRuleRow,
    SettingRow,
    UnitRow,
    UserRow,
)

CONFIG_KEY = "centre"
"""Key of the settings row holding the :class:`CentreConfig`."""

EDITS_KEY = "admin_edits"
"""Key of the settings row listing, per table, the codes an administrator edited."""

ADMIN_SOURCE = "admin"

_R = TypeVar("_R", bound=Base)

# Given (stored, new) column values, True keeps the stored row even though they differ.
Keep = Callable[[Mapping[str, Any], Mapping[str, Any]], bool]


class SqlReferenceRepository:
    """Read reference data as one :class:`ReferenceSet`; write it with idempotent upserts.

    Parameters
    ----------
    session : Session
        The unit of work's session.
    """

    def __init__(self, session: Session) -> None:
        self._session = session

    def load(self) -> ReferenceSet:
        """Everything, as one immutable set (config defaults when none was saved)."""
        categories = [codec.category_from(r) for r in self._all(CategoryRow)]
        units = [codec.unit_from(r) for r in self._all(UnitRow)]
        rules = self._all(RoutingRuleRow, RoutingRuleRow.position)
        components = [codec.component_from(r) for r in self._all(ComponentRow)]
        grids = [codec.grid_from(r) for r in self._all(GridCellRow)]
        days = self._all(CalendarDayRow, CalendarDayRow.day)
        users = [codec.user_from(r) for r in self._all(UserRow)]
        return ReferenceSet(
            config=self._config(),
            categories={c.code: c for c in categories},
            units={u.code: u for u in units},
            rules=tuple(codec.rule_from(r) for r in rules),
            components={c.id: c for c in components},
            grids={g.code: g for g in grids},
            calendar_days=tuple(codec.day_from(r) for r in days),
            users={u.username: u for u in users},
            imported_years=frozenset(
                int(y) for y in self.edited_keys().get(IMPORTED_YEARS, ()) if y.isdigit()),
        )

    def _all(self, table: type[_R], *order_by: Any) -> Sequence[_R]:
        # populate_existing: the bulk UPDATEs below bypass the identity map, so a row this
        # session loaded before them would otherwise come back with its old values.
        stmt = select(table).order_by(*order_by).execution_options(populate_existing=True)
        return self._session.scalars(stmt).all()

    def save_config(self, config: CentreConfig) -> None:
        """Store the centre's settings (written only if they changed)."""
        _upsert(
            self._session, SettingRow, [{"key": CONFIG_KEY, "value": codec.config_to_json(config)}]
        )

    def upsert_units(self, units: Sequence[Unit], *, by_admin: bool = False) -> int:
        """Insert or update by code; returns how many rows changed.

        ``by_admin`` marks the rows as an administrator's edit, which a later call without it
        (``citydesk init``) keeps; categories and grid cells work the same way.  An edited
        row whose English name is still empty (edited before revision 0010 brought the
        column) gets the file's: there is no administrator's English name to keep.
        """
        rows = [codec.unit_values(unit) for unit in units]
        changed = self._upsert_owned(UnitRow, "units", rows, by_admin)
        if by_admin:
            return changed
        return changed + self._fill_english(UnitRow, "units", rows, ("name_en",))

    def upsert_categories(self, categories: Sequence[Category], *, by_admin: bool = False
                          ) -> int:
        """Insert or update by code; returns how many rows changed.

        Aliases belong to the centre's file even in a row an administrator edited (the admin
        screen does not edit them), so ``citydesk init`` still brings a new alias to it.
        """
        rows = [codec.category_values(cat) for cat in categories]
        changed = self._upsert_owned(CategoryRow, "categories", rows, by_admin)
        if by_admin:
            return changed
        edited = self.edited_keys().get("categories", frozenset())
        stored = set(self._session.scalars(select(CategoryRow.code)))
        # Only the aliases column of rows that exist: _upsert compares just the columns given.
        only_aliases = [{"code": row["code"], "aliases": row["aliases"]} for row in rows
                        if row["code"] in edited and row["code"] in stored]
        return changed + _upsert(self._session, CategoryRow, only_aliases)

    def replace_rules(self, rules: Sequence[RoutingRule]) -> int:
        """Make the matrix exactly ``rules`` (in order); returns how many rows changed.

        Rows are compared position by position, so an identical matrix costs no writes.
        """
        changed = _upsert(
            self._session,
            RoutingRuleRow,
            (codec.rule_values(i, rule) for i, rule in enumerate(rules)),
        )
        stale = self._session.scalars(
            select(RoutingRuleRow.position).where(RoutingRuleRow.position >= len(rules))
        ).all()
        if stale:
            self._session.execute(
                delete(RoutingRuleRow).where(RoutingRuleRow.position >= len(rules))
            )
        return changed + len(stale)

    def upsert_components(self, components: Sequence[ComponentInstance]) -> int:
        """Insert or update by id; returns how many rows changed."""
        return _upsert(self._session, ComponentRow, map(codec.component_values, components))

    def upsert_grids(self, grids: Sequence[GridCell], *, by_admin: bool = False) -> int:
        """Insert or update by code; returns how many rows changed (English names as units)."""
        rows = [codec.grid_values(cell) for cell in grids]
        changed = self._upsert_owned(GridCellRow, "grids", rows, by_admin)
        if by_admin:
            return changed
        return changed + self._fill_english(GridCellRow, "grids", rows,
                                            ("street_en", "community_en"))

    def _fill_english(self, table: type[UnitRow] | type[GridCellRow], name: str,
                      rows: Sequence[dict[str, Any]], columns: tuple[str, ...]) -> int:
        """Give administrator-edited rows the file's English names where theirs are empty."""
        edited = self.edited_keys().get(name, frozenset())
        if not edited:
            return 0
        stored = {values["code"]: values for values in (
            r._asdict() for r in self._session.execute(
                select(table.code, *(getattr(table, c) for c in columns))))}
        fills = []
        for row in rows:
            have = stored.get(row["code"])
            if row["code"] not in edited or have is None:
                continue
            empty = {c: row[c] for c in columns if not have[c] and row[c]}
            if empty:
                fills.append({"code": row["code"], **empty})
        # Only the empty English columns: _upsert compares and writes just the columns given.
        return _upsert(self._session, table, fills)

    def edited_keys(self) -> Mapping[str, frozenset[str]]:
        """Codes an administrator edited, by table (``units``, ``categories``, ``grids``)."""
        doc = self._session.scalar(select(SettingRow.value).where(SettingRow.key == EDITS_KEY))
        return {table: frozenset(codes) for table, codes in (doc or {}).items()}

    def _upsert_owned(self, table: type[Base], name: str, rows: Iterable[dict[str, Any]],
                      by_admin: bool) -> int:
        # Once an administrator has edited a row it is theirs, as with users and calendar
        # overrides: re-running init after an upgrade must not quietly undo a changed limit.
        # The codes are listed in a settings row rather than a column, so no migration.
        edited = self.edited_keys()
        mine = edited.get(name, frozenset())
        if not by_admin:
            return _upsert(self._session, table, rows,
                           keep=lambda stored, _new: stored["code"] in mine)
        wanted = list(rows)
        changed = _upsert(self._session, table, wanted)
        self.mark_edited(name, [str(row["code"]) for row in wanted])
        return changed

    def mark_edited(self, name: str, codes: Collection[str]) -> None:
        """Add codes to the administrator-edited list of ``name`` (written only if it grows)."""
        edited = self.edited_keys()
        mine = edited.get(name, frozenset())
        marked = mine | set(codes)
        if marked != mine:
            doc = {t: sorted(c) for t, c in edited.items()}
            doc[name] = sorted(marked)
            _upsert(self._session, SettingRow, [{"key": EDITS_KEY, "value": doc}])

    def delete_calendar_day(self, day: date) -> bool:
        """Remove the flag stored for ``day`` (whatever its source); False if there was none."""
        result = self._session.execute(delete(CalendarDayRow).where(CalendarDayRow.day == day))
        return bool(getattr(result, "rowcount", 0))

    def upsert_users(self, users: Sequence[User]) -> int:
        """Insert users not yet stored; returns how many were added.

        Once a user exists the administrator owns it (``citydesk user …``, the admin screen):
        re-running ``init`` must not re-enable someone disabled or undo a role change.
        """
        return _upsert(self._session, UserRow, map(codec.user_values, users),
                       keep=lambda stored, new: True)

    def upsert_calendar_days(self, days: Sequence[CalendarDay]) -> int:
        """Insert or update flags by date; an ``admin`` row is only replaced by another."""
        return _upsert(self._session, CalendarDayRow, map(codec.day_values, days), keep=_admin_wins)

    def _config(self) -> CentreConfig:
        doc = self._session.scalar(select(SettingRow.value).where(SettingRow.key == CONFIG_KEY))
        return CentreConfig() if doc is None else codec.config_from_json(doc)


def _admin_wins(stored: Mapping[str, Any], new: Mapping[str, Any]) -> bool:
    # An administrator's override must survive the yearly re-seed from chinesecalendar.
    return bool(stored["source"] == ADMIN_SOURCE and new["source"] != ADMIN_SOURCE)


def _upsert(
    session: Session, table: type[Base], rows: Iterable[dict[str, Any]], keep: Keep | None = None
) -> int:
    """Insert new rows and update differing ones by primary key; returns how many changed.

    Stored rows are read whole and compared in Python: reference tables hold thousands of rows
    at most, and one SELECT beats a round trip per row.  Later duplicates of a key win.
    """
    mapper = inspect(table)
    (pk,) = (str(col.key) for col in mapper.primary_key)
    columns = [attr.key for attr in mapper.column_attrs]
    wanted = {row[pk]: row for row in rows}
    if not wanted:
        return 0
    # Plain column tuples, not ORM objects: nothing lands in the identity map to go stale.
    stmt = select(*(getattr(table, c) for c in columns))
    stored = {values[pk]: values for values in (row._asdict() for row in session.execute(stmt))}
    # Compare only the columns the caller supplies: later revisions add columns (a user's
    # password hash) that reference files never carry.
    inserts = [row for key, row in wanted.items() if key not in stored]
    updates = [
        row
        for key, row in wanted.items()
        if key in stored
        and any(stored[key][c] != v for c, v in row.items())
        and not (keep is not None and keep(stored[key], row))
    ]
    if inserts:
        session.execute(insert(table), inserts)
    if updates:
        session.execute(update(table), updates)
    return len(inserts) + len(updates)

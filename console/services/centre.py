"""The running centre: reference data, the work calendar and the workflow context, built once.

A :class:`Centre` is immutable; after an administrator changes reference data the composition
root builds a new one with :func:`load_centre`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo
from functools import cached_property
from zoneinfo import ZoneInfo

from console.domain.calendar import WorkCalendar, seeded_years
from console.domain.cases import Actor, Role
from console.domain.category_search import CategoryIndex, CategoryMatch, parse_legacy_kind
from console.domain.errors import NotFoundError, ValidationError
from console.domain.reference import Category, CategoryKind, GridCell, ReferenceSet, User
from console.domain.transitions import WorkflowContext
from console.services.uow import UnitOfWork


@dataclass(frozen=True)
class Centre:
    """Everything a use case needs besides the database: reference data, clock, context."""

    ref: ReferenceSet
    calendar: WorkCalendar
    ctx: WorkflowContext

    @property
    def tz(self) -> tzinfo:
        """The centre's time zone (Asia/Shanghai by default)."""
        return self.calendar.tz

    def local(self, instant: datetime) -> datetime:
        """An instant in the centre's zone, for display and case numbers."""
        return instant.astimezone(self.tz)

    @cached_property
    def category_index(self) -> CategoryIndex:
        """The categories' search keys, built on first use and kept as long as the centre."""
        # A cached_property works on this frozen dataclass: it writes the instance __dict__
        # directly.  A new Centre (after an administrator's change) gets a new index.
        return CategoryIndex(self.ref.categories.values())

    def category_match(self, text: str, legacy_kind: CategoryKind | str | None = None
                       ) -> CategoryMatch:
        """The category ``text`` means and how it was found (see console.domain.category_search).

        ``legacy_kind`` (``component`` / ``event``) is the meaning a legacy CJ/T 214 code is
        given in; a legacy code with a component and an event meaning needs it.  Raises
        AmbiguousCategoryError or UnknownCategoryError (both NotFoundError), each listing
        candidates, or ValidationError for a kind that is neither.
        """
        kind = None if legacy_kind is None else parse_legacy_kind(legacy_kind)
        return self.category_index.resolve(text, kind)

    def category(self, text: str, legacy_kind: CategoryKind | str | None = None) -> Category:
        """A category by code, legacy code, name, alias, pinyin initials or a unique fragment."""
        return self.category_match(text, legacy_kind).category

    def grid(self, code: str) -> GridCell:
        """A grid cell by its 15-digit code."""
        cell = self.ref.grids.get(code.strip())
        if cell is None:
            raise NotFoundError(f"未知的单元网格 {code!r}（应为 15 位网格编码）/ unknown grid cell")
        return cell

    def user(self, username: str) -> User:
        """An active user by name."""
        user = self.ref.users.get(username)
        if user is None or not user.active:
            raise NotFoundError(f"未知或已停用的用户 {username!r} / unknown or disabled user")
        return user

    def actor(self, username: str, desk: str = "") -> Actor:
        """The actor a user acts as (their role, their unit)."""
        user = self.user(username)
        try:
            role = Role(user.role)
        except ValueError:
            raise ValidationError(
                f"用户 {username} 的角色 {user.role!r} 无效 / invalid role") from None
        grids = tuple(user.grids) if role is Role.COLLECTOR else ()
        return Actor(user.username, role, user.unit, desk, grids)


def build_centre(ref: ReferenceSet) -> Centre:
    """Make the calendar and workflow context from reference data."""
    config = ref.config
    try:
        tz = ZoneInfo(config.timezone)
    except (KeyError, ValueError):
        raise ValidationError(f"未知的时区 {config.timezone!r} / unknown time zone") from None
    calendar = WorkCalendar(tz, config.windows, ref.calendar_days,
                            covered_years=seeded_years(ref.calendar_days) | ref.imported_years)
    ctx = WorkflowContext(
        clock=calendar,
        stage_limits=config.stage_limits,
        categories=ref.categories,
        units=ref.units,
        verify_sources=frozenset(config.verify_sources),
    )
    return Centre(ref, calendar, ctx)


def load_centre(uow: UnitOfWork) -> Centre:
    """Read the reference set and build the centre."""
    with uow:
        ref = uow.reference.load()
    if not ref.categories:
        raise ValidationError("数据库尚未初始化：请先运行 citydesk init / run 'citydesk init' first")
    return build_centre(ref)

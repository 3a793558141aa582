"""The running centre: reference data, the work calendar and the workflow context, built once.

A :class:`Centre` is immutable; after an administrator changes reference data the composition
root builds a new one with :func:`load_centre`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo
from zoneinfo import ZoneInfo

from console.domain.calendar import WorkCalendar
from console.domain.cases import Actor, Role
from console.domain.errors import NotFoundError, ValidationError
from console.domain.reference import Category, GridCell, ReferenceSet, User
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

    def category(self, code_or_name: str) -> Category:
        """A category by 5-digit code, legacy 4-digit code or exact Chinese name."""
        key = code_or_name.strip()
        cats = self.ref.categories
        if key in cats:
            return cats[key]
        for cat in cats.values():
            if key in (cat.name_zh, cat.legacy_code):
                return cat
        raise NotFoundError(f"未知的案件类别 {code_or_name!r}（请用 5 位类别代码或完整中文名称）")

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
            raise ValidationError(f"用户 {username} 的角色 {user.role!r} 无效") from None
        return Actor(user.username, role, user.unit, desk)


def build_centre(ref: ReferenceSet) -> Centre:
    """Make the calendar and workflow context from reference data."""
    config = ref.config
    try:
        tz = ZoneInfo(config.timezone)
    except (KeyError, ValueError):
        raise ValidationError(f"未知的时区 {config.timezone!r} / unknown time zone") from None
    calendar = WorkCalendar(tz, config.windows, ref.calendar_days)
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

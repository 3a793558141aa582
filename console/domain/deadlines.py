"""Stage deadlines, remaining working time and the green / yellow / red light.

Each open state belongs to one timed stage (``cases.STAGE_OF``).  受理/核实/立案/派遣/核查/结案 limits
come from the centre's configuration; 处置 limits from the category and its limit class, in
natural minutes for categories that count wall-clock time.  Suspension stops the clock: the
countdown is frozen at ``suspended_at`` and, on resume, the deadline moves by the paused working
time.  An approved extension moves the deadline and grows the limit.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from console.domain.cases import Case, Stage
from console.domain.errors import ValidationError
from console.domain.reference import Category, LimitClass


class WorkingClock(Protocol):
    """What deadlines need of a calendar (implemented by ``calendar.WorkCalendar``)."""

    def add_for(self, start: datetime, minutes: int, natural: bool) -> datetime: ...

    def between_for(self, a: datetime, b: datetime, natural: bool) -> int: ...

    def between_seconds_for(self, a: datetime, b: datetime, natural: bool) -> float: ...


class MemoClock:
    """A :class:`WorkingClock` that computes each distinct ``add_for`` once.

    For a batch of reports taken in at one instant: every new case's 受理 deadline is the same
    ``add_for(now, limit, False)``.  The answer depends only on the instant, the minutes and
    the axis, so it is keyed by the instant with its UTC offset (two wall times of one zone
    that differ only in ``fold`` compare equal but are different instants).  Errors are not
    remembered: a bad instant raises on every call, as with the wrapped clock.

    Parameters
    ----------
    clock : WorkingClock
        The clock answering everything this one has not seen yet.
    """

    __slots__ = ("_adds", "_clock")

    def __init__(self, clock: WorkingClock) -> None:
        self._clock = clock
        self._adds: dict[tuple[datetime, timedelta | None, int, bool], datetime] = {}

    def add_for(self, start: datetime, minutes: int, natural: bool) -> datetime:
        """``clock.add_for(start, minutes, natural)``, remembered."""
        key = (start, start.utcoffset(), minutes, natural)
        found = self._adds.get(key)
        if found is None:
            found = self._adds[key] = self._clock.add_for(start, minutes, natural)
        return found

    def between_for(self, a: datetime, b: datetime, natural: bool) -> int:
        """``clock.between_for(a, b, natural)``."""
        return self._clock.between_for(a, b, natural)

    def between_seconds_for(self, a: datetime, b: datetime, natural: bool) -> float:
        """``clock.between_seconds_for(a, b, natural)``."""
        return self._clock.between_seconds_for(a, b, natural)


class Light(enum.StrEnum):
    """The traffic light of a running stage."""

    GREEN = "green"
    YELLOW = "yellow"
    RED = "red"


LIGHT_ZH: Mapping[Light, str] = {Light.GREEN: "绿灯", Light.YELLOW: "黄灯", Light.RED: "红灯"}


@dataclass(frozen=True, slots=True)
class Countdown:
    """Where a stage's clock stands: minutes left (negative when overdue) and the light."""

    stage: str
    limit: int
    remaining: int
    used_fraction: float
    light: Light
    natural: bool
    frozen: bool  # True while suspended

    @property
    def text(self) -> str:
        """``剩 1:23`` or ``超 0:40`` in hours:minutes of (working) time."""
        return format_remaining(self.remaining)


@dataclass(frozen=True, slots=True)
class StagePlan:
    """The clock a new stage starts with."""

    stage: Stage
    limit: int
    natural: bool


def format_remaining(minutes: int) -> str:
    """Render signed minutes as the console shows them: ``剩 1:23`` / ``超 0:40``."""
    sign = "剩" if minutes >= 0 else "超"
    m = abs(minutes)
    return f"{sign} {m // 60}:{m % 60:02d}"


def is_on_time(clock: WorkingClock, done: datetime, deadline: datetime, natural: bool) -> bool:
    """True when ``done`` is not past ``deadline`` on the stage's own time axis.

    Working time does not pass at lunch or at night, so a deadline of 12:00 met at 12:30 is met:
    no working minute was overrun.
    """
    return clock.between_seconds_for(done, deadline, natural) >= 0


def light_for(used_fraction: float, remaining: int, yellow_at: float = 0.8) -> Light:
    """Green below ``yellow_at`` of the limit used, yellow up to the deadline, red past it."""
    if remaining < 0:
        return Light.RED
    if used_fraction >= yellow_at:
        return Light.YELLOW
    return Light.GREEN


def plan_stage(
    stage: Stage,
    stage_limits: Mapping[str, int],
    category: Category | None = None,
    limit_class: str = LimitClass.GENERAL,
) -> StagePlan:
    """The limit a stage starts with: configured per stage, per category for 处置."""
    if stage is Stage.HANDLE:
        if category is None:
            raise ValidationError("处置时限需要案件类别 / the handling limit needs a category")
        try:
            cls = LimitClass(limit_class)
        except ValueError:
            raise ValidationError(
                f"未知的时限类别 {limit_class!r}（一般性/工程性/特殊性）/ unknown limit class"
            ) from None
        return StagePlan(stage, category.limit_for(cls), category.natural_time)
    try:
        return StagePlan(stage, int(stage_limits[stage.value]), False)
    except KeyError:
        raise ValidationError(f"未配置 {stage.value} 阶段时限 / no limit set for stage") from None


def countdown(
    case: Case, now: datetime, clock: WorkingClock, yellow_at: float = 0.8
) -> Countdown | None:
    """The running stage's countdown at ``now``, or None when no clock runs (terminal state)."""
    if case.stage_deadline is None or case.stage_limit is None or case.stage is None:
        return None
    natural = case.natural_time and case.stage == Stage.HANDLE.value
    at = case.suspended_at if case.suspended_at is not None else now
    seconds = clock.between_seconds_for(at, case.stage_deadline, natural)
    # Whole minutes, rounded toward "more overdue": 30 s past the deadline shows 超 0:01, red.
    remaining = math.floor(seconds / 60)
    limit = max(case.stage_limit, 1)
    used = (limit - remaining) / limit
    return Countdown(
        stage=case.stage,
        limit=case.stage_limit,
        remaining=remaining,
        used_fraction=used,
        light=light_for(used, remaining, yellow_at),
        natural=natural,
        frozen=case.suspended_at is not None,
    )

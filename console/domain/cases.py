"""The case aggregate and its vocabulary: states, sources, roles, stages, events.

A :class:`Case` is a frozen snapshot; :func:`console.domain.workflow.apply` returns a new one
plus the :class:`Event` rows that explain the change.  Nothing here reads a clock.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


class Source(enum.StrEnum):
    """问题来源: where a report came from."""

    COLLECTOR = "监督员上报"
    PUBLIC = "公众举报"
    HOTLINE = "12345热线"
    WEB = "网络/微信"
    VIDEO = "视频智能发现"
    VIDEO_PATROL = "视频上报"  # a video-patrol seat saw it (eGova keeps it apart from 智能分析)
    LEADER = "领导交办"
    MEDIA = "媒体曝光"


class Role(enum.StrEnum):
    """Seats of the centre; each transition lists the roles that may run it."""

    ACCEPTOR = "受理员"
    DISPATCHER = "派遣员"
    SUPERVISOR = "值班长"
    COLLECTOR = "监督员"
    UNIT = "责任单位"
    ADMIN = "管理员"
    WALL = "大屏只读"


class CaseState(enum.StrEnum):
    """Where a case stands in the seven-step loop (and its side paths)."""

    REPORTED = "待受理"
    VERIFYING = "核实中"
    ACCEPTED = "待立案"
    FILED = "待派遣"
    DISPATCHED = "待处置"
    HANDLING = "处置中"
    HANDLED = "待核查"
    CHECKING = "核查中"
    TO_CLOSE = "待结案"
    SUSPENDED = "挂账"
    #: 自处置: a collector fixed a minor problem on the spot and reported it with photos
    #: before and after; a 受理员 approves it (closed) or rejects it (an ordinary new report).
    SELF_HANDLED = "自处置待审核"
    CLOSED = "已结案"
    REFUSED = "不予受理"
    NOT_FILED = "不予立案"
    VOIDED = "已作废"
    MERGED = "已合并"

    @property
    def is_terminal(self) -> bool:
        """True for states no command leaves."""
        return self in TERMINAL_STATES


TERMINAL_STATES = frozenset(
    {
        CaseState.CLOSED,
        CaseState.REFUSED,
        CaseState.NOT_FILED,
        CaseState.VOIDED,
        CaseState.MERGED,
    }
)


class Stage(enum.StrEnum):
    """The timed stages; each open state belongs to one (see ``STAGE_OF``)."""

    ACCEPT = "受理"
    VERIFY = "核实"
    FILE = "立案"
    DISPATCH = "派遣"
    HANDLE = "处置"
    CHECK = "核查"
    CLOSE = "结案"


STAGE_OF: Mapping[CaseState, Stage] = {
    CaseState.REPORTED: Stage.ACCEPT,
    CaseState.VERIFYING: Stage.VERIFY,
    CaseState.ACCEPTED: Stage.FILE,
    CaseState.FILED: Stage.DISPATCH,
    CaseState.DISPATCHED: Stage.HANDLE,
    CaseState.HANDLING: Stage.HANDLE,
    CaseState.SUSPENDED: Stage.HANDLE,
    CaseState.HANDLED: Stage.CHECK,
    CaseState.CHECKING: Stage.CHECK,
    CaseState.TO_CLOSE: Stage.CLOSE,
    # The review of a 自处置 report is an intake decision: timed by the 受理 limit.
    CaseState.SELF_HANDLED: Stage.ACCEPT,
}


class CloseType(enum.StrEnum):
    """结案类型 (eGova archive types 1, 2, 4; 自处置 for a collector's on-the-spot fix)."""

    NORMAL = "正常"
    OVERDUE = "超时"
    SPECIAL = "特殊"
    SELF_HANDLED = "自处置"


class RequestKind(enum.StrEnum):
    """Side-path requests that wait for a supervisor's decision."""

    RETURN = "回退"
    EXTENSION = "延期"
    SUSPEND = "挂账"
    VOID = "作废"


@dataclass(frozen=True, slots=True)
class PendingRequest:
    """A 回退/延期/挂账/作废 request waiting for a supervisor."""

    kind: RequestKind
    reason: str
    requested_by: str
    requested_role: Role
    requested_at: datetime
    minutes: int = 0  # 延期: working minutes asked for


@dataclass(frozen=True, slots=True)
class Actor:
    """Who acts: user name, role, the unit a 责任单位 user belongs to, the desk, and the cells a
    collector patrols."""

    user: str
    role: Role
    unit: str | None = None
    desk: str = ""
    grids: tuple[str, ...] = ()  # a collector's cells (监督员 patrol these 单元网格)


@dataclass(frozen=True, slots=True)
class Case:
    """A snapshot of one case.

    Times are timezone-aware.  ``stage_deadline`` is the instant the current stage's clock runs
    out (None in terminal states); ``stage_limit`` is that stage's limit in minutes including
    approved extensions, counted in working minutes unless ``natural_time``.  While suspended,
    ``suspended_at`` is set and the deadline is moved on resume by the paused working time.
    """

    id: int | None
    case_no: str
    state: CaseState
    source: Source
    category: str
    description: str
    reported_at: datetime
    reporter: str
    grid: str | None = None
    street: str | None = None
    lon: float | None = None
    lat: float | None = None
    address: str = ""
    component_id: str | None = None
    contact: str = ""
    condition: str | None = None
    limit_class: str = "一般性"
    unit: str | None = None
    parent_unit: str | None = None  # first-level unit after a second-level dispatch
    suggested_unit: str | None = None
    routing_rule: str = ""
    substitute: bool = False  # 代整改: a designated unit fixes it
    verified: bool | None = None  # None: not verified; True/False: 核实 found the problem or not
    natural_time: bool = False
    stage: str | None = None
    stage_started_at: datetime | None = None
    stage_limit: int | None = None
    stage_deadline: datetime | None = None
    suspended_at: datetime | None = None
    pending: PendingRequest | None = None
    rework_count: int = 0
    return_count: int = 0
    extension_count: int = 0
    extension_minutes: int = 0
    suspend_count: int = 0
    urge_count: int = 0
    handle_overdue: bool = False  # any 处置 stage of this case ended past its deadline
    close_type: str | None = None
    merged_into: int | None = None
    closed_at: datetime | None = None
    #: The collector a 核实 / 核查 task was sent to, while the case waits for it (None when
    #: the request named nobody, and after the visit).
    assignee: str | None = None
    version: int = 0
    updated_at: datetime | None = None
    photos: tuple[int, ...] = ()

    @property
    def is_open(self) -> bool:
        """False once the case is closed, refused, not filed, voided or merged."""
        return not self.state.is_terminal


@dataclass(frozen=True, slots=True)
class Event:
    """One row of the append-only event log.

    ``payload`` carries the command's fields (reason, notes, minutes …) as JSON-able values.
    ``stage_deadline`` is the deadline of the stage the event *ended*, so on-time flags can be
    derived from the log alone; ``on_time`` states it for convenience.
    """

    case_id: int | None
    type: str
    from_state: CaseState | None
    to_state: CaseState
    actor: str
    role: Role
    occurred_at: datetime
    desk: str = ""
    unit: str | None = None
    stage: str | None = None
    stage_deadline: datetime | None = None
    on_time: bool | None = None
    payload: Mapping[str, Any] = field(default_factory=dict)
    id: int | None = None
    request_id: str | None = None
    """The desk's id for the action that wrote this event: after a lost connection the desk
    asks for it to learn whether the action committed."""

"""Small hand-made reference data and a natural-time clock for workflow tests."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any

from console.domain.cases import (
    Actor,
    Case,
    CaseState,
    PendingRequest,
    RequestKind,
    Role,
    Source,
)
from console.domain.commands import Command
from console.domain.reference import (
    Category,
    CategoryKind,
    FilingCondition,
    LimitClass,
    Unit,
    UnitKind,
)
from console.domain.transitions import WorkflowContext

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # Monday 09:00 in Shanghai


class NaturalClock:
    """Wall-clock minutes: keeps workflow tests independent of the work calendar."""

    def add_for(self, start: datetime, minutes: int, natural: bool) -> datetime:
        return start + timedelta(minutes=minutes)

    def between_for(self, a: datetime, b: datetime, natural: bool) -> int:
        return int((b - a).total_seconds() // 60)

    def between_seconds_for(self, a: datetime, b: datetime, natural: bool) -> float:
        return (b - a).total_seconds()


CATEGORIES = {
    "06010": Category(
        "06010", CategoryKind.EVENT, "06", "暴露垃圾", "Exposed garbage",
        {LimitClass.GENERAL: 240, LimitClass.ENGINEERING: 4800},
        filing_conditions=(
            FilingCondition("1", "主次干道成堆成片暴露垃圾", LimitClass.GENERAL),
            FilingCondition("2", "需工程清运", LimitClass.ENGINEERING),
        ),
    ),
    "01001": Category(
        "01001", CategoryKind.COMPONENT, "01", "供水井盖异常", "Water cover",
        {LimitClass.GENERAL: 120}, natural_time=True,
        filing_conditions=(FilingCondition("1", "井盖缺失或破损"),),
    ),
}

UNITS = {
    "U1": Unit("U1", "芹阳办事处", UnitKind.STREET, area="330824001"),
    "U1-SUB": Unit("U1-SUB", "城关社区", UnitKind.STREET, parent="U1"),
    "U2": Unit("U2", "县综合执法局", UnitKind.DEPARTMENT),
    "OFF": Unit("OFF", "领导小组办公室", UnitKind.OFFICE),
    "OLD": Unit("OLD", "已撤销单位", UnitKind.DEPARTMENT, active=False),
}

STAGE_LIMITS = {"受理": 30, "核实": 120, "立案": 30, "派遣": 30, "核查": 120, "结案": 60}

CTX = WorkflowContext(
    clock=NaturalClock(), stage_limits=STAGE_LIMITS, categories=CATEGORIES, units=UNITS
)

#: Sample fields good enough for every command in every state.
FIELDS: dict[Command, dict[str, Any]] = {
    Command.REPORT: {
        "case_no": "2026030200001", "source": Source.COLLECTOR.value, "category": "06010",
        "description": "路口暴露垃圾一堆", "grid": "330824001001001",
    },
    Command.REFUSE: {"reason": "不属于城市管理范围"},
    Command.VERIFY: {"found": True},
    Command.REFUSE_FILE: {"reason": "不符合立案条件"},
    Command.DISPATCH: {"unit": "U1"},
    Command.DESIGNATE: {"unit": "U2", "reason": "责任不清，指定代整改"},
    Command.SUBDISPATCH: {"unit": "U1-SUB"},
    Command.FEEDBACK: {"notes": "已清理"},
    Command.CHECK_FAIL: {"notes": "仍有垃圾"},
    Command.REQUEST_RETURN: {"reason": "非本单位职责"},
    Command.REQUEST_EXTENSION: {"reason": "需调机械", "minutes": 480},
    Command.REQUEST_SUSPEND: {"reason": "季节性，待条件具备"},
    Command.REQUEST_VOID: {"reason": "重复录入"},
    Command.DENY_REQUEST: {"reason": "理由不充分"},
    Command.MERGE: {"into": 999},
    Command.URGE: {"note": "请尽快处置"},
    Command.ACK_ALERT: {"alert": "红灯：已超时"},
    Command.SELF_HANDLE: {
        "case_no": "2026030200002", "source": Source.COLLECTOR.value, "category": "06010",
        "description": "路边少量垃圾，已当场清理", "grid": "330824001001001",
        "photos_before": 1, "photos_after": 1,
    },
    Command.REJECT_SELF_HANDLED: {"reason": "照片看不出已处置"},
    Command.REASSIGN: {"collector": "caiji02"},
}

_WITH_UNIT = {
    CaseState.DISPATCHED, CaseState.HANDLING, CaseState.SUSPENDED, CaseState.HANDLED,
    CaseState.CHECKING, CaseState.TO_CLOSE, CaseState.CLOSED,
}


def case_in(state: CaseState, pending: RequestKind | None = None, **changes: Any) -> Case:
    """A plausible case in ``state`` (with a running clock unless terminal)."""
    case = Case(
        id=7,
        case_no="2026030200007",
        state=state,
        source=Source.COLLECTOR,
        category="06010",
        description="路口暴露垃圾一堆",
        reported_at=T0,
        reporter="collector1",
        grid="330824001001001",
        unit="U1" if state in _WITH_UNIT else None,
        suggested_unit="U1",
        stage=None,
        version=3,
    )
    if not state.is_terminal:
        from console.domain.cases import STAGE_OF

        stage = STAGE_OF[state]
        limit = 240 if stage.value == "处置" else STAGE_LIMITS[stage.value]
        case = dataclasses.replace(
            case, stage=stage.value, stage_started_at=T0, stage_limit=limit,
            stage_deadline=T0 + timedelta(minutes=limit),
        )
    if state is CaseState.SUSPENDED:
        case = dataclasses.replace(case, suspended_at=T0 + timedelta(minutes=30))
    if pending is not None:
        case = dataclasses.replace(
            case,
            pending=PendingRequest(pending, "理由", "unit1", Role.UNIT, T0, 480 if pending is RequestKind.EXTENSION else 0),
        )
    return dataclasses.replace(case, **changes)


def actor(role: Role) -> Actor:
    """A user of ``role``; unit users belong to U1 (the unit of ``case_in`` cases)."""
    return Actor(f"user-{role.name.lower()}", role, "U1" if role is Role.UNIT else None, "desk-1")

"""What each logged step says besides who and when: notes, reasons, results, units, hours.

``transitions.py`` writes these into each event's payload under short keys (``notes``,
``reason``, ``found``, ``minutes`` …) whose meaning depends on the command: the ``notes`` of a
feedback are the unit's 处置说明, those of a check are the collector's 核查意见.
:func:`event_facts` reads a payload back into labelled :class:`EventFact` items so the desk's
timeline and ``citydesk case show`` print every note, reason and result the same way, and
:func:`task_holder` says who holds a case's 核实 / 核查 task and since when.

Labels are Chinese enum values, as elsewhere in the domain; the console translates them with
``console.ui.i18n.label``.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from console.domain.cases import Case, CaseState, CloseType, Event, RequestKind, Role, Source, Stage
from console.domain.commands import Command
from console.domain.reference import LimitClass, ReferenceSet


class Fact(enum.StrEnum):
    """The kinds of things a step records; each value is its Chinese label."""

    SOURCE = "来源"
    CATEGORY = "类别"
    CONDITION = "立案条件"
    LIMIT_CLASS = "时限类别"
    SUGGESTED_UNIT = "建议单位"
    COLLECTOR = "交由监督员"
    PREVIOUS_COLLECTOR = "原监督员"  # 改派: who held the visit before
    RESULT = "核实结果"
    VERIFY_NOTES = "核实说明"
    FEEDBACK_NOTES = "处置说明"
    CHECK_NOTES = "核查意见"
    POSITION = "现场位置"
    REWORK = "返工次数"
    UNIT = "派往单位"
    PARENT_UNIT = "上级单位"
    NOT_SUGGESTED = "未采用建议单位"
    REASON = "理由"
    CLOSE_TYPE = "结案类型"
    EXTENSION = "延期（工作时）"
    REQUEST = "申请类型"
    REQUEST_REASON = "申请理由"
    DENY_REASON = "驳回理由"
    RETURNED_FROM = "退回单位"
    PAUSED = "挂账时长（工作时）"
    MERGED_INTO = "并入案件"
    URGE_NOTE = "督办意见"
    ALERT = "告警"
    SOURCE_CLOSED = "源系统已关闭"
    SOURCE_STATUS = "源系统状态"
    SOURCE_NOTES = "源系统说明"
    SOURCE_DUPLICATE_OF = "重复于源系统请求"
    SOURCE_TIME = "源系统更新时间"
    SOURCE_RECORD = "源系统记录"
    DESK_DECIDES = "待指挥中心决定"
    IMPORTED = "历史数据导入"
    OTHER = "其他"


class VerifyResult(enum.StrEnum):
    """A 核实 result: the collector found the reported problem, or did not."""

    FOUND = "问题属实"
    NOT_FOUND = "问题不存在"


#: Facts whose value is a number of working minutes, printed as ``h:mm``.
MINUTE_FACTS = frozenset({Fact.EXTENSION, Fact.PAUSED})


@dataclass(frozen=True, slots=True)
class Named:
    """A reference item shown by name: the Chinese name and, when the data has one, English."""

    zh: str
    en: str = ""


FactValue = str | int | enum.Enum | Named
"""Free text, a count or working minutes, a domain enum member, or a named reference item."""


@dataclass(frozen=True, slots=True)
class EventFact:
    """One labelled item of a step (``value`` "" for a bare flag such as an import)."""

    fact: Fact
    value: FactValue


_NOTES: Mapping[str, Fact] = {
    Command.VERIFY.value: Fact.VERIFY_NOTES,
    Command.FEEDBACK.value: Fact.FEEDBACK_NOTES,
    Command.CHECK_PASS.value: Fact.CHECK_NOTES,
    Command.CHECK_FAIL.value: Fact.CHECK_NOTES,
}
_REQUESTS = frozenset({
    Command.REQUEST_RETURN.value, Command.REQUEST_EXTENSION.value,
    Command.REQUEST_SUSPEND.value, Command.REQUEST_VOID.value,
})
# Keys that say nothing a person needs here: the request kind of an approval is its step's name.
_QUIET: Mapping[str, frozenset[str]] = {
    Command.APPROVE_RETURN.value: frozenset({"request"}),
    Command.APPROVE_EXTENSION.value: frozenset({"request"}),
    Command.APPROVE_SUSPEND.value: frozenset({"request"}),
    Command.APPROVE_VOID.value: frozenset({"request"}),
}
# The order facts are listed in, whatever order the payload's keys came in.
_ORDER = {fact: i for i, fact in enumerate(Fact)}


def event_facts(event: Event, ref: ReferenceSet) -> tuple[EventFact, ...]:
    """Everything ``event``'s payload records, labelled, with codes turned into names.

    Text is kept as typed (stripped of nothing but what ``transitions`` stripped); an unknown
    payload key is listed as :attr:`Fact.OTHER` (``key: value``) rather than hidden.
    """
    kind = event.type
    quiet = _QUIET.get(kind, frozenset())
    found: list[EventFact] = []
    for key, raw in event.payload.items():
        if key in quiet or raw is None or raw == "":
            continue
        fact = _fact(kind, key, raw, event.payload, ref)
        if fact is not None:
            found.append(fact)
    found.sort(key=lambda f: _ORDER[f.fact])
    return tuple(found)


def _fact(kind: str, key: str, raw: Any, payload: Mapping[str, Any],
          ref: ReferenceSet) -> EventFact | None:
    """One payload entry as a fact (None: the entry is internal)."""
    text = str(raw)
    if key == "notes":
        return EventFact(_NOTES.get(kind, Fact.OTHER), text)
    if key == "reason":
        if kind in _REQUESTS:
            return EventFact(Fact.REQUEST_REASON, text)
        if kind == Command.DENY_REQUEST.value:
            return EventFact(Fact.DENY_REASON, text)
        return EventFact(Fact.REASON, text)
    if key == "request_reason":
        return EventFact(Fact.REQUEST_REASON, text)
    if key == "request":
        return EventFact(Fact.REQUEST, _member(RequestKind, text))
    if key == "found" and isinstance(raw, bool):
        return EventFact(Fact.RESULT, VerifyResult.FOUND if raw else VerifyResult.NOT_FOUND)
    if key == "source":
        return EventFact(Fact.SOURCE, _member(Source, text))
    if key == "category":
        cat = ref.categories.get(text)
        return EventFact(Fact.CATEGORY, Named(f"{text} {cat.name_zh}", f"{text} {cat.name_en}")
                         if cat is not None else Named(text))
    if key == "condition":
        return EventFact(Fact.CONDITION, _condition(ref, payload.get("category"), text))
    if key == "limit_class":
        return EventFact(Fact.LIMIT_CLASS, _member(LimitClass, text))
    if key in ("unit", "suggested_unit", "overrode_suggestion", "parent_unit", "returned_from"):
        fact = {"unit": Fact.UNIT, "suggested_unit": Fact.SUGGESTED_UNIT,
                "overrode_suggestion": Fact.NOT_SUGGESTED, "parent_unit": Fact.PARENT_UNIT,
                "returned_from": Fact.RETURNED_FROM}[key]
        unit = ref.units.get(text)
        return EventFact(fact, Named(unit.name, unit.name_en) if unit is not None
                         else Named(text))
    if key == "collector":
        return EventFact(Fact.COLLECTOR, Named(person(ref, text)))
    if key == "previous":
        return EventFact(Fact.PREVIOUS_COLLECTOR, Named(person(ref, text)))
    if key == "close_type":
        return EventFact(Fact.CLOSE_TYPE, _member(CloseType, text))
    if key == "minutes" and isinstance(raw, int):
        return EventFact(Fact.EXTENSION, raw)
    if key == "paused_minutes" and isinstance(raw, int):
        return EventFact(Fact.PAUSED, raw)
    if key == "rework" and isinstance(raw, int):
        return EventFact(Fact.REWORK, raw)
    if key == "into":
        return EventFact(Fact.MERGED_INTO, text)
    if key == "note":
        return EventFact(Fact.URGE_NOTE, text)
    if key == "alert":
        return EventFact(Fact.ALERT, text)
    if key == "lon" and isinstance(payload.get("lat"), int | float):
        return EventFact(Fact.POSITION, _position(raw, payload))
    if key in ("lat", "crs") and isinstance(payload.get("lon"), int | float):
        return None  # shown with ``lon``
    if key == "imported":
        return EventFact(Fact.IMPORTED, "") if raw is True else None
    if key == "source_time":  # stored in the centre's zone: shown as it is
        try:
            return EventFact(Fact.SOURCE_TIME, datetime.fromisoformat(text).strftime(
                "%Y-%m-%d %H:%M"))
        except ValueError:
            return EventFact(Fact.SOURCE_TIME, text)
    if key in _SOURCE_TEXT:  # a source event (console.domain.source_events)
        return EventFact(_SOURCE_TEXT[key], text)
    if key in _SOURCE_FLAGS:
        return EventFact(_SOURCE_FLAGS[key], "") if raw is True else None
    return EventFact(Fact.OTHER, f"{key}: {text}")


_SOURCE_TEXT: Mapping[str, Fact] = {
    "source_status": Fact.SOURCE_STATUS, "source_notes": Fact.SOURCE_NOTES,
    "duplicate_of": Fact.SOURCE_DUPLICATE_OF, "source_record": Fact.SOURCE_RECORD,
}
_SOURCE_FLAGS: Mapping[str, Fact] = {"source_closed": Fact.SOURCE_CLOSED,
                                     "desk_decides": Fact.DESK_DECIDES}


def _position(lon: Any, payload: Mapping[str, Any]) -> str:
    """Where a collector stood (the field API's 核实 / 核查): WGS-84, and the datum it came in."""
    text = f"{float(lon):.6f}, {float(payload['lat']):.6f}"
    crs = payload.get("crs")
    return text if crs in (None, "wgs84") else f"{text} ({crs})"


def _member(kind: type[enum.StrEnum], text: str) -> FactValue:
    """The enum member ``text`` names, or the text itself (a value an older version wrote)."""
    try:
        return kind(text)
    except ValueError:
        return text


def _condition(ref: ReferenceSet, category_code: Any, text: str) -> FactValue:
    """A filing condition with its text; its id is only unique within its category."""
    category = ref.categories.get(category_code) if isinstance(category_code, str) else None
    cond = category.condition(text) if category is not None else None
    return f"{text} {cond.text}" if cond is not None else text


def person(ref: ReferenceSet, username: str) -> str:
    """A user as a timeline names them: ``监督员 汪一（…） caiji01`` (the username alone if unknown)."""
    user = ref.users.get(username)
    return f"{user.name} {username}" if user is not None and user.name else username


def hours_text(minutes: int) -> str:
    """Working minutes as ``h:mm`` (``150`` -> ``2:30``)."""
    sign = "-" if minutes < 0 else ""
    m = abs(minutes)
    return f"{sign}{m // 60}:{m % 60:02d}"


def chinese(value: enum.Enum) -> str:
    """A member of the enums facts use, in Chinese (their values are the Chinese labels)."""
    return str(value.value)


def fact_value_text(fact: EventFact, label: Callable[[enum.Enum], str] = chinese,
                    english: bool = False) -> str:
    """A fact's value as text; ``label`` names enum members in the reader's language."""
    value = fact.value
    if isinstance(value, enum.Enum):
        return label(value)
    if isinstance(value, Named):
        return value.en if english and value.en else value.zh
    if isinstance(value, int):
        return hours_text(value) if fact.fact in MINUTE_FACTS else str(value)
    return value


def fact_line(fact: EventFact, label: Callable[[enum.Enum], str] = chinese, *,
              english: bool = False, template: str = "{name}：{value}") -> str:
    """``处置说明：已清运`` (a bare flag is its label alone).

    The console passes its translating ``label`` and its translated ``template``; the command
    line prints the Chinese defaults.
    """
    value = fact_value_text(fact, label, english)
    name = label(fact.fact)
    return template.format(name=name, value=value) if value else name


# --------------------------------------------------------------------------- task holder


@dataclass(frozen=True, slots=True)
class TaskHolder:
    """Who holds a case's field task (核实 / 核查) and since when.

    ``collector`` is the collector the request named (None when it named nobody: any collector
    of the cell may take it, so the holder is the role).  While a case waits to be sent for
    its check (待核查) the task is with the centre's desk, ``role`` 受理员, and ``sent`` False.
    ``since`` is the request's time, or the last 改派's when the visit was reassigned.
    """

    task: Stage
    since: datetime
    role: Role
    collector: str | None = None
    name: str = ""
    sent: bool = True


_FIELD_TASKS: Mapping[CaseState, Stage] = {
    CaseState.VERIFYING: Stage.VERIFY,
    CaseState.HANDLED: Stage.CHECK,
    CaseState.CHECKING: Stage.CHECK,
}


def task_holder(case: Case, events: Sequence[Event], ref: ReferenceSet) -> TaskHolder | None:
    """The holder of ``case``'s 核实 / 核查 task, None in any other state.

    The holder is read from the event that put the case in its current state (a
    request-verify / request-check, or for 待核查 the feedback): a request of an earlier round
    (before a rework) never names today's holder.
    """
    task = _FIELD_TASKS.get(case.state)
    if task is None:
        return None
    at = next((n for n in range(len(events) - 1, -1, -1)
               if events[n].to_state is case.state and events[n].from_state is not case.state),
              None)
    entered = events[at] if at is not None else None
    since = entered.occurred_at if entered is not None else (case.updated_at or case.reported_at)
    if case.state is CaseState.HANDLED:
        return TaskHolder(task, since, Role.ACCEPTOR, sent=False)
    named = entered.payload.get("collector") if entered is not None else None
    # 改派 while the visit waits: the last reassignment names today's holder, since then.
    moved = [e for e in events[(at or 0) + 1:] if e.type == Command.REASSIGN.value] \
        if at is not None else []
    if moved:
        named, since = moved[-1].payload.get("collector"), moved[-1].occurred_at
    if isinstance(named, str) and named:
        return TaskHolder(task, since, Role.COLLECTOR, named, person(ref, named))
    return TaskHolder(task, since, Role.COLLECTOR)

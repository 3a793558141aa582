"""The drill-down of an evaluation count: which cases, in words an operator reads.

A double-click on a count in the evaluation window lists its cases by case number (never the
database id), with the category, the state the case is in now and the step of the loop that
made it count (a 应处置 case counted at 处置, a 返工 at 核查 …), so the list can be checked
against the desk without translating ids.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from console.domain.cases import CaseState
from console.services.centre import Centre
from console.services.uow import UnitOfWork

#: Per object type and count: the step of the loop whose event made a case count.
COUNT_STEPS: Mapping[str, Mapping[str, str]] = {
    "unit": {
        "dispatched": "派遣", "filed": "派遣", "due_to_close": "结案", "closed": "结案",
        "due_to_handle": "处置", "handled_on_time": "处置", "overdue_open": "处置",
        "reworked": "核查", "returned": "回退", "extended": "延期",
    },
    "collector": {
        "reports": "上报", "pending": "上报", "valid": "上报", "filed": "立案", "missed": "核实",
        "verify_due": "核实", "verify_on_time": "核实", "verify_overdue_open": "核实",
        "check_due": "核查", "check_on_time": "核查", "check_overdue_open": "核查",
        "self_handled": "自处置", "self_approved": "自处置", "self_rejected": "自处置",
        "self_pending": "自处置",
    },
    "acceptor": {
        "accepted": "受理", "accepts": "受理", "refusals": "受理", "verify_sent": "核实",
        "verify_sent_on_time": "核实", "check_sent": "核查", "check_sent_on_time": "核查",
        "self_approved": "自处置", "self_rejected": "自处置",
    },
    "supervisor": {
        "filed": "立案", "filed_on_time": "立案", "voided": "作废", "refused_file": "立案",
        "closed": "结案", "closed_on_time": "结案",
    },
    "dispatcher": {"dispatched": "派遣", "dispatched_on_time": "派遣", "returned": "回退"},
    "area": {
        "filed": "立案", "reported_verified": "核实", "due_to_close": "结案", "closed": "结案",
        "closed_on_time": "结案", "self_handled": "自处置",
    },
}


@dataclass(frozen=True, slots=True)
class CaseLine:
    """One case behind a count.

    Attributes
    ----------
    case_id : int
        The case's id, to open it in the desk (not shown).
    case_no : str
        The case number people know it by.
    category, category_name, category_name_en : str
        The category code and its names.
    state : CaseState
        Where the case stands now.
    step : str
        The step of the loop that made it count (``COUNT_STEPS``), e.g. ``处置``.
    """

    case_id: int
    case_no: str
    category: str
    category_name: str
    category_name_en: str
    state: CaseState
    step: str


def case_lines(uow: UnitOfWork, centre: Centre, obj: str, count: str,
               case_ids: Sequence[int]) -> list[CaseLine]:
    """The cases behind ``count`` of an ``obj`` row, ordered by case number.

    Parameters
    ----------
    uow : UnitOfWork
        A fresh unit of work (read only; entered here).
    centre : Centre
        Reference data (category names).
    obj : str
        The object type (``unit`` …).
    count : str
        The count's name (a key of ``COUNT_STEPS[obj]``).
    case_ids : sequence of int
        The row's cases for that count.

    Returns
    -------
    list of CaseLine
        One line per case found (a case id no longer in the database is left out).

    Raises
    ------
    KeyError
        An object type or count name that has no step.
    """
    step = COUNT_STEPS[obj][count]
    if not case_ids:
        return []
    with uow:
        cases = uow.cases.get_many(list(case_ids))
    categories = centre.ref.categories
    lines = []
    for case in cases:
        if case.id is None:
            continue
        category = categories.get(case.category)
        lines.append(CaseLine(
            case_id=case.id, case_no=case.case_no, category=case.category,
            category_name=category.name_zh if category else case.category,
            category_name_en=category.name_en if category else "",
            state=case.state, step=step,
        ))
    return sorted(lines, key=lambda line: line.case_no)

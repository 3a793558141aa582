"""What filing a case a given way would lead to, shown before the supervisor confirms.

立案 decides the category, the filing condition (立案条件) and the limit class; these decide who
the matrix sends the case to and how long that unit has.  :func:`preview_filing` works it out
without touching the database, with the same routing and stage plan the filing itself uses, so
the dialog shows exactly what **Enter** will do.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from console.domain.cases import Case, Stage
from console.domain.deadlines import plan_stage
from console.domain.errors import ValidationError
from console.domain.reference import Category, FilingCondition, LimitClass
from console.services.cases import suggest_route
from console.services.centre import Centre


@dataclass(frozen=True, slots=True)
class FilingPreview:
    """The outcome of filing a case under a category, condition and limit class.

    Attributes
    ----------
    category : Category
    condition : FilingCondition or None
        The 立案条件 (the category's first when none was chosen).
    limit_class : str
        一般性 / 工程性 / 特殊性 (the condition's when none was chosen).
    unit, unit_name : str
        The unit the responsibility matrix names (the one-key dispatch target).
    rule : str
        The sentence naming the rule that decided.
    handle_minutes : int
        The 处置 limit (working minutes, or natural minutes when ``natural_time``).
    natural_time : bool
        The limit counts every minute of every day.
    dispatch_deadline : datetime
        When the 派遣 stage that filing starts runs out.
    handle_deadline : datetime
        When 处置 would run out if the case were dispatched now.
    closing_condition : str
        The category's 结案条件 (what the check will hold the unit to).
    """

    category: Category
    condition: FilingCondition | None
    limit_class: str
    unit: str
    unit_name: str
    rule: str
    handle_minutes: int
    natural_time: bool
    dispatch_deadline: datetime
    handle_deadline: datetime
    closing_condition: str


def preview_filing(centre: Centre, case: Case, category: str | None = None,
                   condition: str | None = None, limit_class: str | None = None,
                   now: datetime | None = None) -> FilingPreview:
    """Route and time a filing of ``case`` as :func:`~console.services.cases.act` would.

    ``category`` is anything the category resolver accepts (default: the case's own);
    ``now`` defaults to the case's last change.  Bad input raises ValidationError (an unknown
    condition or limit class) or NotFoundError (an unknown or ambiguous category).
    """
    cat = centre.category(category or case.category)
    chosen = cat.condition(condition) if condition else None
    if condition and chosen is None:
        raise ValidationError(f"类别 {cat.code} 没有立案条件 {condition!r} / unknown condition")
    if chosen is None and cat.filing_conditions:
        chosen = cat.filing_conditions[0]
    cls = limit_class or (chosen.limit_class if chosen else LimitClass.GENERAL.value)
    handle = plan_stage(Stage.HANDLE, centre.ref.config.stage_limits, cat, str(cls))
    dispatch = plan_stage(Stage.DISPATCH, centre.ref.config.stage_limits)
    route = suggest_route(centre, cat, case.grid, case.component_id,
                          chosen.id if chosen else None)
    at = now or case.updated_at or case.reported_at
    unit = centre.ref.units.get(route.unit)
    calendar = centre.calendar
    return FilingPreview(
        category=cat, condition=chosen, limit_class=str(cls), unit=route.unit,
        unit_name=unit.name if unit else route.unit, rule=route.rule,
        handle_minutes=handle.limit, natural_time=handle.natural,
        dispatch_deadline=calendar.add_for(at, dispatch.limit, False),
        handle_deadline=calendar.add_for(at, handle.limit, handle.natural),
        closing_condition=cat.closing_condition,
    )

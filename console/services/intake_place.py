"""Where an imported row goes, and who did the steps of its history.

**Place.**  A row placed by coordinates inside the county, or by a grid cell, is placed as a
report from the desk is.  A row whose coordinates lie outside the county (or that has no place
at all) is what its mapping's ``outside_county`` says: ``refuse`` (quarantined, the default),
``grid`` (its ``grid`` cell, coordinates dropped; refused without one) or ``default`` (its
``grid`` cell if it has one, else the mapping's ``default_cell``, *flagged*: every event of the
case carries ``"unplaced": true`` and area evaluation leaves it out).  Under ``grid`` and
``default`` the grid column is the fallback (often a coarse area mapped to a cell in
``values.grid``): coordinates inside the county place the row whatever it says.  Only a history row may
go to the default cell: a report still to be handled must be routed to the locality it is in.

**People.**  A history's steps are the importing administrator's unless the row names the
people (``collector``, ``acceptor``, ``supervisor``, ``dispatcher``: user names, each of the
role the step needs).  Staff are evaluated only on events done in their own role, so imported
history charges nobody who never saw it, and the people a mapping names are credited with
their steps.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from console.domain.cases import Actor, CaseState, Role, Source
from console.domain.commands import Command
from console.domain.errors import NotFoundError, ValidationError
from console.domain.geo import locate
from console.services.cases import Location, Report, resolve_location
from console.services.centre import Centre
from console.services.intake_ports import HistorySteps

#: The payload key of every event of a case placed in the default cell.
UNPLACED = "unplaced"
C = Command
#: Which named person runs which command, and the role they must have.
PERSON_OF: Mapping[Command, tuple[str, Role]] = {
    C.REPORT: ("collector", Role.COLLECTOR),
    C.VERIFY: ("collector", Role.COLLECTOR), C.CHECK_PASS: ("collector", Role.COLLECTOR),
    C.ACCEPT: ("acceptor", Role.ACCEPTOR), C.REFUSE: ("acceptor", Role.ACCEPTOR),
    C.REQUEST_VERIFY: ("acceptor", Role.ACCEPTOR), C.REQUEST_CHECK: ("acceptor", Role.ACCEPTOR),
    C.FILE: ("supervisor", Role.SUPERVISOR), C.REFUSE_FILE: ("supervisor", Role.SUPERVISOR),
    C.CLOSE: ("supervisor", Role.SUPERVISOR), C.DISPATCH: ("dispatcher", Role.DISPATCHER),
}
ROLE_OF = dict(PERSON_OF.values())


def _outside(centre: Centre, report: Report) -> bool:
    """True when the report has no place in the county: coordinates outside it, or none."""
    if report.lon is not None and report.lat is not None:
        return locate(report.lon, report.lat, centre.ref.grids.values()) is None
    return not report.grid


def place(centre: Centre, report: Report, steps: HistorySteps) -> tuple[Location, bool]:
    """The row's cell and whether it went to the default cell (flagged ``unplaced``)."""
    mode = steps.outside_county
    if mode == "refuse":
        try:
            return resolve_location(centre, report.grid, report.lon, report.lat), False
        except ValidationError as exc:
            if not _outside(centre, report):
                raise
            raise ValidationError(exc.message.replace(
                " / ", "（映射文件 outside_county: grid 或 default 可另行安置）/ ", 1)) from None
    if not _outside(centre, report):
        # With grid or default the grid column is where a row goes that the coordinates
        # cannot place (often a coarse area: a district, a zip code); a point inside wins.
        if report.lon is not None and report.lat is not None:
            return resolve_location(centre, None, report.lon, report.lat), False
        return resolve_location(centre, report.grid, None, None), False
    if report.grid:
        return resolve_location(centre, report.grid, None, None), False
    if mode == "grid":
        raise ValidationError("坐标不在本县内，且本行没有单元网格（outside_county: grid）"
                              " / outside the county and no grid cell in the row")
    if steps.state == CaseState.REPORTED.value:
        raise ValidationError("待受理的记录须有本县内的位置，不能放在默认网格（会派错单位）"
                              " / a report still to be handled needs a real place")
    assert steps.default_cell is not None
    return resolve_location(centre, steps.default_cell, None, None), True


def people(centre: Centre, steps: HistorySteps, source: str, desk: str) -> dict[Command, Actor]:
    """The actor of each command a row names someone for (checked: user and role)."""
    found: dict[str, Actor] = {}
    for name, user in steps.people.items():
        role = ROLE_OF.get(name)
        if role is None:
            continue
        try:
            actor = centre.actor(user, desk)
        except NotFoundError:
            raise ValidationError(f"未知的{role.value} {user!r} / unknown user") from None
        if actor.role is not role:
            raise ValidationError(f"{user} 是{actor.role.value}，不是{role.value} / {user} does not "
                                  "have that role")
        found[name] = actor
    out = {}
    for command, (name, _role) in PERSON_OF.items():
        if name not in found:
            continue
        if command is C.REPORT and source != Source.COLLECTOR.value:
            continue  # only a collector's own report is the collector's
        out[command] = found[name]
    return out


def placed_report(centre: Centre, report: Report, steps: HistorySteps) -> Report:
    """A file row still to be handled (待受理), placed by its mapping's ``outside_county``."""
    location, _unplaced = place(centre, report, steps)
    return replace(report, grid=location.grid.code, lon=location.lon, lat=location.lat)

"""自处置 through the services and the evaluation (issue #15), on SQLite and PostgreSQL.

October 2026 in Kaihua, cell G1 (caiji01's):

====  ==========================================================================================
S1    caiji01 self-handles Mon 10-12 09:00 (photos before and after); shouli1 approves 09:10.
S2    caiji01 self-handles 09:30; shouli1 rejects 09:40 (it is an ordinary report now), accepts
      09:50; zhibanzhang1 files 10:00; paiqian1 dispatches to ZHZF 10:10.
S3    caiji01 self-handles 10:30; nobody decides it in October.
R     caiji01 reports 11:00 (an ordinary report); shouli1 accepts 11:05.
====  ==========================================================================================

Self-handled cases are counted apart: per collector (reported / approved / rejected / still
waiting), per reviewer and per area; they are no 上报数 of the collector, no 立案 of the area
and nothing of any department.  A report without both photos is refused in one line and writes
nothing.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from datetime import datetime

import pytest
from PIL import Image

from console.domain.cases import CaseState, CloseType
from console.domain.errors import ValidationError
from console.domain.evaluation import parse_period
from console.photos import photo_from_bytes
from console.services.cases import (
    Report,
    act,
    preview_duplicates,
    report_case,
    self_handle_case,
)
from console.services.centre import Centre
from console.services.evaluation import evaluate
from console.services.uow import CaseFilter, NewPhoto, UnitOfWork
from tests.integration.conftest import BACKENDS
from tests.integration.templates import kaihua_database
from tests.integration.test_evaluation_read import G1, ZHZF, at

Factory = Callable[[], UnitOfWork]
OCTOBER = parse_period("2026-10")


def photo(kind: str) -> NewPhoto:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), "red" if kind == "before" else "green").save(out, "JPEG")
    return photo_from_bytes(out.getvalue(), f"{kind}.jpg", kind)


def fixed(when: datetime, photos: tuple[NewPhoto, ...] | None = None) -> Report:
    return Report("06010", "路边少量垃圾，已当场清理", grid=G1, reported_at=when,
                  photos=(photo("before"), photo("after")) if photos is None else photos)


@pytest.fixture(scope="module", params=BACKENDS)
def scene(request: pytest.FixtureRequest,
          tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Factory, Centre, dict]]:
    with ExitStack() as stack:
        factory, centre = kaihua_database(stack, request, tmp_path_factory, request.param)
        ids: dict[str, int] = {}

        def step(name: str, user: str, when: datetime, command: str, **fields: object) -> None:
            act(factory, centre, centre.actor(user), when, ids[name], command, dict(fields))

        collector = centre.actor("caiji01")
        for name, when in (("S1", at(10, 12, 9)), ("S2", at(10, 12, 9, 30)),
                           ("S3", at(10, 12, 10, 30))):
            made = self_handle_case(factory, centre, collector, when, fixed(when))
            assert made.case.id is not None and made.case.state is CaseState.SELF_HANDLED
            ids[name] = made.case.id
        ids["R"] = report_case(factory, centre, collector, at(10, 12, 11),
                               Report("06010", "路口暴露垃圾一堆", grid=G1)).case.id or 0
        step("S1", "shouli1", at(10, 12, 9, 10), "approve")  # `approve` resolves to the review
        step("S2", "shouli1", at(10, 12, 9, 40), "reject-self-handled", reason="照片不清楚")
        step("S2", "shouli1", at(10, 12, 9, 50), "accept")
        step("S2", "zhibanzhang1", at(10, 12, 10), "file")
        step("S2", "paiqian1", at(10, 12, 10, 10), "dispatch", unit=ZHZF)
        step("R", "shouli1", at(10, 12, 11, 5), "accept")
        yield factory, centre, ids


def test_the_cases_and_their_photos(scene) -> None:
    factory, _centre, ids = scene
    with factory() as uow:
        s1, s2, s3 = (uow.cases.get(ids[n]) for n in ("S1", "S2", "S3"))
        kinds = sorted(p.kind for p in uow.photos.for_case(ids["S1"]))
        first = uow.events.for_case(ids["S1"])[0]
    assert (s1.state, s1.close_type) == (CaseState.CLOSED, CloseType.SELF_HANDLED.value)
    assert (s2.state, s2.unit) == (CaseState.DISPATCHED, ZHZF)
    assert s3.state is CaseState.SELF_HANDLED
    assert kinds == ["after", "before"] and first.type == "self-handle"


def test_collectors_count_self_handled_apart_from_their_reports(scene) -> None:
    factory, centre, ids = scene
    row = evaluate(factory(), centre, OCTOBER, "collector").row("caiji01")
    assert row is not None
    c = row.counts
    assert (c["self_handled"], c["self_approved"], c["self_rejected"], c["self_pending"]) == (
        3, 1, 1, 1)
    assert row.case_ids["self_approved"] == (ids["S1"],)
    assert row.case_ids["self_rejected"] == (ids["S2"],)
    # 上报数 is the ordinary report alone: 有效上报率 knows nothing of 自处置.
    assert (c["reports"], c["pending"], c["valid"]) == (1, 1, 0)


def test_reviewers_and_areas_count_them_apart(scene) -> None:
    factory, centre, ids = scene
    acceptor = evaluate(factory(), centre, OCTOBER, "acceptor").row("shouli1")
    assert acceptor is not None
    assert (acceptor.counts["self_approved"], acceptor.counts["self_rejected"]) == (1, 1)
    assert acceptor.counts["accepted"] == 2  # S2 once it was an ordinary report, and R
    area = evaluate(factory(), centre, OCTOBER, "area").row(G1)
    assert area is not None
    assert area.counts["self_handled"] == 3
    assert area.case_ids["filed"] == (ids["S2"],)  # filed as an ordinary case after rejection


def test_no_department_is_counted_for_a_self_handled_case(scene) -> None:
    factory, centre, ids = scene
    report = evaluate(factory(), centre, OCTOBER, "unit")
    for row in report.rows:
        for name in row.counts:
            assert ids["S1"] not in row.ids(name) and ids["S3"] not in row.ids(name)
    zhzf = report.row(ZHZF)
    assert zhzf is not None and zhzf.ids("dispatched") == (ids["S2"],)


@pytest.mark.parametrize("kinds", [(), ("before",), ("after",), ("before", "before")])
def test_without_both_photos_nothing_is_written(scene, kinds: tuple[str, ...]) -> None:
    factory, centre, _ids = scene
    with factory() as uow:
        before = len(uow.cases.list(CaseFilter()))
        day_no = uow.cases.next_case_no(at(10, 13, 9).date())  # read only: rolled back
    with pytest.raises(ValidationError) as err:
        self_handle_case(factory, centre, centre.actor("caiji01"), at(10, 13, 9),
                         fixed(at(10, 13, 9), tuple(photo(k) for k in kinds)))
    assert "\n" not in err.value.message and "照片" in err.value.message
    with factory() as uow:
        assert len(uow.cases.list(CaseFilter())) == before
        assert uow.cases.next_case_no(at(10, 13, 9).date()) == day_no


def test_a_case_awaiting_review_is_no_duplicate_to_merge_into(scene) -> None:
    factory, centre, ids = scene
    hints = preview_duplicates(factory, centre, at(10, 12, 11, 30), "06010", G1, None, None)
    found = {h.case_id for h in hints}
    assert ids["R"] in found and ids["S2"] in found  # open loop cases of the cell
    assert ids["S3"] not in found  # fixed on the spot, waiting for its review

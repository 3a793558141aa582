"""What only a desk through the server can show (issue #14): a disabled user's open desk is
signed out within seconds, a skewed desk clock records no time, and a unit seat cannot read
another unit's photo by its id.  One server for the session (tests/gui/remote.py)."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QImage

from console.client.remote import ServerRoot
from console.desk_local import sign_in
from console.domain.cases import CaseState
from console.domain.errors import NotFoundError
from console.photos import load_photo
from console.services.accounts import DEMO_PASSWORD
from console.ui.controller import new_request_id
from console.ui.ops import OpRunner
from console.ui.session import DeskSession
from console.ui.settings import Settings
from console.ui.start import make_listener
from tests.gui.remote import RemoteCentre, server_now

GRID = "330824001001001"  # caiji01's beat


def _report(centre: RemoteCentre, photos: list | None = None):
    """A collector's report through the server (its own session)."""
    collector = centre.root("caiji01").seat()
    made = collector.report("06010", "路口暴露垃圾", "监督员上报", GRID, None, None, None, "",
                            "", None, photos or [], new_request_id())
    return collector, made


def test_a_disabled_users_open_desk_is_signed_out_within_seconds(remote_centre, qtbot,
                                                                 tmp_path: Path) -> None:
    root = ServerRoot(remote_centre.url, "desk-9")
    asked: list[str] = []

    def ask(last: str) -> str | None:
        asked.append(last)
        if len(asked) > 1:
            return None  # nobody signs in after the sign-out: the program would end
        sign_in(root, "shouli2", DEMO_PASSWORD, server_now)
        return "shouli2"

    settings = Settings(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    session = DeskSession(root, OpRunner(synchronous=True), None, server_now, settings,
                          "desk-9", ask, make_listener=make_listener)
    ended: list[bool] = []
    session.ended.connect(lambda: ended.append(True))
    admin = remote_centre.root("admin").seat()
    try:
        assert session.sign_in()
        window = session.window
        assert window is not None and window.isVisible()
        controller = window.controller
        qtbot.waitUntil(lambda: controller.listener is not None and controller.listener.last_id
                        is not None, timeout=5000)  # the push stream said hello
        admin.set_active("shouli2", False)
        disabled = time.monotonic()
        # Within seconds: the window closes, saying why, and the sign-in comes back.
        qtbot.waitUntil(lambda: session.window is None, timeout=5000)
        signed_out = time.monotonic() - disabled
        # The session deletes the closed window (deleteLater): gone counts as closed.
        assert signed_out < 5.0 and (not shiboken6.isValid(window) or not window.isVisible())
        assert session.notice == "您的会话已失效，请重新登录"
        qtbot.waitUntil(lambda: len(asked) == 2, timeout=5000)
        print(f"signed out after {signed_out:.2f} s; asked again after "
              f"{time.monotonic() - disabled:.2f} s")
        assert ended  # the dialog was cancelled: the desk ends, it does not keep acting
    finally:
        admin.set_active("shouli2", True)
        session.stop()
        session.ops.shutdown()


@pytest.mark.parametrize("skew", [timedelta(minutes=16), timedelta(days=-2)],
                         ids=["16-minutes-ahead", "2-days-back"])
@pytest.mark.parametrize("backend", ["remote"], indirect=True)
def test_a_skewed_desk_clock_records_no_time(desk_factory, remote_centre, qtbot,
                                             skew: timedelta) -> None:
    _collector, made = _report(remote_centre)
    desk = desk_factory("shouli1", skew=skew)
    assert abs(desk.clock() - server_now() - skew) < timedelta(seconds=5)
    before = server_now()
    desk.window.controller.run_command(made.id, "accept", {}, made.version)
    with desk.app.uow_factory() as uow:
        case = uow.cases.get(made.id)
        events = uow.events.for_case(made.id)
    after = server_now()
    assert case.state is CaseState.ACCEPTED
    accepted = events[-1]
    assert accepted.type == "accept" and accepted.actor == "shouli1"
    # The server's clock, not the desk's: between the call and its answer.
    assert before - timedelta(seconds=1) <= accepted.occurred_at <= after + timedelta(seconds=1)
    times = [e.occurred_at for e in events]
    assert times == sorted(times)


def _photo(tmp_path: Path):
    image = QImage(48, 32, QImage.Format.Format_RGB32)
    image.fill(Qt.GlobalColor.darkGreen)
    path = tmp_path / "site.jpg"
    assert image.save(str(path))
    return load_photo(str(path), "before")


def test_a_unit_seat_cannot_read_another_units_photo_by_id(remote_centre, qapp,
                                                             tmp_path: Path) -> None:
    collector, made = _report(remote_centre, [_photo(tmp_path)])
    thumbs = collector.case_detail(made.id).thumbnails
    assert len(thumbs) == 1
    photo_id = thumbs[0][0]
    assert collector.photo(photo_id)  # the reporter's own case: its photo comes
    unit = remote_centre.root("unit_hbz").seat()
    with pytest.raises(NotFoundError):
        unit.case_detail(made.id)  # the case is not the unit's …
    with pytest.raises(NotFoundError) as outside:
        unit.photo(photo_id)  # … nor is its photo, by id
    with pytest.raises(NotFoundError) as unknown:
        unit.photo(10**9)
    assert outside.value.message == unknown.value.message
    assert made.case_no not in outside.value.message

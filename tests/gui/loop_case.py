"""A case driven through the whole loop with one rework, every note typed, photos at each step.

Used by the detail pane's GUI tests and by ``tests/gui/test_detail_timeline.py``'s renders.
Every step goes through the real services (``report_case`` / ``act``), as a desk would.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from PIL import Image

from console.app import App
from console.domain.commands import Command
from console.photos import photo_from_bytes
from console.services.cases import Report, act, report_case
from console.services.uow import NewPhoto

SHANGHAI = ZoneInfo("Asia/Shanghai")
GRID = "330824001001001"  # 芹阳办事处, first cell (collector caiji01's)

#: The notes and reasons the story types, by step: each must be readable on the desk.
TEXTS = {
    "verify": "现场确认：路口东侧约 2 立方米生活垃圾，影响通行",
    "extension": "需调派压缩车，车辆在城南作业",
    "deny": "垃圾量不大，按原时限处置",
    # A second line and a long link with no break chance: the pane must wrap it, not widen.
    "urge": "请于午前清运完毕，领导关注\n市民视频：https://video.kaihua.example.gov.cn/"
            "12345/2026/11/24/0000000000000000000000000000000000000000000000000000000000.mp4",
    "feedback1": "已清运，路面冲洗干净",
    "check_fail": "东侧绿化带内仍有残留垃圾袋三处，需返工",
    "feedback2": "绿化带内残留已全部清理，增设临时垃圾桶一个",
    "check_pass": "复查合格，现场整洁",
}


@dataclass
class Story:
    """The case the story made and when each step happened (aware, Asia/Shanghai)."""

    case_id: int
    times: dict[str, datetime]


def jpeg(color: str, name: str, kind: str) -> NewPhoto:
    """A small valid JPEG photo."""
    out = io.BytesIO()
    Image.new("RGB", (160, 120), color).save(out, "JPEG")
    return photo_from_bytes(out.getvalue(), name, kind)


def run_loop(app: App, start: datetime, *, until: str | None = None) -> Story:
    """Report a hotline case at ``start`` and run it through the loop; stop after ``until``.

    The steps, a few minutes apart: report (photo) · accept · request-verify (caiji01) ·
    verify (found, notes) · file · dispatch · start · request-extension · deny · urge ·
    feedback (notes, photo) · request-check (caiji01) · check-fail (notes, photo) · start ·
    feedback (notes, 2 photos) · request-check (nobody named) · check-pass (notes) · close.
    """
    centre = app.centre
    factory = app.uow_factory
    times: dict[str, datetime] = {}
    clock = [start]

    def at(step: str, minutes: int) -> datetime:
        clock[0] += timedelta(minutes=minutes)
        times[step] = clock[0]
        return clock[0]

    times["report"] = start
    made = report_case(
        factory, centre, centre.actor("shouli1", "desk-1"), start,
        Report(category="06010", description="开化县芹阳路与解放街路口东侧堆放大量生活垃圾",
               source="12345热线", grid=GRID, contact="13800000000",
               photos=[jpeg("#8d6e63", "市民来电现场照.jpg", "before")]),
    )
    case_id = made.case.id
    assert case_id is not None
    unit = made.route.unit
    unit_user = next(u.username for u in centre.ref.users.values()
                     if u.unit == unit and u.role == "责任单位")
    steps: list[tuple[str, str, Command, dict[str, object], int, list[NewPhoto]]] = [
        ("accept", "shouli1", Command.ACCEPT, {}, 4, []),
        ("request-verify", "shouli1", Command.REQUEST_VERIFY, {"collector": "caiji01"}, 2, []),
        ("verify", "caiji01", Command.VERIFY, {"found": True, "notes": TEXTS["verify"]}, 25, []),
        ("file", "zhibanzhang1", Command.FILE, {}, 5, []),
        ("dispatch", "paiqian1", Command.DISPATCH, {"unit": unit}, 5, []),
        ("start", unit_user, Command.START, {}, 10, []),
        ("request-extension", unit_user, Command.REQUEST_EXTENSION,
         {"minutes": 120, "reason": TEXTS["extension"]}, 10, []),
        ("deny-request", "zhibanzhang1", Command.DENY_REQUEST, {"reason": TEXTS["deny"]}, 8, []),
        ("urge", "zhibanzhang1", Command.URGE, {"note": TEXTS["urge"]}, 7, []),
        ("feedback1", unit_user, Command.FEEDBACK, {"notes": TEXTS["feedback1"]}, 30,
         [jpeg("#4caf50", "清运后.jpg", "after")]),
        ("request-check1", "shouli1", Command.REQUEST_CHECK, {"collector": "caiji01"}, 5, []),
        ("check-fail", "caiji01", Command.CHECK_FAIL, {"notes": TEXTS["check_fail"]}, 150,
         [jpeg("#f44336", "绿化带残留.jpg", "after")]),
        ("start2", unit_user, Command.START, {}, 20, []),
        ("feedback2", unit_user, Command.FEEDBACK, {"notes": TEXTS["feedback2"]}, 30,
         [jpeg("#2196f3", "返工后全景.jpg", "after"), jpeg("#03a9f4", "临时垃圾桶.jpg", "after")]),
        ("request-check2", "shouli1", Command.REQUEST_CHECK, {}, 17 * 60, []),
        ("check-pass", "caiji01", Command.CHECK_PASS, {"notes": TEXTS["check_pass"]}, 30, []),
        ("close", "zhibanzhang1", Command.CLOSE, {}, 30, []),
    ]
    for step, user, command, fields, minutes, photos in steps:
        act(factory, centre, centre.actor(user, "desk-2"), at(step, minutes), case_id, command,
            dict(fields), photos=photos)
        if step == until:
            break
    return Story(case_id, times)

"""The wall's red list holds the most overdue cases; its title counts every red case."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from console.domain.cases import CaseState
from console.domain.deadlines import Light
from console.services.wall import RedCase, WallData
from console.ui.wall.board import BoardPage

NOW = datetime(2026, 11, 25, 15, 30, tzinfo=ZoneInfo("Asia/Shanghai"))


def _red(n: int) -> RedCase:
    return RedCase(n, f"KH2026{n:05d}", CaseState.HANDLING, "处置", "暴露垃圾", "Exposed rubbish",
                   "KH-ZHZF", "县综合执法局", "芹阳办事处", 1000 - n)


def test_a_cut_red_list_says_how_many_are_red_and_how_many_are_listed(qtbot) -> None:
    board = BoardPage()
    qtbot.addWidget(board)
    lights = {Light.RED: 250, Light.YELLOW: 3, Light.GREEN: 9}
    board.set_data(WallData(as_of=NOW, lights=lights, red_list=tuple(_red(i) for i in range(2))))
    assert board.red_title.text() == "超时案件 250 件（列出超时最久的 2 件）"
    assert board.red_model.keys() == ["KH202600000", "KH202600001"]
    board.set_data(WallData(as_of=NOW, lights={**lights, Light.RED: 2},
                            red_list=tuple(_red(i) for i in range(2))))
    assert board.red_title.text() == "超时案件 2 件"

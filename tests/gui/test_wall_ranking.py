"""The wall's unit ranking: units with nothing due this month show "—", after the ranked ones.

Before, every listed unit got a number (1, 2, 3 …) even when it had handled nothing and had
nothing late: a unit with nothing due sat in the ranking like one that had done badly.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt

from console.services.wall import UnitRank, WallData, rank_units
from console.ui.wall.board import BoardPage

NOW = datetime(2026, 11, 25, 15, 30, tzinfo=ZoneInfo("Asia/Shanghai"))


def test_units_with_nothing_due_have_no_rank_and_come_last(qtbot) -> None:
    board = BoardPage()
    qtbot.addWidget(board)
    units = rank_units([
        UnitRank("KH-IDLE", "县闲置局", open_cases=2),  # open, not late, nothing handled
        UnitRank("KH-LATE", "县迟办局", open_cases=3, red=3, late_open=3),  # 0 of 3
        UnitRank("KH-GOOD", "县综合执法局", open_cases=40, handled=400, on_time=380),
        UnitRank("KH-TIE", "县住建局", open_cases=4, handled=20, on_time=19),
    ])
    board.set_data(WallData(as_of=NOW, units=tuple(units)))
    model = board.rank_model
    rows = [[model.index(r, c).data() for c in range(model.columnCount())]
            for r in range(model.rowCount())]
    assert model.keys() == ["KH-TIE", "KH-GOOD", "KH-LATE", "KH-IDLE"]  # ties: fewer open first
    assert [row[0] for row in rows] == ["1", "1", "3", "—"]  # 95 % twice, then 0 %
    assert rows[2][4:] == ["0.0%", "0/3"]  # late and not done: due
    assert rows[3][4:] == ["—", "本月无应处置"]
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    assert headers[-1] == "按时/应处置"

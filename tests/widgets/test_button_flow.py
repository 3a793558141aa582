"""ButtonFlow: whole labels at any width; hints only when they fit; fewer columns when not."""

from __future__ import annotations

from PySide6.QtWidgets import QPushButton

from widgets.button_flow import ButtonFlow

LABELS = [("受理", "受理 [A]"), ("不予受理", "不予受理 [Shift+A]"), ("合并重复", "合并重复 [M]"),
          ("申请作废", "申请作废 [Shift+Del]")]


def _flow(qtbot, width: int) -> ButtonFlow:
    flow = ButtonFlow(max_columns=3)
    qtbot.addWidget(flow)
    flow.resize(width, 200)
    flow.show()
    flow.set_buttons([(QPushButton(), plain, hinted) for plain, hinted in LABELS])
    flow.resize(width, 200)
    return flow


def _whole(flow: ButtonFlow) -> bool:
    return all(b.width() >= b.sizeHint().width() for b in flow.buttons())


def test_wide_shows_hints_in_three_columns(qtbot) -> None:
    flow = _flow(qtbot, 900)
    qtbot.waitUntil(lambda: flow.columns == 3)
    assert flow.hints_shown and flow.buttons()[1].text() == "不予受理 [Shift+A]"
    assert _whole(flow) and flow.height() > 0


def test_narrow_drops_hints_then_columns_never_cutting_a_label(qtbot) -> None:
    for width in (420, 300, 200, 120):
        flow = _flow(qtbot, width)
        qtbot.wait(10)
        assert _whole(flow), width
        rows = -(-len(LABELS) // flow.columns)
        assert flow.height() >= rows * flow.buttons()[0].sizeHint().height()
    assert flow.columns == 1 and not flow.hints_shown


def test_hints_go_only_when_they_cost_a_row(qtbot) -> None:
    plain = max(QPushButton(p).sizeHint().width() for p, _h in LABELS)
    hinted = max(QPushButton(h).sizeHint().width() for _p, h in LABELS)
    # Room for two hinted columns and three plain ones: four buttons are two rows either
    # way, so the hints stay.
    width = max(2 * hinted + 20, 3 * plain + 30)
    assert width < 3 * hinted
    flow = _flow(qtbot, width)
    qtbot.waitUntil(lambda: flow.columns == 2)
    assert flow.hints_shown and _whole(flow)
    # Two more buttons: three hinted rows against two plain ones, so the hints go.
    flow.set_buttons([(QPushButton(), p, h) for p, h in [*LABELS, ("督办", "督办 [U]"),
                                                           ("结案", "结案 [C]")]])
    assert flow.columns == 3 and not flow.hints_shown and _whole(flow)


def test_new_buttons_replace_the_old(qtbot) -> None:
    flow = _flow(qtbot, 600)
    old = flow.buttons()
    flow.set_buttons([(QPushButton(), "结案", "结案 [C]")])
    assert flow.buttons() != old and [b for b in flow.findChildren(QPushButton)
                                      if b is not flow.more] == flow.buttons()
    flow.set_buttons([])
    assert flow.height() == 0


def test_buttons_beyond_the_rows_go_into_the_more_menu(qtbot) -> None:
    flow = ButtonFlow(max_columns=3, max_rows=2, more_text="更多…")
    qtbot.addWidget(flow)
    flow.show()
    clicked: list[str] = []
    made = []
    for i in range(8):
        button = QPushButton()
        button.clicked.connect(lambda _c=False, i=i: clicked.append(str(i)))
        button.setEnabled(i != 7)
        made.append((button, f"操作{i}", f"操作{i} [F{i}]"))
    flow.resize(150, 200)  # one column: two rows, the second is "more"
    flow.set_buttons(made)
    flow.resize(150, 200)
    qtbot.waitUntil(lambda: flow.more.isVisible())
    assert flow.columns == 1 and len(flow.overflow) == 7
    actions = flow.more.menu().actions()
    assert [a.text() for a in actions] == [f"操作{i} [F{i}]" for i in range(1, 8)]
    assert not actions[-1].isEnabled()  # a disabled step stays disabled in the menu
    actions[2].trigger()
    assert clicked == ["3"]
    rows = 2
    assert flow.height() <= rows * made[0][0].sizeHint().height() + 20
    flow.resize(2000, 200)  # three columns: 5 buttons and "more" with the last 3
    qtbot.waitUntil(lambda: flow.columns == 3)
    assert len(flow.overflow) == 3 and flow.more.isVisible()
    flow.set_buttons(made[:6])  # six fit in two rows of three: no menu
    assert not flow.overflow and not flow.more.isVisible()

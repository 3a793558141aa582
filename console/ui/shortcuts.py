"""Every keyboard shortcut of the console, in one table (buttons, menus and F1 read it).

Single letters act on the current case (the one in the detail pane).  Text fields keep their
letters: Qt gives a focused line edit the key first (ShortcutOverride), so typing never fires
an action.
"""

from __future__ import annotations

from collections.abc import Mapping

from console.domain.commands import Command
from console.ui.i18n import N_

#: Workflow commands on the current case.
SHORTCUTS: Mapping[Command, str] = {
    Command.ACCEPT: "A",
    Command.REFUSE: "Shift+A",
    Command.REQUEST_VERIFY: "V",
    Command.VERIFY: "Shift+V",
    Command.FILE: "F",
    Command.REFUSE_FILE: "Ctrl+Shift+F",
    Command.DISPATCH: "D",
    Command.DESIGNATE: "Shift+D",
    Command.SUBDISPATCH: "Ctrl+Shift+D",
    Command.START: "S",
    Command.FEEDBACK: "B",
    Command.REQUEST_CHECK: "K",
    Command.CHECK_PASS: "P",
    Command.CHECK_FAIL: "Shift+P",
    Command.CLOSE: "C",
    Command.REQUEST_RETURN: "T",
    Command.REQUEST_EXTENSION: "E",
    Command.REQUEST_SUSPEND: "G",
    Command.REQUEST_VOID: "Shift+Del",
    Command.APPROVE_RETURN: "Ctrl+Return",
    Command.APPROVE_EXTENSION: "Ctrl+Return",
    Command.APPROVE_SUSPEND: "Ctrl+Return",
    Command.APPROVE_VOID: "Ctrl+Return",
    Command.DENY_REQUEST: "Ctrl+Backspace",
    Command.RESUME: "O",
    Command.MERGE: "M",
    Command.URGE: "U",
    Command.ACK_ALERT: "Ctrl+K",
    # 自处置审核 with the approval keys: Ctrl+Return approves, Ctrl+Backspace rejects.
    Command.APPROVE_SELF_HANDLED: "Ctrl+Return",
    Command.REJECT_SELF_HANDLED: "Ctrl+Backspace",
}

#: Window-level actions: (key, Chinese label) by action name.
WINDOW_SHORTCUTS: Mapping[str, tuple[str, str]] = {
    "new_report": ("Ctrl+N", N_("新建上报")),
    "find_case": ("Ctrl+F", N_("查找案件（编号 / 电话尾号 / 地址）")),
    "dispatch_to": ("Ctrl+D", N_("派遣到其他单位…")),
    "file_with_choices": ("Shift+F", N_("立案…（选择类别、立案条件与时限）")),
    "next_case": ("N", N_("下一件待办")),
    "focus_intake": ("Alt+1", N_("转到待受理队列")),
    "focus_dispatch": ("Alt+2", N_("转到待派遣队列")),
    "focus_board": ("Alt+3", N_("转到处置中看板")),
    "focus_map": ("Alt+4", N_("转到地图")),
    "focus_approvals": ("Alt+5", N_("转到审批队列")),
    "focus_check": ("Alt+6", N_("转到核查结案队列")),
    "refresh": ("F5", N_("刷新")),
    "evaluation": ("Ctrl+E", N_("考核评价")),
    "help": ("F1", N_("快捷键一览")),
    "reset_layout": ("Ctrl+Shift+R", N_("重置布局")),
    "charts_window": ("Ctrl+Shift+G", N_("统计图表：单独窗口")),
    "video_patrol": ("Ctrl+Shift+V", N_("视频巡查：摄像机轮巡（F2 以当前画面上报）")),
    "admin": ("Ctrl+Shift+A", N_("系统管理：用户与参考数据（管理员）")),
    "sign_out": ("Ctrl+Shift+L", N_("注销 / 切换用户")),
    "quit": ("Ctrl+Q", N_("退出")),
}

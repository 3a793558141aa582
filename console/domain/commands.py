"""Workflow commands and the fields each one carries.

A command is a name plus a mapping of fields; :data:`console.domain.workflow.TABLE` says which
fields each (state, command) needs.  Keeping commands as data (not one class each) lets the CLI,
the console and the tests iterate over them.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


class Command(enum.StrEnum):
    """Every step and side path of the national loop, with the CLI verb as its value."""

    REPORT = "report"  # 上报
    ACCEPT = "accept"  # 受理
    REFUSE = "refuse"  # 不予受理
    REQUEST_VERIFY = "request-verify"  # 发核实
    VERIFY = "verify"  # 核实 (result)
    FILE = "file"  # 立案
    REFUSE_FILE = "refuse-file"  # 不予立案
    DISPATCH = "dispatch"  # 派遣
    SUBDISPATCH = "subdispatch"  # 二级派遣 (street/town office to its own unit)
    START = "start"  # 单位签收、开始处置
    FEEDBACK = "feedback"  # 处置反馈
    REQUEST_CHECK = "request-check"  # 发核查
    CHECK_PASS = "check-pass"  # 核查通过
    CHECK_FAIL = "check-fail"  # 核查不通过 -> 返工
    CLOSE = "close"  # 结案
    REQUEST_RETURN = "request-return"  # 申请回退
    REQUEST_EXTENSION = "request-extension"  # 申请延期
    REQUEST_SUSPEND = "request-suspend"  # 申请挂账
    REQUEST_VOID = "request-void"  # 申请作废
    APPROVE_RETURN = "approve-return"
    APPROVE_EXTENSION = "approve-extension"
    APPROVE_SUSPEND = "approve-suspend"
    APPROVE_VOID = "approve-void"
    DENY_REQUEST = "deny-request"  # 驳回申请
    RESUME = "resume"  # 挂账恢复
    MERGE = "merge"  # 合并重复案件
    URGE = "urge"  # 督办
    DESIGNATE = "designate"  # 指定代整改单位
    ACK_ALERT = "ack-alert"  # 确认告警 (red light, urgent report): logged, state unchanged
    SELF_HANDLE = "self-handle"  # 自处置上报: a collector fixed a minor problem on the spot
    APPROVE_SELF_HANDLED = "approve-self-handled"  # 自处置审核通过 -> 已结案 (自处置)
    REJECT_SELF_HANDLED = "reject-self-handled"  # 自处置审核不通过 -> 待受理 (an ordinary report)
    REASSIGN = "reassign"  # 改派: a waiting 核实 / 核查 visit to another collector (clock runs on)


LABELS_ZH: Mapping[Command, str] = {
    Command.REPORT: "上报",
    Command.ACCEPT: "受理",
    Command.REFUSE: "不予受理",
    Command.REQUEST_VERIFY: "发核实",
    Command.VERIFY: "核实",
    Command.FILE: "立案",
    Command.REFUSE_FILE: "不予立案",
    Command.DISPATCH: "派遣",
    Command.SUBDISPATCH: "二级派遣",
    Command.START: "签收处置",
    Command.FEEDBACK: "处置反馈",
    Command.REQUEST_CHECK: "发核查",
    Command.CHECK_PASS: "核查通过",
    Command.CHECK_FAIL: "核查不通过（返工）",
    Command.CLOSE: "结案",
    Command.REQUEST_RETURN: "申请回退",
    Command.REQUEST_EXTENSION: "申请延期",
    Command.REQUEST_SUSPEND: "申请挂账",
    Command.REQUEST_VOID: "申请作废",
    Command.APPROVE_RETURN: "批准回退",
    Command.APPROVE_EXTENSION: "批准延期",
    Command.APPROVE_SUSPEND: "批准挂账",
    Command.APPROVE_VOID: "批准作废",
    Command.DENY_REQUEST: "驳回申请",
    Command.RESUME: "挂账恢复",
    Command.MERGE: "合并重复",
    Command.URGE: "督办",
    Command.DESIGNATE: "指定代整改",
    Command.ACK_ALERT: "确认告警",
    Command.SELF_HANDLE: "自处置上报",
    Command.APPROVE_SELF_HANDLED: "自处置审核通过",
    Command.REJECT_SELF_HANDLED: "自处置审核不通过",
    Command.REASSIGN: "改派监督员",
}


@dataclass(frozen=True, slots=True)
class Action:
    """A command with its fields, as an operator or a channel issued it."""

    command: Command
    fields: Mapping[str, Any] = field(default_factory=dict)

    def get(self, name: str, default: Any = None) -> Any:
        """A field's value, or ``default`` when absent or None."""
        value = self.fields.get(name)
        return default if value is None else value

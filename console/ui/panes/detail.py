"""The case detail pane: fields, photos, the timeline and the actions this seat may take."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLayout,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from console.domain.cases import Stage
from console.domain.commands import Command
from console.domain.event_facts import TaskHolder
from console.domain.options import ActionOption
from console.services import timefmt
from console.services.collector_places import CollectorFix
from console.services.queries import CaseDetail
from console.services.timefmt import Zoned
from console.services.uow import PhotoInfo
from console.ui.dialogs.collector_pick import distance_text
from console.ui.i18n import _, command_label, countdown_text, error_text, label, light_label
from console.ui.models.case_table import category_text
from console.ui.names import localized
from console.ui.panes.nearby_cameras import NearbyCameras
from console.ui.panes.timeline import TimelineView, photo_kind, thumbnail_button
from console.ui.shortcuts import SHORTCUTS
from console.ui.theme import light_color
from widgets.banner import Banner
from widgets.button_flow import ButtonFlow

_STAGES = frozenset(s.value for s in Stage)


def mask_contact(contact: str) -> str:
    """A phone number or name as lists show it: ``138****0000``."""
    text = contact.strip()
    if len(text) >= 7:
        return text[:3] + "*" * (len(text) - 7) + text[-4:]
    return text[:1] + "*" * (len(text) - 1) if text else ""


def holder_text(holder: TaskHolder, zone: Zoned) -> str:
    """Who holds a 核实 / 核查 task and since when, in the centre's time."""
    since = timefmt.short(zone, holder.since)
    task = label(holder.task)
    if not holder.sent:
        return _("{task}：待{role}发出，自 {time}").format(
            task=task, role=label(holder.role), time=since)
    if holder.collector:
        return _("{task}：{who}，自 {time}").format(task=task, who=holder.name, time=since)
    return _("{task}：{role}（未指定人员），自 {time}").format(
        task=task, role=label(holder.role), time=since)


def fix_text(fix: CollectorFix | None, zone: Zoned) -> str:
    """Where the holder was last seen: ``10:42，距案件 120 米`` (or that there is no fix)."""
    if fix is None:
        return _("无定位")
    when = timefmt.short(zone, fix.t)
    if fix.distance_m is None:
        return when
    return _("{time}，距案件 {distance}").format(time=when, distance=distance_text(fix.distance_m))


class DetailPane(QWidget):
    """Everything about one case.

    Photos arrive as (photo id, kind, thumbnail bytes) from the caller, which loads them on the
    worker thread; each is shown in the timeline under the step that added it.  Every time is
    in the centre's zone (``CaseDetail.tz``), whatever the workstation's zone.
    """

    action_requested = Signal(int, str)
    """A button was pressed: (case id, command value)."""

    photo_requested = Signal(int)
    """A thumbnail was clicked: the photo id to enlarge."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("pane_detail")
        self.case_id: int | None = None
        self.version: int | None = None
        self._options: tuple[ActionOption, ...] = ()
        self._offline: str | None = None  # why every action is off (the database is away)
        #: This seat sees where collectors are (受理员, 派遣员, 值班长, 管理员): the holder's last
        #: fix is shown, or that there is none.
        self.watches_collectors = False
        self.banner = Banner()
        self.header = QLabel(_("未选择案件"))
        # Another desk has this case open (desk presence): said before anyone acts on it.
        self.presence_label = QLabel("")
        self.presence_label.setObjectName("detail_presence")
        self.presence_label.setStyleSheet("color: #fb8c00; font-weight: bold;")
        self.presence_label.hide()
        self.header.setObjectName("detail_header")
        self.header.setWordWrap(True)
        self.fields = QFormLayout()
        self.fields.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        self.photos = QHBoxLayout()
        self.photos.addStretch(1)
        # Two rows at most: the case itself must stay in sight in a short pane.
        self.action_flow = ButtonFlow(max_columns=3, max_rows=2, more_text=_("更多…"))
        self.action_flow.setObjectName("detail_actions")
        self.cameras = NearbyCameras()  # 附近视频: filled by the window (console.ui.case_video)
        self.timeline = TimelineView()
        self.timeline.photo_requested.connect(self.photo_requested)

        body = QWidget()
        column = QVBoxLayout(body)
        column.addWidget(self.header)
        column.addWidget(self.presence_label)
        column.addLayout(self.fields)
        column.addLayout(self.photos)
        column.addWidget(self.cameras)
        column.addWidget(QLabel(_("时间线")))
        column.addWidget(self.timeline)
        column.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        # Text wraps to the pane's width; only the height scrolls.
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(body)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.banner)
        layout.addWidget(self.action_flow)
        layout.addWidget(scroll, 1)
        self.banner.clear()

    def show_case(self, detail: CaseDetail, options: Sequence[ActionOption],
                  thumbnails: Sequence[tuple[int, str, bytes]] = (),
                  holder_fix: CollectorFix | None = None) -> None:
        """Fill the pane with a case, its timeline, photos and action buttons (and where the
        collector holding its visit was last seen)."""
        row = detail.row
        case = row.case
        assert case.id is not None
        if case.id != self.case_id:
            self.banner.clear()
        self.case_id, self.version = case.id, case.version
        light = ""
        if row.countdown is not None:
            cd = row.countdown
            light = f" · {label(Stage(cd.stage))} {countdown_text(cd.remaining)} · {light_label(cd.light)}"
        self.header.setText(f"<b>{case.case_no}</b> · {label(case.state)}{light}")
        if row.countdown is not None:
            color = light_color(row.countdown.light).name()
            self.header.setStyleSheet(f"border-left: 6px solid {color}; padding-left: 6px;")
        else:
            self.header.setStyleSheet("")
        self._fill_fields(detail, holder_fix)
        thumbs = {photo_id: data for photo_id, _kind, data in thumbnails}
        self._fill_photos(detail, detail.loose_photos, thumbs)
        self.timeline.set_entries(detail, detail.timeline, thumbs)
        self._fill_actions(case.id, options)

    def _fill_fields(self, detail: CaseDetail, holder_fix: CollectorFix | None) -> None:
        while self.fields.rowCount():
            self.fields.removeRow(0)
        row = detail.row
        c = row.case
        pairs = [
            (_("类别"), f"{c.category} {category_text(detail.row)}"),
            (_("来源"), label(c.source)),
            (_("描述"), c.description),
            (_("位置"), f"{localized(c.street or '', row.street_en)} · {_('网格')} {c.grid or ''} "
                        f"{c.address}"),
            (_("坐标"), f"{c.lon:.6f}, {c.lat:.6f}" if c.lon is not None and c.lat is not None else "—"),
            (_("部件"), c.component_id or "—"),
            (_("联系人"), mask_contact(c.contact) or "—"),
            (_("上报时间"), timefmt.date_time(detail, c.reported_at)),
        ]
        if c.stage_deadline is not None and c.stage:
            stage = label(Stage(c.stage)) if c.stage in _STAGES else c.stage
            pairs.append((_("当前时限"), _("{stage}，截止 {time}").format(
                stage=stage, time=timefmt.date_time(detail, c.stage_deadline))))
        if detail.holder is not None:
            pairs.append((_("任务持有人"), holder_text(detail.holder, detail)))
            if detail.holder.collector and self.watches_collectors:
                pairs.append((_("最后定位"), fix_text(holder_fix, detail)))
        pairs += [
            (_("建议单位"), localized(row.suggested_name, row.suggested_name_en) or "—"),
            (_("派遣依据"), c.routing_rule or "—"),
            (_("责任单位"), localized(row.unit_name, row.unit_name_en) or "—"),
            (_("返工 / 回退 / 延期 / 督办"),
             f"{c.rework_count} / {c.return_count} / {c.extension_count} / {c.urge_count}"),
        ]
        if c.pending is not None:
            p = c.pending
            pairs.append((_("待审批"), _("{kind}：{reason}（{who}，{time}）").format(
                kind=label(p.kind), reason=p.reason, who=p.requested_by,
                time=timefmt.short(detail, p.requested_at))))
        for name, value in pairs:
            text = QLabel(value)
            text.setWordWrap(True)
            text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.fields.addRow(name, text)

    def _fill_photos(self, zone: Zoned, photos: Sequence[PhotoInfo],
                     thumbs: dict[int, bytes]) -> None:
        """Photos no step of the timeline claims (the timeline shows all the others)."""
        _clear(self.photos, keep=1)
        for photo in photos:
            if photo.id not in thumbs:
                continue
            button = thumbnail_button(thumbs[photo.id], _("{kind} · {time} · {name}").format(
                kind=photo_kind(photo.kind), time=timefmt.short(zone, photo.uploaded_at),
                name=photo.filename))
            button.clicked.connect(lambda _c=False, pid=photo.id: self.photo_requested.emit(pid))
            self.photos.insertWidget(self.photos.count() - 1, button)

    def set_offline(self, reason: str | None) -> None:
        """Disable every action button, saying ``reason``; None enables them as the case allows."""
        self._offline = reason
        self._fill_actions(self.case_id or 0, self._options)

    def _fill_actions(self, case_id: int, options: Sequence[ActionOption]) -> None:
        self._options = tuple(options)
        made: list[tuple[QPushButton, str, str]] = []
        # Alerts are acknowledged from the alert strip, not as a step of the case.
        shown = [o for o in options if o.command is not Command.ACK_ALERT]
        for option in shown:
            key = SHORTCUTS.get(option.command, "")
            text = command_label(option.command)
            button = QPushButton(text)
            button.setObjectName(f"action_{option.command.value}")
            button.setEnabled(option.enabled and self._offline is None)
            button.setToolTip(error_text(option.reason) if not option.enabled
                              else self._offline or "")
            if option.command in (Command.DISPATCH, Command.CLOSE):
                button.setProperty("class", "success")
            button.clicked.connect(
                lambda _c=False, cmd=option.command.value: self.action_requested.emit(case_id, cmd)
            )
            if key:  # the key is in the tooltip always, on the button when everything fits
                tip = button.toolTip()
                button.setToolTip(f"{text} [{key}]" + (f"\n{tip}" if tip else ""))
            made.append((button, text, f"{text} [{key}]" if key else text))
        # Labels are never cut: the flow drops the key hints, then columns, as width runs out.
        self.action_flow.set_buttons(made)

    def set_presence(self, who: str) -> None:
        """Show "正在处理：name@desk" for the other desks on this case ("" hides it)."""
        self.presence_label.setText(_("正在处理：{who}").format(who=who) if who else "")
        self.presence_label.setVisible(bool(who))

    def clear_case(self) -> None:
        """Show nothing (the case left this seat's view)."""
        self.case_id = self.version = None
        self.header.setText(_("未选择案件"))
        self.header.setStyleSheet("")
        self._fill_actions(0, [])
        self.timeline.clear()
        _clear(self.photos, keep=1)
        self.cameras.set_cameras([])
        while self.fields.rowCount():
            self.fields.removeRow(0)

    def notify_changed_elsewhere(self, text: str) -> None:
        """Say who changed the open case from another desk (the pane reloads it)."""
        self.banner.show_message(text, "warning")


def _clear(layout: QLayout, keep: int = 0) -> None:
    """Delete a layout's widgets, keeping the last ``keep`` items (a trailing stretch)."""
    while layout.count() > keep:
        item = layout.takeAt(0)
        widget = item.widget() if item is not None else None
        if widget is not None:
            widget.hide()
            widget.setParent(None)  # gone from findChildren at once, not at the next loop
            widget.deleteLater()


class PhotoDialog(QDialog):
    """A photo at full size."""

    def __init__(self, data: bytes, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        pixmap = QPixmap()
        pixmap.loadFromData(data)
        view = QLabel()
        view.setPixmap(pixmap.scaled(QSize(1200, 900), Qt.AspectRatioMode.KeepAspectRatio,
                                     Qt.TransformationMode.SmoothTransformation))
        layout = QVBoxLayout(self)
        layout.addWidget(view)

"""The detail pane's timeline: one block per logged step, with its notes and its photos.

A table of six narrow columns could not hold a unit's 处置说明 or a collector's 核查意见 in a
pane a third of a 1366-pixel screen wide; each step is a block of wrapped text instead:

    11-25 09:12  处置反馈 → 待核查  按时
    unit_zhzf（责任单位）@desk-3 · 处置时限 11-25 12:00
    处置说明：已清运，路面冲洗干净
    [photo] [photo]

Part of :class:`console.ui.panes.detail.DetailPane` (not a pane of its own).
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QPalette, QPixmap
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QLabel,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from console.domain.cases import Stage
from console.domain.commands import Command
from console.domain.deadlines import Light
from console.domain.event_facts import EventFact, fact_line
from console.domain.source_events import SOURCE_UPDATE
from console.services import timefmt
from console.services.queries import TimelineEntry
from console.services.timefmt import Zoned
from console.services.uow import PhotoInfo
from console.ui.i18n import _, command_label, label, language
from console.ui.theme import light_color

_STAGES = frozenset(s.value for s in Stage)
_COMMANDS = frozenset(c.value for c in Command)
THUMB = QSize(80, 60)
PHOTO_COLUMNS = 4  # thumbnails per line: 4 x 88 px fits the narrowest pane (1366 x 768)


def step_name(kind: str) -> str:
    """A logged event's step as people read it (the command's label, else the raw type)."""
    if kind == SOURCE_UPDATE:  # what an intake channel's source did (not a workflow step)
        return _("源系统更新")
    return command_label(Command(kind)) if kind in _COMMANDS else kind


def photo_kind(kind: str) -> str:
    """``处置前`` for a report's photo, ``视频`` for a camera's frame, ``处置后`` for one sent
    with feedback or a check."""
    if kind == "video":
        return _("视频")
    return _("处置前") if kind == "before" else _("处置后")


def fact_text(fact: EventFact) -> str:
    """``处置说明：已清运`` in the console's language (a flag is its label alone)."""
    return fact_line(fact, label, english=language() == "en", template=_("{name}：{value}"))


def photo_text(photo: PhotoInfo) -> str:
    """A photo reference: ``照片：a.jpg（处置后）``."""
    return _("照片：{name}（{kind}）").format(name=photo.filename, kind=photo_kind(photo.kind))


def thumbnail_button(data: bytes, tooltip: str) -> QToolButton:
    """A clickable thumbnail at :data:`THUMB` size.

    qt-material gives every QToolButton a 36 px height and 12 px side borders (toolbar
    buttons), which shrank a photo to a stamp; this button sets its own box.
    """
    pixmap = QPixmap()
    pixmap.loadFromData(data)
    button = QToolButton()
    button.setObjectName("timeline_photo")
    button.setIcon(pixmap)
    button.setIconSize(THUMB)
    button.setToolTip(tooltip)
    button.setStyleSheet(
        f"QToolButton {{ height: {THUMB.height() + 4}px; width: {THUMB.width() + 4}px;"
        " margin: 0px; padding: 1px; border: 1px solid palette(mid); }"
        " QToolButton:hover { border: 1px solid palette(highlight); }")
    button.setFixedSize(THUMB.width() + 8, THUMB.height() + 8)
    return button


def _soft_breaks(text: str, every: int = 24) -> str:
    """Escape ``text`` for rich text, with break chances inside very long unbroken runs.

    Chinese wraps between any two characters, but a pasted URL or a long code has no break
    chance and would widen the pane; a zero-width space every ``every`` characters gives one.
    """
    out: list[str] = []
    for word in text.split(" "):
        pieces = [word[i:i + every] for i in range(0, len(word), every)] or [""]
        out.append("\u200b".join(html.escape(p) for p in pieces))
    return " ".join(out).replace("\n", "<br>")


class TimelineView(QWidget):
    """The steps of one case, oldest first, each with its notes, reasons, results and photos."""

    photo_requested = Signal(int)
    """A thumbnail was clicked: the photo id to enlarge."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("timeline")
        self._column = QVBoxLayout(self)
        self._column.setContentsMargins(0, 0, 0, 0)
        self._column.setSpacing(6)
        self._blocks: list[QFrame] = []
        self._texts: list[str] = []
        # Never wider than the pane: text wraps, it does not push a horizontal scroll bar.
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

    # -- our API -------------------------------------------------------------------------------
    def set_entries(self, zone: Zoned, entries: Sequence[TimelineEntry],
                    thumbnails: Mapping[int, bytes] | None = None) -> None:
        """Show ``entries`` (times in ``zone``, the centre's); ``thumbnails`` by photo id."""
        self.clear()
        thumbnails = thumbnails or {}
        for entry in entries:
            block, text = self._block(zone, entry, thumbnails)
            self._column.addWidget(block)
            self._blocks.append(block)
            self._texts.append(text)

    def clear(self) -> None:
        """Show no steps."""
        for block in self._blocks:
            block.hide()
            block.setParent(None)  # gone from findChildren at once, not at the next loop
            block.deleteLater()
        self._blocks.clear()
        self._texts.clear()

    def entry_count(self) -> int:
        """How many steps are shown."""
        return len(self._blocks)

    def entry_text(self, index: int) -> str:
        """A step's text as shown, one line per line (for tests and for copying)."""
        return self._texts[index]

    def entry_widget(self, index: int) -> QFrame:
        """A step's block."""
        return self._blocks[index]

    # -- building ------------------------------------------------------------------------------
    def _block(self, zone: Zoned, entry: TimelineEntry,
               thumbnails: Mapping[int, bytes]) -> tuple[QFrame, str]:
        e = entry.event
        muted = self.palette().color(QPalette.ColorRole.PlaceholderText).name()
        head = f"{timefmt.short(zone, e.occurred_at)}  {step_name(e.type)}"
        moved = e.from_state is not None and e.from_state is not e.to_state
        if moved:
            head += f" → {label(e.to_state)}"
        verdict = "" if e.on_time is None else (_("按时") if e.on_time else _("超时"))
        who = _("{user}（{role}）").format(user=e.actor, role=label(e.role))
        if e.desk:
            who += f"@{e.desk}"
        if e.stage_deadline is not None:
            stage = label(Stage(e.stage)) if e.stage in _STAGES else (e.stage or "")
            who += " · " + _("{stage}时限 {time}").format(
                stage=stage, time=timefmt.short(zone, e.stage_deadline))
        notes = [fact_text(f) for f in entry.facts]
        photos = [photo_text(p) for p in entry.photos]

        color = light_color(Light.GREEN if e.on_time else Light.RED).name()
        rich = [f"<b>{html.escape(head)}</b>"
                + (f"&nbsp;&nbsp;<span style='color:{color}'>{html.escape(verdict)}</span>"
                   if verdict else ""),
                f"<span style='color:{muted}'>{_soft_breaks(who)}</span>"]
        rich += [_soft_breaks(n) for n in notes]
        rich += [f"<span style='color:{muted}'>{_soft_breaks(p)}</span>" for p in photos]

        block = QFrame()
        block.setObjectName("timeline_entry")
        block.setFrameShape(QFrame.Shape.StyledPanel)
        block.setProperty("event_type", e.type)
        column = QVBoxLayout(block)
        column.setContentsMargins(6, 4, 6, 4)
        column.setSpacing(4)
        text = QLabel("<br>".join(rich))
        text.setObjectName("timeline_text")
        text.setTextFormat(Qt.TextFormat.RichText)
        text.setWordWrap(True)
        text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        text.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        column.addWidget(text)
        shown = [p for p in entry.photos if p.id in thumbnails]
        if shown:
            column.addLayout(self._thumbnails(zone, e.type, shown, thumbnails))
        plain = "\n".join([f"{head}  {verdict}".rstrip(), who, *notes, *photos])
        return block, plain

    def _thumbnails(self, zone: Zoned, kind: str, photos: Sequence[PhotoInfo],
                    thumbnails: Mapping[int, bytes]) -> QGridLayout:
        grid = QGridLayout()
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(4)
        for i, photo in enumerate(photos):
            tip = _("{kind} · {step} {time} · {name}").format(
                kind=photo_kind(photo.kind), step=step_name(kind),
                time=timefmt.short(zone, photo.uploaded_at), name=photo.filename)
            button = thumbnail_button(thumbnails[photo.id], tip)
            button.clicked.connect(lambda _c=False, pid=photo.id: self.photo_requested.emit(pid))
            grid.addWidget(button, i // PHOTO_COLUMNS, i % PHOTO_COLUMNS,
                           Qt.AlignmentFlag.AlignLeft)
        grid.setColumnStretch(PHOTO_COLUMNS, 1)
        return grid

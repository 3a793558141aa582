"""An item delegate that draws a cell's text on a rounded coloured pill."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, QRectF, QSize, Qt
from PySide6.QtGui import QBrush, QColor, QPainter
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

_H_PAD = 8  # pixels between text and pill edge
_V_MARGIN = 3  # pixels between pill and cell edge


def _relative_luminance(color: QColor) -> float:
    def linear(channel: float) -> float:
        return channel / 12.92 if channel <= 0.04045 else ((channel + 0.055) / 1.055) ** 2.4

    return (
        0.2126 * linear(color.redF())
        + 0.7152 * linear(color.greenF())
        + 0.0722 * linear(color.blueF())
    )


def contrast_text_color(background: QColor) -> QColor:
    """Return black or white, whichever contrasts more with ``background`` (WCAG 2 ratio)."""
    luminance = _relative_luminance(background)
    on_black = (luminance + 0.05) / 0.05
    on_white = 1.05 / (luminance + 0.05)
    return QColor(Qt.GlobalColor.black) if on_black >= on_white else QColor(Qt.GlobalColor.white)


def _to_color(value: object) -> QColor | None:
    if isinstance(value, QBrush):
        value = value.color()
    if isinstance(value, QColor | str | Qt.GlobalColor):
        color = QColor(value)
        return color if color.isValid() else None
    return None


class PillDelegate(QStyledItemDelegate):
    """Paint the DisplayRole text on a rounded pill coloured by another item-data role.

    The pill's colour comes from ``color_role`` (a QColor, QBrush, Qt.GlobalColor or colour
    name); the text is black or white, whichever reads better on it. Items without a valid
    colour are painted the default way, so one delegate can serve a whole column.

    Parameters
    ----------
    color_role : int
        Item-data role holding the pill colour, e.g. a module constant ``LightColorRole``.
    parent : QObject, optional
        The parent object, usually the view.
    """

    def __init__(self, color_role: int, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._color_role = color_role

    @property
    def color_role(self) -> int:
        """Item-data role read for the pill colour."""
        return self._color_role

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        """Draw the item background, then the pill with its text (or defer to the base class)."""
        color = _to_color(index.data(self._color_role))
        if color is None:
            super().paint(painter, option, index)
            return
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        text = opt.text
        opt.text = ""  # the style draws the background, selection and focus, but not the text
        style = opt.widget.style() if opt.widget is not None else None
        if style is not None:
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)
        metrics = opt.fontMetrics
        rect = QRectF(opt.rect).adjusted(_V_MARGIN, _V_MARGIN, -_V_MARGIN, -_V_MARGIN)
        text = metrics.elidedText(text, Qt.TextElideMode.ElideRight, int(rect.width()) - 2 * _H_PAD)
        width = min(rect.width(), metrics.horizontalAdvance(text) + 2 * _H_PAD)
        height = min(rect.height(), metrics.height() + 4)
        pill = QRectF(0, 0, width, height)
        pill.moveCenter(rect.center())
        if opt.displayAlignment & Qt.AlignmentFlag.AlignRight:
            pill.moveRight(rect.right())
        elif not opt.displayAlignment & Qt.AlignmentFlag.AlignHCenter:
            pill.moveLeft(rect.left())
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(color)
        painter.drawRoundedRect(pill, height / 2, height / 2)
        painter.setPen(contrast_text_color(color))
        painter.setFont(opt.font)
        painter.drawText(pill, Qt.AlignmentFlag.AlignCenter, text)
        painter.restore()

    def sizeHint(  # noqa: N802
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        """Leave room for the pill's padding around the text."""
        size = super().sizeHint(option, index)
        if _to_color(index.data(self._color_role)) is None:
            return size
        return QSize(
            size.width() + 2 * _H_PAD,
            max(size.height(), option.fontMetrics.height() + 4 + 2 * _V_MARGIN),
        )

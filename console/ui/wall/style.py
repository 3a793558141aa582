"""Look of the wall screen: a dark, high-contrast sheet whose sizes follow the window height.

A wall is read from across a hall, so every size here is given for a 1080-pixel-high screen and
multiplied by ``height / 1080`` (:func:`scale_for`): a 3840×2160 screen gets twice the type, a
1920×1080 one the base.  The sheet is set on the wall window itself, and a widget's own sheet
wins over the application's, so qt-material (desk density, either theme) cannot shrink it.

Widgets pick their look with the dynamic property ``wall`` (``label.setProperty("wall",
"tile-value")``); a tone (``tone="red"``) colours figures.  Light colours derive from
:data:`console.ui.theme.LIGHT_COLORS`, made readable on the dark panels.
"""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtGui import QFont
from PySide6.QtWidgets import QWidget

from console.domain.deadlines import Light
from console.ui.theme import CJK_FONTS, LIGHT_COLORS, readable_on

BASE_HEIGHT = 1080
"""Window height the sizes below are given for."""

BACKGROUND = "#05080d"
PANEL = "#0f1620"
BORDER = "#2a3a4d"
TEXT = "#ffffff"
MUTED = "#b8c4cf"  # 10:1 on the panels: secondary text still reads from afar
ACCENT = "#4fc3f7"

TEXT_COLORS: Mapping[Light, str] = {
    light: readable_on(LIGHT_COLORS[light], (BACKGROUND, PANEL)).name() for light in Light
}
"""Lights as text on the wall's panels (the fill colours, lightened where they would not read)."""

FILL_COLORS: Mapping[Light, str] = {
    light: readable_on(LIGHT_COLORS[light], (BACKGROUND, PANEL), 3.0).name() for light in Light
}
"""Lights as filled shapes (map markers, bars): the 3:1 contrast WCAG asks of graphics, so a red
marker does not sink into the dark map (Material red 900 reaches only 2.8:1 there)."""

TONES: Mapping[str, str] = {
    "red": TEXT_COLORS[Light.RED],
    "yellow": TEXT_COLORS[Light.YELLOW],
    "green": TEXT_COLORS[Light.GREEN],
    "accent": ACCENT,
    "muted": MUTED,
}

#: Pixel sizes at 1080 px: role -> (font size, bold).
FONT_PX: Mapping[str, tuple[int, bool]] = {
    "title": (40, True),
    "page-title": (34, False),
    "clock": (48, True),
    "date": (24, False),
    "fresh": (24, False),
    "tile-caption": (30, False),
    "tile-value": (104, True),
    "tile-note": (24, False),
    "section": (32, True),
    "legend": (34, True),
    "empty": (34, False),
    "pager": (24, False),
    "chart-tick": (22, False),
    "chart-value": (26, True),
    "table": (30, False),
    "table-header": (24, False),
    "banner": (32, True),
}


def scale_for(height: int) -> float:
    """The size factor of a window ``height`` pixels high (1.0 at 1080, 2.0 at 2160).

    Rounded to hundredths so that a resize by a pixel does not restyle the whole window.
    """
    return round(min(max(height / BASE_HEIGHT, 0.5), 4.0), 2)


def px(role: str, scale: float) -> int:
    """The font size of ``role`` in pixels at ``scale``."""
    return max(round(FONT_PX[role][0] * scale), 8)


def font(role: str, scale: float) -> QFont:
    """A QFont for ``role`` at ``scale`` (for pyqtgraph items, which style sheets do not reach)."""
    f = QFont()
    f.setFamilies(list(CJK_FONTS))
    f.setPixelSize(px(role, scale))
    f.setBold(FONT_PX[role][1])
    return f


def set_tone(widget: QWidget, tone: str) -> None:
    """Give ``widget`` a tone (``""`` for plain text) and re-apply the sheet to it."""
    if widget.property("tone") == tone:
        return
    widget.setProperty("tone", tone)
    # Dynamic-property selectors are matched at polish time: polish again after a change.
    widget.style().unpolish(widget)
    widget.style().polish(widget)


def style_sheet(scale: float) -> str:
    """The wall's style sheet at ``scale``."""
    rules = [
        f"QMainWindow, QWidget#wall_root, QStackedWidget {{ background: {BACKGROUND}; }}",
        f"QLabel {{ color: {TEXT}; background: transparent; }}",
        "QGraphicsView { border: none; }",  # charts and maps sit in panels with borders
        f"QFrame[wall=\"panel\"] {{ background: {PANEL}; border: {max(round(2 * scale), 1)}px"
        f" solid {BORDER}; border-radius: {round(10 * scale)}px; }}",
        f"QFrame[wall=\"header\"] {{ background: {PANEL}; border: none;"
        f" border-bottom: {max(round(3 * scale), 1)}px solid {ACCENT}; }}",
    ]
    for role, (size, bold) in FONT_PX.items():
        weight = "bold" if bold else "normal"
        rules.append(f"QLabel[wall=\"{role}\"] {{ font-size: {max(round(size * scale), 8)}px;"
                     f" font-weight: {weight}; }}")
    rules += [
        f"QLabel[wall=\"tile-caption\"], QLabel[wall=\"date\"], QLabel[wall=\"fresh\"],"
        f" QLabel[wall=\"pager\"], QLabel[wall=\"page-title\"] {{ color: {MUTED}; }}",
        f"QLabel[wall=\"section\"], QLabel[wall=\"title\"] {{ color: {ACCENT}; }}",
    ]
    rules += [f"QLabel[tone=\"{tone}\"] {{ color: {color}; }}" for tone, color in TONES.items()]
    table_px, header_px = px("table", scale), px("table-header", scale)
    pad = round(8 * scale)
    rules += [
        f"QTableView[wall=\"table\"] {{ background: {PANEL}; color: {TEXT};"
        f" alternate-background-color: #16202c; gridline-color: {BORDER}; border: none;"
        f" font-size: {table_px}px; selection-background-color: {PANEL};"
        f" selection-color: {TEXT}; }}",
        f"QTableView[wall=\"table\"] QHeaderView::section {{ background: {BACKGROUND};"
        f" color: {MUTED}; border: none; border-bottom: {max(round(2 * scale), 1)}px solid"
        f" {BORDER}; font-size: {header_px}px; font-weight: normal; text-transform: none;"
        f" padding: {pad}px {pad}px; }}",
        f"QFrame#banner QLabel {{ font-size: {px('banner', scale)}px; font-weight: bold; }}",
    ]
    return "\n".join(rules)

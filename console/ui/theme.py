"""Look of the console: qt-material theme, CJK fonts, and the traffic-light colours.

This is the only module that imports ``qt_material``.  It must come after PySide6: qt-material
picks its Qt binding from ``sys.modules`` at import time (isort keeps ``PySide6`` first).

:data:`LIGHT_COLORS` is the one source of truth for green / yellow / red: lists, the map, charts
and qt-material's ``success`` / ``warning`` / ``danger`` classes all derive from it.  A light is
drawn as a filled shape; text on it uses :func:`text_color_for`.  Where a light colour itself is
text on the window (a ``class="danger"`` button), :func:`readable_on` darkens or lightens it until
it reads on the theme's background.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from importlib.resources import files
from pathlib import Path
from xml.etree import ElementTree

from PySide6.QtCore import QStandardPaths
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import QApplication
from qt_material import apply_stylesheet  # after PySide6, see the module docstring

from console.domain.deadlines import Light
from console.ui.i18n import N_

THEMES = ("dark", "light")
"""Theme names stored in the settings."""

THEME_LABELS: Mapping[str, str] = {"dark": N_("深色"), "light": N_("浅色")}
"""Chinese names for a theme menu (translate with ``_()`` where shown)."""

THEME_FILES: Mapping[str, str] = {"dark": "dark_teal.xml", "light": "light_blue.xml"}

CJK_FONTS = ("Microsoft YaHei", "PingFang SC", "Noto Sans CJK SC", "WenQuanYi Micro Hei")
"""Font fallback chain: Windows, macOS, most Linux desktops, older Linux desktops."""

LIGHT_COLORS: Mapping[Light, str] = {
    Light.GREEN: "#43a047",
    Light.YELLOW: "#fbc02d",
    Light.RED: "#b71c1c",
}
"""Fill colours of the lights (Material green 600, yellow 700, red 900).

Each carries :func:`text_color_for` text at >= 4.5:1, and their luminance roughly doubles from
red to green to yellow, so the lights differ in greyscale too: red/green colour blindness (about
one man in sixteen) must not hide an overdue case.  Material's green 800 and red 800 look apart
but have the same luminance."""

OVERRIDES = Path(__file__).resolve().parents[2] / "resources" / "themes" / "overrides.qss"

_QT_MATERIAL_THEMES = files("qt_material") / "themes"
_BLACK = QColor("#000000")
_WHITE = QColor("#ffffff")


# --------------------------------------------------------------------------- colours


def light_color(light: Light) -> QColor:
    """The fill colour of a light (a new QColor; callers may change it)."""
    return QColor(LIGHT_COLORS[light])


def relative_luminance(color: QColor | str) -> float:
    """WCAG 2 relative luminance of a colour, 0 (black) to 1 (white)."""
    c = QColor(color)

    def channel(v: float) -> float:
        return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(c.redF()) + 0.7152 * channel(c.greenF()) + 0.0722 * channel(c.blueF())


def contrast_ratio(a: QColor | str, b: QColor | str) -> float:
    """WCAG 2 contrast ratio of two colours, 1 to 21 (4.5 is the bar for body text)."""
    la, lb = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def text_color_for(bg: QColor | str) -> QColor:
    """Black or white, whichever reads better on ``bg``."""
    return QColor(_BLACK if contrast_ratio(_BLACK, bg) >= contrast_ratio(_WHITE, bg) else _WHITE)


def readable_on(color: QColor | str, backgrounds: Iterable[str], ratio: float = 4.5) -> QColor:
    """``color`` darkened (light backgrounds) or lightened (dark ones) until it reads as text.

    Parameters
    ----------
    color : QColor or str
        The colour to keep the hue of.
    backgrounds : iterable of str
        Backgrounds the text may sit on; all of them must reach ``ratio``.
    ratio : float
        The contrast to reach (WCAG AA body text: 4.5).

    Returns
    -------
    QColor
        The first colour along the lightness axis that reaches ``ratio`` (black or white at
        worst, which always does for the backgrounds of one theme).
    """
    bgs = list(backgrounds)
    dark = max(relative_luminance(b) for b in bgs) < 0.18
    hsl = QColor(color).toHsl()
    h, s, lightness = hsl.hslHueF(), hsl.hslSaturationF(), hsl.lightnessF()
    step = 0.02 if dark else -0.02
    candidate = QColor(color)
    while min(contrast_ratio(candidate, b) for b in bgs) < ratio:
        lightness += step
        if not 0.0 <= lightness <= 1.0:
            return QColor(_WHITE if dark else _BLACK)
        candidate = QColor.fromHslF(h, s, lightness)
    return candidate


def theme_colors(theme: str) -> dict[str, str]:
    """qt-material's palette of one of :data:`THEMES` (``primaryColor``, ``secondaryColor`` …).

    Light themes get qt-material's ``invert_secondary`` swap, as :func:`apply_theme` applies it.
    """
    xml = (_QT_MATERIAL_THEMES / THEME_FILES[_checked(theme)]).read_text(encoding="utf-8")
    root = ElementTree.fromstring(xml)
    colors = {e.attrib["name"]: (e.text or "").strip() for e in root.iter("color")}
    if theme == "light":
        colors["secondaryLightColor"], colors["secondaryDarkColor"] = (
            colors["secondaryDarkColor"],
            colors["secondaryLightColor"],
        )
    return colors


def status_colors(theme: str) -> dict[str, str]:
    """qt-material's ``success`` / ``warning`` / ``danger`` text colours for ``theme``.

    Derived from :data:`LIGHT_COLORS`, adjusted to read on the theme's window and panel
    backgrounds (amber on white would not).
    """
    palette = theme_colors(theme)
    backgrounds = (palette["secondaryColor"], palette["secondaryDarkColor"])
    names = {"success": Light.GREEN, "warning": Light.YELLOW, "danger": Light.RED}
    return {k: readable_on(LIGHT_COLORS[v], backgrounds).name() for k, v in names.items()}


# --------------------------------------------------------------------------- applying


def _checked(theme: str) -> str:
    if theme not in THEMES:
        raise ValueError(f"unknown theme {theme!r}; expected one of {THEMES}")
    return theme


def icon_cache_dir(theme: str) -> Path:
    """Where qt-material writes the icons it recolours for ``theme``.

    qt-material's default (``~/.qt_material``) is fixed when it is imported; passing this
    folder as its ``parent`` keeps the files in the user cache and lets tests redirect HOME.
    """
    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.GenericCacheLocation)
    return Path(base) / "citydesk" / "qt-material" / theme


def apply_theme(app: QApplication, theme: str, density: int = 0) -> None:
    """Style the whole application: qt-material theme, our overrides, the CJK font chain.

    Parameters
    ----------
    app : QApplication
        The application to style.
    theme : str
        One of :data:`THEMES`.
    density : int
        qt-material's density scale: 0 for desks, positive for the wall screen, negative for
        dense tables.

    Raises
    ------
    ValueError
        For an unknown theme.
    """
    _checked(theme)
    font = app.font()
    font.setFamilies(list(CJK_FONTS))
    app.setFont(font)
    extra = {
        **status_colors(theme),
        "font_family": ", ".join(f'"{f}"' for f in CJK_FONTS),
        "density_scale": str(density),
    }
    cache = icon_cache_dir(theme)
    cache.mkdir(parents=True, exist_ok=True)
    # css_file is str.format()-ed with os.environ by qt-material: braces in it are doubled.
    apply_stylesheet(
        app,
        theme=THEME_FILES[theme],
        invert_secondary=theme == "light",
        extra=extra,
        parent=str(cache),
        css_file=str(OVERRIDES),
    )


def app_font(point_size: float | None = None) -> QFont:
    """A font with the CJK chain, optionally at ``point_size`` (KPI tiles, the wall screen)."""
    font = QFont()
    font.setFamilies(list(CJK_FONTS))
    if point_size is not None:
        font.setPointSizeF(point_size)
    return font

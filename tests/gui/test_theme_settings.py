"""Theme (qt-material, CJK fonts, light colours) and settings (defaults, layouts, headers)."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QApplication,
    QLabel,
    QMainWindow,
    QSplitter,
    QTableView,
    QTreeView,
)
from pytestqt.logging import _QtMessageCapture
from pytestqt.qtbot import QtBot
from qt_material import list_themes

from console.domain.deadlines import Light
from console.ui import settings as settings_mod
from console.ui import theme
from console.ui.settings import OPTIONS, Settings, WindowState

# --------------------------------------------------------------------------- theme


def test_theme_files_ship_with_qt_material() -> None:
    assert set(theme.THEME_FILES) == set(theme.THEMES) == {"dark", "light"}
    assert set(theme.THEME_FILES.values()) <= set(list_themes())


@pytest.mark.parametrize("name", theme.THEMES)
def test_apply_theme(
    themed_app: QApplication, qtbot: QtBot, qtlog: _QtMessageCapture, name: str, tmp_path: Path
) -> None:
    theme.apply_theme(themed_app, name)
    sheet = themed_app.styleSheet()
    assert "CityDesk overrides" in sheet  # resources/themes/overrides.qss was appended
    ours = sheet[sheet.index("CityDesk overrides") :]
    assert "{" in ours and "{{" not in ours and "{QTMATERIAL" not in ours  # and formatted
    assert themed_app.font().families()[: len(theme.CJK_FONTS)] == list(theme.CJK_FONTS)
    assert '"Microsoft YaHei", "PingFang SC"' in sheet  # qt-material's font-family too
    for colour in theme.status_colors(name).values():
        assert colour in sheet
    icons = theme.icon_cache_dir(name)
    assert icons.is_relative_to(tmp_path / "home"), "qt-material must write under HOME"
    assert any(icons.rglob("*.svg"))
    label = QLabel("待受理 剩 1:23")
    qtbot.addWidget(label)
    label.show()
    assert not label.grab().isNull()
    assert label.font().families() == list(theme.CJK_FONTS)  # through the stylesheet
    assert not [r.message for r in qtlog.records if "parse" in r.message.lower()]


def test_density_changes_the_stylesheet(themed_app: QApplication) -> None:
    theme.apply_theme(themed_app, "dark")
    normal = themed_app.styleSheet()
    theme.apply_theme(themed_app, "dark", density=2)
    assert themed_app.styleSheet() != normal


def test_unknown_theme_is_refused(themed_app: QApplication) -> None:
    sheet = themed_app.styleSheet()
    with pytest.raises(ValueError, match="unknown theme"):
        theme.apply_theme(themed_app, "solarized")
    assert themed_app.styleSheet() == sheet


def test_light_colors_come_from_one_table() -> None:
    assert set(theme.LIGHT_COLORS) == set(Light)
    for light, hex_colour in theme.LIGHT_COLORS.items():
        colour = theme.light_color(light)
        assert colour.name() == hex_colour
        colour.setRed(0)  # callers get a copy
        assert theme.light_color(light).name() == hex_colour


def test_light_colors_are_distinct_even_in_greyscale() -> None:
    # Red, green, yellow in rising luminance, each step at least 1.5:1, so a red/green
    # colour-blind operator still tells an overdue case from a healthy one.
    ladder = [theme.LIGHT_COLORS[x] for x in (Light.RED, Light.GREEN, Light.YELLOW)]
    assert len(set(ladder)) == 3
    for darker, lighter in itertools.pairwise(ladder):
        assert theme.relative_luminance(darker) < theme.relative_luminance(lighter)
        assert theme.contrast_ratio(darker, lighter) >= 1.5


@pytest.mark.parametrize("light", list(Light))
def test_text_on_a_light_is_readable(light: Light) -> None:
    fill = theme.light_color(light)
    assert theme.contrast_ratio(theme.text_color_for(fill), fill) >= 4.5


def test_text_color_for_extremes() -> None:
    assert theme.text_color_for("#000000").name() == "#ffffff"
    assert theme.text_color_for("#ffffff").name() == "#000000"
    assert theme.contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)


@pytest.mark.parametrize("name", theme.THEMES)
def test_status_colours_read_on_the_theme_background(name: str) -> None:
    palette = theme.theme_colors(name)
    for colour in theme.status_colors(name).values():
        for background in (palette["secondaryColor"], palette["secondaryDarkColor"]):
            assert theme.contrast_ratio(colour, background) >= 4.5, (name, colour, background)


# --------------------------------------------------------------------------- settings


def test_settings_defaults() -> None:
    s = Settings()
    assert (s.theme, s.language, s.last_user, s.last_db) == ("dark", "zh", "", "")
    assert s.wall_language == "zh"
    assert {name: o.default for name, o in OPTIONS.items()} == {
        "theme": "dark",
        "language": "zh",
        "wall_language": "zh",
        "last_user": "",
        "last_db": "",
    }
    assert s.window_state("张三") is None
    assert s.header_state("张三", "intake") is None
    assert s.splitter_state("张三", "main") is None


def test_settings_round_trip_through_the_isolated_file(qsettings_dir: Path) -> None:
    s = Settings()
    s.theme, s.language, s.last_user, s.last_db = "light", "en", "李四", "/data/centre.sqlite3"
    s.sync()
    again = Settings()
    assert (again.theme, again.language, again.last_user, again.last_db) == (
        "light",
        "en",
        "李四",
        "/data/centre.sqlite3",
    )
    assert list(qsettings_dir.rglob("CityDesk.ini")), "settings left the test folder"


def test_settings_refuse_bad_values_and_ignore_bad_files() -> None:
    s = Settings()
    with pytest.raises(ValueError, match="theme"):
        s.theme = "pink"
    with pytest.raises(ValueError, match="language"):
        s.language = "fr"
    raw = QSettings(
        QSettings.Format.IniFormat,
        QSettings.Scope.UserScope,
        settings_mod.ORGANIZATION,
        settings_mod.APPLICATION,
    )
    raw.setValue(OPTIONS["theme"].key, "pink")  # a hand-edited file
    raw.sync()
    assert Settings().theme == "dark"


def test_injected_qsettings(tmp_path: Path) -> None:
    store = QSettings(str(tmp_path / "own.ini"), QSettings.Format.IniFormat)
    Settings(store).theme = "light"
    assert store.value("ui/theme") == "light"


def test_layout_round_trip_and_reset_per_user() -> None:
    s = Settings()
    s.set_window_state("张三", b"geo\x00metry", b"\x01state")
    s.set_header_state("张三", "intake", b"header")
    s.set_splitter_state("张三", "main", b"splitter")
    s.set_window_state("a/b", b"other-geo", b"other-state")  # '/' must not open a group
    s.theme = "light"

    state = s.window_state("张三")
    assert state == WindowState(b"geo\x00metry", b"\x01state")
    geometry, layout = state  # unpacks, as main_window.py uses it
    assert (geometry, layout) == (b"geo\x00metry", b"\x01state")
    assert s.header_state("张三", "intake") == b"header"
    assert s.splitter_state("张三", "main") == b"splitter"

    s.reset_layout("张三")
    assert s.window_state("张三") is None
    assert s.header_state("张三", "intake") is None
    assert s.splitter_state("张三", "main") is None
    assert s.window_state("a/b") == WindowState(b"other-geo", b"other-state")
    assert s.theme == "light"
    with pytest.raises(ValueError, match="user"):
        s.window_state("")


def _table_model(rows: list[tuple[str, int, str, str]]) -> QStandardItemModel:
    model = QStandardItemModel(0, 4)
    model.setHorizontalHeaderLabels(["编号", "状态", "来源", "剩余"])
    for row in rows:
        items = []
        for value in row:
            item = QStandardItem()
            item.setData(value, Qt.ItemDataRole.DisplayRole)
            items.append(item)
        model.appendRow(items)
    return model


ROWS = [("C1", 3, "a", "x"), ("C2", 1, "b", "y"), ("C3", 2, "c", "z")]


@pytest.mark.parametrize("view_type", [QTableView, QTreeView])
def test_header_save_restore_round_trip(
    qtbot: QtBot, view_type: type[QTableView] | type[QTreeView]
) -> None:
    s = Settings()
    view = view_type()
    qtbot.addWidget(view)
    view.setModel(_table_model(ROWS))
    view.setSortingEnabled(True)
    header = settings_mod._header_of(view)
    header.resizeSection(1, 123)
    header.moveSection(3, 0)
    header.hideSection(2)
    view.sortByColumn(1, Qt.SortOrder.DescendingOrder)
    settings_mod.save_header(view, s, "张三", "intake")

    fresh = view_type()
    qtbot.addWidget(fresh)
    fresh.setModel(_table_model(ROWS))
    fresh.setSortingEnabled(True)
    assert settings_mod.restore_header(fresh, s, "李四", "intake") is False  # nothing saved
    assert settings_mod.restore_header(fresh, s, "张三", "intake") is True
    restored = settings_mod._header_of(fresh)
    assert restored.sectionSize(1) == 123
    assert restored.visualIndex(3) == 0
    assert restored.isSectionHidden(2)
    assert restored.sortIndicatorSection() == 1
    assert restored.sortIndicatorOrder() == Qt.SortOrder.DescendingOrder
    model = fresh.model()
    assert [model.index(r, 1).data() for r in range(3)] == [3, 2, 1]  # and sorted to match


def test_splitter_and_window_round_trip(qtbot: QtBot) -> None:
    s = Settings()
    splitter = QSplitter()
    qtbot.addWidget(splitter)
    splitter.setObjectName("main")
    splitter.addWidget(QLabel("左"))
    splitter.addWidget(QLabel("右"))
    splitter.resize(400, 100)
    splitter.setSizes([100, 300])
    settings_mod.save_splitter(splitter, s, "张三")
    assert s.splitter_state("张三", "main") is not None

    window = QMainWindow()
    qtbot.addWidget(window)
    window.resize(640, 480)
    settings_mod.save_window(window, s, "张三")
    again = QMainWindow()
    qtbot.addWidget(again)
    assert settings_mod.restore_window(again, s, "张三") is True
    assert again.size().toTuple() == (640, 480)
    assert settings_mod.restore_window(again, s, "李四") is False

    other = QSplitter()
    qtbot.addWidget(other)
    other.setObjectName("main")
    other.addWidget(QLabel("左"))
    other.addWidget(QLabel("右"))
    assert settings_mod.restore_splitter(other, s, "张三") is True
    with pytest.raises(ValueError, match="objectName"):
        settings_mod.save_splitter(QSplitter(), s, "张三")

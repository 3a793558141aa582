"""The supervisor's desk and the evaluation view at 1920x1080 and 3840x2160 (issue 4).

A 3840x2160 desk screen runs at 200 % scaling (Qt's default high-DPI behaviour), so the 4K
pictures are the 1920x1080 layout rendered at device pixel ratio 2, as such a screen shows it.
CITYDESK_UPDATE_SCREENSHOTS=1 writes them to docs/screenshots/.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

from console.ui.evaluation_view import EvaluationView
from console.ui.theme import apply_theme

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.mark.parametrize(("width", "height"), [(1920, 1080), (3840, 2160)])
def test_supervisor_desk_and_evaluation(desk_factory, themed_app, qtbot, tmp_path, width,
                                        height) -> None:
    apply_theme(themed_app, "dark")
    desk = desk_factory(user="zhibanzhang1")
    w = desk.window
    w.apply_theme_colors("dark")
    ratio = height / 1080
    w.resize(1920, 1080)
    w.reset_layout()  # the default layout, as a first start on this screen makes it
    w.docks["approvals"].raise_()
    qtbot.wait(300)
    folder = DOCS if os.environ.get("CITYDESK_UPDATE_SCREENSHOTS") == "1" else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    image = _render(w, width, height, ratio)
    assert (image.width(), image.height()) == (width, height)
    if height != 1080:  # the 1080 one comes from test_screenshots
        assert image.save(str(folder / f"supervisor_{height}.png"))
    view = w.windows.evaluation()
    assert isinstance(view, EvaluationView)
    view.resize(1920, 1080)
    qtbot.wait(200)
    shot = _render(view, width, height, ratio)
    assert (shot.width(), shot.height()) == (width, height)
    if height != 1080:
        assert shot.save(str(folder / f"evaluation_{height}.png"))
    view.close()


def _render(widget, width: int, height: int, ratio: float) -> QImage:
    image = QImage(width, height, QImage.Format.Format_ARGB32)
    image.setDevicePixelRatio(ratio)
    image.fill(0)
    widget.render(image)
    return image

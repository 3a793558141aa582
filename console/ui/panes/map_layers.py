"""The map pane's layers: the switcher, the component layer and the clicked component's card.

Kept apart from :mod:`console.ui.panes.map` (which draws the cases): this module turns the
centre's inventory into :class:`~widgets.map_components.ComponentPoint` items (plain data: the
widget knows nothing of categories or units), registers the layers with the switcher, and
answers a click near a component with a card — id, name, owner — and 「对此部件上报」, which
asks the window to open the report form pre-filled with that component.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QEvent, QObject, QPointF, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QToolButton, QWidget

from console.domain.reference import ComponentInstance
from console.services.centre import Centre
from console.ui.basemap import show_basemap
from console.ui.i18n import _
from console.ui.names import localized, unit_name_of
from widgets.grid_map import GridMapView
from widgets.map_components import ComponentLayer, ComponentPoint
from widgets.map_layers import LayerSwitcher

#: Pixels per degree of latitude from which components show: about 3 m a pixel, a district of
#: a few kilometres across the map (a county-wide view of thousands of icons says nothing).
COMPONENT_MIN_ZOOM = 40_000.0
#: How near (pixels) a click must fall to a component's icon to pick it.
PICK_PX = 9


class ComponentCard(QFrame):
    """The clicked component: id, name, category and owner, and 「对此部件上报」."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("component_card")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.text = QLabel()
        self.text.setObjectName("component_text")
        self.text.setWordWrap(True)  # a long name must not widen the narrow map pane
        self.report = QPushButton(_("对此部件上报"))
        self.report.setObjectName("component_report")
        self.close_button = QToolButton()
        self.close_button.setText("×")
        self.close_button.setToolTip(_("关闭"))
        self.close_button.clicked.connect(self.hide)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 2, 2, 2)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.report)
        layout.addWidget(self.close_button)
        self.hide()


class MapLayers(QObject):
    """Layers of a map pane and what a click on a component does.

    Parameters
    ----------
    view : GridMapView
        The pane's map.
    centre : Centre
        The centre (its components, categories and units).
    parent : QObject, optional
    """

    report_requested = Signal(object)
    """
    「对此部件上报」 was pressed.

    Parameters
    ----------
    component : ComponentInstance
        The component the report is about.
    """

    def __init__(self, view: GridMapView, centre: Centre, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.view = view
        self.centre = centre
        self.components = ComponentLayer(view.to_scene, COMPONENT_MIN_ZOOM)
        view.scene().addItem(self.components)
        # Over the map's top-right corner rather than in a row of the pane: the pane's rows
        # are full at 1366 px, and a layer list belongs on the map.
        self.switcher = LayerSwitcher(_("图层"), view)
        self.switcher.setObjectName("map_layers")
        view.installEventFilter(self)
        self.card = ComponentCard()
        self.current: ComponentInstance | None = None
        self.switcher.add_layer("basemap", _("底图"))
        # Several sources (天地图 矢量 and 影像, an offline file): one is drawn, chosen here.
        self._sources = centre.ref.config.basemap
        self._source = 0
        if len(self._sources) > 1:
            for i, source in enumerate(self._sources):
                self.switcher.add_layer(f"basemap:{i}", "  · " + source.name, checked=i == 0)
        self.switcher.add_layer("grid", _("单元网格"))
        self.switcher.add_layer("components", _("部件（放大后显示）"))
        self.switcher.add_layer("cases", _("案件"))
        self.switcher.layer_toggled.connect(self._on_layer_toggled)
        self.card.report.clicked.connect(self._on_report)
        view.map_clicked.connect(self._on_map_clicked)
        self.set_components(centre.ref.components.values())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        """Keep the switcher in the map's top-right corner."""
        if watched is self.view and event.type() in (QEvent.Type.Resize, QEvent.Type.Show):
            self._place_switcher()
        return False

    def _place_switcher(self) -> None:
        self.switcher.adjustSize()
        self.switcher.move(self.view.width() - self.switcher.width() - 8, 8)
        self.switcher.raise_()

    def set_components(self, components: Iterable[ComponentInstance]) -> None:
        """Draw these components (the centre's inventory), one icon kind per category."""
        self.components.set_points([ComponentPoint(c.id, c.lon, c.lat, c.category)
                                    for c in components])
        for kind in self.components.kinds():
            category = self.centre.ref.categories.get(kind)
            name = localized(category.name_zh, category.name_en) if category else kind
            self.switcher.add_layer(f"components:{kind}", "  · " + name,
                                    icon=QIcon(self.components.icon(kind)))

    def reproject(self) -> None:
        """The map's projection moved (cells were set again)."""
        self.components.reproject()

    def _on_layer_toggled(self, key: str, on: bool) -> None:
        if key.startswith("basemap:"):
            self._choose_source(int(key.split(":", 1)[1]), on)
        elif key == "basemap":
            self.view.basemap.layer.setVisible(on)
        elif key == "grid":
            self.view.set_cells_visible(on)
        elif key == "cases":
            self.view.set_markers_visible(on)
        elif key == "components":
            self.components.setVisible(on)
            if not on:
                self.card.hide()
        elif key.startswith("components:"):
            hidden = [k.split(":", 1)[1] for k in self.switcher.layer_keys()
                      if k.startswith("components:") and not self.switcher.is_on(k)]
            self.components.set_hidden_kinds(hidden)

    def _choose_source(self, index: int, on: bool) -> None:
        # Exclusive, as radio buttons: the chosen source's entry cannot be unticked (底图 hides
        # the basemap), ticking another one draws it and unticks the rest.
        if not on:
            if index == self._source:
                self.switcher.set_on(f"basemap:{index}", True)
            return
        if index == self._source:
            return
        self._source = index
        for other in range(len(self._sources)):
            if other != index:
                self.switcher.set_on(f"basemap:{other}", False)
        show_basemap(self.view, (self._sources[index],))
        self.view.basemap.layer.setVisible(self.switcher.is_on("basemap"))

    @property
    def source_name(self) -> str | None:
        """The basemap source drawn (None: the centre has none)."""
        return self._sources[self._source].name if self._sources else None

    def _on_map_clicked(self, lon: float, lat: float) -> None:
        zoom = self.view.zoom
        if zoom < self.components.min_scale or not self.components.isVisible():
            return
        point = self.components.nearest(self.view.to_scene(lon, lat), PICK_PX / zoom)
        if point is not None:
            self.show_component(point.key)

    def show_component(self, component_id: str) -> None:
        """Show the card of a component (as a click on its icon does)."""
        comp = self.centre.ref.components.get(component_id)
        if comp is None:
            return
        self.current = comp
        units = self.centre.ref.units
        category = self.centre.ref.categories.get(comp.category)
        kind = localized(category.name_zh, category.name_en) if category else comp.category
        owner = unit_name_of(units, comp.owner, _("未登记"))
        self.card.text.setText(_("部件 {id} · {name} · {kind} · 权属 {owner}").format(
            id=comp.id, name=comp.name, kind=kind, owner=owner))
        self.card.text.setToolTip(_("养护 {unit} · 状态 {state}").format(
            unit=unit_name_of(units, comp.maintainer, _("未登记")), state=comp.state))
        self.card.show()

    def _on_report(self) -> None:
        if self.current is not None:
            self.report_requested.emit(self.current)

    def scene_pos(self, component_id: str) -> QPointF | None:
        """Where a component is drawn (tests click there)."""
        point = self.components.point(component_id)
        return None if point is None else self.view.to_scene(point.lon, point.lat)

"""New report form for a phone call or a walk-in, usable by keyboard alone.

Category: type what ``--category`` accepts (console.domain.category_search): a code, the name,
an alias such as the seed's 交通信号灯, its pinyin initials (``bllj`` finds 暴露垃圾,
``syqjgyc`` 输油（气）井盖异常: punctuation is not typed) or a fragment.
Location: a grid code or a community name, a place of the gazetteer, or a click on the map.
As the operator types a location the window searches the gazetteer on its worker thread
(``places_wanted``, debounced); picking a place fills the point and its cell.  Duplicates of open cases are
looked up as soon as category and location are known, and the report can be merged into one.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, QStringListModel, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from console.domain.cases import Source
from console.domain.category_search import MAX_CANDIDATES
from console.domain.duplicates import DuplicateHint
from console.domain.geo import locate
from console.domain.reference import Category, ComponentInstance
from console.services.centre import Centre
from console.services.gazetteer import GazetteerHit
from console.ui.i18n import _, label, language
from console.ui.names import community_name, localized, street_name


def category_entries(centre: Centre) -> list[tuple[str, str]]:
    """(search text, code) for every category: "06014 道路遗撒（洒） dlyss · 道路遗撒".

    The initials are punctuation-free, so the completer (which matches a contiguous part of
    the entry) finds 输油（气）井盖异常 from ``syqjgyc``.  An English console lists
    "06014 <English name>" (a category without one keeps its Chinese entry).
    """
    # The index is built once per centre and pypinyin imported on its first initials (~0.15 s
    # of a cold start no window should wait for); initials are cached per name after that.
    index = centre.category_index
    english = language() == "en"
    out = []
    for cat in index.categories:
        if english and cat.name_en:
            # The English name alone: what is typed in Chinese or as initials still resolves
            # (category_code asks the centre's resolver), it just offers no list.
            out.append((f"{cat.code} {cat.name_en}", cat.code))
            continue
        entry = f"{cat.code} {cat.name_zh} {index.initials(cat)}"
        if cat.aliases:
            entry += " · " + "、".join(cat.aliases)
        out.append((entry, cat.code))
    return _with_legacy_codes(index.categories, out)


def _with_legacy_codes(categories: Sequence[Category], entries: list[tuple[str, str]]
                       ) -> list[tuple[str, str]]:
    """Each entry with its legacy CJ/T 214 code and kind: "… · 旧代码 0102（事件）".

    A legacy code can name a component and an event (0102: 污水井盖异常 and 暴露垃圾), so
    typing it lists every meaning with its kind, and the operator picks one: the picker never
    guesses, as ``--category`` does not.
    """
    return [(entry + " · " + _("旧代码 {code}（{kind}）").format(code=cat.legacy_code,
                                                              kind=label(cat.kind))
             if cat.legacy_code else entry, code)
            for cat, (entry, code) in zip(categories, entries, strict=True)]


def place_in_address(centre: Centre, address: str) -> str | None:
    """The community (else street) an address names, e.g. "北门社区" in "芹阳北门社区12号"."""
    text = address.strip()
    if not text:
        return None
    communities = {g.community for g in centre.ref.grids.values()}
    streets = {g.street for g in centre.ref.grids.values()}
    for names in (communities, streets):  # the most precise match wins
        found = sorted((n for n in names if n and n in text), key=len, reverse=True)
        if found:
            return found[0]
    return None


def grid_entries(centre: Centre) -> list[tuple[str, str]]:
    """(search text, grid code) for every cell: "330824001001001 芹阳办事处 北门社区"
    (the street and community in the console's language)."""
    return [
        (f"{g.code} {street_name(g)} {community_name(g)}", g.code)
        for g in sorted(centre.ref.grids.values(), key=lambda g: g.code)
    ]


class NewReportDialog(QDialog):
    """Type a report in; ``duplicates_wanted`` asks the window to look duplicates up."""

    duplicates_wanted = Signal(str, str, object, object)
    """(category code, grid code, lon, lat): look duplicates up on the worker thread."""

    map_pick_requested = Signal()
    """The operator wants to pick the location on the map."""

    save_requested = Signal()
    """The form is complete: the window saves it and closes the dialog on success."""

    places_wanted = Signal(str)
    """(text): search the gazetteer for what the location field holds, on the worker thread."""

    place_picked = Signal(object)
    """(GazetteerHit): the operator picked a place; the window centres the map on it."""

    def __init__(self, centre: Centre, sources: Sequence[Source],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("新建上报"))
        self.setMinimumWidth(620)
        self.centre = centre
        self.lon: float | None = None
        self.lat: float | None = None
        self.merge_into: int | None = None
        #: The component reported on (「对此部件上报」): owner-first routing uses its owner.
        self.component_id: str | None = None
        self.photos: list[Path] = []
        self._saving = False

        self._categories = dict(category_entries(centre))
        self._grids = dict(grid_entries(centre))
        self.category = self._search_field(list(self._categories), "new_category",
                                           _("类别代码、名称、别名或拼音首字母"))
        self.location = self._search_field(list(self._grids), "new_location",
                                           _("网格编码或社区名称"))
        self.location.setPlaceholderText(_("网格编码、社区名称，或地名地址（可拼音首字母）"))
        self.places = QListWidget()
        self.places.setObjectName("new_places")
        self.places.setMaximumHeight(110)
        self.places.hide()
        self.places.itemClicked.connect(self._on_place_chosen)  # Enter: eventFilter
        self.places.installEventFilter(self)
        self._placing = False
        self.pick = QPushButton(_("在地图上选点"))
        self.pick.clicked.connect(self.map_pick_requested.emit)
        self.address = QLineEdit()
        self.address.setObjectName("new_address")
        self.source = QComboBox()
        for src in sources:
            self.source.addItem(label(src), src.value)
        self.description = QPlainTextEdit()
        self.description.setObjectName("new_description")
        self.description.setTabChangesFocus(True)
        self.description.setFixedHeight(80)
        self.contact = QLineEdit()
        self.contact.setObjectName("new_contact")
        self.add_photo = QPushButton(_("添加照片…"))
        self.add_photo.clicked.connect(self._on_add_photo)
        self.photo_list = QLabel()
        self.duplicates = QListWidget()
        self.duplicates.setObjectName("new_duplicates")
        self.duplicates.setMaximumHeight(90)
        self.merge = QPushButton(_("合并到此案件"))
        self.merge.setEnabled(False)
        self.merge.clicked.connect(self._on_merge)
        self.duplicates.currentRowChanged.connect(lambda r: self.merge.setEnabled(r >= 0))
        self.status = QLabel()
        self.status.setWordWrap(True)

        where = QHBoxLayout()
        where.addWidget(self.location, 1)
        where.addWidget(self.pick)
        photos = QHBoxLayout()
        photos.addWidget(self.add_photo)
        photos.addWidget(self.photo_list, 1)
        form = QFormLayout()
        form.addRow(_("类别"), self.category)
        form.addRow(_("位置"), where)
        form.addRow("", self.places)
        form.addRow(_("地址"), self.address)
        form.addRow(_("来源"), self.source)
        form.addRow(_("描述"), self.description)
        form.addRow(_("联系人"), self.contact)
        form.addRow(_("照片"), photos)
        form.addRow(_("可能重复"), self.duplicates)
        form.addRow("", self.merge)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self._on_save)
        self.buttons = buttons
        buttons.rejected.connect(self.reject)
        QShortcut(QKeySequence("Ctrl+Return"), self, self._on_save)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.status)
        layout.addWidget(buttons)

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(300)
        self._debounce.timeout.connect(self._ask_duplicates)
        # The gazetteer is asked 250 ms after the last keystroke, not per keystroke: a fast
        # typist sends one search a word, and the worker thread never queues a backlog.
        self._place_debounce = QTimer(self)
        self._place_debounce.setSingleShot(True)
        self._place_debounce.setInterval(250)
        self._place_debounce.timeout.connect(self._ask_places)
        self.category.textChanged.connect(lambda _t: self._debounce.start())
        self.location.textChanged.connect(lambda _t: self._debounce.start())
        self.location.textChanged.connect(self._on_location_typed)
        self.address.editingFinished.connect(self._on_address_done)
        self.category.setFocus()

    def _search_field(self, entries: list[str], name: str, hint: str) -> QLineEdit:
        edit = QLineEdit()
        edit.setObjectName(name)
        edit.setPlaceholderText(hint)
        completer = QCompleter(QStringListModel(entries, edit), edit)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setMaxVisibleItems(12)
        edit.setCompleter(completer)
        return edit

    # -- reading the form --------------------------------------------------------------------
    def category_code(self) -> str | None:
        """The category typed or picked: a completer entry, or what the resolver finds alone."""
        key = self.category.text().strip()
        if key in self._categories:
            return self._categories[key]
        found = self.centre.category_index.search(key) if key else ()
        return found[0].code if len(found) == 1 else None

    def category_problem(self) -> str:
        """Why :meth:`category_code` found nothing, with the candidates (UI language)."""
        text = self.category.text().strip()
        if not text:
            return _("请选择类别")
        found = self.centre.category_index.search(text)
        if len(found) > 1 and found[0].legacy_code == text:
            comma = ", " if language() == "en" else "、"  # i18n: ignore
            return _("旧代码「{text}」有 {n} 个含义：{names}；请从列表中选定").format(
                text=text, n=len(found), names=comma.join(
                    f"{label(c.kind)} {c.code} {localized(c.name_zh, c.name_en)}"
                    for c in found))
        if len(found) > 1:
            return _("类别「{text}」可指 {n} 个类别：{names}").format(
                text=text, n=len(found), names=_names(found))
        closest = self.centre.category_index.suggest(text)
        if closest:
            return _("没有类别「{text}」；相近的：{names}").format(text=text, names=_names(closest))
        return _("没有类别「{text}」").format(text=text)

    def grid_code(self) -> str | None:
        """The grid cell typed or picked (None when the location is coordinates only)."""
        return self._resolve(self.location.text(), self._grids)

    @staticmethod
    def _resolve(text: str, entries: dict[str, str]) -> str | None:
        key = text.strip()
        if not key:
            return None
        if key in entries:
            return entries[key]
        matches = [code for entry, code in entries.items() if key.lower() in entry.lower()]
        return matches[0] if len(set(matches)) == 1 else None

    def set_location(self, lon: float, lat: float, grid: str) -> None:
        """A point picked on the map."""
        self.lon, self.lat = lon, lat
        entry = next((e for e, code in self._grids.items() if code == grid), grid)
        self.location.setText(entry)
        self.status.setText(_("已在地图上选点：{lon:.6f}, {lat:.6f}").format(lon=lon, lat=lat))

    def set_component(self, component: ComponentInstance) -> None:
        """Report on an inventoried component: its category, its position and cell, its id."""
        self.component_id = component.id
        entry = next((e for e, code in self._categories.items() if code == component.category),
                     component.category)
        self.category.setText(entry)
        # The cell that holds the point, which the service checks the point against; a
        # component surveyed just outside every cell is reported by its recorded cell alone.
        cell = locate(component.lon, component.lat, self.centre.ref.grids.values())
        if cell is not None:
            self.set_location(component.lon, component.lat, cell.code)
        else:
            self.lon = self.lat = None
            self.location.setText(next((e for e, code in self._grids.items()
                                        if code == component.grid), component.grid))
        if not self.address.text():
            self.address.setText(component.name)
        self.status.setText(_("对此部件上报：{id} {name}").format(id=component.id,
                                                           name=component.name))
        self.description.setFocus()

    # -- the gazetteer -----------------------------------------------------------------------
    def _on_location_typed(self, _text: str) -> None:
        if not self._placing:
            self._place_debounce.start()

    def _ask_places(self) -> None:
        text = self.location.text().strip()
        if len(text) < 2 or text in self._grids:  # a cell picked from the list is no search
            self.show_places(text, [])
            return
        self.places_wanted.emit(text)

    def show_places(self, text: str, hits: Sequence[GazetteerHit]) -> None:
        """The gazetteer's answer for ``text`` (dropped when the field has moved on)."""
        if text != self.location.text().strip():
            return
        self.places.clear()
        for hit in hits:
            where = hit.cell or _("不在网格内")
            item = QListWidgetItem(f"{hit.name}　{hit.address}　（{where}）")
            item.setData(Qt.ItemDataRole.UserRole, hit)
            self.places.addItem(item)
        self.places.setVisible(bool(hits))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        # Enter on a listed place picks it; passed on, the dialog would take it for Save.
        if (watched is self.places and event.type() == QEvent.Type.KeyPress
                and isinstance(event, QKeyEvent)
                and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)):
            item = self.places.currentItem()
            if item is not None:
                self._on_place_chosen(item)
            return True
        return super().eventFilter(watched, event)

    def _on_place_chosen(self, item: QListWidgetItem) -> None:
        hit = item.data(Qt.ItemDataRole.UserRole)
        if isinstance(hit, GazetteerHit):
            self.pick_place(hit)

    def pick_place(self, hit: GazetteerHit) -> None:
        """A place picked from the gazetteer: its point, its cell and its address."""
        self.lon, self.lat = hit.lon, hit.lat
        self._placing = True  # filling the field is not typing: no new search
        try:
            entry = next((e for e, code in self._grids.items() if code == hit.cell), "")
            self.location.setText(entry)
        finally:
            self._placing = False
        if not self.address.text().strip():
            self.address.setText(" ".join(p for p in (hit.address, hit.name) if p))
        self.places.hide()
        self.status.setText(_("已选地点：{name}（{lon:.6f}, {lat:.6f}）").format(
            name=hit.name, lon=hit.lon, lat=hit.lat))
        self.place_picked.emit(hit)
        self._debounce.start()  # duplicates near the point

    def _on_address_done(self) -> None:
        """Narrow the location to the community the address names (the operator picks the cell)."""
        if self.grid_code() is not None or self.lon is not None:
            return
        place = place_in_address(self.centre, self.address.text())
        if place is None:
            return
        self.location.setText(place)
        self.location.completer().complete()
        self.status.setText(_("按地址匹配到「{place}」，请选定网格").format(place=place))

    def _ask_duplicates(self) -> None:
        category, grid = self.category_code(), self.grid_code()
        if category and (grid or self.lon is not None):
            self.duplicates_wanted.emit(category, grid or "", self.lon, self.lat)

    def show_duplicates(self, hints: Sequence[DuplicateHint]) -> None:
        """List possible duplicates (from the worker thread's answer)."""
        self.duplicates.clear()
        for hint in hints:
            where = (_("同一网格") if hint.distance_m is None
                     else _("{m:.0f} 米").format(m=hint.distance_m))
            item = QListWidgetItem(_("{no}（{where}，相隔 {h:.1f} 小时）").format(
                no=hint.case_no, where=where, h=hint.hours_apart))
            item.setData(Qt.ItemDataRole.UserRole, hint.case_id)
            self.duplicates.addItem(item)

    def _on_add_photo(self) -> None:
        files, _filter = QFileDialog.getOpenFileNames(
            self, _("选择照片"), "", _("图片 (*.jpg *.jpeg *.png)"))
        self.photos += [Path(f) for f in files]
        self.photo_list.setText("、".join(p.name for p in self.photos))

    def _on_merge(self) -> None:
        item = self.duplicates.currentItem()
        if item is not None:
            self.merge_into = int(item.data(Qt.ItemDataRole.UserRole))
            self._on_save()

    def _on_save(self) -> None:
        if self._saving:
            return  # one save at a time: a second Ctrl+Enter must not file a second case
        if not self.category_code():
            self.merge_into = None
            self.status.setText(self.category_problem())
            self.category.setFocus()
            return
        if not self.grid_code() and self.lon is None:
            self.merge_into = None
            self.status.setText(_("请给出位置：网格、社区或地图选点"))
            self.location.setFocus()
            return
        if not self.description.toPlainText().strip():
            self.merge_into = None
            self.status.setText(_("请填写描述"))
            self.description.setFocus()
            return
        self.status.setText(_("正在保存…"))
        self._saving = True
        self.buttons.setEnabled(False)
        self.merge.setEnabled(False)
        self.save_requested.emit()

    def saving_done(self, ok: bool) -> None:
        """The worker answered: close on success, or let the operator correct the form."""
        self._saving = False
        self.buttons.setEnabled(True)
        self.merge.setEnabled(self.duplicates.currentRow() >= 0)
        if ok:
            self.accept()

    def reject(self) -> None:
        if self._saving:
            return  # the save is under way: wait for its answer
        super().reject()

    def show_error(self, message: str) -> None:
        """The service refused the report: say why and stay open."""
        self.status.setText(message)


def _names(categories: Sequence[Category]) -> str:
    comma = ", " if language() == "en" else "、"  # i18n: ignore
    shown = comma.join(f"{c.code} {localized(c.name_zh, c.name_en)}"
                       for c in categories[:MAX_CANDIDATES])
    if len(categories) > MAX_CANDIDATES:
        shown += _(" 等 {n} 个").format(n=len(categories))
    return shown

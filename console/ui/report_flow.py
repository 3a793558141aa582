"""The report form (Ctrl+N) and what happens around it: duplicates, the map pick, saving.

One form at a time: Ctrl+N while it is open brings it back.  Picking a location on the map hides
the form until the click; saving runs on the worker and the new case becomes current.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import QObject, QTimer

from console.domain.cameras import Camera
from console.domain.cases import Case, Role, Source
from console.domain.reference import ComponentInstance
from console.services.cases import Report
from console.services.gazetteer import GazetteerHit
from console.services.uow import NewPhoto
from console.ui.dialogs.new_report import NewReportDialog
from console.ui.i18n import _, error_text

if TYPE_CHECKING:
    from console.ui.desk_view import DeskView
    from console.ui.outage import OutagePresenter
    from widgets.video_player import GrabbedFrame


#: Places the location field lists.
PLACES_SHOWN = 8


class ReportFlow(QObject):
    """Opens the report form, feeds it duplicates and map clicks, and saves it.

    Parameters
    ----------
    window : DeskView
        The desk: controller, map and status bar.
    outage : OutagePresenter
        Disables the form's Save while the database is away.
    """

    def __init__(self, window: DeskView, outage: OutagePresenter) -> None:
        super().__init__(window.as_widget())
        self.window = window
        self.outage = outage
        self.dialog: NewReportDialog | None = None
        #: A camera's frame the open form files with it (the patrol seat's F2).
        self.snapshots: list[NewPhoto] = []
        window.map.location_picked.connect(self.on_map_location_picked)
        window.map.component_report_requested.connect(self.open_for_component)

    def open(self) -> NewReportDialog:
        """Ctrl+N: the report form for a call or a walk-in (one at a time)."""
        if self.dialog is not None:
            self.dialog.show()
            self.dialog.raise_()
            return self.dialog
        w = self.window
        role = Role(w.user.role)
        sources = [Source.COLLECTOR] if role is Role.COLLECTOR else list(Source)
        dialog = NewReportDialog(w.controller.centre, sources, w.as_widget())
        dialog.setObjectName("new_report")
        if role is not Role.COLLECTOR:
            dialog.source.setCurrentIndex(dialog.source.findData(Source.HOTLINE.value))
        self.dialog = dialog
        self.outage.prepare_report_dialog(dialog)  # no Save while the database is away
        dialog.duplicates_wanted.connect(w.controller.find_duplicates)
        w.controller.duplicates_found.connect(dialog.show_duplicates)
        dialog.map_pick_requested.connect(self._on_dialog_map_pick)
        dialog.places_wanted.connect(lambda text: self._find_places(dialog, text))
        dialog.place_picked.connect(self._on_place_picked)
        dialog.save_requested.connect(lambda: self._save(dialog))
        dialog.finished.connect(lambda _r: self._on_dialog_finished(dialog))
        dialog.open()
        return dialog

    def open_from_video(self, camera: Camera, frame: GrabbedFrame) -> NewReportDialog | None:
        """F2 on the patrol seat: the form filled from a camera's frame — source 视频上报, the
        camera's position and cell, the frame attached — with the category list open."""
        from console.video.evidence import snapshot_photo

        try:
            photo = snapshot_photo(camera, frame.jpeg, frame.taken_at)
        except Exception as exc:  # a frame the photo check refuses: say it, file nothing
            self.window.statusBar().showMessage(error_text(exc), 8000)
            return None
        if self.dialog is not None and self.dialog.isVisible():
            self.window.statusBar().showMessage(_("请先保存或取消正在填写的上报"), 8000)
            self.dialog.raise_()
            return None
        dialog = self.open()
        self.snapshots = [photo]
        dialog.source.setCurrentIndex(dialog.source.findData(Source.VIDEO_PATROL.value))
        dialog.set_location(camera.lon, camera.lat, camera.cell or "")
        if not dialog.address.text():
            dialog.address.setText(camera.name)
        dialog.photo_list.setText(_("视频抓拍：{camera} {time}").format(
            camera=camera.name, time=self.window.controller.centre.local(
                frame.taken_at).strftime("%H:%M:%S")))
        dialog.category.setFocus()
        completer = dialog.category.completer()
        QTimer.singleShot(0, dialog, completer.complete)  # the category list, open
        return dialog

    def open_for_component(self, component: ComponentInstance) -> NewReportDialog:
        """「对此部件上报」: the report form pre-filled with the component (category, place, id)."""
        dialog = self.open()
        dialog.set_component(component)
        return dialog

    def _on_dialog_finished(self, dialog: NewReportDialog) -> None:
        self.window.controller.duplicates_found.disconnect(dialog.show_duplicates)
        if self.dialog is dialog:
            self.dialog = None
            self.snapshots = []
        dialog.deleteLater()

    def _save(self, dialog: NewReportDialog) -> None:
        w = self.window
        report = Report(
            category=dialog.category_code() or "", description=dialog.description.toPlainText(),
            source=str(dialog.source.currentData()), grid=dialog.grid_code(), lon=dialog.lon,
            lat=dialog.lat, address=dialog.address.text(), contact=dialog.contact.text(),
            photos=tuple(self.snapshots), component_id=dialog.component_id,
        )

        def saved(case: Case) -> None:
            if shiboken6.isValid(dialog):
                dialog.saving_done(ok=True)
            w.statusBar().showMessage(_("已上报 {no}").format(no=case.case_no), 5000)
            if case.id is not None:
                w.forget_current()
                w.select_case(case.id)

        def failed(message: str) -> None:
            if shiboken6.isValid(dialog):
                dialog.saving_done(ok=False)
                dialog.show_error(message)
                self.outage.prepare_report_dialog(dialog)

        merge_into, dialog.merge_into = dialog.merge_into, None  # one save, one decision
        w.controller.report(report, merge_into, saved, failed, [str(p) for p in dialog.photos])

    def _find_places(self, dialog: NewReportDialog, text: str) -> None:
        """The gazetteer's places for the location field, searched on the worker thread."""
        desk = self.window.controller.desk

        def found(hits: list[GazetteerHit]) -> None:
            if shiboken6.isValid(dialog):
                dialog.show_places(text, hits)

        # A failed search is not worth a dialog: the operator types on or picks on the map.
        self.window.controller.ops.run(lambda: desk.geocode(text, PLACES_SHOWN), found,
                                       lambda _exc: None)

    def _on_place_picked(self, hit: GazetteerHit) -> None:
        if hit.cell:
            self.window.map.map.center_on(hit.cell)

    def _on_dialog_map_pick(self) -> None:
        if self.dialog is not None:
            self.dialog.hide()
            self.window.statusBar().showMessage(_("请在地图上点击问题位置"), 10000)

    def on_map_location_picked(self, lon: float, lat: float, grid: str) -> None:
        """A click on the map while the form waits for its location."""
        dialog = self.dialog
        if dialog is not None and not dialog.isVisible():
            dialog.set_location(lon, lat, grid)
            dialog.show()

"""Importing a year's statutory holidays: paste the State Council's notice, check, then save.

The administrator pastes the notice (国务院办公厅关于20XX年部分节假日安排的通知) or opens a
file — the notice as text, or a YAML / CSV day list — and presses 解析: the parsed days fill a
preview table (every day off and every make-up workday, with its holiday) and anything the
notice said that is not stored is listed.  Only then is 保存 enabled; editing the text or the
year disables it again, so what is saved is what was shown.  A notice that does not parse, a
year that does not match, a contradiction: one line in the dialog's banner, nothing saved.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from console.domain.errors import CityDeskError
from console.domain.holiday_notice import WEEKDAYS, HolidayNotice, parse_notice
from console.domain.reference import CalendarDay
from console.services import calendar_year
from console.ui.admin.common import AdminContext, Row, TablePanel, message_banner
from console.ui.i18n import N_, _, error_text

HEADINGS = (N_("日期"), N_("星期"), N_("当天"), N_("说明"))
WEEKDAY_NAMES = (N_("周一"), N_("周二"), N_("周三"), N_("周四"), N_("周五"), N_("周六"), N_("周日"))
_KINDS = {".yaml": "yaml", ".yml": "yaml", ".csv": "csv"}


class CalendarImportDialog(QDialog):
    """Paste or open a year's arrangement, preview it, save it as overrides.

    Parameters
    ----------
    ctx : AdminContext
        Where the save runs (the window reloads after it).
    year : int
        The year offered (the first one the calendar does not know).
    parent : QWidget, optional
    """

    def __init__(self, ctx: AdminContext, year: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("calendar_import")
        self.setWindowTitle(_("导入法定节假日"))
        self.resize(1100, 760)
        self.ctx = ctx
        self.parsed: tuple[int, list[CalendarDay], HolidayNotice | None] | None = None
        self._kind = "notice"  # what the text box holds: a notice, or a YAML / CSV day list
        self._loading = False
        self.year = QSpinBox()
        self.year.setObjectName("calendar_import_year")
        cal = ctx.desk.centre.calendar
        self.year.setRange(cal.first_year, cal.last_year)
        self.year.setValue(year)
        self.text = QPlainTextEdit()
        self.text.setObjectName("calendar_import_text")
        self.text.setPlaceholderText(_(
            "把国务院办公厅关于该年部分节假日安排的通知全文粘贴到这里（含标题），"
            "或用「打开文件…」读入通知文本、YAML 或 CSV 日期表"))
        self.open_file = QPushButton(_("打开文件…"))
        self.open_file.setObjectName("calendar_import_open")
        self.parse = QPushButton(_("解析"))
        self.parse.setObjectName("calendar_import_parse")
        self.save = QPushButton(_("保存"))
        self.save.setObjectName("calendar_import_save")
        self.save.setEnabled(False)
        for button in (self.open_file, self.parse, self.save):
            button.setAutoDefault(False)
        self.summary = QLabel()
        self.summary.setObjectName("calendar_import_summary")
        self.summary.setWordWrap(True)
        self.preview = TablePanel("calendar_import", HEADINGS)
        self.banner = message_banner("calendar_import")
        form = QFormLayout()
        form.addRow(_("年份"), self.year)
        buttons = QHBoxLayout()
        buttons.addWidget(self.open_file)
        buttons.addStretch(1)
        buttons.addWidget(self.parse)
        buttons.addWidget(self.save)
        left = QVBoxLayout()
        left.addLayout(form)
        left.addWidget(self.text, 1)
        left.addLayout(buttons)
        right = QVBoxLayout()
        right.addWidget(self.summary)
        right.addWidget(self.preview, 1)
        columns = QHBoxLayout()
        columns.addLayout(left, 1)
        columns.addLayout(right, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(columns, 1)
        layout.addWidget(self.banner)
        self.text.textChanged.connect(self._on_text_changed)
        self.year.valueChanged.connect(self._on_input_changed)
        self.open_file.clicked.connect(self._on_open_file_clicked)
        self.parse.clicked.connect(self.read)
        self.save.clicked.connect(self.submit)

    # -- input ------------------------------------------------------------------------------
    def _on_text_changed(self) -> None:
        if not self._loading:
            self._kind = "notice"  # typed or pasted: a notice (a day list comes from a file)
        self._on_input_changed()

    def _on_input_changed(self, *_args: object) -> None:
        # What is saved must be what was previewed: any change needs another 解析.
        self.parsed = None
        self.save.setEnabled(False)

    def _on_open_file_clicked(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self, _("打开"), "", _("通知或日期表 (*.txt *.yaml *.yml *.csv);;所有文件 (*)"))
        if path:
            self.load_file(Path(path))

    def load_file(self, path: Path) -> None:
        """Read a notice (.txt or anything else) or a day list (.yaml/.yml/.csv) into the box."""
        try:
            with path.open("rb") as fh:
                data = fh.read(calendar_year.MAX_FILE_BYTES + 1)
            text = calendar_year.decode_text(data, path.name)
        except (OSError, CityDeskError) as exc:
            self.banner.show_message(error_text(exc) if isinstance(exc, CityDeskError)
                                     else _("无法读取文件 {name}").format(name=path.name), "danger")
            return
        self._loading = True
        try:
            self.text.setPlainText(text)  # resets the preview
        finally:
            self._loading = False
        self._kind = _KINDS.get(path.suffix.lower(), "notice")
        self.read()

    # -- preview ----------------------------------------------------------------------------
    def read(self) -> None:
        """解析: parse the text for the chosen year and show every day, or the one refusal."""
        text, year, kind = self.text.toPlainText(), self.year.value(), self._kind
        try:
            if kind == "notice":
                notice = parse_notice(text, year)
                days, shown = notice.calendar_days(), notice
            else:
                year, days = calendar_year.read_day_list(text, kind, year)
                shown = None
        except CityDeskError as exc:
            self._show([], None)
            self.banner.show_message(error_text(exc), "danger")
            return
        self._show(days, shown)
        self.parsed = (year, days, shown)
        self.save.setEnabled(True)
        self.banner.show_message(
            _("已解析 {year} 年的 {n} 个日期，请核对后保存").format(year=year, n=len(days)), "info")

    def _show(self, days: list[CalendarDay], notice: HolidayNotice | None) -> None:
        self.preview.set_rows([
            Row(d.day.isoformat(),
                (d.day.isoformat(), _(WEEKDAY_NAMES[d.day.weekday()]),
                 _("上班") if d.workday else _("休息"), d.note),
                (d.day.isoformat(), d.day.weekday(), d.workday, d.note))
            for d in days])
        lines: list[str] = []
        if notice is not None:
            for f in notice.festivals:
                first, last = _short(f.days_off[0]), _short(f.days_off[-1])
                line = (_("{name}：{first} 至 {last}，{n} 天") if first != last
                        else _("{name}：{first}，{n} 天")).format(
                    name=f.name, first=first, last=last, n=len(f.days_off))
                if f.workdays:
                    line += _("；调休上班 {days}").format(days="、".join(
                        f"{_short(d)}（{WEEKDAYS[d.weekday()]}）" for d in f.workdays))
                lines.append(line)
            lines += [_("未计入：{text}").format(text=r) for r in notice.remarks]
        self.summary.setText("\n".join(lines))

    # -- saving ---------------------------------------------------------------------------
    def submit(self) -> None:
        """保存: store what the preview shows (the worker does the writing)."""
        if self.parsed is None:
            return
        year, days, notice = self.parsed
        ctx = self.ctx
        desk = ctx.desk
        self.save.setEnabled(False)  # one save per preview

        def work() -> calendar_year.YearImport:
            if notice is not None:
                return desk.import_notice(notice)
            return desk.import_year(year, list(days))

        def describe(done: calendar_year.YearImport) -> str:
            text = _("已导入 {year} 年法定节假日：{n} 个日期").format(year=done.year, n=len(done.days))
            if done.running:
                text += "\n" + _("{n} 件在办案件的当前期限落在 {year} 年，是导入前按周一至周五计算的；"
                                  "此后开始的环节按导入的安排计时").format(n=done.running, year=done.year)
            return text

        ctx.save(work, self.banner, describe)


def _short(day: date) -> str:
    return f"{day:%m-%d}"

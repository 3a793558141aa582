"""The work calendar: a year at a glance, its flagged dates, and administrator overrides.

Statutory holidays and make-up workdays come from ``chinesecalendar`` (seeded by ``citydesk
init``); an administrator's override (source ``admin``) wins over them and survives the
re-seed.  Removing one lets the statutory flag apply again.
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate, QLocale, QModelIndex, QPersistentModelIndex, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QTextCharFormat
from PySide6.QtWidgets import (
    QApplication,
    QButtonGroup,
    QCalendarWidget,
    QDateEdit,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QRadioButton,
    QSpinBox,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QWidget,
)

from console.domain.holiday_notice import imported_from
from console.domain.reference import CalendarDay
from console.services import admin
from console.services.calendar_year import CalendarCoverage, calendar_coverage, year_span
from console.ui.admin.calendar_import import CalendarImportDialog
from console.ui.admin.common import AdminContext, AdminData, Row, change_text
from console.ui.admin.tab import EditTab
from console.ui.i18n import N_, _, language

HEADINGS = (N_("日期"), N_("星期"), N_("当天"), N_("来源"), N_("说明"))
WEEKDAYS = (N_("周一"), N_("周二"), N_("周三"), N_("周四"), N_("周五"), N_("周六"), N_("周日"))
MAKE_UP = N_("调休上班")  # the note statutory_days gives make-up workdays
#: chinesecalendar names holidays in English; the notes it seeds are shown by these names.
HOLIDAYS = {
    "New Year's Day": N_("元旦"), "Spring Festival": N_("春节"),
    "Tomb-sweeping Day": N_("清明节"), "Labour Day": N_("劳动节"),
    "Dragon Boat Festival": N_("端午节"), "National Day": N_("国庆节"),
    "Mid-autumn Festival": N_("中秋节"), "Anti-Fascist 70th Day": N_("抗战胜利 70 周年纪念日"),
    "法定节假日": N_("法定节假日"),  # key: the seeded note (data)  # i18n: ignore
}
_HOLIDAY = QColor("#e53935")
_MAKE_UP = QColor("#1e88e5")
_OVERRIDE = QColor("#ffb300")
_ON_OVERRIDE = QColor("#212121")


def _qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _pydate(day: QDate) -> date:
    return date(day.year(), day.month(), day.day())


class DayDelegate(QStyledItemDelegate):
    """Paints a calendar cell's text in the colour its date format asks for.

    qt-material styles ``QTableView::item`` with a fixed colour and background, and a style
    sheet beats the model's ForegroundRole and BackgroundRole; without this the holidays of
    the month view would look like any other day.
    """

    def paint(self, painter: QPainter, option: QStyleOptionViewItem,
              index: QModelIndex | QPersistentModelIndex) -> None:
        if index.row() == 0:  # the weekday names: the theme's look is right for a header
            super().paint(painter, option, index)
            return
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        text, opt.text = opt.text, ""
        style = opt.widget.style() if opt.widget is not None else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        painter.save()
        background = index.data(Qt.ItemDataRole.BackgroundRole)
        if isinstance(background, QBrush | QColor) and not selected:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QBrush(background))
            painter.drawRoundedRect(QRectF(opt.rect).adjusted(3, 3, -3, -3), 4, 4)
        ink = index.data(Qt.ItemDataRole.ForegroundRole)
        if selected:
            color = opt.palette.highlightedText().color()
        elif isinstance(ink, QBrush):
            color = ink.color()
        elif isinstance(ink, QColor):
            color = ink
        else:
            color = opt.palette.text().color()
        painter.setPen(color)
        painter.setFont(opt.font)
        painter.drawText(opt.rect, Qt.AlignmentFlag.AlignCenter, text)
        painter.restore()


class CalendarTab(EditTab):
    """One year of the work calendar and a form to override a date."""

    def __init__(self, ctx: AdminContext, parent: QWidget | None = None) -> None:
        super().__init__("calendar", HEADINGS, _("工作日历"), ctx, parent=parent)
        self.days: dict[date, CalendarDay] = {}
        self.year = QSpinBox()
        self.year.setObjectName("admin_calendar_year")
        self.year.setRange(2000, 2100)
        self.calendar = QCalendarWidget()
        self.calendar.setObjectName("admin_calendar_widget")
        self.calendar.setGridVisible(True)
        self.calendar.setVerticalHeaderFormat(QCalendarWidget.VerticalHeaderFormat.NoVerticalHeader)
        # qt-material unsets the height of every QToolButton in a QDialog (its rule for file
        # dialogs on Linux), which squeezes the month/year bar to a sliver; and its
        # min-height of 300px leaves the month rows too little room.  A style sheet beats
        # setMinimumHeight, so the fix is a style sheet too.
        self.calendar.setStyleSheet(
            "QCalendarWidget { min-height: 390px; }"
            " QCalendarWidget QToolButton { min-height: 36px; padding: 0px 10px;"
            " background-color: transparent; }")
        self.calendar.setFirstDayOfWeek(Qt.DayOfWeek.Monday)
        self.calendar.setLocale(QLocale("zh_CN") if language() == "zh" else QLocale("en_GB"))
        grid = self.calendar.findChild(QTableView)
        if grid is not None:
            grid.setItemDelegate(DayDelegate(grid))
        self.day = QDateEdit()
        self.day.setObjectName("admin_calendar_day")
        self.day.setDisplayFormat("yyyy-MM-dd")
        self.day.setCalendarPopup(True)
        self.day.setDate(_qdate(ctx.desk.centre.local(ctx.clock()).date()))  # today, locally
        self.work = QRadioButton(_("上班（计工作时）"))
        self.work.setObjectName("admin_calendar_work")
        self.rest = QRadioButton(_("休息（不计工作时）"))
        self.rest.setObjectName("admin_calendar_rest")
        group = QButtonGroup(self)
        group.addButton(self.work)
        group.addButton(self.rest)
        choice = QHBoxLayout()
        choice.addWidget(self.work)
        choice.addWidget(self.rest)
        choice.addStretch(1)
        self.note = QLineEdit()
        self.note.setObjectName("admin_calendar_note")
        self.note.setPlaceholderText(_("如：台风停工、县庆放假"))
        self.current = QLabel()
        self.current.setObjectName("admin_calendar_current")
        self.current.setWordWrap(True)
        self.coverage = QLabel()
        self.coverage.setObjectName("admin_calendar_coverage")
        self.coverage.setWordWrap(True)
        self.first_uncovered: int | None = None
        self.year.setValue(self.day.date().year())
        self.form.addRow(_("法定安排"), self.coverage)
        self.form.addRow(_("年份"), self.year)
        self.form.addRow(self.calendar)
        self.form.addRow(_("日期"), self.day)
        self.form.addRow(_("现为"), self.current)
        self.form.addRow(_("调整为"), choice)
        self.form.addRow(_("说明"), self.note)
        self.save = self.button(_("保存调整"), "save")
        self.remove = self.button(_("取消调整"), "remove")
        self.import_notice = self.button(_("导入放假通知…"), "import")
        self.hint.setText(_("红字：法定节假日；蓝字：调休上班；黄底：管理员调整（优先于法定安排，"
                            "citydesk init 重新载入法定日历时保留）。取消调整后恢复法定安排。"
                            "chinesecalendar 尚未收录的年份，用「导入放假通知…」粘贴国务院办公厅的通知。"))
        self.year.valueChanged.connect(self._on_year_value_changed)
        self.calendar.selectionChanged.connect(
            lambda: self.day.setDate(self.calendar.selectedDate()))
        self.day.dateChanged.connect(self._on_day_date_changed)
        self.save.clicked.connect(self.submit)
        self.remove.clicked.connect(self.remove_override)
        self.import_notice.clicked.connect(self.open_import)
        self.note.returnPressed.connect(self.submit)

    def show_data(self, data: AdminData) -> None:
        super().show_data(data)
        cal = data.centre.calendar
        self.year.setRange(cal.first_year, cal.last_year)
        self.days = {d.day: d for d in data.view.ref.calendar_days}
        self._show_coverage(calendar_coverage(data.centre))
        self._show_year()
        self._on_day_date_changed(self.day.date())

    def _show_coverage(self, coverage: CalendarCoverage) -> None:
        self.first_uncovered = coverage.first_uncovered
        parts = [_("chinesecalendar {version}：{years}").format(
            version=coverage.package_version, years=year_span(coverage.seeded))]
        if coverage.imported:
            parts.append(_("管理员导入：{years}").format(years=year_span(coverage.imported)))
        if coverage.first_uncovered is not None:
            parts.append(_("{year} 年起未导入：期限按周一至周五计算").format(
                year=coverage.first_uncovered))
        self.coverage.setText("；".join(parts))

    def open_import(self) -> CalendarImportDialog:
        """导入放假通知…: the dialog that reads a year's notice (or day list) and saves it."""
        year = self.first_uncovered or self.year.value()
        dialog = CalendarImportDialog(self.ctx, year, self)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        return dialog

    def _on_year_value_changed(self, _year: int) -> None:
        self._show_year()

    def _show_year(self) -> None:
        year = self.year.value()
        flagged = sorted(d for d in self.days if d.year == year)
        rows = []
        for day in flagged:
            row = self.days[day]
            rows.append(Row(day.isoformat(), (
                day.isoformat(), _(WEEKDAYS[day.weekday()]),
                _("上班") if row.workday else _("休息"), self._source(row), self._note(row)),
                (day.isoformat(), day.weekday(), row.workday, row.source, row.note)))
        self.panel.set_rows(rows)
        self.calendar.setDateTextFormat(QDate(), QTextCharFormat())  # clears every date
        for day in flagged:
            row = self.days[day]
            fmt = QTextCharFormat()
            fmt.setForeground(_MAKE_UP if row.workday else _HOLIDAY)
            if row.workday:
                fmt.setFontWeight(QFont.Weight.Bold)
            if row.source == admin.ADMIN_SOURCE:  # dark ink: red or blue on amber is hard to read
                fmt.setBackground(_OVERRIDE)
                fmt.setForeground(_ON_OVERRIDE)
            self.calendar.setDateTextFormat(_qdate(day), fmt)
        if self.day.date().year() != year:
            self.day.setDate(QDate(year, self.day.date().month(), 1))
        self.calendar.setCurrentPage(year, self.day.date().month())

    @staticmethod
    def _source(row: CalendarDay) -> str:
        if row.source != admin.ADMIN_SOURCE:
            return _("法定安排")
        return _("管理员导入") if imported_from(row.note) is not None else _("管理员调整")

    @staticmethod
    def _note(row: CalendarDay) -> str:
        if row.source == admin.ADMIN_SOURCE:
            return row.note  # the administrator's own words
        if row.note == MAKE_UP:
            return _(MAKE_UP)
        return _(HOLIDAYS[row.note]) if row.note in HOLIDAYS else row.note

    def edit(self, key: str) -> None:
        self.day.setDate(_qdate(date.fromisoformat(key)))

    def _on_day_date_changed(self, qday: QDate) -> None:
        day = _pydate(qday)
        if self.calendar.selectedDate() != qday:
            self.calendar.setSelectedDate(qday)
        if day.year != self.year.value():
            self.year.setValue(day.year)
        row = self.days.get(day)
        workday = row.workday if row is not None else day.weekday() < 5
        (self.work if workday else self.rest).setChecked(True)
        state = _("上班") if workday else _("休息")
        if row is None:
            self.current.setText(_("{state}（按周一至周五）").format(state=state))
        else:
            self.current.setText(f"{state} · {self._source(row)}"
                                 + (f" · {self._note(row)}" if row.note else ""))
        override = row is not None and row.source == admin.ADMIN_SOURCE
        self.note.setText(row.note if override and row is not None else "")
        self.remove.setEnabled(override)

    def submit(self) -> None:
        """Override the date in the form: a workday or a day off, with the note."""
        ctx = self.ctx
        desk = ctx.desk
        day, workday, note = _pydate(self.day.date()), self.work.isChecked(), self.note.text()
        ctx.save(lambda: desk.set_calendar_day(day, workday, note),
                 self.banner, lambda change: change_text(change, day.isoformat()))

    def remove_override(self) -> None:
        """Drop the override of the date in the form: the statutory flag applies again."""
        ctx = self.ctx
        desk = ctx.desk
        day = _pydate(self.day.date())
        ctx.save(lambda: desk.remove_calendar_override(day), self.banner,
                 lambda _c: _("{key}：已取消调整，恢复法定安排").format(key=day.isoformat()))

    def go_to(self, day: date) -> None:
        """Show ``day`` in the calendar and the form (the window's tests and screenshot)."""
        self.year.setValue(day.year)
        self.day.setDate(_qdate(day))
        self.panel.select(day.isoformat())
        self.calendar.setFocus(Qt.FocusReason.OtherFocusReason)

"""汇总: sum the reports of many bodies (issue 6). The clerk picks files or folders; the dialog reads them off
the UI thread with a progress bar and a cancel button, shows each body's figures, the problems and the files
it could not read, a chart of the bodies with the most requests, writes the summary workbook and makes the
county's own draft from the sums.

Everything it knows about summing comes from exporters.aggregate; the reading runs in a QThread that calls
it (and, for many files, its worker processes). Nothing the thread runs touches a Qt object: progress and
the result come back to the dialog through signals.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QRectF, QSize, Qt, QThread, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop_app.dialogs import file_error_reason
from desktop_app.prompts import Prompts
from exporters import aggregate as agg
from forms.checks import state_of
from forms.draft import DraftError, Number, to_dict
from forms.settings import Settings
from forms.store import Store, StoreError
from forms.values import format_value

ERROR_COLOUR = "#b00020"
WARN_COLOUR = "#8a5a00"
OK_COLOUR = "#1b7f3b"
BAR_COLOUR = "#2f6db5"
SEVERITY_COLOURS = {"error": ERROR_COLOUR, "warning": WARN_COLOUR, "info": "#444444"}
FILE_FILTER = "各单位的报告 (*.nianbao.json *.xlsx *.docx);;所有文件 (*)"
TOP_N = 10


def _choose_files(parent: QWidget) -> list[str]:
    return QFileDialog.getOpenFileNames(parent, "选择各单位的报告", "", FILE_FILTER)[0]


def _choose_folder(parent: QWidget) -> str:
    return QFileDialog.getExistingDirectory(parent, "选择存放各单位报告的文件夹")


# --- The reading thread --------------------------------------------------------------------------------------


class _Job(QThread):
    """Runs `work(progress, cancelled)` off the UI thread and reports through signals."""

    progress = Signal(int, int, str)
    succeeded = Signal(object)
    failed = Signal(str)
    cancelled = Signal()

    def __init__(self, work: Callable, parent=None):
        super().__init__(parent)
        self.work = work
        self.stop = threading.Event()

    def run(self) -> None:
        try:
            result = self.work(lambda done, total, name: self.progress.emit(done, total, name), self.stop.is_set)
        except agg.Cancelled:
            self.cancelled.emit()
        except agg.AggregateError as exc:
            self.failed.emit(str(exc))
        except OSError as exc:
            self.failed.emit(f"无法写入：{file_error_reason(exc)}。")
        except Exception as exc:  # a bug must reach the clerk as a message, not kill the thread silently
            self.failed.emit(f"程序出错（{type(exc).__name__}：{exc}），没有完成。")
        else:
            self.succeeded.emit(result)


# --- Each body's figures -------------------------------------------------------------------------------------


class BodiesModel(QAbstractTableModel):
    """One row per body and a 合计 row; columns 单位, 错误, 警告, 文件 and one per cell of the template, each
    body's inputs and the totals computed from them (a total the body stated differently is shaded)."""

    FIXED = ("单位", "错误", "警告", "文件")

    def __init__(self, result: agg.AggregateResult | None = None, parent=None):
        super().__init__(parent)
        self.set_result(result)

    def set_result(self, result: agg.AggregateResult | None) -> None:
        self.beginResetModel()
        self.summary = result
        self.cells = [c for t in result.tpl.tables for c in t.cells] if result else []
        self.endResetModel()

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() or self.summary is None else len(self.summary.bodies) + 1

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() or self.summary is None else len(self.FIXED) + len(self.cells)

    def headerData(self, section: int, orientation, role=Qt.DisplayRole):
        if self.summary is None:
            return None
        if orientation == Qt.Vertical:
            return str(section + 1) if role == Qt.DisplayRole and section < len(self.summary.bodies) else None
        if section < len(self.FIXED):
            return self.FIXED[section] if role == Qt.DisplayRole else None
        cell = self.cells[section - len(self.FIXED)]
        if role == Qt.DisplayRole:
            return f"{self.summary.tpl.table(cell.table).name} {cell.row_label}\n{cell.col_label or cell.unit}"
        if role == Qt.ToolTipRole:
            return f"{self.summary.tpl.describe(cell.id)}\n{cell.id}"
        return None

    def data(self, index: QModelIndex, role=Qt.DisplayRole):
        if not index.isValid() or self.summary is None:
            return None
        row, col = index.row(), index.column()
        bodies = self.summary.bodies
        total_row = row == len(bodies)
        body = None if total_row else bodies[row]
        if col < len(self.FIXED):
            if role != Qt.DisplayRole:
                if role == Qt.ForegroundRole and body is not None and col == 1 and body.errors:
                    return QBrush(QColor(ERROR_COLOUR))
                if role == Qt.FontRole and total_row:
                    return _bold()
                return None
            if total_row:
                return agg.TOTAL_ROW_LABEL if col == 0 else ""
            return (body.body, str(body.errors or ""), str(body.warnings or ""), body.path.name)[col]
        cell = self.cells[col - len(self.FIXED)]
        values = self.summary.totals if total_row else body.completed
        if role == Qt.DisplayRole:
            return format_value(values.get(cell.id), cell.kind)
        if role == Qt.TextAlignmentRole:
            return int(Qt.AlignRight | Qt.AlignVCenter)
        if role == Qt.FontRole and total_row:
            return _bold()
        if body is not None and body.stated_differs(cell.id):
            if role == Qt.BackgroundRole:
                return QBrush(QColor("#fde7e9"))
            if role == Qt.ToolTipRole:
                return (f"{body.body}填报 {format_value(body.values[cell.id], cell.kind)}，"
                        f"各项相加为 {format_value(values.get(cell.id), cell.kind) or '空'}；汇总按各项相加计")
        return None


def _bold() -> QFont:
    font = QFont()
    font.setBold(True)
    return font


# --- The chart -----------------------------------------------------------------------------------------------


class BarChart(QWidget):
    """A small horizontal bar chart drawn with QPainter (PySide6-Essentials has no QtCharts): a title, then
    one labelled bar per item, largest first."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.title = ""
        self.bars: list[tuple[str, Number]] = []
        self.paint_count = 0
        self.setMinimumSize(420, 260)

    def set_bars(self, title: str, bars: Sequence[tuple[str, Number]]) -> None:
        self.title = title
        self.bars = list(bars)
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(640, 40 + 28 * max(len(self.bars), 5))

    def paintEvent(self, event) -> None:
        self.paint_count += 1
        p = QPainter(self)
        p.setRenderHint(QPainter.Antialiasing)
        p.fillRect(self.rect(), QColor("white"))
        metrics = p.fontMetrics()
        margin = 10
        line = metrics.height()
        p.setPen(QColor("#222222"))
        title_font = p.font()
        title_font.setBold(True)
        p.setFont(title_font)
        p.drawText(QRectF(margin, margin, self.width() - 2 * margin, line + 4), Qt.AlignLeft | Qt.AlignVCenter,
                   self.title)
        p.setFont(self.font())
        if not self.bars:
            p.setPen(QColor("#666666"))
            p.drawText(self.rect(), Qt.AlignCenter, "没有数据")
            p.end()
            return
        top = margin + line + 12
        label_width = min(max(metrics.horizontalAdvance(label) for label, _ in self.bars) + 8, self.width() * 0.4)
        value_width = max(metrics.horizontalAdvance(str(v)) for _, v in self.bars) + 8
        bar_left = margin + label_width
        bar_room = max(self.width() - bar_left - value_width - margin, 10)
        step = max((self.height() - top - margin) / len(self.bars), line + 4)
        biggest = max(float(v) for _, v in self.bars) or 1.0
        for i, (label, value) in enumerate(self.bars):
            y = top + i * step
            height = min(step * 0.7, line + 8)
            p.setPen(QColor("#222222"))
            shown = metrics.elidedText(label, Qt.ElideMiddle, int(label_width - 8))
            p.drawText(QRectF(margin, y, label_width - 8, height), Qt.AlignRight | Qt.AlignVCenter, shown)
            width = bar_room * float(value) / biggest
            p.fillRect(QRectF(bar_left, y, max(width, 1.0), height), QColor(BAR_COLOUR))
            p.drawText(QRectF(bar_left + width + 4, y, value_width, height), Qt.AlignLeft | Qt.AlignVCenter, str(value))
        p.end()


# --- The dialog ----------------------------------------------------------------------------------------------


class AggregateDialog(QDialog):
    """AggregateDialog(store, settings, parent, prompts).

    `start()` reads the chosen files in a thread (`job`); the dialog shows the result when it is done.
    `save_summary()` writes the summary workbook (file name asked through prompts.save_file), and
    `create_draft()` puts the county's draft into the store, emits `draft_created(id)` and closes the
    dialog (the main window opens it: `created_id`).
    Injectable for tests: `choose_files(parent) -> [paths]`, `choose_folder(parent) -> path`, `reader` and
    `workers` (passed to exporters.aggregate.read_sources).
    """

    draft_created = Signal(int)
    finished_job = Signal(str)  # "read" | "saved" | "failed" | "cancelled", once the thread has ended

    def __init__(self, store: Store, settings: Settings | None = None, parent: QWidget | None = None,
                 prompts: Prompts | None = None, *, choose_files: Callable[[QWidget], list[str]] | None = None,
                 choose_folder: Callable[[QWidget], str] | None = None, reader: Callable | None = None,
                 workers: int | None = None):
        super().__init__(parent)
        self.store = store
        self.settings = settings or Settings()
        self.prompts = prompts or Prompts(self)
        self.choose_files = choose_files or _choose_files
        self.choose_folder = choose_folder or _choose_folder
        self.reader = reader or agg.read_one
        self.workers = workers
        self.paths: list[Path] = []
        self.summary: agg.AggregateResult | None = None
        self.job: _Job | None = None
        self._outcome = ""
        self.created_id: int | None = None
        self.saved_path: Path | None = None
        self.setWindowTitle("汇总各单位的报告")
        self.resize(1100, 760)

        self.file_list = QListWidget()
        self.file_list.setSelectionMode(QAbstractItemView.ExtendedSelection)
        self.file_list.setMaximumHeight(150)
        self.count_label = QLabel()
        self.buttons: dict[str, QPushButton] = {}
        pick = QHBoxLayout()
        for key, text, slot in (("files", "添加文件…", self.add_files), ("folder", "添加文件夹…", self.add_folder),
                                ("remove", "移除所选", self.remove_selected), ("clear", "清空", self.clear_files)):
            self.buttons[key] = QPushButton(text)
            self.buttons[key].clicked.connect(slot)
            pick.addWidget(self.buttons[key])
        pick.addStretch(1)
        pick.addWidget(self.count_label)

        self.body_edit = QLineEdit(self.settings.body)
        self.body_edit.setPlaceholderText("如：某某县人民政府")
        body_row = QHBoxLayout()
        body_row.addWidget(QLabel("本级机关全称："))
        body_row.addWidget(self.body_edit, 1)

        self.progress = QProgressBar()
        self.progress.setTextVisible(True)
        self.progress.hide()
        self.status = QLabel("请添加各单位的报告文件（草稿文件、Excel 统计附表或 Word 报告），或存放它们的文件夹。")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextSelectableByMouse)
        run_row = QHBoxLayout()
        for key, text, slot in (("start", "开始汇总", self.start), ("cancel", "取消", self.cancel)):
            self.buttons[key] = QPushButton(text)
            self.buttons[key].clicked.connect(slot)
            run_row.addWidget(self.buttons[key])
        run_row.addWidget(self.progress, 1)

        self.bodies_model = BodiesModel()
        self.bodies_view = QTableView()
        self.bodies_view.setModel(self.bodies_model)
        self.bodies_view.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.bodies_view.horizontalHeader().setDefaultSectionSize(96)
        self.problems_table = _table(("单位", "严重程度", "规则", "说明", "文件"), (200, 64, 80, 500, 180), 3)
        self.unreadable_table = _table(("文件", "原因"), (360, 500), 1)
        self.chart = BarChart()
        self.tabs = QTabWidget()
        self.tabs.addTab(self.bodies_view, agg.BODIES_SHEET)
        self.tabs.addTab(self.problems_table, agg.PROBLEMS_SHEET)
        self.tabs.addTab(self.unreadable_table, agg.UNREADABLE_SHEET)
        self.tabs.addTab(self.chart, "申请数量前十")

        bottom = QHBoxLayout()
        for key, text, slot in (("save", "保存汇总表…", self.save_summary),
                                ("draft", "用汇总数新建本级报告", self.create_draft),
                                ("close", "关闭", self.reject)):
            self.buttons[key] = QPushButton(text)
            self.buttons[key].clicked.connect(slot)
            if key == "close":
                bottom.addStretch(1)
            bottom.addWidget(self.buttons[key])
        self.buttons["draft"].setToolTip("在草稿库中新建一份本级报告，表格数字为各单位之和，打开后继续填写文字")

        layout = QVBoxLayout(self)
        layout.addLayout(pick)
        layout.addWidget(self.file_list)
        layout.addLayout(body_row)
        layout.addLayout(run_row)
        layout.addWidget(self.status)
        layout.addWidget(self.tabs, 1)
        layout.addLayout(bottom)
        self._update_buttons()

    # --- choosing files ----------------------------------------------------------------------------------------

    def add_paths(self, paths: Sequence[str | Path]) -> None:
        """Add files, and each folder's reports (exporters.aggregate.folder_files); a file already listed is
        not added twice."""
        known = {p.resolve() for p in self.paths}
        for path in agg.expand_inputs(paths):
            if path.resolve() not in known:
                known.add(path.resolve())
                self.paths.append(path)
                item = QListWidgetItem(path.name)
                item.setToolTip(str(path))
                self.file_list.addItem(item)
        self._files_changed()

    def add_files(self) -> None:
        self.add_paths(self.choose_files(self))

    def add_folder(self) -> None:
        folder = self.choose_folder(self)
        if folder:
            before = len(self.paths)
            self.add_paths([folder])
            if len(self.paths) == before:
                self._status(f"文件夹“{folder}”中没有新的报告文件（.nianbao.json、.xlsx、.docx）。", WARN_COLOUR)

    def remove_selected(self) -> None:
        rows = sorted((self.file_list.row(i) for i in self.file_list.selectedItems()), reverse=True)
        for row in rows:
            self.file_list.takeItem(row)
            del self.paths[row]
        self._files_changed()

    def clear_files(self) -> None:
        self.file_list.clear()
        self.paths.clear()
        self._files_changed()

    def _files_changed(self) -> None:
        """A summary of other files than those listed must not be saved: it goes until the next 开始汇总."""
        if self.summary is not None:
            self.summary = None
            self.bodies_model.set_result(None)
            self.problems_table.setRowCount(0)
            self.unreadable_table.setRowCount(0)
            self.chart.set_bars("", [])
            self._status("所选文件已改变，请重新“开始汇总”。")
        self._update_buttons()

    # --- reading -------------------------------------------------------------------------------------------------

    def start(self) -> None:
        if not self.paths or self.running:
            return
        paths = list(self.paths)
        reader, workers = self.reader, self.workers

        def work(progress, cancelled):
            return agg.combine(agg.read_sources(paths, progress=progress, cancelled=cancelled, workers=workers,
                                                reader=reader))

        self.progress.setRange(0, len(paths))
        self.progress.setValue(0)
        self.progress.setFormat("%v / %m")
        self.progress.show()
        self._status(f"正在读取 {len(paths)} 个文件……")
        self._run(work, self._show_result)

    def _run(self, work: Callable, on_success: Callable) -> None:
        self.job = _Job(work, self)
        self.job.progress.connect(self._progress)
        self.job.succeeded.connect(on_success)
        self.job.failed.connect(self._failed)
        self.job.cancelled.connect(self._cancelled)
        self.job.finished.connect(self._job_done)
        self.job.start()
        self._update_buttons()

    @property
    def running(self) -> bool:
        return self.job is not None

    def cancel(self) -> None:
        if self.job is not None:
            self.job.stop.set()
            self._status("正在取消……")

    def _progress(self, done: int, total: int, name: str) -> None:
        self.progress.setMaximum(total)
        self.progress.setValue(done)
        self.status.setText(f"正在读取 {done}/{total}：{name}")

    def _job_done(self) -> None:
        job, self.job = self.job, None
        if job is not None:
            job.deleteLater()
        self.progress.hide()
        self._update_buttons()
        outcome, self._outcome = self._outcome, ""
        self.finished_job.emit(outcome)

    def _failed(self, message: str) -> None:
        self._outcome = "failed"
        self._status(message, ERROR_COLOUR)
        self.prompts.warn("汇总", message)

    def _cancelled(self) -> None:
        self._outcome = "cancelled"
        self._status("已取消，没有汇总。可以调整所选文件后重新开始。", WARN_COLOUR)

    def _show_result(self, result: agg.AggregateResult) -> None:
        self.summary = result
        tpl = result.tpl
        self.bodies_model.set_result(result)
        for col, width in enumerate((220, 48, 48, 200)):  # sized once: measuring 100,000 cells would take seconds
            self.bodies_view.setColumnWidth(col, width)
        problems = result.problems()
        self.problems_table.setRowCount(len(problems))
        for row, (body, problem) in enumerate(problems):
            texts = (body.body, agg.SEVERITY_NAMES[problem.severity], problem.rule, problem.message, body.path.name)
            for col, text in enumerate(texts):
                item = QTableWidgetItem(text)
                item.setToolTip(text if col in (0, 3, 4) else "")
                if col == 1:
                    item.setForeground(QColor(SEVERITY_COLOURS[problem.severity]))
                self.problems_table.setItem(row, col, item)
        self.unreadable_table.setRowCount(len(result.unreadable))
        for row, u in enumerate(result.unreadable):
            for col, text in enumerate((str(u.path), u.reason)):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                self.unreadable_table.setItem(row, col, item)
        n_err = sum(p.severity == "error" for _, p in problems)
        self.tabs.setTabText(1, f"{agg.PROBLEMS_SHEET}（{len(result.failing)} 个单位，{n_err} 个错误）")
        self.tabs.setTabText(2, f"{agg.UNREADABLE_SHEET}（{len(result.unreadable)}）")
        cid = result.requests_cell
        title = f"收到申请最多的单位（{tpl.describe(cid)}）" if cid else "收到申请最多的单位"
        self.chart.set_bars(title, result.top_contributors(TOP_N))
        lines = [f"已汇总 {len(result.bodies)} 个单位的报告（{result.year} 年度，{tpl.short_name}）。"]
        if result.unreadable:
            lines.append(f"{len(result.unreadable)} 个文件无法读取，未计入汇总（见“{agg.UNREADABLE_SHEET}”）。")
        if result.failing:
            lines.append(f"{len(result.failing)} 个单位的报告有错误（见“{agg.PROBLEMS_SHEET}”），请核对后再发布。")
        self._status("".join(lines), WARN_COLOUR if result.unreadable or result.failing else OK_COLOUR)
        self._outcome = "read"

    # --- writing -------------------------------------------------------------------------------------------------

    def default_file_name(self) -> str:
        body = self.body_edit.text().strip() or agg.DEFAULT_BODY
        year = self.summary.year if self.summary else ""
        return f"{body}{year}年政府信息公开工作年度报告汇总表.xlsx"

    def save_summary(self) -> None:
        """Ask where, then write the summary workbook off the UI thread (whole or not at all)."""
        if self.summary is None or self.running:
            return
        path = self.prompts.save_file("保存汇总表", self.default_file_name(), "Excel 工作簿 (*.xlsx)")
        if not path:
            return
        target = Path(path)
        if target.suffix.lower() != ".xlsx":
            target = target.with_name(target.name + ".xlsx")
        if not target.parent.is_dir():
            self._failed(f"文件夹不存在：{target.parent}")
            return
        result, body, meta = self.summary, self.body_edit.text().strip(), self.settings.meta()

        def work(progress, cancelled):
            agg.write_summary(result, target, body, meta)
            return target

        self.progress.setRange(0, 0)  # busy
        self.progress.setFormat("")
        self.progress.show()
        self._status(f"正在写出 {target.name}……")
        self._run(work, self._saved)

    def _saved(self, path: Path) -> None:
        self.saved_path = path
        self._status(f"已保存汇总表：{path}", OK_COLOUR)
        self._outcome = "saved"

    def create_draft(self) -> None:
        """The county's own report in the store, its figures the sums; the dialog closes and the main window
        opens it."""
        if self.summary is None or self.running:
            return
        body = self.body_edit.text().strip()
        if not body:
            answer = self.prompts.text("用汇总数新建本级报告", "本级机关全称：", self.settings.body)
            body = (answer or "").strip()
            if not body:
                return
            self.body_edit.setText(body)
        try:
            draft = agg.summary_draft(self.summary, body, self.settings.meta())
            info = self.store.create(to_dict(draft), state=state_of(draft),
                                     summary=f"由 {len(self.summary.bodies)} 个单位的报告汇总生成")
        except (StoreError, DraftError) as exc:
            self.prompts.warn("无法新建", str(exc))
            return
        self.created_id = info.id
        self.draft_created.emit(info.id)
        self.accept()

    # --- state ---------------------------------------------------------------------------------------------------

    def _status(self, text: str, colour: str = "#222222") -> None:
        self.status.setText(text)
        self.status.setStyleSheet(f"color: {colour}")

    def _update_buttons(self) -> None:
        busy = self.running
        self.count_label.setText(f"已选 {len(self.paths)} 个文件")
        for key in ("files", "folder", "remove", "clear"):
            self.buttons[key].setEnabled(not busy)
        self.buttons["start"].setEnabled(bool(self.paths) and not busy)
        self.buttons["cancel"].setVisible(busy)
        self.buttons["save"].setEnabled(self.summary is not None and not busy)
        self.buttons["draft"].setEnabled(self.summary is not None and not busy)

    def done(self, code: int) -> None:
        """Closing while reading stops the reading first (the thread must not outlive the dialog)."""
        if self.job is not None:
            self.job.stop.set()
            QApplication.setOverrideCursor(Qt.WaitCursor)
            try:
                self.job.wait()
            finally:
                QApplication.restoreOverrideCursor()
        super().done(code)


def _table(headers: Sequence[str], widths: Sequence[int], stretch: int) -> QTableWidget:
    """A read-only list; fixed column widths (resizing to contents re-measures every row on every change,
    too slow for the thousands of rows of a city's summary), one column stretched."""
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(list(headers))
    table.setEditTriggers(QAbstractItemView.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectRows)
    for col, width in enumerate(widths):
        table.setColumnWidth(col, width)
    table.horizontalHeader().setSectionResizeMode(stretch, QHeaderView.Stretch)
    return table

"""The drafts library: every draft in the store with its body, year, format, last edit and state, and the
actions on drafts. It shows and asks; the main window carries the actions out."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from forms.store import DraftInfo, Store
from forms.template import TemplateError, load_template

COLUMNS = ("机关", "年度", "报告格式", "最后修改", "状态", "")


def state_text(state: dict | None) -> tuple[str, str]:
    """The state column: text and colour (errors / warnings / ready)."""
    if not state:
        return "未检查", "#666666"
    if state.get("errors"):
        return f"{state['errors']} 个错误", "#b00020"
    if state.get("warnings"):
        return f"{state['warnings']} 个警告", "#8a6d00"
    return "可以导出", "#1b7f3b"


def template_name(template_id: str) -> str:
    try:
        return load_template(template_id).name.split("（")[0]
    except TemplateError:
        return template_id


class LibraryPage(QWidget):
    open_requested = Signal(int)
    action_requested = Signal(str)  # new | from_last | import | export_file | duplicate | delete | restore | aggregate | settings

    def __init__(self, store: Store, parent=None):
        super().__init__(parent)
        self.store = store
        title = QLabel("草稿库")
        title.setStyleSheet("font-size: 18pt; font-weight: bold;")
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.Stretch)
        for col in range(1, len(COLUMNS)):
            header.setSectionResizeMode(col, QHeaderView.ResizeToContents)
        self.table.doubleClicked.connect(lambda _: self._open_selected())
        self.show_bin = QCheckBox("显示回收站")
        self.show_bin.toggled.connect(self.refresh)

        self.buttons: dict[str, QPushButton] = {}
        bar = QHBoxLayout()
        for key, text in (("new", "新建报告…"), ("from_last", "以上年报告为基础新建…"), ("open", "打开"),
                          ("duplicate", "复制"), ("delete", "删除"), ("restore", "从回收站恢复"),
                          ("import", "导入…"), ("export_file", "导出草稿文件…"), ("aggregate", "汇总…"),
                          ("settings", "设置…")):
            button = QPushButton(text)
            button.clicked.connect(lambda _=False, k=key: self._clicked(k))
            self.buttons[key] = button
            bar.addWidget(button)
        bar.addStretch(1)
        bar.addWidget(self.show_bin)
        self.hint = QLabel("双击一份草稿即可打开继续填写。")
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addLayout(bar)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.hint)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.infos: list[DraftInfo] = []
        self.refresh()

    def refresh(self) -> None:
        selected = self.selected_id()
        self.infos = self.store.list(deleted=self.show_bin.isChecked())
        self.table.setRowCount(len(self.infos))
        for row, info in enumerate(self.infos):
            text, colour = state_text(info.state)
            cells = (info.body, str(info.year), template_name(info.template), info.updated.replace("T", " "), text,
                     "示例" if info.is_sample else "")
            for col, value in enumerate(cells):
                item = QTableWidgetItem(value)
                item.setData(Qt.UserRole, info.id)
                if col == 4:
                    item.setForeground(QColor(colour))
                self.table.setItem(row, col, item)
            if info.id == selected:
                self.table.selectRow(row)
        if self.infos and self.selected_id() is None:
            self.table.selectRow(0)
        self._update_buttons()

    def selected_id(self) -> int | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        if not rows:
            return None
        return self.table.item(rows[0].row(), 0).data(Qt.UserRole)

    def select(self, draft_id: int) -> None:
        for row, info in enumerate(self.infos):
            if info.id == draft_id:
                self.table.selectRow(row)

    def _open_selected(self) -> None:
        draft_id = self.selected_id()
        if draft_id is not None and not self.show_bin.isChecked():
            self.open_requested.emit(draft_id)

    def _clicked(self, key: str) -> None:
        if key == "open":
            self._open_selected()
        else:
            self.action_requested.emit(key)

    def _update_buttons(self) -> None:
        has = self.selected_id() is not None
        in_bin = self.show_bin.isChecked()
        for key in ("open", "duplicate", "delete", "export_file"):
            self.buttons[key].setEnabled(has and not in_bin)
        self.buttons["restore"].setVisible(in_bin)
        self.buttons["restore"].setEnabled(has and in_bin)

"""One official table on its own page: its title, the grid, "其余空格填0", and a line that says what is wrong
with the current cell or why the last input was not taken."""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from desktop_app.session import DraftSession
from desktop_app.widgets.table_model import TableGridModel
from desktop_app.widgets.table_view import TableGridView

SEVERITY_NAMES = {"error": "错误", "warning": "提醒", "info": "提示"}


class TablePage(QWidget):
    def __init__(self, session: DraftSession, table_id: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.model = TableGridModel(session, table_id, self)
        self.view = TableGridView(self.model, self)
        table = self.model.table

        self.title = QLabel(table.title)
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        self.title.setFont(font)

        self.fill_zero_button = QPushButton("其余空格填0")
        self.fill_zero_button.setToolTip(f"把{table.name}中所有还空着的格子填为 0（可撤销）")
        self.fill_zero_button.clicked.connect(self.view.fill_blank_with_zero)

        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.setMinimumHeight(self.message.fontMetrics().height() * 2 + 6)
        self.message.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)

        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(self.fill_zero_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.message)

        self._refusal: tuple[str, str] | None = None  # (cell id, message) of the latest refused input
        self.view.refused.connect(self._on_refused)
        self.view.selectionModel().currentChanged.connect(self._on_current_changed)
        self.model.dataChanged.connect(self.show_current)
        self.session.changed.connect(self._on_data_changed)  # once per edit, not once per repainted cell
        self._update_button()

    def focus_cell(self, cell_id: str) -> bool:
        """Select a cell of this table and scroll it into view (the problems list jumps here)."""
        index = self.model.index_of(cell_id)
        if not index.isValid():
            return False
        self.view.setCurrentIndex(index)
        self.view.selectionModel().select(index, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        self.view.scrollTo(index)
        self.view.setFocus()
        return True

    # --- the line under the grid -----------------------------------------------------------------------------

    def show_current(self) -> None:
        """The current cell's problems, or, when it has none, which cell this is in the form's words."""
        if self._refusal:
            cell_id, message = self._refusal
            if not cell_id or self.model.refusal(cell_id):
                self._show(f"未填入：{message}", "#b71c1c")
                return
            self._refusal = None  # a valid input or Esc took the refusal away
        current = self.view.currentIndex()
        cell = self.model.cell_at(current.row(), current.column()) if current.isValid() else None
        if cell is None:
            self._show("", "")
            return
        lines = []
        for p in self.session.problems_for_cell(cell.id):
            reason = self.session.acknowledgement(p)
            note = f"（已确认：{reason}）" if reason else ""
            lines.append(f"{SEVERITY_NAMES.get(p.severity, p.severity)}：{p.message}{note}")
        if lines:
            errors = any(p.severity == "error" for p in self.session.problems_for_cell(cell.id))
            self._show("\n".join(lines), "#b71c1c" if errors else "#8a6d00")
        else:
            self._show(self.session.tpl.describe(cell.id), "#555555")

    def _show(self, text: str, color: str) -> None:
        self.message.setText(text)
        self.message.setStyleSheet(f"color: {color};" if color else "")

    def _on_refused(self, cell_id: str, message: str) -> None:
        self._refusal = (cell_id, message)
        self.show_current()

    def _on_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        cell = self.model.cell_at(current.row(), current.column()) if current.isValid() else None
        if self._refusal and (cell is None or cell.id != self._refusal[0]):
            self._refusal = None
        self.show_current()

    def _on_data_changed(self, *_args) -> None:
        self._update_button()
        self.show_current()

    def _update_button(self) -> None:
        self.fill_zero_button.setEnabled(
            any(self.session.stated(c.id) is None for c in self.model.input_cells()))

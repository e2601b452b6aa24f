"""The table grid as the clerk sees it: the official table's merges, and the keys of Excel/WPS.

Keys: Enter commits and moves down; Tab / Shift+Tab move to the next / previous cell the clerk can fill;
arrows move; typing on a cell starts editing and replaces its content; Delete / Backspace blanks the
selected cells; Ctrl+C copies the selection as tab-separated text; Ctrl+V pastes such a block (from
Excel, WPS or this grid) starting at the current cell, all or nothing; Esc drops a refusal's mark.

Column widths follow the printed form's proportions (the template's col_widths), scaled to the window; row
heights are whatever the wrapped labels need at those widths. No table is known here.
"""

from __future__ import annotations

import math
import re

from PySide6.QtCore import QEvent, QModelIndex, QRect, Qt, Signal
from PySide6.QtGui import QColor, QFontMetrics, QGuiApplication, QKeySequence, QPainter, QPen
from PySide6.QtWidgets import (
    QAbstractItemDelegate,
    QAbstractItemView,
    QApplication,
    QHeaderView,
    QLineEdit,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QWidget,
)

from desktop_app.widgets.table_model import REFUSED_BORDER, IndentRole, RefusedRole, TableGridModel

PAD_X = 12  # horizontal room the style takes around a cell's text, plus a little air
PAD_Y = 6
DATA_MIN_EM = 6.0  # a data column holds at least a 9-digit figure
LABEL_MIN_EM = 2.5  # a label column shows at least two characters a line
INDENT_EM = 1.0
DATA_MAX_EM = 14.0  # a small table is not stretched across a wide window: its figures stay near their labels


def parse_block(text: str) -> list[list[str]]:
    """Clipboard text as Excel/WPS put it: tab between cells, \\n or \\r\\n between rows, one trailing
    newline ignored."""
    if not text:
        return []
    text = re.sub(r"(\r\n|\n|\r)$", "", text, count=1)
    return [line.split("\t") for line in re.split(r"\r\n|\n|\r", text)]


class GridDelegate(QStyledItemDelegate):
    """Indents row labels by their level, shows the selection as a tint and a frame, and marks a refused
    input with a red border.

    It asks the model directly (model.data), not index.data(): in PySide6 6.12 on Python 3.11, each
    index.data() that comes back empty drops a reference to None, and enough of them abort the process
    ("none_dealloc"). Painting asks thousands of times."""

    def __init__(self, model: TableGridModel, parent: QWidget | None = None):
        super().__init__(parent)
        self.grid_model = model

    def initStyleOption(self, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        super().initStyleOption(option, index)
        indent = self.grid_model.data(index, IndentRole) or 0
        if indent:
            option.rect.adjust(int(indent * INDENT_EM * option.fontMetrics.height()), 0, 0, 0)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        # Selection as a tint and a frame, as in a spreadsheet, so an error's colour stays visible under it.
        State = QStyle.StateFlag
        plain = QStyleOptionViewItem(option)
        plain.state &= ~State.State_Selected
        super().paint(painter, plain, index)
        painter.save()
        highlight = QColor(option.palette.highlight().color())
        if option.state & State.State_Selected:
            highlight.setAlpha(45)
            painter.fillRect(option.rect, highlight)
            highlight.setAlpha(255)
        if option.state & State.State_HasFocus:
            painter.setPen(QPen(highlight, 2))
            painter.drawRect(option.rect.adjusted(1, 1, -1, -1))
        if self.grid_model.data(index, RefusedRole):
            painter.setPen(QPen(REFUSED_BORDER, 2))
            painter.drawRect(option.rect.adjusted(1, 1, -1, -1))
        painter.restore()

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem, index: QModelIndex) -> QWidget:
        editor = super().createEditor(parent, option, index)
        if isinstance(editor, QLineEdit):
            editor.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return editor


class TableGridView(QTableView):
    refused = Signal(str, str)  # cell id ("" if none), message for the clerk

    def __init__(self, model: TableGridModel, parent: QWidget | None = None):
        super().__init__(parent)
        self.setModel(model)
        self.grid_model = model
        for row, col, rowspan, colspan in model.spans():
            self.setSpan(row, col, rowspan, colspan)
        self.horizontalHeader().hide()
        self.verticalHeader().hide()
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.setWordWrap(True)
        self.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.setItemDelegate(GridDelegate(model, self))
        self.setSelectionMode(QAbstractItemView.SelectionMode.ContiguousSelection)
        self.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        triggers = QAbstractItemView.EditTrigger
        self.setEditTriggers(triggers.AnyKeyPressed | triggers.DoubleClicked | triggers.EditKeyPressed)
        model.refused.connect(self.refused)
        self._widths_for = -1
        self._forwarding = False
        self.layout_grid()

    # --- layout ----------------------------------------------------------------------------------------------

    def _em(self) -> int:
        return QFontMetrics(self.font()).horizontalAdvance("中")

    def column_widths(self, available: int) -> list[int]:
        """Widths for the official grid in `available` pixels (more if the table cannot fit): the printed
        form's proportions from the template (equal columns if it gives none), never so wide that a small
        table's figures drift far from their labels, never so narrow that a figure does not fit."""
        table, em = self.grid_model.table, self._em()
        weights = table.col_widths or (1.0,) * table.cols
        data_cols = {c for cell in table.cells for c in range(cell.at.col1 - 1, cell.at.col2)}
        widest_data = max((weights[c] for c in data_cols), default=1.0)
        scale = min(available / sum(weights), DATA_MAX_EM * em / widest_data)
        return [max(int(w * scale), int((DATA_MIN_EM if c in data_cols else LABEL_MIN_EM) * em))
                for c, w in enumerate(weights)]

    def row_heights(self, widths: list[int]) -> list[int]:
        """Heights so every label and figure is shown whole at these column widths."""
        table = self.grid_model.table
        fm = QFontMetrics(self.font())
        base = fm.height() + PAD_Y
        heights = [base] * table.rows
        items = [(lab.at, lab.text) for lab in table.labels]
        tall = []
        for at, text in items:
            width = sum(widths[at.col1 - 1:at.col2]) - PAD_X
            index = self.grid_model.index(at.row1 - 1, at.col1 - 1)
            width -= int((self.grid_model.data(index, IndentRole) or 0) * INDENT_EM * fm.height())
            need = fm.boundingRect(QRect(0, 0, max(width, 1), 100000),
                                   Qt.TextFlag.TextWordWrap | Qt.AlignmentFlag.AlignLeft, text).height() + PAD_Y
            if at.row1 == at.row2:
                heights[at.row1 - 1] = max(heights[at.row1 - 1], need)
            else:
                tall.append((at, need))
        for at, need in tall:
            rows = range(at.row1 - 1, at.row2)
            short = need - sum(heights[r] for r in rows)
            if short > 0:
                for r in rows:
                    heights[r] += math.ceil(short / len(rows))
        return heights

    def layout_grid(self) -> None:
        available = self.viewport().width()
        if available == self._widths_for:
            return
        self._widths_for = available
        widths = self.column_widths(available)
        for col, w in enumerate(widths):
            self.setColumnWidth(col, w)
        for row, h in enumerate(self.row_heights(widths)):
            self.setRowHeight(row, h)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self.layout_grid()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self._widths_for = -1
            self.layout_grid()

    # --- moving ----------------------------------------------------------------------------------------------

    def moveCursor(self, action: QAbstractItemView.CursorAction, modifiers) -> QModelIndex:
        """Tab / Shift+Tab go to the next / previous cell the clerk can fill, row by row, wrapping."""
        A = QAbstractItemView.CursorAction
        if action not in (A.MoveNext, A.MovePrevious):
            return super().moveCursor(action, modifiers)
        model = self.grid_model
        targets = [(c.at.row1 - 1, c.at.col1 - 1) for c in model.table.cells if model.is_editable(c)]
        if not targets:
            return self.currentIndex()
        current = self.currentIndex()
        here = model.origin(current.row(), current.column()) if current.isValid() else (-1, -1)
        if action == A.MoveNext:
            nxt = next((t for t in targets if t > here), targets[0])
        else:
            nxt = next((t for t in reversed(targets) if t < here), targets[-1])
        return model.index(*nxt)

    def move_down(self) -> None:
        index = super().moveCursor(QAbstractItemView.CursorAction.MoveDown, Qt.KeyboardModifier.NoModifier)
        if index.isValid():
            self.setCurrentIndex(index)

    def closeEditor(self, editor: QWidget, hint: QAbstractItemDelegate.EndEditHint) -> None:
        H = QAbstractItemDelegate.EndEditHint
        current = self.currentIndex()
        cell = self.grid_model.cell_at(current.row(), current.column())
        if cell and self.grid_model.refusal(cell.id) and hint != H.RevertModelCache:
            hint = H.NoHint  # refused: stay on the cell, its mark and the message say why
        enter = hint == H.SubmitModelCache  # the delegate's hint for Enter / Return
        super().closeEditor(editor, hint)
        if enter:
            self.move_down()

    # --- keys ------------------------------------------------------------------------------------------------

    def keyPressEvent(self, event) -> None:
        if self.state() == QAbstractItemView.State.EditingState:
            # Typing that reaches the view while a cell is being edited (a key sent to the view itself, as
            # QTest does) belongs to the editor.
            editor = QApplication.focusWidget()
            if (event.text().isprintable() and event.text() and not self._forwarding
                    and editor is not None and self.viewport().isAncestorOf(editor)):
                self._forwarding = True
                try:
                    QApplication.sendEvent(editor, event)
                finally:
                    self._forwarding = False
                return
        else:
            key = event.key()
            if event.matches(QKeySequence.StandardKey.Copy):
                self.copy_selection()
                return
            if event.matches(QKeySequence.StandardKey.Paste):
                self.paste()
                return
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not event.modifiers():
                self.move_down()
                return
            if key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
                self.clear_selection()
                return
            if key == Qt.Key.Key_Escape:
                cell = self._current_cell()
                if cell:
                    self.grid_model.clear_refusal(cell.id)
                return
        super().keyPressEvent(event)

    def _current_cell(self):
        current = self.currentIndex()
        return self.grid_model.cell_at(current.row(), current.column()) if current.isValid() else None

    def selected_rect(self) -> tuple[int, int, int, int] | None:
        """(top, left, bottom, right) of the selection, merges included."""
        indexes = self.selectedIndexes() or ([self.currentIndex()] if self.currentIndex().isValid() else [])
        if not indexes:
            return None
        rows, cols = [], []
        for i in indexes:
            rows += [i.row(), i.row() + self.rowSpan(i.row(), i.column()) - 1]
            cols += [i.column(), i.column() + self.columnSpan(i.row(), i.column()) - 1]
        return min(rows), min(cols), max(rows), max(cols)

    def selected_cells(self) -> list[str]:
        rect = self.selected_rect()
        if rect is None:
            return []
        top, left, bottom, right = rect
        seen: dict[str, None] = {}
        for r in range(top, bottom + 1):
            for c in range(left, right + 1):
                cell = self.grid_model.cell_at(r, c)
                if cell:
                    seen[cell.id] = None
        return list(seen)

    def copy_selection(self) -> str:
        rect = self.selected_rect()
        text = self.grid_model.copy_text(*rect) if rect else ""
        if rect:
            QGuiApplication.clipboard().setText(text)
        return text

    def paste(self) -> bool:
        """Paste the clipboard's block at the current cell. A single figure fills every selected cell."""
        block = parse_block(QGuiApplication.clipboard().text())
        current = self.currentIndex()
        if not block or not current.isValid():
            return False
        targets = self.selected_cells()
        if len(block) == 1 and len(block[0]) == 1 and len(targets) > 1:
            model = self.grid_model
            cells = [model.session.tpl.cells[cid] for cid in targets]
            texts = {c.id: block[0][0] for c in cells if model.is_editable(c)}
            return bool(texts) and model.set_texts(texts, f"粘贴 {len(texts)} 个单元格")
        row, col = self.grid_model.origin(current.row(), current.column())
        return self.grid_model.paste_block(row, col, block)

    def clear_selection(self) -> bool:
        return self.grid_model.clear_cells(self.selected_cells())

    def fill_blank_with_zero(self) -> int:
        return self.grid_model.fill_blank_with_zero()

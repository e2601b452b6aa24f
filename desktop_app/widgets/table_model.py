"""One official table of the draft as a Qt grid: the same rows, columns and merges as the printed form.

Everything comes from the template Table: the grid size, the fixed texts (labels) and the data cells with
their merges. The model only adapts: it shows labels verbatim, shows figures as `format_value` writes them,
turns what the clerk types into a figure with `parse_value` (or a refusal it shows at the cell), and edits
the draft only through undo commands on the session's stack.

What a total cell shows: the figure the draft states, if any (an imported report states its totals; that is
what will be printed until corrected, and a difference from its parts is an error shown at the cell), else
the computed sum. A computed total is read-only while the program computes it; a stated one can be
corrected or cleared (then the program computes it).
"""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QColor, QFont

from desktop_app.session import DraftSession
from desktop_app.undo import SetCellsCommand
from forms.template import Cell, Label, Range, Table
from forms.values import format_value, parse_value

# Roles beyond Qt's own, for the view's delegate and for tests.
CellIdRole = Qt.ItemDataRole.UserRole + 1  # the cell id, or None on a label
KindRole = Qt.ItemDataRole.UserRole + 2  # "input" | "total" | the label's role (header, row, group, note, ...)
RefusedRole = Qt.ItemDataRole.UserRole + 3  # the refusal reason while the last input here was refused
IndentRole = Qt.ItemDataRole.UserRole + 4  # levels a row label is indented beyond what its column shows

HEADER_BG = QColor("#eef1f5")
TOTAL_BG = QColor("#e3ecf8")
ERROR_BG = QColor("#f6b3b3")  # the cell an error is about (a stated total that differs, a bad figure)
ERROR_SOFT_BG = QColor("#fbe0e0")  # the other cells an error names (the parts of that total)
WARNING_BG = QColor("#fff4cc")
REFUSED_BORDER = QColor("#d32f2f")

_INDEX = QModelIndex | QPersistentModelIndex


class TableGridModel(QAbstractTableModel):
    refused = Signal(str, str)  # cell id, message naming the cell in the clerk's terms and the reason

    def __init__(self, session: DraftSession, table_id: str, parent=None):
        super().__init__(parent)
        self.session = session
        self.table: Table = session.tpl.table(table_id)
        self._cells: dict[tuple[int, int], Cell] = {}
        self._labels: dict[tuple[int, int], Label] = {}
        for cell in self.table.cells:
            for pos in _positions(cell.at):
                self._cells[pos] = cell
        for label in self.table.labels:
            for pos in _positions(label.at):
                self._labels[pos] = label
        self._ids = {c.id for c in self.table.cells}
        self._row_level = {c.at.row1 - 1: c.level for c in self.table.cells}
        row_labels = [lab for lab in self.table.labels if lab.role == "row"]
        self._first_label_col = min((lab.at.col1 for lab in row_labels), default=1)
        self._refusals: dict[str, str] = {}
        self._looks = {cid: self._look(cid) for cid in self._ids}  # what each cell showed when last painted
        session.changed.connect(self._on_changed)
        session.problems_changed.connect(self._refresh)

    # --- grid <-> cells --------------------------------------------------------------------------------------

    def rowCount(self, parent: _INDEX = QModelIndex()) -> int:
        return 0 if parent.isValid() else self.table.rows

    def columnCount(self, parent: _INDEX = QModelIndex()) -> int:
        return 0 if parent.isValid() else self.table.cols

    def cell_at(self, row: int, col: int) -> Cell | None:
        """The data cell covering grid position (row, col), 0-based; None on a label or an empty place."""
        return self._cells.get((row, col))

    def label_at(self, row: int, col: int) -> Label | None:
        return self._labels.get((row, col))

    def index_of(self, cell_id: str) -> QModelIndex:
        """The index of a cell's top-left grid position; invalid if the cell is not in this table."""
        if cell_id not in self._ids:
            return QModelIndex()
        at = self.session.tpl.cells[cell_id].at
        return self.index(at.row1 - 1, at.col1 - 1)

    def spans(self) -> list[tuple[int, int, int, int]]:
        """(row, col, rowspan, colspan), 0-based, of every merge of the official table."""
        ranges = [lab.at for lab in self.table.labels] + [c.at for c in self.table.cells]
        return [(r.row1 - 1, r.col1 - 1, r.row2 - r.row1 + 1, r.col2 - r.col1 + 1) for r in ranges if r.is_merge]

    def origin(self, row: int, col: int) -> tuple[int, int]:
        """The top-left grid position of the merge covering (row, col), or (row, col) itself."""
        item = self._cells.get((row, col)) or self._labels.get((row, col))
        return (item.at.row1 - 1, item.at.col1 - 1) if item else (row, col)

    def is_editable(self, cell: Cell | None) -> bool:
        """Input cells, and totals that hold a stated figure (so the clerk can correct or clear it)."""
        if cell is None:
            return False
        return not self.session.tpl.is_computed(cell.id) or self.session.stated(cell.id) is not None

    def input_cells(self) -> list[Cell]:
        return [c for c in self.table.cells if not self.session.tpl.is_computed(c.id)]

    # --- Qt model API ----------------------------------------------------------------------------------------

    def flags(self, index: _INDEX) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if self.is_editable(self.cell_at(index.row(), index.column())):
            base |= Qt.ItemFlag.ItemIsEditable
        return base

    def data(self, index: _INDEX, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        row, col = index.row(), index.column()
        cell = self.cell_at(row, col)
        if cell is None:
            return self._label_data(self.label_at(row, col), role)
        return self._cell_data(cell, role)

    def setData(self, index: _INDEX, value, role: int = Qt.ItemDataRole.EditRole) -> bool:
        cell = self.cell_at(index.row(), index.column()) if index.isValid() else None
        if role != Qt.ItemDataRole.EditRole or not self.is_editable(cell):
            return False
        return self.set_texts({cell.id: "" if value is None else str(value)})

    # --- edits: every one is one undo step -------------------------------------------------------------------

    def set_texts(self, texts: dict[str, str], text: str | None = None) -> bool:
        """Parse each text for its cell; if any is refused, change nothing, keep the refusal at that cell and
        emit `refused` for the first one. Otherwise one undo step sets them all. True when accepted."""
        tpl = self.session.tpl
        changes = {}
        for cid, typed in texts.items():
            cell = tpl.cells[cid]
            parsed = parse_value(typed, cell.kind, cell.unit, cell.decimals)
            if not parsed.ok:
                self._refuse(cid, parsed.error)
                return False
            changes[cid] = parsed.value
        for cid in texts:
            self.clear_refusal(cid)
        self.push(changes, text)
        return True

    def push(self, changes: dict, text: str | None = None) -> bool:
        """One undo step for these figures, unless they change nothing."""
        changes = {cid: v for cid, v in changes.items() if self.session.stated(cid) != v}
        if not changes:
            return False
        self.session.undo_stack.push(SetCellsCommand(self.session, changes, text))
        return True

    def clear_cells(self, cell_ids) -> bool:
        """Blank the editable cells among cell_ids that hold a figure: one undo step."""
        cells = [self.session.tpl.cells[cid] for cid in cell_ids]
        changes = {c.id: None for c in cells if self.is_editable(c) and self.session.stated(c.id) is not None}
        return self.push(changes, f"清除 {len(changes)} 个单元格")

    def fill_blank_with_zero(self) -> int:
        """其余空格填0: every blank input cell of this table gets 0, in one undo step. Returns how many."""
        changes = {c.id: parse_value("0", c.kind, c.unit, c.decimals).value
                   for c in self.input_cells() if self.session.stated(c.id) is None}
        self.push(changes, "其余空格填0")
        return len(changes)

    def paste_block(self, row: int, col: int, block: list[list[str]]) -> bool:
        """Paste rows of texts with their top-left at grid position (row, col). Labels, read-only totals
        and the covered parts of a merge are skipped; a figure falling outside the table, or any refused
        figure, stops the whole paste. True when pasted."""
        texts: dict[str, str] = {}
        for i, values in enumerate(block):
            for j, typed in enumerate(values):
                r, c = row + i, col + j
                if r >= self.table.rows or c >= self.table.cols:
                    if typed.strip():
                        self.refused.emit("", f"粘贴未完成：粘贴的内容有 {len(block)} 行 "
                                              f"{max(map(len, block))} 列，从所选单元格起超出了{self.table.name}。"
                                              "请选好左上角的单元格再粘贴。")
                        return False
                    continue
                cell = self.cell_at(r, c)
                if cell is None or (cell.at.row1 - 1, cell.at.col1 - 1) != (r, c) or not self.is_editable(cell):
                    continue
                texts[cell.id] = typed
        if not texts:
            return False
        return self.set_texts(texts, f"粘贴 {len(texts)} 个单元格")

    def copy_text(self, top: int, left: int, bottom: int, right: int) -> str:
        """The rectangle as tab-separated text, rows joined by newlines; a merge's text once, at its
        top-left, so the rectangle keeps its shape when pasted into a spreadsheet."""
        lines = []
        for r in range(top, bottom + 1):
            row = []
            for c in range(left, right + 1):
                row.append((self.data(self.index(r, c)) or "") if self.origin(r, c) == (r, c) else "")
            lines.append("\t".join(row))
        return "\n".join(lines)

    # --- refusals --------------------------------------------------------------------------------------------

    def refusal(self, cell_id: str) -> str | None:
        return self._refusals.get(cell_id)

    def clear_refusal(self, cell_id: str) -> None:
        if self._refusals.pop(cell_id, None) is not None:
            index = self.index_of(cell_id)
            self.dataChanged.emit(index, index)

    def _refuse(self, cell_id: str, reason: str) -> None:
        self._refusals[cell_id] = reason
        index = self.index_of(cell_id)
        self.dataChanged.emit(index, index)
        self.refused.emit(cell_id, f"{self.session.tpl.describe(cell_id)}：{reason}")

    # --- looks -----------------------------------------------------------------------------------------------

    def _label_data(self, label: Label | None, role: int):
        if label is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return label.text
        if role == Qt.ItemDataRole.BackgroundRole:
            return HEADER_BG
        if role == Qt.ItemDataRole.TextAlignmentRole:
            horizontal = Qt.AlignmentFlag.AlignLeft if label.role == "row" else Qt.AlignmentFlag.AlignHCenter
            return horizontal | Qt.AlignmentFlag.AlignVCenter
        if role == KindRole:
            return label.role
        if role == IndentRole and label.role == "row":
            shown_by_column = label.at.col1 - self._first_label_col
            return max(0, self._row_level.get(label.at.row1 - 1, 0) - shown_by_column)
        return None

    def _cell_data(self, cell: Cell, role: int):
        session = self.session
        cid = cell.id
        total = session.tpl.is_computed(cid)
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return format_value(session.shown(cid), cell.kind)
        if role == CellIdRole:
            return cid
        if role == KindRole:
            return "total" if total else "input"
        if role == RefusedRole:
            return self._refusals.get(cid)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        if role == Qt.ItemDataRole.FontRole and total:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.BackgroundRole:
            return self._background(cell, total)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(cell, total)
        return None

    def _background(self, cell: Cell, total: bool) -> QColor | None:
        session = self.session
        problems = session.problems_for_cell(cell.id)
        errors = [p for p in problems if p.severity == "error"]
        if errors:
            return ERROR_BG if any(self._is_about(p, cell.id) for p in errors) else ERROR_SOFT_BG
        if any(p.severity == "warning" and not session.is_acknowledged(p) for p in problems):
            return WARNING_BG
        return TOTAL_BG if total else None

    def _is_about(self, problem, cell_id: str) -> bool:
        """Whether an error is about this cell itself: for a stated total that differs from its parts, the
        total; for any other error, every cell it names."""
        first = problem.cells[0]
        if self.session.tpl.is_computed(first) and self.session.stated(first) is not None:
            return cell_id == first
        return True

    def _tooltip(self, cell: Cell, total: bool) -> str | None:
        session = self.session
        lines = []
        refusal = self._refusals.get(cell.id)
        if refusal:
            lines.append(f"未填入：{refusal}")
        for p in session.problems_for_cell(cell.id):
            reason = session.acknowledgement(p)
            lines.append(p.message + (f"（已确认：{reason}）" if reason else ""))
        if total:
            lines.append(f"自动计算：{session.tpl.rules[session.tpl.computed_by[cell.id].rule].explain}")
            if session.stated(cell.id) is not None:
                lines.append("本格的数字是草稿中填写的；可直接改正，或按 Delete 清除后由程序计算。")
        return "\n".join(lines) or None

    # --- refresh ---------------------------------------------------------------------------------------------

    def _on_changed(self, keys: frozenset) -> None:
        touched = keys & self._ids
        if not touched:
            return
        for cid in touched & self._refusals.keys():
            del self._refusals[cid]
        self._refresh()

    def _look(self, cid: str) -> tuple:
        """Everything that decides how a data cell is drawn: its figure, its problems, a refusal."""
        session = self.session
        problems = tuple((p.severity, p.rule, p.message, session.is_acknowledged(p))
                         for p in session.problems_for_cell(cid))
        return session.shown(cid), problems, self._refusals.get(cid)

    def _refresh(self) -> None:
        # Repaint only the cells whose figure, colour or tooltip changed: an edit moves a handful of cells
        # (the cell, its totals, the cells of a broken identity), and repainting all ~200 costs ~20 ms.
        for cid in self._ids:
            look = self._look(cid)
            if look != self._looks[cid]:
                self._looks[cid] = look
                index = self.index_of(cid)
                self.dataChanged.emit(index, index)


def _positions(at: Range):
    for r in range(at.row1 - 1, at.row2):
        for c in range(at.col1 - 1, at.col2):
            yield (r, c)

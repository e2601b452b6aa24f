"""The steps of one report, in the order of the printed report, each with what is still wrong with it.

`report_steps` decides the step list once, from the template alone:

- a part without tables is one "section" step, titled by its heading (the unnumbered opening part:
  "开头段落");
- a part with tables is one "table" step per table ("表二 主动公开政府信息情况"), then one "section" step
  for the text printed under the table(s), titled "<heading>（表后说明，可不写）" (or "（表后说明）" when
  the format requires it);
- tables no part names (the annex table of the 2008 format) come last, one "table" step each, titled
  "附件：<table title>" as the report prints them.

A step's problems are the session's problems whose cells lie in its table (table steps) or whose section is
its part (section steps); acknowledged warnings and hints do not count. The navigator redraws the states
whenever the session's problems change.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFontMetrics, QPainter, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QListWidget,
    QListWidgetItem,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from desktop_app.session import DraftSession
from forms.checks import Problem
from forms.template import Template

INTRO_TITLE = "开头段落"
BLANK_RULE = "BLANK"  # the checks' rule for blank cells: counted as "N 个空格", not as warnings

StepRole = Qt.ItemDataRole.UserRole + 1  # the Step of an item
StateRole = Qt.ItemDataRole.UserRole + 2  # its state text: "✓", "2 个错误", "18 个空格", ...
LevelRole = Qt.ItemDataRole.UserRole + 3  # "done" | "error" | "warning" | "todo": the colour of the state

STATE_COLOURS = {"done": "#2e7d32", "error": "#c62828", "warning": "#9a6700", "todo": "#616161"}


@dataclass(frozen=True)
class Step:
    kind: str  # "section" | "table"
    key: str  # the part key (section) or the table id (table)
    title: str


def _unnumbered(title: str) -> str:
    """'二、主动公开政府信息情况' -> '主动公开政府信息情况'."""
    return re.sub(r"^[一二三四五六七八九十]+、", "", title)


def report_steps(tpl: Template) -> list[Step]:
    """Every step of a report in this format, in the order of the printed report (see the module doc)."""
    steps: list[Step] = []
    named: set[str] = set()
    for part in tpl.parts:
        if not part.tables:
            steps.append(Step("section", part.key, part.heading or INTRO_TITLE))
            continue
        for tid in part.tables:
            table = tpl.table(tid)
            named.add(tid)
            steps.append(Step("table", tid, f"{table.name} {_unnumbered(table.title)}".strip()))
        note = "（表后说明）" if part.required else "（表后说明，可不写）"
        steps.append(Step("section", part.key, f"{part.heading or INTRO_TITLE}{note}"))
    for table in tpl.tables:
        if table.id not in named:
            steps.append(Step("table", table.id, f"附件：{table.title or table.name}"))
    return steps


def step_problems(session: DraftSession, step: Step) -> list[Problem]:
    """The problems that belong to a step (acknowledged ones included)."""
    if step.kind == "section":
        return list(session.problems_for_section(step.key))
    cells = session.tpl.cells
    return [p for p in session.problems if any(c in cells and cells[c].table == step.key for c in p.cells)]


def step_for_problem(steps: list[Step], session: DraftSession, problem: Problem) -> Step | None:
    """The step that holds a problem: the table of its first cell, else its section."""
    cells = session.tpl.cells
    for cid in problem.cells:
        if cid in cells:
            return next((s for s in steps if s.kind == "table" and s.key == cells[cid].table), None)
    if problem.section:
        return next((s for s in steps if s.kind == "section" and s.key == problem.section), None)
    return None


def step_state(session: DraftSession, step: Step) -> tuple[str, str]:
    """(text, level) of a step: ("✓", "done"), ("2 个错误", "error"), ("18 个空格", "warning"), ..."""
    open_problems = [p for p in step_problems(session, step) if not session.is_acknowledged(p)]
    errors = sum(p.severity == "error" for p in open_problems)
    warnings = [p for p in open_problems if p.severity == "warning"]
    blanks = sum(len(p.cells) for p in warnings if p.rule == BLANK_RULE)
    others = sum(p.rule != BLANK_RULE for p in warnings)
    parts = []
    if errors:
        parts.append(f"{errors} 个错误")
    if blanks:
        parts.append(f"{blanks} 个空格")
    if others:
        parts.append(f"{others} 个警告")
    if parts:
        return "，".join(parts), "error" if errors else "warning"
    if step.kind == "section":
        part = session.tpl.part(step.key)
        if part.required and not session.draft.sections.get(step.key, "").strip():
            return "未写", "todo"
    return "✓", "done"


class _StepDelegate(QStyledItemDelegate):
    """Draws a step as its title (wrapped to the list's width) over its state in the state's colour."""

    PAD = 6

    def _title_rect(self, option: QStyleOptionViewItem, width: int) -> QRect:
        fm = QFontMetrics(option.font)
        return fm.boundingRect(QRect(0, 0, max(width - 2 * self.PAD, 40), 10_000),
                               int(Qt.TextFlag.TextWordWrap), option.text if option.text else "")

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        view = self.parent()
        width = view.viewport().width() if isinstance(view, QAbstractItemView) else option.rect.width()
        title = self._title_rect(opt, width)
        fm = QFontMetrics(opt.font)
        return QSize(width, title.height() + fm.height() + 2 * self.PAD + 2)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem,
              index: QModelIndex | QPersistentModelIndex) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        title, opt.text = opt.text, ""
        widget = opt.widget
        style = widget.style() if widget else None
        if style:  # background, selection and focus, without the text
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, widget)
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        group = QPalette.ColorGroup.Active if opt.state & QStyle.StateFlag.State_Active else QPalette.ColorGroup.Inactive
        text_role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        painter.save()
        if not selected:  # a hairline between steps
            painter.setPen(QColor("#e0e0e0"))
            painter.drawLine(opt.rect.left() + self.PAD, opt.rect.bottom(), opt.rect.right() - self.PAD, opt.rect.bottom())
        fm = QFontMetrics(opt.font)
        inner = opt.rect.adjusted(self.PAD, self.PAD, -self.PAD, -self.PAD)
        title_rect = fm.boundingRect(QRect(inner.left(), inner.top(), inner.width(), 10_000),
                                     int(Qt.TextFlag.TextWordWrap), title)
        painter.setFont(opt.font)
        painter.setPen(opt.palette.color(group, text_role))
        painter.drawText(QRect(inner.left(), inner.top(), inner.width(), title_rect.height()),
                         int(Qt.TextFlag.TextWordWrap | Qt.AlignmentFlag.AlignLeft), title)
        state = index.data(StateRole) or ""
        level = index.data(LevelRole) or "todo"
        colour = opt.palette.color(group, text_role) if selected else QColor(STATE_COLOURS.get(level, "#616161"))
        state_font = opt.font
        state_font.setBold(level in ("error", "warning"))
        painter.setFont(state_font)
        painter.setPen(colour)
        painter.drawText(QRect(inner.left(), inner.top() + title_rect.height() + 2, inner.width(), fm.height()),
                         int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), state)
        painter.restore()


class Navigator(QListWidget):
    """The report's steps on the left of the editor; selecting one emits `step_selected`."""

    step_selected = Signal(object)  # Step

    def __init__(self, session: DraftSession, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.steps: list[Step] = report_steps(session.tpl)
        self.setItemDelegate(_StepDelegate(self))
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setUniformItemSizes(False)
        self.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.setWordWrap(True)
        self.setAccessibleName("报告步骤")
        for step in self.steps:
            item = QListWidgetItem(step.title)
            item.setData(StepRole, step)
            item.setToolTip(step.title)
            self.addItem(item)
        self.currentRowChanged.connect(self._on_current_row)
        session.problems_changed.connect(self.refresh)
        session.changed.connect(self._on_changed)
        self.refresh()

    # --- reading ---------------------------------------------------------------------------------------------

    def current_step(self) -> Step | None:
        row = self.currentRow()
        return self.steps[row] if 0 <= row < len(self.steps) else None

    def index_of(self, step: Step) -> int:
        for i, s in enumerate(self.steps):
            if s.kind == step.kind and s.key == step.key:
                return i
        return -1

    def state_text(self, step: Step) -> str:
        """What the navigator shows for a step ("✓", "2 个错误", ...)."""
        row = self.index_of(step)
        return self.item(row).data(StateRole) if row >= 0 else ""

    def find_step(self, kind: str, key: str) -> Step | None:
        return next((s for s in self.steps if s.kind == kind and s.key == key), None)

    # --- moving ----------------------------------------------------------------------------------------------

    def select_step(self, step: Step) -> bool:
        row = self.index_of(step)
        if row < 0:
            return False
        self.setCurrentRow(row)
        return True

    def next(self) -> bool:
        """Go to the following step; False on the last one."""
        row = self.currentRow()
        if row + 1 >= len(self.steps):
            return False
        self.setCurrentRow(row + 1)
        return True

    def previous(self) -> bool:
        """Go to the step before; False on the first one."""
        row = self.currentRow()
        if row <= 0:
            return False
        self.setCurrentRow(row - 1)
        return True

    # --- internals -------------------------------------------------------------------------------------------

    def refresh(self) -> None:
        for row, step in enumerate(self.steps):
            text, level = step_state(self.session, step)
            item = self.item(row)
            if item.data(StateRole) != text or item.data(LevelRole) != level:
                item.setData(StateRole, text)
                item.setData(LevelRole, level)
                item.setData(Qt.ItemDataRole.AccessibleTextRole, f"{step.title}，{text}")

    def _on_changed(self, keys: frozenset) -> None:
        # a section that becomes empty or filled changes "✓"/"未写" without changing the problems list
        if any(s.kind == "section" and s.key in keys for s in self.steps):
            self.refresh()

    def _on_current_row(self, row: int) -> None:
        if 0 <= row < len(self.steps):
            self.step_selected.emit(self.steps[row])

"""The editor of one open report: the steps on the left, the current step (a narrative part or a table) in
the middle, every error and warning underneath, 上一步/下一步 to walk the report in print order.

Pages are made the first time their step is shown. Undo and redo are the session's stack: `undo_action` and
`redo_action` work wherever the focus is in this page and belong in the main window's 编辑 menu.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from desktop_app.pages.narrative_page import NarrativePage
from desktop_app.pages.table_page import TablePage
from desktop_app.prompts import Prompts
from desktop_app.session import DraftSession
from desktop_app.widgets.navigator import Navigator, Step, step_for_problem
from desktop_app.widgets.problems_panel import ProblemsPanel
from forms.checks import Problem

NAVIGATOR_WIDTH = 250
PROBLEMS_HEIGHT = 170


class ReportPage(QWidget):
    step_shown = Signal(object)  # Step

    def __init__(self, session: DraftSession, prompts: Prompts | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.prompts = prompts or Prompts(self)
        self._pages: dict[Step, QWidget] = {}

        draft = session.draft
        self.heading = QLabel(f"{draft.body} {draft.year}年{session.tpl.title_suffix}")
        font = self.heading.font()
        font.setBold(True)
        self.heading.setFont(font)
        self.format_label = QLabel(session.tpl.name)
        self.format_label.setStyleSheet("color: #616161;")

        self.navigator = Navigator(session)
        self.navigator.setMinimumWidth(180)
        self.stack = QStackedWidget()
        self.problems_panel = ProblemsPanel(session, self.prompts)

        self.previous_button = QPushButton("← 上一步")
        self.next_button = QPushButton("下一步 →")
        self.position = QLabel()
        self.position.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.position.setStyleSheet("color: #616161;")
        self.previous_button.clicked.connect(self.previous)
        self.next_button.clicked.connect(self.next)

        self.undo_action: QAction = session.undo_stack.createUndoAction(self, "撤销")
        self.undo_action.setShortcuts(QKeySequence.StandardKey.Undo)
        self.redo_action: QAction = session.undo_stack.createRedoAction(self, "重做")
        self.redo_action.setShortcuts(QKeySequence.StandardKey.Redo)
        self.addAction(self.undo_action)
        self.addAction(self.redo_action)

        buttons = QHBoxLayout()
        buttons.setContentsMargins(8, 0, 8, 4)
        buttons.addWidget(self.previous_button)
        buttons.addWidget(self.position, 1)
        buttons.addWidget(self.next_button)
        centre = QWidget()
        centre_layout = QVBoxLayout(centre)
        centre_layout.setContentsMargins(0, 0, 0, 0)
        centre_layout.setSpacing(0)
        centre_layout.addWidget(self.stack, 1)
        centre_layout.addLayout(buttons)

        self.right = QSplitter(Qt.Orientation.Vertical)
        self.right.addWidget(centre)
        self.right.addWidget(self.problems_panel)
        self.right.setStretchFactor(0, 1)
        self.right.setStretchFactor(1, 0)
        self.right.setCollapsible(0, False)
        self.right.setSizes([10_000, PROBLEMS_HEIGHT])
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.navigator)
        self.splitter.addWidget(self.right)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setCollapsible(1, False)
        self.splitter.setSizes([NAVIGATOR_WIDTH, 10_000])

        top = QHBoxLayout()
        top.setContentsMargins(8, 4, 8, 0)
        top.addWidget(self.heading)
        top.addStretch(1)
        top.addWidget(self.format_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(top)
        layout.addWidget(self.splitter, 1)

        self.navigator.step_selected.connect(self._show_step)
        self.problems_panel.problem_activated.connect(self.go_to_problem)
        if self.navigator.steps:
            self.navigator.select_step(self.navigator.steps[0])

    # --- steps -----------------------------------------------------------------------------------------------

    @property
    def steps(self) -> list[Step]:
        return self.navigator.steps

    def current_step(self) -> Step | None:
        return self.navigator.current_step()

    def current_page(self) -> QWidget | None:
        step = self.current_step()
        return self._pages.get(step) if step else None

    def page_for(self, step: Step) -> QWidget:
        """The page of a step, made the first time it is asked for."""
        page = self._pages.get(step)
        if page is None:
            if step.kind == "table":
                page = TablePage(self.session, step.key)
            else:
                page = NarrativePage(self.session, step.key)
            self._pages[step] = page
            self.stack.addWidget(page)
        return page

    def show_step(self, step: Step) -> QWidget:
        """Make a step current (the navigator follows) and return its page."""
        if not self.navigator.select_step(step):
            raise KeyError(step)
        return self.page_for(step)  # selecting emitted step_selected, which showed it

    def next(self) -> bool:
        moved = self.navigator.next()
        if moved:
            self._focus_page()
        return moved

    def previous(self) -> bool:
        moved = self.navigator.previous()
        if moved:
            self._focus_page()
        return moved

    # --- problems --------------------------------------------------------------------------------------------

    def go_to_problem(self, problem: Problem) -> bool:
        """Open the step holding the problem and put the cursor on its (first) cell or in its part."""
        step = step_for_problem(self.steps, self.session, problem)
        if step is None:
            return False
        page = self.show_step(step)
        if isinstance(page, TablePage):
            tpl = self.session.tpl
            cell = next((c for c in problem.cells if c in tpl.cells and tpl.cells[c].table == step.key), None)
            return page.focus_cell(cell) if cell else False
        if isinstance(page, NarrativePage):
            page.focus_section()
            return True
        return False

    # --- internals -------------------------------------------------------------------------------------------

    def _show_step(self, step: Step) -> QWidget:
        page = self.page_for(step)
        if self.stack.currentWidget() is not page:
            self.stack.setCurrentWidget(page)
        row = self.navigator.index_of(step)
        self.position.setText(f"第 {row + 1} 步，共 {len(self.steps)} 步")
        self.previous_button.setEnabled(row > 0)
        self.next_button.setEnabled(row + 1 < len(self.steps))
        self.step_shown.emit(step)
        return page

    def _focus_page(self) -> None:
        page = self.current_page()
        if isinstance(page, NarrativePage):
            page.focus_section()
        elif isinstance(page, TablePage):
            page.view.setFocus(Qt.FocusReason.OtherFocusReason)

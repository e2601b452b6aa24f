"""One narrative part of the report: its text (one paragraph per line), what the format says it should
contain, a character count and the part's problems.

The editor holds no text of its own: every edit becomes a SetSectionCommand on the session's undo stack
(consecutive edits of the part merge into one undo step), and when the section changes from elsewhere
(undo, redo, an import) the editor takes the new text in without pushing anything back.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QBrush, QColor, QKeyEvent, QKeySequence, QTextCursor
from PySide6.QtWidgets import (
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QSizePolicy,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from desktop_app.session import DraftSession
from desktop_app.undo import SetSectionCommand
from desktop_app.widgets.problems_panel import WrapDelegate
from forms.checks import Problem

INTRO_TITLE = "开头段落"
SEVERITY_NAMES = {"error": "错误", "warning": "警告", "info": "提示"}
SEVERITY_COLOURS = {"error": "#c62828", "warning": "#9a6700", "info": "#455a64"}
ACKNOWLEDGED_COLOUR = "#8a8a8a"


def char_count(text: str) -> int:
    """Characters as a clerk counts them for a 字数 limit: everything but whitespace and line breaks."""
    return sum(not ch.isspace() for ch in text)


class SectionEdit(QPlainTextEdit):
    """A plain-text editor whose Ctrl+Z / Ctrl+Y are the report's undo and redo, not the widget's own."""

    def __init__(self, session: DraftSession, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.setUndoRedoEnabled(False)  # the session's stack is the only undo history

    @staticmethod
    def _is_undo_redo(event: QKeyEvent) -> bool:
        return event.matches(QKeySequence.StandardKey.Undo) or event.matches(QKeySequence.StandardKey.Redo)

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ShortcutOverride and self._is_undo_redo(event):
            event.ignore()  # let the window's 撤销/重做 shortcut have it
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        # no window shortcut took the key (the page is shown on its own): undo/redo the report anyway
        if event.matches(QKeySequence.StandardKey.Undo):
            self.session.undo_stack.undo()
        elif event.matches(QKeySequence.StandardKey.Redo):
            self.session.undo_stack.redo()
        else:
            super().keyPressEvent(event)


class NarrativePage(QWidget):
    def __init__(self, session: DraftSession, part_key: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.key = part_key
        self.part = session.tpl.part(part_key)
        self._applying = False  # True while the editor takes in text from the session

        self.title = QLabel(self.part.heading or INTRO_TITLE)
        font = self.title.font()
        if font.pointSizeF() > 0:
            font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        self.title.setFont(font)
        self.hint = QLabel(self._hint_text())
        self.hint.setStyleSheet("color: #616161;")
        self.hint.setWordWrap(True)

        self.editor = SectionEdit(session)
        self.editor.setAccessibleName(f"{self.title.text()}正文")
        self.editor.setPlaceholderText(self._placeholder())
        self.editor.setTabChangesFocus(True)
        self.editor.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        editor_font = self.editor.font()
        if editor_font.pointSizeF() > 0:
            editor_font.setPointSizeF(editor_font.pointSizeF() * 1.1)
            self.editor.setFont(editor_font)
        self.editor.setPlainText(session.draft.sections.get(part_key, ""))

        self.count = QLabel()
        self.count.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.count.setStyleSheet("color: #616161;")

        self.problems = QListWidget()
        self.problems.setItemDelegate(WrapDelegate(self.problems))
        self.problems.setWordWrap(True)
        self.problems.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.problems.setFrameShape(QFrame.Shape.NoFrame)
        self.problems.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.problems.setSelectionMode(QListWidget.SelectionMode.NoSelection)
        self.problems.setStyleSheet("QListWidget { background: transparent; }")
        self.problems.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Maximum)
        self.no_problems = QLabel("✓ 本部分没有发现问题")
        self.no_problems.setStyleSheet("color: #2e7d32;")

        self.guidance = QTextBrowser()
        self.guidance.setPlainText(self.part.guidance or "（格式对本部分没有具体要求）")
        self.guidance.setOpenLinks(False)
        self.guidance.setFrameShape(QFrame.Shape.NoFrame)
        self.guidance.setStyleSheet("QTextBrowser { background: transparent; }")
        self.guidance.setAccessibleName("本部分应写明")
        guide_box = QGroupBox("本部分应写明")
        guide_layout = QVBoxLayout(guide_box)
        guide_layout.setContentsMargins(8, 4, 4, 4)
        guide_layout.addWidget(self.guidance)
        guide_box.setMinimumWidth(220)
        guide_box.setMaximumWidth(340)

        under = QHBoxLayout()
        under.addWidget(self.no_problems, 1)
        under.addWidget(self.count)
        left = QVBoxLayout()
        left.setContentsMargins(0, 0, 0, 0)
        left.addWidget(self.editor, 1)
        left.addLayout(under)
        left.addWidget(self.problems)
        body = QHBoxLayout()
        body.addLayout(left, 1)
        body.addWidget(guide_box)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.hint)
        layout.addLayout(body, 1)

        self.editor.textChanged.connect(self._on_text_changed)
        session.changed.connect(self._on_session_changed)
        session.problems_changed.connect(self._show_problems)
        self._show_count()
        self._show_problems()

    # --- API -------------------------------------------------------------------------------------------------

    def text(self) -> str:
        return self.editor.toPlainText()

    def focus_section(self) -> None:
        """Put the cursor in the editor (at the end of the text when it had none yet)."""
        self.editor.setFocus(Qt.FocusReason.OtherFocusReason)
        self.editor.ensureCursorVisible()

    # --- editor -> session -----------------------------------------------------------------------------------

    def _on_text_changed(self) -> None:
        self._show_count()
        if self._applying:
            return
        new = self.editor.toPlainText()
        old = self.session.draft.sections.get(self.key, "")
        if new != old:
            self.session.undo_stack.push(SetSectionCommand(self.session, self.key, old, new))

    # --- session -> editor -----------------------------------------------------------------------------------

    def _on_session_changed(self, keys: frozenset) -> None:
        if self.key not in keys:
            return
        text = self.session.draft.sections.get(self.key, "")
        if text != self.editor.toPlainText():
            self._apply(text)

    def _apply(self, text: str) -> None:
        """Replace only the part of the editor's text that differs, so the cursor and the scroll position stay
        where they were, and leave the cursor at the end of the replaced part (where undo/redo acted)."""
        old = self.editor.toPlainText()
        start = 0
        limit = min(len(old), len(text))
        while start < limit and old[start] == text[start]:
            start += 1
        end_old, end_new = len(old), len(text)
        while end_old > start and end_new > start and old[end_old - 1] == text[end_new - 1]:
            end_old -= 1
            end_new -= 1
        self._applying = True
        try:
            cursor = QTextCursor(self.editor.document())
            cursor.setPosition(_qt_pos(old, start))
            cursor.setPosition(_qt_pos(old, end_old), QTextCursor.MoveMode.KeepAnchor)
            cursor.insertText(text[start:end_new])
            shown = self.editor.textCursor()
            shown.setPosition(_qt_pos(text, end_new))
            self.editor.setTextCursor(shown)
        finally:
            self._applying = False
        self._show_count()

    # --- under the editor ------------------------------------------------------------------------------------

    def _show_count(self) -> None:
        self.count.setText(f"共 {char_count(self.editor.toPlainText())} 字")

    def section_problems(self) -> list[Problem]:
        return list(self.session.problems_for_section(self.key))

    def _show_problems(self) -> None:
        problems = self.section_problems()
        self.problems.clear()
        for p in problems:
            reason = self.session.acknowledgement(p)
            name = SEVERITY_NAMES.get(p.severity, p.severity)
            text = f"{name}：{p.message}" + (f"（已确认无误：{reason}）" if reason else "")
            item = QListWidgetItem(text)
            item.setForeground(QBrush(QColor(ACKNOWLEDGED_COLOUR if reason else SEVERITY_COLOURS.get(p.severity, "#000"))))
            item.setData(Qt.ItemDataRole.UserRole, p)
            self.problems.addItem(item)
        self.problems.setVisible(bool(problems))
        self.no_problems.setVisible(not problems)
        if problems:
            rows = sum(self.problems.sizeHintForRow(i) for i in range(self.problems.count()))
            self.problems.setMaximumHeight(min(rows + 6, self.fontMetrics().height() * 6))

    # --- texts -----------------------------------------------------------------------------------------------

    def _hint_text(self) -> str:
        if not self.part.heading:
            return "报告开头不编号的一段。可以不写：留空时按机关名称、年度和联系方式自动生成。"
        if self.part.tables:
            names = "、".join(self.session.tpl.table(t).name for t in self.part.tables)
            return (f"印在{names}下面的说明文字。" + ("本部分必须填写。" if self.part.required else "可以不写。"))
        return "本部分必须填写。" if self.part.required else "本部分可以不写。"

    def _placeholder(self) -> str:
        if not self.part.heading:
            return "留空时自动生成标准开头段落。每行一段。"
        return "在这里写正文，每行一段。"


def _qt_pos(text: str, index: int) -> int:
    """A Python string index as a QTextDocument position (characters beyond the BMP count twice there)."""
    return index + sum(1 for ch in text[:index] if ord(ch) > 0xFFFF)

"""The saved versions of a draft, newest first: what each one holds, and going back to one.

Restoring never rewrites history: the store saves the chosen version's content as a NEW revision (based on
the revision this window has, so a save made elsewhere in between is refused, not overwritten), and the
dialog emits `restored(DraftInfo)` so the window reopens the draft on it.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from forms.checks import state_of
from forms.draft import Draft, DraftError, from_dict
from forms.store import ConflictError, Revision, Store, StoreError

PREVIEW_CHARS = 60  # of each part's text shown for a version
ERROR_STYLE = "color: #b00020"


def describe(draft: Draft) -> str:
    """What a version holds, in a few lines: body and year, how many figures, the start of each part."""
    tpl = draft.tpl
    state = state_of(draft)
    inputs = [cid for cid in draft.values if not tpl.is_computed(cid)]
    lines = [f"机关：{draft.body}", f"年度：{draft.year}年", f"报告格式：{tpl.name}",
             f"已填数字：{len(draft.values)} 个（其中录入 {len(inputs)} 个）",
             f"检查结果：{state['errors']} 个错误，{state['warnings']} 个提示", ""]
    for part in tpl.parts:
        text = " ".join(draft.sections.get(part.key, "").split())
        title = part.heading or "开头"
        if not text:
            lines.append(f"{title}：（空）")
            continue
        more = "……" if len(text) > PREVIEW_CHARS else ""
        lines.append(f"{title}：{text[:PREVIEW_CHARS]}{more}（{len(text)} 字）")
    return "\n".join(lines)


class HistoryDialog(QDialog):
    """HistoryDialog(store, draft_id, current_rev, parent): `restored(DraftInfo)` after a version was restored
    (the dialog then closes with accept()). Injectable for tests: `show_error(title, text)`."""

    restored = Signal(object)  # DraftInfo of the new head revision

    def __init__(self, store: Store, draft_id: int, current_rev: int, parent: QWidget | None = None, *,
                 show_error: Callable[[str, str], None] | None = None):
        super().__init__(parent)
        self.store = store
        self.draft_id = draft_id
        self.current_rev = current_rev
        self.show_error = show_error or (lambda title, text: QMessageBox.warning(self, title, text))
        self.revisions: list[Revision] = []
        self._content: dict[int, dict] = {}  # rev -> draft dict, as loaded for showing it
        self.setWindowTitle("历史版本")

        self.list = QTreeWidget()
        self.list.setHeaderLabels(["版本", "保存时间", "改动"])
        self.list.setRootIsDecorated(False)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.list.header()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.list.currentItemChanged.connect(lambda *_: self._show_selected())

        self.details = QPlainTextEdit()
        self.details.setReadOnly(True)
        self.details.setPlaceholderText("选择左边的一个版本，这里显示它的内容。")
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.list)
        splitter.addWidget(self.details)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 1)

        self.hint = QLabel("每次自动保存都是一个版本。恢复到某个版本时，会把它的内容另存为最新的一版，"
                           "之后的版本仍然保留，随时可以再恢复回来。")
        self.hint.setWordWrap(True)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setStyleSheet(ERROR_STYLE)
        self.message.hide()
        self.restore_button = QPushButton("恢复到此版本")
        self.restore_button.setEnabled(False)
        self.restore_button.clicked.connect(self.restore_selected)
        self.close_button = QPushButton("关闭")
        self.close_button.clicked.connect(self.reject)
        self.restore_button.setAutoDefault(False)  # restoring takes a click, not a stray Enter
        self.close_button.setDefault(True)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.restore_button)
        buttons.addWidget(self.close_button)

        layout = QVBoxLayout(self)
        layout.addWidget(self.hint)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        self.resize(900, 520)
        self.refresh()

    # --- showing -----------------------------------------------------------------------------------------------

    def refresh(self) -> None:
        self.list.clear()
        try:
            self.revisions = self.store.history(self.draft_id)  # newest first
        except StoreError as exc:
            self.revisions = []
            self._fail("无法读取历史版本", str(exc))
            return
        for r in self.revisions:
            label = f"第 {r.rev} 版" + ("（当前）" if r.rev == self.current_rev else "")
            item = QTreeWidgetItem([label, r.saved_at.replace("T", " "), r.summary])
            item.setData(0, Qt.ItemDataRole.UserRole, r.rev)
            self.list.addTopLevelItem(item)
        if self.list.topLevelItemCount():
            self.list.setCurrentItem(self.list.topLevelItem(0))

    def selected_rev(self) -> int | None:
        item = self.list.currentItem()
        return None if item is None else item.data(0, Qt.ItemDataRole.UserRole)

    def select_rev(self, rev: int) -> None:
        for i in range(self.list.topLevelItemCount()):
            item = self.list.topLevelItem(i)
            if item.data(0, Qt.ItemDataRole.UserRole) == rev:
                self.list.setCurrentItem(item)
                return
        raise KeyError(rev)

    def _show_selected(self) -> None:
        rev = self.selected_rev()
        self.restore_button.setEnabled(rev is not None and rev != self.current_rev)
        if rev is None:
            self.details.clear()
            return
        try:
            if rev not in self._content:
                self._content[rev] = self.store.load(self.draft_id, rev)[1]
            text = describe(from_dict(self._content[rev]))
        except (StoreError, DraftError) as exc:
            text = f"无法显示第 {rev} 版：{exc}"
        self.details.setPlainText(f"第 {rev} 版\n{text}")
        if rev == self.current_rev:
            self.restore_button.setToolTip("这就是当前的版本")
        else:
            self.restore_button.setToolTip(f"把第 {rev} 版的内容另存为最新的一版")

    # --- restoring ---------------------------------------------------------------------------------------------

    def restore_selected(self) -> bool:
        rev = self.selected_rev()
        if rev is None or rev == self.current_rev:
            return False
        state = None
        try:
            state = state_of(from_dict(self._content[rev])) if rev in self._content else None
        except DraftError:
            pass  # the store restores the content as it is; the listing then shows "未检查"
        try:
            info = self.store.restore_revision(self.draft_id, rev, expected_rev=self.current_rev, state=state)
        except ConflictError as exc:
            self._fail("无法恢复", f"没有恢复：这份草稿已在另一个窗口或程序中保存过（现为第 {exc.actual_rev} 版，"
                                 f"本窗口基于第 {exc.expected_rev} 版）。为免覆盖那边的修改，请重新打开草稿后再恢复。")
            return False
        except StoreError as exc:
            self._fail("无法恢复", f"没有恢复：{exc}")
            return False
        self.current_rev = info.rev
        self.restored.emit(info)
        self.accept()
        return True

    def _fail(self, title: str, text: str) -> None:
        self.message.setText(text)
        self.message.show()
        self.show_error(title, text)

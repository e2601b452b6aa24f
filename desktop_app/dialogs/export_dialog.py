"""Export the report: Word (the report) and/or Excel (the statistical annex), into a folder the dialog
remembers.

A draft that still has errors is offered only as 征求意见稿 (every page marked), never as the final report. The
dialog holds nothing the draft needs: it writes from a copy of the draft, so closing it at any moment loses
nothing, and a failed write leaves the draft as it was and no half-written file (the writers write to a
temporary file and replace).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import QStandardPaths, Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QDialog,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app.dialogs import file_error_reason, report_file_stem
from exporters.docx import write_docx as _write_docx
from exporters.xlsx import write_xlsx as _write_xlsx
from forms.checks import check
from forms.draft import Draft
from forms.settings import Settings, save_settings

WORD, EXCEL = "docx", "xlsx"
KIND_NAMES = {WORD: "Word 报告", EXCEL: "Excel 统计附表"}
BAD_CHARS = '\\/:*?"<>|'  # not allowed in a Windows file name
ERROR_STYLE = "color: #b00020"
WARN_STYLE = "color: #8a5a00"
OK_STYLE = "color: #1b7f3b"


def default_names(draft: Draft) -> dict[str, str]:
    stem = report_file_stem(draft)
    return {WORD: f"{stem}.docx", EXCEL: f"{stem}统计附表.xlsx"}


def default_folder(settings: Settings) -> str:
    if settings.export_folder and Path(settings.export_folder).is_dir():
        return settings.export_folder
    return QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation) or str(Path.home())


def _ask_overwrite(parent: QWidget, paths: Sequence[Path]) -> bool:
    names = "\n".join(f"  {p.name}" for p in paths)
    answer = QMessageBox.question(parent, "文件已存在", f"以下文件已存在：\n{names}\n\n要用这次导出的内容替换它们吗？",
                                  QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                  QMessageBox.StandardButton.No)
    return answer == QMessageBox.StandardButton.Yes


class ExportDialog(QDialog):
    """ExportDialog(draft, settings, parent).

    `export(draft_mark)` does the work (the buttons call it) and returns the paths written. The folder is kept
    in `settings.export_folder` (saved with save_settings) after an export that wrote something.
    Injectable for tests: `write_docx(draft, path, *, draft_mark)`, `write_xlsx(draft, path)`,
    `choose_folder(parent, caption, start) -> str`, `ask_overwrite(paths) -> bool`, `open_folder(path)`,
    `save_settings(settings)`, `show_error(title, text)`.
    """

    def __init__(self, draft: Draft, settings: Settings, parent: QWidget | None = None, *,
                 write_docx: Callable | None = None, write_xlsx: Callable | None = None,
                 choose_folder: Callable[[QWidget, str, str], str] | None = None,
                 ask_overwrite: Callable[[Sequence[Path]], bool] | None = None,
                 open_folder: Callable[[str], object] | None = None,
                 save_settings: Callable[[Settings], None] = save_settings,
                 show_error: Callable[[str, str], None] | None = None):
        super().__init__(parent)
        self.draft = draft
        self.settings = settings
        self.writers = {WORD: write_docx or _write_docx, EXCEL: write_xlsx or _write_xlsx}
        self.choose_folder = choose_folder or QFileDialog.getExistingDirectory
        self.ask_overwrite = ask_overwrite or (lambda paths: _ask_overwrite(self, paths))
        self.open_folder = open_folder or (lambda path: QDesktopServices.openUrl(QUrl.fromLocalFile(path)))
        self.save_settings = save_settings
        self.show_error = show_error or (lambda title, text: QMessageBox.warning(self, title, text))
        self.written: list[Path] = []
        self.last_folder = ""

        problems = check(draft)
        self.errors = sum(p.severity == "error" for p in problems)
        warnings = sum(p.severity == "warning" for p in problems)
        self.setWindowTitle(f"导出 — {draft.body} {draft.year}年")

        self.check_label = QLabel()
        self.check_label.setWordWrap(True)
        if self.errors:
            self.check_label.setText(
                f"草稿还有 {self.errors} 个错误，只能导出征求意见稿（Word 每页标注“征求意见稿”），"
                "供内部传阅、征求意见。改正全部错误后，即可导出正式报告。")
            self.check_label.setStyleSheet(ERROR_STYLE)
        else:
            extra = f"另有 {warnings} 个提示，导出前请确认。" if warnings else ""
            self.check_label.setText(f"检查通过，没有错误，可以导出正式报告。{extra}")
            self.check_label.setStyleSheet(OK_STYLE)

        names = default_names(draft)
        self.kind_boxes: dict[str, QCheckBox] = {}
        self.name_edits: dict[str, QLineEdit] = {}
        grid = QGridLayout()
        grid.setColumnStretch(1, 1)
        for row, (kind, label) in enumerate(((WORD, "Word 报告（.docx）"), (EXCEL, "Excel 统计附表（.xlsx）"))):
            box = QCheckBox(label)
            box.setChecked(True)
            edit = QLineEdit(names[kind])
            edit.setMinimumWidth(max(420, edit.fontMetrics().horizontalAdvance(names[kind]) + 40))
            edit.setToolTip("文件名，可以修改")
            box.toggled.connect(edit.setEnabled)
            box.toggled.connect(self._update_buttons)
            self.kind_boxes[kind], self.name_edits[kind] = box, edit
            grid.addWidget(box, row, 0)
            grid.addWidget(edit, row, 1, 1, 2)
        self.folder_edit = QLineEdit(default_folder(settings))
        self.folder_button = QPushButton("选择…")
        self.folder_button.clicked.connect(self._choose_folder)
        grid.addWidget(QLabel("保存到文件夹："), 2, 0)
        grid.addWidget(self.folder_edit, 2, 1)
        grid.addWidget(self.folder_button, 2, 2)

        self.result_label = QLabel()
        self.result_label.setWordWrap(True)
        self.result_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.result_label.hide()

        self.open_button = QPushButton("打开所在文件夹")
        self.open_button.clicked.connect(lambda: self.open_folder(self.last_folder))
        self.open_button.hide()
        self.mark_button = QPushButton("导出征求意见稿")
        self.mark_button.setToolTip("Word 报告每页标注“征求意见稿”")
        self.mark_button.clicked.connect(lambda: self.export(draft_mark=True))
        self.export_button: QPushButton | None = None
        if not self.errors:
            self.export_button = QPushButton("导出")
            self.export_button.clicked.connect(lambda: self.export(draft_mark=False))
        self.close_button = QPushButton("关闭")
        self.close_button.clicked.connect(self.reject)
        (self.export_button or self.mark_button).setDefault(True)

        buttons = QHBoxLayout()
        buttons.addWidget(self.open_button)
        buttons.addStretch(1)
        buttons.addWidget(self.mark_button)
        if self.export_button:
            buttons.addWidget(self.export_button)
        buttons.addWidget(self.close_button)

        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        layout.addWidget(self.check_label)
        layout.addLayout(grid)
        layout.addWidget(self.result_label)
        layout.addStretch(1)
        layout.addLayout(buttons)
        self._update_buttons()

    # --- asking ------------------------------------------------------------------------------------------------

    def chosen(self) -> list[str]:
        return [kind for kind, box in self.kind_boxes.items() if box.isChecked()]

    def _update_buttons(self) -> None:
        any_chosen = bool(self.chosen())
        self.mark_button.setEnabled(any_chosen)
        if self.export_button:
            self.export_button.setEnabled(any_chosen)

    def _choose_folder(self) -> None:
        folder = self.choose_folder(self, "选择保存报告的文件夹", self.folder_edit.text())
        if folder:
            self.folder_edit.setText(folder)

    def _targets(self) -> list[tuple[str, Path]]:
        """(kind, path) of each chosen file; ValueError with the clerk's message when a name or the folder
        will not do."""
        kinds = self.chosen()
        if not kinds:
            raise ValueError("请至少选择一种导出格式（Word 或 Excel）。")
        folder_text = self.folder_edit.text().strip()
        if not folder_text:
            raise ValueError("请选择保存的文件夹。")
        folder = Path(folder_text).expanduser()
        if not folder.exists():
            raise ValueError(f"文件夹不存在：{folder}\n请点“选择…”重新选择保存的文件夹。")
        if not folder.is_dir():
            raise ValueError(f"“{folder}”不是文件夹，请重新选择保存的文件夹。")
        out = []
        for kind in kinds:
            name = self.name_edits[kind].text().strip()
            suffix = f".{kind}"
            if not name or name.lower() == suffix:
                raise ValueError(f"请填写{KIND_NAMES[kind]}的文件名。")
            bad = sorted({c for c in name if c in BAD_CHARS})
            if bad:
                raise ValueError(f"文件名“{name}”中不能有这些字符：{' '.join(bad)}")
            if not name.lower().endswith(suffix):
                name += suffix
            out.append((kind, folder / name))
        if len({p.name.lower() for _, p in out}) < len(out):
            raise ValueError("Word 和 Excel 的文件名不能相同。")
        return out

    # --- doing -------------------------------------------------------------------------------------------------

    def export(self, draft_mark: bool = False) -> list[Path]:
        """Write the chosen files; returns the paths written (empty when nothing was, with the reason shown)."""
        if self.errors:
            draft_mark = True  # a draft with errors leaves only as 征求意见稿
        try:
            targets = self._targets()
        except ValueError as exc:
            self._report([], [str(exc)], "")
            return []
        folders = [p for _, p in targets if p.is_dir()]
        if folders:
            self._report([], [f"“{folders[0].name}”是一个文件夹，请换一个文件名。"], "")
            return []
        existing = [p for _, p in targets if p.exists()]
        if existing and not self.ask_overwrite(existing):
            self._report([], [], "未导出：已有同名文件，您选择了不替换。可以修改文件名后再导出。", style=WARN_STYLE)
            return []

        snapshot = self.draft.copy()  # the writers never see (or change) the open draft
        written: list[Path] = []
        failed: list[str] = []
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            for kind, path in targets:
                try:
                    if kind == WORD:
                        self.writers[kind](snapshot, path, draft_mark=draft_mark)
                    else:
                        self.writers[kind](snapshot, path)
                except OSError as exc:
                    failed.append(f"无法写入“{path.name}”：{file_error_reason(exc)}。")
                except Exception as exc:  # a writer's bug must not take the open report down with it
                    failed.append(f"导出“{path.name}”时程序出错（{type(exc).__name__}: {exc}），文件未生成。")
                else:
                    written.append(path)
        finally:
            QApplication.restoreOverrideCursor()

        note = ""
        if written:
            folder = str(targets[0][1].parent)
            self.last_folder = folder
            self.written += written
            self.settings.export_folder = folder
            try:
                self.save_settings(self.settings)
            except OSError as exc:
                note = f"（未能记住此文件夹：{file_error_reason(exc)}，下次需要重新选择。）"
        self._report(written, failed, note, kind_text="征求意见稿" if draft_mark else "正式报告")
        return written

    def _report(self, written: list[Path], failed: list[str], note: str, *, kind_text: str = "",
                style: str | None = None) -> None:
        lines = []
        if written:
            lines.append(f"已导出{kind_text}到“{written[0].parent}”：")
            lines += [f"  {p.name}" for p in written]
        lines += failed
        if failed and kind_text and not written:  # writing was tried
            lines.append("没有生成任何文件；草稿内容没有变化。")
        if note:
            lines.append(note)
        text = "\n".join(line for line in lines if line)
        self.result_label.setText(text)
        self.result_label.setStyleSheet(style or (ERROR_STYLE if failed else OK_STYLE))
        self.result_label.show()
        self.open_button.setVisible(bool(self.written))
        if written and not failed:
            self.close_button.setDefault(True)
        if failed:
            self.show_error("导出失败" if not written else "部分文件未能导出", text)

"""Every question the application asks the clerk goes through one object, so tests can answer them without a
modal dialog blocking the event loop (they replace it with a scripted one)."""

from __future__ import annotations

from PySide6.QtWidgets import QFileDialog, QInputDialog, QMessageBox, QWidget


class Prompts:
    def __init__(self, parent: QWidget | None = None):
        self.parent = parent

    def confirm(self, title: str, text: str, yes: str = "确定", no: str = "取消") -> bool:
        box = QMessageBox(QMessageBox.Question, title, text, parent=self.parent)
        yes_button = box.addButton(yes, QMessageBox.AcceptRole)
        box.addButton(no, QMessageBox.RejectRole)
        box.exec()
        return box.clickedButton() is yes_button

    def inform(self, title: str, text: str) -> None:
        QMessageBox.information(self.parent, title, text)

    def warn(self, title: str, text: str) -> None:
        QMessageBox.warning(self.parent, title, text)

    def open_file(self, title: str, filters: str) -> str:
        return QFileDialog.getOpenFileName(self.parent, title, "", filters)[0]

    def save_file(self, title: str, suggested: str, filters: str) -> str:
        return QFileDialog.getSaveFileName(self.parent, title, suggested, filters)[0]

    def text(self, title: str, label: str, default: str = "") -> str | None:
        value, ok = QInputDialog.getText(self.parent, title, label, text=default)
        return value if ok else None

    def run_dialog(self, dialog) -> bool:
        return bool(dialog.exec())

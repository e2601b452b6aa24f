"""Settings: where the drafts are kept (shown, not edited here: NIANBAO_HOME moves it), and the office's
details that every new report starts with (they go into the draft's meta and the report's opening paragraph).

OK saves with save_settings; when the data folder cannot be written the dialog says so and stays open, so
nothing typed is lost.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import fields, replace

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app.dialogs import file_error_reason
from forms.settings import META_FIELDS, Settings, save_settings
from forms.store import StoreError, data_dir

LABELS = {"office": "编制机关（办公室）", "address": "地址", "postcode": "邮编", "phone": "电话", "email": "电子邮箱",
          "preparer": "填报人"}
PLACEHOLDERS = {"office": "如：某某县人民政府办公室", "address": "如：某某县某某路1号", "postcode": "6位数字",
                "phone": "如：0931-1234567", "email": "如：gk@example.gov.cn", "preparer": "姓名"}
ERROR_STYLE = "color: #b00020"
_POSTCODE = re.compile(r"^[0-9]{6}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class SettingsDialog(QDialog):
    """SettingsDialog(settings, parent). On OK the edited details are saved and copied into `settings` (the
    caller's object); `saved` is then the Settings written. Injectable for tests: `save(settings)`,
    `open_folder(path)`."""

    def __init__(self, settings: Settings, parent: QWidget | None = None, *,
                 save: Callable[[Settings], None] = save_settings,
                 open_folder: Callable[[str], object] | None = None):
        super().__init__(parent)
        self.settings = settings
        self.saved: Settings | None = None
        self.save = save
        self.open_folder = open_folder or (lambda path: QDesktopServices.openUrl(QUrl.fromLocalFile(path)))
        self.setWindowTitle("设置")

        try:
            folder, folder_problem = str(data_dir()), ""
        except StoreError as exc:
            folder, folder_problem = "", str(exc)
        self.data_folder = folder
        self.folder_edit = QLineEdit(folder)
        self.folder_edit.setReadOnly(True)
        self.folder_edit.setMinimumWidth(380)
        self.folder_button = QPushButton("打开文件夹")
        self.folder_button.setEnabled(bool(folder))
        self.folder_button.clicked.connect(lambda: self.open_folder(self.data_folder))
        row = QHBoxLayout()
        row.addWidget(self.folder_edit, 1)
        row.addWidget(self.folder_button)
        data_box = QGroupBox("数据文件夹")
        data_layout = QVBoxLayout(data_box)
        data_layout.addLayout(row)
        note = QLabel(folder_problem or "所有草稿及其历史版本、设置都保存在这个文件夹中。备份时复制整个文件夹即可。")
        note.setWordWrap(True)
        if folder_problem:
            note.setStyleSheet(ERROR_STYLE)
        data_layout.addWidget(note)

        self.edits: dict[str, QLineEdit] = {}
        office_box = QGroupBox("本机关信息")
        form = QFormLayout(office_box)
        hint = QLabel("以下信息在每次新建报告时自动填入，并用于报告开头的联系方式。")
        hint.setWordWrap(True)
        form.addRow(hint)
        for key in META_FIELDS:
            edit = QLineEdit(getattr(settings, key))
            edit.setPlaceholderText(PLACEHOLDERS[key])
            self.edits[key] = edit
            form.addRow(f"{LABELS[key]}：", edit)

        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setStyleSheet(ERROR_STYLE)
        self.message.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("保存")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("取消")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(data_box)
        layout.addWidget(office_box)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)

    def values(self) -> dict[str, str]:
        return {key: edit.text().strip() for key, edit in self.edits.items()}

    def _problem(self, values: dict[str, str]) -> str:
        if values["postcode"] and not _POSTCODE.match(values["postcode"]):
            return f"邮编“{values['postcode']}”应为 6 位数字。"
        if values["email"] and not _EMAIL.match(values["email"]):
            return f"电子邮箱“{values['email']}”的格式不对（应类似 gk@example.gov.cn）。"
        return ""

    def accept(self) -> None:
        values = self.values()
        problem = self._problem(values)
        if problem:
            self._fail(problem)
            return
        new = replace(self.settings, **values)
        try:
            self.save(new)
        except OSError as exc:
            where = self.data_folder or "（未知）"
            self._fail(f"设置未能保存：{file_error_reason(exc)}。\n数据文件夹：{where}\n"
                       "请检查该文件夹是否可写（或设置环境变量 NIANBAO_HOME 指向一个可写的文件夹）后再点“保存”。")
            return
        except StoreError as exc:  # data_dir() could not even be created
            self._fail(f"设置未能保存：{exc}")
            return
        for f in fields(Settings):
            setattr(self.settings, f.name, getattr(new, f.name))
        self.saved = new
        super().accept()

    def _fail(self, text: str) -> None:
        self.message.setText(text)
        self.message.show()

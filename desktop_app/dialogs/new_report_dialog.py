"""Asks what a new report is: the body (机关全称), its type and the year. The template follows from the year
and the statutory deadline from the body type; both are shown as the clerk chooses."""

from __future__ import annotations

from datetime import date

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
)

from forms.deadlines import BODY_TYPES, deadline_text
from forms.draft import template_for_year
from forms.template import load_template


class NewReportDialog(QDialog):
    def __init__(self, body: str = "", body_type: str = "部门", year: int | None = None, parent=None,
                 title: str = "新建年度报告"):
        super().__init__(parent)
        self.setWindowTitle(title)
        self.body_edit = QLineEdit(body)
        self.body_edit.setPlaceholderText("如：某某县人民政府、某某县教育局")
        self.type_box = QComboBox()
        self.type_box.addItems(BODY_TYPES)
        self.type_box.setCurrentText(body_type if body_type in BODY_TYPES else BODY_TYPES[0])
        self.year_box = QSpinBox()
        self.year_box.setRange(2008, 2100)
        self.year_box.setValue(year or date.today().year - 1)
        self.template_label = QLabel()
        self.deadline_label = QLabel()
        self.deadline_label.setWordWrap(True)
        self.message = QLabel()
        self.message.setStyleSheet("color: #b00020")

        form = QFormLayout()
        form.addRow("机关全称：", self.body_edit)
        form.addRow("机关类型：", self.type_box)
        form.addRow("报告年度：", self.year_box)
        form.addRow("报告格式：", self.template_label)
        form.addRow("公布期限：", self.deadline_label)
        self.buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        self.buttons.button(QDialogButtonBox.Ok).setText("新建")
        self.buttons.button(QDialogButtonBox.Cancel).setText("取消")
        self.buttons.accepted.connect(self._accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.year_box.valueChanged.connect(self._update)
        self.type_box.currentTextChanged.connect(self._update)
        self._update()
        self.resize(460, self.sizeHint().height())

    @property
    def body(self) -> str:
        return self.body_edit.text().strip()

    @property
    def body_type(self) -> str:
        return self.type_box.currentText()

    @property
    def year(self) -> int:
        return self.year_box.value()

    @property
    def template(self) -> str:
        return template_for_year(self.year)

    def _update(self) -> None:
        self.template_label.setText(load_template(self.template).name)
        self.deadline_label.setText(f"{self.year}年度报告{deadline_text(self.body_type, self.year)}")

    def _accept(self) -> None:
        if not self.body:
            self.message.setText("请填写机关全称。")
            self.body_edit.setFocus()
            return
        self.accept()

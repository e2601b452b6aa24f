"""The application as a clerk uses it: a whole report walked through in the main window, and nothing lost
when the process is killed mid-typing."""

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

import docx
import openpyxl
import pytest
from PySide6.QtCore import QItemSelection, QItemSelectionModel, Qt
from PySide6.QtWidgets import QApplication

from desktop_app.dialogs.export_dialog import ExportDialog
from desktop_app.dialogs.new_report_dialog import NewReportDialog
from desktop_app.main_window import TITLE, MainWindow
from desktop_app.pages.narrative_page import NarrativePage
from desktop_app.pages.table_page import TablePage
from desktop_app.prompts import Prompts
from desktop_app.samples import seed_samples
from forms.store import Store

T3_COLS = ["natural_person", "commercial_enterprise", "research_institution", "public_welfare_org",
           "legal_service_org", "other_org"]


class ScriptedPrompts(Prompts):
    """Answers the window's questions the way the test says, instead of opening modal dialogs."""

    def __init__(self, export_folder=None):
        super().__init__(None)
        self.export_folder = export_folder
        self.new_body = "某某县教育局"
        self.exported = []
        self.confirmations = []

    def confirm(self, title, text, yes="确定", no="取消"):
        self.confirmations.append(text)
        return True

    def inform(self, title, text):
        pass

    def warn(self, title, text):
        raise AssertionError(f"unexpected warning: {title}: {text}")

    def text(self, title, label, default=""):
        return "本年度确无法人申请"

    def run_dialog(self, dialog):
        if isinstance(dialog, NewReportDialog):
            dialog.body_edit.setText(self.new_body)
            dialog.type_box.setCurrentText("部门")
            dialog.year_box.setValue(2025)
            dialog._accept()
            return dialog.result() == NewReportDialog.Accepted
        if isinstance(dialog, ExportDialog):
            dialog.folder_edit.setText(str(self.export_folder))
            self.exported = dialog.export(draft_mark=False)
            return True
        raise AssertionError(f"unexpected dialog {dialog!r}")


@pytest.fixture
def window(qtbot, tmp_path):  # noqa: D103
    store = Store(tmp_path / "store.sqlite3")
    seed_samples(store)
    prompts = ScriptedPrompts(tmp_path)
    w = MainWindow(store, prompts=prompts)
    qtbot.addWidget(w)
    w.show()
    yield w
    w.close_report()
    store.close()


def test_first_start_shows_the_library_with_the_bundled_sample(window):
    assert window.windowTitle() == TITLE
    bodies = [window.library.table.item(r, 0).text() for r in range(window.library.table.rowCount())]
    assert "淮安市人民政府" in bodies
    assert window.library.table.item(0, 5).text() == "示例"


def select(view, row, col):
    index = view.model().index(row, col)
    view.setCurrentIndex(index)
    view.selectionModel().select(QItemSelection(index, index), QItemSelectionModel.ClearAndSelect)
    view.setFocus()


def type_into(qtbot, view, row, col, text):
    """Select a cell and type ASCII on it, then Enter in the editor, as a clerk would."""
    select(view, row, col)
    qtbot.keyClicks(view, text)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key_Return)
    qtbot.waitUntil(lambda: view.state() != view.State.EditingState)
    qtbot.wait(10)  # the delegate commits Enter through a queued call


def test_a_clerk_walks_a_whole_report_and_exports_it(qtbot, window, tmp_path):
    draft_id = window.new_report()
    session = window.session
    assert session.draft.template == "national-2021" and session.draft.body == "某某县教育局"
    page = window.view.page

    # every narrative part typed (Chinese with setPlainText; keyClicks would abort on Chinese)
    for step in page.steps:
        if step.kind == "section":
            widget = page.show_step(step)
            assert isinstance(widget, NarrativePage)
            widget.editor.setPlainText(f"（一）{step.title}情况。本年度按要求开展工作。")
    assert session.draft.sections["overview"].startswith("（一）一、总体情况情况")

    # table 三 by keys: the 自然人 column
    t3 = page.show_step(next(s for s in page.steps if s.kind == "table" and s.key == "table3"))
    assert isinstance(t3, TablePage)
    type_into(qtbot, t3.view, 3, 3, "5")  # D4 一、本年新收
    type_into(qtbot, t3.view, 5, 3, "3")  # D6 （一）予以公开
    type_into(qtbot, t3.view, 6, 3, "1")  # D7 （二）部分公开
    assert session.draft.get("table3.natural_person.new_received") == 5
    assert session.values["table3.total.new_received"] == 5  # the 总计 column follows at once

    # a pasted block: 二、上年结转 for all six columns from Excel/WPS
    QApplication.clipboard().setText("1\t0\t0\t0\t0\t0\n")
    select(t3.view, 4, 3)
    qtbot.keyClick(t3.view, Qt.Key_V, Qt.ControlModifier)
    assert session.draft.get("table3.natural_person.carried_over") == 1
    assert session.values["table3.total.carried_over"] == 1

    # the rest of the table zero, then tables 二 and 四
    t3.fill_zero_button.click()
    for key in ("table2", "table4"):
        page.show_step(next(s for s in page.steps if s.kind == "table" and s.key == key)).fill_zero_button.click()

    # 5 + 1 received, 3 + 1 + 0 handled: one error, the balance of the 自然人 column
    errors = [p for p in session.problems if p.severity == "error"]
    assert {(p.rule, p.cells[0]) for p in errors} >= {("T3-BAL", "table3.natural_person.new_received")}

    # fixed from the problems panel: click the error, land on its cell, type the right figure
    panel = page.problems_panel
    bal = next(p for p in panel.problems() if p.rule == "T3-BAL" and "natural_person" in p.cells[0])
    panel.problem_activated.emit(bal)
    current = page.current_page()
    assert isinstance(current, TablePage)
    cell = current.model.cell_at(current.view.currentIndex().row(), current.view.currentIndex().column())
    assert cell is not None and cell.id in bal.cells
    type_into(qtbot, current.view, 27, 3, "2")  # D28 四、结转下年度继续办理: 6 = 4 + 2
    assert not [p for p in session.problems if p.severity == "error"]

    # undo brings the error back, redo fixes it again
    page.undo_action.trigger()
    assert any(p.rule == "T3-BAL" for p in session.problems)
    page.redo_action.trigger()
    assert not [p for p in session.problems if p.severity == "error"]

    # saved by itself within a second
    with qtbot.waitSignal(session.saved, timeout=2000):
        pass
    assert "已保存" in window.save_label.text()
    _, stored = window.store.load(draft_id)
    assert stored["values"]["table3.natural_person.carried_forward"] == 2

    # export: both files, with the default names, holding the figures in their official cells
    window.export_report()
    names = sorted(p.name for p in window.prompts.exported)
    assert names == ["某某县教育局2025年政府信息公开工作年度报告.docx", "某某县教育局2025年政府信息公开工作年度报告统计附表.xlsx"]
    book = openpyxl.load_workbook(tmp_path / names[1])
    assert book["表三"]["D4"].value == 5 and book["表三"]["J4"].value == 5 and book["表三"]["D28"].value == 2
    word = docx.Document(tmp_path / names[0])
    t3_word = next(t for t in word.tables if "勾稽关系" in t.cell(0, 0).text)
    assert t3_word.cell(3, 3).text == "5" and t3_word.cell(26, 3).text == "4"
    assert "某某县教育局" in word.paragraphs[0].text


def test_a_second_window_on_the_same_draft_is_warned(qtbot, window, tmp_path):
    draft_id = window.store.list()[0].id
    window.open_draft(draft_id)
    other = MainWindow(window.store, prompts=ScriptedPrompts(tmp_path))
    qtbot.addWidget(other)
    other.open_draft(draft_id)
    assert any("已在另一个窗口或程序中打开" in text for text in other.prompts.confirmations)
    assert other.view.banner.isHidden() is False and "另一个窗口" in other.view.banner.text()
    other.close_report()


CHILD = textwrap.dedent("""
    import os, sys
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtWidgets import QApplication
    app = QApplication([])
    from forms.store import Store
    from desktop_app.main_window import MainWindow
    store = Store()
    w = MainWindow(store)
    w.open_draft(int(sys.argv[1]))
    session = w.session
    session.saved.connect(lambda t: print("saved", session.draft.sections["problems"], flush=True))
    n = 0
    def type_more():
        global n
        n += 1
        session.set_section("problems", "问题" + "甲" * n)  # a clerk typing, one character at a time
    from PySide6.QtCore import QTimer
    timer = QTimer()
    timer.timeout.connect(type_more)
    timer.start(50)
    app.exec()
""")


def test_a_killed_process_loses_nothing_that_was_saved_and_says_it_recovered(qtbot, tmp_path, nianbao_home):
    store = Store()
    seed_samples(store)
    draft_id = store.list()[0].id
    store.close()
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(draft_id)], stdout=subprocess.PIPE, text=True,
                             env=os.environ.copy())
    saved = []
    watchdog = threading.Timer(60, child.kill)  # never hang the suite if the child stops talking
    watchdog.start()
    try:
        for line in child.stdout:  # a few autosaves while it types without pause, then kill it mid-typing
            if line.startswith("saved "):
                saved.append(line.split(" ", 1)[1].strip())
            if len(saved) >= 3:
                break
        time.sleep(0.2)
    finally:
        watchdog.cancel()
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
    assert len(saved) >= 3

    store = Store()
    w = MainWindow(store, prompts=ScriptedPrompts(tmp_path))
    qtbot.addWidget(w)
    assert w.open_draft(draft_id)
    text = w.session.draft.sections["problems"]
    _, stored = store.load(draft_id)
    assert text == stored["sections"]["problems"]  # as it was at its last save
    assert text.startswith(saved[-1]) and len(text) >= len(saved[-1])  # nothing saved before the kill is lost
    assert w.view.banner.isHidden() is False and "已恢复" in w.view.banner.text()
    w.close_report()
    store.close()
    assert json.loads(json.dumps(stored))["body"] == "淮安市人民政府"


def test_the_2016_sample_shows_its_proofreading_problems_and_fixes_them(qtbot, window):
    wushan = next(i for i in window.store.list() if i.body == "武山县人民政府")
    assert wushan.is_sample
    window.open_draft(wushan.id)
    session, panel = window.session, window.view.page.problems_panel
    rules = {p.rule for p in panel.problems()}
    assert {"TEXT-GARBLED", "TEXT-TRAD", "TEXT-HALFWIDTH"} <= rules
    assert any("乱码" in p.message and p.section == "problems" for p in panel.problems())
    # one click per fixable problem, until none is left; 乱码 cannot be fixed automatically and stays
    while (fixable := [p for p in panel.problems() if p.fix]):
        panel.select(fixable[0])
        assert panel.fix_current()
    rules = {p.rule for p in session.problems}
    assert "TEXT-TRAD" not in rules and "TEXT-HALFWIDTH" not in rules and "TEXT-GARBLED" in rules
    assert "主動" not in session.draft.sections["overview"] and "主动" in session.draft.sections["overview"]
    session.undo_stack.undo()  # each fix is one undo step
    assert any(p.rule in ("TEXT-TRAD", "TEXT-HALFWIDTH") for p in session.problems)


def test_a_new_report_from_last_years_carries_over_and_checks_across_years(qtbot, window):
    huaian = next(i for i in window.store.list() if i.body == "淮安市人民政府")
    window.library.refresh()
    window.library.select(huaian.id)
    window.prompts.new_body = "淮安市人民政府"
    new_id = window.new_from_last()
    session = window.session
    assert (session.draft.body, session.draft.year, session.draft.template) == ("淮安市人民政府", 2025, "national-2021")
    # 二、上年结转 takes last year's 四、结转下年度继续办理, column by column
    assert session.draft.get("table3.natural_person.carried_over") == 103
    assert session.draft.get("table3.commercial_enterprise.carried_over") == 0
    assert session.draft.sections["overview"]  # last year's text as a starting point …
    assert any(p.rule == "TEXT-UNREVISED" for p in session.problems)  # … marked as not yet revised
    assert "上年结转" in window.view.banner.text()
    assert new_id in [i.id for i in window.store.list()]
    # last year's draft is in the store, so the cross-year checks run by themselves
    assert session.previous is not None and session.previous.year == 2024
    assert not [p for p in session.problems if p.rule == "XY-CARRY"]
    session.set_cells({"table3.natural_person.carried_over": 100})
    assert [p.cells for p in session.problems if p.rule == "XY-CARRY"][0] == ("table3.natural_person.carried_over",)


def test_a_draft_file_opened_from_the_file_manager_is_imported_and_opened(qtbot, window):
    from tests.conftest import DATA

    before = {i.id for i in window.store.list()}
    draft_id = window.import_path(DATA / "2023_淮安市洪泽区_人民政府.nianbao.json", open_it=True)
    assert draft_id not in before
    assert window.session.draft.body == "淮安市洪泽区人民政府"
    assert sum(p.severity == "error" for p in window.session.problems) == 2

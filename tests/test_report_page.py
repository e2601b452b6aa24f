"""The report editor as a clerk sees it: the steps in order with their states, the problems list that jumps
to the cell, narrative parts with undo, acknowledged warnings. Offscreen, on a real store and a real draft."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextCursor

from desktop_app.pages.narrative_page import NarrativePage, char_count
from desktop_app.pages.report_page import ReportPage
from desktop_app.pages.table_page import TablePage
from desktop_app.session import ACK_KEY, DraftSession
from desktop_app.undo import SetCellsCommand, SetSectionCommand
from desktop_app.widgets.navigator import Step, report_steps
from desktop_app.widgets.problems_panel import AcknowledgedRole
from forms.draft import read_draft, to_dict
from forms.store import Store
from forms.template import load_template

DATA = Path(__file__).parent / "data"
HONGZE = DATA / "2023_淮安市洪泽区_人民政府.nianbao.json"
WUSHAN = DATA / "2016_武山县_人民政府.nianbao.json"
SCREENSHOTS = Path("/tmp")


def open_session(tmp_path: Path, source: Path = HONGZE) -> DraftSession:
    store = Store(tmp_path / "s.sqlite3")
    info = store.create(to_dict(read_draft(source)))
    return DraftSession(store, info.id)


@pytest.fixture
def session(tmp_path):
    s = open_session(tmp_path)
    yield s
    s.store.close()


@pytest.fixture
def page(qtbot, session):
    w = ReportPage(session)
    qtbot.addWidget(w)
    w.resize(1366, 768)
    w.show()
    qtbot.waitExposed(w)
    return w


def t4_problem(session, group="review"):
    return next(p for p in session.problems if p.rule == "T4-SUM" and p.cells[0] == f"table4.{group}.total")


def blank_warning(session):
    return next(p for p in session.problems if p.rule == "BLANK")


def click_problem(qtbot, w: ReportPage, problem) -> None:
    panel = w.problems_panel
    item = panel.item_for(problem)
    panel.list.scrollToItem(item)
    qtbot.mouseClick(panel.list.viewport(), Qt.MouseButton.LeftButton, pos=panel.list.visualItemRect(item).center())


def step(w: ReportPage, kind: str, key: str) -> Step:
    found = w.navigator.find_step(kind, key)
    assert found is not None
    return found


# --- the step list ---------------------------------------------------------------------------------------------


def test_steps_follow_the_printed_report():
    steps = report_steps(load_template("national-2021"))
    assert [(s.kind, s.key) for s in steps] == [
        ("section", "intro"), ("section", "overview"),
        ("table", "table2"), ("section", "proactive"),
        ("table", "table3"), ("section", "requests"),
        ("table", "table4"), ("section", "review_litigation"),
        ("section", "problems"), ("section", "other"),
    ]
    titles = [s.title for s in steps]
    assert titles[0] == "开头段落"
    assert titles[1] == "一、总体情况"
    assert titles[2].startswith("表二")
    assert titles[3] == "二、主动公开政府信息情况（表后说明，可不写）"
    assert titles[6].startswith("表四")


def test_annex_table_of_the_2008_format_comes_last():
    tpl = load_template("legacy-2008")
    steps = report_steps(tpl)
    assert [s.key for s in steps[:-1]] == [p.key for p in tpl.parts]
    assert all(s.kind == "section" for s in steps[:-1])
    assert steps[-1].kind == "table" and steps[-1].key == "stats"
    assert steps[-1].title.startswith("附件：")


def test_navigator_lists_steps_and_shows_their_state(page):
    nav = page.navigator
    assert [nav.item(i).text() for i in range(nav.count())] == [s.title for s in report_steps(page.session.tpl)]
    assert nav.state_text(step(page, "table", "table4")) == "2 个错误"
    assert nav.state_text(step(page, "table", "table3")) == "18 个空格"
    assert nav.state_text(step(page, "section", "overview")) == "✓"
    assert nav.state_text(step(page, "section", "proactive")) == "✓"  # empty, but may stay empty
    assert page.current_step() == page.steps[0]
    assert isinstance(page.stack.currentWidget(), NarrativePage)


# --- problems -> cells -----------------------------------------------------------------------------------------


def test_clicking_a_table_error_opens_the_table_at_its_cell(qtbot, page):
    assert page.problems_panel.summary.text() == "2 个错误，1 个警告"
    problems = page.problems_panel.problems()
    assert [p.severity for p in problems] == ["error", "error", "warning"]

    with qtbot.waitSignal(page.problems_panel.problem_activated):
        click_problem(qtbot, page, t4_problem(page.session))
    assert page.current_step() == step(page, "table", "table4")
    table_page = page.stack.currentWidget()
    assert isinstance(table_page, TablePage)
    assert table_page.model.table.id == "table4"
    current = table_page.view.currentIndex()
    assert (current.row(), current.column()) == (3, 4)  # E4: 行政复议 总计
    assert page.navigator.currentItem().text().startswith("表四")


def test_fixing_a_total_updates_navigator_and_panel_at_once(qtbot, page):
    session = page.session
    table4 = step(page, "table", "table4")
    session.undo_stack.push(SetCellsCommand(session, {"table4.review.total": 11}))
    assert page.navigator.state_text(table4) == "1 个错误"
    assert page.problems_panel.summary.text() == "1 个错误，1 个警告"

    page.go_to_problem(t4_problem(session, "litigation_after_review"))
    table_page = page.stack.currentWidget()
    assert table_page.model.setData(table_page.view.currentIndex(), "5")  # as if typed into the cell
    assert session.draft.get("table4.litigation_after_review.total") == 5
    assert page.navigator.state_text(table4) == "✓"
    assert page.problems_panel.summary.text() == "0 个错误，1 个警告"
    assert [p.severity for p in page.problems_panel.problems()] == ["warning"]

    session.undo_stack.undo()
    assert page.navigator.state_text(table4) == "1 个错误"


def test_a_missing_required_part_is_an_error_of_its_step(qtbot, page):
    overview = step(page, "section", "overview")
    narrative = page.show_step(overview)
    narrative.editor.setPlainText("")
    assert page.navigator.state_text(overview) == "1 个错误"
    assert narrative.problems.isVisibleTo(narrative)
    assert "还没有写" in narrative.problems.item(0).text()
    assert page.problems_panel.summary.text() == "3 个错误，1 个警告"

    page.show_step(page.steps[0])
    required = next(p for p in page.session.problems if p.rule == "REQUIRED")
    assert page.go_to_problem(required)
    assert page.stack.currentWidget() is narrative
    qtbot.waitUntil(narrative.editor.hasFocus)


# --- narrative parts -------------------------------------------------------------------------------------------


def test_typing_in_a_part_edits_the_draft_and_one_undo_reverts_it(qtbot, page):
    session = page.session
    narrative = page.show_step(step(page, "section", "other"))
    assert isinstance(narrative, NarrativePage)
    original = session.draft.sections["other"]
    assert narrative.editor.toPlainText() == original
    assert narrative.count.text() == f"共 {char_count(original)} 字"
    assert narrative.title.text() == "六、其他需要报告的事项"
    assert "信息处理费" in narrative.guidance.toPlainText()

    narrative.editor.moveCursor(QTextCursor.MoveOperation.End)
    qtbot.keyClicks(narrative.editor, "abc")
    assert session.draft.sections["other"] == original + "abc"
    assert narrative.count.text() == f"共 {char_count(original) + 3} 字"
    assert session.undo_stack.count() == 1  # three key presses, one undo step

    page.undo_action.trigger()
    assert session.draft.sections["other"] == original
    assert narrative.editor.toPlainText() == original
    assert narrative.count.text() == f"共 {char_count(original)} 字"
    assert narrative.editor.textCursor().position() == len(original)
    assert session.undo_stack.count() == 1 and session.undo_stack.canRedo()  # taking the text in pushed nothing

    page.redo_action.trigger()
    assert narrative.editor.toPlainText() == original + "abc"
    assert session.undo_stack.count() == 1


def test_chinese_text_and_ctrl_z_in_the_editor(qtbot, page):
    session = page.session
    narrative = page.show_step(step(page, "section", "proactive"))
    narrative.editor.setPlainText("本年度主动公开政府信息1136条。\n其中规范性文件5件。")
    assert session.draft.sections["proactive"] == "本年度主动公开政府信息1136条。\n其中规范性文件5件。"
    assert narrative.count.text() == "共 27 字"  # the line break is not a character

    narrative.editor.setFocus()
    qtbot.keyClick(narrative.editor, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert session.draft.sections["proactive"] == ""
    assert narrative.editor.toPlainText() == ""
    assert narrative.count.text() == "共 0 字"


def test_the_editor_follows_changes_made_elsewhere(qtbot, page):
    session = page.session
    narrative = page.show_step(step(page, "section", "problems"))
    before = session.draft.sections["problems"]
    session.undo_stack.push(SetSectionCommand(session, "problems", before, before + "\n补充一段。"))
    assert narrative.editor.toPlainText() == before + "\n补充一段。"
    assert session.undo_stack.count() == 1
    session.undo_stack.undo()
    assert narrative.editor.toPlainText() == before


# --- acknowledging warnings ------------------------------------------------------------------------------------


def test_a_warning_can_be_acknowledged_with_a_reason(qtbot, page, monkeypatch):
    session, panel = page.session, page.problems_panel
    warning = blank_warning(session)
    asked = []
    monkeypatch.setattr(panel.prompts, "text", lambda *args, **kw: asked.append(args) or "本年度未发生这三种情形")

    click_problem(qtbot, page, warning)
    assert page.current_step() == step(page, "table", "table3")
    assert panel.acknowledge_button.isEnabled()
    qtbot.mouseClick(panel.acknowledge_button, Qt.MouseButton.LeftButton)

    assert len(asked) == 1
    assert session.is_acknowledged(warning)
    (entry,) = session.draft.extra[ACK_KEY].values()
    assert entry["reason"] == "本年度未发生这三种情形"
    item = panel.item_for(warning)
    assert item.data(AcknowledgedRole)
    assert "已确认无误：本年度未发生这三种情形" in item.text()
    assert panel.problems()[-1] == warning  # acknowledged warnings go last
    assert panel.summary.text() == "2 个错误，0 个警告（另有 1 个警告已确认无误）"
    assert page.navigator.state_text(step(page, "table", "table3")) == "✓"
    assert not panel.acknowledge_button.isEnabled()

    assert panel.unacknowledge_button.isVisible()
    qtbot.mouseClick(panel.unacknowledge_button, Qt.MouseButton.LeftButton)
    assert not session.is_acknowledged(warning)
    assert page.navigator.state_text(step(page, "table", "table3")) == "18 个空格"
    assert panel.summary.text() == "2 个错误，1 个警告"


def test_cancelling_the_reason_acknowledges_nothing(qtbot, page, monkeypatch):
    panel = page.problems_panel
    monkeypatch.setattr(panel.prompts, "text", lambda *args, **kw: None)
    panel.select(blank_warning(page.session))
    assert not panel.acknowledge_current()
    assert ACK_KEY not in page.session.draft.extra


def test_errors_cannot_be_acknowledged(qtbot, page, monkeypatch):
    panel = page.problems_panel
    asked = []
    monkeypatch.setattr(panel.prompts, "text", lambda *args, **kw: asked.append(args) or "理由")
    error = t4_problem(page.session)
    click_problem(qtbot, page, error)
    assert panel.current_problem() == error
    assert not panel.acknowledge_button.isEnabled()
    ack_action = next(a for a in panel.context_actions(error) if a.text() == "确认无误…")
    assert not ack_action.isEnabled()
    assert not panel.acknowledge_current()
    assert asked == []
    assert not page.session.is_acknowledged(error)


# --- walking the report ----------------------------------------------------------------------------------------


def test_next_and_previous_walk_every_step_in_order(qtbot, page):
    seen = [page.current_step()]
    while page.next_button.isEnabled():
        qtbot.mouseClick(page.next_button, Qt.MouseButton.LeftButton)
        seen.append(page.current_step())
    assert seen == page.steps
    assert page.position.text() == f"第 {len(page.steps)} 步，共 {len(page.steps)} 步"
    for s in page.steps:
        shown = page.page_for(s)
        assert isinstance(shown, TablePage if s.kind == "table" else NarrativePage)
    assert not page.next()

    back = [page.current_step()]
    while page.previous_button.isEnabled():
        qtbot.mouseClick(page.previous_button, Qt.MouseButton.LeftButton)
        back.append(page.current_step())
    assert back == page.steps[::-1]
    assert not page.previous()


def test_a_2008_report_ends_with_its_annex_table(qtbot, tmp_path):
    session = open_session(tmp_path, WUSHAN)
    w = ReportPage(session)
    qtbot.addWidget(w)
    w.navigator.select_step(w.steps[-1])
    table_page = w.stack.currentWidget()
    assert isinstance(table_page, TablePage) and table_page.model.table.id == "stats"
    session.store.close()


# --- what it looks like ----------------------------------------------------------------------------------------


def test_screenshots_at_1366x768(qtbot, page):
    """(a) a narrative part and (b) table 四 with its errors, for a person to look at."""
    page.show_step(step(page, "section", "overview"))
    qtbot.wait(20)
    narrative = SCREENSHOTS / "nianbao_report_narrative.png"
    assert page.grab().save(str(narrative))
    click_problem(qtbot, page, t4_problem(page.session))
    qtbot.wait(20)
    table = SCREENSHOTS / "nianbao_report_table4.png"
    assert page.grab().save(str(table))
    assert narrative.stat().st_size > 10_000 and table.stat().st_size > 10_000

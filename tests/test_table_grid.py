"""The table grid as a clerk uses it: the official layout, typing, refusals, paste, copy, fill-0, colours."""

from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtCore import QItemSelection, QItemSelectionModel, Qt
from PySide6.QtWidgets import QApplication, QLineEdit

from desktop_app.pages.table_page import TablePage
from desktop_app.session import DraftSession
from desktop_app.undo import SetCellsCommand
from desktop_app.widgets.table_model import (
    ERROR_BG,
    HEADER_BG,
    TOTAL_BG,
    WARNING_BG,
    CellIdRole,
    IndentRole,
    RefusedRole,
    TableGridModel,
)
from desktop_app.widgets.table_view import parse_block
from forms.draft import new_draft, read_draft, to_dict
from forms.store import Store

DATA = Path(__file__).parent / "data"
T3 = "table3"
D4 = "table3.natural_person.new_received"
J4 = "table3.total.new_received"
D5 = "table3.natural_person.carried_over"


@pytest.fixture
def session(tmp_path):
    store = Store(tmp_path / "s.sqlite3")
    draft = new_draft("national-2021", "某县人民政府", 2024)
    info = store.create(to_dict(draft))
    s = DraftSession(store, info.id)
    yield s
    s.flush()
    s.close()
    store.close()


@pytest.fixture
def page(qtbot, session):
    p = TablePage(session, T3)
    qtbot.addWidget(p)
    p.resize(1366, 768)
    p.show()
    qtbot.waitExposed(p)
    return p


def select(view, top_left, bottom_right=None):
    view.setCurrentIndex(top_left)
    view.selectionModel().select(QItemSelection(top_left, bottom_right or top_left),
                                 QItemSelectionModel.SelectionFlag.ClearAndSelect)
    view.setFocus()


def type_into(qtbot, view, cell_id, text):
    """Select a cell and type ASCII on it as a clerk would, then press Enter in the editor."""
    model = view.grid_model
    select(view, model.index_of(cell_id))
    qtbot.keyClicks(view, text)
    editor = QApplication.focusWidget()
    assert isinstance(editor, QLineEdit)
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: view.state() != view.State.EditingState)
    qtbot.wait(10)  # the delegate commits Enter through a queued call


def look(index, role):
    """index.data(role) asked of the model itself: in PySide6 6.12 on Python 3.11 each index.data() that
    returns nothing drops a reference to None (enough of them abort the run)."""
    return index.model().data(index, role)


# --- the official layout ----------------------------------------------------------------------------------


def test_table3_grid_is_the_official_one(session):
    model = TableGridModel(session, T3)
    table = session.tpl.table(T3)
    assert (model.rowCount(), model.columnCount()) == (28, 10)
    spans = model.spans()
    assert (0, 0, 3, 3) in spans  # A1:C3, the note
    assert (5, 0, 22, 1) in spans  # A6:A27, 三、本年度办理结果
    assert model.cell_at(3, 3).id == D4
    assert model.index_of(D4).row() == 3 and model.index_of(D4).column() == 3
    assert model.index_of("table4.review.total").isValid() is False  # another table's cell
    # every label verbatim, at its place
    for label in table.labels:
        assert model.index(label.at.row1 - 1, label.at.col1 - 1).data() == label.text
    assert model.index(0, 0).data() == "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"


def test_totals_and_labels_are_read_only_inputs_editable(session):
    model = TableGridModel(session, T3)
    editable = Qt.ItemFlag.ItemIsEditable
    for row in range(3, 28):
        assert not model.flags(model.index(row, 9)) & editable  # column J, 总计
    assert not model.flags(model.index(0, 0)) & editable
    assert not model.flags(model.index(3, 0)) & editable  # a row label
    assert not model.flags(model.index(26, 3)) & editable  # （七）总计 of 自然人
    assert model.flags(model.index(3, 3)) & editable
    assert model.flags(model.index(27, 8)) & editable  # I28


def test_look_of_labels_totals_and_blanks(session):
    model = TableGridModel(session, T3)
    assert look(model.index(3, 0), Qt.ItemDataRole.BackgroundRole) == HEADER_BG
    assert look(model.index(3, 9), Qt.ItemDataRole.BackgroundRole) == TOTAL_BG
    assert look(model.index(3, 9), Qt.ItemDataRole.FontRole).bold()
    assert look(model.index(3, 9), Qt.ItemDataRole.ToolTipRole).startswith("自动计算：总计等于自然人与法人或其他组织各列之和")
    # a fresh draft: every input is blank, which is warned
    assert look(model.index(3, 3), Qt.ItemDataRole.BackgroundRole) == WARNING_BG
    assert "表三有" in look(model.index(3, 3), Qt.ItemDataRole.ToolTipRole)
    assert look(model.index(3, 3), CellIdRole) == D4


def test_row_labels_indent_only_beyond_their_column(session):
    # table 三 shows its levels by columns (A, B, C): no extra indentation anywhere
    model = TableGridModel(session, T3)
    for label in session.tpl.table(T3).labels:
        if label.role == "row":
            assert look(model.index(label.at.row1 - 1, label.at.col1 - 1), IndentRole) == 0


# --- typing ---------------------------------------------------------------------------------------------


def test_typing_a_figure_commits_updates_total_and_moves_down(qtbot, page, session):
    view = page.view
    type_into(qtbot, view, D4, "12")
    assert session.stated(D4) == 12
    assert view.grid_model.index_of(J4).data() == "12"
    assert (view.currentIndex().row(), view.currentIndex().column()) == (4, 3)  # D5
    assert session.undo_stack.count() == 1
    assert session.undo_stack.undoText() == "修改 表三 单元格"


def test_typing_replaces_what_the_cell_held(qtbot, page, session):
    session.set_cells({D4: 5})
    type_into(qtbot, page.view, D4, "7")
    assert session.stated(D4) == 7


def test_tab_in_the_editor_commits_and_moves_to_the_next_input(qtbot, page, session):
    view, model = page.view, page.model
    select(view, model.index_of("table3.other_org.new_received"))  # I4
    qtbot.keyClicks(view, "3")
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    assert session.stated("table3.other_org.new_received") == 3
    assert model.cell_at(view.currentIndex().row(), view.currentIndex().column()).id == D5  # J4 skipped


@pytest.mark.parametrize("typed", ["abc", "-3"])
def test_typing_a_refused_value_changes_nothing_and_says_why(qtbot, page, session, typed):
    view, model = page.view, page.model
    with qtbot.waitSignal(view.refused, timeout=1000) as signal:
        type_into(qtbot, view, D4, typed)
    assert session.stated(D4) is None
    assert session.undo_stack.count() == 0
    cell_id, message = signal.args
    assert cell_id == D4
    assert message.startswith("表三“一、本年新收政府信息公开申请数量”行“自然人”列：")
    assert f"“{typed}”" in message
    index = model.index_of(D4)
    assert f"“{typed}”" in look(index, Qt.ItemDataRole.ToolTipRole)
    assert look(index, RefusedRole)
    assert (view.currentIndex().row(), view.currentIndex().column()) == (3, 3)  # stays on the cell
    assert "未填入" in page.message.text()
    # Esc drops the mark; a valid input would too
    qtbot.keyClick(view, Qt.Key.Key_Escape)
    assert not look(index, RefusedRole)
    assert "未填入" not in page.message.text()


def test_full_width_and_chinese_input_via_set_data(session):
    model = TableGridModel(session, T3)
    assert model.setData(model.index_of(D4), "１２３")
    assert session.stated(D4) == 123
    assert not model.setData(model.index_of(D5), "十二")
    assert session.stated(D5) is None
    assert "阿拉伯数字" in model.refusal(D5)
    assert model.setData(model.index_of(D5), "5")  # the next valid input takes the refusal away
    assert model.refusal(D5) is None


def test_money_cell_keeps_decimals(session):
    model = TableGridModel(session, "table2")
    cid = "table2.admin_fees.amount"
    assert model.setData(model.index_of(cid), "7730.280")
    assert session.stated(cid) == Decimal("7730.28")
    assert model.index_of(cid).data() == "7730.28"


def test_tab_skips_totals(qtbot, page):
    view, model = page.view, page.model
    select(view, model.index_of("table3.other_org.new_received"))  # I4
    qtbot.keyClick(view, Qt.Key.Key_Tab)
    assert model.cell_at(view.currentIndex().row(), view.currentIndex().column()).id == D5  # not J4
    qtbot.keyClick(view, Qt.Key.Key_Backtab)
    assert model.cell_at(view.currentIndex().row(), view.currentIndex().column()).id == "table3.other_org.new_received"


# --- paste, copy, clear, fill 0 -------------------------------------------------------------------------------


def test_parse_block():
    assert parse_block("1\t2\t3\n4\t5\t6\n") == [["1", "2", "3"], ["4", "5", "6"]]
    assert parse_block("1\t2\r\n3\t4\r\n") == [["1", "2"], ["3", "4"]]
    assert parse_block("7") == [["7"]]
    assert parse_block("") == []


def paste_at(qtbot, view, cell_id, text):
    QApplication.clipboard().setText(text)
    select(view, view.grid_model.index_of(cell_id))
    qtbot.keyClick(view, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)


def test_paste_block_is_one_undo_step(qtbot, page, session):
    view, model = page.view, page.model
    paste_at(qtbot, view, "table3.natural_person.granted", "1\t2\t3\n4\t5\t6\n")  # at D6
    cols = ["natural_person", "commercial_enterprise", "research_institution"]
    got = {(r, c): session.stated(f"table3.{c}.{r}") for r in ("granted", "partially_granted") for c in cols}
    assert list(got.values()) == [1, 2, 3, 4, 5, 6]
    assert model.index_of("table3.total.granted").data() == "6"
    assert model.index_of("table3.total.partially_granted").data() == "15"
    assert session.undo_stack.count() == 1
    assert session.undo_stack.undoText() == "粘贴 6 个单元格"
    session.undo_stack.undo()
    assert all(session.stated(f"table3.{c}.{r}") is None for r, c in got)
    assert model.index_of("table3.total.granted").data() == ""
    session.undo_stack.redo()
    assert [session.stated(f"table3.{c}.{r}") for r, c in got] == [1, 2, 3, 4, 5, 6]


def test_paste_with_one_bad_value_pastes_nothing(qtbot, page, session):
    view = page.view
    with qtbot.waitSignal(view.refused, timeout=1000) as signal:
        paste_at(qtbot, view, "table3.natural_person.granted", "1\t2\nx\t4\n")
    assert session.draft.values == {}
    assert session.undo_stack.count() == 0
    cell_id, message = signal.args
    assert cell_id == "table3.natural_person.partially_granted"
    assert message.startswith("表三“三、本年度办理结果（二）部分公开”行“自然人”列：“x”不是数字")


def test_paste_over_the_total_column_skips_it(qtbot, page, session):
    view = page.view
    paste_at(qtbot, view, "table3.other_org.new_received", "4\t99\n")  # I4, then J4 (总计)
    assert session.stated("table3.other_org.new_received") == 4
    assert session.stated(J4) is None  # not stated: still computed
    assert view.grid_model.index_of(J4).data() == "4"
    assert session.undo_stack.undoText() == "粘贴 1 个单元格"


def test_paste_outside_the_table_is_refused(qtbot, page, session):
    with qtbot.waitSignal(page.view.refused, timeout=1000):
        paste_at(qtbot, page.view, "table3.natural_person.carried_forward", "1\n2\n")  # D28 is the last row
    assert session.draft.values == {}


def test_single_value_pasted_on_a_selection_fills_it(qtbot, page, session):
    view, model = page.view, page.model
    QApplication.clipboard().setText("0")
    select(view, model.index_of(D4), model.index_of("table3.total.carried_over"))  # D4:J5
    qtbot.keyClick(view, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert session.stated(D4) == 0 and session.stated("table3.other_org.carried_over") == 0
    assert session.stated(J4) is None
    assert session.undo_stack.count() == 1


def test_copy_a_rectangle(qtbot, page, session):
    view, model = page.view, page.model
    session.set_cells({D4: 1, "table3.commercial_enterprise.new_received": 2, D5: 3,
                       "table3.commercial_enterprise.carried_over": 4})
    select(view, model.index_of(D4), model.index_of("table3.commercial_enterprise.carried_over"))
    qtbot.keyClick(view, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert QApplication.clipboard().text() == "1\t2\n3\t4"


def test_copy_gives_merged_text_once(session):
    model = TableGridModel(session, T3)
    assert model.copy_text(3, 0, 3, 3) == "一、本年新收政府信息公开申请数量\t\t\t"


def test_delete_clears_selected_inputs_in_one_step(qtbot, page, session):
    view, model = page.view, page.model
    session.set_cells({D4: 1, D5: 2, "table3.commercial_enterprise.new_received": 3})
    select(view, model.index_of(D4), model.index_of("table3.total.carried_over"))
    qtbot.keyClick(view, Qt.Key.Key_Delete)
    assert session.draft.values == {}
    assert session.undo_stack.count() == 1
    session.undo_stack.undo()
    assert session.stated(D4) == 1 and session.stated(D5) == 2


def test_fill_blank_with_zero(qtbot, page, session):
    session.set_cells({D4: 5})
    qtbot.mouseClick(page.fill_zero_button, Qt.MouseButton.LeftButton)
    tpl = session.tpl
    inputs = [c.id for c in tpl.table(T3).cells if not tpl.is_computed(c.id)]
    assert session.stated(D4) == 5
    assert all(session.stated(cid) == 0 for cid in inputs if cid != D4)
    assert not any(session.stated(c.id) is not None for c in tpl.table(T3).cells if tpl.is_computed(c.id))
    assert not any(cid.startswith("table4.") for cid in session.draft.values)  # only this table
    assert session.undo_stack.count() == 1 and session.undo_stack.undoText() == "其余空格填0"
    assert not page.fill_zero_button.isEnabled()
    assert not [p for p in session.problems if p.rule == "BLANK" and p.cells[0].startswith("table3.")]
    session.undo_stack.undo()
    assert session.draft.values == {D4: 5}


# --- errors -------------------------------------------------------------------------------------------------


def test_stated_total_that_differs_is_shown_as_an_error(session):
    model = TableGridModel(session, "table4")
    session.set_cells({"table4.review.upheld": 10, "table4.review.corrected": 1, "table4.review.total": 0})
    index = model.index_of("table4.review.total")
    assert index.data() == "0"  # the stated figure, as it would be printed
    assert look(index, Qt.ItemDataRole.BackgroundRole) == ERROR_BG
    tip = look(index, Qt.ItemDataRole.ToolTipRole)
    assert "填的是 0，但各项相加是 11" in tip
    assert model.flags(index) & Qt.ItemFlag.ItemIsEditable  # it can be corrected ...
    assert model.clear_cells(["table4.review.total"])  # ... or cleared: the program computes it
    assert index.data() == "11"
    assert look(index, Qt.ItemDataRole.BackgroundRole) == TOTAL_BG
    assert not model.flags(index) & Qt.ItemFlag.ItemIsEditable


def test_stated_totals_that_agree_follow_their_parts(session):
    """An imported report states its totals; editing a part must not turn them into errors."""
    model = TableGridModel(session, "table4")
    session.set_cells({"table4.review.upheld": 10, "table4.review.corrected": 1, "table4.review.total": 11})
    assert model.setData(model.index_of("table4.review.upheld"), "12")
    assert session.stated("table4.review.total") is None
    assert model.index_of("table4.review.total").data() == "13"
    assert not [p for p in session.problems if p.severity == "error" and p.cells]
    session.undo_stack.undo()
    assert session.stated("table4.review.total") == 11 and session.stated("table4.review.upheld") == 10


def test_huaian_sample_with_one_typo(qtbot, tmp_path):
    """The 淮安 2024 report, all figures as printed; one figure typed wrong shows one error, in red."""
    store = Store(tmp_path / "s.sqlite3")
    draft = read_draft(DATA / "2024_淮安市_人民政府.nianbao.json")
    info = store.create(to_dict(draft))
    session = DraftSession(store, info.id)
    page = TablePage(session, T3)
    qtbot.addWidget(page)
    page.resize(1366, 768)
    page.show()
    qtbot.waitExposed(page)
    assert not [p for p in session.problems if p.severity == "error"]
    cid = "table3.natural_person.granted"
    session.undo_stack.push(SetCellsCommand(session, {cid: session.stated(cid) + 10}))
    errors = [p for p in session.problems if p.severity == "error" and p.cells[0] == D4]
    assert len(errors) == 1 and "现相差 10" in errors[0].message
    assert look(page.model.index_of(D4), Qt.ItemDataRole.BackgroundRole) == ERROR_BG
    page.focus_cell("table3.natural_person.results_total")
    assert page.message.text().startswith("错误：表三“自然人”列")
    # every label fits its place: each row is as tall as its wrapped text needs
    view = page.view
    assert view.horizontalScrollBar().maximum() == 0
    heights = view.row_heights([view.columnWidth(c) for c in range(10)])
    assert all(view.rowHeight(r) >= h for r, h in enumerate(heights))
    page.grab().save(str(tmp_path / "table3.png"))
    session.flush()
    session.close()
    store.close()


def test_focus_cell(page):
    assert page.focus_cell("table3.total.carried_forward")
    index = page.view.currentIndex()
    assert (index.row(), index.column()) == (27, 9)
    assert page.message.text() == "表三“四、结转下年度继续办理”行“总计”列"
    assert not page.focus_cell("table4.review.total")

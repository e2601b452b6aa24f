"""The open draft: changes, checks and totals kept current, autosave, conflicts, failures, undo of text."""

import pytest

from desktop_app.session import DraftSession, problem_key
from desktop_app.undo import SetCellsCommand, SetSectionCommand
from forms.draft import from_dict, new_draft, to_dict
from forms.store import Store, StoreError

D4 = "table3.natural_person.new_received"
J4 = "table3.total.new_received"


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "s.sqlite3")
    yield s
    s.close()


@pytest.fixture
def draft_id(store):
    return store.create(to_dict(new_draft("national-2021", "某县人民政府", 2024))).id


@pytest.fixture
def session(qtbot, store, draft_id):
    s = DraftSession(store, draft_id)
    yield s
    s.close()


def stored(store, draft_id):
    return from_dict(store.load(draft_id)[1])


def test_change_recomputes_totals_and_problems_and_says_what_changed(qtbot, session):
    blanks_before = next(p for p in session.problems if p.rule == "BLANK" and D4 in p.cells)
    with qtbot.waitSignal(session.changed) as changed, qtbot.waitSignal(session.problems_changed):
        session.set_cells({D4: 12})
    assert changed.args[0] == frozenset({D4, J4})  # the cell and the total that moved with it
    assert session.values[J4] == 12
    assert session.shown(J4) == 12 and session.stated(J4) is None
    blanks_after = next(p for p in session.problems if p.rule == "BLANK" and p.cells[0].startswith("table3."))
    assert D4 not in blanks_after.cells and len(blanks_after.cells) == len(blanks_before.cells) - 1
    # 12 received, the rest of the column still blank: its balance cannot be judged yet, the blanks are warned
    assert [p.rule for p in session.problems_for_cell(D4)] == []
    assert [p.rule for p in session.problems_for_cell("table3.natural_person.carried_over")] == ["BLANK"]


def test_unchanged_values_emit_nothing(qtbot, session):
    session.set_cells({D4: 3})
    with qtbot.assertNotEmitted(session.changed):
        session.set_cells({D4: 3})
        session.set_section("overview", "")


def test_unknown_cell_changes_nothing(session):
    with pytest.raises(KeyError):
        session.set_cells({D4: 1, "table3.no_such.cell": 2})
    assert session.draft.values == {}


def test_section_problems(qtbot, session):
    assert [p.rule for p in session.problems_for_section("overview")] == ["REQUIRED"]
    with qtbot.waitSignal(session.changed) as changed:
        session.set_section("overview", "本年度……")
    assert changed.args[0] == frozenset({"overview"})
    assert session.problems_for_section("overview") == []


# --- autosave ---------------------------------------------------------------------------------------------


def test_autosave_within_a_second(qtbot, session, store, draft_id):
    rev = session.rev
    with qtbot.waitSignal(session.saved, timeout=2000) as saved:
        session.set_cells({D4: 12})
    assert len(saved.args[0]) == 8 and saved.args[0][2] == ":"  # HH:MM:SS
    assert stored(store, draft_id).values == {D4: 12}
    assert session.rev == rev + 1 and not session.dirty
    assert store.load(draft_id)[0].state["warnings"] >= 1


def test_edits_in_quick_succession_are_saved_once(qtbot, session, store, draft_id):
    rev = session.rev
    with qtbot.waitSignal(session.saved, timeout=2000):
        for n in range(5):
            session.set_cells({D4: n + 1})
    qtbot.wait(700)
    assert session.rev == rev + 1
    assert stored(store, draft_id).values == {D4: 5}


def test_flush_saves_now(session, store, draft_id):
    session.set_cells({D4: 7})
    assert session.flush()
    assert stored(store, draft_id).values == {D4: 7}
    assert session.flush()  # nothing left: no new revision
    assert store.load(draft_id)[0].rev == session.rev


def test_conflict_stops_autosave_and_keeps_the_other_version(qtbot, store, draft_id):
    first = DraftSession(store, draft_id)
    second = DraftSession(store, draft_id)
    first.set_cells({D4: 1})
    assert first.flush()
    second.set_cells({D4: 2})
    with qtbot.waitSignal(second.conflict, timeout=2000) as conflict:
        pass
    assert "这份草稿已在另一个窗口或程序中修改" in conflict.args[0]
    assert second.stopped and second.dirty
    assert stored(store, draft_id).values == {D4: 1}
    # later edits are kept in memory, never written over the other window's version
    second.set_cells({D4: 3})
    assert not second.flush()
    qtbot.wait(700)
    assert stored(store, draft_id).values == {D4: 1}
    assert second.stated(D4) == 3
    # the way out: keep this window's version as a new draft
    new_id = second.save_as_new_draft()
    assert new_id != draft_id and stored(store, new_id).values == {D4: 3}
    with qtbot.waitSignal(second.saved, timeout=2000):
        second.set_cells({D4: 4})
    assert stored(store, new_id).values == {D4: 4} and stored(store, draft_id).values == {D4: 1}
    first.close()
    second.close()


def test_store_failure_keeps_edits_and_retries(qtbot, session, store, draft_id, monkeypatch):
    real_save = store.save

    def broken(*args, **kwargs):
        raise StoreError("无法保存：磁盘已满。")

    monkeypatch.setattr(store, "save", broken)
    with qtbot.waitSignal(session.save_failed, timeout=2000) as failed:
        session.set_cells({D4: 9})
    assert "磁盘已满" in failed.args[0]
    assert session.stated(D4) == 9 and session.dirty
    monkeypatch.setattr(store, "save", real_save)
    with qtbot.waitSignal(session.saved, timeout=2000):
        session.set_cells({"table3.natural_person.carried_over": 1})
    assert stored(store, draft_id).values == {D4: 9, "table3.natural_person.carried_over": 1}


def test_closed_store_reports_failure(qtbot, session, store):
    store.close()
    session.set_cells({D4: 9})
    with qtbot.waitSignal(session.save_failed, timeout=2000):
        pass
    assert session.stated(D4) == 9


# --- acknowledged warnings ------------------------------------------------------------------------------------


def test_acknowledge_a_warning(qtbot, session, store, draft_id):
    warning = next(p for p in session.problems if p.rule == "BLANK" and p.cells[0].startswith("table4."))
    assert not session.is_acknowledged(warning)
    with qtbot.waitSignal(session.problems_changed):
        session.acknowledge(warning, "本年度没有行政复议和诉讼，表四按格式留空")
    assert session.is_acknowledged(warning)
    assert session.acknowledgement(warning) == "本年度没有行政复议和诉讼，表四按格式留空"
    session.flush()
    acks = stored(store, draft_id).extra["acknowledged"]
    assert acks[problem_key(warning)]["reason"].startswith("本年度没有")
    # the same problem after a reload is still acknowledged; a different one (other cells) is not
    again = DraftSession(store, draft_id)
    same = next(p for p in again.problems if problem_key(p) == problem_key(warning))
    assert again.is_acknowledged(same)
    again.set_cells({"table4.review.upheld": 0})
    changed = next(p for p in again.problems if p.rule == "BLANK" and p.cells[0].startswith("table4."))
    assert not again.is_acknowledged(changed)
    again.unacknowledge(same)
    assert not again.is_acknowledged(same)
    again.close()


def test_errors_cannot_be_acknowledged(session):
    error = next(p for p in session.problems if p.severity == "error")
    with pytest.raises(ValueError):
        session.acknowledge(error, "理由")
    warning = next(p for p in session.problems if p.severity == "warning")
    with pytest.raises(ValueError):
        session.acknowledge(warning, "  ")


# --- undo -----------------------------------------------------------------------------------------------------


def test_section_typing_merges_into_one_undo_step(session):
    stack = session.undo_stack
    text = ""
    for ch in "本年度我市":
        new = text + ch
        stack.push(SetSectionCommand(session, "overview", text, new))
        text = new
    assert session.draft.sections["overview"] == "本年度我市"
    assert stack.count() == 1
    assert stack.undoText() == "修改“总体情况”"
    stack.undo()
    assert session.draft.sections["overview"] == ""
    stack.redo()
    assert session.draft.sections["overview"] == "本年度我市"
    # another part, or a cell edit in between, starts a new step
    stack.push(SetSectionCommand(session, "problems", "", "无"))
    stack.push(SetSectionCommand(session, "overview", text, text + "。"))
    assert stack.count() == 3
    assert stack.text(1) == "修改“存在的主要问题及改进情况”"


def test_cells_command_undo_redo(session):
    stack = session.undo_stack
    session.set_cells({D4: 1})
    stack.push(SetCellsCommand(session, {D4: 5, "table3.natural_person.carried_over": 2}, "粘贴 2 个单元格"))
    assert session.values[J4] == 5
    stack.undo()
    assert session.draft.values == {D4: 1}
    stack.redo()
    assert session.draft.values == {D4: 5, "table3.natural_person.carried_over": 2}


def test_opening_part_has_a_name(session):
    assert SetSectionCommand(session, "intro", "", "x").text() == "修改“报告开头”"

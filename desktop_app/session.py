"""The open draft while it is edited: one object handed to every widget (git-cola's "context").

Widgets never hold a draft of their own. They change it through the session (undo commands call
`set_cells` / `set_section`), and they redraw when the session says what changed (`changed`, Anki-style,
keyed by cell id or section key). After every change the session re-runs the checks and recomputes every
total at once (both take well under a millisecond), so `problems` and `values` are always current.

Saving: every change (re)starts one single-shot timer; when it fires the draft is saved into the store as a
new revision, based on the revision this window loaded. If someone else saved in between, the store refuses
(ConflictError): the session says so and stops autosaving, it never overwrites. Any other store failure is
reported and the edits stay in memory; the next change tries again.
"""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QUndoStack

from forms.checks import Problem, check, completed_values, computed_value, state_of
from forms.crossyear import find_previous
from forms.draft import Draft, Number, from_dict, to_dict
from forms.store import ConflictError, Store, StoreError
from forms.template import Template
from forms.textcheck import fixed_text

AUTOSAVE_MS = 500
ACK_KEY = "acknowledged"  # draft.extra key holding acknowledged warnings


def problem_key(problem: Problem) -> str:
    """A key that stays the same while the problem is the same one (same rule, same cells)."""
    where = ",".join(problem.cells) if problem.cells else (problem.section or "")
    return f"{problem.rule}:{where}"


class DraftSession(QObject):
    changed = Signal(object)  # frozenset of the cell ids (totals included) or section keys that changed
    problems_changed = Signal()
    saved = Signal(str)  # local time "HH:MM:SS"
    conflict = Signal(str)  # message for the clerk; autosave has stopped
    save_failed = Signal(str)  # message for the clerk; the edits are kept, the next change retries

    def __init__(self, store: Store, draft_id: int, draft: Draft | None = None, rev: int | None = None,
                 parent: QObject | None = None, autosave_ms: int = AUTOSAVE_MS,
                 previous: Draft | None = None):
        """Opens draft `draft_id` from the store, or takes `draft` as revision `rev` of it."""
        super().__init__(parent)
        self.store = store
        self.draft_id = draft_id
        if draft is None:
            info, data = store.load(draft_id)
            draft, rev = from_dict(data), info.rev
        if rev is None:
            raise ValueError("rev is required with a draft")
        self.draft: Draft = draft
        self.rev: int = rev
        self.undo_stack = QUndoStack(self)
        self.dirty = False
        self.stopped = False  # True after a conflict: autosave will not run again
        self.problems: list[Problem] = []
        self.values: dict[str, Number] = {}
        self._by_cell: dict[str, list[Problem]] = {}
        self._by_section: dict[str, list[Problem]] = {}
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(autosave_ms)
        self._timer.timeout.connect(self._save)
        # last year's report of the same body, when the store has it: cross-year and copied-text checks
        self.previous: Draft | None = find_previous(store, draft.body, draft.year) if previous is None else previous
        self._recompute()

    @property
    def tpl(self) -> Template:
        return self.draft.tpl

    # --- reading ---------------------------------------------------------------------------------------------

    def stated(self, cell_id: str) -> Number | None:
        """The figure the draft holds for a cell (typed, pasted or imported); None = blank."""
        return self.draft.get(cell_id)

    def shown(self, cell_id: str) -> Number | None:
        """What a cell shows: the stated figure where there is one (an imported total is printed as stated
        until corrected, and a difference is an error), else the computed one."""
        stated = self.draft.get(cell_id)
        return stated if stated is not None else self.values.get(cell_id)

    def problems_for_cell(self, cell_id: str) -> list[Problem]:
        return self._by_cell.get(cell_id, [])

    def problems_for_section(self, key: str) -> list[Problem]:
        return self._by_section.get(key, [])

    # --- changing --------------------------------------------------------------------------------------------

    def set_cells(self, changes: dict[str, Number | None]) -> None:
        """Apply figures (None = blank) without an undo step; undo commands call this."""
        unknown = [cid for cid in changes if cid not in self.tpl.cells]
        if unknown:
            raise KeyError(unknown[0])
        changes = {cid: v for cid, v in changes.items() if self.draft.get(cid) != v}
        if not changes:
            return
        before = self.values
        for cid, value in changes.items():
            self.draft.set(cid, value)
        self._after_change()
        after = self.values
        moved = {cid for cid in before.keys() | after.keys() if before.get(cid) != after.get(cid)}
        self.changed.emit(frozenset(changes.keys() | moved))
        self._emit_problems()

    def set_section(self, key: str, text: str) -> None:
        self.tpl.part(key)  # KeyError for a part the format does not have
        if self.draft.sections.get(key, "") == text:
            return
        self.draft.sections[key] = text
        self._after_change()
        self.changed.emit(frozenset({key}))
        self._emit_problems()

    def with_following_totals(self, changes: dict[str, Number | None]) -> dict[str, Number | None]:
        """`changes` plus a blank for every stated total that agrees with its parts, in the tables being
        changed: such a total follows its parts (the program computes it) instead of turning into an error
        as soon as one part is edited. A total that disagrees stays as stated (it is an error to fix), and
        a total the change itself sets is left alone. Used by the undo command, so undo restores them."""
        tpl = self.tpl
        tables = {tpl.cells[cid].table for cid in changes}
        out = dict(changes)
        memo: dict = {}
        for total in tpl.computed_by:
            stated = self.draft.get(total)
            if stated is None or total in out or tpl.cells[total].table not in tables:
                continue
            if computed_value(tpl, self.draft.values, total, memo) == stated:
                out[total] = None
        return out

    # --- acknowledged warnings -------------------------------------------------------------------------------

    def _acks(self) -> dict:
        acks = self.draft.extra.get(ACK_KEY)
        return acks if isinstance(acks, dict) else {}

    def acknowledge(self, problem: Problem, reason: str) -> None:
        """Record that the clerk checked a warning and why it stands (kept in the draft file)."""
        if problem.severity == "error":
            raise ValueError("errors cannot be acknowledged, only warnings")
        if not reason.strip():
            raise ValueError("an acknowledgement needs a reason")
        acks = dict(self._acks())
        acks[problem_key(problem)] = {"reason": reason.strip(), "message": problem.message,
                                      "at": datetime.now().isoformat(timespec="seconds")}
        self.draft.extra[ACK_KEY] = acks
        self._after_change()
        self.problems_changed.emit()

    def unacknowledge(self, problem: Problem) -> None:
        acks = dict(self._acks())
        if acks.pop(problem_key(problem), None) is None:
            return
        self.draft.extra[ACK_KEY] = acks
        self._after_change()
        self.problems_changed.emit()

    def acknowledgement(self, problem: Problem) -> str | None:
        """The reason given for this warning, or None if it is not acknowledged."""
        entry = self._acks().get(problem_key(problem))
        return entry.get("reason") if isinstance(entry, dict) else None

    def is_acknowledged(self, problem: Problem) -> bool:
        return problem.severity != "error" and self.acknowledgement(problem) is not None

    # --- saving ----------------------------------------------------------------------------------------------

    def flush(self) -> bool:
        """Save now if there are unsaved edits (on close). True when nothing is left unsaved."""
        self._timer.stop()
        if not self.dirty:
            return True
        if self.stopped:
            return False
        return self._save()

    def close(self) -> None:
        """Stop autosaving (the window is closing); call flush() first to keep the last edits."""
        self._timer.stop()
        self.stopped = True

    def save_as_new_draft(self) -> int:
        """After a conflict: keep this window's version as a new draft in the store and go on editing it
        (autosave resumes). Returns the new draft id; StoreError if even that fails."""
        info = self.store.create(to_dict(self.draft), state=state_of(self.draft), summary="另存（保存冲突时）")
        self.draft_id, self.rev = info.id, info.rev
        self.stopped = False
        self.dirty = False
        self.saved.emit(datetime.now().strftime("%H:%M:%S"))
        return info.id

    def _save(self) -> bool:
        if self.stopped or not self.dirty:
            return not self.dirty
        try:
            info = self.store.save(self.draft_id, to_dict(self.draft), expected_rev=self.rev,
                                   state=state_of(self.draft))
        except ConflictError as exc:
            self.stopped = True
            self.conflict.emit(
                f"这份草稿已在另一个窗口或程序中修改（草稿库中现为第 {exc.actual_rev} 版，本窗口基于第 "
                f"{exc.expected_rev} 版）。为免覆盖那边的修改，本窗口已停止自动保存；本窗口的修改还在，"
                "但尚未存入草稿库。")
            return False
        except StoreError as exc:
            self.save_failed.emit(f"自动保存失败：{exc} 修改仍保留在本窗口中，下次修改时会再试。")
            return False
        self.rev = info.rev
        self.dirty = False
        self.saved.emit(datetime.now().strftime("%H:%M:%S"))
        return True

    # --- internals -------------------------------------------------------------------------------------------

    def apply_fix(self, problem: Problem) -> bool:
        """A text problem's one-click fix, as one undoable edit of its part."""
        from desktop_app.undo import SetSectionCommand

        text = fixed_text(self.draft, problem)
        old = self.draft.sections.get(problem.section or "", "")
        if text is None or text == old:
            return False
        self.undo_stack.push(SetSectionCommand(self, problem.section, old, text))
        return True

    def _after_change(self) -> None:
        self._recompute()
        self.dirty = True
        # Start the timer on the first unsaved change only, never restart it: a clerk typing without pause
        # is still saved within AUTOSAVE_MS (restarting would postpone the save until they stop).
        if not self.stopped and not self._timer.isActive():
            self._timer.start()

    def _recompute(self) -> None:
        self._old_problems = self.problems
        self.problems = check(self.draft, previous=self.previous)
        self.values = completed_values(self.draft)
        by_cell: dict[str, list[Problem]] = {}
        by_section: dict[str, list[Problem]] = {}
        for p in self.problems:
            for cid in p.cells:
                by_cell.setdefault(cid, []).append(p)
            if p.section:
                by_section.setdefault(p.section, []).append(p)
        self._by_cell, self._by_section = by_cell, by_section

    def _emit_problems(self) -> None:
        if self.problems != self._old_problems:
            self.problems_changed.emit()

"""One QUndoCommand per edit the clerk makes, so Ctrl+Z undoes exactly what they did.

A command remembers the old figures (or text) and calls the session to apply either side; the session
recomputes checks and totals and tells the widgets what changed. Command texts are what the Edit menu
shows after 撤销/重做.
"""

from __future__ import annotations

import re

from PySide6.QtGui import QUndoCommand

from desktop_app.session import DraftSession
from forms.draft import Number

SECTION_COMMAND_ID = 1001  # QUndoCommand.id() of section edits: consecutive ones in one part merge


class SetCellsCommand(QUndoCommand):
    """Set figures in one step: a single cell, a pasted block, "其余空格填0", a cleared selection.

    Stated totals that agree with their parts follow them (see DraftSession.with_following_totals); they
    are part of the step, so undo puts them back."""

    def __init__(self, session: DraftSession, changes: dict[str, Number | None], text: str | None = None):
        super().__init__(text or default_cells_text(session, changes))
        self.session = session
        self.new = session.with_following_totals(changes)
        self.old = {cid: session.stated(cid) for cid in self.new}
        if self.new == self.old:
            self.setObsolete(True)

    def redo(self) -> None:
        self.session.set_cells(self.new)

    def undo(self) -> None:
        self.session.set_cells(self.old)


def default_cells_text(session: DraftSession, changes: dict) -> str:
    tpl = session.tpl
    names = sorted({tpl.table(tpl.cells[cid].table).name for cid in changes})
    where = "、".join(names)
    if len(changes) == 1:
        return f"修改 {where} 单元格"
    return f"修改 {where} {len(changes)} 个单元格"


class SetSectionCommand(QUndoCommand):
    """Replace the text of one part. Consecutive edits of the same part merge into one undo step."""

    def __init__(self, session: DraftSession, key: str, old: str, new: str):
        super().__init__(f"修改“{section_name(session, key)}”")
        self.session = session
        self.key = key
        self.old = old
        self.new = new

    def id(self) -> int:
        return SECTION_COMMAND_ID

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, SetSectionCommand) or other.key != self.key or other.session is not self.session:
            return False
        self.new = other.new
        self.setObsolete(self.new == self.old)
        return True

    def redo(self) -> None:
        self.session.set_section(self.key, self.new)

    def undo(self) -> None:
        self.session.set_section(self.key, self.old)


def section_name(session: DraftSession, key: str) -> str:
    """'一、总体情况' -> '总体情况'; the unnumbered opening part is '报告开头'."""
    heading = session.tpl.part(key).heading
    return re.sub(r"^[一二三四五六七八九十]+、", "", heading) or "报告开头"

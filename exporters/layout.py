"""The report as a neutral document, built once from template + draft.

Every writer (Word, Excel, the on-screen preview) renders this layout; none of them knows a row label, a
merge, a heading or a total by itself. Frescobaldi's lesson: the form collects, one builder builds, and
preview and export render the same thing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from forms.checks import effective_value
from forms.draft import Draft
from forms.template import Table
from forms.values import format_value

BASIS = "《中华人民共和国政府信息公开条例》"
ANNEX_HEADING = "附件"

# Numbering levels of narrative paragraphs: 一、 → （一） → 1. → （1）. A paragraph starting with one is a
# heading of that level; when the heading runs on into text ("（一）主动公开情况。2024年……"), `lead` is the
# heading part and the writers set it in the heading's font and the rest as body text.
_LEVELS = [
    (1, re.compile(r"^[一二三四五六七八九十]+、")),
    (2, re.compile(r"^[（(][一二三四五六七八九十]+[）)]")),
    (3, re.compile(r"^[0-9０-９]+[.．、](?![0-9])")),
    (4, re.compile(r"^[（(][0-9０-９]+[）)]")),
]
_RUN_IN_END = re.compile(r"[。：:]")
_RUN_IN_MAX = 30  # a heading longer than this is a sentence that happens to be numbered


def numbering_level(text: str) -> int:
    """1 for 一、, 2 for （一）, 3 for 1., 4 for （1）, 0 for body text."""
    for level, pattern in _LEVELS:
        if pattern.match(text):
            return level
    return 0


@dataclass
class Paragraph:
    text: str
    level: int = 0  # 0 body; 1..4 numbering level (see above)
    lead: str = ""  # the run-in heading part of `text` (a prefix), if any
    section: str | None = None  # the draft section it comes from (None: made by the layout)


@dataclass
class Heading:
    text: str  # 一、总体情况
    section: str | None = None
    new_page: bool = False  # an annex starts on a page of its own


@dataclass
class GridCell:
    row: int  # 0-based position in the official grid
    col: int
    rowspan: int
    colspan: int
    text: str
    role: str  # caption | header | group | note | row | column | unit | value | total
    cell_id: str | None = None  # data cells only
    level: int = 0

    @property
    def is_header(self) -> bool:
        return self.role in ("caption", "header", "note", "column")


@dataclass
class TableBlock:
    table_id: str
    name: str
    title: str
    rows: int
    cols: int
    header_rows: int
    col_widths: tuple[float, ...]  # relative; writers scale them to their width
    cells: list[GridCell]  # every non-empty grid position's top-left cell, row by row
    section: str | None = None

    def grid(self) -> list[list[GridCell | None]]:
        """rows × cols; every position covered by a merge holds the merge's cell."""
        out: list[list[GridCell | None]] = [[None] * self.cols for _ in range(self.rows)]
        for c in self.cells:
            for r in range(c.row, c.row + c.rowspan):
                for k in range(c.col, c.col + c.colspan):
                    out[r][k] = c
        return out


@dataclass
class Closing:
    lines: list[str]  # body name and date, right-aligned, after the last part and before any annex


Block = Paragraph | Heading | TableBlock | Closing


@dataclass
class Document:
    title_lines: list[str]
    blocks: list[Block]
    draft_mark: bool = False  # 征求意见稿 on every page
    body: str = ""
    year: int = 0
    template: str = ""


def title_lines(draft: Draft) -> list[str]:
    """As real reports wrap it: the body on one line, the year and the title on the next."""
    return [draft.body, f"{draft.year}年{draft.tpl.title_suffix}"]


def standard_intro(draft: Draft) -> str:
    meta = draft.meta
    office = meta.get("office") or draft.body
    text = (f"本报告由{office}根据{BASIS}（以下简称《条例》）规定编制。"
            f"报告所列统计期限自{draft.year}年1月1日至{draft.year}年12月31日。")
    contact = [(k, meta.get(k, "").strip()) for k in ("address", "postcode", "phone", "email")]
    names = {"address": "地址", "postcode": "邮编", "phone": "电话", "email": "电子邮箱"}
    given = [f"{names[k]}：{v}" for k, v in contact if v]
    if given:
        text += f"如对本报告有疑问，请与{office}联系（{'，'.join(given)}）。"
    return text


def paragraphs(text: str, section: str | None) -> list[Paragraph]:
    out = []
    for line in text.split("\n"):
        line = line.strip()
        if not line:
            continue
        level = numbering_level(line)
        lead = ""
        if level >= 2:
            m = _RUN_IN_END.search(line)
            if m and m.end() < len(line) and m.end() <= _RUN_IN_MAX:
                lead = line[: m.end()]
        out.append(Paragraph(line, level, lead, section))
    return out


def table_block(draft: Draft, table: Table, section: str | None) -> TableBlock:
    tpl = draft.tpl
    memo: dict = {}
    cells = []
    for lab in table.labels:
        cells.append(GridCell(lab.at.row1 - 1, lab.at.col1 - 1, lab.at.row2 - lab.at.row1 + 1,
                              lab.at.col2 - lab.at.col1 + 1, lab.text, lab.role))
    for c in table.cells:
        value = effective_value(tpl, draft.values, c.id, memo)
        cells.append(GridCell(c.at.row1 - 1, c.at.col1 - 1, c.at.row2 - c.at.row1 + 1, c.at.col2 - c.at.col1 + 1,
                              format_value(value, c.kind), "total" if tpl.is_computed(c.id) else "value",
                              c.id, c.level))
    cells.sort(key=lambda g: (g.row, g.col))
    widths = table.col_widths or tuple(1.0 for _ in range(table.cols))
    return TableBlock(table.id, table.name, table.title, table.rows, table.cols, table.header_rows, widths, cells,
                      section)


def closing_lines(draft: Draft) -> list[str]:
    """The signature block, when the clerk gave a date: body name, then 2024年1月20日 (no padding zeros)."""
    raw = draft.meta.get("date", "").strip()
    if not raw:
        return []
    try:
        d = date.fromisoformat(raw)
    except ValueError:
        return [draft.body, raw]
    return [draft.body, f"{d.year}年{d.month}月{d.day}日"]


def build(draft: Draft, *, draft_mark: bool = False) -> Document:
    """The whole report, in print order: title, intro, each part with its tables, annex tables, closing."""
    tpl = draft.tpl
    blocks: list[Block] = []
    placed: set[str] = set()
    for part in tpl.parts:
        text = draft.sections.get(part.key, "")
        if not part.heading:  # the unnumbered opening paragraph
            blocks += paragraphs(text, part.key) if text.strip() else [Paragraph(standard_intro(draft), 0, "", part.key)]
            continue
        blocks.append(Heading(part.heading, part.key))
        for tid in part.tables:
            blocks.append(table_block(draft, tpl.table(tid), part.key))
            placed.add(tid)
        blocks += paragraphs(text, part.key)
    closing = closing_lines(draft)
    if closing:
        blocks.append(Closing(closing))
    annexes = [t for t in tpl.tables if t.id not in placed]
    for table in annexes:  # e.g. the legacy 统计表: printed after the report, as its annex
        blocks.append(Heading(f"{ANNEX_HEADING}：{table.title}", None, new_page=True))
        blocks.append(table_block(draft, table, None))
    return Document(title_lines(draft), blocks, draft_mark, draft.body, draft.year, draft.template)

"""The Excel annex (.xlsx): the statistics tables for the superior office, read by people and by programs.

Sheets, in order:
  封面      label | value: 填报单位, 年度, 报告格式, 格式编号, 填报人, 联系电话, 填报日期, and the other meta keys
  表二 …    one sheet per table of the layout, on the official grid: GridCell (row, col) is A1 cell
            (row + 1, col + 1), with the same merges, so 表三 D4 is 自然人 / 一、本年新收…
  数据      one row per template data cell: 单元格编号 | 表格 | 行 | 列 | 数值 | 单位 (what programs and our
            importer read)
  报告正文  part key | 标题 | 正文: the narrative, so our own annex imports back into the whole draft

The tables are rendered from exporters.layout (no label, merge or total is known here); figures are written
as numbers, totals included (the layout states them; openpyxl computes no formulas). Money is a Decimal in
the draft and a binary float in the file: exporters.read_xlsx restores the Decimal.
"""

from __future__ import annotations

import math
import os
import re
import unicodedata
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from exporters.files import atomic_path
from exporters.layout import GridCell, TableBlock, build
from forms.draft import Draft
from forms.template import Template

# Sheet names and the labels programs (and read_xlsx) look for.
COVER_SHEET = "封面"
DATA_SHEET = "数据"
TEXT_SHEET = "报告正文"
DATA_HEADER = ("单元格编号", "表格", "行", "列", "数值", "单位")
TEXT_HEADER = ("部分", "标题", "正文")
BODY_LABEL = "填报单位"
YEAR_LABEL = "年度"
FORMAT_LABEL = "报告格式"
FORMAT_ID_LABEL = "格式编号"
META_LABELS = {  # meta key -> cover label, in cover order
    "preparer": "填报人",
    "phone": "联系电话",
    "date": "填报日期",
    "office": "承办机构",
    "address": "通讯地址",
    "postcode": "邮政编码",
    "email": "电子邮箱",
}
INTRO_TITLE = "（开头段落，不编号）"
TEXT_CHUNK = 32000  # characters of (escaped) narrative per cell; Excel holds at most 32,767 per cell

# Look of the table sheets.
FONT = Font(name="宋体", size=11)
BOLD = Font(name="宋体", size=11, bold=True)
THIN = Side(style="thin", color="000000")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
CENTRE = Alignment(horizontal="center", vertical="center", wrap_text=True)
LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)
TOP_LEFT = Alignment(horizontal="left", vertical="top", wrap_text=True)
CHARS_PER_MM = 0.75  # template widths are mm of the 156 mm Word text width; Excel widths are characters
MIN_COL_CHARS = 9.0  # a 7-digit figure, or two CJK characters a line, still fit
LINE_PT = 14.5  # one line of 11 pt 宋体
PAD_PT = 5.0
MIN_ROW_PT = 20.0
PORTRAIT_MAX_CHARS = 125  # wider sheets print landscape (表四); fit-to-width would shrink them too much
COUNT_FORMAT = "0"
MONEY_BLANK_FORMAT = "0.00##"

# XML 1.0 cannot hold these; they are written as _xHHHH_, the escape Excel itself uses, and "_x" followed by
# four hex digits and "_" is escaped as _x005F_ so that unescaping gives back exactly the text.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_LOOKS_ESCAPED = re.compile(r"_(?=x[0-9A-Fa-f]{4}_)")


def escape_text(text: str) -> str:
    text = _LOOKS_ESCAPED.sub("_x005F_", text)
    return _XML_ILLEGAL.sub(lambda m: f"_x{ord(m.group()):04X}_", text)


_ESCAPED = re.compile(r"_x([0-9A-Fa-f]{4})_")


def unescape_text(text: str) -> str:
    return _ESCAPED.sub(lambda m: chr(int(m.group(1), 16)), text)


def write_xlsx(draft: Draft, path: str | os.PathLike) -> None:
    """Write the annex of `draft` to `path`, whole or not at all (a missing folder raises, leaving nothing)."""
    wb = workbook(draft)
    with atomic_path(path) as tmp:
        wb.save(tmp)


def workbook(draft: Draft) -> Workbook:
    tpl = draft.tpl
    doc = build(draft)
    tables = [b for b in doc.blocks if isinstance(b, TableBlock)]
    wb = Workbook()
    _cover_sheet(wb.active, draft, tpl)
    for block in tables:
        _table_sheet(wb.create_sheet(block.name), block, tpl, draft)
    _data_sheet(wb.create_sheet(DATA_SHEET), tpl, tables)
    _text_sheet(wb.create_sheet(TEXT_SHEET), draft, tpl)
    return wb


# --- Cells ---------------------------------------------------------------------------------------------------


def _put_text(ws: Worksheet, row: int, col: int, text: str, font: Font = FONT) -> Cell:
    """A text cell that stays text: never a formula (a body named "=…" must not run), never a number."""
    cell = ws.cell(row, col)
    cell.value = escape_text(text) if text else None
    if text:
        cell.data_type = "s"
    cell.font = font
    return cell


def figure(text: str, kind: str) -> tuple[int | float | None, str]:
    """A layout cell's text as the number to write, and the number format that shows it as the report does
    (the layout formats the draft's value; "96171.6" is written 96171.6 and shown with one decimal)."""
    if not text:
        return None, MONEY_BLANK_FORMAT if kind == "money" else COUNT_FORMAT
    number = Decimal(text)
    places = max(0, -number.as_tuple().exponent)
    fmt = COUNT_FORMAT if not places else "0." + "0" * places
    if kind != "money" and not places:
        return int(number), fmt
    return float(number), fmt


# --- 封面 ----------------------------------------------------------------------------------------------------


def cover_rows(draft: Draft, tpl: Template) -> list[tuple[str, str | int]]:
    rows: list[tuple[str, str | int]] = [
        (BODY_LABEL, draft.body),
        (YEAR_LABEL, draft.year),
        (FORMAT_LABEL, tpl.name),
        (FORMAT_ID_LABEL, tpl.id),
    ]
    rows += [(label, draft.meta.get(key, "")) for key, label in META_LABELS.items()]
    rows += [(key, value) for key, value in draft.meta.items() if key not in META_LABELS]
    return rows


def _cover_sheet(ws: Worksheet, draft: Draft, tpl: Template) -> None:
    ws.title = COVER_SHEET
    for r, (label, value) in enumerate(cover_rows(draft, tpl), start=1):
        _put_text(ws, r, 1, label, BOLD).alignment = LEFT
        if isinstance(value, int):
            cell = ws.cell(r, 2, value)
            cell.font = FONT
            cell.number_format = COUNT_FORMAT
        else:
            cell = _put_text(ws, r, 2, value)
            cell.number_format = "@"  # 223001 and 0517-… stay text when a clerk retypes them
        cell.alignment = LEFT
        for c in (1, 2):
            ws.cell(r, c).border = BORDER
    ws.column_dimensions["A"].width = 14
    ws.column_dimensions["B"].width = 50
    _fit_to_width(ws, "portrait")


# --- Table sheets --------------------------------------------------------------------------------------------


def column_widths(block: TableBlock) -> list[float]:
    return [round(max(w * CHARS_PER_MM, MIN_COL_CHARS), 2) for w in block.col_widths]


def _display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _lines(text: str, chars: float) -> int:
    per_line = max(chars - 1.5, 2.0)  # cell padding
    return sum(max(1, math.ceil(_display_width(line) / per_line)) for line in text.split("\n"))


def row_heights(block: TableBlock, widths: list[float]) -> list[float]:
    """Points per grid row, tall enough for every wrapped label; a label merged over several rows is given
    the height it needs spread over its rows (one-row cells first, so spans only add what is missing)."""
    heights = [MIN_ROW_PT] * block.rows
    for cell in sorted(block.cells, key=lambda c: c.rowspan):
        need = _lines(cell.text, sum(widths[cell.col:cell.col + cell.colspan])) * LINE_PT + PAD_PT
        have = sum(heights[cell.row:cell.row + cell.rowspan])
        if need > have:
            for r in range(cell.row, cell.row + cell.rowspan):
                heights[r] += (need - have) / cell.rowspan
    return [round(h, 1) for h in heights]


def first_value_column(block: TableBlock) -> int:
    """0-based column of the first figure below the header rows: the columns left of it hold labels."""
    cols = [c.col for c in block.cells if c.cell_id and c.row >= block.header_rows]
    return min(cols, default=0)


def _table_sheet(ws: Worksheet, block: TableBlock, tpl: Template, draft: Draft) -> None:
    row_level = {c.row: c.level for c in block.cells if c.cell_id}
    for cell in block.cells:
        r, c = cell.row + 1, cell.col + 1
        if cell.cell_id:
            value, fmt = figure(cell.text, tpl.cells[cell.cell_id].kind)
            target = ws.cell(r, c, value)
            target.number_format = fmt
            target.font = FONT
            target.alignment = CENTRE
        else:
            target = _put_text(ws, r, c, cell.text, BOLD if cell.role == "caption" else FONT)
            if _centred(cell):
                target.alignment = CENTRE
            else:  # a row's nesting not already shown by its label's column (统计表: all labels in A)
                indent = max(0, row_level.get(cell.row, 0) - cell.col) if cell.role == "row" else 0
                target.alignment = Alignment(horizontal="left", vertical="center", wrap_text=True, indent=indent)
        if cell.rowspan > 1 or cell.colspan > 1:
            ws.merge_cells(start_row=r, start_column=c, end_row=r + cell.rowspan - 1, end_column=c + cell.colspan - 1)
    for r in range(1, block.rows + 1):  # every cell of the grid, inside merges too, so every line prints
        for c in range(1, block.cols + 1):
            ws.cell(r, c).border = BORDER
    widths = column_widths(block)
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    for i, height in enumerate(row_heights(block, widths), start=1):
        ws.row_dimensions[i].height = height
    if block.header_rows:
        ws.freeze_panes = ws.cell(block.header_rows + 1, first_value_column(block) + 1).coordinate
        ws.print_title_rows = f"1:{block.header_rows}"
    _print_setup(ws, block, sum(widths), draft)


def _centred(cell: GridCell) -> bool:
    return cell.is_header or cell.role in ("group", "unit")


def _fit_to_width(ws: Worksheet, orientation: str) -> None:
    """A4, one page wide, as many pages down as needed."""
    setup = ws.page_setup
    setup.paperSize = ws.PAPERSIZE_A4
    setup.orientation = orientation
    setup.fitToWidth = 1
    setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def _print_setup(ws: Worksheet, block: TableBlock, width_chars: float, draft: Draft) -> None:
    _fit_to_width(ws, "landscape" if width_chars > PORTRAIT_MAX_CHARS else "portrait")
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.page_margins.top = ws.page_margins.bottom = 0.75
    ws.print_area = f"A1:{get_column_letter(block.cols)}{block.rows}"
    title = f"{draft.body}{draft.year}年 {block.title}".replace("&", "&&")
    ws.oddHeader.center.text = escape_text(title)
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"


# --- 数据 ----------------------------------------------------------------------------------------------------


def _data_sheet(ws: Worksheet, tpl: Template, tables: list[TableBlock]) -> None:
    shown = {c.cell_id: c for block in tables for c in block.cells if c.cell_id}
    for col, label in enumerate(DATA_HEADER, start=1):
        _put_text(ws, 1, col, label, BOLD)
    for r, (cid, cell) in enumerate(tpl.cells.items(), start=2):
        _put_text(ws, r, 1, cid)
        _put_text(ws, r, 2, tpl.table(cell.table).name)
        _put_text(ws, r, 3, cell.row_label)
        _put_text(ws, r, 4, cell.col_label)
        value, fmt = figure(shown[cid].text if cid in shown else "", cell.kind)
        target = ws.cell(r, 5, value)
        target.number_format = fmt
        target.font = FONT
        _put_text(ws, r, 6, cell.unit)
    for col, width in zip("ABCDEF", (58, 8, 48, 36, 14, 8), strict=True):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:F{len(tpl.cells) + 1}"
    ws.print_title_rows = "1:1"
    _fit_to_width(ws, "landscape")


# --- 报告正文 ------------------------------------------------------------------------------------------------


def _text_sheet(ws: Worksheet, draft: Draft, tpl: Template) -> None:
    """One row per part; a part longer than one cell holds continues on rows with the same key."""
    for col, label in enumerate(TEXT_HEADER, start=1):
        _put_text(ws, 1, col, label, BOLD)
    r = 2
    for part in tpl.parts:
        text = draft.sections.get(part.key, "")
        for chunk in _chunks(text):
            _put_text(ws, r, 1, part.key)
            _put_text(ws, r, 2, part.heading or INTRO_TITLE)
            _put_text(ws, r, 3, chunk).alignment = TOP_LEFT
            r += 1
    ws.column_dimensions["A"].width = 20
    ws.column_dimensions["B"].width = 36
    ws.column_dimensions["C"].width = 100
    ws.freeze_panes = "A2"
    ws.print_title_rows = "1:1"
    _fit_to_width(ws, "landscape")


def _chunks(text: str) -> list[str]:
    """`text` in pieces that each fit one cell once escaped (an escaped character takes 7)."""
    out, start, size = [], 0, 0
    for i, ch in enumerate(text):
        cost = 7 if ch == "_" or _XML_ILLEGAL.match(ch) else 1
        if size + cost > TEXT_CHUNK:
            out.append(text[start:i])
            start, size = i, 0
        size += cost
    out.append(text[start:])
    return out

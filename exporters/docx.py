"""The Word writer: renders the neutral layout (exporters.layout) as a GB/T 9704-style .docx.

It knows the page and the type (reference docx-style.md), never the report: every title line, paragraph,
heading, table cell, merge and width comes from the layout. python-docx leaves three things to us, each in
exactly one helper: the East Asian font (`_fonts`), the PAGE field (`_page_field`) and table grid XML
(`_table_geometry`).

Page: A4, margins 37/35/28/26 mm, so the text block is the standard's 156 × 225 mm. Lines: fixed ("exact")
line spacing of 579 twips (28.95 pt = 225 mm / 22) on every text paragraph, which gives 22 lines a page in
Word, WPS and LibreOffice alike without depending on the document grid; a line-only grid (snapping) would
also stretch every table row to 28.95 pt. The section still records `docGrid linePitch=579`, so Word's page
setup shows the same pitch if a clerk turns the grid on.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime

import docx
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor, Twips
from docx.table import _Cell

from exporters.files import atomic_path
from exporters.layout import Closing, Document, GridCell, Heading, Paragraph, TableBlock, build
from forms.draft import Draft

# --- Page and type (docx-style.md §1-3) ------------------------------------------------------------------

PAGE_W, PAGE_H = Mm(210), Mm(297)
MARGIN_TOP, MARGIN_BOTTOM, MARGIN_LEFT, MARGIN_RIGHT = Mm(37), Mm(35), Mm(28), Mm(26)
HEADER_DISTANCE = Mm(15)
FOOTER_DISTANCE = Mm(22)  # the page number's top then sits ≈ 7 mm below the text block (7.5)
TEXT_WIDTH_TWIPS = round(156 / 25.4 * 1440)  # 8844: the 156 mm text block

LINE_TWIPS = 579  # 225 mm / 22 lines = 28.95 pt
LINE = Twips(LINE_TWIPS)
HALF_LINE = Twips(LINE_TWIPS // 2)

LATIN = "Times New Roman"
FANGSONG = "仿宋_GB2312"
XIAOBIAOSONG = "方正小标宋简体"
HEITI = "黑体"
KAITI = "楷体_GB2312"
SONGTI = "宋体"

SIZE_TITLE = Pt(22)  # 2号
SIZE_BODY = Pt(16)  # 3号
SIZE_PAGE_NUMBER = Pt(14)  # 4号
SIZE_TABLE = Pt(10.5)  # 5号
CHAR = Pt(16)  # one character of body text, the standard's unit of horizontal distance
BLACK = RGBColor(0, 0, 0)

TABLE_CELL_MARGIN_TWIPS = 40  # ≈ 0.7 mm left and right: a 5-digit figure fits an 11 mm column of table 三
TABLE_CELL_PADDING_TWIPS = 28  # ≈ 0.5 mm above and below, so text does not touch the rules
TABLE_BORDER = {"val": "single", "sz": "4", "space": "0", "color": "000000"}

DRAFT_MARK = "征求意见稿"
DASH = "—"  # 一字线 around the page number

_LEFT_ROLES = ("row", "group")  # labels read left to right; headers, units and figures are centred


# --- The three XML helpers ------------------------------------------------------------------------------


def _fonts(rpr, east_asia: str, latin: str = LATIN) -> None:
    """Latin (ascii/hAnsi) and East Asian font names on an rPr (a run's or a style's). python-docx sets only
    the Latin ones. Theme fonts are removed (they would win over the names), and hint=eastAsia makes Word
    set the shared punctuation of Chinese text (“”—…) in the Chinese font, as a Chinese IME would."""
    rfonts = rpr.get_or_add_rFonts()
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        rfonts.attrib.pop(qn(attr), None)
    rfonts.set(qn("w:ascii"), latin)
    rfonts.set(qn("w:hAnsi"), latin)
    rfonts.set(qn("w:cs"), latin)
    rfonts.set(qn("w:eastAsia"), east_asia)
    rfonts.set(qn("w:hint"), "eastAsia")


def _page_field(paragraph, style_run) -> None:
    """A PAGE field (begin / instrText / separate / result / end) at the end of `paragraph`; every run is
    formatted by `style_run(run)`."""

    def fld_char(kind: str):
        run = paragraph.add_run()
        style_run(run)
        el = OxmlElement("w:fldChar")
        el.set(qn("w:fldCharType"), kind)
        run._r.append(el)

    fld_char("begin")
    instr = paragraph.add_run()
    style_run(instr)
    text = OxmlElement("w:instrText")
    text.set(qn("xml:space"), "preserve")
    text.text = " PAGE "
    instr._r.append(text)
    fld_char("separate")
    style_run(paragraph.add_run("1"))  # shown until the field is updated
    fld_char("end")


_TBL_PR_ORDER = ("tblStyle", "tblpPr", "tblOverlap", "bidiVisual", "tblStyleRowBandSize", "tblStyleColBandSize",
                 "tblW", "jc", "tblCellSpacing", "tblInd", "tblBorders", "shd", "tblLayout", "tblCellMar", "tblLook")


def _insert_in_order(parent, child, order: tuple[str, ...]) -> None:
    """Insert `child` where the schema's sequence `order` (local names) puts it."""
    later = {qn(f"w:{name}") for name in order[order.index(child.tag.split("}")[1]) + 1:]}
    for i, el in enumerate(parent):
        if el.tag in later:
            parent.insert(i, child)
            return
    parent.append(child)


def _table_geometry(table, widths_twips: list[int], header_rows: int) -> None:
    """What WPS needs to draw the grid as designed: fixed layout, table width, every w:gridCol, every cell's
    w:tcW (its spanned columns' sum), borders and narrow cell margins; rows never split, headers repeat."""
    tbl = table._tbl
    tbl_pr = tbl.tblPr
    table.autofit = False  # w:tblLayout fixed
    for old in tbl_pr.findall(qn("w:tblW")) + tbl_pr.findall(qn("w:tblBorders")) + tbl_pr.findall(qn("w:tblCellMar")):
        tbl_pr.remove(old)
    tbl_w = OxmlElement("w:tblW")
    tbl_w.set(qn("w:w"), str(sum(widths_twips)))
    tbl_w.set(qn("w:type"), "dxa")
    borders = OxmlElement("w:tblBorders")
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        b = OxmlElement(f"w:{side}")
        for k, v in TABLE_BORDER.items():
            b.set(qn(f"w:{k}"), v)
        borders.append(b)
    margins = OxmlElement("w:tblCellMar")
    for side in ("top", "left", "bottom", "right"):
        m = OxmlElement(f"w:{side}")
        m.set(qn("w:w"), str(TABLE_CELL_MARGIN_TWIPS if side in ("left", "right") else TABLE_CELL_PADDING_TWIPS))
        m.set(qn("w:type"), "dxa")
        margins.append(m)
    for el in (tbl_w, borders, margins):
        _insert_in_order(tbl_pr, el, _TBL_PR_ORDER)
    for col, w in zip(table.columns, widths_twips, strict=True):
        col.width = Twips(w)
    for r, tr in enumerate(tbl.tr_lst):
        tr_pr = tr.get_or_add_trPr()
        tr_pr.append(OxmlElement("w:cantSplit"))
        if r < header_rows:
            tr_pr.append(OxmlElement("w:tblHeader"))
        col = 0
        for tc in tr.tc_lst:
            span = tc.grid_span
            tc.width = Twips(sum(widths_twips[col:col + span]))
            col += span


# --- Styles ---------------------------------------------------------------------------------------------


def _run_format(run, east_asia: str, size, *, bold: bool = False, latin: str = LATIN) -> None:
    """Every run carries its fonts, size and colour directly, as WPS writes them: what a reader of the XML
    (or a clerk's later style change) sees does not depend on style inheritance."""
    _fonts(run._r.get_or_add_rPr(), east_asia, latin)
    run.font.size = size
    if bold:
        run.font.bold = True
    run.font.color.rgb = BLACK


def _reset_style(style) -> None:
    for tag in ("w:pPr", "w:rPr"):
        for el in style.element.findall(qn(tag)):
            style.element.remove(el)


def _paragraph_style(doc, name: str, *, base: str | None = "Normal", builtin: bool = False):
    if builtin:
        style = doc.styles[name]
        _reset_style(style)
    else:
        style = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    if base:
        style.base_style = doc.styles[base]
    return style


def _set_style_font(style, east_asia: str, size, *, bold: bool = False, latin: str = LATIN) -> None:
    _fonts(style.element.get_or_add_rPr(), east_asia, latin)
    style.font.size = size
    style.font.bold = bold
    style.font.color.rgb = BLACK


def _exact_lines(fmt) -> None:
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = LINE
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(0)


# Style names (the reader may use them; the text and tables alone are enough to read a report back).
S_BODY = "Report Body"
S_TITLE = "Title"
S_HEADING = "Heading 1"
S_TABLE = "Table Text"
S_CLOSING = "Report Closing"


def _styles(doc) -> None:
    styles = doc.styles
    defaults = styles.element.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    _fonts(rpr, FANGSONG)
    lang = rpr.find(qn("w:lang"))
    lang.set(qn("w:eastAsia"), "zh-CN")  # Chinese line breaking (no 。，at a line start)
    ppr = defaults.find(qn("w:pPrDefault")).find(qn("w:pPr"))
    for el in list(ppr):
        ppr.remove(el)

    normal = styles["Normal"]
    _set_style_font(normal, FANGSONG, SIZE_BODY)
    normal.paragraph_format.space_before = Pt(0)
    normal.paragraph_format.space_after = Pt(0)

    body = _paragraph_style(doc, S_BODY)
    _set_style_font(body, FANGSONG, SIZE_BODY)
    pf = body.paragraph_format
    _exact_lines(pf)
    pf.first_line_indent = CHAR * 2
    pf.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    pf.widow_control = True

    title = _paragraph_style(doc, S_TITLE, builtin=True)
    _set_style_font(title, XIAOBIAOSONG, SIZE_TITLE)
    _exact_lines(title.paragraph_format)
    title.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.paragraph_format.keep_with_next = True

    heading = _paragraph_style(doc, S_HEADING, builtin=True)
    _set_style_font(heading, HEITI, SIZE_BODY)
    pf = heading.paragraph_format
    _exact_lines(pf)
    pf.first_line_indent = CHAR * 2
    pf.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    pf.keep_with_next = True
    outline = OxmlElement("w:outlineLvl")  # the navigation pane lists the parts
    outline.set(qn("w:val"), "0")
    heading.element.get_or_add_pPr().append(outline)

    table = _paragraph_style(doc, S_TABLE)
    _set_style_font(table, FANGSONG, SIZE_TABLE)
    pf = table.paragraph_format
    pf.line_spacing_rule = WD_LINE_SPACING.SINGLE
    pf.space_before = Pt(0)
    pf.space_after = Pt(0)
    pf.first_line_indent = Pt(0)
    pf.alignment = WD_ALIGN_PARAGRAPH.CENTER

    closing = _paragraph_style(doc, S_CLOSING, base=S_BODY)
    closing.paragraph_format.first_line_indent = Pt(0)
    closing.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    closing.paragraph_format.right_indent = CHAR * 4  # 右空四字 (GB/T 9704 7.3.5)

    for name in ("Header", "Footer"):
        style = _paragraph_style(doc, name, builtin=True)
        _set_style_font(style, SONGTI, SIZE_PAGE_NUMBER, latin=SONGTI)
        style.paragraph_format.space_before = Pt(0)
        style.paragraph_format.space_after = Pt(0)
        style.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE


# --- Page, header, footer -------------------------------------------------------------------------------


def _page(doc, draft_mark: bool) -> None:
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = PAGE_W, PAGE_H
    section.top_margin, section.bottom_margin = MARGIN_TOP, MARGIN_BOTTOM
    section.left_margin, section.right_margin = MARGIN_LEFT, MARGIN_RIGHT
    section.header_distance, section.footer_distance = HEADER_DISTANCE, FOOTER_DISTANCE
    section.gutter = Mm(0)
    section.different_first_page_header_footer = False  # the first page has the number and the mark too
    grid = section._sectPr.find(qn("w:docGrid"))
    if grid is not None:
        grid.set(qn("w:linePitch"), str(LINE_TWIPS))
    doc.settings.odd_and_even_pages_header_footer = True  # GB/T 9704 7.5: odd right, even left
    theme_lang = doc.settings.element.find(qn("w:themeFontLang"))
    if theme_lang is not None:
        theme_lang.set(qn("w:eastAsia"), "zh-CN")

    def number_run(run) -> None:
        # 7.5: 4号半角宋体阿拉伯数字 — the digits in 宋体 too, not Times New Roman
        _run_format(run, SONGTI, SIZE_PAGE_NUMBER, latin=SONGTI)

    for footer, odd in ((section.footer, True), (section.even_page_footer, False)):
        footer.is_linked_to_previous = False
        p = footer.paragraphs[0]
        p.style = doc.styles["Footer"]
        if odd:
            p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            p.paragraph_format.right_indent = SIZE_PAGE_NUMBER  # 单页码居右空一字
        else:
            p.alignment = WD_ALIGN_PARAGRAPH.LEFT
            p.paragraph_format.left_indent = SIZE_PAGE_NUMBER  # 双页码居左空一字
        number_run(p.add_run(f"{DASH} "))
        _page_field(p, number_run)
        number_run(p.add_run(f" {DASH}"))

    for header in (section.header, section.even_page_header):
        header.is_linked_to_previous = False
        p = header.paragraphs[0]
        p.style = doc.styles["Header"]
        if draft_mark:
            p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            _run_format(p.add_run(DRAFT_MARK), HEITI, SIZE_BODY)


# --- Blocks ---------------------------------------------------------------------------------------------


def _title(doc, lines: list[str]) -> None:
    for i, line in enumerate(lines):
        p = doc.add_paragraph(style=S_TITLE)
        if i == 0:
            p.paragraph_format.space_before = LINE * 2  # the title starts two lines down, as published
        if i == len(lines) - 1:
            p.paragraph_format.space_after = LINE  # one blank line before the text
        _run_format(p.add_run(line), XIAOBIAOSONG, SIZE_TITLE)


def _heading(doc, text: str, *, after_table: bool = False, new_page: bool = False) -> None:
    p = doc.add_paragraph(style=S_HEADING)
    if new_page:
        p.paragraph_format.page_break_before = True
    elif after_table:
        p.paragraph_format.space_before = HALF_LINE  # a little air under a table's last rule
    _run_format(p.add_run(text), HEITI, SIZE_BODY)


# East Asian font of a numbered paragraph's heading part: 一、 黑体, （一） 楷体, 1. and （1） 仿宋.
_LEVEL_FONT = {1: HEITI, 2: KAITI, 3: FANGSONG, 4: FANGSONG}


def _paragraph(doc, para: Paragraph, *, after_table: bool = False) -> None:
    if para.level == 1:
        _heading(doc, para.text, after_table=after_table)
        return
    p = doc.add_paragraph(style=S_BODY)
    if after_table:
        p.paragraph_format.space_before = HALF_LINE
    if para.level == 0:
        _run_format(p.add_run(para.text), FANGSONG, SIZE_BODY)
        return
    font = _LEVEL_FONT[para.level]
    lead = para.lead if para.lead and para.text.startswith(para.lead) else ""
    if lead:  # run-in heading: only the heading part in its font, the rest is body text
        _run_format(p.add_run(lead), font, SIZE_BODY, bold=para.level == 3)
        _run_format(p.add_run(para.text[len(lead):]), FANGSONG, SIZE_BODY)
    else:  # a numbered line of its own: keep it on the page of what follows
        _run_format(p.add_run(para.text), font, SIZE_BODY)
        p.paragraph_format.keep_with_next = True


def _closing(doc, block: Closing) -> None:
    last = [el for el in doc.element.body if el.tag != qn("w:sectPr")][-1:]
    if last and last[0].tag == qn("w:p"):  # the signature never stands alone on a page: the text comes along
        last[0].get_or_add_pPr().keepNext_val = True
    for i, line in enumerate(block.lines):
        p = doc.add_paragraph(style=S_CLOSING)
        if i == 0:
            p.paragraph_format.space_before = LINE  # a blank line after the text
        _run_format(p.add_run(line), FANGSONG, SIZE_BODY)


def _widths_twips(block: TableBlock) -> list[int]:
    """The layout's relative widths scaled to the 156 mm text block, in whole twips summing exactly to it."""
    total = sum(block.col_widths)
    edges = [round(TEXT_WIDTH_TWIPS * sum(block.col_widths[:i]) / total) for i in range(block.cols + 1)]
    return [b - a for a, b in zip(edges, edges[1:], strict=False)]


def _heading_rows(block: TableBlock) -> set[int]:
    """Rows holding only header cells (the repeated header, and captions such as table 二's sub-headings):
    each stays on the page of the row after it."""
    grid = block.grid()
    rows = set(range(block.header_rows))
    for r, row in enumerate(grid[:-1]):
        if all(c is not None and c.is_header for c in row):
            rows.add(r)
    return rows


def _table(doc, block: TableBlock) -> None:
    table = doc.add_table(rows=block.rows, cols=block.cols)
    trs = table._tbl.tr_lst
    for cell in block.cells:  # merges first (python-docx's cell.merge, at the XML level: table.cell is O(n))
        if cell.rowspan > 1 or cell.colspan > 1:
            top_left = trs[cell.row].tc_at_grid_offset(cell.col)
            top_left.merge(trs[cell.row + cell.rowspan - 1].tc_at_grid_offset(cell.col + cell.colspan - 1))
    _table_geometry(table, _widths_twips(block), block.header_rows)
    style = doc.styles[S_TABLE]
    for tc in table._tbl.iter(qn("w:tc")):  # every cell, covered by the layout or not, in the table style
        for p in tc.iter(qn("w:p")):
            p.style = style.style_id
    keep = _heading_rows(block)
    for cell in block.cells:
        _table_cell(_Cell(trs[cell.row].tc_at_grid_offset(cell.col), table), cell)
    for r in keep:
        for tc in table.rows[r]._tr.tc_lst:
            for p in tc.iter(qn("w:p")):
                p.get_or_add_pPr().keepNext_val = True


def _table_cell(docx_cell, cell: GridCell) -> None:
    docx_cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    p = docx_cell.paragraphs[0]
    left = cell.role in _LEFT_ROLES and not cell.is_header
    p.alignment = WD_ALIGN_PARAGRAPH.LEFT if left else WD_ALIGN_PARAGRAPH.CENTER
    if cell.text:  # a blank cell stays empty, never "0"
        _run_format(p.add_run(cell.text), FANGSONG, SIZE_TABLE)


# --- Document -------------------------------------------------------------------------------------------


def _properties(doc, layout: Document, draft: Draft) -> None:
    props = doc.core_properties
    props.title = "".join(layout.title_lines)
    props.subject = draft.template
    props.category = "nianbao"
    props.keywords = f"{draft.body} {draft.year}"
    props.comments = json.dumps(draft.meta, ensure_ascii=False)
    props.author = draft.body
    props.last_modified_by = draft.body
    now = datetime.now(UTC).replace(microsecond=0, tzinfo=None)
    props.created = props.modified = now
    props.revision = 1


def render(draft: Draft, layout: Document):
    """The layout as a python-docx Document (not saved)."""
    doc = docx.Document()
    body = doc.element.body
    for el in list(body):  # the default template's empty paragraph, if any (sectPr stays)
        if el.tag == qn("w:p"):
            body.remove(el)
    _styles(doc)
    _page(doc, layout.draft_mark)
    _title(doc, layout.title_lines)
    previous = None
    for block in layout.blocks:
        if isinstance(block, TableBlock) and isinstance(previous, TableBlock):
            doc.add_paragraph(style=S_TABLE)  # two tables in a row would otherwise fuse into one
        after_table = isinstance(previous, TableBlock)
        previous = block
        if isinstance(block, Heading):
            # a heading the layout made itself (no draft section) opens an annex: 附件另面编排
            _heading(doc, block.text, after_table=after_table, new_page=block.new_page)
        elif isinstance(block, Paragraph):
            _paragraph(doc, block, after_table=after_table)
        elif isinstance(block, TableBlock):
            _table(doc, block)
        elif isinstance(block, Closing):
            _closing(doc, block)
        else:  # a new block kind must be rendered here, not dropped
            raise TypeError(f"unknown layout block {type(block).__name__}")
    _properties(doc, layout, draft)
    return doc


def write_docx(draft: Draft, path: str | os.PathLike, *, draft_mark: bool = False) -> None:
    """Export the report as Word. The file appears whole or not at all (atomic_path); OSError if the folder
    is missing or not writable."""
    layout = build(draft, draft_mark=draft_mark)
    doc = render(draft, layout)
    with atomic_path(path) as tmp:
        doc.save(str(tmp))

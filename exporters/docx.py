"""The Word writer: renders the neutral layout (exporters.layout) as a GB/T 9704-style .docx.

It knows the page and the type (reference docx-style.md), never the report: every title line, paragraph,
heading, table cell, merge and width comes from the layout.

python-docx opens the template and writes the styles, the page, the header and footer and the core
properties. The body — title, paragraphs, tables — is written as WordprocessingML directly (`_p`, `_run`,
the `_tbl…`/`_tr`/`_tc` helpers): python-docx's proxies look up or insert every child by schema search, per
run and per cell, which made a report's 1,400 table cells most of the export time. The XML is what
python-docx wrote: each helper emits its element's children in schema order.

Page: A4, margins 37/35/28/26 mm, so the text block is the standard's 156 × 225 mm. Lines: fixed ("exact")
line spacing of 579 twips (28.95 pt = 225 mm / 22) on every text paragraph, which gives 22 lines a page in
Word, WPS and LibreOffice alike without depending on the document grid; a line-only grid (snapping) would
also stretch every table row to 28.95 pt. The section still records `docGrid linePitch=579`, so Word's page
setup shows the same pitch if a clerk turns the grid on.
"""

from __future__ import annotations

import copy
import json
import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache

import docx
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Length, Mm, Pt, RGBColor, Twips
from lxml.etree import SubElement  # python-docx's own XML library; its elements are lxml elements

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
HALF_LINE_TWIPS = LINE_TWIPS // 2

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


# --- WordprocessingML names, qualified once (qn parses its argument on every call) ------------------------

_W = {name: qn(f"w:{name}") for name in (
    "p", "pPr", "pStyle", "keepNext", "pageBreakBefore", "spacing", "before", "after", "jc",
    "r", "rPr", "t", "tab", "br", "fldChar", "fldCharType", "instrText",
    "tbl", "tblPr", "tblW", "tblBorders", "tblLayout", "tblCellMar", "tblLook", "tblGrid", "gridCol",
    "tr", "trPr", "cantSplit", "tblHeader", "tc", "tcPr", "tcW", "gridSpan", "vMerge", "vAlign",
    "val", "w", "type", "sectPr")}
_XML_SPACE = qn("xml:space")


# --- Fonts and runs -------------------------------------------------------------------------------------


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


@cache
def _run_properties(east_asia: str, size: Length, bold: bool, latin: str):
    """The rPr every run of this font, size and weight carries, built once through python-docx (which keeps
    the schema order: rFonts, b, color, sz). Every run carries its fonts, size and colour directly, as WPS
    writes them: what a reader of the XML (or a clerk's later style change) sees does not depend on style
    inheritance. A shared template: `_run` appends a copy, never this element."""
    rpr = OxmlElement("w:rPr")
    _fonts(rpr, east_asia, latin)
    rpr.sz_val = size
    if bold:
        rpr.get_or_add_b()  # <w:b/>, on by default
    rpr.get_or_add_color().val = BLACK
    return rpr


_BREAKS = re.compile(r"([\t\r\n])")


def _run(p, text: str | None, east_asia: str, size: Length, *, bold: bool = False, latin: str = LATIN):
    """Append a formatted w:r holding `text` to the paragraph element `p`; return the w:r. Text as python-docx's
    run.text writes it: a tab is a w:tab, a line break (\\r or \\n) a w:br, the rest w:t elements keeping their
    outer spaces (xml:space=preserve)."""
    r = SubElement(p, _W["r"])
    r.append(copy.deepcopy(_run_properties(east_asia, size, bold, latin)))
    for piece in _BREAKS.split(text) if text else ():
        if piece == "\t":
            SubElement(r, _W["tab"])
        elif piece in ("\r", "\n"):
            SubElement(r, _W["br"])
        elif piece:
            t = SubElement(r, _W["t"])
            t.text = piece
            if len(piece.strip()) < len(piece):
                t.set(_XML_SPACE, "preserve")
    return r


def _page_field(p, add_run) -> None:
    """A PAGE field (begin / instrText / separate / result / end) at the end of the paragraph element `p`;
    `add_run(text)` appends each formatted run."""

    def fld_char(kind: str) -> None:
        SubElement(add_run(None), _W["fldChar"], {_W["fldCharType"]: kind})

    fld_char("begin")
    instr = SubElement(add_run(None), _W["instrText"], {_XML_SPACE: "preserve"})
    instr.text = " PAGE "
    fld_char("separate")
    add_run("1")  # shown until the field is updated
    fld_char("end")


# --- Paragraphs -----------------------------------------------------------------------------------------


def _p(parent, style_id: str, *, keep_next: bool = False, page_break: bool = False, before: int | None = None,
       after: int | None = None, jc: str | None = None):
    """Append a w:p in the paragraph style `style_id` to `parent` (the body or a w:tc); return it. Spacing
    in twips; the pPr children in schema order (pStyle, keepNext, pageBreakBefore, spacing, jc)."""
    p = SubElement(parent, _W["p"])
    ppr = SubElement(p, _W["pPr"])
    SubElement(ppr, _W["pStyle"], {_W["val"]: style_id})
    if keep_next:
        SubElement(ppr, _W["keepNext"])
    if page_break:
        SubElement(ppr, _W["pageBreakBefore"])
    if before is not None or after is not None:
        spacing = SubElement(ppr, _W["spacing"])
        if before is not None:
            spacing.set(_W["before"], str(before))
        if after is not None:
            spacing.set(_W["after"], str(after))
    if jc:
        SubElement(ppr, _W["jc"], {_W["val"]: jc})
    return p


# --- Tables ---------------------------------------------------------------------------------------------


def _tbl(parent, widths_twips: list[int]):
    """Append a w:tbl with its table properties and grid; return it. What WPS needs to draw the grid as
    designed: fixed layout, the table's width, every w:gridCol, borders and narrow cell margins (plus the
    w:tblLook python-docx writes)."""
    tbl = SubElement(parent, _W["tbl"])
    tbl_pr = SubElement(tbl, _W["tblPr"])
    SubElement(tbl_pr, _W["tblW"], {_W["w"]: str(sum(widths_twips)), _W["type"]: "dxa"})
    borders = SubElement(tbl_pr, _W["tblBorders"])
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        SubElement(borders, qn(f"w:{side}"), {qn(f"w:{k}"): v for k, v in TABLE_BORDER.items()})
    SubElement(tbl_pr, _W["tblLayout"], {_W["type"]: "fixed"})
    margins = SubElement(tbl_pr, _W["tblCellMar"])
    for side in ("top", "left", "bottom", "right"):
        w = TABLE_CELL_MARGIN_TWIPS if side in ("left", "right") else TABLE_CELL_PADDING_TWIPS
        SubElement(margins, qn(f"w:{side}"), {_W["w"]: str(w), _W["type"]: "dxa"})
    SubElement(tbl_pr, _W["tblLook"], {qn("w:firstColumn"): "1", qn("w:firstRow"): "1", qn("w:lastColumn"): "0",
                                       qn("w:lastRow"): "0", qn("w:noHBand"): "0", qn("w:noVBand"): "1",
                                       _W["val"]: "04A0"})
    grid = SubElement(tbl, _W["tblGrid"])
    for w in widths_twips:
        SubElement(grid, _W["gridCol"], {_W["w"]: str(w)})
    return tbl


def _tr(tbl, *, header: bool):
    """Append a w:tr that never splits across pages; a header row repeats on every page."""
    tr = SubElement(tbl, _W["tr"])
    tr_pr = SubElement(tr, _W["trPr"])
    SubElement(tr_pr, _W["cantSplit"])
    if header:
        SubElement(tr_pr, _W["tblHeader"])
    return tr


def _tc(tr, width_twips: int, *, span: int = 1, v_merge: str | None = None, centred: bool = False):
    """Append a w:tc `span` grid columns wide (w:tcW is their sum); return it. A vertical merge is Word's:
    `v_merge="restart"` on the merge's first row, `v_merge="continue"` (a bare w:vMerge) below it."""
    tc = SubElement(tr, _W["tc"])
    tc_pr = SubElement(tc, _W["tcPr"])
    SubElement(tc_pr, _W["tcW"], {_W["type"]: "dxa", _W["w"]: str(width_twips)})
    if span > 1:
        SubElement(tc_pr, _W["gridSpan"], {_W["val"]: str(span)})
    if v_merge == "restart":
        SubElement(tc_pr, _W["vMerge"], {_W["val"]: "restart"})
    elif v_merge == "continue":
        SubElement(tc_pr, _W["vMerge"])
    if centred:
        SubElement(tc_pr, _W["vAlign"], {_W["val"]: "center"})
    return tc


# --- Styles ---------------------------------------------------------------------------------------------


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


def _styles(doc) -> dict[str, str]:
    """Define the report's styles; return their ids by name (a paragraph names its style by id)."""
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

    return {name: styles[name].style_id for name in (S_BODY, S_TITLE, S_HEADING, S_TABLE, S_CLOSING)}


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

    def number_run(p, text: str | None):
        # 7.5: 4号半角宋体阿拉伯数字 — the digits in 宋体 too, not Times New Roman
        return _run(p, text, SONGTI, SIZE_PAGE_NUMBER, latin=SONGTI)

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
        number_run(p._p, f"{DASH} ")
        _page_field(p._p, lambda text, p=p: number_run(p._p, text))
        number_run(p._p, f" {DASH}")

    for header in (section.header, section.even_page_header):
        header.is_linked_to_previous = False
        p = header.paragraphs[0]
        p.style = doc.styles["Header"]
        if draft_mark:
            p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            _run(p._p, DRAFT_MARK, HEITI, SIZE_BODY)


# --- Blocks ---------------------------------------------------------------------------------------------


@dataclass
class _Body:
    """Where the blocks go: the w:body element (its sectPr set aside until the end) and the style ids."""

    el: object
    style: dict[str, str]


def _title(out: _Body, lines: list[str]) -> None:
    for i, line in enumerate(lines):
        p = _p(out.el, out.style[S_TITLE],
               before=2 * LINE_TWIPS if i == 0 else None,  # the title starts two lines down, as published
               after=LINE_TWIPS if i == len(lines) - 1 else None)  # one blank line before the text
        _run(p, line, XIAOBIAOSONG, SIZE_TITLE)


def _heading(out: _Body, text: str, *, after_table: bool = False, new_page: bool = False) -> None:
    p = _p(out.el, out.style[S_HEADING], page_break=new_page,
           before=HALF_LINE_TWIPS if after_table and not new_page else None)  # air under a table's last rule
    _run(p, text, HEITI, SIZE_BODY)


# East Asian font of a numbered paragraph's heading part: 一、 黑体, （一） 楷体, 1. and （1） 仿宋.
_LEVEL_FONT = {1: HEITI, 2: KAITI, 3: FANGSONG, 4: FANGSONG}


def _paragraph(out: _Body, para: Paragraph, *, after_table: bool = False) -> None:
    if para.level == 1:
        _heading(out, para.text, after_table=after_table)
        return
    before = HALF_LINE_TWIPS if after_table else None
    if para.level == 0:
        _run(_p(out.el, out.style[S_BODY], before=before), para.text, FANGSONG, SIZE_BODY)
        return
    font = _LEVEL_FONT[para.level]
    lead = para.lead if para.lead and para.text.startswith(para.lead) else ""
    if lead:  # run-in heading: only the heading part in its font, the rest is body text
        p = _p(out.el, out.style[S_BODY], before=before)
        _run(p, lead, font, SIZE_BODY, bold=para.level == 3)
        _run(p, para.text[len(lead):], FANGSONG, SIZE_BODY)
    else:  # a numbered line of its own: keep it on the page of what follows
        p = _p(out.el, out.style[S_BODY], keep_next=True, before=before)
        _run(p, para.text, font, SIZE_BODY)


def _closing(out: _Body, block: Closing) -> None:
    last = out.el[-1] if len(out.el) else None
    if last is not None and last.tag == _W["p"]:  # the signature never stands alone on a page: the text comes along
        last.get_or_add_pPr().keepNext_val = True
    for i, line in enumerate(block.lines):
        p = _p(out.el, out.style[S_CLOSING], before=LINE_TWIPS if i == 0 else None)  # a blank line after the text
        _run(p, line, FANGSONG, SIZE_BODY)


def _widths_twips(block: TableBlock) -> list[int]:
    """The layout's relative widths scaled to the 156 mm text block, in whole twips summing exactly to it."""
    total = sum(block.col_widths)
    edges = [round(TEXT_WIDTH_TWIPS * sum(block.col_widths[:i]) / total) for i in range(block.cols + 1)]
    return [b - a for a, b in zip(edges, edges[1:], strict=False)]


def _heading_rows(block: TableBlock, grid: list[list[GridCell | None]]) -> set[int]:
    """Rows holding only header cells (the repeated header, and captions such as table 二's sub-headings):
    each stays on the page of the row after it."""
    rows = set(range(block.header_rows))
    for r, row in enumerate(grid[:-1]):
        if all(c is not None and c.is_header for c in row):
            rows.add(r)
    return rows


def _table(out: _Body, block: TableBlock) -> None:
    """The layout's grid row by row: each position is a plain cell, a merge's first cell (w:gridSpan
    across its columns, w:vMerge restart if it spans rows) or a merge's continuation in a lower row (an empty
    w:vMerge cell of the same span). Every cell holds one paragraph in the table style."""
    widths = _widths_twips(block)
    grid = block.grid()
    keep = _heading_rows(block, grid)
    style = out.style[S_TABLE]
    tbl = _tbl(out.el, widths)
    for r, row in enumerate(grid):
        tr = _tr(tbl, header=r < block.header_rows)
        k = 0
        while k < block.cols:
            cell = row[k]
            if cell is None:  # a position the layout leaves empty
                _p(_tc(tr, widths[k]), style, keep_next=r in keep)
                k += 1
                continue
            width = sum(widths[k:k + cell.colspan])
            if cell.row < r:  # covered by the merge started above
                _p(_tc(tr, width, span=cell.colspan, v_merge="continue"), style, keep_next=r in keep)
            else:
                tc = _tc(tr, width, span=cell.colspan, v_merge="restart" if cell.rowspan > 1 else None,
                         centred=True)
                _table_cell(tc, cell, style, keep_next=r in keep)
            k += cell.colspan


def _table_cell(tc, cell: GridCell, style_id: str, *, keep_next: bool) -> None:
    left = cell.role in _LEFT_ROLES and not cell.is_header
    p = _p(tc, style_id, keep_next=keep_next, jc="left" if left else "center")
    if cell.text:  # a blank cell stays empty, never "0"
        _run(p, cell.text, FANGSONG, SIZE_TABLE)


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
        if el.tag == _W["p"]:
            body.remove(el)
    out = _Body(body, _styles(doc))
    _page(doc, layout.draft_mark)
    sect_pr = body.find(_W["sectPr"])
    if sect_pr is not None:  # the blocks are appended; the section properties stay the body's last child
        body.remove(sect_pr)
    _title(out, layout.title_lines)
    previous = None
    for block in layout.blocks:
        if isinstance(block, TableBlock) and isinstance(previous, TableBlock):
            _p(body, out.style[S_TABLE])  # two tables in a row would otherwise fuse into one
        after_table = isinstance(previous, TableBlock)
        previous = block
        if isinstance(block, Heading):
            # a heading the layout made itself (no draft section) opens an annex: 附件另面编排
            _heading(out, block.text, after_table=after_table, new_page=block.new_page)
        elif isinstance(block, Paragraph):
            _paragraph(out, block, after_table=after_table)
        elif isinstance(block, TableBlock):
            _table(out, block)
        elif isinstance(block, Closing):
            _closing(out, block)
        else:  # a new block kind must be rendered here, not dropped
            raise TypeError(f"unknown layout block {type(block).__name__}")
    if sect_pr is not None:
        body.append(sect_pr)
    _properties(doc, layout, draft)
    return doc


def write_docx(draft: Draft, path: str | os.PathLike, *, draft_mark: bool = False) -> None:
    """Export the report as Word. The file appears whole or not at all (atomic_path); OSError if the folder
    is missing or not writable."""
    layout = build(draft, draft_mark=draft_mark)
    doc = render(draft, layout)
    with atomic_path(path) as tmp:
        doc.save(str(tmp))

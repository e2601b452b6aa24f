"""The Word export, reopened with python-docx: what a clerk (and the report's reader) would notice — the page,
the fonts named in the XML, the text, every figure in its official cell, merges, widths, page numbers."""

import json
import tempfile
from pathlib import Path

import docx
import pytest
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml.ns import qn
from docx.shared import Pt
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exporters.docx import write_docx
from exporters.layout import Heading, Paragraph, TableBlock, build
from forms.draft import new_draft, read_draft
from tests.conftest import DATA

HUAIAN = DATA / "2024_淮安市_人民政府.nianbao.json"
WUSHAN = DATA / "2016_武山县_人民政府.nianbao.json"  # legacy-2008, with the 统计表 annex
SHANGHAI = DATA / "2019_上海市_人民政府办公厅.nianbao.json"  # national-2019, many blank cells
SAMPLES = (HUAIAN, WUSHAN, SHANGHAI)

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """Each sample exported once (without and with the draft mark), reopened."""
    out = tmp_path_factory.mktemp("docx")
    cache = {}

    def get(source: Path, draft_mark: bool = False):
        key = (source, draft_mark)
        if key not in cache:
            path = out / f"{source.name.split('.')[0]}{'-draft' if draft_mark else ''}.docx"
            write_docx(read_draft(source), path, draft_mark=draft_mark)
            cache[key] = docx.Document(str(path))
        return cache[key]

    return get


def east_asia(run) -> str | None:
    rfonts = run._r.rPr.rFonts
    return rfonts.get(qn("w:eastAsia"))


def ascii_font(run) -> str | None:
    return run._r.rPr.rFonts.get(qn("w:ascii"))


def texts(doc) -> list[str]:
    return [p.text for p in doc.paragraphs]


def tables_of(source: Path) -> list[TableBlock]:
    return [b for b in build(read_draft(source)).blocks if isinstance(b, TableBlock)]


# --- Page ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("source", SAMPLES, ids=lambda p: p.name[:4])
def test_a4_portrait_with_the_standards_margins(exported, source):
    doc = exported(source)
    [sec] = doc.sections
    assert sec.page_width.mm == pytest.approx(210, abs=0.1)
    assert sec.page_height.mm == pytest.approx(297, abs=0.1)
    margins = (sec.top_margin.mm, sec.bottom_margin.mm, sec.left_margin.mm, sec.right_margin.mm)
    assert margins == pytest.approx((37, 35, 28, 26), abs=0.1)
    text_width = sec.page_width.mm - sec.left_margin.mm - sec.right_margin.mm
    assert text_width == pytest.approx(156, abs=0.1)


def test_body_is_3hao_indented_two_characters_justified_22_lines_a_page(exported):
    doc = exported(HUAIAN)
    body = [p for p in doc.paragraphs if p.text.startswith("本报告由")][0]
    pf = body.style.paragraph_format
    assert pf.first_line_indent == Pt(32)
    assert pf.alignment == WD_ALIGN_PARAGRAPH.JUSTIFY
    assert pf.line_spacing_rule == WD_LINE_SPACING.EXACTLY
    assert int(225 / pf.line_spacing.mm) == 22  # the 225 mm text block holds exactly 22 lines
    assert all(r.font.size == Pt(16) for r in body.runs)


# --- Fonts --------------------------------------------------------------------------------------------------


def test_fonts_named_in_the_xml(exported):
    doc = exported(HUAIAN)
    paras = doc.paragraphs
    title = paras[:2]
    assert [p.text for p in title] == ["淮安市人民政府", "2024年政府信息公开工作年度报告"]
    for p in title:
        assert p.alignment == WD_ALIGN_PARAGRAPH.CENTER or p.style.paragraph_format.alignment == \
            WD_ALIGN_PARAGRAPH.CENTER
        assert {(east_asia(r), ascii_font(r), r.font.size) for r in p.runs} == {("方正小标宋简体", "Times New Roman",
                                                                                Pt(22))}
    assert title[0].paragraph_format.space_before > Pt(0)  # the title starts below the top of the text block

    intro = paras[2]
    assert {(east_asia(r), ascii_font(r)) for r in intro.runs} == {("仿宋_GB2312", "Times New Roman")}

    heading = next(p for p in paras if p.text == "一、总体情况")
    assert {east_asia(r) for r in heading.runs} == {"黑体"}
    assert not any(r.font.bold for r in heading.runs) and heading.style.font.bold is not True

    run_in = next(p for p in paras if p.text.startswith("（一）主动公开情况。"))
    lead, rest = run_in.runs
    assert (lead.text, east_asia(lead)) == ("（一）主动公开情况。", "楷体_GB2312")
    assert east_asia(rest) == "仿宋_GB2312" and rest.text.startswith("2024年，市政府网站")
    assert ascii_font(lead) == ascii_font(rest) == "Times New Roman"

    cell_run = doc.tables[1].cell(3, 3).paragraphs[0].runs[0]
    assert (cell_run.text, cell_run.font.size, ascii_font(cell_run)) == ("3001", Pt(10.5), "Times New Roman")


def test_every_text_run_is_black_and_names_both_fonts(exported):
    doc = exported(HUAIAN)
    runs = [r for p in doc.paragraphs for r in p.runs]
    runs += [r for t in doc.tables for row in t.rows for c in row.cells for p in c.paragraphs for r in p.runs]
    assert runs
    for r in runs:
        assert east_asia(r) and ascii_font(r) == "Times New Roman", r.text
        assert str(r.font.color.rgb) == "000000"


def test_a_heading_of_its_own_is_in_its_levels_font(exported):
    doc = exported(SHANGHAI)
    sub = next(p for p in doc.paragraphs if p.text == "（一）主动公开方面")
    assert {east_asia(r) for r in sub.runs} == {"楷体_GB2312"}


# --- Text ---------------------------------------------------------------------------------------------------


def test_title_and_the_six_headings_in_order(exported):
    doc = exported(HUAIAN)
    assert doc.paragraphs[0].text == "淮安市人民政府"
    heads = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert heads == ["一、总体情况", "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况",
                     "四、政府信息公开行政复议、行政诉讼情况", "五、存在的主要问题及改进情况", "六、其他需要报告的事项"]


@pytest.mark.parametrize("source", SAMPLES, ids=lambda p: p.name[:4])
def test_every_paragraph_reads_back_exactly_in_order(exported, source):
    layout = build(read_draft(source))
    expected = layout.title_lines + [b.text for b in layout.blocks if isinstance(b, Paragraph | Heading)]
    got = [t for t in texts(exported(source)) if t]
    assert [t for t in got if t in expected] == expected  # the layout's paragraphs, verbatim and in order


def test_core_properties_carry_title_template_and_meta(exported):
    doc = exported(HUAIAN)
    props = doc.core_properties
    draft = read_draft(HUAIAN)
    assert props.title == "淮安市人民政府2024年政府信息公开工作年度报告"
    assert props.subject == "national-2021"
    assert props.category == "nianbao"
    assert props.keywords == "淮安市人民政府 2024"
    assert json.loads(props.comments) == draft.meta


# --- Tables -------------------------------------------------------------------------------------------------


def test_each_figure_in_its_official_cell(exported):
    t2, t3, t4 = exported(HUAIAN).tables
    assert t3.cell(3, 3).text == "3001"  # D4 自然人 本年新收
    assert t3.cell(3, 9).text == "3119"
    assert t3.cell(26, 9).text == "3050"  # J27 （七）总计
    assert t4.cell(3, 4).text == "351"
    assert t2.cell(13, 1).text == "96171.6"


@pytest.mark.parametrize("source", SAMPLES, ids=lambda p: p.name[:4])
def test_tables_are_exactly_the_layouts_grid(exported, source):
    doc = exported(source)
    blocks = tables_of(source)
    assert len(doc.tables) == len(blocks)
    for table, block in zip(doc.tables, blocks, strict=True):
        assert (len(table.rows), len(table.columns)) == (block.rows, block.cols)
        grid = block.grid()
        for r in range(block.rows):
            for c in range(block.cols):
                want = grid[r][c].text if grid[r][c] else ""
                assert table.cell(r, c).text == want, (block.table_id, r, c)  # blanks stay blank, never "0"


def test_blank_cells_stay_empty(exported):
    t3 = exported(SHANGHAI).tables[1]
    assert t3.cell(3, 5).text == ""  # 科研机构 本年新收: (空) in the published report
    assert t3.cell(3, 9).text == "859"


def test_merges_are_real_word_merges(exported):
    t2, t3, t4 = exported(HUAIAN).tables
    assert t3.cell(0, 0)._tc is t3.cell(2, 2)._tc  # the note over three rows and three columns
    assert t3.cell(5, 0)._tc is t3.cell(26, 0)._tc  # 三、本年度办理结果 down 22 rows
    assert t3.cell(3, 0)._tc is t3.cell(3, 2)._tc and t3.cell(3, 2)._tc is not t3.cell(3, 3)._tc
    assert t4.cell(0, 5)._tc is t4.cell(0, 14)._tc  # 行政诉讼 over ten columns
    assert t2.cell(13, 1)._tc is t2.cell(13, 3)._tc
    assert t4.cell(3, 0)._tc is not t4.cell(3, 1)._tc


def _mm(twips: int) -> float:
    return twips / 1440 * 25.4


def test_column_widths_are_explicit_and_fill_the_text_block(exported):
    doc = exported(HUAIAN)
    for table in doc.tables:
        tbl = table._tbl
        assert tbl.tblPr.find(qn("w:tblLayout")).get(qn("w:type")) == "fixed"
        cols = [int(g.get(qn("w:w"))) for g in tbl.tblGrid.findall(qn("w:gridCol"))]
        assert _mm(sum(cols)) == pytest.approx(156, abs=0.2)
        for tr in tbl.tr_lst:  # each cell's tcW is the sum of the grid columns it spans
            col = 0
            for tc in tr.tc_lst:
                w = tc.tcPr.find(qn("w:tcW"))
                assert w.get(qn("w:type")) == "dxa"
                assert int(w.get(qn("w:w"))) == sum(cols[col:col + tc.grid_span])
                col += tc.grid_span
            assert col == len(cols)
    t3, t4 = doc.tables[1], doc.tables[2]
    widths3 = [_mm(int(g.get(qn("w:w")))) for g in t3._tbl.tblGrid.findall(qn("w:gridCol"))]
    assert widths3[2] == pytest.approx(48, abs=0.1) and widths3[3] == pytest.approx(11, abs=0.1)
    assert len(t4.columns) == 15


def test_rows_never_split_and_the_header_repeats(exported):
    doc = exported(HUAIAN)
    for table, block in zip(doc.tables, tables_of(HUAIAN), strict=True):
        for r, row in enumerate(table.rows):
            tr_pr = row._tr.trPr
            assert tr_pr is not None and tr_pr.find(qn("w:cantSplit")) is not None
            assert (tr_pr.find(qn("w:tblHeader")) is not None) == (r < block.header_rows), (block.table_id, r)
    assert sum(row._tr.trPr.find(qn("w:tblHeader")) is not None for row in doc.tables[1].rows) == 3


def test_table_text_5hao_headers_and_figures_centred_row_labels_left(exported):
    t3 = exported(HUAIAN).tables[1]

    def align(r, c):
        p = t3.cell(r, c).paragraphs[0]
        return p.alignment if p.alignment is not None else p.style.paragraph_format.alignment

    assert align(0, 3) == WD_ALIGN_PARAGRAPH.CENTER  # 申请人情况
    assert align(3, 3) == WD_ALIGN_PARAGRAPH.CENTER  # a figure
    assert align(26, 9) == WD_ALIGN_PARAGRAPH.CENTER  # a total
    assert align(3, 0) == WD_ALIGN_PARAGRAPH.LEFT  # 一、本年新收…
    assert align(7, 2) == WD_ALIGN_PARAGRAPH.LEFT  # 1.属于国家秘密
    sizes = {r.font.size for row in t3.rows for c in row.cells for p in c.paragraphs for r in p.runs}
    assert sizes == {Pt(10.5)}


def test_every_cell_has_a_border(exported):
    tbl = exported(HUAIAN).tables[1]._tbl
    borders = tbl.tblPr.find(qn("w:tblBorders"))
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        b = borders.find(qn(f"w:{side}"))
        assert (b.get(qn("w:val")), b.get(qn("w:sz"))) == ("single", "4")


def test_legacy_report_exports_with_its_statistics_annex(exported):
    doc = exported(WUSHAN)
    annex = next(p for p in doc.paragraphs if p.text == "附件：政府信息公开情况统计表")
    assert annex.paragraph_format.page_break_before  # 附件另面编排
    [stats] = doc.tables
    assert (len(stats.rows), len(stats.columns)) == (66, 3)
    assert (stats.cell(0, 0).text, stats.cell(2, 2).text, stats.cell(2, 1).text) == ("统计指标", "18778", "条")
    assert stats.cell(4, 2).text == ""  # 制发规范性文件总数: not stated, blank
    assert any(p.text.startswith("按照《中華人民共和國政府信息公開條例》") for p in doc.paragraphs)


# --- Page numbers and the draft mark ------------------------------------------------------------------------


def _instr(part_element) -> str:
    return "".join(t.text or "" for t in part_element.iter(f"{W}instrText"))


def test_page_numbers_dashed_odd_right_even_left(exported):
    doc = exported(HUAIAN)
    assert doc.settings.odd_and_even_pages_header_footer
    sec = doc.sections[0]
    assert not sec.different_first_page_header_footer
    for footer, alignment, indent in ((sec.footer, WD_ALIGN_PARAGRAPH.RIGHT, "right_indent"),
                                      (sec.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT, "left_indent")):
        [p] = footer.paragraphs
        assert "PAGE" in _instr(footer._element)
        kinds = [f.get(qn("w:fldCharType")) for f in footer._element.iter(f"{W}fldChar")]
        assert kinds == ["begin", "separate", "end"]
        assert p.text.startswith("— ") and p.text.endswith(" —")
        assert p.alignment == alignment
        assert getattr(p.paragraph_format, indent) == Pt(14)  # 空一字
        assert {east_asia(r) for r in p.runs} == {"宋体"} and {r.font.size for r in p.runs} == {Pt(14)}


def test_draft_mark_on_every_header_and_none_without_it(exported):
    marked = exported(HUAIAN, draft_mark=True).sections[0]
    for header in (marked.header, marked.even_page_header):
        assert "征求意见稿" in "".join(p.text for p in header.paragraphs)
    assert not marked.different_first_page_header_footer  # so page 1 shows the default (odd) header too
    plain = exported(HUAIAN).sections[0]
    for header in (plain.header, plain.even_page_header, plain.first_page_header):
        assert "".join(p.text for p in header.paragraphs).strip() == ""
    body_text = "".join(texts(exported(HUAIAN, draft_mark=True)))
    assert "征求意见稿" not in body_text


# --- Closing block ------------------------------------------------------------------------------------------


def test_closing_lines_right_aligned_four_characters_in(tmp_path):
    draft = read_draft(HUAIAN)
    draft.meta["date"] = "2025-01-20"
    write_docx(draft, tmp_path / "r.docx")
    doc = docx.Document(str(tmp_path / "r.docx"))
    paras = doc.paragraphs
    i = next(k for k, p in enumerate(paras) if p.text == "2025年1月20日")
    name, day = paras[i - 1], paras[i]
    assert name.text == "淮安市人民政府"
    for p in (name, day):
        assert p.style.paragraph_format.alignment == WD_ALIGN_PARAGRAPH.RIGHT
        assert p.style.paragraph_format.right_indent == Pt(64)
        assert p.style.paragraph_format.first_line_indent == Pt(0)
    assert name.paragraph_format.space_before > Pt(20)  # a blank line before the signature
    assert paras[i - 2].paragraph_format.keep_with_next  # never a signature alone on the last page
    assert json.loads(doc.core_properties.comments)["date"] == "2025-01-20"


# --- Files --------------------------------------------------------------------------------------------------


def test_missing_folder_raises_and_leaves_nothing(tmp_path):
    target = tmp_path / "no-such-folder" / "report.docx"
    with pytest.raises(OSError):
        write_docx(read_draft(HUAIAN), target)
    assert not target.parent.exists()
    assert list(tmp_path.iterdir()) == []


def test_failed_write_keeps_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    target = tmp_path / "report.docx"
    target.write_bytes(b"old")

    def boom(self, path):
        Path(path).write_bytes(b"half")
        raise OSError("disk full")

    monkeypatch.setattr(docx.document.Document, "save", boom)
    with pytest.raises(OSError):
        write_docx(read_draft(HUAIAN), target)
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["report.docx"]


# --- Any text survives --------------------------------------------------------------------------------------

_CHARS = st.one_of(
    st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5),  # CJK
    st.characters(min_codepoint=0x20, max_codepoint=0x7E),  # printable ASCII, digits, space
    st.sampled_from("，。、；：？！（）《》“”‘’—…％０１２"),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.text(_CHARS, min_size=1, max_size=80), min_size=1, max_size=4))
def test_any_paragraph_text_reads_back_verbatim(lines):
    draft = new_draft("national-2021", "某某县人民政府", 2025)
    draft.sections["overview"] = "\n".join(lines)
    layout = build(draft)
    wanted = [b.text for b in layout.blocks if isinstance(b, Paragraph)]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "r.docx"
        write_docx(draft, path)
        got = texts(docx.Document(str(path)))
    for text in wanted:
        assert text in got

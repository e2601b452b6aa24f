"""exporters/read_docx.py: Word reports typed by clerks (built from the real samples by tests/clerk_docx.py),
the label spellings real reports use, hostile files, and the round trip through our own Word writer."""

from __future__ import annotations

import zipfile
from decimal import Decimal
from pathlib import Path

import docx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exporters.layout import numbering_level
from exporters.read_docx import read_docx
from exporters.safety import MAX_FILE_BYTES, SourceError
from forms.checks import check, effective_value
from forms.draft import Draft
from tests import clerk_docx as C
from tests.clerk_docx import Clerk

try:
    from exporters.docx import write_docx
except ImportError:  # the writer is being written by another engineer
    write_docx = None

needs_writer = pytest.mark.skipif(write_docx is None, reason="exporters/docx.py does not exist yet")

T3_COLUMNS = C.T3_COLUMNS
OTHER_ROWS = ("other.overdue_correction", "other.overdue_fee", "other.other")


def lines(text: str) -> list[str]:
    return [line.strip() for line in text.split("\n") if line.strip()]


def assert_sections_equal(got: Draft, expected: Draft) -> None:
    assert set(got.sections) == set(expected.sections)
    for key in expected.sections:
        assert lines(got.sections[key]) == lines(expected.sections[key]), key


def read_huaian(tmp_path: Path, clerk: Clerk | None = None):
    return read_docx(C.huaian(tmp_path / "淮安市人民政府2024年报.docx", clerk))


# --- The real samples, typed by a clerk -------------------------------------------------------------------


def test_huaian_clerk_file_reads_every_figure_and_section(tmp_path):
    result = read_huaian(tmp_path)
    expected = C.load(C.HUAIAN)
    got = result.draft
    assert result.unread == []
    assert (got.template, got.body, got.year) == ("national-2021", "淮安市人民政府", 2024)
    assert got.values == expected.values  # every one of the 200 figures, stated totals included
    assert_sections_equal(got, expected)
    assert got.meta == expected.meta  # office and contact details, from the preamble
    assert [p for p in check(got) if p.severity == "error"] == []


def test_hongze_clerk_file_keeps_the_2019_row_apart_and_its_wrong_totals(tmp_path):
    result = read_docx(C.hongze(tmp_path / "洪泽.docx"))
    expected = C.load(C.HONGZE)
    got = result.draft
    assert (got.template, got.body, got.year) == ("national-2021", "洪泽区人民政府", 2023)  # as its title prints it
    # the 21 cells of the three 2021 rows of （六） are blank: the one 2019 row is not guessed into them
    others = [f"table3.{col}.{row}" for col in T3_COLUMNS for row in OTHER_ROWS]
    assert len(others) == 21 and not any(cid in got.values for cid in others)
    assert got.values == expected.values
    assert got.extra["unresolved"] == {f"table3.{col}.other": 0 for col in T3_COLUMNS}
    [line] = result.unread
    assert line.startswith("表三（六）其他处理按2019年格式只有一行（自然人 0、商业企业 0")
    assert "总计 0）" in line and "2021年格式分为三行，请手工分配" in line
    # table 四's totals are kept as printed (0), and check reports both
    assert got.values["table4.review.total"] == 0 and got.values["table4.litigation_after_review.total"] == 0
    errors = [(p.rule, p.cells[0]) for p in check(got) if p.severity == "error"]
    assert errors == [("T4-SUM", "table4.review.total"), ("T4-SUM", "table4.litigation_after_review.total")]
    assert_sections_equal(got, expected)


def test_wushan_legacy_report_in_traditional_characters_without_tables(tmp_path):
    result = read_docx(C.wushan(tmp_path / "武山.docx"))
    expected = C.load(C.WUSHAN)
    got = result.draft
    assert (got.template, got.body, got.year) == ("legacy-2008", "武山縣", 2016)
    assert_sections_equal(got, expected)
    assert got.values == {}
    assert result.unread == ["没有找到统计表（政府信息公开情况统计表），表中数字没有导入"]


# --- Label spellings of real reports -----------------------------------------------------------------------

LABEL_VARIANTS = {
    "1、 numbering": Clerk(label={"denied.state_secret": "1、属于国家秘密"}),
    "full-width 1．": Clerk(label={"unable.not_held": "1．本机关不掌握相关政府信息"}),
    "line breaks": Clerk(label={"denied.process_info": "6.属于四\n类过程\n性信息",
                                "new_received": "一、本年新收政府信息公开\n申请数量"}),
    "spaces": Clerk(label={"carried_over": "二、上年结转 政府信息公开 申请数量"}),
    "half-width parentheses": Clerk(label={"granted": "(一)予以公开"}),
    "numbering left out": Clerk(label={"granted": "予以公开", "results_total": "总计"}),
    "ASCII quotes": Clerk(label={"denied.three_safety_one_stability": '3.危及"三安全一稳定"'}),
    "typo 2.其他法律行政止公开": Clerk(label={"denied.law_prohibited": "2.其他法律行政止公开"}),
    "one wrong character": Clerk(label={"denied.third_party_rights": "4.保护第三方合法权利"}),
    "note left out": Clerk(label={"partially_granted": "（二）部分公开"}),
    "规范性文件 in 表二": Clerk(normative_label="规范性文件"),
    "表二 as four tables": Clerk(split_table2=True),
    "表二 as four tables, captions above": Clerk(split_table2=True, captions_outside=True),
    "表二 single values not merged": Clerk(merge_table2_values=False),
    "group labels typed once, not merged": Clerk(merge_groups=False),
    "表三 split by a page break": Clerk(split_table3=14),
    "表三 split, groups typed once": Clerk(split_table3=12, merge_groups=False),
}


@pytest.mark.parametrize("clerk", LABEL_VARIANTS.values(), ids=LABEL_VARIANTS.keys())
def test_label_variants_read_every_figure(tmp_path, clerk):
    result = read_huaian(tmp_path, clerk)
    assert result.unread == []
    assert result.draft.values == C.load(C.HUAIAN).values


@pytest.mark.parametrize("merge_groups", [True, False])
def test_a_numbered_label_under_the_wrong_group_is_not_taken(tmp_path, merge_groups):
    """"3.其他" is a row of （六）; typed under （五） it is not that row, and not guessed."""
    result = read_huaian(tmp_path, Clerk(label={"not_processed.publication": "3.其他"}, merge_groups=merge_groups))
    assert result.draft.values["table3.natural_person.other.other"] == 108  # the real 3.其他 under （六）
    assert "table3.natural_person.not_processed.publication" not in result.draft.values
    assert result.unread == [
        "表三中的“3.其他”这一行对应不到格式中的任何一行，这一行的数字没有导入",
        "表三没有找到“（五）不予处理 3.要求提供公开出版物”这一行，这一行的数字没有导入",
    ]


def test_a_row_typed_twice_is_read_once_and_said(tmp_path):
    result = read_huaian(tmp_path, Clerk(label={"carried_over": "一、本年新收政府信息公开申请数量"}))
    assert result.draft.values["table3.natural_person.new_received"] == 3001
    assert "table3.natural_person.carried_over" not in result.draft.values
    assert any("出现了不止一次" in line for line in result.unread)
    assert any("没有找到“二、上年结转政府信息公开申请数量”这一行" in line for line in result.unread)


# --- Cells -------------------------------------------------------------------------------------------------


def test_empty_cells_stay_blank_never_zero(tmp_path):
    blank = {"table3.natural_person.granted": "", "table2.admin_fees.amount": "", "table4.review.upheld": "—",
             "table3.total.granted": "/", "table2.regulations.issued": " "}
    result = read_huaian(tmp_path, Clerk(text=blank))
    assert result.unread == []
    expected = {k: v for k, v in C.load(C.HUAIAN).values.items() if k not in blank}
    assert result.draft.values == expected


def test_figures_with_units_and_separators_are_read(tmp_path):
    typed = {"table2.admin_penalty.decisions": "3,985,758", "table2.admin_fees.amount": "96171.6万元",
             "table3.natural_person.new_received": "3001件", "table4.review.total": "３５１"}
    result = read_huaian(tmp_path, Clerk(text=typed))
    assert result.unread == []
    assert result.draft.values == C.load(C.HUAIAN).values
    assert result.draft.values["table2.admin_fees.amount"] == Decimal("96171.6")


def test_a_refused_figure_is_blank_and_reported_with_its_place(tmp_path):
    typed = {"table3.natural_person.denied.state_secret": "十二", "table2.admin_fees.amount": "96171.66666"}
    result = read_huaian(tmp_path, Clerk(text=typed))
    assert not set(typed) & set(result.draft.values)
    assert len(result.unread) == 2
    [t3] = [line for line in result.unread if line.startswith("表三")]
    [t2] = [line for line in result.unread if line.startswith("表二")]
    assert t3.startswith("表三“（三）不予公开 1.属于国家秘密”行“自然人”列：“十二”不是数字")
    assert "表二“行政事业性收费”行“本年收费金额”列" in t2 and "“96171.66666”" in t2 and "小数位太多" in t2


# --- Title, headings, the rest of the text -------------------------------------------------------------

TITLES = {
    "one line": ["淮安市人民政府2024年政府信息公开工作年度报告"],
    "spaces": ["淮 安 市 人 民 政 府", "2024 年 政府信息公开工作年度报告"],
    "year first": ["2024年淮安市人民政府政府信息公开工作年度报告"],
    "three lines": ["淮安市人民政府", "2024年政府信息公开", "工作年度报告"],
    "draft mark above": ["（征求意见稿）", "淮安市人民政府", "2024年政府信息公开工作年度报告"],
}


@pytest.mark.parametrize("title", TITLES.values(), ids=TITLES.keys())
def test_title_gives_body_and_year(tmp_path, title):
    result = read_huaian(tmp_path, Clerk(title=title))
    assert (result.draft.body, result.draft.year) == ("淮安市人民政府", 2024)
    assert result.unread == []
    assert lines(result.draft.sections["intro"]) == lines(C.load(C.HUAIAN).sections["intro"])


HEADINGS = {
    "五 整改措施": {"problems": "五、存在的主要问题及整改措施"},
    "五 2019 wording": {"problems": "五、政府信息公开工作存在的主要问题及改进情况"},
    "spaces": {"review_litigation": "四 、政府信息公开行政复议、 行政诉讼情况"},
    "no 、": {"other": "六其他需要报告的事项"},
    "full stop": {"overview": "一、总体情况。"},
    "half-width": {"requests": "三.收到和处理政府信息公开申请情况"},
    "四 as in 条例": {"review_litigation": "四、因政府信息公开工作被申请行政复议、提起行政诉讼情况"},
}


@pytest.mark.parametrize("change", HEADINGS.values(), ids=HEADINGS.keys())
def test_heading_variants_find_their_part(tmp_path, change):
    result = read_huaian(tmp_path, Clerk(headings={**C.HEADINGS, **change}))
    assert result.unread == []
    assert_sections_equal(result.draft, C.load(C.HUAIAN))


def test_headings_numbered_by_word_itself(tmp_path):
    headings = {**C.HEADINGS, "problems": "五、存在的主要问题及整改措施"}
    result = read_huaian(tmp_path, Clerk(headings=headings, auto_numbered=True))
    assert result.unread == []
    assert_sections_equal(result.draft, C.load(C.HUAIAN))


def test_a_missing_heading_is_said_and_its_text_stays_with_the_part_before(tmp_path):
    headings = {k: v for k, v in C.HEADINGS.items() if k != "problems"}
    result = read_huaian(tmp_path, Clerk(headings=headings))
    expected = C.load(C.HUAIAN)
    assert result.unread == ["没有找到“五、存在的主要问题及改进情况”这一标题：这一部分留空，原文中它的文字（如有）并在前一部分里，请核对"]
    assert result.draft.sections["problems"] == ""
    assert lines(result.draft.sections["review_litigation"]) == lines(expected.sections["problems"])


def test_run_in_heading(tmp_path):
    draft = C.load(C.HUAIAN)
    first, *rest = draft.sections["other"].split("\n")
    draft.sections["other"] = "\n".join(rest)
    path = tmp_path / "run-in.docx"
    C.national_report(draft, path, Clerk(headings={**C.HEADINGS, "other": f"六、其他需要报告的事项。{first}"}))
    result = read_docx(path)
    assert result.unread == []
    assert lines(result.draft.sections["other"]) == [first]


@pytest.mark.parametrize("signer", ["淮安市人民政府办公室", "淮安市人民政府", "淮 安 市 政 务 公 开 办"])
def test_signature_is_not_part_of_the_text_and_gives_the_date(tmp_path, signer):
    draft = C.load(C.HUAIAN)
    if signer.startswith("淮 安 市 政"):
        draft.sections["intro"] = draft.sections["intro"].replace("淮安市人民政府办公室", "淮安市政务公开办")
    path = C.national_report(draft, tmp_path / "signed.docx", Clerk(closing=[signer, "2025年2月25日"]))
    result = read_docx(path)
    assert result.unread == []
    assert_sections_equal(result.draft, draft)
    assert result.draft.meta["date"] == "2025-02-25"


def test_missing_and_foreign_tables_are_said(tmp_path):
    result = read_huaian(tmp_path, Clerk(tables=("table2", "table3"), extra_table=True))
    assert result.unread == [
        "第 3 个表格（开头是“姓名”）不是本格式的表格，没有读取",
        "没有找到表四（四、政府信息公开行政复议、行政诉讼情况），表中数字没有导入",
    ]
    assert not any(k.startswith("table4.") for k in result.draft.values)


def test_template_argument_is_used_for_a_clerk_file(tmp_path):
    path = C.huaian(tmp_path / "淮安.docx")
    assert read_docx(path, template="national-2021").draft.template == "national-2021"
    with pytest.raises(SourceError, match="淮安.docx：未知的报告格式"):
        read_docx(path, template="national-1999")


# --- Hostile and broken files ---------------------------------------------------------------------------


def tree(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


def refuse(path: Path, match: str, home: Path) -> None:
    before = tree(path.parent)
    with pytest.raises(SourceError, match=match) as info:
        read_docx(path)
    assert info.value.args[0].startswith(path.name)  # one line, naming the file
    assert "\n" not in info.value.args[0]
    assert tree(path.parent) == before  # nothing written next to it
    assert not home.exists()  # nor in the program's data folder


def office_zip(path: Path, document: bytes, *, content_types: bool = True) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        if content_types:
            zf.writestr("[Content_Types].xml",
                        '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
                        'content-types"><Default Extension="xml" ContentType="application/xml"/></Types>')
        zf.writestr("word/document.xml", document)
    return path


def test_not_a_zip_is_refused(tmp_path, nianbao_home):
    path = tmp_path / "旧版.docx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)  # an old .doc renamed
    refuse(path, "不是Word", nianbao_home)


@pytest.fixture(scope="module")
def zip_bomb(tmp_path_factory) -> Path:
    """About 1 MB on disk, 256 MB of zeros inside (ratio above 200)."""
    path = tmp_path_factory.mktemp("bomb") / "炸弹.docx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        with zf.open("word/document.xml", "w", force_zip64=True) as fh:
            chunk = b"\0" * (1 << 24)
            for _ in range(16):
                fh.write(chunk)
    return path


def test_zip_bomb_is_refused(zip_bomb, nianbao_home):
    assert zip_bomb.stat().st_size < 4 * 1024 * 1024
    refuse(zip_bomb, "压缩炸弹", nianbao_home)


def test_entity_declaration_is_refused(tmp_path, nianbao_home):
    bomb = (b'<?xml version="1.0"?><!DOCTYPE w [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>'
            b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            b"<w:body><w:p><w:r><w:t>&b;</w:t></w:r></w:p></w:body></w:document>")
    refuse(office_zip(tmp_path / "实体.docx", bomb), "DTD 或实体", nianbao_home)


def test_oversized_file_is_refused(tmp_path, nianbao_home):
    path = tmp_path / "巨大.docx"
    with open(path, "wb") as fh:
        fh.truncate(MAX_FILE_BYTES + 1)  # sparse: nothing is really written
    refuse(path, "文件过大", nianbao_home)


def test_docx_without_tables_or_headings_is_refused(tmp_path, nianbao_home):
    path = C.plain_document(tmp_path / "会议纪要.docx", ["会议纪要", "2024年3月5日下午召开工作会议。", "散会。"])
    refuse(path, "不像是政府信息公开工作年度报告（没有找到表格和部分标题）", nianbao_home)


def test_broken_package_is_refused_without_traceback(tmp_path, nianbao_home):
    document = (b'<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/'
                b'2006/main"><w:body/></w:document>')
    refuse(office_zip(tmp_path / "残缺.docx", document, content_types=False), "无法读取这个 Word 文件",
           nianbao_home)


def test_missing_file_is_refused(tmp_path, nianbao_home):
    refuse(tmp_path / "没有这个文件.docx", "文件不存在", nianbao_home)


# --- Our own files: the round trip ---------------------------------------------------------------------------

SAMPLES = {"淮安2024": C.HUAIAN, "洪泽2023": C.HONGZE, "上海2019": C.SHANGHAI, "武山2016": C.WUSHAN}


def assert_round_trip(got: Draft, draft: Draft) -> None:
    tpl = draft.tpl
    assert (got.template, got.body, got.year, got.meta) == (draft.template, draft.body, draft.year, draft.meta)
    assert got.sections == draft.sections
    for cid in tpl.cells:
        if tpl.is_computed(cid):  # the writer prints the figure the program shows
            assert got.values.get(cid) == effective_value(tpl, draft.values, cid), cid
        else:
            assert got.values.get(cid) == draft.values.get(cid), cid


@needs_writer
@pytest.mark.parametrize("source", SAMPLES.values(), ids=SAMPLES.keys())
def test_own_export_round_trip(tmp_path, source):
    draft = C.load(source)
    path = tmp_path / "report.docx"
    write_docx(draft, path)
    result = read_docx(path)
    assert result.unread == []
    assert_round_trip(result.draft, draft)


@needs_writer
def test_own_export_with_standard_intro_signature_and_draft_mark(tmp_path):
    draft = C.load(C.HUAIAN)
    draft.sections["intro"] = ""  # the layout writes the standard preamble
    draft.meta["date"] = "2025-02-25"  # and a signature
    path = tmp_path / "report.docx"
    write_docx(draft, path, draft_mark=True)
    result = read_docx(path)
    assert result.unread == []
    assert_round_trip(result.draft, draft)


@needs_writer
def test_own_export_reread_as_a_clerk_file_when_its_properties_are_gone(tmp_path):
    """Without our core properties (a clerk copied the text into a new file) the text alone is enough."""
    draft = C.load(C.HUAIAN)
    path = tmp_path / "report.docx"
    write_docx(draft, path)
    doc = docx.Document(str(path))
    doc.core_properties.category = ""
    doc.core_properties.subject = ""
    doc.core_properties.keywords = ""
    doc.save(str(path))
    result = read_docx(path)
    assert result.unread == []
    assert result.draft.values == draft.values  # 淮安 states every total, so the writer prints them as stated
    assert_sections_equal(result.draft, draft)
    assert result.draft.meta == draft.meta  # from the preamble this time


@needs_writer
def test_2019_table_two_layout_picks_the_2019_template(tmp_path):
    """A report whose title says 2021 but whose table 二 is the 2019 one is read as the 2019 format."""
    draft = C.load(C.SHANGHAI)
    path = tmp_path / "report.docx"
    write_docx(draft, path)
    doc = docx.Document(str(path))
    doc.core_properties.category = ""
    doc.core_properties.subject = ""
    title = doc.paragraphs[1]
    title.runs[0].text = title.runs[0].text.replace("2019", "2021")
    doc.save(str(path))
    result = read_docx(path)
    assert (result.draft.template, result.draft.year) == ("national-2019", 2021)
    assert result.draft.values["table2.procurement.amount"] == Decimal("251000")
    assert result.unread == []


@needs_writer
def test_own_file_names_its_template_whatever_the_title_says(tmp_path):
    draft = C.load(C.HUAIAN)
    path = tmp_path / "report.docx"
    write_docx(draft, path)
    assert read_docx(path, template="national-2019").draft.template == "national-2021"


# --- Hypothesis: any figures and any text survive our own export ---------------------------------------------

_LINE_CHARS = st.one_of(st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5),
                        st.characters(min_codepoint=0x21, max_codepoint=0x7E),
                        st.sampled_from("，。；：、！？（）《》“” "))
_NUMBERING_START = set("一二三四五六七八九十〇零0123456789０１２３４５６７８９(（")


def _plain_line(text: str) -> bool:
    return bool(text) and text[0] not in _NUMBERING_START and numbering_level(text) == 0


_line = st.text(_LINE_CHARS, min_size=1, max_size=40).map(str.strip).filter(_plain_line)
_section = st.lists(_line, max_size=3).map("\n".join)


@st.composite
def drafts(draw) -> Draft:
    draft = C.load(draw(st.sampled_from([C.HUAIAN, C.SHANGHAI, C.WUSHAN])))
    tpl = draft.tpl
    draft.sections = {key: draw(_section) for key in tpl.section_keys}
    values = {}
    for cell in tpl.input_cells:
        if cell.kind == "money":
            strategy = st.decimals(min_value=0, max_value=10**6, places=draw(st.integers(0, cell.decimals)))
        elif cell.kind == "signed":
            strategy = st.integers(-10**4, 10**4)
        else:
            strategy = st.integers(0, 10**6)
        value = draw(st.one_of(st.none(), strategy))
        if value is not None:
            values[cell.id] = value
    draft.values = values
    return draft


@needs_writer
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                                              HealthCheck.function_scoped_fixture])
@given(draft=drafts())
def test_hypothesis_round_trip(tmp_path, draft):
    path = tmp_path / "report.docx"
    write_docx(draft, path)
    result = read_docx(path)
    assert result.unread == []
    assert_round_trip(result.draft, draft)

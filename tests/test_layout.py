"""The neutral layout every writer renders: title, intro, parts in order, tables on the official grid."""

from decimal import Decimal

import pytest

from exporters.layout import Closing, Heading, Paragraph, TableBlock, build, numbering_level, paragraphs
from forms.draft import new_draft, read_draft
from tests.conftest import DATA


@pytest.mark.parametrize(("text", "level"), [("一、总体情况", 1), ("（一）主动公开", 2), ("(二)依申请", 2),
                                             ("1.属于", 3), ("2、其他", 3), ("（1）某", 4), ("2024年，", 0),
                                             ("1.5万元用于", 0)])
def test_numbering_levels(text, level):
    assert numbering_level(text) == level


def test_run_in_heading_is_split_from_its_text():
    [p] = paragraphs("（一）主动公开情况。2024年，市政府网站主动公开信息。", "overview")
    assert (p.level, p.lead) == (2, "（一）主动公开情况。")
    [q] = paragraphs("（三）政府信息管理情况。", "overview")
    assert q.lead == ""  # the heading is the whole paragraph


def test_huaian_layout_has_title_intro_parts_and_tables_in_order():
    doc = build(read_draft(DATA / "2024_淮安市_人民政府.nianbao.json"))
    assert doc.title_lines == ["淮安市人民政府", "2024年政府信息公开工作年度报告"]
    headings = [b.text for b in doc.blocks if isinstance(b, Heading)]
    assert headings == ["一、总体情况", "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况",
                        "四、政府信息公开行政复议、行政诉讼情况", "五、存在的主要问题及改进情况", "六、其他需要报告的事项"]
    tables = {b.table_id: b for b in doc.blocks if isinstance(b, TableBlock)}
    grid = tables["table3"].grid()
    assert grid[0][0].text.startswith("（本列数据的勾稽关系为") and grid[2][2] is grid[0][0]
    assert grid[3][3].text == "3001" and grid[3][9].text == "3119"  # D4, J4
    assert grid[26][9].text == "3050" and grid[26][9].role == "total"  # J27 （七）总计
    assert tables["table2"].grid()[13][1].text == "96171.6"
    assert tables["table4"].grid()[3][4].text == "351"


def test_standard_intro_from_body_year_and_meta_and_closing_block():
    d = new_draft("national-2021", "某某县人民政府", 2025, {"office": "某某县人民政府办公室", "phone": "0931-1234567",
                                                        "date": "2026-01-20"})
    doc = build(d)
    intro = doc.blocks[0]
    assert isinstance(intro, Paragraph)
    assert "本报告由某某县人民政府办公室根据《中华人民共和国政府信息公开条例》" in intro.text
    assert "统计期限自2025年1月1日至2025年12月31日" in intro.text and "电话：0931-1234567" in intro.text
    assert isinstance(doc.blocks[-1], Closing) and doc.blocks[-1].lines == ["某某县人民政府", "2026年1月20日"]


def test_blank_stays_blank_and_totals_are_computed_in_the_layout():
    d = new_draft("national-2021", "某某县人民政府", 2025)
    d.values["table4.review.upheld"] = 2
    d.values["table2.admin_fees.amount"] = Decimal("0.5")
    t4 = next(b for b in build(d).blocks if isinstance(b, TableBlock) and b.table_id == "table4").grid()
    assert (t4[3][0].text, t4[3][1].text, t4[3][4].text) == ("2", "", "2")


def test_legacy_statistics_form_is_an_annex_after_the_parts():
    doc = build(read_draft(DATA / "2016_武山县_人民政府.nianbao.json"))
    heads = [b.text for b in doc.blocks if isinstance(b, Heading)]
    assert heads[-1] == "附件：政府信息公开情况统计表"
    assert isinstance(doc.blocks[-1], TableBlock) and doc.blocks[-1].table_id == "stats"

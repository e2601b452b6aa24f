"""The Excel annex: what a user sees when opening it (cells by A1 address, merges, formats, print set-up) and
that it imports back into the same draft; broken and hostile files are refused with a message."""

import tempfile
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from docx import Document
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exporters.read_xlsx import read_xlsx
from exporters.safety import SourceError
from exporters.xlsx import write_xlsx
from forms.checks import check, effective_value
from forms.draft import Draft, new_draft, read_draft
from forms.template import load_template
from tests.conftest import DATA

HUAIAN = DATA / "2024_淮安市_人民政府.nianbao.json"
HONGZE = DATA / "2023_淮安市洪泽区_人民政府.nianbao.json"
SHANGHAI = DATA / "2019_上海市_人民政府办公厅.nianbao.json"
WUSHAN = DATA / "2016_武山县_人民政府.nianbao.json"
NOTE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"


@pytest.fixture(scope="module")
def huaian_xlsx(tmp_path_factory):
    path = tmp_path_factory.mktemp("xlsx") / "淮安.xlsx"
    write_xlsx(read_draft(HUAIAN), path)
    return path


@pytest.fixture(scope="module")
def huaian(huaian_xlsx):
    return openpyxl.load_workbook(huaian_xlsx)


def merges(ws) -> set[str]:
    return {str(r) for r in ws.merged_cells.ranges}


def export(draft: Draft, folder: Path, name: str = "annex.xlsx") -> Path:
    path = folder / name
    write_xlsx(draft, path)
    return path


def edit(path: Path, change) -> Path:
    """Open an annex as a clerk would, change it, save it again."""
    wb = openpyxl.load_workbook(path)
    change(wb)
    wb.save(path)
    return path


def data_row(ws, cell_id: str) -> int:
    return next(r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value == cell_id)


# --- What the user sees -----------------------------------------------------------------------------------------


def test_sheets_in_order(huaian):
    assert huaian.sheetnames == ["封面", "表二", "表三", "表四", "数据", "报告正文"]


def test_table3_on_the_official_grid(huaian):
    ws = huaian["表三"]
    assert (ws["D4"].value, ws["J4"].value, ws["J27"].value, ws["D28"].value) == (3001, 3119, 3050, 103)
    assert ws["A4"].value == "一、本年新收政府信息公开申请数量"
    assert ws["A1"].value == NOTE
    assert {"A1:C3", "D1:J1", "E2:I2", "A4:C4", "A6:A27", "B8:B15", "B27:C27", "A28:C28"} <= merges(ws)
    assert ws["E3"].value == "商业企业" and ws["C8"].value == "1.属于国家秘密"
    assert ws.max_row == 28 and ws.max_column == 10


def test_table4_and_table2(huaian):
    t4 = huaian["表四"]
    assert (t4["A4"].value, t4["E4"].value, t4["O4"].value) == (72, 351, 20)
    assert {"A1:E1", "F1:O1", "F2:J2", "K2:O2", "A2:A3"} <= merges(t4)
    t2 = huaian["表二"]
    assert (t2["B3"].value, t2["D4"].value, t2["B7"].value, t2["B14"].value) == (1, 66, 447228, 96171.6)
    assert {"B7:D7", "A1:D1", "B14:D14"} <= merges(t2)
    assert t2["A14"].value == "行政事业性收费" and t2["B13"].value == "本年收费金额（单位：万元）"


def test_figures_are_numbers_with_formats_that_show_them_as_printed(huaian, tmp_path):
    t3, t2 = huaian["表三"], huaian["表二"]
    assert t3["D4"].data_type == "n" and isinstance(t3["D4"].value, int)
    assert t3["D4"].number_format == "0" and t3["J27"].number_format == "0"
    assert t2["B14"].number_format == "0.0"  # 96171.6 shown with its one decimal, as in the report
    hongze = openpyxl.load_workbook(export(read_draft(HONGZE), tmp_path))
    assert hongze["表二"]["B14"].value == 7730.28 and hongze["表二"]["B14"].number_format == "0.00"
    # blank stays blank: 洪泽 printed （六）其他处理 as one row, so its three 2021 rows are not filled
    assert hongze["表三"]["D24"].value is None and hongze["表三"]["J24"].value is None
    # the wrong stated totals are printed as stated (0), not silently corrected
    assert hongze["表四"]["E4"].value == 0 and hongze["表四"]["A4"].value == 10


def test_blank_money_cell_has_a_format_for_four_decimals(tmp_path):
    ws = openpyxl.load_workbook(export(new_draft("national-2021", "某某县人民政府", 2025), tmp_path))["表二"]
    assert ws["B14"].value is None and ws["B14"].number_format == "0.00##"


def test_every_grid_cell_is_bordered_even_inside_merges(huaian_xlsx):
    wb = openpyxl.load_workbook(huaian_xlsx, read_only=True)  # the styles as stored in the file
    for name, (rows, cols) in {"表二": (14, 4), "表三": (28, 10), "表四": (4, 15)}.items():
        ws = wb[name]
        for r in range(1, rows + 1):
            for c in range(1, cols + 1):
                b = ws.cell(r, c).border
                assert (b.left.style, b.right.style, b.top.style, b.bottom.style) == ("thin",) * 4, (name, r, c)
    wb.close()


def test_labels_wrap_headers_centred_label_columns_wide(huaian):
    ws = huaian["表三"]
    assert ws["A4"].alignment.wrap_text and ws["C24"].alignment.wrap_text
    assert ws["D1"].alignment.horizontal == "center" and ws["E3"].alignment.horizontal == "center"
    assert ws["A4"].alignment.horizontal == "left" and ws["C8"].alignment.indent == 0  # nested by column
    widths = {c: ws.column_dimensions[c].width for c in "ABCDJ"}
    assert widths["C"] > 3 * widths["D"] and widths["B"] > widths["D"] and widths["D"] >= 9
    # the long （六）1/2 labels get two or more lines, ordinary rows one
    assert ws.row_dimensions[24].height >= 2 * 14 and ws.row_dimensions[4].height < 2 * 14


def test_print_setup(huaian):
    for name, orientation, titles in [("表三", "portrait", "$1:$3"), ("表四", "landscape", "$1:$3"),
                                      ("表二", "portrait", None)]:
        ws = huaian[name]
        assert ws.page_setup.paperSize == 9  # A4
        assert ws.page_setup.orientation == orientation
        assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, 0)
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws.print_title_rows == titles
    assert huaian["表三"].print_area == "'表三'!$A$1:$J$28"


def test_frozen_panes_below_headers_and_right_of_labels(huaian):
    assert huaian["表三"].freeze_panes == "D4"
    assert huaian["表四"].freeze_panes == "A4"
    assert huaian["表二"].freeze_panes is None  # no header rows: its column titles sit inside each block


def test_cover_sheet(huaian):
    ws = huaian["封面"]
    cover = {ws.cell(r, 1).value: ws.cell(r, 2).value for r in range(1, ws.max_row + 1)}
    assert cover["填报单位"] == "淮安市人民政府" and cover["年度"] == 2024
    assert cover["报告格式"] == "2021年格式（国办公开办函〔2021〕30号）" and cover["格式编号"] == "national-2021"
    assert cover["联系电话"] == "0517-83605210" and cover["邮政编码"] == "223001"
    assert cover["承办机构"] == "淮安市人民政府办公室" and cover["电子邮箱"] == "hazwgkc@163.com"
    assert cover["填报人"] is None and cover["填报日期"] is None  # not in this draft: left for the clerk
    assert ws["B6"].data_type == "s" and ws["B10"].number_format == "@"


def test_data_sheet_has_one_row_per_template_cell(huaian):
    ws = huaian["数据"]
    tpl = load_template("national-2021")
    assert [c.value for c in ws[1]] == ["单元格编号", "表格", "行", "列", "数值", "单位"]
    assert [ws.cell(r, 1).value for r in range(2, ws.max_row + 1)] == list(tpl.cells)
    r = data_row(ws, "table3.natural_person.new_received")
    assert [c.value for c in ws[r]] == ["table3.natural_person.new_received", "表三", "一、本年新收政府信息公开申请数量",
                                        "自然人", 3001, "件"]
    fee = data_row(ws, "table2.admin_fees.amount")
    assert ws.cell(fee, 5).value == 96171.6 and ws.cell(fee, 6).value == "万元"


def test_text_sheet(huaian):
    ws = huaian["报告正文"]
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=2)]
    assert [r[0] for r in rows] == ["intro", "overview", "proactive", "requests", "review_litigation", "problems", "other"]
    assert rows[1][1] == "一、总体情况" and rows[1][2] == read_draft(HUAIAN).sections["overview"]


def test_legacy_and_2019_export_from_their_own_grids(tmp_path):
    legacy = openpyxl.load_workbook(export(read_draft(WUSHAN), tmp_path, "wushan.xlsx"))
    assert legacy.sheetnames == ["封面", "统计表", "数据", "报告正文"]
    stats = legacy["统计表"]
    assert (stats["A1"].value, stats["C1"].value, stats["A3"].value.startswith("（一）主动公开政府信息数")) == (
        "统计指标", "统计数", True)
    assert (stats["C3"].value, stats["B3"].value, stats["C59"].value) == (18778, "条", 58)
    assert stats.freeze_panes == "C2" and stats.print_title_rows == "$1:$1"
    # nesting shown by indentation, as on the printed form: 一、 → （一） → 1. → 其中
    assert [stats[a].alignment.indent for a in ("A46", "A3", "A7", "A36")] == [0, 1, 2, 3]
    sh = openpyxl.load_workbook(export(read_draft(SHANGHAI), tmp_path, "sh.xlsx"))
    tpl = load_template("national-2019")
    for cid in ("table2.regulations.new_made", "table2.procurement.items", "table3.total.new_received"):
        cell = tpl.cells[cid]
        ws = sh[tpl.table(cell.table).name]
        assert ws.cell(cell.at.row1, cell.at.col1).value == read_draft(SHANGHAI).values[cid]
    assert sh["表三"].max_row == 26  # the 2019 table 三: （六）其他处理 is one row


# --- Round trips --------------------------------------------------------------------------------------------------


def assert_same_draft(before: Draft, after: Draft) -> None:
    """Template, body, year, meta, every section, every input cell exactly (same cells filled, same values),
    every stated total kept as stated, and every cell's effective value (stated, else computed) identical.
    The annex states the computed totals too, so a total the draft left to the program comes back stated
    with the computed figure: that is the one difference allowed."""
    tpl = before.tpl
    assert (after.template, after.body, after.year) == (before.template, before.body, before.year)
    assert after.meta == {k: v for k, v in before.meta.items() if v.strip()}
    assert after.sections == before.sections
    inputs = {c.id for c in tpl.input_cells}
    assert {k: v for k, v in after.values.items() if k in inputs} == {k: v for k, v in before.values.items() if k in inputs}
    for cid, value in before.values.items():
        assert after.values[cid] == value and type(after.values[cid]) is type(value), cid
    for cid in tpl.cells:
        assert effective_value(tpl, after.values, cid) == effective_value(tpl, before.values, cid), cid


@pytest.mark.parametrize("sample", [HUAIAN, HONGZE, SHANGHAI, WUSHAN], ids=lambda p: p.name.split("_")[1])
def test_samples_round_trip(sample, tmp_path):
    before = read_draft(sample)
    result = read_xlsx(export(before, tmp_path))
    assert result.unread == []
    assert_same_draft(before, result.draft)


def test_huaian_and_hongze_come_back_with_exactly_the_same_values(tmp_path):
    for sample in (HUAIAN, HONGZE):  # both state every total they print, so nothing is added
        before = read_draft(sample)
        assert read_xlsx(export(before, tmp_path)).draft.values == before.values


def test_hongze_wrong_totals_are_kept_and_still_reported(tmp_path):
    before = read_draft(HONGZE)
    after = read_xlsx(export(before, tmp_path)).draft
    assert after.values["table4.review.total"] == 0 and after.values["table4.litigation_after_review.total"] == 0
    rules = sorted((p.rule, p.cells[0]) for p in check(after) if p.severity == "error")
    assert rules == sorted((p.rule, p.cells[0]) for p in check(before) if p.severity == "error")
    assert ("T4-SUM", "table4.review.total") in rules


def test_money_decimal_is_restored_exactly(tmp_path):
    path = export(read_draft(HONGZE), tmp_path)
    ws = openpyxl.load_workbook(path, read_only=True)["数据"]
    stored = [row[4] for row in ws.iter_rows(min_row=2, values_only=True) if row[0] == "table2.admin_fees.amount"]
    assert stored == [7730.28] and isinstance(stored[0], float)  # a binary float in the file …
    value = read_xlsx(path).draft.values["table2.admin_fees.amount"]
    assert value == Decimal("7730.28") and str(value) == "7730.28"  # … the Decimal typed, back in the draft
    d = new_draft("national-2021", "某某县人民政府", 2025)
    for amount in ("0", "0.0001", "12.5", "251000", "999999.9999", "0.1"):
        d.values["table2.admin_fees.amount"] = Decimal(amount)
        assert str(read_xlsx(export(d, tmp_path)).draft.values["table2.admin_fees.amount"]) == amount


def test_float_noise_is_rounded_away_but_real_extra_decimals_are_refused(tmp_path):
    d = new_draft("national-2021", "某某县人民政府", 2025)

    def put(value):
        def change(wb):
            ws = wb["数据"]
            ws.cell(data_row(ws, "table2.admin_fees.amount"), 5).value = value
            ws.cell(data_row(ws, "table4.review.upheld"), 5).value = 3.0000000000000004
            del wb["表二"], wb["表四"]  # only the 数据 sheet is edited here
        return change

    result = read_xlsx(edit(export(d, tmp_path), put(0.1 + 0.2)))
    assert result.draft.values["table2.admin_fees.amount"] == Decimal("0.3")
    assert result.draft.values["table4.review.upheld"] == 3
    result = read_xlsx(edit(export(d, tmp_path), put(0.12345)))
    assert "table2.admin_fees.amount" not in result.draft.values
    assert any("table2.admin_fees.amount" in u and "小数位太多" in u for u in result.unread)


CJK_ASCII = st.text(alphabet=st.one_of(st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),
                                       st.characters(min_codepoint=0x20, max_codepoint=0x7E), st.just("\n")),
                    max_size=300)


def cell_values(cell):
    if cell.kind == "money":
        return st.decimals(min_value=0, max_value=10**6, places=cell.decimals, allow_nan=False, allow_infinity=False)
    return st.integers(-(10**6) if cell.kind == "signed" else 0, 10**6)


@st.composite
def drafts(draw, template_id: str) -> Draft:
    tpl = load_template(template_id)
    body = draw(st.text(st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF), min_size=1, max_size=20))
    meta = {"phone": draw(st.from_regex(r"0[0-9]{2,3}-[0-9]{7,8}", fullmatch=True)),
            "preparer": draw(st.text(st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF), min_size=1, max_size=4))}
    d = new_draft(template_id, body, draw(st.integers(2000, 2100)), meta)
    inputs = tpl.input_cells
    chosen = draw(st.sets(st.sampled_from(range(len(inputs)))))
    for i in sorted(chosen):
        d.values[inputs[i].id] = draw(cell_values(inputs[i]))
    for key in tpl.section_keys:
        d.sections[key] = draw(CJK_ASCII)
    return d


@pytest.mark.parametrize("template_id", ["national-2021", "national-2019", "legacy-2008"])
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_draft_round_trips(template_id, data):
    before = data.draw(drafts(template_id))
    with tempfile.TemporaryDirectory() as folder:
        result = read_xlsx(export(before, Path(folder)))
    assert result.unread == []
    after = result.draft
    assert after.sections == before.sections
    for cid, value in before.values.items():
        assert after.values[cid] == value, cid
    assert_same_draft(before, after)


def test_awkward_text_round_trips(tmp_path):
    d = new_draft("national-2021", "=HYPERLINK(\"http://x\",\"点我\")", 2024, {"preparer": "+1-2", "email": "@a"})
    d.sections["overview"] = "第一段\r\n\t第二段 _x0041_ 控制字符\x01\x1f\n  行首空格，行尾空格  \n"
    d.sections["other"] = "=1+2"
    d.sections["problems"] = "很长的正文。" * 12000  # 72,000 characters: more than one Excel cell holds
    path = export(d, tmp_path)
    ws = openpyxl.load_workbook(path)["封面"]
    assert ws["B1"].data_type == "s" and ws["B1"].value.startswith("=HYPERLINK")  # text, not a live formula
    after = read_xlsx(path).draft
    assert after.body == d.body and after.meta == d.meta and after.sections == d.sections


# --- Hand-made and hand-edited annexes ----------------------------------------------------------------------------


def test_hand_made_annex_is_read_by_position(tmp_path):
    """No 数据 sheet: the tables are read at the official A1 positions; a sheet named otherwise is found by its
    labels, and a table pushed down by a title row is still found."""
    before = read_draft(HUAIAN)

    def hand_made(wb):
        del wb["数据"], wb["报告正文"]
        wb["表三"].title = "Sheet1"
        wb["表四"].insert_rows(1, 2)
        wb["表四"]["A1"] = "四、政府信息公开行政复议、行政诉讼情况"

    result = read_xlsx(edit(export(before, tmp_path), hand_made))
    assert result.draft.values == before.values
    assert any("没有“数据”工作表" in u for u in result.unread)
    assert any("没有“报告正文”工作表" in u for u in result.unread)
    assert result.draft.sections["overview"] == ""


def test_hand_made_annex_missing_a_table_says_so(tmp_path):
    def hand_made(wb):
        del wb["数据"], wb["表二"]
        wb["表三"]["D4"] = "三千"

    result = read_xlsx(edit(export(read_draft(HUAIAN), tmp_path), hand_made))
    assert any("没有找到表二" in u for u in result.unread)
    assert any("表三" in u and "D4" in u and "“三千”不是数字" in u for u in result.unread)
    assert "table2.regulations.issued" not in result.draft.values
    assert "table3.natural_person.new_received" not in result.draft.values
    assert result.draft.values["table3.total.new_received"] == 3119


def test_figure_changed_on_a_table_sheet_is_reported(tmp_path):
    def change(wb):
        wb["表三"]["D4"] = 3002

    result = read_xlsx(edit(export(read_draft(HUAIAN), tmp_path), change))
    assert result.draft.values["table3.natural_person.new_received"] == 3001  # the 数据 sheet is what is read
    [message] = result.unread
    assert "表三 D4" in message and "3002" in message and "3001" in message


def test_bad_figures_in_the_data_sheet_are_reported_not_fatal(tmp_path):
    def spoil(wb):
        ws = wb["数据"]
        ws.cell(data_row(ws, "table3.natural_person.new_received"), 5).value = "abc"
        ws.cell(data_row(ws, "table4.review.upheld"), 5).value = -5
        ws.cell(data_row(ws, "table3.natural_person.granted"), 5).value = "１,288件"  # what a clerk may type
        ws.cell(ws.max_row + 1, 1).value = "table9.nothing"

    result = read_xlsx(edit(export(read_draft(HUAIAN), tmp_path), spoil))
    row = data_row(openpyxl.load_workbook(tmp_path / "annex.xlsx")["数据"], "table3.natural_person.new_received")
    assert any(u.startswith(f"数据表第 {row} 行 table3.natural_person.new_received") and "“abc”不是数字" in u
               for u in result.unread)
    assert any("table4.review.upheld" in u and "不能为负数" in u for u in result.unread)
    assert any("table9.nothing" in u for u in result.unread)
    values = result.draft.values
    assert "table3.natural_person.new_received" not in values and "table4.review.upheld" not in values
    assert values["table3.natural_person.granted"] == 1288 and values["table3.total.new_received"] == 3119


# --- Refusals ------------------------------------------------------------------------------------------------------


def refused(path: Path, *words: str) -> None:
    before = sorted(p.name for p in path.parent.iterdir())
    with pytest.raises(SourceError) as info:
        read_xlsx(path)
    message = str(info.value)
    assert message.startswith(path.name) and all(w in message for w in words), message
    assert sorted(p.name for p in path.parent.iterdir()) == before  # nothing written on refusal


def test_text_file_renamed_xlsx(tmp_path):
    path = tmp_path / "annex.xlsx"
    path.write_text("单元格编号,数值\n", encoding="utf-8")
    refused(path, "不是Excel")


def test_truncated_xlsx(tmp_path, huaian_xlsx):
    path = tmp_path / "annex.xlsx"
    data = huaian_xlsx.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    refused(path)


def test_docx_renamed_xlsx(tmp_path):
    path = tmp_path / "annex.docx"
    Document().save(path)
    refused(path.rename(tmp_path / "annex.xlsx"), "xl/workbook.xml")


def test_zip_that_openpyxl_cannot_read(tmp_path):
    path = tmp_path / "annex.xlsx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("xl/workbook.xml", "<workbook/>")
    refused(path, "无法打开")


def test_missing_file(tmp_path):
    with pytest.raises(SourceError, match="不存在"):
        read_xlsx(tmp_path / "nothing.xlsx")


def test_workbook_without_cover(tmp_path, huaian_xlsx):
    path = tmp_path / "annex.xlsx"
    path.write_bytes(huaian_xlsx.read_bytes())
    edit(path, lambda wb: wb.remove(wb["封面"]))
    refused(path, "封面")


def test_cover_without_body_year_or_format(tmp_path, huaian_xlsx):
    path = tmp_path / "annex.xlsx"

    def cover(**cells):
        path.write_bytes(huaian_xlsx.read_bytes())

        def change(wb):
            for a1, value in cells.items():
                wb["封面"][a1] = value
        return edit(path, change)

    refused(cover(B2="明年"), "年度", "明年")
    refused(cover(B1=None), "填报单位")
    refused(cover(B3=None, B4=None), "格式编号")
    refused(cover(B4="national-1999"), "未知的报告格式")
    # without the id, the format's name in 报告格式 is enough; a year written 2024年 is read
    assert read_xlsx(cover(B4=None, B2="2024年")).draft.template == "national-2021"


def test_write_into_a_missing_folder_leaves_nothing(tmp_path):
    with pytest.raises(FileNotFoundError):
        write_xlsx(read_draft(HUAIAN), tmp_path / "no-such-folder" / "annex.xlsx")
    assert list(tmp_path.iterdir()) == []


def test_failed_write_keeps_the_old_file(tmp_path, monkeypatch):
    path = export(read_draft(HUAIAN), tmp_path)
    old = path.read_bytes()

    def broken_save(self, filename):
        Path(filename).write_bytes(b"half a file")
        raise OSError("disk full")

    monkeypatch.setattr(openpyxl.Workbook, "save", broken_save)
    with pytest.raises(OSError, match="disk full"):
        write_xlsx(read_draft(HONGZE), path)
    assert path.read_bytes() == old and [p.name for p in tmp_path.iterdir()] == [path.name]

"""Starting from last year's report (forms/carryover.py), the checks across years (forms/crossyear.py), the
mapping between formats and the cross-year section of the templates, and the command line: `new --from`
and `check --previous`."""

import importlib.util
import json
import textwrap

import pytest

from desktop_app.cli import main
from forms import crossyear
from forms.carryover import existing_draft, start_from
from forms.checks import check
from forms.draft import from_dict, new_draft, read_draft, to_dict, write_draft
from forms.store import Store
from forms.template import TemplateError, load_template, load_template_file
from forms.textcheck import text_hash
from tests.conftest import DATA

HUAIAN = DATA / "2024_淮安市_人民政府.nianbao.json"
HONGZE = DATA / "2023_淮安市洪泽区_人民政府.nianbao.json"
SHANGHAI = DATA / "2019_上海市_人民政府办公厅.nianbao.json"
WUSHAN = DATA / "2016_武山县_人民政府.nianbao.json"
T3_COLS = ["natural_person", "commercial_enterprise", "research_institution", "public_welfare_org",
           "legal_service_org", "other_org"]


def by_rule(problems, *rules):
    return [p for p in problems if p.rule in rules]


# --- Carry-over --------------------------------------------------------------------------------------------------


def test_2021_to_2021_carries_every_column_exactly_and_copies_the_text_as_unrevised():
    last = read_draft(HUAIAN)
    last.meta["date"] = "2025-01-20"
    last.extra["body_type"] = "县级以上人民政府"
    last.extra["acknowledged"] = {"BLANK:table3": "…"}
    result = start_from(last)
    d = result.draft
    assert (d.template, d.body, d.year) == ("national-2021", "淮安市人民政府", 2025)
    for col in T3_COLS:
        assert d.values[f"table3.{col}.carried_over"] == last.values[f"table3.{col}.carried_forward"]
    assert "table3.total.carried_over" not in d.values  # computed by the program: 103
    assert set(d.values) == {f"table3.{col}.carried_over" for col in T3_COLS}  # nothing else is prefilled
    assert d.meta == {k: v for k, v in last.meta.items() if k != "date"}
    assert d.extra["body_type"] == "县级以上人民政府" and "acknowledged" not in d.extra
    assert d.sections["overview"] == last.sections["overview"]
    assert d.extra["unrevised"] == {k: text_hash(t) for k, t in last.sections.items() if t.strip()}
    assert result.copied == ["intro", "overview", "problems", "other"]
    assert any("“上年结转”已按上年报告的“结转下年度继续办理”填入（6 格）" in n for n in result.notes)
    # the new draft survives its own file format
    assert from_dict(to_dict(d)) == d
    problems = check(d, previous=last)
    assert by_rule(problems, "XY-CARRY") == []
    unrevised = by_rule(problems, "TEXT-UNREVISED")
    assert [p.section for p in unrevised] == ["intro", "overview", "problems", "other"]
    assert all("本部分是从上年报告复制的，尚未修改" in p.message for p in unrevised)
    d.sections["problems"] = "今年的主要问题：一是基层政务公开专区建设滞后；二是政策解读形式单一，需要改进。"
    assert [p.section for p in by_rule(check(d, last), "TEXT-UNREVISED")] == ["intro", "overview", "other"]


def test_a_total_stated_alone_last_year_is_carried_as_the_total():
    last = read_draft(HUAIAN)
    for col in T3_COLS:
        del last.values[f"table3.{col}.carried_forward"]
    d = start_from(last).draft
    assert d.values == {"table3.total.carried_over": 103}


def test_2019_to_2021_carries_from_the_same_row_and_says_what_has_no_counterpart():
    last = read_draft(SHANGHAI)
    result = start_from(last, year=2021)
    d = result.draft
    assert d.template == "national-2021"
    assert d.values == {"table3.natural_person.carried_over": 72}  # the other columns were blank in 2019
    notes = "\n".join(result.notes)
    assert "2021年格式删去了第二十条第（九）项“政府集中采购”" in notes
    assert "对外公开总数量不是现行有效件数" in notes
    assert set(result.copied) == {"intro", "overview", "problems", "other"}
    problems = check(d, previous=last)
    assert by_rule(problems, "XY-CARRY") == []
    [info] = by_rule(problems, "XY-STOCK")
    assert info.severity == "info" and "上年报告（2019年格式）没有“现行有效件数”" in info.message


def test_legacy_to_2021_says_the_carry_over_must_be_typed():
    last = read_draft(WUSHAN)
    result = start_from(last, year=2021)
    d = result.draft
    assert d.values == {}
    assert "上年报告（2008年格式）没有“结转下年度继续办理”，上年结转需手工填写" in result.notes
    assert any("“五、政府信息公开机构人员及经费情况”没有复制" in n for n in result.notes)
    assert set(result.copied) == {"intro", "overview", "proactive", "requests", "problems"}
    infos = by_rule(check(d, previous=last), "XY-CARRY", "XY-STOCK")
    assert [p.severity for p in infos] == ["info", "info"]


def test_legacy_to_legacy_copies_every_part():
    result = start_from(read_draft(WUSHAN))
    assert result.draft.template == "legacy-2008" and result.draft.year == 2017
    assert set(result.copied) == set(load_template("legacy-2008").section_keys)
    assert result.draft.values == {}


# --- Across years -----------------------------------------------------------------------------------------------


def huaian_2025():
    last = read_draft(HUAIAN)
    d = start_from(last).draft
    return last, d


def test_xy_carry_fires_per_column_and_holds_when_equal():
    last, d = huaian_2025()
    assert by_rule(crossyear.check_cross_year(d, last), "XY-CARRY") == []
    d.values["table3.natural_person.carried_over"] = 100
    # the column, and the 总计 column computed from the columns: 100 against 103 too
    p, total = crossyear.check_cross_year(d, last)
    assert (p.severity, p.rule, p.cells) == ("warning", "XY-CARRY", ("table3.natural_person.carried_over",))
    assert "是 100，按上年报告应为 103" in p.message and "2024年" in p.message
    assert total.cells == ("table3.total.carried_over",)
    assert len(by_rule(check(d, last), "XY-CARRY")) == 2


def test_xy_stock_adds_this_years_issued_and_takes_away_the_abolished():
    last, d = huaian_2025()  # last year: 规章 11 in force, 行政规范性文件 66
    d.values.update({"table2.regulations.issued": 2, "table2.regulations.abolished": 1,
                     "table2.regulations.in_force": 12})
    assert by_rule(crossyear.check_cross_year(d, last), "XY-STOCK") == []
    d.values["table2.regulations.in_force"] = 13
    [p] = by_rule(crossyear.check_cross_year(d, last), "XY-STOCK")
    assert p.severity == "warning" and p.cells[0] == "table2.regulations.in_force"
    assert "是 13，按上年报告应为 12" in p.message and " 11" in p.message and "加本年" in p.message
    # a blank on either side is not compared
    del d.values["table2.regulations.abolished"]
    assert by_rule(crossyear.check_cross_year(d, last), "XY-STOCK") == []


def test_xy_stock_on_the_hongze_figures_of_the_reference():
    last = read_draft(HONGZE)  # 行政规范性文件 0 issued, 5 abolished, 5 in force
    d = start_from(last).draft
    d.values.update({"table2.normative_docs.issued": 3, "table2.normative_docs.abolished": 0,
                     "table2.normative_docs.in_force": 8})  # 5 + 3 − 0 = 8 (reference §5)
    assert by_rule(check(d, last), "XY-STOCK") == []


def test_find_previous_in_the_store_prefers_the_clerks_draft(nianbao_home):
    store = Store()
    sample = store.create(to_dict(read_draft(HUAIAN)), is_sample=True)
    d = new_draft("national-2021", "淮安市人民政府", 2025)
    assert crossyear.find_previous(store, d.body, d.year).body == "淮安市人民政府"
    mine = read_draft(HUAIAN)
    mine.values["table3.total.carried_forward"] = 1
    store.create(to_dict(mine))
    assert crossyear.find_previous(store, d.body, d.year).values["table3.total.carried_forward"] == 1
    assert crossyear.find_previous(store, d.body, 2030) is None
    assert existing_draft(store, "淮安市人民政府", 2024).id != sample.id


# --- The template sections [[cross_year]] and [[mappings]] ---------------------------------------------------

SOURCE = """
id = "older"
name = "旧格式"
first_year = 2000
[[parts]]
key = "a"
heading = "一、甲"
[[parts]]
key = "b"
heading = "二、乙"
[rules.X]
severity = "error"
[[tables]]
id = "t"
grid = [3, 2]
[[tables.blocks]]
cell_id = "t.{row}"
columns = [{ key = "v", text = "数", at = "B" }]
rows = [{ key = "x", text = "甲", at = 2 }, { key = "y", text = "乙", at = 3 }]
"""

TARGET = """
id = "newer"
name = "新格式"
first_year = 2021
[[parts]]
key = "a"
heading = "一、甲"
[rules.XY-CARRY]
severity = "warning"
[[tables]]
id = "t"
grid = [3, 2]
[[tables.blocks]]
cell_id = "t.{row}"
columns = [{ key = "v", text = "数", at = "B" }]
rows = [{ key = "x", text = "甲", at = 2 }, { key = "z", text = "丙", at = 3 }]
[[cross_year]]
rule = "XY-CARRY"
this = "t.z"
previous = "t.x"
carry = true
label = "丙"
[[mappings]]
from = "older"
identical = ["t"]
none = [{ match = "t.y", why = "新格式没有乙" }]
sections = { a = "a" }
sections_none = { b = "新格式没有乙部分" }
"""


def write_pair(tmp_path, target=TARGET):
    (tmp_path / "older.toml").write_text(textwrap.dedent(SOURCE), encoding="utf-8")
    path = tmp_path / "newer.toml"
    path.write_text(textwrap.dedent(target), encoding="utf-8")
    return path


def test_a_mapping_and_a_cross_year_rule_load(tmp_path):
    tpl = load_template_file(write_pair(tmp_path))
    m = tpl.mapping_from("older")
    assert m.cells == {"t.x": "t.x"} and m.none == {"t.y": "新格式没有乙"} and m.label == "旧格式"
    [xy] = tpl.cross_year
    assert (xy.this, xy.previous, xy.carry, xy.label, xy.previous_label) == ("t.z", ("t.x",), True, "丙", "丙")
    assert tpl.mapping_from("newer").cells == {"t.x": "t.x", "t.z": "t.z"}
    assert tpl.mapping_from("nope") is None


@pytest.mark.parametrize("change, expected", [
    (lambda s: s.replace('none = [{ match = "t.y", why = "新格式没有乙" }]', ""), "既没有对应项，也没有列入 none"),
    (lambda s: s.replace('match = "t.y"', 'match = "t.q*"'), "不匹配 older 的任何未对应单元格"),
    (lambda s: s.replace('from = "older"', 'from = "oldest"'), "未知的报告格式“oldest”"),
    (lambda s: s.replace('sections_none = { b = "新格式没有乙部分" }', ""), "部分“b”应在 sections 或 sections_none 中"),
    (lambda s: s.replace('sections = { a = "a" }', 'sections = { a = "c" }'), "引用了不存在的部分"),
    (lambda s: s.replace('this = "t.z"', 'this = "t.w"'), "不存在的单元格“t.w”"),
    (lambda s: s.replace('rule = "XY-CARRY"', 'rule = "XY-NOPE"'), "规则“XY-NOPE”未在 [rules] 中声明"),
    (lambda s: s.replace('carry = true', 'carry = true\nplus = ["t.x"]'), "carry = true 只能用于"),
    (lambda s: s.replace('previous = "t.x"\n', ''), "缺少“previous”"),
    (lambda s: s.replace('label = "丙"', 'lable = "丙"'), "不认识的键“lable”"),
])
def test_malformed_cross_year_and_mappings_are_refused(tmp_path, change, expected):
    with pytest.raises(TemplateError) as err:
        load_template_file(write_pair(tmp_path, change(TARGET)))
    assert "newer.toml" in str(err.value) and expected in str(err.value)


def test_every_cell_of_the_earlier_formats_is_mapped_or_explained():
    tpl = load_template("national-2021")
    for source in ("national-2019", "legacy-2008"):
        m = tpl.mapping_from(source)
        src = load_template(source)
        assert set(m.cells) | set(m.none) == set(src.cells)
    m = tpl.mapping_from("national-2019")
    assert m.cells["table3.natural_person.carried_forward"] == "table3.natural_person.carried_forward"
    assert "table2.regulations.total_published" in m.none  # 对外公开总数量 is not 现行有效件数
    assert "table3.total.other" in m.none
    assert load_template("national-2019").mapping_from("legacy-2008").cells == {
        "stats.request.received": "table3.total.new_received"}


# --- The command line -------------------------------------------------------------------------------------------


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_new_from_a_draft_file(capsys, tmp_path):
    out_file = tmp_path / "2025.nianbao.json"
    code, out, err = run(capsys, "new", "--body", "淮安市人民政府", "--year", "2025", "--from", HUAIAN, "-o", out_file)
    assert code == 0, err
    assert "从上年报告开始：淮安市人民政府 2024 年" in out and "填入（6 格）" in out
    data = json.loads(out_file.read_text(encoding="utf-8"))
    assert data["values"]["table3.natural_person.carried_over"] == 103
    assert set(data["unrevised"]) == {"intro", "overview", "problems", "other"}


def test_new_from_legacy_says_what_is_missing(capsys, tmp_path):
    out_file = tmp_path / "2021.nianbao.json"
    code, out, _ = run(capsys, "new", "--body", "武山县人民政府", "--year", "2021", "--from", WUSHAN, "-o", out_file)
    assert code == 0
    assert "上年报告（2008年格式）没有“结转下年度继续办理”，上年结转需手工填写" in out
    assert "所给上年报告是 2016 年度的，不是 2020 年度" in out


def test_new_from_a_store_id_and_the_same_body_and_year_refusal(capsys, tmp_path, nianbao_home):
    code, out, _ = run(capsys, "save", HUAIAN)
    draft_id = int(out.split("编号 ")[1].split("：")[0])
    first = tmp_path / "a.nianbao.json"
    code, out, err = run(capsys, "new", "--body", "淮安市人民政府", "--year", "2025", "--from", draft_id, "-o", first)
    assert code == 0, err
    assert json.loads(first.read_text(encoding="utf-8"))["values"]["table3.natural_person.carried_over"] == 103
    # a draft of 淮安市人民政府 2025 now in the store: a second one is refused unless --force
    code, out, _ = run(capsys, "save", first)
    second = tmp_path / "b.nianbao.json"
    code, _, err = run(capsys, "new", "--body", "淮安市人民政府", "--year", "2025", "--from", draft_id, "-o", second)
    assert code == 2 and "草稿库中已有淮安市人民政府 2025 年的草稿" in err and "--force" in err
    assert not second.exists()
    code, _, _ = run(capsys, "new", "--body", "淮安市人民政府", "--year", "2025", "--from", draft_id, "-o", second,
                     "--force")
    assert code == 0 and second.exists()


def test_a_bundled_sample_is_not_a_draft_of_the_clerk(capsys, tmp_path, nianbao_home):
    code, out, _ = run(capsys, "drafts")
    assert "淮安市人民政府" in out and "示例" in out
    code, _, err = run(capsys, "new", "--body", "淮安市人民政府", "--year", "2024", "-o", tmp_path / "c.nianbao.json")
    assert code == 0, err


@pytest.mark.parametrize("last, reason", [
    ("9999", "找不到草稿（编号 9999）"),
    ("{tmp}/missing.nianbao.json", "文件不存在"),
    (str(HUAIAN), "应早于本报告的年度 2024"),
])
def test_new_from_refuses_an_unusable_last_year(capsys, tmp_path, last, reason):
    out_file = tmp_path / "x.nianbao.json"
    code, _, err = run(capsys, "new", "--body", "某县人民政府", "--year", "2024", "--from",
                       last.replace("{tmp}", str(tmp_path)), "-o", out_file)
    assert code == 2 and reason in err and "Traceback" not in err
    assert not out_file.exists()


def test_new_from_a_word_report(capsys, tmp_path):
    """The docx/xlsx readers are being written; until they exist the command refuses cleanly."""
    docx = tmp_path / "2024.docx"
    have_reader = importlib.util.find_spec("exporters.read_docx") is not None
    if have_reader:
        from exporters.docx import write_docx

        write_docx(read_draft(HUAIAN), docx)
    else:
        docx.write_bytes(b"PK\x03\x04 not really a document")
    out_file = tmp_path / "2025.nianbao.json"
    code, out, err = run(capsys, "new", "--body", "淮安市人民政府", "--year", "2025", "--from", docx, "-o", out_file)
    assert "Traceback" not in err
    if have_reader:
        assert code == 0, err
        assert json.loads(out_file.read_text(encoding="utf-8"))["values"]["table3.natural_person.carried_over"] == 103
    else:
        assert code == 2 and (".docx" in err or "Word" in err)


def test_check_previous_reports_cross_year_breaks_as_warnings(capsys, tmp_path):
    last, d = huaian_2025()
    d.values["table3.natural_person.carried_over"] = 100
    path = tmp_path / "2025.nianbao.json"
    write_draft(d, path)
    code, out, _ = run(capsys, "check", path, "--previous", HUAIAN, "--json")
    problems = json.loads(out)
    assert code == 0  # cross-year breaks are warnings, and blank columns cannot break a balance yet
    xy = [p for p in problems if p["rule"] == "XY-CARRY"]
    assert [p["cells"] for p in xy] == [["table3.natural_person.carried_over"], ["table3.total.carried_over"]]
    assert all(p["severity"] == "warning" for p in xy)
    code, out, _ = run(capsys, "check", path, "--previous", HUAIAN)
    assert "对照上年报告：淮安市人民政府 2024 年" in out and "警告 [XY-CARRY]" in out
    code, out, _ = run(capsys, "check", path)  # without last year's report: no cross-year check
    assert "XY-CARRY" not in out


def test_check_previous_on_a_consistent_pair_exits_0(capsys, tmp_path):
    last = read_draft(HUAIAN)
    d = read_draft(HUAIAN)
    d.year = 2025
    for col in T3_COLS + ["total"]:
        d.values[f"table3.{col}.carried_over"] = last.values.get(f"table3.{col}.carried_forward", 0)
    for col in T3_COLS + ["total"]:  # keep the table balanced: 新收 + 结转 = 办理 + 结转下年
        d.values[f"table3.{col}.new_received"] = (d.values.get(f"table3.{col}.results_total", 0)
                                                 + d.values.get(f"table3.{col}.carried_forward", 0)
                                                 - d.values[f"table3.{col}.carried_over"])
    d.values.update({"table2.regulations.issued": 1, "table2.regulations.abolished": 0,
                     "table2.regulations.in_force": 12, "table2.normative_docs.issued": 8,
                     "table2.normative_docs.abolished": 26, "table2.normative_docs.in_force": 48})
    d.sections = {k: "" for k in d.sections}
    d.sections.update(overview="本年度工作情况。", problems="本年度的问题。", other="无。")
    path = tmp_path / "2025.nianbao.json"
    write_draft(d, path)
    code, out, err = run(capsys, "check", path, "--previous", HUAIAN, "--json")
    assert code == 0, out
    assert [p for p in json.loads(out) if p["rule"].startswith("XY-")] == []


def test_check_previous_refuses_an_unusable_last_year(capsys, tmp_path):
    code, _, err = run(capsys, "check", HUAIAN, "--previous", tmp_path / "none.nianbao.json")
    assert code == 2 and "文件不存在" in err

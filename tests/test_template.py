"""The template files load into the official tables, and a malformed template is refused with a message
naming the file and the place."""

import textwrap

import pytest

from forms.template import Range, TemplateError, available_templates, load_template, load_template_file

# A small but complete template: one table of 3 x 3 with a total column, and one identity.
MINIMAL = """
id = "{id}"
name = "测试格式"
first_year = 2021
[[parts]]
key = "overview"
heading = "一、总体情况"
required = true
[rules.SUM]
severity = "error"
explain = "合计等于各项之和"
[[tables]]
id = "t"
name = "表甲"
grid = [3, 3]
header_rows = 1
labels = [{{ at = "A1", text = "项目" }}]
[[tables.blocks]]
cell_id = "t.{{col}}.{{row}}"
columns = [
  {{ key = "a", text = "甲", at = "B", label_at = "B1" }},
  {{ key = "total", text = "合计", at = "C", label_at = "C1" }},
]
rows = [
  {{ key = "x", text = "第一行", at = 2, label_at = "A2" }},
  {{ key = "y", text = "第二行", at = 3, label_at = "A3" }},
]
[[identities]]
rule = "SUM"
foreach = {{ row = "rows:t" }}
total = "t.total.{{row}}"
parts = ["t.a.{{row}}"]
"""


def write(tmp_path, text, name="tiny"):
    path = tmp_path / f"{name}.toml"
    path.write_text(textwrap.dedent(text).replace("{id}", name), encoding="utf-8")
    return path


def test_minimal_template_loads(tmp_path):
    tpl = load_template_file(write(tmp_path, MINIMAL.format(id="tiny")))
    assert set(tpl.cells) == {"t.a.x", "t.total.x", "t.a.y", "t.total.y"}
    assert tpl.is_computed("t.total.x") and not tpl.is_computed("t.a.x")


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        # an identity naming a cell that does not exist
        (lambda s: s.replace('parts = ["t.a.{row}"]', 'parts = ["t.b.{row}"]'), "不存在的单元格“t.b.x”"),
        # two cells with the same id
        (lambda s: s.replace('cell_id = "t.{col}.{row}"', 'cell_id = "t.{col}"'), "单元格 id “t.a” 重复"),
        # a label merged over a data cell
        (lambda s: s.replace('at = "A1", text = "项目"', 'at = "A1:B2", text = "项目"'), "重叠"),
        # a merge beyond the grid
        (lambda s: s.replace('label_at = "C1"', 'label_at = "C1:D1"'), "超出表格"),
        # a row placed beyond the grid
        (lambda s: s.replace('at = 3, label_at = "A3"', 'at = 4, label_at = "A4"'), "超出表格"),
        # an identity whose rule is not declared
        (lambda s: s.replace('rule = "SUM"', 'rule = "NOPE"'), "规则“NOPE”未在 [rules] 中声明"),
        # an address that is not A1
        (lambda s: s.replace('at = "A1", text', 'at = "1A", text'), "不是 A1 地址"),
        # a part naming a table that does not exist
        (lambda s: s.replace('required = true', 'required = true\ntables = ["nope"]'), "不存在的表格“nope”"),
        # a severity that is not one of ours
        (lambda s: s.replace('severity = "error"', 'severity = "fatal"'), "严重程度“fatal”"),
        # a required key missing
        (lambda s: s.replace('grid = [3, 3]', ''), "缺少“grid”"),
        # not TOML at all
        (lambda s: s + "\n[[[", "不是有效的 TOML"),
        # heading keywords that are not a list of words
        (lambda s: s.replace('required = true', 'required = true\nheading_keywords = "概述"'), "heading_keywords"),
        # a total that is its own part
        (lambda s: s.replace('parts = ["t.a.{row}"]', 'parts = ["t.total.{row}"]'), "不能同时是自己的组成部分"),
    ],
)
def test_malformed_template_is_refused_naming_file_and_place(tmp_path, change, expected):
    path = write(tmp_path, change(MINIMAL.format(id="tiny")))
    with pytest.raises(TemplateError) as err:
        load_template_file(path)
    assert "tiny.toml" in str(err.value)
    assert expected in str(err.value)


def test_totals_depending_on_each_other_are_refused(tmp_path):
    text = MINIMAL.format(id="tiny") + textwrap.dedent("""
        [[identities]]
        rule = "SUM"
        total = "t.a.x"
        parts = ["t.total.x"]
    """)
    with pytest.raises(TemplateError, match="总计互相依赖"):
        load_template_file(write(tmp_path, text))


def test_unknown_template_id_names_the_known_ones():
    with pytest.raises(TemplateError, match="national-2021"):
        load_template("national-2099")


def test_range_parsing():
    assert Range.parse("A1:C3") == Range(1, 1, 3, 3)
    assert Range.parse("AA10").a1() == "AA10"
    assert Range.parse("B6:D6").is_merge
    with pytest.raises(ValueError):
        Range.parse("C3:A1")


def test_the_three_official_templates_load():
    assert {"national-2021", "national-2019", "legacy-2008"} <= set(available_templates())
    for tid in ("national-2021", "national-2019", "legacy-2008"):
        tpl = load_template(tid)
        assert tpl.cells and tpl.identities and tpl.parts


def test_national_2021_table_three_is_the_official_grid():
    t3 = load_template("national-2021").table("table3")
    assert (t3.rows, t3.cols, t3.header_rows) == (28, 10, 3)
    labels = {lab.at.a1(): lab.text for lab in t3.labels}
    assert labels["A1:C3"] == "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
    assert labels["A6:A27"] == "三、本年度办理结果"
    assert labels["B7:C7"] == "（二）部分公开（区分处理的，只计这一情形，不计其他情形）"
    assert labels["C25"] == "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"
    assert labels["A28:C28"] == "四、结转下年度继续办理"
    assert labels["E2:I2"] == "法人或其他组织" and labels["J2:J3"] == "总计"
    cells = {c.at.a1(): c.id for c in t3.cells}
    assert cells["D4"] == "table3.natural_person.new_received"
    assert cells["J27"] == "table3.total.results_total"
    assert cells["I24"] == "table3.other_org.other.overdue_correction"
    assert len(t3.cells) == 7 * 25


def test_national_2021_tables_two_and_four():
    tpl = load_template("national-2021")
    t2 = {c.id: c for c in tpl.table("table2").cells}
    assert t2["table2.admin_license.decisions"].at.a1() == "B7:D7"
    assert t2["table2.admin_fees.amount"].kind == "money" and t2["table2.admin_fees.amount"].unit == "万元"
    t4 = {c.at.a1(): c.id for c in tpl.table("table4").cells}
    assert t4["E4"] == "table4.review.total" and t4["O4"] == "table4.litigation_after_review.total"
    assert {lab.at.a1(): lab.text for lab in tpl.table("table4").labels}["K2:O2"] == "复议后起诉"


def test_every_rule_of_the_reference_is_declared_with_its_severity():
    tpl = load_template("national-2021")
    assert {r: tpl.rules[r].severity for r in ("T3-BAL", "T3-SUM", "T3-ROW", "T4-SUM", "NONNEG")} == dict.fromkeys(
        ("T3-BAL", "T3-SUM", "T3-ROW", "T4-SUM", "NONNEG"), "error")
    assert tpl.rules["BLANK"].severity == "warning"
    by_rule = {}
    for ident in tpl.identities:
        by_rule[ident.rule] = by_rule.get(ident.rule, 0) + 1
    assert by_rule == {"T3-ROW": 25, "T3-SUM": 7, "T3-BAL": 7, "T4-SUM": 3}
    legacy = load_template("legacy-2008")
    for rule, severity in {"L-REQ": "error", "L-CLS": "error", "L-ANS": "error", "L-REF": "warning",
                           "L-REV": "error", "L-LIT": "error", "L-STF": "error", "L-SUB": "error",
                           "L-CH": "warning"}.items():
        assert legacy.rules[rule].severity == severity
        assert any(i.rule == rule for i in legacy.identities)


def test_national_2019_has_the_single_other_row():
    tpl = load_template("national-2019")
    assert "table3.natural_person.other" in tpl.cells
    assert "table3.natural_person.other.other" not in tpl.cells
    assert "table2.admin_license.change" in tpl.cells and tpl.cells["table2.admin_license.change"].kind == "signed"

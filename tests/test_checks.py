"""The check engine: identities of the template, number formats, blanks, required parts; and the property
that a consistent draft passes while changing one input breaks exactly the identities that contain it."""

from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from forms.checks import check, completed_values, derived_values, effective_value
from forms.draft import Draft, new_draft
from forms.template import load_template

T3_COLS = ["natural_person", "commercial_enterprise", "research_institution", "public_welfare_org",
           "legal_service_org", "other_org"]


def filled(template="national-2021", value=1) -> Draft:
    """A draft with every input cell set to `value`, balanced, every part written."""
    d = new_draft(template, "某某县人民政府", 2024)
    for cell in d.tpl.input_cells:
        d.values[cell.id] = Decimal(value) if cell.kind == "money" else value
    for key in d.sections:
        d.sections[key] = "内容"
    if template.startswith("national"):
        results = sum(1 for r in d.tpl.table("table3").row_keys
                      if r not in ("new_received", "carried_over", "results_total", "carried_forward"))
        for col in T3_COLS:  # 一 + 二 = 三 + 四
            d.values[f"table3.{col}.new_received"] = results * value
    return d


def by_rule(problems, rule):
    return [p for p in problems if p.rule == rule]


def test_a_complete_balanced_draft_has_no_problem():
    assert check(filled()) == []


def test_totals_are_computed_not_typed():
    d = filled()
    values = completed_values(d)
    assert values["table3.total.granted"] == 6
    assert values["table3.natural_person.results_total"] == 21
    assert values["table3.total.results_total"] == 126
    assert values["table4.review.total"] == 4
    assert derived_values(d)["table3.total.denied"] == 48


def test_a_stated_total_that_differs_is_an_error_naming_the_cell_and_both_figures():
    d = filled()
    d.values["table4.review.total"] = 0  # 洪泽 2023: 维持 10, 纠正 1, 总计 0
    [p] = check(d)
    assert (p.severity, p.rule) == ("error", "T4-SUM")
    assert p.cells[0] == "table4.review.total"
    assert "表四“行政复议·总计”填的是 0" in p.message and "各项相加是 4" in p.message and "应为 4" in p.message


def test_the_row_total_of_table_three_is_reported_on_its_row():
    d = filled()
    d.values["table3.total.granted"] = 5
    [p] = check(d)
    assert p.rule == "T3-ROW"
    assert "表三“三、本年度办理结果（一）予以公开”行“总计”列填的是 5" in p.message
    assert "应为 6" in p.message


def test_balance_is_reported_per_column_in_the_tables_own_words():
    d = filled()
    d.values["table3.research_institution.carried_forward"] = 4
    problems = check(d)
    # the column itself, and the 总计 column computed from it
    bal, total = by_rule(problems, "T3-BAL")
    assert total.cells[0] == "table3.total.new_received"
    assert bal.cells == ("table3.research_institution.new_received", "table3.research_institution.carried_over",
                         "table3.research_institution.results_total", "table3.research_institution.carried_forward")
    assert bal.message.startswith("表三“法人或其他组织·科研机构”列：")
    assert "“四、结转下年度继续办理”（4）" in bal.message and "现相差 3" in bal.message
    assert [p.rule for p in problems] == ["T3-BAL", "T3-BAL"]


def test_negative_and_fractional_counts_and_bad_money():
    d = filled()
    d.values["table2.regulations.issued"] = -3
    d.values["table2.regulations.abolished"] = Decimal("1.5")
    d.values["table2.admin_fees.amount"] = Decimal("1.23456")
    msgs = {p.cells[0]: p.message for p in by_rule(check(d), "NONNEG")}
    assert "不能为负数" in msgs["table2.regulations.issued"]
    assert "必须是整数" in msgs["table2.regulations.abolished"]
    assert "最多保留 4 位小数" in msgs["table2.admin_fees.amount"]
    assert all(p.severity == "error" for p in by_rule(check(d), "NONNEG"))


def test_blank_cells_are_one_warning_per_table_never_zero():
    d = filled()
    del d.values["table3.natural_person.granted"]
    del d.values["table3.other_org.other.other"]
    del d.values["table4.review.upheld"]
    problems = check(d)
    blanks = by_rule(problems, "BLANK")
    assert [p.cells for p in blanks] == [("table3.natural_person.granted", "table3.other_org.other.other"),
                                        ("table4.review.upheld",)]
    assert all(p.severity == "warning" for p in blanks)
    assert "表三有 2 个空格未填" in blanks[0].message and "没有发生的情形请填0" in blanks[0].message
    # a blank is summed as nothing: the totals still come out, one short
    assert completed_values(d)["table4.review.total"] == 3


def test_an_empty_draft_reports_required_parts_and_blanks_but_no_identity():
    problems = check(new_draft("national-2021", "某某县人民政府", 2024))
    assert {p.rule for p in problems} == {"REQUIRED", "BLANK"}
    assert {p.section for p in by_rule(problems, "REQUIRED")} == {"overview", "problems", "other"}
    assert len(by_rule(problems, "BLANK")) == 3


def test_an_unstated_total_is_computed_and_a_stated_one_is_used_as_stated():
    tpl = load_template("national-2021")
    values = {"table4.review.upheld": 2, "table4.review.other": 1}
    assert effective_value(tpl, values, "table4.review.total") == 3
    values["table4.review.total"] = 7
    assert effective_value(tpl, values, "table4.review.total") == 7


# --- Properties ----------------------------------------------------------------------------------------------


def balanced_draft(tpl, draw) -> Draft:
    """Random inputs, then every identity made to hold, then every total stated, as an imported report would."""
    values = {}
    for cell in tpl.input_cells:
        n = draw(st.integers(0, 60))
        values[cell.id] = Decimal(n) / 4 if cell.kind == "money" else (n - 30 if cell.kind == "signed" else n)
    comparisons = [i for i in tpl.identities if i.total is None]
    for _ in range(10):  # settle the non-total identities (a few passes suffice: they barely interact)
        for ident in comparisons + [i for i in tpl.identities if i.total and not i.computed]:
            settle(tpl, values, ident)
    for cid in tpl.computed_by:
        values[cid] = effective_value(tpl, {k: v for k, v in values.items() if k not in tpl.computed_by}, cid)
    d = new_draft(tpl.id, "某某县人民政府", 2024)
    d.values = values
    d.sections = {k: "内容" for k in d.sections}
    return d


def settle(tpl, values, ident):
    side = lambda cells: sum(effective_value(tpl, values, c, {}) or 0 for c in cells)  # noqa: E731
    if ident.total and not ident.computed:
        values[ident.total] = side(ident.right)
        return
    free = next((c for c in ident.left if c not in tpl.computed_by), None)
    if free is None:  # e.g. T3-BAL of the 总计 column: it holds once every other column does
        return
    gap = side(ident.right) - side(ident.left)
    if ident.op == "==" or gap < 0:
        values[free] += gap
        if values[free] < 0:  # cannot go below zero: raise the right side instead
            target = next(c for c in reversed(ident.right) if c not in tpl.computed_by)
            values[target] -= values[free]
            values[free] = 0


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), template=st.sampled_from(["national-2021", "national-2019", "legacy-2008"]))
def test_balanced_drafts_pass_and_one_changed_input_breaks_exactly_its_identities(data, template):
    tpl = load_template(template)
    d = balanced_draft(tpl, data.draw)
    assert [p for p in check(d) if p.rule != "BLANK"] == []
    cell = data.draw(st.sampled_from(tpl.input_cells))
    bump = data.draw(st.integers(1, 5))
    d.values[cell.id] += bump
    failed = {(p.rule, p.cells) for p in check(d) if p.severity in ("error", "warning")}
    containing = {(i.rule, i.cells) for i in tpl.identities if cell.id in i.cells}
    must_fail = {(i.rule, i.cells) for i in tpl.identities if cell.id in i.cells and i.op == "=="}
    assert must_fail <= failed <= containing

"""Proofreading (forms/textcheck.py): garbled text, Traditional characters, half-width punctuation, figures of
the narrative against the tables (TXT-TBL), the year and body named in the text, text copied from last
year; each with true and false cases, on the real sample reports and on text of our own."""

import json
import textwrap
from datetime import date

import pytest

from forms import textcheck
from forms.checks import Problem, check
from forms.deadlines import export_after_deadline
from forms.draft import new_draft, read_draft
from forms.template import TemplateError, load_template_file
from forms.textcheck import (
    FIX_FULLWIDTH,
    FIX_T2S,
    apply_fix,
    fixed_text,
    garbled_spans,
    to_fullwidth,
    to_simplified,
)
from tests.conftest import DATA

HUAIAN = DATA / "2024_淮安市_人民政府.nianbao.json"
HONGZE = DATA / "2023_淮安市洪泽区_人民政府.nianbao.json"
SHANGHAI = DATA / "2019_上海市_人民政府办公厅.nianbao.json"
WUSHAN = DATA / "2016_武山县_人民政府.nianbao.json"

TEXT_RULES = {"TEXT-GARBLED", "TEXT-TRAD", "TEXT-HALFWIDTH", "TXT-TBL", "TEXT-YEAR", "TEXT-BODY", "TEXT-COPIED",
              "TEXT-UNREVISED"}


def text_problems(draft, previous=None, rule=None):
    return [p for p in check(draft, previous) if p.rule in TEXT_RULES and (rule is None or p.rule == rule)]


def draft_with(text: str, key="overview", year=2024, body="某某县人民政府", template="national-2021"):
    d = new_draft(template, body, year)
    d.sections[key] = text
    return d


def marked(draft, problem: Problem, i=0) -> str:
    place = problem.places[i]
    par = draft.sections[problem.section].split("\n")[place.paragraph]
    return par[place.offset:place.offset + place.length]


# --- The real reports ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", [HUAIAN, HONGZE])
def test_consistent_simplified_reports_have_no_text_warning_at_all(path):
    assert text_problems(read_draft(path)) == []


def test_wushan_2016_shows_garbled_traditional_and_halfwidth_and_the_fixes_fix_what_they_can():
    d = read_draft(WUSHAN)
    problems = text_problems(d)
    [garbled] = [p for p in problems if p.rule == "TEXT-GARBLED"]
    assert garbled.section == "problems" and garbled.severity == "warning"
    assert "乱码" in garbled.message and "上?? ???????¤?" in garbled.message
    assert garbled.fix is None
    assert marked(d, garbled) == "?? ???????¤?"
    trad = [p for p in problems if p.rule == "TEXT-TRAD"]
    assert {p.section for p in trad} == set(d.sections)  # every part is in Traditional characters
    counts = [int(p.message.split("有 ")[1].split(" 个")[0]) for p in trad]
    assert sum(counts) > 500 and all("繁体" in p.message for p in trad)
    assert all(p.fix == FIX_T2S for p in trad)
    assert marked(d, next(p for p in trad if p.section == "intro")) == "華"
    half = [p for p in problems if p.rule == "TEXT-HALFWIDTH"]
    assert half and all("半角" in p.message and p.fix == FIX_FULLWIDTH for p in half)
    assert {marked(d, p, i) for p in half for i in range(len(p.places))} <= set(",;:()?!")
    # the numbers the narrative states agree with the statistics form
    assert [p for p in problems if p.rule == "TXT-TBL"] == []

    for p in trad + half:
        assert apply_fix(d, p)
    after = text_problems(d)
    assert [p.rule for p in after] == ["TEXT-GARBLED"]  # 乱码 cannot be fixed automatically
    assert "按照《中华人民共和国政府信息公开条例》（以下简称《条例》）和《天水市2016年政务公开工作要点》的要求，" \
           "结合我县工作实际" in d.sections["intro"]
    assert "我县政府信息公开工作人员共58人，其中县政府网站7人，各子站51人，均为兼职。" in d.sections["organisation"]
    assert "（一）存在的问题" in d.sections["problems"]


def test_shanghai_2019_half_width_commas_are_true_positives():
    d = read_draft(SHANGHAI)
    half = text_problems(d, rule="TEXT-HALFWIDTH")
    assert {p.section for p in half} == {"overview", "problems"}
    assert "解读,通过" in half[0].message
    assert [p for p in text_problems(d) if p.rule in ("TEXT-TRAD", "TEXT-GARBLED", "TEXT-YEAR", "TEXT-BODY")] == []


def test_text_problems_are_json_compatible_and_errors_keep_their_shape():
    d = read_draft(WUSHAN)
    items = [p.to_json() for p in check(d)]
    json.dumps(items, ensure_ascii=False)
    trad = next(i for i in items if i["rule"] == "TEXT-TRAD")
    assert set(trad) == {"severity", "rule", "cells", "message", "section", "places", "fix"}
    assert set(trad["places"][0]) == {"paragraph", "offset", "length"}
    hongze = [p.to_json() for p in check(read_draft(HONGZE)) if p.severity == "error"]
    assert all(set(i) == {"severity", "rule", "cells", "message"} for i in hongze)


# --- Garbled characters ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("text, run", [
    ("保障知情权上?? ???????¤?,奋力推进", "?? ???????¤?"),
    ("本机关\ufffd\ufffd公开", "\ufffd\ufffd"),
    ("政府信息公开\ue000工作", "\ue000"),
    ("政府â€œ信息公开工作", "â€œ"),
    ("政府Ã信息", "Ã"),
    ("上??年", "??"),
])
def test_garbled_text_is_found_and_quoted(text, run):
    d = draft_with(text)
    [p] = text_problems(d, rule="TEXT-GARBLED")
    assert "乱码" in p.message and run in p.message and p.fix is None
    assert marked(d, p).startswith(run[:2])


@pytest.mark.parametrize("text", [
    "是否需要提供纸质件？是否可以邮寄?",  # one question mark is punctuation, not a lost character
    "会场面积120m²，气温25°，比例1×2，±3",
    "阿凡提·买买提同志，§3",
    "咖啡馆 café 的网址",
    "政府\u00a0信息公开",  # a no-break space pasted from a web page
])
def test_characters_that_occur_in_chinese_text_are_not_garbled(text):
    assert [p for p in text_problems(draft_with(text)) if p.rule == "TEXT-GARBLED"] == []
    assert garbled_spans(text) == [] or text.endswith("?")


# --- Traditional characters ------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", [HUAIAN, HONGZE, SHANGHAI])
def test_no_false_traditional_character_in_simplified_reports(path):
    d = read_draft(path)
    for text in d.sections.values():
        for par in text.split("\n"):
            assert textcheck._traditional_positions(par) == ()


def test_simplified_characters_that_look_traditional_are_not_counted():
    text = "取得显著成效，著作权保护，乾坤，于是，里面，出租车，游览，松树，准确，复议，台湾。"
    assert text_problems(draft_with(text)) == []


def test_traditional_characters_are_counted_marked_and_converted_except_kept_titles():
    d = draft_with("本縣印發了《政府資訊公開辦法》和《關於加強管理的通知》。")
    [p] = text_problems(d)
    assert p.rule == "TEXT-TRAD" and "繁体" in p.message and "9 个" in p.message
    assert [marked(d, p, i) for i in range(len(p.places))] == ["縣", "發", "資訊", "開辦", "關於", "強"]
    d.extra["keep_traditional"] = ["《政府資訊公開辦法》"]
    [p] = text_problems(d)
    assert "5 个" in p.message and "保留" in p.message
    assert fixed_text(d, p) == "本县印发了《政府資訊公開辦法》和《关于加强管理的通知》。"
    apply_fix(d, p)
    assert text_problems(d) == []


def test_to_simplified_keeps_every_occurrence_of_a_kept_string():
    assert to_simplified("《條例》與《條例》，條例", ("《條例》",)) == "《條例》与《條例》，条例"


# --- Half-width punctuation ------------------------------------------------------------------------------------


@pytest.mark.parametrize("text, fixed", [
    ("2016年,我县共有58人;其中:兼职58人", "2016年，我县共有58人；其中：兼职58人"),
    ("(一)存在的问题", "（一）存在的问题"),
    ("按照《条例》(以下简称《条例》)要求", "按照《条例》（以下简称《条例》）要求"),
    ("是否依法公开?是的!", "是否依法公开？是的！"),
    ("网站(www.huaian.gov.cn)下载", "网站（www.huaian.gov.cn）下载"),
])
def test_half_width_punctuation_in_chinese_text_is_found_and_made_full_width(text, fixed):
    d = draft_with(text)
    [p] = text_problems(d)
    assert p.rule == "TEXT-HALFWIDTH" and "半角" in p.message and p.fix == FIX_FULLWIDTH
    assert fixed_text(d, p) == fixed == to_fullwidth(text)
    apply_fix(d, p)
    assert text_problems(d) == []


@pytest.mark.parametrize("text", [
    "全年收费1,234元，增长3.5%。",
    "会议于2024-01-20 10:30召开。",
    "网址：http://www.huaian.gov.cn/col/a.html?id=1&b=2，邮箱：hazwgkc@163.com。",
    "Hello, world (test): done? yes!",
    "电话：0517-83605210（传真）。",
])
def test_numbers_dates_addresses_and_latin_text_are_left_alone(text):
    assert text_problems(draft_with(text)) == []
    assert to_fullwidth(text) == text


# --- TXT-TBL ---------------------------------------------------------------------------------------------------


def test_txt_tbl_fires_when_a_table_contradicts_the_narrative():
    d = read_draft(HUAIAN)
    d.values["table4.review.total"] = 350
    [p] = text_problems(d)
    assert p.rule == "TXT-TBL" and p.section == "overview"
    assert "行政复议351件" in p.message and "351" in p.message and "350" in p.message
    assert p.cells == ("table4.review.total",)
    assert marked(d, p) == "行政复议351件"


def test_txt_tbl_fires_when_the_narrative_contradicts_the_table():
    d = read_draft(HUAIAN)
    d.sections["overview"] = d.sections["overview"].replace("受理政府信息公开申请3119件", "受理政府信息公开申请3000件")
    [p] = text_problems(d)
    assert p.rule == "TXT-TBL" and "3000" in p.message and "3119" in p.message
    assert "受理政府信息公开申请3000件" in p.message


def test_litigation_breakdown_is_the_sum_of_both_kinds_and_review_its_own():
    d = read_draft(HUAIAN)
    d.values["table4.litigation_direct.upheld"] = 14  # 14 + 12 = 26, the text says 维持 25
    d.values["table4.litigation_direct.total"] = 27
    msgs = [p.message for p in text_problems(d)]
    assert len(msgs) == 2
    assert any("行政诉讼46件" in m and "46" in m and "47" in m for m in msgs)
    assert any("行政诉讼结果维持 25" in m and "26" in m for m in msgs)


def test_the_derived_denied_figure_and_a_money_figure_are_compared():
    d = read_draft(HUAIAN)
    d.sections["other"] += "\n全年不予公开178件，行政事业性收费96171.6万元。"
    assert text_problems(d) == []
    d.sections["other"] = d.sections["other"].replace("不予公开178件", "不予公开170件")
    d.sections["other"] = d.sections["other"].replace("96171.6万元", "96171.5万元")
    msgs = sorted(p.message for p in text_problems(d))
    assert len(msgs) == 2
    assert "不予公开 170" in msgs[0] and "178" in msgs[0] and "（三）不予公开" in msgs[0]
    assert "96171.5" in msgs[1] and "96171.6" in msgs[1]


@pytest.mark.parametrize("sentence", [
    "2024年，市政府网站主动公开各类政府信息5500余条，制作政策解读21个。",
    "全市在运维政务新媒体共计95个，合格率均为100%，答复率达98.5%。",
    "全年收取政府信息公开信息处理费3940元。",
    "受理政府信息公开申请3153件（含上年结转34件）。",  # includes last year's: not the 新收 figure
    "受理行政复议申请5件。",  # not an application for information
    "按时答复3000件，延期答复50件。",  # parts of the answers, not all of them
    "结果维持72件。",  # no topic in the clause: whose 维持?
    "予以公开及部分公开1816件。",
])
def test_numbers_that_are_not_the_tables_counts_are_left_alone(sentence):
    d = read_draft(HUAIAN)
    d.sections["problems"] += "\n" + sentence
    assert text_problems(d) == []


def test_a_blank_cell_is_not_compared():
    d = read_draft(HUAIAN)
    del d.values["table4.review.total"]
    for k in ("upheld", "corrected", "other", "pending"):
        del d.values[f"table4.review.{k}"]
    assert text_problems(d) == []


def test_the_topic_nearest_before_a_figure_decides_whose_it_is():
    d = new_draft("national-2021", "某某县人民政府", 2024)
    for group, (u, c, o, pend) in {"review": (2, 0, 0, 0), "litigation_direct": (1, 0, 0, 0),
                                    "litigation_after_review": (0, 0, 0, 0)}.items():
        for k, v in zip(("upheld", "corrected", "other", "pending"), (u, c, o, pend), strict=True):
            d.values[f"table4.{group}.{k}"] = v
    d.sections["overview"] = "行政复议2件，结果维持2件，行政诉讼1件，其中结果维持1件。"
    assert text_problems(d) == []
    d.sections["overview"] = "行政复议2件，行政诉讼1件，其中结果维持2件。"
    [p] = text_problems(d)
    assert "行政诉讼结果维持 2" in p.message


def test_legacy_reports_are_read_in_traditional_characters():
    d = read_draft(WUSHAN)
    d.values["stats.proactive.total"] = 18000
    [p] = [p for p in text_problems(d) if p.rule == "TXT-TBL"]
    assert "18778" in p.message and "18000" in p.message and "主動公開政府信息18778條" in p.message


# --- TEXT-YEAR, TEXT-BODY ----------------------------------------------------------------------------------------


def test_another_year_in_the_title_or_the_statistics_period_is_flagged():
    d = read_draft(HUAIAN)
    d.sections["intro"] = d.sections["intro"].replace("统计期限自2024年1月1日", "统计期限自2023年1月1日")
    d.sections["overview"] += "\n详见《淮安市人民政府2023年政府信息公开工作年度报告》。"
    problems = text_problems(d)
    assert [p.rule for p in problems] == ["TEXT-YEAR", "TEXT-YEAR"]
    assert "统计期限自2023年1月1日至2024年12月31日" in problems[0].message and "2023" in problems[0].message
    assert "2023年政府信息公开工作年度报告" in problems[1].message


def test_other_years_in_ordinary_text_are_not_flagged():
    d = read_draft(HUAIAN)
    d.sections["overview"] += "\n2023年以来，我市持续推进政务公开，较2022年增长10%。"
    assert text_problems(d) == []


def test_another_body_in_the_made_by_sentence_is_flagged_conservatively():
    d = read_draft(HUAIAN)
    d.sections["intro"] = d.sections["intro"].replace("本报告由淮安市人民政府办公室", "本报告由洪泽区人民政府办公室")
    [p] = text_problems(d)
    assert p.rule == "TEXT-BODY" and "洪泽区人民政府办公室" in p.message and "淮安市人民政府" in p.message
    for made_by in ("本报告由市政府办公室", "本报告由本机关办公室"):
        d.sections["intro"] = read_draft(HUAIAN).sections["intro"].replace("本报告由淮安市人民政府办公室", made_by)
        assert text_problems(d) == []
    hongze = read_draft(HONGZE)  # its own short name is fine
    hongze.sections["intro"] = hongze.sections["intro"].replace("淮安市洪泽区人民政府办公室根据", "洪泽区人民政府办公室根据")
    assert text_problems(hongze) == []


# --- TEXT-COPIED, TEXT-UNREVISED ---------------------------------------------------------------------------------


def test_text_copied_from_last_year_says_how_much():
    last = read_draft(HUAIAN)
    d = new_draft("national-2021", "淮安市人民政府", 2025)
    d.sections["problems"] = last.sections["problems"].replace("政策解读", "政策宣传")
    [p] = text_problems(d, last)
    assert p.rule == "TEXT-COPIED" and p.section == "problems"
    assert "与上年报告相同部分约 9" in p.message and "%" in p.message
    d.sections["problems"] = "今年我们发现三个新问题：一是依申请公开办理流程不够规范；二是基层政务公开专区建设滞后；三是培训覆盖面不足。"
    assert text_problems(d, last) == []
    d.sections["other"] = last.sections["other"]  # short parts are allowed to repeat
    d.sections["other"] = "无。"
    assert text_problems(d, read_draft(HUAIAN)) == []


def test_unrevised_part_warns_until_edited_and_is_not_reported_twice():
    last = read_draft(HUAIAN)
    d = new_draft("national-2021", "淮安市人民政府", 2025)
    d.sections["problems"] = last.sections["problems"]
    d.extra["unrevised"] = {"problems": textcheck.text_hash(last.sections["problems"])}
    [p] = text_problems(d, last)
    assert p.rule == "TEXT-UNREVISED" and "本部分是从上年报告复制的，尚未修改" in p.message
    d.sections["problems"] += "此外，今年新发现的问题另行说明。"
    [p] = text_problems(d, last)
    assert p.rule == "TEXT-COPIED"
    assert text_problems(d) == []  # without last year's report only the marker could say so


def test_check_without_previous_does_not_compare_with_last_year():
    d = read_draft(HUAIAN)
    assert [p for p in check(d) if p.rule.startswith("XY-") or p.rule == "TEXT-COPIED"] == []


# --- The template section [[narrative_figures]] is validated like the rest ------------------------------------

MINIMAL = """
id = "tiny"
name = "测试格式"
first_year = 2021
[[parts]]
key = "overview"
heading = "一、总体情况"
[rules.SUM]
severity = "error"
[rules.TXT-TBL]
severity = "warning"
[[tables]]
id = "t"
name = "表甲"
grid = [2, 2]
[[tables.blocks]]
cell_id = "t.{col}.{row}"
columns = [{ key = "a", text = "甲", at = "B" }]
rows = [{ key = "x", text = "第一行", at = 2 }]
[[narrative_figures]]
name = "甲"
pattern = '甲{n}件'
value = "t.a.x"
"""


@pytest.mark.parametrize("change, expected", [
    (lambda s: s.replace("甲{n}件", "甲件"), "恰好有一个 {n}"),
    (lambda s: s.replace("甲{n}件", "甲({n}件"), "不是有效的正则表达式"),
    (lambda s: s.replace('value = "t.a.x"', 'value = "t.b.x"'), "不存在的单元格或派生数“t.b.x”"),
    (lambda s: s.replace('value = "t.a.x"', 'value = "t.a.x"\nwithin = "[甲"'), "within 不是有效的正则表达式"),
    (lambda s: s.replace('value = "t.a.x"', 'value = []'), "value 应为"),
])
def test_malformed_narrative_figures_are_refused(tmp_path, change, expected):
    path = tmp_path / "tiny.toml"
    path.write_text(change(textwrap.dedent(MINIMAL)), encoding="utf-8")
    with pytest.raises(TemplateError) as err:
        load_template_file(path)
    assert "tiny.toml" in str(err.value) and expected in str(err.value)


def test_a_minimal_narrative_figure_loads_and_checks(tmp_path):
    path = tmp_path / "tiny.toml"
    path.write_text(textwrap.dedent(MINIMAL), encoding="utf-8")
    tpl = load_template_file(path)
    [fig] = tpl.narrative_figures
    assert fig.pattern.search("共甲 12 件").group("n") == "12"
    assert fig.pattern.search("共甲112件").group("n") == "112"


# --- Deadline ----------------------------------------------------------------------------------------------------


def test_export_after_deadline():
    assert export_after_deadline("县级以上人民政府", 2024, date(2025, 3, 31)) is None
    msg = export_after_deadline("县级以上人民政府", 2024, date(2025, 4, 1))
    assert msg.startswith("已超过法定公布期限（") and "2025年3月31日" in msg
    assert "2025年1月31日" in export_after_deadline("部门", 2024, date(2025, 2, 1))
    assert export_after_deadline("乡镇街道", 2024, date(2026, 1, 1)) is None

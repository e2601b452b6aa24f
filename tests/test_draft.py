"""Draft files: written and read back exactly, older versions migrated, unusable files refused with a reason."""

import json
from decimal import Decimal

import pytest

from forms.draft import (
    FORMAT_VERSION,
    DraftError,
    dumps,
    loads,
    new_draft,
    read_draft,
    template_for_year,
    write_draft,
)


def minimal(**changes):
    data = {"format": "nianbao-draft", "format_version": 1, "template": "national-2021",
            "body": "某某县人民政府", "year": 2024, "meta": {}, "sections": {}, "values": {}}
    data.update(changes)
    return json.dumps(data, ensure_ascii=False)


def test_round_trip_keeps_every_value_section_and_meta(tmp_path):
    d = new_draft("national-2021", "某某县人民政府", 2024, {"office": "某某县人民政府办公室", "phone": "0512-1"})
    d.sections["overview"] = "第一段\n第二段"
    d.set("table3.natural_person.new_received", 21)
    d.set("table2.admin_fees.amount", Decimal("7730.28"))
    d.extra["acknowledged"] = {"BLANK:table3": "本年无法人申请"}
    path = tmp_path / "a.nianbao.json"
    write_draft(d, path)
    back = read_draft(path)
    assert back == d
    raw = json.loads(path.read_text(encoding="utf-8"))
    # money travels as a decimal string, a count as a JSON integer (draft-file.md)
    assert raw["values"]["table2.admin_fees.amount"] == "7730.28"
    assert raw["values"]["table3.natural_person.new_received"] == 21
    assert raw["format_version"] == FORMAT_VERSION


def test_json_numbers_for_money_never_pass_through_float():
    d = loads(minimal(values={"table2.admin_fees.amount": 0.1, "table2.regulations.issued": 3}))
    assert d.get("table2.admin_fees.amount") == Decimal("0.1")
    assert isinstance(d.get("table2.regulations.issued"), int)


def test_null_or_absent_is_blank_not_zero():
    d = loads(minimal(values={"table2.regulations.issued": None, "table2.regulations.abolished": 0}))
    assert d.get("table2.regulations.issued") is None
    assert d.get("table2.regulations.abolished") == 0
    assert "table2.regulations.issued" not in d.values


def test_a_hand_made_version_0_file_is_migrated(tmp_path):
    v0 = {"format": "nianbao-draft", "format_version": 0, "template": "national-2021",
          "organ": "某某县教育局", "year": 2022, "contact": {"phone": "0931-1"},
          "parts": {"overview": "总体情况"}, "cells": {"table4.review.upheld": 2, "table4.review.other": ""}}
    path = tmp_path / "old.nianbao.json"
    path.write_text(json.dumps(v0, ensure_ascii=False), encoding="utf-8")
    d = read_draft(path)
    assert (d.body, d.year, d.meta, d.sections["overview"]) == ("某某县教育局", 2022, {"phone": "0931-1"}, "总体情况")
    assert d.values == {"table4.review.upheld": 2}
    assert json.loads(dumps(d))["format_version"] == 1


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("{not json", "不是有效的 JSON"),
        ('["a"]', "不是一个 JSON 对象"),
        (minimal(format="something-else"), "不是年报草稿文件"),
        (minimal(template="national-2099"), "未知的报告格式“national-2099”"),
        (minimal(values={"table3.nobody.granted": 1}), "没有单元格“table3.nobody.granted”"),
        (minimal(values={"table2.regulations.issued": "三件"}), "table2.regulations.issued"),
        (minimal(values={"table2.regulations.issued": True}), "不是数字"),
        (minimal(sections={"fees_review": "x"}), "没有名为“fees_review”的部分"),
        (minimal(year="2024"), "年度“2024”无效"),
        (minimal(body=""), "缺少机关全称"),
        (minimal(format_version=9), "更新版本"),
        ('{"format": "nianbao-draft", "values": {"a": NaN}}', "不是有效的 JSON"),
    ],
)
def test_unusable_files_are_refused_with_the_reason(text, reason):
    with pytest.raises(DraftError) as err:
        loads(text, "x.nianbao.json")
    assert reason in str(err.value)
    assert "\n" not in str(err.value)


def test_negative_and_fractional_counts_are_kept_for_check_to_report():
    d = loads(minimal(values={"table2.regulations.issued": -3, "table2.regulations.abolished": 1.5}))
    assert d.get("table2.regulations.issued") == -3
    assert d.get("table2.regulations.abolished") == Decimal("1.5")


def test_missing_and_binary_files_are_refused(tmp_path):
    with pytest.raises(DraftError, match="文件不存在"):
        read_draft(tmp_path / "none.nianbao.json")
    junk = tmp_path / "junk.nianbao.json"
    junk.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(DraftError, match="不是 UTF-8"):
        read_draft(junk)


def test_write_is_atomic_and_leaves_no_temporary_files(tmp_path):
    d = new_draft("national-2021", "某某县人民政府", 2024)
    path = tmp_path / "a.nianbao.json"
    path.write_text("old", encoding="utf-8")
    write_draft(d, path)
    assert [p.name for p in tmp_path.iterdir()] == ["a.nianbao.json"]
    assert read_draft(path) == d


@pytest.mark.parametrize(("year", "template"), [(2024, "national-2021"), (2021, "national-2021"),
                                                  (2020, "national-2019"), (2019, "national-2019"),
                                                  (2018, "legacy-2008"), (2016, "legacy-2008")])
def test_template_follows_from_the_year(year, template):
    assert template_for_year(year) == template

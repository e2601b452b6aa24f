"""汇总 (issue 6): many bodies' reports summed into one, checked against sums computed here with plain dict
arithmetic over the source drafts; every refusal of the command; the fast reader of our annexes against
exporters.read_xlsx; the summary workbook; and the window (offscreen: progress, cancel, results, chart, the
county's draft).
"""

import os
import random
import shutil
import subprocess
import sys
import time
import zipfile
from decimal import Decimal
from pathlib import Path

import docx
import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PySide6.QtGui import QColor

from desktop_app.cli import main
from desktop_app.dialogs.aggregate_dialog import AggregateDialog, BarChart
from desktop_app.main_window import MainWindow
from desktop_app.prompts import Prompts
from exporters import aggregate as agg
from exporters.docx import write_docx
from exporters.read_xlsx import read_xlsx
from exporters.xlsx import write_xlsx
from forms.checks import check
from forms.draft import Draft, from_dict, read_draft, to_dict, write_draft
from forms.store import Store
from forms.template import load_template
from tests.conftest import DATA

HUAIAN = DATA / "2024_淮安市_人民政府.nianbao.json"
HONGZE = DATA / "2023_淮安市洪泽区_人民政府.nianbao.json"
SHANGHAI = DATA / "2019_上海市_人民政府办公厅.nianbao.json"
WUSHAN = DATA / "2016_武山县_人民政府.nianbao.json"
TPL = load_template("national-2021")
APPLICANTS = ["natural_person", "commercial_enterprise", "research_institution", "public_welfare_org",
              "legal_service_org", "other_org"]
T3_ROWS = [r for r in TPL.table("table3").row_keys if r != "results_total"]
RESULT_ROWS = T3_ROWS[T3_ROWS.index("granted"):T3_ROWS.index("other.other") + 1]
T4_GROUPS = ["review", "litigation_direct", "litigation_after_review"]
ALWAYS_BLANK = "table3.research_institution.other.overdue_fee"  # no generated body fills it


# --- Generated bodies and the sums expected of them -------------------------------------------------------------


def input_ids(template: str = "national-2021") -> list[str]:
    return [c.id for c in load_template(template).input_cells]


def generated(n: int, seed: int = 1, base: Path = HUAIAN, prefix: str = "某某县第") -> list[Draft]:
    """Copies of a real report with another body and random figures: about one cell in eight blank, money
    with two decimals; some bodies state their totals (rightly) as an imported report does."""
    rnd = random.Random(seed)
    src = read_draft(base)
    tpl = src.tpl
    out = []
    for i in range(n):
        d = src.copy()
        d.body = f"{prefix}{i + 1:03d}局"
        d.values = {}
        for cell in tpl.input_cells:
            if cell.id == ALWAYS_BLANK or rnd.random() < 0.125:
                continue
            d.values[cell.id] = Decimal(rnd.randint(0, 999999)) / 100 if cell.kind == "money" else rnd.randint(0, 60)
        if d.template == "national-2021":  # each column of 表三 balances, as a real report's does (T3-BAL)
            for a in APPLICANTS:
                results = sum(d.values.get(f"table3.{a}.{r}", 0) for r in RESULT_ROWS)
                forward = rnd.randint(0, 20)
                carried = rnd.randint(0, min(results + forward, 30))
                d.values.update({f"table3.{a}.carried_forward": forward, f"table3.{a}.carried_over": carried,
                                 f"table3.{a}.new_received": results + forward - carried})
        if i % 3 == 0:  # states every total, as a report read from Word does
            for cid, value in _independent_totals(d.values).items():
                d.values[cid] = value
        out.append(d)
    return out


def _independent_totals(values: dict) -> dict:
    """The totals of tables 三 and 四 from their parts, written out here (not through the template)."""

    def add(ids):
        present = [values[c] for c in ids if c in values]
        return sum(present) if present else None

    totals = {}
    for row in T3_ROWS:
        totals[f"table3.total.{row}"] = add([f"table3.{a}.{row}" for a in APPLICANTS])
    for a in APPLICANTS:
        totals[f"table3.{a}.results_total"] = add([f"table3.{a}.{r}" for r in RESULT_ROWS])
    totals["table3.total.results_total"] = add([f"table3.{a}.{r}" for a in APPLICANTS for r in RESULT_ROWS])
    for g in T4_GROUPS:
        totals[f"table4.{g}.total"] = add([f"table4.{g}.{k}" for k in ("upheld", "corrected", "other", "pending")])
    return {k: v for k, v in totals.items() if v is not None}


def expected_sums(drafts: list[Draft]) -> dict:
    """Each input cell summed over the drafts' own values, blank counting as nothing."""
    totals_ids = set(_independent_totals({c: 1 for c in TPL.cells}))
    sums: dict = {}
    for d in drafts:
        for cid, value in d.values.items():
            if cid not in totals_ids:
                sums[cid] = sums.get(cid, 0) + value
    return sums


def assert_summed(result: agg.AggregateResult, drafts: list[Draft]) -> None:
    sums = expected_sums(drafts)
    assert result.sums == sums
    for cid in input_ids():  # every input cell, the blank ones too
        assert result.totals.get(cid) == sums.get(cid), cid
    assert ALWAYS_BLANK not in result.totals
    totals = _independent_totals(sums)
    assert {k: result.totals.get(k) for k in totals} == totals
    assert isinstance(result.totals["table2.admin_fees.amount"], Decimal)


def save_all(drafts: list[Draft], folder: Path, kinds=("json",)) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, d in enumerate(drafts):
        kind = kinds[i % len(kinds)]
        path = folder / f"{d.body}.{'nianbao.json' if kind == 'json' else kind}"
        {"json": write_draft, "xlsx": write_xlsx, "docx": write_docx}[kind](d, path)
        paths.append(path)
    return paths


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def data_sheet(path: Path) -> dict:
    """The 数据 sheet of a workbook: cell id -> figure as stored (plain openpyxl, not our readers)."""
    wb = openpyxl.load_workbook(path, read_only=True)
    rows = list(wb["数据"].iter_rows(min_row=2, values_only=True))
    wb.close()
    return {r[0]: r[4] for r in rows if r[4] is not None}


def same_figure(stored, expected) -> bool:
    return Decimal(str(stored)) == Decimal(expected) if isinstance(expected, Decimal) else stored == expected


# --- Summing ------------------------------------------------------------------------------------------------------


def test_every_cell_is_the_sum_of_the_bodies_figures(tmp_path):
    drafts = generated(9)
    result = agg.aggregate(save_all(drafts, tmp_path / "in", ("json", "xlsx", "docx")), workers=1)
    assert [b.body for b in result.bodies] == sorted(d.body for d in drafts)
    assert result.unreadable == [] and (result.template, result.year) == ("national-2021", 2024)
    assert_summed(result, drafts)
    # each body's figures are its own inputs, its totals computed from them
    by_body = {b.body: b for b in result.bodies}
    for d in drafts:
        body = by_body[d.body]
        assert body.inputs == {k: v for k, v in d.values.items() if k in set(input_ids())}
        assert {k: body.completed.get(k) for k in _independent_totals(body.inputs)} == _independent_totals(body.inputs)


def test_a_wrong_stated_total_does_not_reach_the_sum_and_is_reported(tmp_path):
    drafts = generated(3, seed=5)
    hongze = read_draft(HONGZE)  # as published: 表四 totals 0 against parts 11 and 5
    hongze.year, hongze.body = 2024, "淮安市洪泽区人民政府（复印件）"
    drafts.append(hongze)
    result = agg.aggregate(save_all(drafts, tmp_path), workers=1)
    assert_summed(result, drafts)
    assert result.totals["table4.review.total"] == sum(
        d.values.get(f"table4.review.{k}", 0) for d in drafts for k in ("upheld", "corrected", "other", "pending"))
    body = next(b for b in result.bodies if b.body == hongze.body)
    errors = [(p.rule, p.cells[0]) for p in body.problems if p.severity == "error"]
    assert errors == [("T4-SUM", "table4.review.total"), ("T4-SUM", "table4.litigation_after_review.total")]
    assert body.stated_differs("table4.review.total") and not body.stated_differs("table4.review.upheld")
    assert result.failing == [body]


def test_a_total_stated_over_blank_parts_is_reported_as_not_summed(tmp_path):
    d = generated(1)[0]
    for g in ("upheld", "corrected", "other", "pending"):
        d.values.pop(f"table4.review.{g}", None)
    d.values["table4.review.total"] = 7
    result = agg.aggregate(save_all([d] + generated(2, seed=9, prefix="某某镇第"), tmp_path), workers=1)
    body = next(b for b in result.bodies if b.body == d.body)
    problem = next(p for p in body.problems if p.rule == agg.TOTAL_RULE)
    assert problem.severity == "error" and problem.cells == ("table4.review.total",)
    assert "7" in problem.message and "没有计入汇总" in problem.message
    assert body.completed.get("table4.review.total") is None


def test_real_samples_sum_with_a_copy_under_another_name(tmp_path):
    huaian = read_draft(HUAIAN)
    copy = huaian.copy()
    copy.body = "淮安市某某局"
    paths = [tmp_path / "淮安.nianbao.json", tmp_path / "某某局.xlsx"]
    write_draft(huaian, paths[0])
    write_xlsx(copy, paths[1])
    result = agg.aggregate(paths, workers=1)
    for cid in TPL.cells:  # every cell of the real report, doubled; its stated totals all hold
        single = huaian.values.get(cid)
        assert result.totals.get(cid) == (None if single is None else 2 * single), cid
    assert result.totals["table2.admin_fees.amount"] == Decimal("192343.2")
    assert result.failing == []


def test_legacy_and_2019_reports_sum_in_their_own_templates(tmp_path):
    for sample in (WUSHAN, SHANGHAI):
        base = read_draft(sample)
        other = base.copy()
        other.body += "（二）"
        paths = [tmp_path / f"{base.template}-a.nianbao.json", tmp_path / f"{base.template}-b.xlsx"]
        write_draft(base, paths[0])
        write_xlsx(other, paths[1])
        result = agg.aggregate(paths, workers=1)
        tpl = base.tpl
        inputs = {k: 2 * v for k, v in base.values.items() if k not in tpl.computed_by}
        assert result.sums == inputs
        cid = result.requests_cell
        assert cid in ("stats.request.received", "table3.total.new_received")
        assert [v for _, v in result.top_contributors()] == [result.bodies[0].completed.get(cid)] * 2 or \
            result.top_contributors() == []


def test_worker_processes_give_the_same_result_as_reading_in_turn(tmp_path):
    paths = save_all(generated(6, seed=11), tmp_path, ("xlsx", "json"))
    serial = agg.aggregate(paths, workers=1)
    pooled = agg.aggregate(paths, workers=2)
    assert pooled.sums == serial.sums and [b.body for b in pooled.bodies] == [b.body for b in serial.bodies]
    assert [b.problems for b in pooled.bodies] == [b.problems for b in serial.bodies]
    calls = []
    with pytest.raises(agg.Cancelled):
        agg.read_sources(paths, workers=2, progress=lambda *a: calls.append(a), cancelled=lambda: bool(calls))


def dead_worker_reader(path: str) -> agg.Source:
    """Kills the worker process it runs in (out of memory, killed); in the main process it just reads."""
    import multiprocessing

    if multiprocessing.parent_process() is not None:
        os._exit(3)
    return agg.read_one(path)


def late_death_reader(path: str) -> agg.Source:
    """A worker dies on one file, after the others were read."""
    import multiprocessing

    if multiprocessing.parent_process() is not None and path.endswith("003局.nianbao.json"):
        time.sleep(1.5)
        os._exit(3)
    return agg.read_one(path)


def test_workers_that_cannot_start_leave_the_reading_to_the_main_process(tmp_path):
    drafts = generated(3, seed=12)
    sources = agg.read_sources(save_all(drafts, tmp_path), workers=2, reader=dead_worker_reader)
    assert_summed(agg.combine(sources), drafts)


def test_a_worker_that_dies_midway_is_an_error_not_a_hang(tmp_path):
    paths = save_all(generated(4, seed=12), tmp_path)
    with pytest.raises(agg.AggregateError, match="进程意外退出"):
        agg.read_sources(paths, workers=2, reader=late_death_reader)


def test_a_folder_expands_to_its_reports_drafts_first_then_annexes_then_word(tmp_path):
    for name in ("b.docx", "a.xlsx", "c.nianbao.json", "a.docx", "~$a.xlsx", ".hidden.xlsx", "notes.txt", "d.json"):
        (tmp_path / name).write_bytes(b"")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "e.xlsx").write_bytes(b"")
    assert [p.name for p in agg.expand_inputs([tmp_path])] == ["c.nianbao.json", "a.xlsx", "a.docx", "b.docx"]
    assert [p.name for p in agg.expand_inputs([tmp_path / "a.xlsx", tmp_path])] == [
        "a.xlsx", "c.nianbao.json", "a.docx", "b.docx"]


# --- The fast reader of our annexes --------------------------------------------------------------------------------


def _same_reading(path: Path) -> None:
    fast, slow = agg.read_annex_fast(path), read_xlsx(path)
    assert fast is not None
    for attr in ("template", "body", "year", "meta", "values"):
        assert getattr(fast.draft, attr) == getattr(slow.draft, attr), attr
    assert fast.unread == [line for line in slow.unread if "报告正文" not in line]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 10**6))
def test_the_fast_reader_reads_what_read_xlsx_reads(tmp_path, seed):
    d = generated(1, seed=seed)[0]
    path = tmp_path / f"{seed}.xlsx"
    write_xlsx(d, path)
    _same_reading(path)


def test_the_fast_reader_agrees_on_hand_edited_annexes(tmp_path):
    path = tmp_path / "edited.xlsx"
    write_xlsx(read_draft(HUAIAN), path)
    wb = openpyxl.load_workbook(path)
    wb["表三"]["D4"] = 999  # a table changed by hand, 数据 not
    data = wb["数据"]
    data["E5"] = "十二"  # a word for a figure
    data["E6"] = None
    data["E7"].number_format = "yyyy-mm-dd"  # a figure shown as a date
    data.delete_rows(20)  # a cell missing
    wb["封面"]["B7"] = "2024年1月"
    wb.save(path)
    _same_reading(path)
    unread = agg.read_annex_fast(path).unread
    assert any("D4" in line and "999" in line for line in unread)
    assert any("十二" in line for line in unread)


@pytest.mark.skipif(not shutil.which("soffice"), reason="LibreOffice not installed")
def test_the_fast_reader_reads_an_annex_saved_again_by_another_program(tmp_path):
    """LibreOffice (like Excel and WPS) writes shared strings where openpyxl writes inline ones."""
    src = tmp_path / "src" / "annex.xlsx"
    src.parent.mkdir()
    write_xlsx(generated(1, seed=4)[0], src)
    out = tmp_path / "out"
    subprocess.run(["timeout", "180", "soffice", f"-env:UserInstallation=file://{tmp_path}/lo", "--headless",
                    "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", str(out), str(src)],
                   check=True, capture_output=True)
    resaved = out / "annex.xlsx"
    assert "xl/sharedStrings.xml" in zipfile.ZipFile(resaved).namelist()
    _same_reading(resaved)


def test_hostile_and_foreign_workbooks_are_not_read_by_the_fast_path(tmp_path):
    bomb = tmp_path / "dtd.xlsx"
    write_xlsx(generated(1)[0], tmp_path / "ok.xlsx")
    with zipfile.ZipFile(tmp_path / "ok.xlsx") as zin, zipfile.ZipFile(bomb, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item)
            if item.filename == "xl/worksheets/sheet5.xml":
                data = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]>' + data
            zout.writestr(item, data)
    assert "DTD" in agg.read_one(str(bomb)).error
    plain = tmp_path / "plain.xlsx"
    wb = openpyxl.Workbook()
    wb.active["A1"] = "名单"
    wb.save(plain)
    assert agg.read_annex_fast(plain) is None  # not ours: read_xlsx decides (and refuses it)
    assert "封面" in agg.read_one(str(plain)).error


# --- The command --------------------------------------------------------------------------------------------------


def test_cli_writes_the_summary_and_the_county_draft(capsys, tmp_path):
    drafts = generated(8, seed=2)
    folder = tmp_path / "各单位"
    save_all(drafts, folder, ("xlsx", "json"))
    out, draft_out = tmp_path / "汇总.xlsx", tmp_path / "本级.nianbao.json"
    code, stdout, err = run(capsys, "aggregate", folder, "-o", out, "--draft-out", draft_out, "--body", "某某县人民政府")
    assert code == 0, err
    assert "已汇总 8 个单位" in stdout and err == ""
    sums = expected_sums(drafts)
    totals = {**sums, **_independent_totals(sums)}
    stored = data_sheet(out)
    assert set(stored) == set(totals)
    assert all(same_figure(stored[k], v) for k, v in totals.items())
    county = read_draft(draft_out)
    assert (county.body, county.year, county.template) == ("某某县人民政府", 2024, "national-2021")
    assert county.values == sums
    # the summary workbook imports back as the county's draft, through the ordinary importer
    imported = read_xlsx(out).draft
    assert imported.values == {**sums, **_independent_totals(sums)} and imported.body == "某某县人民政府"
    # running it again with the summary inside the folder does not count the summary
    again = folder / "汇总.xlsx"
    shutil.copy(out, again)
    code, stdout, err = run(capsys, "aggregate", folder, "-o", again)
    assert code == 0 and "已汇总 8 个单位" in stdout and err == ""


def test_the_summary_workbook_sheets(capsys, tmp_path):
    drafts = generated(4, seed=3)
    hongze = read_draft(HONGZE)
    hongze.year = 2024
    drafts.append(hongze)
    paths = save_all(drafts, tmp_path / "in", ("xlsx",))
    broken = tmp_path / "in" / "坏文件.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a zip")
    dup = tmp_path / "in" / "重复.nianbao.json"
    write_draft(drafts[0], dup)
    out = tmp_path / "汇总.xlsx"
    code, _, err = run(capsys, "aggregate", *paths, broken, dup, "-o", out, "--body", "某某县人民政府")
    assert code == 0 and "2 个文件无法读取" in err
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["封面", "表二", "表三", "表四", "数据", "各单位数据", "未通过检查", "无法读取"]
    cover = {r[0]: r[1] for r in wb["封面"].iter_rows(values_only=True)}
    assert cover["填报单位"] == "某某县人民政府" and cover["年度"] == 2024 and cover["格式编号"] == "national-2021"
    assert cover["汇总"].startswith("5 个单位") and cover["无法读取"].startswith("2 个文件")
    assert cover["未通过检查"].startswith("1 个单位")
    # the summed tables are the annex's own sheets: compare with an annex written from the expected sums
    sums = expected_sums(drafts)
    reference = Path(tmp_path / "reference.xlsx")
    county = Draft("national-2021", "某某县人民政府", 2024, {}, {}, sums)
    write_xlsx(county, reference)
    ref = openpyxl.load_workbook(reference)
    for name in ("表二", "表三", "表四"):
        ours, theirs = wb[name], ref[name]
        assert [[c.value for c in row] for row in ours.iter_rows()] == [[c.value for c in row] for row in theirs.iter_rows()]
        assert {str(m) for m in ours.merged_cells.ranges} == {str(m) for m in theirs.merged_cells.ranges}
    # 各单位数据: labels on three header rows, one row per body, then 合计
    ws = wb["各单位数据"]
    cells = list(TPL.cells)
    header_ids = [ws.cell(3, c).value for c in range(6, 6 + len(cells))]
    assert header_ids == cells
    col = 6 + cells.index("table3.natural_person.granted")
    granted = TPL.cells["table3.natural_person.granted"]
    assert ws.cell(1, col).value == f"表三 {granted.row_label}" and ws.cell(2, col).value == granted.col_label
    assert "予以公开" in ws.cell(1, col).value and ws.cell(2, col).value == "自然人"
    assert f"{ws.cell(1, col).coordinate}:{ws.cell(1, col + 6).coordinate}" in {str(m) for m in ws.merged_cells.ranges}
    rows = {ws.cell(r, 2).value: r for r in range(4, ws.max_row + 1)}
    assert list(rows) == [d.body for d in sorted(drafts, key=lambda d: d.body)] + ["合计"]
    for d in drafts:
        r = rows[d.body]
        for i, cid in enumerate(cells):
            if cid in sums:  # an input: the body's own figure
                assert same_figure(ws.cell(r, 6 + i).value, d.values[cid]) if cid in d.values else \
                    ws.cell(r, 6 + i).value is None
    totals = {**sums, **_independent_totals(sums)}
    for i, cid in enumerate(cells):
        got = ws.cell(rows["合计"], 6 + i).value
        assert same_figure(got, totals[cid]) if cid in totals else got is None
    shaded = ws.cell(rows[hongze.body], 6 + cells.index("table4.review.total"))
    assert shaded.value == 11 and "填报 0" in shaded.comment.text
    # 未通过检查: errors first; 无法读取: both files with their reasons
    problems = list(wb["未通过检查"].iter_rows(min_row=2, values_only=True))
    assert problems[0][:4] == (hongze.body, f"{hongze.body}.xlsx", "错误", "T4-SUM")
    assert {p[2] for p in problems} == {"错误", "警告"}
    assert [p[2] for p in problems] == sorted((p[2] for p in problems), key=["错误", "警告"].index)
    unread = list(wb["无法读取"].iter_rows(min_row=2, values_only=True))
    assert [u[0] for u in unread] == ["坏文件.xlsx", "重复.nianbao.json"]
    assert "不是Excel" in unread[0][2] and "同一单位" in unread[1][2]


def test_cli_refuses_another_year_naming_the_file_and_writes_nothing(capsys, tmp_path):
    out = tmp_path / "汇总.xlsx"
    code, _, err = run(capsys, "aggregate", HUAIAN, HONGZE, "-o", out)
    assert code == 1 and not out.exists()
    assert HONGZE.name in err and "2023 年度" in err and "2024 年度" in err


def test_cli_refuses_another_template_of_the_same_year(capsys, tmp_path):
    legacy = read_draft(WUSHAN)
    legacy.year = 2024  # a 2008-format report for 2024
    odd = tmp_path / "旧格式.nianbao.json"
    write_draft(legacy, odd)
    paths = save_all(generated(2), tmp_path / "in")
    out = tmp_path / "汇总.xlsx"
    code, _, err = run(capsys, "aggregate", *paths, odd, "-o", out, "--draft-out", tmp_path / "x.nianbao.json",
                       "--body", "某某县")
    assert code == 1 and not out.exists() and not (tmp_path / "x.nianbao.json").exists()
    assert "旧格式.nianbao.json" in err and load_template("legacy-2008").short_name in err
    assert list(tmp_path.iterdir()) == [odd, tmp_path / "in"] or set(tmp_path.iterdir()) == {odd, tmp_path / "in"}


def test_cli_lists_unreadable_files_and_sums_the_rest(capsys, tmp_path):
    drafts = generated(3, seed=8)
    save_all(drafts, tmp_path / "in", ("xlsx", "json"))
    broken = tmp_path / "in" / "截断.xlsx"
    whole = (tmp_path / "in" / f"{drafts[0].body}.xlsx").read_bytes()
    broken.write_bytes(whole[: len(whole) // 2])
    memo = tmp_path / "in" / "会议通知.docx"
    doc = docx.Document()
    doc.add_paragraph("关于召开会议的通知")
    doc.save(memo)
    roster = tmp_path / "in" / "名单.xlsx"
    wb = openpyxl.Workbook()
    wb.active["A1"] = "名单"
    wb.save(roster)
    dup = tmp_path / "in" / "再报一次.nianbao.json"
    write_draft(drafts[1], dup)
    out = tmp_path / "汇总.xlsx"
    code, stdout, err = run(capsys, "aggregate", tmp_path / "in", "-o", out)
    assert code == 0 and "已汇总 3 个单位" in stdout
    assert "警告：4 个文件无法读取" in err
    for name in ("截断.xlsx", "会议通知.docx", "名单.xlsx"):
        assert name in err
    stored = data_sheet(out)
    sums = expected_sums(drafts)
    assert all(same_figure(stored[k], v) for k, v in sums.items())
    unread = list(openpyxl.load_workbook(out)["无法读取"].iter_rows(min_row=2, values_only=True))
    # folder order: drafts (by name: 再… before 某…), then annexes, then Word reports; the first of a body is kept
    assert [u[0] for u in unread] == [f"{drafts[1].body}.nianbao.json", "名单.xlsx", "截断.xlsx", "会议通知.docx"]
    assert "与“再报一次.nianbao.json”是同一单位" in unread[0][2]
    assert "封面" in unread[1][2] and "不是Excel" in unread[2][2] and "不像是" in unread[3][2]


def test_cli_with_nothing_readable_or_nowhere_to_write_exits_2(capsys, tmp_path):
    broken = tmp_path / "坏.xlsx"
    broken.write_bytes(b"not a zip")
    out = tmp_path / "汇总.xlsx"
    code, _, err = run(capsys, "aggregate", broken, "-o", out)
    assert code == 2 and not out.exists() and "坏.xlsx" in err and "没有可以汇总的报告" in err
    code, _, err = run(capsys, "aggregate", tmp_path / "empty-folder-missing", "-o", out)
    assert code == 2 and not out.exists()
    (tmp_path / "empty").mkdir()
    code, _, err = run(capsys, "aggregate", tmp_path / "empty", "-o", out)
    assert code == 2 and "没有报告文件" in err
    code, _, err = run(capsys, "aggregate", HUAIAN, "-o", tmp_path / "no" / "such" / "汇总.xlsx")
    assert code == 2 and "不存在" in err
    code, _, err = run(capsys, "aggregate", HUAIAN, "-o", out, "--draft-out", tmp_path / "本级.nianbao.json")
    assert code == 2 and "--body" in err and not out.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["坏.xlsx", "empty"] or \
        {p.name for p in tmp_path.iterdir()} == {"坏.xlsx", "empty"}


def test_the_summary_appears_whole_or_not_at_all(tmp_path, monkeypatch):
    result = agg.aggregate([HUAIAN], workers=1)
    out = tmp_path / "汇总.xlsx"
    out.write_bytes(b"the previous summary")

    def broken_save(self, path):
        Path(path).write_bytes(b"half a workbook")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(openpyxl.Workbook, "save", broken_save)
    with pytest.raises(OSError):
        agg.write_summary(result, out)
    assert out.read_bytes() == b"the previous summary"
    assert [p.name for p in tmp_path.iterdir()] == ["汇总.xlsx"]


def test_a_real_process_answers_in_chinese_with_exit_statuses(tmp_path):
    out = tmp_path / "汇总.xlsx"
    proc = subprocess.run([sys.executable, "-m", "desktop_app.cli", "aggregate", str(HUAIAN), str(HONGZE),
                           "-o", str(out)], capture_output=True, text=True, cwd=Path(__file__).parents[1])
    assert proc.returncode == 1 and "Traceback" not in proc.stderr and "不能一起汇总" in proc.stderr
    # enough files for worker processes (spawned from the command's own process)
    drafts = generated(agg.POOL_MIN_FILES + 2, seed=13)
    save_all(drafts, tmp_path / "in")
    proc = subprocess.run([sys.executable, "-m", "desktop_app.cli", "aggregate", str(tmp_path / "in"), "-o", str(out)],
                          capture_output=True, text=True, cwd=Path(__file__).parents[1])
    assert proc.returncode == 0, proc.stderr
    assert f"已汇总 {len(drafts)} 个单位" in proc.stdout
    stored = data_sheet(out)
    assert all(same_figure(stored[k], v) for k, v in expected_sums(drafts).items())


def test_summary_draft_is_a_checked_draft_of_the_sums():
    result = agg.aggregate([HUAIAN], workers=1)
    draft = agg.summary_draft(result, " 某某县人民政府 ", {"office": "某某县人民政府办公室"})
    assert draft.body == "某某县人民政府" and draft.meta == {"office": "某某县人民政府办公室"}
    assert draft.values == result.sums
    assert from_dict(to_dict(draft)).values == draft.values
    assert not [p for p in check(draft) if p.severity == "error" and p.rule != "REQUIRED"]


# --- The window ---------------------------------------------------------------------------------------------------


def slow_reader(path: str) -> agg.Source:
    time.sleep(0.15)
    return agg.read_one(path)


class AnswerPrompts(Prompts):
    def __init__(self, save_to=None):
        super().__init__(None)
        self.save_to = save_to
        self.warnings = []

    def warn(self, title, text):
        self.warnings.append(text)

    def inform(self, title, text):
        pass

    def save_file(self, title, suggested, filters):
        return str(self.save_to / suggested) if self.save_to else ""

    def text(self, title, label, default=""):
        return "某某县人民政府"


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "store.sqlite3")
    yield s
    s.close()


def make_dialog(qtbot, store, paths, **kwargs):
    prompts = kwargs.pop("prompts", AnswerPrompts())
    dialog = AggregateDialog(store, None, None, prompts, choose_files=lambda parent: [str(p) for p in paths],
                             workers=1, **kwargs)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def test_window_reads_with_progress_and_shows_each_body(qtbot, store, tmp_path):
    drafts = generated(5, seed=21)
    paths = save_all(drafts, tmp_path / "in", ("json", "xlsx"))
    broken = tmp_path / "in" / "坏.xlsx"
    broken.write_bytes(b"garbage")
    dialog = make_dialog(qtbot, store, paths + [broken], reader=slow_reader)
    dialog.buttons["files"].click()
    assert dialog.file_list.count() == 6 and dialog.count_label.text() == "已选 6 个文件"
    seen = []
    dialog.progress.valueChanged.connect(seen.append)
    ticks = []
    from PySide6.QtCore import QTimer

    timer = QTimer(dialog)
    timer.timeout.connect(lambda: ticks.append(dialog.running))
    timer.start(20)
    with qtbot.waitSignal(dialog.finished_job, timeout=20000) as blocker:
        dialog.buttons["start"].click()
        assert dialog.running and not dialog.buttons["start"].isEnabled() and dialog.buttons["cancel"].isVisible()
    timer.stop()
    assert blocker.args == ["read"]
    assert seen[-1] == 6 and len(seen) >= 5 and seen == sorted(seen)
    assert sum(ticks) >= 5  # the event loop ran while the files were read: the window stayed responsive
    result = dialog.summary
    assert_summed(result, drafts)
    model = dialog.bodies_model
    assert model.rowCount() == 6 and model.data(model.index(5, 0)) == "合计"
    col = 4 + list(TPL.cells).index("table3.total.new_received")
    expected = sum(_independent_totals(d.values)["table3.total.new_received"] for d in drafts)
    assert model.data(model.index(5, col)) == str(expected)
    assert "新收" in model.headerData(col, 1) or "本年" in model.headerData(col, 1)
    assert dialog.unreadable_table.rowCount() == 1 and "坏.xlsx" in dialog.unreadable_table.item(0, 0).text()
    assert dialog.problems_table.rowCount() == sum(len(b.problems) for b in result.bodies)
    assert "已汇总 5 个单位" in dialog.status.text() and "1 个文件无法读取" in dialog.status.text()
    assert dialog.buttons["save"].isEnabled() and dialog.buttons["draft"].isEnabled()
    # other files chosen: the summary of the old ones can no longer be saved or made a draft
    dialog.file_list.item(0).setSelected(True)
    dialog.buttons["remove"].click()
    assert dialog.summary is None and dialog.bodies_model.rowCount() == 0
    assert not dialog.buttons["save"].isEnabled() and not dialog.buttons["draft"].isEnabled()
    assert dialog.file_list.count() == 5 and "重新" in dialog.status.text()


def test_window_reads_in_worker_processes_too(qtbot, store, tmp_path):
    drafts = generated(4, seed=26)
    dialog = make_dialog(qtbot, store, save_all(drafts, tmp_path / "in", ("json", "xlsx")))
    dialog.workers = 2
    dialog.add_files()
    with qtbot.waitSignal(dialog.finished_job, timeout=60000) as blocker:
        dialog.start()
    assert blocker.args == ["read"]
    assert_summed(dialog.summary, drafts)


def test_window_reading_can_be_cancelled(qtbot, store, tmp_path):
    paths = save_all(generated(8, seed=22), tmp_path / "in")
    dialog = make_dialog(qtbot, store, paths, reader=slow_reader)
    dialog.add_paths(paths)
    dialog.start()
    qtbot.waitUntil(lambda: dialog.progress.value() >= 1, timeout=10000)
    with qtbot.waitSignal(dialog.finished_job, timeout=10000) as blocker:
        dialog.buttons["cancel"].click()
    assert blocker.args == ["cancelled"]
    assert dialog.summary is None and not dialog.running and "已取消" in dialog.status.text()
    assert dialog.progress.value() < 8
    assert dialog.buttons["start"].isEnabled() and not dialog.buttons["save"].isEnabled()


def test_window_refuses_reports_of_two_years(qtbot, store, tmp_path):
    prompts = AnswerPrompts()
    dialog = make_dialog(qtbot, store, [HUAIAN, HONGZE], prompts=prompts)
    dialog.add_files()
    with qtbot.waitSignal(dialog.finished_job, timeout=10000) as blocker:
        dialog.start()
    assert blocker.args == ["failed"] and dialog.summary is None
    assert HONGZE.name in prompts.warnings[0] and HONGZE.name in dialog.status.text()


def test_window_chart_shows_the_ten_largest(qtbot, store, tmp_path):
    drafts = generated(12, seed=23)
    dialog = make_dialog(qtbot, store, save_all(drafts, tmp_path / "in"))
    dialog.add_files()
    with qtbot.waitSignal(dialog.finished_job, timeout=20000):
        dialog.start()
    received = {d.body: _independent_totals(d.values)["table3.total.new_received"] for d in drafts}
    top = sorted(received.items(), key=lambda kv: -kv[1])[:10]
    assert [v for _, v in dialog.chart.bars] == [v for _, v in top]
    assert {b for b, _ in dialog.chart.bars} <= set(received)
    dialog.tabs.setCurrentWidget(dialog.chart)
    dialog.chart.resize(640, 360)
    image = dialog.chart.grab().toImage()
    assert dialog.chart.paint_count > 0
    bar = QColor("#2f6db5").rgb()
    assert sum(image.pixel(x, y) == bar for x in range(0, 640, 4) for y in range(0, 360, 4)) > 50
    empty = BarChart()
    qtbot.addWidget(empty)
    empty.set_bars("无", [])
    empty.grab()
    assert empty.paint_count == 1


def test_window_saves_the_summary_and_makes_the_county_draft(qtbot, store, tmp_path):
    drafts = generated(4, seed=24)
    prompts = AnswerPrompts(save_to=tmp_path)
    dialog = make_dialog(qtbot, store, save_all(drafts, tmp_path / "in", ("xlsx",)), prompts=prompts)
    dialog.add_files()
    with qtbot.waitSignal(dialog.finished_job, timeout=20000):
        dialog.start()
    dialog.body_edit.setText("某某县人民政府")
    with qtbot.waitSignal(dialog.finished_job, timeout=20000) as blocker:
        dialog.buttons["save"].click()
    assert blocker.args == ["saved"]
    assert dialog.saved_path == tmp_path / "某某县人民政府2024年政府信息公开工作年度报告汇总表.xlsx"
    assert "各单位数据" in openpyxl.load_workbook(dialog.saved_path, read_only=True).sheetnames
    with qtbot.waitSignal(dialog.draft_created) as created:
        dialog.buttons["draft"].click()
    info, data = store.load(created.args[0])
    county = from_dict(data)
    assert (county.body, county.year) == ("某某县人民政府", 2024)
    assert county.values == expected_sums(drafts)
    assert "汇总" in store.history(info.id)[0].summary
    assert dialog.created_id == info.id and dialog.result() == AggregateDialog.Accepted


def test_main_window_opens_the_county_draft_made_by_the_dialog(qtbot, store, tmp_path):
    paths = save_all(generated(3, seed=25), tmp_path / "in")

    class Prompts_(AnswerPrompts):
        def run_dialog(self, dialog):
            assert isinstance(dialog, AggregateDialog)
            dialog.add_paths(paths)
            dialog.workers = 1
            with qtbot.waitSignal(dialog.finished_job, timeout=20000):
                dialog.start()
            dialog.body_edit.setText("某某县人民政府")
            dialog.create_draft()
            return True

    window = MainWindow(store, prompts=Prompts_())
    qtbot.addWidget(window)
    assert "aggregate" in window.library.buttons
    assert any(a.text().startswith("汇总") for a in window.menuBar().actions()[0].menu().actions())
    window.library.buttons["aggregate"].click()
    assert window.session is not None and window.session.draft.body == "某某县人民政府"
    window.close_report()

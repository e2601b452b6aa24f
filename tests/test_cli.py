"""The command line of reference draft-file.md: exit codes, JSON shape, one-line refusals, the store commands,
and the verdicts the real sample reports deserve."""

import json
import subprocess
import sys

import pytest

from desktop_app.cli import main
from tests.conftest import DATA

HUAIAN = DATA / "2024_淮安市_人民政府.nianbao.json"
HONGZE = DATA / "2023_淮安市洪泽区_人民政府.nianbao.json"
SHANGHAI = DATA / "2019_上海市_人民政府办公厅.nianbao.json"
WUSHAN = DATA / "2016_武山县_人民政府.nianbao.json"


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def check_json(capsys, path):
    code, out, _ = run(capsys, "check", str(path), "--json")
    return code, json.loads(out)


def test_huaian_2024_has_no_error(capsys):
    code, problems = check_json(capsys, HUAIAN)
    assert code == 0
    assert [p for p in problems if p["severity"] == "error"] == []


def test_hongze_2023_table_four_errors_on_both_broken_totals(capsys):
    code, problems = check_json(capsys, HONGZE)
    assert code == 1
    errors = [p for p in problems if p["severity"] == "error"]
    assert [(p["rule"], p["cells"][0]) for p in errors] == [
        ("T4-SUM", "table4.review.total"),
        ("T4-SUM", "table4.litigation_after_review.total"),
    ]
    assert "填的是 0" in errors[0]["message"] and "11" in errors[0]["message"]
    assert "填的是 0" in errors[1]["message"] and "5" in errors[1]["message"]
    # its （六）其他处理 was printed as one row: the three 2021 rows are blank, and said so
    blank = [p for p in problems if p["rule"] == "BLANK"]
    assert "table3.natural_person.other.other" in blank[0]["cells"]
    assert set(problems[0]) == {"severity", "rule", "cells", "message"}


def test_shanghai_2019_and_wushan_2016_have_no_error_only_warnings(capsys):
    code, problems = check_json(capsys, SHANGHAI)
    assert code == 0 and {p["severity"] for p in problems} == {"warning"}
    # as published: blanks, half-width commas, and two narrative figures the table contradicts
    assert {p["rule"] for p in problems} == {"BLANK", "TEXT-HALFWIDTH", "TXT-TBL"}
    code, problems = check_json(capsys, WUSHAN)
    assert code == 0 and {p["severity"] for p in problems} == {"warning"}
    assert {"BLANK", "TEXT-GARBLED", "TEXT-TRAD", "TEXT-HALFWIDTH"} <= {p["rule"] for p in problems}


def test_check_without_json_lists_problems_for_a_clerk(capsys):
    code, out, _ = run(capsys, "check", str(HONGZE))
    assert code == 1
    assert "错误 [T4-SUM] 表四“行政复议·总计”填的是 0" in out
    assert "共 2 个错误" in out


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("{broken", "不是有效的 JSON"),
        ('{"format": "other"}', "不是年报草稿文件"),
        ('{"format": "nianbao-draft", "format_version": 1, "template": "x-1", "body": "a", "year": 2024}',
         "未知的报告格式"),
        ('{"format": "nianbao-draft", "format_version": 1, "template": "national-2021", "body": "a", '
         '"year": 2024, "values": {"table9.x": 1}}', "没有单元格“table9.x”"),
    ],
)
def test_unusable_file_exits_2_with_one_line(capsys, tmp_path, content, reason):
    path = tmp_path / "bad.nianbao.json"
    path.write_text(content, encoding="utf-8")
    code, out, err = run(capsys, "check", str(path))
    assert code == 2
    assert reason in err and "bad.nianbao.json" in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_a_real_process_never_shows_a_traceback(tmp_path):
    path = tmp_path / "bad.nianbao.json"
    path.write_bytes(b"\x00\xff" * 100)
    proc = subprocess.run([sys.executable, "-m", "desktop_app.cli", "check", str(path)],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and "不是 UTF-8" in proc.stderr
    proc = subprocess.run([sys.executable, "-m", "desktop_app.cli", "check", str(tmp_path / "missing.json")],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and "文件不存在" in proc.stderr


def test_new_makes_an_empty_draft_of_the_years_template(capsys, tmp_path):
    out_file = tmp_path / "县教育局2024.nianbao.json"
    code, out, _ = run(capsys, "new", "--body", "某某县教育局", "--year", "2024", "-o", str(out_file))
    assert code == 0
    data = json.loads(out_file.read_text(encoding="utf-8"))
    assert (data["template"], data["body"], data["year"], data["values"]) == ("national-2021", "某某县教育局", 2024, {})
    # an empty draft: required parts missing is an error, blanks are warnings
    code, problems = check_json(capsys, out_file)
    assert code == 1 and {p["rule"] for p in problems} == {"REQUIRED", "BLANK"}
    # the explicit template wins; an existing file is not overwritten without --force
    code, _, err = run(capsys, "new", "--template", "legacy-2008", "--body", "某某县", "--year", "2016",
                       "-o", str(out_file))
    assert code == 2 and "已存在" in err
    code, _, _ = run(capsys, "new", "--template", "legacy-2008", "--body", "某某县", "--year", "2016",
                     "-o", str(out_file), "--force")
    assert code == 0 and json.loads(out_file.read_text(encoding="utf-8"))["template"] == "legacy-2008"


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["--body", "某县", "--year", "2024", "-o", "/nonexistent-dir/x.nianbao.json"], "不存在"),
        (["--body", "某县", "--year", "1850", "-o", "{tmp}/x.nianbao.json"], "年度“1850”无效"),
        (["--body", "  ", "--year", "2024", "-o", "{tmp}/x.nianbao.json"], "机关全称不能为空"),
        (["--body", "某县", "--year", "二〇二四", "-o", "{tmp}/x.nianbao.json"], "参数错误"),
        (["--template", "national-2099", "--body", "某县", "--year", "2024", "-o", "{tmp}/x.nianbao.json"],
         "参数错误"),
    ],
)
def test_new_refuses_bad_arguments(capsys, tmp_path, args, reason):
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    with pytest.raises(SystemExit) if reason == "参数错误" else _no_raise():
        code, _, err = run(capsys, "new", *args)
        assert code == 2 and reason in err
    if reason == "参数错误":
        assert reason in capsys.readouterr().err
    assert not (tmp_path / "x.nianbao.json").exists()


class _no_raise:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_store_commands_save_list_and_dump(capsys, tmp_path, nianbao_home):
    # the first start on an empty store shows the bundled samples
    code, out, _ = run(capsys, "drafts")
    assert code == 0 and "示例" in out
    code, out, _ = run(capsys, "save", str(HONGZE))
    assert code == 0 and "已存入草稿库" in out
    draft_id = int(out.split("编号 ")[1].split("：")[0])
    code, out, _ = run(capsys, "drafts")
    assert "淮安市洪泽区人民政府" in out and "2 个错误" in out
    dumped = tmp_path / "dumped.nianbao.json"
    code, _, _ = run(capsys, "dump", str(draft_id), "-o", str(dumped))
    assert code == 0
    assert json.loads(dumped.read_text(encoding="utf-8")) == json.loads(HONGZE.read_text(encoding="utf-8"))
    code, _, err = run(capsys, "dump", "9999", "-o", str(tmp_path / "none.json"))
    assert code == 2 and err.strip() and "Traceback" not in err
    assert (nianbao_home / "nianbao.sqlite3").exists()


def test_a_corrupt_store_is_moved_aside_and_the_clerk_told_where(capsys, nianbao_home):
    nianbao_home.mkdir(parents=True, exist_ok=True)
    (nianbao_home / "nianbao.sqlite3").write_bytes(b"this is not a database" * 100)
    code, out, err = run(capsys, "drafts")
    assert code == 0
    assert "已移到" in err and "corrupt" in err
    assert any(p.name.startswith("nianbao.sqlite3.corrupt") for p in nianbao_home.iterdir())


def test_a_lone_file_argument_opens_the_window_with_it(monkeypatch, capsys):
    import desktop_app.cli as cli

    opened = []
    monkeypatch.setattr(cli, "open_application", lambda path=None: opened.append(path) or 0)
    assert main([str(HONGZE)]) == 0
    assert opened == [str(HONGZE)]
    # a missing file is not opened: it is a wrong argument, said in one line
    with pytest.raises(SystemExit) as exit_:
        main(["no-such-file.nianbao.json"])
    assert exit_.value.code == 2 and "参数错误" in capsys.readouterr().err
    assert opened == [str(HONGZE)]

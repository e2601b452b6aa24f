"""The standalone build (issue 7): the PyInstaller bundle dist/nianbao/ and the .deb made from it.

`make test-dist` builds both (`make deb`, which makes the bundle first) and runs this whole file; the
default `make test` (`-m "not slow"`) runs only the test here that is not marked slow: the upgrade path (a version-0 store and a version-0
draft file) through the source checkout's command line, the same test that the slow run repeats through
the bundled binary.

Everything the bundle runs gets a scratch store (NIANBAO_HOME or a fake HOME), a minimal environment
(no venv on PATH, no PYTHONPATH) and Qt offscreen.
"""

from __future__ import annotations

import configparser
import hashlib
import json
import os
import shutil
import sqlite3
import struct
import subprocess
import sys
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from forms.draft import FORMAT_VERSION
from forms.store import APPLICATION_ID, SCHEMA_VERSION
from tests.conftest import DATA

ROOT = Path(__file__).resolve().parents[1]
WINDOWS = sys.platform.startswith("win")
BUNDLE = ROOT / "dist" / "nianbao"
EXE = BUNDLE / ("nianbao.exe" if WINDOWS else "nianbao")
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
SAMPLE_BODY = "淮安市人民政府"  # resources/samples/2024_淮安市_人民政府.nianbao.json, national-2021
SAMPLE_BODIES = {json.loads(p.read_text(encoding="utf-8"))["body"]
                 for p in (ROOT / "resources" / "samples").glob("*.nianbao.json")}
V0_BODY = "某某县教育局"
QT_PLUGINS_ALLOWED = {  # <Qt plugins folder>/<type>/<file>, as packaging/nianbao.spec keeps them
    "platforms/libqxcb.so", "platforms/libqoffscreen.so",
    "platforminputcontexts/libibusplatforminputcontextplugin.so",
    "platforminputcontexts/libcomposeplatforminputcontextplugin.so",
    "printsupport/libcupsprintersupport.so",
} if not WINDOWS else {
    "platforms/qwindows.dll", "platforms/qoffscreen.dll", "printsupport/windowsprintersupport.dll",
    "styles/qmodernwindowsstyle.dll", "styles/qwindowsvistastyle.dll",
}
QT_PLUGINS_REQUIRED = {"platforms/qwindows.dll", "platforms/qoffscreen.dll"} if WINDOWS else QT_PLUGINS_ALLOWED
NO_DPKG = shutil.which("dpkg-deb") is None
SIZE_TARGET_MB = 150
WINDOW_SECONDS = 4


# --- running the program -------------------------------------------------------------------------------------


def clean_env(**extra: str) -> dict[str, str]:
    """What a clerk's session has: no venv, no PYTHONPATH; Qt offscreen unless told otherwise. PYTHONUTF8 is
    for the source checkout's runs on Windows (the bundle ignores PYTHON* variables and has UTF-8 mode built
    in there, see nianbao.spec)."""
    if WINDOWS:
        env = {k: v for k, v in os.environ.items() if not k.upper().startswith(("PYTHON", "VIRTUAL_ENV"))}
    else:
        env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8"}
    env.update(QT_QPA_PLATFORM="offscreen", PYTHONUTF8="1")
    env.update(extra)
    return env


def source_command() -> list[str]:
    """The console script of the source checkout (desktop_app.cli:main), whatever the working folder."""
    return [sys.executable, "-c",
            f"import sys; sys.path.insert(0, {str(ROOT)!r}); from desktop_app.cli import main; sys.exit(main())"]


def bundle_command() -> list[str]:
    if not EXE.is_file():
        pytest.fail(f"no bundle at {BUNDLE}: build it with `make dist` (or run `make test-dist`)")
    return [str(EXE)]


def deb_path() -> Path:
    arch = subprocess.run(["dpkg", "--print-architecture"], capture_output=True, text=True).stdout.strip()
    deb = ROOT / "dist" / f"nianbao_{VERSION}_{arch}.deb"
    if not deb.is_file():
        pytest.fail(f"no package at {deb}: build it with `make deb` (or run `make test-dist`)")
    return deb


def nianbao(command: list[str], *args: str, env: dict[str, str], cwd: Path | None = None,
            ok: tuple[int, ...] = (0,)) -> subprocess.CompletedProcess:
    res = subprocess.run([*command, *args], env=env, cwd=cwd or ROOT, capture_output=True, encoding="utf-8",
                         errors="replace", timeout=120)
    assert "Traceback" not in res.stderr, res.stderr
    assert res.returncode in ok, f"nianbao {' '.join(args)} -> {res.returncode}\n{res.stdout}\n{res.stderr}"
    return res


def listed_ids(drafts_output: str) -> dict[str, int]:
    """`nianbao drafts` output -> {body: id}."""
    ids = {}
    for line in drafts_output.splitlines():
        parts = line.split()
        if len(parts) >= 3 and parts[0].isdigit():
            ids[parts[2]] = int(parts[0])
    return ids


# --- the upgrade path: stores and draft files of every earlier version -----------------------------------------


def make_version0_store(path: Path) -> None:
    """A store of the made-up version 0 (as tests/test_store.py makes it): marked as ours, no tables yet."""
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = sqlite3.connect(path)
    raw.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    raw.execute("PRAGMA user_version = 0")
    raw.commit()
    raw.close()


def make_version0_draft(path: Path) -> None:
    """A draft file in the prototype's shape (format_version 0: organ, contact, parts, cells)."""
    v0 = {"format": "nianbao-draft", "format_version": 0, "template": "national-2021",
          "organ": V0_BODY, "year": 2022, "contact": {"phone": "0931-1"},
          "parts": {"overview": "总体情况"}, "cells": {"table4.review.upheld": 2, "table4.review.other": ""}}
    path.write_text(json.dumps(v0, ensure_ascii=False), encoding="utf-8")


def user_version(path: Path) -> int:
    raw = sqlite3.connect(path)
    try:
        return raw.execute("PRAGMA user_version").fetchone()[0]
    finally:
        raw.close()


def check_upgrade_path(command: list[str], tmp_path: Path) -> None:
    home = tmp_path / "home"
    store = home / "nianbao.sqlite3"
    make_version0_store(store)
    old_draft = tmp_path / "old.nianbao.json"
    make_version0_draft(old_draft)
    env = clean_env(NIANBAO_HOME=str(home), HOME=str(tmp_path))

    # the store is migrated once, after a copy of the old file is kept
    out = nianbao(command, "drafts", env=env).stdout
    assert SAMPLE_BODY in out  # the migrated (empty) store got the bundled sample
    backup = home / "nianbao.sqlite3.bak-v0"
    assert backup.is_file()
    assert user_version(store) == SCHEMA_VERSION
    assert user_version(backup) == 0
    backup_bytes = backup.read_bytes()

    # the version-0 draft file opens: checked, saved into the store, written back at the current version
    problems = json.loads(nianbao(command, "check", str(old_draft), "--json", env=env, ok=(0, 1)).stdout)
    assert isinstance(problems, list)
    nianbao(command, "save", str(old_draft), env=env)
    ids = listed_ids(nianbao(command, "drafts", env=env).stdout)
    assert V0_BODY in ids and SAMPLE_BODY in ids
    out_file = tmp_path / "now.nianbao.json"
    nianbao(command, "dump", str(ids[V0_BODY]), "-o", str(out_file), env=env)
    now = json.loads(out_file.read_text(encoding="utf-8"))
    assert now["format_version"] == FORMAT_VERSION
    assert now["body"] == V0_BODY and now["values"] == {"table4.review.upheld": 2}
    assert now["sections"]["overview"] == "总体情况"

    # migrations ran once: no second copy, the first one untouched
    assert sorted(p.name for p in home.glob("*.bak-*")) == ["nianbao.sqlite3.bak-v0"]
    assert backup.read_bytes() == backup_bytes


def test_old_store_and_version0_draft_open_from_source(tmp_path):
    check_upgrade_path(source_command(), tmp_path)


@pytest.mark.slow
def test_old_store_and_version0_draft_open_in_the_bundle(tmp_path):
    check_upgrade_path(bundle_command(), tmp_path)


# --- the bundle ----------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_bundle_holds_what_the_program_needs_and_little_else():
    internal = BUNDLE / "_internal"
    assert os.access(EXE, os.X_OK)
    templates = {p.name for p in (internal / "forms" / "templates").glob("*.toml")}
    assert templates == {p.name for p in (ROOT / "forms" / "templates").glob("*.toml")}
    samples = {p.name for p in (internal / "resources" / "samples").glob("*.nianbao.json")}
    assert samples == {p.name for p in (ROOT / "resources" / "samples").glob("*.nianbao.json")}
    plugins_dir = internal / "PySide6" / "Qt" / "plugins"
    if WINDOWS:  # the wheel's Windows layout: PySide6/plugins
        plugins_dir = internal / "PySide6" / "plugins"
    plugins = {p.relative_to(plugins_dir).as_posix() for p in plugins_dir.rglob("*") if p.is_file()}
    assert QT_PLUGINS_REQUIRED <= plugins <= QT_PLUGINS_ALLOWED
    libs = {p.name for p in internal.rglob("*.dll" if WINDOWS else "*.so*")}
    for unwanted in ("WebEngine", "Qml", "Quick", "Designer", "Pdf", "Multimedia", "Network", "Svg", "gtk"):
        assert not [name for name in libs if unwanted in name], unwanted
    for package in ("pytest", "_pytest", "hypothesis", "pygments", "setuptools", "pip", "tkinter"):
        assert not (internal / package).exists(), package
    translations = {p.name for p in internal.rglob("*.qm")}
    assert {"qtbase_zh_CN.qm", "qt_zh_CN.qm"} <= translations
    assert all("zh_CN" in name for name in translations)
    size = sum(p.stat().st_size for p in BUNDLE.rglob("*") if p.is_file() and not p.is_symlink())
    assert size < SIZE_TARGET_MB * 1e6, f"bundle is {size / 1e6:.0f} MB"


@pytest.mark.slow
def test_bundle_opens_the_sample_and_exports_it_like_the_source(tmp_path):
    import docx
    import openpyxl

    outputs = {}
    for name, command in (("bundle", bundle_command()), ("source", source_command())):
        work = tmp_path / name
        work.mkdir()
        env = clean_env(NIANBAO_HOME=str(work / "home"), HOME=str(work))
        ids = listed_ids(nianbao(command, "drafts", env=env).stdout)  # a fresh store: the sample is seeded
        assert SAMPLE_BODY in ids
        nianbao(command, "dump", str(ids[SAMPLE_BODY]), "-o", "x.nianbao.json", env=env, cwd=work)
        nianbao(command, "export", "x.nianbao.json", "--docx", "a.docx", "--xlsx", "a.xlsx", env=env, cwd=work)
        back = nianbao(command, "import", "a.docx", "-o", "back.nianbao.json", env=env, cwd=work).stdout
        checks = {p.name: nianbao(command, "check", str(p), "--json", env=env, ok=(0, 1)).stdout
                  for p in sorted(DATA.glob("*.nianbao.json"))}
        for year in (2024, 2020, 2015):  # each template file is inside: national-2021, national-2019, legacy-2008
            nianbao(command, "new", "--body", "某某县人民政府", "--year", str(year), "-o", f"n{year}.nianbao.json",
                    "--force", env=env, cwd=work)
            nianbao(command, "check", f"n{year}.nianbao.json", env=env, cwd=work, ok=(0, 1))
        outputs[name] = (work, back, checks)

    work, _, checks = outputs["bundle"]
    book = openpyxl.load_workbook(work / "a.xlsx")
    assert book["表三"]["D4"].value == 3001  # the figure in its official cell
    report = docx.Document(str(work / "a.docx"))
    assert SAMPLE_BODY in report.paragraphs[0].text and len(report.tables) == 3
    drafted = json.loads((work / "x.nianbao.json").read_text(encoding="utf-8"))
    imported = json.loads((work / "back.nianbao.json").read_text(encoding="utf-8"))
    assert imported["values"]["table3.natural_person.new_received"] == \
        drafted["values"]["table3.natural_person.new_received"]
    # OpenCC's dictionaries are inside: the 武山 2016 report's Traditional characters are found
    assert "TEXT-TRAD" in checks["2016_武山县_人民政府.nianbao.json"]

    # the bundle and the source checkout give the same answers and the same figures
    source_work, _, source_checks = outputs["source"]
    assert checks == source_checks
    assert json.loads((source_work / "back.nianbao.json").read_text(encoding="utf-8"))["values"] == \
        imported["values"]
    source_book = openpyxl.load_workbook(source_work / "a.xlsx")
    assert book.sheetnames == source_book.sheetnames
    for sheet in book.sheetnames:
        assert [[c.value for c in row] for row in book[sheet].iter_rows()] == \
            [[c.value for c in row] for row in source_book[sheet].iter_rows()], sheet
    source_report = docx.Document(str(source_work / "a.docx"))
    assert [p.text for p in report.paragraphs] == [p.text for p in source_report.paragraphs]
    assert [[c.text for c in row.cells] for t in report.tables for row in t.rows] == \
        [[c.text for c in row.cells] for t in source_report.tables for row in t.rows]


@pytest.mark.slow
def test_bundle_aggregates_many_reports_in_worker_processes(tmp_path):
    """20 reports: enough for `aggregate` to read them in worker processes (multiprocessing, spawn), which a
    frozen program only survives with freeze_support() in its entry point."""
    import openpyxl

    sample = json.loads((ROOT / "resources" / "samples" / "2024_淮安市_人民政府.nianbao.json")
                        .read_text(encoding="utf-8"))
    reports = tmp_path / "reports"
    reports.mkdir()
    for i in range(20):
        (reports / f"r{i:02d}.nianbao.json").write_text(
            json.dumps(dict(sample, body=f"某某县第{i}局"), ensure_ascii=False), encoding="utf-8")
    books = {}
    for name, command in (("bundle", bundle_command()), ("source", source_command())):
        env = clean_env(NIANBAO_HOME=str(tmp_path / name), HOME=str(tmp_path))
        out = tmp_path / f"{name}.xlsx"
        res = nianbao(command, "aggregate", str(reports), "-o", str(out), env=env)
        assert "已汇总 20 个单位" in res.stdout
        books[name] = openpyxl.load_workbook(out)
    assert books["bundle"]["表三"]["D4"].value == 20 * sample["values"]["table3.natural_person.new_received"]
    for sheet in books["source"].sheetnames:
        assert [[c.value for c in r] for r in books["bundle"][sheet].iter_rows()] == \
            [[c.value for c in r] for r in books["source"][sheet].iter_rows()], sheet


def run_window(command: list[str], env: dict[str, str], seconds: int = WINDOW_SECONDS) -> str:
    """Start the window: it must still be running after `seconds` (then it is stopped), with no traceback.
    Returns stderr."""
    proc = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            encoding="utf-8", errors="replace")
    try:
        proc.wait(seconds)
    except subprocess.TimeoutExpired:
        proc.kill()
        _, err = proc.communicate(30)
        assert "Traceback" not in err, err
        return err
    _, err = proc.communicate()
    pytest.fail(f"the window ended by itself within {seconds} s with status {proc.returncode}:\n{err}")


@pytest.mark.slow
def test_bundle_window_starts_offscreen(tmp_path):
    env = clean_env(NIANBAO_HOME=str(tmp_path / "home"), HOME=str(tmp_path))
    err = run_window(bundle_command(), env)
    assert "Could not load the Qt platform plugin" not in err, err
    assert (tmp_path / "home" / "nianbao.sqlite3").is_file()  # it got as far as the store


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("xvfb-run") is None, reason="xvfb-run not installed (apt-get install xvfb)")
def test_bundle_window_starts_on_x11(tmp_path):
    """The real X11 platform plugin (xcb) with the bundled xcb helper libraries, on a virtual X server:
    without a usable platform plugin Qt aborts at once."""
    env = clean_env(NIANBAO_HOME=str(tmp_path / "home"), HOME=str(tmp_path), QT_QPA_PLATFORM="xcb")
    res = subprocess.run(["xvfb-run", "-a", "timeout", str(WINDOW_SECONDS), *bundle_command()], env=env,
                         capture_output=True, encoding="utf-8", errors="replace", timeout=WINDOW_SECONDS + 60)
    assert res.returncode == 124, f"the window ended by itself with status {res.returncode}:\n{res.stderr}"
    assert "Traceback" not in res.stderr and "Could not load the Qt platform plugin" not in res.stderr, res.stderr


# --- the .deb -------------------------------------------------------------------------------------------------


def png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", head[16:24])


def deb_field(deb: Path, field: str) -> str:
    return subprocess.run(["dpkg-deb", "--field", str(deb), field], capture_output=True, text=True,
                          check=True).stdout.strip()


def check_installed_files(root: Path) -> None:
    exe = root / "opt" / "nianbao" / "nianbao"
    assert exe.is_file() and os.access(exe, os.X_OK)
    command = root / "usr" / "bin" / "nianbao"
    assert command.is_symlink() and command.resolve() == exe.resolve()
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str
    entry.read(root / "usr" / "share" / "applications" / "nianbao.desktop", encoding="utf-8")
    desktop = entry["Desktop Entry"]
    assert desktop["Name"] == "年报 — 政府信息公开工作年度报告"
    assert desktop["Type"] == "Application" and desktop["Categories"] == "Office;"
    assert desktop["Icon"] == "nianbao" and desktop["Exec"].split()[0] == "nianbao"
    assert "application/x-nianbao-draft" in desktop["MimeType"].split(";")
    icons = root / "usr" / "share" / "icons" / "hicolor"
    assert png_size(icons / "256x256" / "apps" / "nianbao.png") == (256, 256)
    assert png_size(icons / "48x48" / "apps" / "nianbao.png") == (48, 48)
    assert ET.parse(icons / "scalable" / "apps" / "nianbao.svg").getroot().tag.endswith("svg")
    mime = ET.parse(root / "usr" / "share" / "mime" / "packages" / "nianbao.xml").getroot()
    ns = {"m": "http://www.freedesktop.org/standards/shared-mime-info"}
    mime_type = mime.find("m:mime-type", ns)
    assert mime_type.get("type") == "application/x-nianbao-draft"
    assert [g.get("pattern") for g in mime_type.findall("m:glob", ns)] == ["*.nianbao.json"]


@pytest.mark.slow
@pytest.mark.skipif(NO_DPKG, reason="not a Debian system")
def test_deb_has_the_menu_entry_icon_mime_type_and_command(tmp_path):
    deb = deb_path()
    assert deb_field(deb, "Package") == "nianbao"
    assert deb_field(deb, "Version") == VERSION
    assert deb_field(deb, "Depends").startswith("libc6 (>= 2.")
    listing = subprocess.run(["dpkg-deb", "--contents", str(deb)], capture_output=True, text=True,
                             check=True).stdout
    for path in ("./opt/nianbao/nianbao", "./usr/bin/nianbao -> ../../opt/nianbao/nianbao",
                 "./usr/share/applications/nianbao.desktop", "./usr/share/mime/packages/nianbao.xml",
                 "./usr/share/icons/hicolor/256x256/apps/nianbao.png",
                 "./usr/share/icons/hicolor/scalable/apps/nianbao.svg",
                 "./opt/nianbao/_internal/forms/templates/national-2021.toml"):
        assert path in listing, path
    paths = [line.split(maxsplit=5)[5] for line in listing.splitlines()]
    assert not [p for p in paths if p.startswith(("./home", "./root", "./etc/skel", "./var"))]
    root = tmp_path / "root"
    subprocess.run(["dpkg", "-x", str(deb), str(root)], check=True)
    check_installed_files(root)
    if shutil.which("desktop-file-validate"):
        res = subprocess.run(["desktop-file-validate", str(root / "usr/share/applications/nianbao.desktop")],
                             capture_output=True, text=True)
        assert res.returncode == 0 and not res.stdout.strip(), res.stdout
    # the command through its /usr/bin symlink, with the store in a fake home's data folder
    env = clean_env(HOME=str(tmp_path / "clerk"))
    out = nianbao([str(root / "usr" / "bin" / "nianbao")], "drafts", env=env).stdout
    assert SAMPLE_BODY in out
    assert (tmp_path / "clerk" / ".local" / "share" / "nianbao" / "nianbao.sqlite3").is_file()


def tree_digest(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def dpkg(root: Path, *args: str) -> subprocess.CompletedProcess:
    force = ["--force-script-chrootless", "--force-depends"]
    if os.geteuid() != 0:
        force.append("--force-not-root")
    res = subprocess.run(["dpkg", f"--root={root}", *force, *args], capture_output=True, text=True,
                         env=dict(os.environ, PATH="/usr/sbin:/usr/bin:/sbin:/bin"))
    assert res.returncode == 0, f"dpkg {' '.join(args)}:\n{res.stdout}\n{res.stderr}"
    return res


def mime_type_of(root: Path, file: Path) -> str:
    """The MIME type a desktop (here Qt's QMimeDatabase) gives `file` with root's /usr/share/mime."""
    file.touch()
    code = "import sys; from PySide6.QtCore import QMimeDatabase; print(QMimeDatabase().mimeTypeForFile(sys.argv[1]).name())"
    env = dict(os.environ, XDG_DATA_DIRS=str(root / "usr" / "share"), XDG_DATA_HOME=str(root / "nonexistent"))
    return subprocess.run([sys.executable, "-c", code, str(file)], env=env, capture_output=True, text=True,
                          check=True).stdout.strip()


def dpkg_root(root: Path) -> Path:
    """An empty dpkg database, and the system's own MIME definitions as shared-mime-info installs them (so
    /usr/share/mime/packages is not ours alone, as on a real desktop)."""
    for d in ("var/lib/dpkg/info", "var/lib/dpkg/updates", "var/lib/dpkg/triggers", "usr/share/mime/packages"):
        (root / d).mkdir(parents=True, exist_ok=True)
    for f in ("var/lib/dpkg/status", "var/lib/dpkg/available"):
        (root / f).touch()
    system_mime = Path("/usr/share/mime/packages/freedesktop.org.xml")
    if system_mime.is_file():
        shutil.copyfile(system_mime, root / "usr/share/mime/packages/freedesktop.org.xml")
    return root


@pytest.mark.slow
@pytest.mark.skipif(NO_DPKG, reason="not a Debian system")
def test_deb_install_upgrade_remove_leave_the_clerks_store_alone(tmp_path):
    """dpkg --root installs the package into a scratch root (maintainer scripts run outside a chroot, with
    DPKG_ROOT set); a fake clerk's home holds a store made by the installed program."""
    old = deb_path()
    new_version = f"{VERSION}+upgrade1"
    subprocess.run([sys.executable, str(ROOT / "packaging" / "build_deb.py"), "--version", new_version,
                    "--out", str(tmp_path / "debs"), "--work", str(tmp_path / "work"), "--compression", "none"],
                   check=True, capture_output=True)
    new = next((tmp_path / "debs").glob("nianbao_*.deb"))
    root = dpkg_root(tmp_path / "root")
    clerk = tmp_path / "clerk"
    data = clerk / ".local" / "share" / "nianbao"
    env = clean_env(HOME=str(clerk))
    command = [str(root / "usr" / "bin" / "nianbao")]

    dpkg(root, "-i", str(old))
    check_installed_files(root)
    if shutil.which("update-mime-database"):  # postinst ran and registered the draft file type
        assert "*.nianbao.json" in (root / "usr/share/mime/globs2").read_text(encoding="utf-8")
        assert mime_type_of(root, tmp_path / "x.nianbao.json") == "application/x-nianbao-draft"
        assert mime_type_of(root, tmp_path / "x.json") == "application/json"
    if shutil.which("update-desktop-database"):  # ... and the menu entry opens it
        cache = (root / "usr/share/applications/mimeinfo.cache").read_text(encoding="utf-8")
        assert "application/x-nianbao-draft=nianbao.desktop;" in cache
    v0 = tmp_path / "old.nianbao.json"
    make_version0_draft(v0)
    nianbao(command, "save", str(v0), env=env)
    ids = listed_ids(nianbao(command, "drafts", env=env).stdout)
    assert set(ids) == SAMPLE_BODIES | {V0_BODY}
    before = tree_digest(data)
    assert "nianbao.sqlite3" in before

    dpkg(root, "-i", str(new))  # upgrade
    status = dpkg(root, "-s", "nianbao").stdout
    assert f"Version: {new_version}" in status and "Status: install ok installed" in status
    assert tree_digest(data) == before
    assert listed_ids(nianbao(command, "drafts", env=env).stdout) == ids  # the new version opens the old store
    before = tree_digest(data)

    dpkg(root, "-r", "nianbao")
    assert not (root / "opt" / "nianbao" / "nianbao").exists() and not (root / "usr" / "bin" / "nianbao").exists()
    assert tree_digest(data) == before
    dpkg(root, "--purge", "nianbao")
    assert tree_digest(data) == before
    if (root / "usr/share/mime/globs2").exists():  # postrm refreshed the MIME database
        assert "*.nianbao.json" not in (root / "usr/share/mime/globs2").read_text(encoding="utf-8")

    dpkg(root, "-i", str(old))  # installed again later: the drafts are all there
    assert listed_ids(nianbao(command, "drafts", env=env).stdout) == ids

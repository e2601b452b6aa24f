"""Tests for forms.store: API, schema/migrations, recovery, errors, and real multi-process behaviour."""

from __future__ import annotations

import errno
import functools
import importlib.util
import json
import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import time
import zlib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forms import store as store_mod
from forms.store import (
    APPLICATION_ID,
    SCHEMA_VERSION,
    ConflictError,
    DraftInfo,
    DraftNotFoundError,
    Revision,
    Store,
    StoreError,
    data_dir,
    default_store_path,
    summarize_change,
)

ROOT = Path(__file__).resolve().parent.parent
CHILD = Path(__file__).resolve().parent / "store_child.py"

_spec = importlib.util.spec_from_file_location("store_child", CHILD)
store_child = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(store_child)

ISO_SECONDS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$")


def sample_draft(**overrides) -> dict:
    draft = {
        "format": "nianbao-draft",
        "format_version": 1,
        "template": "gov-2021",
        "body": "某某市人民政府办公室",
        "year": 2024,
        "meta": {"contact": "办公室"},
        "sections": {"overview": "本年度，我单位认真贯彻落实《条例》。", "problems": "存在的问题。"},
        "values": {"table3.natural_person.granted": "12", "table3.natural_person.received": "15.50"},
    }
    draft.update(overrides)
    return draft


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "nianbao.sqlite3"


@pytest.fixture
def store(path: Path):
    s = Store(path)
    yield s
    s.close()


def child_env() -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def corrupt_names(path: Path) -> list[Path]:
    return sorted(p for p in path.parent.iterdir() if ".corrupt-" in p.name)


# --------------------------------------------------------------------------- paths


def test_data_dir_from_env(tmp_path, monkeypatch):
    home = tmp_path / "a" / "b"
    monkeypatch.setenv("NIANBAO_HOME", str(home))
    assert data_dir() == home
    assert home.is_dir()
    assert default_store_path() == home / "nianbao.sqlite3"


def test_data_dir_platformdirs(tmp_path, monkeypatch):
    monkeypatch.delenv("NIANBAO_HOME", raising=False)
    calls = []

    def fake(appname, appauthor=None):
        calls.append((appname, appauthor))
        return str(tmp_path / "platform" / appname)

    monkeypatch.setattr(store_mod.platformdirs, "user_data_dir", fake)
    assert data_dir() == tmp_path / "platform" / "nianbao"
    assert (tmp_path / "platform" / "nianbao").is_dir()
    assert calls == [("nianbao", False)]


def test_data_dir_not_creatable(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setenv("NIANBAO_HOME", str(blocker / "sub"))
    with pytest.raises(StoreError) as exc:
        data_dir()
    assert "数据目录" in str(exc.value)


def test_default_path_used(tmp_path, monkeypatch):
    monkeypatch.setenv("NIANBAO_HOME", str(tmp_path / "home"))
    with Store() as s:
        assert s.path == tmp_path / "home" / "nianbao.sqlite3"
        s.create(sample_draft())
    assert (tmp_path / "home" / "nianbao.sqlite3").exists()


# --------------------------------------------------------------------------- basic API


def test_pragmas(store, path):
    conn = store.conn
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] == 5000
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    raw = sqlite3.connect(path)
    assert raw.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    assert raw.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    raw.close()


def test_create_and_load(store):
    draft = sample_draft()
    info = store.create(draft, state={"errors": 2, "warnings": 1})
    assert isinstance(info, DraftInfo)
    assert (info.rev, info.body, info.year, info.template) == (1, "某某市人民政府办公室", 2024, "gov-2021")
    assert info.state == {"errors": 2, "warnings": 1}
    assert not info.is_sample and not info.deleted
    assert ISO_SECONDS.match(info.created) and ISO_SECONDS.match(info.updated)
    loaded_info, content = store.load(info.id)
    assert loaded_info == info
    assert content == draft
    assert store.history(info.id) == [Revision(info.id, 1, info.created, "新建")]


def test_content_stored_as_sorted_json(store):
    draft = sample_draft(values={"b": "1.10", "a": "2"})
    info = store.create(draft)
    codec, blob = store.conn.execute(
        "SELECT codec, content FROM revisions WHERE draft_id = ?", (info.id,)
    ).fetchone()
    assert codec == "zlib"
    text = zlib.decompress(blob).decode("utf-8")
    assert text == json.dumps(draft, ensure_ascii=False, sort_keys=True)
    assert "某某市" in text  # not \u-escaped
    assert store.load(info.id)[1]["values"] == {"a": "2", "b": "1.10"}  # decimal strings kept verbatim


def test_sample_flag(store):
    assert store.create(sample_draft(), is_sample=True).is_sample


def test_save_increments_rev_and_summarizes(store):
    info = store.create(sample_draft())
    new = sample_draft(
        values={"table3.natural_person.granted": "13", "table3.natural_person.received": "15.50"}
    )
    info2 = store.save(info.id, new, expected_rev=1, state={"errors": 0})
    assert info2.rev == 2 and info2.state == {"errors": 0}
    assert store.load(info.id) == (info2, new)
    assert store.load(info.id, 1)[1] == sample_draft()
    hist = store.history(info.id)
    assert [h.rev for h in hist] == [2, 1]
    assert hist[0].summary == "修改 1 个数字：table3.natural_person.granted"
    info3 = store.save(info.id, new, expected_rev=2, summary="手动保存")
    assert store.history(info.id)[0].summary == "手动保存"
    assert info3.state is None  # state describes the content just saved; none given


def test_save_updates_listing_fields(store):
    info = store.create(sample_draft())
    info2 = store.save(info.id, sample_draft(body="另一个机关", year="2025"), expected_rev=1)
    assert (info2.body, info2.year) == ("另一个机关", 2025)
    assert store.list()[0].body == "另一个机关"


def test_conflict_in_process(store):
    info = store.create(sample_draft())
    store.save(info.id, sample_draft(body="A"), expected_rev=1)
    with pytest.raises(ConflictError) as exc:
        store.save(info.id, sample_draft(body="B"), expected_rev=1)
    err = exc.value
    assert (err.draft_id, err.expected_rev, err.actual_rev) == (info.id, 1, 2)
    assert isinstance(err, StoreError) and "第 2 版" in str(err)
    assert store.load(info.id)[1]["body"] == "A"
    assert len(store.history(info.id)) == 2


def test_unknown_draft(store):
    with pytest.raises(DraftNotFoundError) as exc:
        store.load(42)
    assert isinstance(exc.value, KeyError) and isinstance(exc.value, StoreError)
    assert str(exc.value).startswith("找不到草稿")
    info = store.create(sample_draft())
    with pytest.raises(KeyError):
        store.load(info.id, 7)
    for call in (
        lambda: store.save(42, sample_draft(), expected_rev=1),
        lambda: store.history(42),
        lambda: store.delete(42),
        lambda: store.restore(42),
        lambda: store.duplicate(42),
        lambda: store.restore_revision(42, 1, expected_rev=1),
        lambda: store.restore_revision(info.id, 9, expected_rev=1),
    ):
        with pytest.raises(DraftNotFoundError):
            call()


def test_list_newest_edit_first_and_bin(store):
    a = store.create(sample_draft(body="甲"))
    b = store.create(sample_draft(body="乙"))
    c = store.create(sample_draft(body="丙"))
    assert [i.id for i in store.list()] == [c.id, b.id, a.id]
    store.save(a.id, sample_draft(body="甲2"), expected_rev=1)
    assert [i.id for i in store.list()] == [a.id, c.id, b.id]

    store.delete(c.id)
    assert [i.id for i in store.list()] == [a.id, b.id]
    binned = store.list(deleted=True)
    assert [i.id for i in binned] == [c.id] and binned[0].deleted
    assert store.load(c.id)[1]["body"] == "丙"  # still readable from the bin

    store.restore(c.id)
    assert {i.id for i in store.list()} == {a.id, b.id, c.id}
    assert store.list(deleted=True) == []


def test_purge_only_from_bin(store):
    info = store.create(sample_draft())
    with pytest.raises(StoreError):
        store.purge(info.id)
    store.delete(info.id)
    store.purge(info.id)
    assert store.list(deleted=True) == []
    assert store.conn.execute("SELECT count(*) FROM revisions").fetchone()[0] == 0


def test_duplicate(store):
    info = store.create(sample_draft(), is_sample=True, state={"errors": 1})
    store.save(info.id, sample_draft(body="改过"), expected_rev=1, state={"errors": 3})
    dup = store.duplicate(info.id)
    assert dup.id != info.id and dup.rev == 1 and not dup.is_sample
    assert dup.state == {"errors": 3}
    assert store.load(dup.id)[1] == sample_draft(body="改过")
    assert len(store.history(dup.id)) == 1 and "复制自" in store.history(dup.id)[0].summary
    assert store.load(info.id)[0].rev == 2  # the source is untouched
    assert store.list()[0].id == dup.id


def test_restore_revision(store):
    info = store.create(sample_draft(body="v1"))
    store.save(info.id, sample_draft(body="v2"), expected_rev=1)
    store.save(info.id, sample_draft(body="v3"), expected_rev=2)
    with pytest.raises(ConflictError):
        store.restore_revision(info.id, 1, expected_rev=2)
    restored = store.restore_revision(info.id, 1, expected_rev=3)
    assert restored.rev == 4 and restored.body == "v1"
    assert store.load(info.id)[1] == sample_draft(body="v1")
    hist = store.history(info.id)
    assert [h.rev for h in hist] == [4, 3, 2, 1]
    assert hist[0].summary == "恢复到第1版"
    assert store.load(info.id, 3)[1]["body"] == "v3"  # history never rewritten


def test_set_state(store):
    info = store.create(sample_draft(), state={"errors": 1})
    updated = store.set_state(info.id, {"errors": 0, "warnings": 2})
    assert updated.state == {"errors": 0, "warnings": 2} and updated.rev == 1
    assert store.list()[0].state == {"errors": 0, "warnings": 2}


def test_persists_across_reopen(path):
    with Store(path) as s:
        info = s.create(sample_draft())
        s.save(info.id, sample_draft(body="再次"), expected_rev=1)
    with Store(path) as s:
        assert s.recovered_from is None
        assert s.load(info.id)[1]["body"] == "再次"
        assert [h.rev for h in s.history(info.id)] == [2, 1]


def test_bad_content_is_store_error(store):
    info = store.create(sample_draft())
    store.conn.execute("UPDATE revisions SET content = x'00010203' WHERE draft_id = ?", (info.id,))
    with pytest.raises(StoreError) as exc:
        store.load(info.id)
    assert "已损坏" in str(exc.value)


def test_unserialisable_draft_writes_nothing(store):
    info = store.create(sample_draft())
    with pytest.raises(TypeError):
        store.save(info.id, sample_draft(values={"x": object()}), expected_rev=1)
    assert store.load(info.id)[0].rev == 1


def test_closed_store(path):
    s = Store(path)
    s.close()
    with pytest.raises(StoreError):
        s.list()


# --------------------------------------------------------------------------- summaries


def test_summarize_change():
    base = sample_draft()
    assert summarize_change(None, base) == "新建"
    assert summarize_change(base, base) == "无改动"
    three = sample_draft(values={"t.a": "1", "t.b": "2", "t.c": "3"})
    three_changed = sample_draft(values={"t.a": "9", "t.b": "8", "t.c": "3", "t.d": "4"})
    assert summarize_change(three, three_changed) == "修改 3 个数字：t.a 等"
    texts = sample_draft(sections={"overview": "新的概述", "problems": "存在的问题。"})
    assert summarize_change(base, texts) == "修改文字：overview"
    both = sample_draft(
        values={"table3.natural_person.granted": "1", "table3.natural_person.received": "2"},
        sections={"overview": "x", "problems": "y", "plan": "z"},
    )
    assert summarize_change(base, both) == (
        "修改 2 个数字：table3.natural_person.granted 等；修改文字：overview 等 3 处"
    )
    assert summarize_change(base, sample_draft(body="新机关")) == "修改基本信息"
    assert summarize_change(base, {**base, "extra": 1}) == "其他修改"
    nested_old = {"values": {"table3": {"a": "1", "b": "2"}}}
    nested_new = {"values": {"table3": {"a": "1", "b": "3"}}}
    assert summarize_change(nested_old, nested_new) == "修改 1 个数字：table3.b"


def test_summary_is_short():
    long_key = "table3." + "x" * 200
    s = summarize_change({"values": {}}, {"values": {long_key: "1"}})
    assert len(s) <= 80 and s.endswith("…")


json_leaf = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=20))
json_value = st.recursive(
    json_leaf,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=20,
)
draft_like = st.dictionaries(
    st.sampled_from(["values", "sections", "meta", "body", "year", "template", "other"]), json_value
)


@settings(max_examples=100, deadline=None)
@given(old=st.one_of(st.none(), draft_like), new=draft_like)
def test_summarize_never_fails(old, new):
    s = summarize_change(old, new)
    assert isinstance(s, str) and 0 < len(s) <= 80
    if old is not None and old == new:
        assert s == "无改动"


# --------------------------------------------------------------------------- migrations


def test_fresh_file_has_no_backup(path):
    Store(path).close()
    assert not list(path.parent.glob("*.bak-*"))


def test_empty_file_is_a_fresh_store(path):
    path.write_bytes(b"")
    with Store(path) as s:
        assert s.recovered_from is None
        s.create(sample_draft())
    assert corrupt_names(path) == []


def test_migrates_from_version_0(path):
    # A store of the made-up version 0: marked as ours, no tables yet.
    raw = sqlite3.connect(path)
    raw.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    raw.execute("PRAGMA user_version = 0")
    raw.close()
    with Store(path) as s:
        assert s.recovered_from is None
        info = s.create(sample_draft())
        assert s.load(info.id)[1] == sample_draft()
    backup = path.with_name("nianbao.sqlite3.bak-v0")
    assert backup.exists()
    raw = sqlite3.connect(path)
    assert raw.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    raw.close()


def test_migration_to_new_version(path, monkeypatch):
    """A made-up v2 migration: runs once, in order, keeps data, backs up the v1 file first."""
    with Store(path) as s:
        info = s.create(sample_draft())
    runs = []

    def to_v2(conn):
        runs.append(1)
        conn.execute("ALTER TABLE drafts ADD COLUMN colour TEXT")
        conn.execute("UPDATE drafts SET colour = 'red'")

    monkeypatch.setitem(store_mod.MIGRATIONS, 2, to_v2)
    monkeypatch.setattr(store_mod, "SCHEMA_VERSION", 2)
    with Store(path) as s:
        assert s.load(info.id)[1] == sample_draft()
        assert s.conn.execute("SELECT colour FROM drafts").fetchone()[0] == "red"
        assert s.conn.execute("PRAGMA user_version").fetchone()[0] == 2
    with Store(path):
        pass
    assert runs == [1]  # not re-run on the next open

    backup = path.with_name("nianbao.sqlite3.bak-v1")
    raw = sqlite3.connect(backup)
    assert raw.execute("PRAGMA user_version").fetchone()[0] == 1
    assert raw.execute("SELECT count(*) FROM revisions").fetchone()[0] == 1
    raw.close()


def test_failed_migration_rolls_back(path, monkeypatch):
    with Store(path) as s:
        info = s.create(sample_draft())

    def broken(conn):
        conn.execute("CREATE TABLE half_done (x)")
        raise RuntimeError("boom")

    monkeypatch.setitem(store_mod.MIGRATIONS, 2, broken)
    monkeypatch.setattr(store_mod, "SCHEMA_VERSION", 2)
    with pytest.raises(StoreError) as exc:
        Store(path)
    assert "第 2 版" in str(exc.value)
    raw = sqlite3.connect(path)
    assert raw.execute("PRAGMA user_version").fetchone()[0] == 1
    assert raw.execute("SELECT count(*) FROM sqlite_schema WHERE name = 'half_done'").fetchone()[0] == 0
    raw.close()
    monkeypatch.delitem(store_mod.MIGRATIONS, 2)
    monkeypatch.setattr(store_mod, "SCHEMA_VERSION", 1)
    with Store(path) as s:
        assert s.load(info.id)[1] == sample_draft()


def test_newer_version_is_refused_untouched(path):
    with Store(path) as s:
        s.create(sample_draft())
    raw = sqlite3.connect(path)
    raw.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    raw.close()
    before = path.read_bytes()
    with pytest.raises(StoreError) as exc:
        Store(path)
    assert "更新版本" in str(exc.value)
    assert path.read_bytes() == before
    assert corrupt_names(path) == []


# --------------------------------------------------------------------------- recovery


def assert_fresh_after_recovery(path: Path, s: Store, original: bytes | None) -> Path:
    moved = s.recovered_from
    assert moved is not None and moved.exists()
    assert re.fullmatch(r"nianbao\.sqlite3\.corrupt-\d{8}-\d{6}(-\d+)?", moved.name)
    if original is not None:
        assert moved.read_bytes() == original  # kept byte for byte
    assert s.list() == []
    info = s.create(sample_draft())
    assert s.load(info.id)[1] == sample_draft()
    return moved


def test_random_bytes_moved_aside(path):
    junk = random.Random(1).randbytes(50_000)
    path.write_bytes(junk)
    wal = path.with_name(path.name + "-wal")
    shm = path.with_name(path.name + "-shm")
    wal.write_bytes(b"old wal")
    shm.write_bytes(b"old shm")
    with Store(path) as s:
        moved = assert_fresh_after_recovery(path, s, junk)
        assert moved.with_name(moved.name + "-wal").read_bytes() == b"old wal"
        assert moved.with_name(moved.name + "-shm").read_bytes() == b"old shm"


def test_tiny_text_file_moved_aside(path):
    path.write_text("hello")
    with Store(path) as s:
        assert_fresh_after_recovery(path, s, b"hello")


@pytest.mark.parametrize("app_id", [0, 12345])
def test_foreign_sqlite_moved_aside(path, app_id):
    raw = sqlite3.connect(path)
    raw.execute(f"PRAGMA application_id = {app_id}")
    raw.execute("CREATE TABLE contacts (name TEXT)")
    raw.execute("INSERT INTO contacts VALUES ('张三')")
    raw.commit()
    raw.close()
    original = path.read_bytes()
    with Store(path) as s:
        moved = assert_fresh_after_recovery(path, s, original)
    raw = sqlite3.connect(moved)  # the other program's data is intact
    assert raw.execute("SELECT name FROM contacts").fetchall() == [("张三",)]
    raw.close()


def _filled_store(path: Path, n: int = 60) -> bytes:
    with Store(path) as s:
        for i in range(n):
            s.create(store_child.content_for(i + 5))
        s.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = path.read_bytes()
    assert len(data) > 20 * 4096
    return data


def test_truncated_store_moved_aside(path):
    data = _filled_store(path)
    truncated = data[: len(data) // 2]
    path.write_bytes(truncated)
    with Store(path) as s:
        assert_fresh_after_recovery(path, s, truncated)


def test_garbage_pages_moved_aside(path):
    data = bytearray(_filled_store(path))
    page = 4096
    rng = random.Random(7)
    for n in (3, 7, 11):  # b-tree pages after the header page
        data[n * page : (n + 1) * page] = rng.randbytes(page)
    path.write_bytes(bytes(data))
    with Store(path) as s:
        assert_fresh_after_recovery(path, s, bytes(data))


def test_two_recoveries_get_distinct_names(path):
    path.write_bytes(b"junk one")
    with Store(path) as s:
        first = s.recovered_from
    path.write_bytes(b"junk two")
    with Store(path) as s:
        second = s.recovered_from
    assert first != second
    assert first.read_bytes() == b"junk one" and second.read_bytes() == b"junk two"


# --------------------------------------------------------------------------- errors


def _readonly_connect(p: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{p}?mode=ro", uri=True, isolation_level=None)


def test_read_only_store(path, monkeypatch):
    """Tests run as root, where chmod does not stop writes; instead every
    connection is opened with SQLite's read-only URI (file:...?mode=ro), which
    gives the same SQLITE_READONLY errors as a read-only folder/file."""
    with Store(path) as s:
        info = s.create(sample_draft())
    monkeypatch.setattr(store_mod, "_connect", _readonly_connect)
    with Store(path) as s:
        assert [i.id for i in s.list()] == [info.id]  # reading still works
        for write in (
            lambda: s.save(info.id, sample_draft(body="x"), expected_rev=1),
            lambda: s.create(sample_draft()),
            lambda: s.delete(info.id),
        ):
            with pytest.raises(StoreError) as exc:
                write()
            assert type(exc.value) is StoreError
            assert str(exc.value).startswith("数据目录不可写")
            assert isinstance(exc.value.__cause__, sqlite3.Error)
    monkeypatch.undo()
    with Store(path) as s:
        assert s.load(info.id)[0].rev == 1


def test_read_only_new_store(path, monkeypatch):
    """No store yet and the folder cannot be written: a clear StoreError at open."""
    monkeypatch.setattr(store_mod, "_connect", _readonly_connect)
    with pytest.raises(StoreError) as exc:
        Store(path)
    assert str(exc.value).startswith("数据目录不可写")
    assert not corrupt_names(path)


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root ignores directory permissions")
def test_read_only_folder_chmod(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        with pytest.raises(StoreError) as exc:
            Store(folder / "nianbao.sqlite3")
        assert "不可写" in str(exc.value)
    finally:
        folder.chmod(0o755)


def test_disk_full(store):
    """SQLITE_FULL simulated with PRAGMA max_page_count (no real full disk needed)."""
    info = store.create(sample_draft())
    pages = store.conn.execute("PRAGMA page_count").fetchone()[0]
    store.conn.execute(f"PRAGMA max_page_count = {pages}")
    rng = random.Random(3)
    big = sample_draft(
        sections={"overview": "".join(rng.choice("政务公开年报依申请") for _ in range(50_000))}
    )
    with pytest.raises(StoreError) as exc:
        store.save(info.id, big, expected_rev=1)
    assert str(exc.value).startswith("无法保存：磁盘已满")
    assert isinstance(exc.value.__cause__, sqlite3.Error)
    # Nothing half-written; the store keeps working once there is space again.
    assert store.load(info.id)[0].rev == 1
    assert len(store.history(info.id)) == 1
    store.conn.execute("PRAGMA max_page_count = 1073741823")
    assert store.save(info.id, big, expected_rev=1).rev == 2


def test_os_errors_translated(tmp_path):
    full = store_mod._os_error(OSError(errno.ENOSPC, "No space left on device"), tmp_path)
    assert str(full).startswith("无法保存：磁盘已满")
    ro = store_mod._os_error(OSError(errno.EROFS, "Read-only file system"), tmp_path)
    assert str(ro).startswith("数据目录不可写")


def test_move_aside_failure_is_store_error(path, monkeypatch):
    path.write_bytes(b"junk")

    def refuse(*args):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(store_mod.os, "replace", refuse)
    with pytest.raises(StoreError) as exc:
        Store(path)
    assert "无法把它移到一旁" in str(exc.value)
    assert path.read_bytes() == b"junk"


# --------------------------------------------------------------------------- real processes


def start_child(*args: str, stdin=None) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, str(CHILD), *args],
        stdin=stdin,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=child_env(),
    )


def test_conflict_between_processes_sequential(path):
    """Processes A and B both load rev 1; A saves first, then B (stale) gets ConflictError."""
    with Store(path) as s:
        info = s.create(sample_draft())
    procs = [start_child("race", str(path), str(info.id), tag, stdin=subprocess.PIPE) for tag in "AB"]
    for p in procs:
        assert p.stdout.readline().strip() == "ready", p.stderr.read()
    results = []
    for p in procs:  # release A, wait for it to finish, then release B
        out, err = p.communicate("go\n", timeout=30)
        assert p.returncode == 0, err
        results.append(json.loads(out.splitlines()[-1]))
    assert results[0] == {"ok": True, "rev": 2}
    assert results[1] == {"conflict": True, "expected": 1, "actual": 2}
    with Store(path) as s:
        assert s.load(info.id)[1] == store_child.tagged_content("A")
        assert [h.rev for h in s.history(info.id)] == [2, 1]


def test_conflict_between_processes_racing(path):
    """Two processes load rev 1 and are released at the same moment: exactly one wins."""
    with Store(path) as s:
        info = s.create(sample_draft())
    procs = {tag: start_child("race", str(path), str(info.id), tag, stdin=subprocess.PIPE) for tag in "AB"}
    for p in procs.values():
        assert p.stdout.readline().strip() == "ready", p.stderr.read()
    for p in procs.values():
        p.stdin.write("go\n")
        p.stdin.flush()
    results = {}
    for tag, p in procs.items():
        out, err = p.communicate(timeout=30)
        assert p.returncode == 0, err
        results[tag] = json.loads(out.splitlines()[-1])
    winners = [t for t, r in results.items() if r.get("ok")]
    losers = [t for t, r in results.items() if r.get("conflict")]
    assert len(winners) == 1 and len(losers) == 1, results
    assert results[winners[0]] == {"ok": True, "rev": 2}
    assert results[losers[0]] == {"conflict": True, "expected": 1, "actual": 2}
    with Store(path) as s:
        assert s.load(info.id)[1] == store_child.tagged_content(winners[0])  # not overwritten
        assert [h.rev for h in s.history(info.id)] == [2, 1]


# content_for() is deterministic; cache it, the kill test compares every revision after every kill.
expected_content = functools.lru_cache(maxsize=None)(store_child.content_for)


def check_store_after_kill(path: Path, draft_id: int) -> int:
    """Every revision intact and as the child meant it; revs contiguous; head = latest."""
    with Store(path) as s:
        assert s.recovered_from is None
        hist = s.history(draft_id)
        revs = [h.rev for h in hist]
        n = revs[0]
        assert revs == list(range(n, 0, -1))
        assert all(h.summary == f"第{h.rev}次保存" for h in hist if h.rev > 1)
        for rev in revs:
            assert s.load(draft_id, rev)[1] == expected_content(rev), f"revision {rev} damaged"
        info, head = s.load(draft_id)
        assert info.rev == n and head == expected_content(n)
        assert s.list()[0].rev == n
    return n


def test_kill_during_saves(path):
    """SIGKILL a saving child at random moments, restarting it, until 200 saves were attempted."""
    seed = int(time.time())
    rng = random.Random(seed)
    with Store(path) as s:
        draft_id = s.create(store_child.content_for(1)).id
    total, attempts, kills, mid_save_kills = 200, 0, 0, 0
    last_done = 1
    deadline = time.monotonic() + 60
    while attempts < total:
        assert time.monotonic() < deadline, f"too slow (seed {seed})"
        p = start_child("saver", str(path), str(draft_id), str(total - attempts))
        first = p.stdout.readline().strip()
        assert first == "ready", f"{first!r} {p.stderr.read()}"
        lines: list[str] = []
        if rng.random() < 0.5:
            # Kill right after the child announced a save, i.e. most likely inside save().
            wanted = rng.randint(1, 40)
            while sum(ln.startswith("try ") for ln in lines) < wanted:
                line = p.stdout.readline()
                if not line:
                    break
                lines.append(line.strip())
        else:
            time.sleep(rng.uniform(0, 0.06))
        alive = p.poll() is None
        if alive:
            os.kill(p.pid, signal.SIGKILL)  # our own child, not yet reaped: the pid is still ours
        p.wait(timeout=30)
        lines += [ln.strip() for ln in p.stdout.read().splitlines()]
        p.stdout.close()
        p.stderr.close()
        if alive and p.returncode == -signal.SIGKILL:
            kills += 1
            mid_save_kills += bool(lines) and lines[-1].startswith("try ")
        else:
            assert p.returncode == 0, f"child failed (seed {seed})"

        # A kill can cut the last line short; only whole "try N"/"done N" lines count.
        events = [m.groups() for ln in lines if (m := re.fullmatch(r"(try|done) (\d+)", ln))]
        tries = [int(r) for kind, r in events if kind == "try"]
        dones = [int(r) for kind, r in events if kind == "done"]
        attempts += len(tries)
        n = check_store_after_kill(path, draft_id)
        # Durability: every save reported done is there; nothing beyond what was tried.
        if dones:
            last_done = dones[-1]
        assert n >= last_done, f"lost an acknowledged save (seed {seed})"
        if tries:
            assert n <= tries[-1], f"phantom revision (seed {seed})"
        last_done = n
    print(f"kill test: {kills} kills ({mid_save_kills} right after 'try'), {n} revisions, seed {seed}")
    assert kills >= 3, f"only {kills} kills, {mid_save_kills} inside a save (seed {seed})"

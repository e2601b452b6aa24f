"""Local storage of drafts and their revisions (SQLite in the user's data dir).

A *draft* is the JSON-able "draft file" dict (format, format_version, template,
body, year, meta, sections, values, ...).  The store reads only ``template``,
``body`` and ``year`` from it (for listing); everything else is kept verbatim
as JSON text.  Every save makes a new *revision*; the draft row points at its
head revision.  Nothing is ever overwritten in place, so any older version can
be looked at or restored.

Design notes (the "why"):

* One SQLite file, WAL mode: readers (a second window, the listing) never block
  the writer, and a process killed mid-save leaves the file consistent.
* Every write is one ``BEGIN IMMEDIATE`` transaction.  IMMEDIATE takes the write
  lock *before* we read the current revision number, so the optimistic
  ``expected_rev`` check and the write are atomic across processes: of two
  windows saving the same draft from the same base, exactly one wins and the
  other gets :class:`ConflictError` with nothing written.
* ``synchronous=FULL`` (see ``_SYNCHRONOUS``): chosen by measurement with
  ``bench/bench_store.py``; FULL keeps save p95 far under the 10 ms target, and
  it is what makes "已保存 14:32:05" true even after a power cut (NORMAL may lose
  the last commits on power loss; it is only safe against process crashes).
* Revision content is zlib-compressed JSON (see ``_encode``): measured 2.7x
  smaller for realistic drafts (12.4 KiB -> 4.6 KiB) for ~0.35 ms per save; every
  revision is kept, and the open-time integrity check reads the whole file, so
  a smaller file is also a faster open.
* ``PRAGMA application_id`` marks the file as ours and ``PRAGMA user_version``
  is the schema version; a foreign or corrupt file is moved aside (never
  deleted) and a fresh store is created, ``Store.recovered_from`` says where
  the old file went so the UI can tell the clerk.
* All sqlite3/OS errors leave this module as :class:`StoreError` with a message
  in Chinese for the clerk; the original exception is chained (``__cause__``).
"""

from __future__ import annotations

import errno
import json
import os
import sqlite3
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import platformdirs

__all__ = [
    "APPLICATION_ID",
    "SCHEMA_VERSION",
    "ConflictError",
    "DraftInfo",
    "DraftNotFoundError",
    "Revision",
    "Store",
    "StoreError",
    "data_dir",
    "default_store_path",
    "summarize_change",
]

# "NIAN" in ASCII (0x4E49414E).  Written into the SQLite header so a file made
# by another program is never mistaken for a Nianbao store.
APPLICATION_ID = 0x4E49414E

STORE_FILENAME = "nianbao.sqlite3"

# Milliseconds a connection waits for another process's write lock before
# giving up with SQLITE_BUSY.  Saves take a few ms, so 5 s is generous.
_BUSY_TIMEOUT_MS = 5000

# FULL: fsync the WAL on every commit.  Chosen by measurement (bench/bench_store.py,
# 1,000 drafts x 50 revisions): save p95 1.4 ms with FULL vs 0.9 ms with NORMAL on
# the development machine, both far below the 10 ms budget, so the extra fsync is
# affordable; in exchange a save the UI reported as done survives a power cut,
# not only a crash of the program.  (Slow disks make fsync dearer: re-run the
# bench on a clerk-class Windows laptop before the release.)
_SYNCHRONOUS = "FULL"

# zlib level 6 (the library default), measured on realistic drafts: level 1
# gives 2.57x in 0.24 ms, 6 gives 2.73x in 0.29 ms, 9 no better than 6 in 0.41 ms.
_ZLIB_LEVEL = 6

_SUMMARY_MAX = 80


# --------------------------------------------------------------------------- paths


def data_dir() -> Path:
    """The folder holding the store: ``$NIANBAO_HOME`` if set, else the platform's
    per-user data folder.  Created if missing."""
    env = os.environ.get("NIANBAO_HOME")
    path = Path(env).expanduser() if env else Path(platformdirs.user_data_dir("nianbao", appauthor=False))
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _os_error(exc, path) from exc
    return path


def default_store_path() -> Path:
    return data_dir() / STORE_FILENAME


# --------------------------------------------------------------------------- errors


class StoreError(Exception):
    """Anything that went wrong in the store; ``str()`` is a Chinese message for the clerk."""


class DraftNotFoundError(StoreError, KeyError):
    """No draft (or no such revision) with that id.  Also a KeyError, as for a dict."""

    def __init__(self, draft_id: int, rev: int | None = None):
        self.draft_id = draft_id
        self.rev = rev
        if rev is None:
            msg = f"找不到草稿（编号 {draft_id}），它可能已被永久删除。"
        else:
            msg = f"找不到草稿（编号 {draft_id}）的第 {rev} 版。"
        super().__init__(msg)

    # KeyError.__str__ would wrap the message in quotes.
    def __str__(self) -> str:
        return str(self.args[0])


class ConflictError(StoreError):
    """The draft was saved elsewhere (another window/process) since it was loaded."""

    def __init__(self, draft_id: int, expected_rev: int, actual_rev: int):
        self.draft_id = draft_id
        self.expected_rev = expected_rev
        self.actual_rev = actual_rev
        super().__init__(
            f"此草稿已在别处保存过（当前为第 {actual_rev} 版，本窗口基于第 {expected_rev} 版），"
            "为避免覆盖别人的修改，本次未保存。请重新打开草稿后再修改。"
        )


class _UnusableFile(Exception):
    """Internal: the file at the store path is not a usable Nianbao store."""


# SQLite primary result codes we translate (extended codes carry these in the low byte).
_SQLITE_PERM = 3
_SQLITE_BUSY = 5
_SQLITE_LOCKED = 6
_SQLITE_READONLY = 8
_SQLITE_IOERR = 10
_SQLITE_CORRUPT = 11
_SQLITE_FULL = 13
_SQLITE_CANTOPEN = 14
_SQLITE_NOTADB = 26

_CORRUPT_CODES = {_SQLITE_CORRUPT, _SQLITE_NOTADB}


def _primary_code(exc: sqlite3.Error) -> int | None:
    code = getattr(exc, "sqlite_errorcode", None)
    return None if code is None else code & 0xFF


def _msg_disk_full() -> str:
    return "无法保存：磁盘已满。请清理磁盘空间（或删除不需要的文件）后重试，本次修改尚未保存。"


def _msg_not_writable(folder: Path) -> str:
    return (
        f"数据目录不可写：{folder}。请检查该文件夹的权限，"
        "或设置环境变量 NIANBAO_HOME 指向一个可写的文件夹。在此之前无法保存草稿。"
    )


def _sqlite_error(exc: sqlite3.Error, path: Path) -> StoreError:
    """Map a raw sqlite3 error to a StoreError the clerk can act on."""
    code = _primary_code(exc)
    if code == _SQLITE_FULL:
        return StoreError(_msg_disk_full())
    if code in (_SQLITE_READONLY, _SQLITE_PERM, _SQLITE_CANTOPEN):
        return StoreError(_msg_not_writable(path.parent))
    if code in (_SQLITE_BUSY, _SQLITE_LOCKED):
        return StoreError("数据文件正被另一个年报窗口长时间占用，请稍后重试。")
    if code in _CORRUPT_CODES:
        return StoreError(
            f"数据文件已损坏：{path}。请关闭并重新启动年报，程序会把损坏的文件另存一旁并新建数据文件。"
        )
    if code == _SQLITE_IOERR:
        return StoreError(f"读写数据文件时出错：{path}（{exc}）。请检查磁盘是否正常、空间是否充足。")
    return StoreError(f"数据库出错：{exc}")


def _os_error(exc: OSError, path: Path) -> StoreError:
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return StoreError(_msg_disk_full())
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return StoreError(_msg_not_writable(path if path.is_dir() else path.parent))
    return StoreError(f"无法访问数据目录 {path}：{exc.strerror or exc}")


# --------------------------------------------------------------------------- records


@dataclass
class DraftInfo:
    id: int
    body: str
    year: int
    template: str
    updated: str  # ISO local time, to the second
    rev: int  # head revision
    created: str
    is_sample: bool
    deleted: bool
    state: dict | None  # whatever the caller passed with the content (e.g. check results)


@dataclass
class Revision:
    draft_id: int
    rev: int
    saved_at: str
    summary: str


def _now() -> str:
    return datetime.now().isoformat(timespec="seconds")


def _dumps(draft: dict) -> str:
    # sort_keys: the same draft always gives the same text (stable diffs/bytes).
    return json.dumps(draft, ensure_ascii=False, sort_keys=True)


def _encode(text: str) -> tuple[bytes, str]:
    return zlib.compress(text.encode("utf-8"), _ZLIB_LEVEL), "zlib"


def _decode(blob: bytes | str, codec: str) -> dict:
    if codec == "zlib":
        text = zlib.decompress(blob).decode("utf-8")
    elif codec == "json":  # uncompressed; readable by hand in the sqlite3 shell
        text = blob if isinstance(blob, str) else bytes(blob).decode("utf-8")
    else:
        raise ValueError(f"unknown codec {codec!r}")
    return json.loads(text)


def _state_text(state: dict | None) -> str | None:
    return None if state is None else json.dumps(state, ensure_ascii=False, sort_keys=True)


def _draft_fields(draft: dict) -> tuple[str, int, str]:
    """(body, year, template): the only parts of a draft the store looks at."""
    body = draft.get("body") or ""
    try:
        year = int(draft.get("year") or 0)
    except (TypeError, ValueError):
        year = 0
    template = draft.get("template") or ""
    return str(body), year, str(template)


# --------------------------------------------------------------------------- schema

# Columns read for DraftInfo, in dataclass order.
_INFO_COLS = "id, body, year, template, updated, rev, created, is_sample, deleted, state"
_INFO_COLS_D = ", ".join("d." + c.strip() for c in _INFO_COLS.split(","))


def _create_v1(conn: sqlite3.Connection) -> None:
    # drafts: one row per draft, the listing reads only this table.
    # edit_seq: a store-wide counter bumped on every edit, so "newest edit
    #   first" is exact even for edits within the same second.
    conn.execute(
        """
        CREATE TABLE drafts (
            id         INTEGER PRIMARY KEY,
            body       TEXT    NOT NULL,
            year       INTEGER NOT NULL,
            template   TEXT    NOT NULL,
            created    TEXT    NOT NULL,
            updated    TEXT    NOT NULL,
            rev        INTEGER NOT NULL,
            is_sample  INTEGER NOT NULL DEFAULT 0,
            deleted    INTEGER NOT NULL DEFAULT 0,
            deleted_at TEXT,
            state      TEXT,
            edit_seq   INTEGER NOT NULL
        )
        """
    )
    conn.execute("CREATE INDEX drafts_by_edit ON drafts (deleted, edit_seq)")
    conn.execute("CREATE INDEX drafts_edit_seq ON drafts (edit_seq)")
    # revisions: immutable once written.  content is the draft JSON, encoded per codec.
    conn.execute(
        """
        CREATE TABLE revisions (
            draft_id INTEGER NOT NULL REFERENCES drafts (id) ON DELETE CASCADE,
            rev      INTEGER NOT NULL,
            saved_at TEXT    NOT NULL,
            summary  TEXT    NOT NULL,
            codec    TEXT    NOT NULL,
            content  BLOB    NOT NULL,
            PRIMARY KEY (draft_id, rev)
        )
        """
    )


# Target version -> function bringing the schema from (target - 1) to target.
# Each runs once, in order, in its own transaction.  Never edit a shipped one:
# add a new entry instead.
MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {
    1: _create_v1,
}

SCHEMA_VERSION = max(MIGRATIONS)


def _connect(path: Path) -> sqlite3.Connection:
    """Open a raw connection (the single place; tests patch it to simulate read-only files)."""
    # isolation_level=None: we issue BEGIN/COMMIT ourselves (the sqlite3 module's
    # implicit transactions would start DEFERRED ones).
    return sqlite3.connect(str(path), isolation_level=None, timeout=_BUSY_TIMEOUT_MS / 1000)


# --------------------------------------------------------------------------- store


class Store:
    """Drafts and revisions in one SQLite file.  Open one per process/window."""

    recovered_from: Path | None

    def __init__(self, path: Path | None = None):
        self.path = Path(path) if path is not None else default_store_path()
        # Where a foreign/corrupt file found at `path` was moved (None if not needed).
        self.recovered_from = None
        self._conn: sqlite3.Connection | None = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise _os_error(exc, self.path.parent) from exc

        try:
            self._conn = self._open_checked()
        except _UnusableFile:
            self.recovered_from = self._move_aside()
            try:
                self._conn = self._open_checked()
            except _UnusableFile as exc:  # a fresh file cannot be unusable; be explicit anyway
                raise StoreError(f"无法新建数据文件：{self.path}") from exc

    # ----------------------------------------------------------------- opening

    def _open_checked(self) -> sqlite3.Connection:
        """Open, verify it is a healthy Nianbao store, migrate it.  Raises _UnusableFile."""
        if _has_foreign_header(self.path):
            raise _UnusableFile("not an SQLite file")
        try:
            conn = _connect(self.path)
        except sqlite3.Error as exc:
            raise _sqlite_error(exc, self.path) from exc
        try:
            conn.execute(f"PRAGMA busy_timeout = {_BUSY_TIMEOUT_MS}")
            # Only reads until we know the file is ours: a foreign file must be
            # moved aside exactly as it was (switching it to WAL would alter it).
            self._check_identity(conn)
            self._check_version(conn)
            self._configure(conn)
            self._migrate(conn)
        except _UnusableFile:
            conn.close()
            raise
        except sqlite3.DatabaseError as exc:
            conn.close()
            if _primary_code(exc) in _CORRUPT_CODES:
                raise _UnusableFile(str(exc)) from exc
            raise _sqlite_error(exc, self.path) from exc
        except BaseException:
            conn.close()
            raise
        return conn

    def _configure(self, conn: sqlite3.Connection) -> None:
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            # SQLite silently keeps the old mode when it cannot write the file.
            raise StoreError(_msg_not_writable(self.path.parent))
        conn.execute(f"PRAGMA synchronous = {_SYNCHRONOUS}")
        conn.execute("PRAGMA foreign_keys = ON")

    @staticmethod
    def _check_identity(conn: sqlite3.Connection) -> None:
        # The first statement that reads the header: on a garbage file this raises
        # SQLITE_NOTADB / SQLITE_CORRUPT, which the caller turns into "move aside".
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        if app_id != APPLICATION_ID:
            n_objects = conn.execute("SELECT count(*) FROM sqlite_schema").fetchone()[0]
            if app_id != 0 or n_objects:
                # Another program's database: not ours to touch.
                raise _UnusableFile(f"foreign SQLite file (application_id={app_id})")
            return  # an empty database (e.g. just created): migrations will set it up
        # Ours: make sure the pages are sound before trusting it.  quick_check
        # skips integrity_check's costly index-vs-table cross-check but still
        # reads every page: ~90 ms of the ~93 ms open+list of the 231 MiB
        # benchmark store (1,000 drafts x 50 revisions, warm OS cache); a real
        # clerk's store is a few MiB.  See bench/bench_store.py.
        rows = conn.execute("PRAGMA quick_check").fetchall()
        if rows != [("ok",)]:
            raise _UnusableFile("quick_check: " + "; ".join(str(r[0]) for r in rows[:5]))

    def _check_version(self, conn: sqlite3.Connection) -> None:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            # Written by a newer Nianbao: do not touch it, the clerk's data is fine.
            raise StoreError(
                f"数据文件 {self.path} 由更新版本的年报创建（数据格式第 {version} 版），"
                "请升级年报后再打开。文件未做任何改动。"
            )

    def _migrate(self, conn: sqlite3.Connection) -> None:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version >= SCHEMA_VERSION:
            return
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        if app_id == APPLICATION_ID:
            # An existing store of an older layout: keep a copy before touching it.
            self._backup(conn, version)
        for target in sorted(MIGRATIONS):
            if target <= version:
                continue
            conn.execute("BEGIN IMMEDIATE")
            try:
                # Re-read under the write lock: another process may have migrated meanwhile.
                current = conn.execute("PRAGMA user_version").fetchone()[0]
                if current < target:
                    MIGRATIONS[target](conn)
                    conn.execute(f"PRAGMA user_version = {int(target)}")
                    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                conn.execute("COMMIT")
            except BaseException as exc:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                if not isinstance(exc, Exception) or isinstance(exc, (StoreError, sqlite3.Error)):
                    raise
                raise StoreError(f"升级数据文件到第 {target} 版失败：{exc}。原文件未改动。") from exc

    def _backup(self, conn: sqlite3.Connection, version: int) -> Path:
        """Consistent copy (includes WAL content) to ``<name>.bak-v<version>``."""
        dest = self.path.with_name(f"{self.path.name}.bak-v{version}")
        if dest.exists():  # keep an earlier backup; never overwrite
            dest = self.path.with_name(f"{dest.name}-{datetime.now():%Y%m%d-%H%M%S}")
        try:
            target = sqlite3.connect(str(dest))
            try:
                conn.backup(target)
            finally:
                target.close()
        except sqlite3.Error as exc:
            raise _sqlite_error(exc, dest) from exc
        return dest

    def _move_aside(self) -> Path:
        """Rename the unusable file (and its -wal/-shm) to ``<name>.corrupt-<stamp>``.  Never deletes."""
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        dest = self.path.with_name(f"{self.path.name}.corrupt-{stamp}")
        n = 2
        while dest.exists():
            dest = self.path.with_name(f"{self.path.name}.corrupt-{stamp}-{n}")
            n += 1
        try:
            # Keep the -wal next to the main file under SQLite's naming (<db>-wal),
            # so the moved copy can still be opened with its last transactions.
            for suffix in ("-wal", "-shm"):
                side = self.path.with_name(self.path.name + suffix)
                if side.exists():
                    os.replace(side, dest.with_name(dest.name + suffix))
            os.replace(self.path, dest)
        except OSError as exc:
            # e.g. another program holds the file open (Windows) or the folder is read-only.
            raise StoreError(
                f"数据文件 {self.path} 已损坏或不是年报的数据文件，但无法把它移到一旁"
                f"（{exc.strerror or exc}）。请关闭其他年报窗口后重试，并检查该文件夹是否可写。"
            ) from exc
        return dest

    # ----------------------------------------------------------------- plumbing

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def conn(self) -> sqlite3.Connection:
        if self._conn is None:
            raise StoreError("数据文件已关闭。")
        return self._conn

    @contextmanager
    def _errors(self) -> Iterator[None]:
        """Translate raw sqlite3/OS errors to StoreError."""
        try:
            yield
        except StoreError:
            raise
        except sqlite3.Error as exc:
            raise _sqlite_error(exc, self.path) from exc
        except OSError as exc:
            raise _os_error(exc, self.path.parent) from exc

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction; IMMEDIATE takes the write lock up front (see module doc)."""
        conn = self.conn
        with self._errors():
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    try:
                        conn.execute("ROLLBACK")
                    except sqlite3.Error:
                        pass  # report the original error, not the failed cleanup
                raise

    @staticmethod
    def _row_info(row: tuple) -> DraftInfo:
        id_, body, year, template, updated, rev, created, is_sample, deleted, state = row
        return DraftInfo(
            id=id_,
            body=body,
            year=year,
            template=template,
            updated=updated,
            rev=rev,
            created=created,
            is_sample=bool(is_sample),
            deleted=bool(deleted),
            state=json.loads(state) if state is not None else None,
        )

    def _info(self, conn: sqlite3.Connection, draft_id: int) -> DraftInfo:
        row = conn.execute(f"SELECT {_INFO_COLS} FROM drafts WHERE id = ?", (draft_id,)).fetchone()
        if row is None:
            raise DraftNotFoundError(draft_id)
        return self._row_info(row)

    def _content(self, conn: sqlite3.Connection, draft_id: int, rev: int) -> dict:
        row = conn.execute(
            "SELECT codec, content FROM revisions WHERE draft_id = ? AND rev = ?", (draft_id, rev)
        ).fetchone()
        if row is None:
            raise DraftNotFoundError(draft_id, rev)
        return self._decode_row(draft_id, rev, row[0], row[1])

    def _decode_row(self, draft_id: int, rev: int, codec: str, blob: bytes) -> dict:
        try:
            return _decode(blob, codec)
        except (ValueError, zlib.error, UnicodeDecodeError) as exc:
            raise StoreError(f"草稿（编号 {draft_id}）第 {rev} 版的内容已损坏，无法读取。") from exc

    @staticmethod
    def _next_edit_seq(conn: sqlite3.Connection) -> int:
        return conn.execute("SELECT coalesce(max(edit_seq), 0) + 1 FROM drafts").fetchone()[0]

    def _add_revision(
        self, conn: sqlite3.Connection, draft_id: int, rev: int, text: str, summary: str, now: str
    ) -> None:
        blob, codec = _encode(text)
        conn.execute(
            "INSERT INTO revisions (draft_id, rev, saved_at, summary, codec, content) VALUES (?, ?, ?, ?, ?, ?)",
            (draft_id, rev, now, _clip(summary), codec, blob),
        )

    def _set_head(
        self,
        conn: sqlite3.Connection,
        draft_id: int,
        rev: int,
        fields: tuple[str, int, str],
        state_text: str | None,
        now: str,
    ) -> None:
        """Point the draft at its new head revision (and refresh the listing columns)."""
        body, year, template = fields
        conn.execute(
            "UPDATE drafts SET body = ?, year = ?, template = ?, updated = ?, rev = ?, state = ?,"
            " edit_seq = ? WHERE id = ?",
            (body, year, template, now, rev, state_text, self._next_edit_seq(conn), draft_id),
        )

    # ----------------------------------------------------------------- API

    def create(
        self, draft: dict, *, is_sample: bool = False, state: dict | None = None, summary: str = "新建"
    ) -> DraftInfo:
        """A new draft at revision 1."""
        text = _dumps(draft)
        state_text = _state_text(state)
        body, year, template = _draft_fields(draft)
        now = _now()
        with self._write() as conn:
            cur = conn.execute(
                "INSERT INTO drafts (body, year, template, created, updated, rev, is_sample, state, edit_seq)"
                " VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?)",
                (body, year, template, now, now, int(is_sample), state_text, self._next_edit_seq(conn)),
            )
            draft_id = cur.lastrowid
            self._add_revision(conn, draft_id, 1, text, summary, now)
            return self._info(conn, draft_id)

    def save(
        self,
        draft_id: int,
        draft: dict,
        *,
        expected_rev: int,
        state: dict | None = None,
        summary: str | None = None,
    ) -> DraftInfo:
        """Store `draft` as revision expected_rev + 1.

        Raises ConflictError (and writes nothing) if the head is no longer
        `expected_rev`, i.e. someone else saved since the caller loaded.
        `state` describes this content (None: unknown).  `summary` None: computed
        from the difference to the previous revision.  Saving a draft that is in
        the bin is allowed (the edit is kept, the draft stays in the bin).
        """
        text = _dumps(draft)  # before the transaction: a bad draft writes nothing
        state_text = _state_text(state)
        fields = _draft_fields(draft)
        now = _now()
        with self._write() as conn:
            row = conn.execute("SELECT rev FROM drafts WHERE id = ?", (draft_id,)).fetchone()
            if row is None:
                raise DraftNotFoundError(draft_id)
            head = row[0]
            if head != expected_rev:
                raise ConflictError(draft_id, expected_rev, head)
            if summary is None:
                # Compare what will actually be stored (JSON round trip), not the caller's objects.
                summary = summarize_change(self._content(conn, draft_id, head), json.loads(text))
            self._add_revision(conn, draft_id, head + 1, text, summary, now)
            self._set_head(conn, draft_id, head + 1, fields, state_text, now)
            return self._info(conn, draft_id)

    def load(self, draft_id: int, rev: int | None = None) -> tuple[DraftInfo, dict]:
        """(info, content).  `info` always describes the draft now (its head
        revision, to pass as expected_rev); content is that of `rev` (default: head)."""
        conn = self.conn
        with self._errors():
            # One statement = one consistent snapshot of head pointer and content.
            row = conn.execute(
                f"SELECT {_INFO_COLS_D}, r.rev, r.codec, r.content"
                " FROM drafts d LEFT JOIN revisions r ON r.draft_id = d.id AND r.rev = coalesce(?, d.rev)"
                " WHERE d.id = ?",
                (rev, draft_id),
            ).fetchone()
            if row is None:
                raise DraftNotFoundError(draft_id)
            info = self._row_info(row[:10])
            if row[10] is None:
                raise DraftNotFoundError(draft_id, rev if rev is not None else info.rev)
            return info, self._decode_row(draft_id, row[10], row[11], row[12])

    def list(self, *, deleted: bool = False) -> list[DraftInfo]:
        """Drafts (or, with deleted=True, the bin), newest edit first.  Reads no content."""
        with self._errors():
            rows = self.conn.execute(
                f"SELECT {_INFO_COLS} FROM drafts WHERE deleted = ? ORDER BY edit_seq DESC",
                (int(deleted),),
            ).fetchall()
        return [self._row_info(r) for r in rows]

    def duplicate(self, draft_id: int) -> DraftInfo:
        """A new draft (rev 1) with the head content and state of `draft_id`."""
        now = _now()
        with self._write() as conn:
            src = self._info(conn, draft_id)
            content = self._content(conn, draft_id, src.rev)
            body, year, template = _draft_fields(content)
            state_text = _state_text(src.state)
            cur = conn.execute(
                "INSERT INTO drafts (body, year, template, created, updated, rev, is_sample, state, edit_seq)"
                " VALUES (?, ?, ?, ?, ?, 1, 0, ?, ?)",
                (body, year, template, now, now, state_text, self._next_edit_seq(conn)),
            )
            new_id = cur.lastrowid
            label = f"{src.body} {src.year}".strip() or f"编号 {draft_id}"
            self._add_revision(conn, new_id, 1, _dumps(content), f"复制自「{label}」第 {src.rev} 版", now)
            return self._info(conn, new_id)

    def delete(self, draft_id: int) -> None:
        """Move to the bin (soft delete); `restore` brings it back."""
        with self._write() as conn:
            cur = conn.execute(
                "UPDATE drafts SET deleted = 1, deleted_at = ? WHERE id = ?", (_now(), draft_id)
            )
            if cur.rowcount == 0:
                raise DraftNotFoundError(draft_id)

    def restore(self, draft_id: int) -> None:
        """Take a draft out of the bin."""
        with self._write() as conn:
            cur = conn.execute("UPDATE drafts SET deleted = 0, deleted_at = NULL WHERE id = ?", (draft_id,))
            if cur.rowcount == 0:
                raise DraftNotFoundError(draft_id)

    def purge(self, draft_id: int) -> None:
        """Permanently remove a draft that is in the bin, with all its revisions."""
        with self._write() as conn:
            row = conn.execute("SELECT deleted FROM drafts WHERE id = ?", (draft_id,)).fetchone()
            if row is None:
                raise DraftNotFoundError(draft_id)
            if not row[0]:
                raise StoreError("只能永久删除回收站中的草稿，请先把草稿移到回收站。")
            conn.execute("DELETE FROM drafts WHERE id = ?", (draft_id,))  # revisions: ON DELETE CASCADE

    def set_state(self, draft_id: int, state: dict | None) -> DraftInfo:
        """Replace the stored state (e.g. after re-checking with new rules) without a new revision."""
        state_text = _state_text(state)
        with self._write() as conn:
            cur = conn.execute("UPDATE drafts SET state = ? WHERE id = ?", (state_text, draft_id))
            if cur.rowcount == 0:
                raise DraftNotFoundError(draft_id)
            return self._info(conn, draft_id)

    def history(self, draft_id: int) -> list[Revision]:
        """All revisions of a draft, newest first (no content)."""
        with self._errors():
            conn = self.conn
            # One statement so the existence check and the list agree.
            rows = conn.execute(
                "SELECT d.id, r.rev, r.saved_at, r.summary FROM drafts d"
                " LEFT JOIN revisions r ON r.draft_id = d.id WHERE d.id = ? ORDER BY r.rev DESC",
                (draft_id,),
            ).fetchall()
        if not rows:
            raise DraftNotFoundError(draft_id)
        return [
            Revision(draft_id, rev, saved_at, summary)
            for _, rev, saved_at, summary in rows
            if rev is not None
        ]

    def restore_revision(
        self, draft_id: int, rev: int, *, expected_rev: int, state: dict | None = None
    ) -> DraftInfo:
        """Make the content of revision `rev` the head again, as a NEW revision
        (history is never rewritten).  Same conflict rule as `save`."""
        now = _now()
        with self._write() as conn:
            head = self._info(conn, draft_id).rev
            if head != expected_rev:
                raise ConflictError(draft_id, expected_rev, head)
            content = self._content(conn, draft_id, rev)
            fields = _draft_fields(content)
            state_text = _state_text(state)
            self._add_revision(conn, draft_id, head + 1, _dumps(content), f"恢复到第{rev}版", now)
            self._set_head(conn, draft_id, head + 1, fields, state_text, now)
            return self._info(conn, draft_id)


def _has_foreign_header(path: Path) -> bool:
    """True if `path` exists, is non-empty and does not start with the SQLite magic.

    (An empty file is a valid empty database; SQLite itself treats it so.)
    Checked before opening because SQLite may not read the header until later.
    """
    try:
        with open(path, "rb") as fh:
            head = fh.read(16)
    except FileNotFoundError:
        return False
    except OSError:
        return False  # let sqlite report the access problem properly
    return bool(head) and head != b"SQLite format 3\x00"


# --------------------------------------------------------------------------- summaries


def _flatten(values: Any, prefix: str = "") -> dict[str, Any]:
    """{"table3": {"a": "1"}} -> {"table3.a": "1"}; flat dicts pass through."""
    out: dict[str, Any] = {}
    if isinstance(values, dict):
        for key, val in values.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            if isinstance(val, dict):
                out.update(_flatten(val, name))
            else:
                out[name] = val
    elif values is not None:
        out[prefix or "values"] = values
    return out


def _sections_by_key(sections: Any) -> dict[str, Any]:
    if isinstance(sections, dict):
        return {str(k): v for k, v in sections.items()}
    if isinstance(sections, list):  # [{"key": ..., "text": ...}, ...] or plain list
        out = {}
        for i, item in enumerate(sections):
            key = item.get("key", item.get("id", i)) if isinstance(item, dict) else i
            out[str(key)] = item
        return out
    return {} if sections is None else {"sections": sections}


def _changed_keys(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    # New draft's order first (document order as the caller builds it), then removed keys.
    keys = [k for k in new if old.get(k, _MISSING) != new[k]]
    keys += [k for k in old if k not in new]
    return keys


_MISSING = object()

# Top-level keys that are "basic information" of the report.
_BASIC_KEYS = ("body", "year", "template", "meta")


def _clip(text: str, limit: int = _SUMMARY_MAX) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def summarize_change(old: dict | None, new: dict) -> str:
    """A short Chinese description of what changed between two drafts, for the history list.

    e.g. "修改 3 个数字：table3.natural_person.granted 等；修改文字：overview"
    """
    if old is None:
        return "新建"
    parts: list[str] = []

    numbers = _changed_keys(_flatten(old.get("values")), _flatten(new.get("values")))
    if len(numbers) == 1:
        parts.append(f"修改 1 个数字：{numbers[0]}")
    elif numbers:
        parts.append(f"修改 {len(numbers)} 个数字：{numbers[0]} 等")

    texts = _changed_keys(_sections_by_key(old.get("sections")), _sections_by_key(new.get("sections")))
    if len(texts) <= 2 and texts:
        parts.append("修改文字：" + "、".join(texts))
    elif texts:
        parts.append(f"修改文字：{texts[0]} 等 {len(texts)} 处")

    if any(old.get(k) != new.get(k) for k in _BASIC_KEYS):
        parts.append("修改基本信息")

    if not parts:  # e.g. only format_version or an unknown extra key changed
        parts.append("其他修改" if old != new else "无改动")
    return _clip("；".join(parts))

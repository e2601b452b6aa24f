"""Which drafts are open, in which process, and which were left open by a crash.

Each open draft holds an OS lock on a small file under <data dir>/open/. The OS releases the lock when the
process dies, however it dies (SIGKILL included), so:
- the lock cannot be taken: another window or process has the draft open (the second one is warned);
- the lock is free but the file says "open": the last process to edit it did not close it, it crashed; the
  store holds the draft as of its last autosave, and the clerk is told it was recovered.
No pid guessing (os.kill(pid, 0) would send Ctrl+C on Windows).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from forms.store import data_dir

if os.name == "nt":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _try_lock(fd: int) -> bool:
        try:
            os.lseek(fd, 0, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False

    def _unlock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except OSError:
            return False

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)


FREE, RECOVERED, HELD = "free", "recovered", "held"


@dataclass
class DraftLock:
    draft_id: int
    state: str  # FREE: opened normally; RECOVERED: the last session crashed; HELD: open elsewhere
    previous: dict  # what the lock file said before (pid, since) — for the message
    _fd: int | None = None

    @property
    def acquired(self) -> bool:
        return self._fd is not None

    def release(self) -> None:
        """Mark the draft closed cleanly and let go of the lock."""
        if self._fd is None:
            return
        try:
            _write(self._fd, {"state": "closed", "pid": os.getpid(), "at": _now()})
            _unlock(self._fd)
        finally:
            os.close(self._fd)
            self._fd = None


def _now() -> str:
    return datetime.now().isoformat(timespec="seconds")


def _write(fd: int, data: dict) -> None:
    # Byte 0 is the one locked on Windows: keep the content after a leading space.
    payload = (" " + json.dumps(data)).encode()
    os.lseek(fd, 0, os.SEEK_SET)
    os.ftruncate(fd, 0)
    os.write(fd, payload)
    os.fsync(fd)


def _read(fd: int) -> dict:
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        raw = os.read(fd, 4096)
    except OSError:  # Windows: the locked byte cannot be read by another process
        return {}
    try:
        data = json.loads(raw.decode() or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def lock_dir() -> Path:
    return data_dir() / "open"


def acquire(draft_id: int) -> DraftLock:
    """Try to take the draft. HELD locks hold nothing; the caller warns and may open the draft anyway (the
    store's revision check still refuses a save that would overwrite the other window's)."""
    folder = lock_dir()
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder / f"{draft_id}.lock", os.O_RDWR | os.O_CREAT, 0o600)
    if not _try_lock(fd):
        previous = _read(fd)
        os.close(fd)
        return DraftLock(draft_id, HELD, previous)
    previous = _read(fd)
    state = RECOVERED if previous.get("state") == "open" else FREE
    _write(fd, {"state": "open", "pid": os.getpid(), "at": _now()})
    return DraftLock(draft_id, state, previous, fd)

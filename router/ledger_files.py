"""The ledger's file: created whole, told apart when damaged (not merely locked), and moved aside when it is."""
from __future__ import annotations

import datetime as dt
import errno
import os
import sqlite3
import uuid
from pathlib import Path

from router.errors import DamagedLedger, LedgerError

_JOURNALS = ("-wal", "-shm", "-journal")  # SQLite's files that belong to one database file




def create_fresh(path: Path) -> None:
    """Create an empty WAL-mode database at `path` in one step, so a zero-byte ledger is never a real one."""
    temp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.new")
    con = sqlite3.connect(temp, isolation_level=None)
    try:
        con.execute("PRAGMA journal_mode = WAL")  # writes the header: the file is whole from here on
    finally:
        con.close()
    try:
        os.link(temp, path)  # fails if another process created it first, and then theirs stays
    except FileExistsError:
        pass
    except OSError:  # a file system without hard links
        if not path.exists():
            os.replace(temp, path)
    finally:
        for leftover in (temp, *(temp.with_name(temp.name + s) for s in _JOURNALS)):
            leftover.unlink(missing_ok=True)


def file_identity(path: Path) -> tuple[int, int] | None:
    """(device, inode) of the file at `path`, or None when there is none."""
    try:
        found = os.stat(path)
    except OSError:
        return None
    return found.st_dev, found.st_ino


def check_not_truncated(path: Path) -> tuple[int, int] | None:
    """The file's identity; raises DamagedLedger when it is empty (truncated), which SQLite would read as no rows."""
    seen = file_identity(path)
    if seen is not None and path.stat().st_size == 0:
        raise DamagedLedger(seen, "the file is empty: it was truncated")
    return seen


def is_damaged(exc: BaseException) -> bool:
    """Whether a SQLite error says the file is not (or no longer) a database; a lock or a full disk is not."""
    name = str(getattr(exc, "sqlite_errorname", "") or "")
    if name:
        return name.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB"))
    text = str(exc).lower()
    return "malformed" in text or "not a database" in text


def set_aside(path: Path, seen: tuple[int, int] | None, now: dt.datetime | None = None) -> Path | None:
    """Rename the damaged file and its journals to <name>.damaged-YYYYMMDD-HHMMSS; None if already replaced.

    When another process has already put a fresh ledger in its place (a different inode than `seen`),
    that fresh file is left alone.
    """
    if seen is None or file_identity(path) != seen:
        return None
    stamp = (now or dt.datetime.now()).strftime("%Y%m%d-%H%M%S")
    target, number = path.with_name(f"{path.name}.damaged-{stamp}"), 1
    while target.exists():
        number += 1
        target = path.with_name(f"{path.name}.damaged-{stamp}-{number}")
    os.replace(path, target)
    for suffix in _JOURNALS:  # a journal left behind would be replayed into the fresh file
        journal = path.with_name(path.name + suffix)
        if journal.exists():
            os.replace(journal, target.with_name(target.name + suffix))
    return target


def ledger_error(path: Path, exc: BaseException) -> LedgerError:
    """The error for a ledger that cannot be opened, read or written, saying what to do about it."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    lowered = text.lower()
    if "disk is full" in lowered or "no space left" in lowered or getattr(exc, "errno", None) == errno.ENOSPC:
        return LedgerError(f"The disk holding the usage ledger ({path.parent}) is full ({text}). "
                           "Free some space there, or set CLARIFY_HOME to a folder on another disk.")
    if "locked" in lowered or "busy" in lowered:
        return LedgerError(f"The usage ledger {path} stayed locked by another Clarify process ({text}). "
                           "Try again in a moment; close other Clarify windows if it persists.")
    if "readonly" in lowered or "read-only" in lowered or isinstance(exc, PermissionError) or \
            getattr(exc, "errno", None) in (errno.EROFS, errno.EACCES):
        return LedgerError(f"Clarify cannot write its usage ledger in {path.parent} ({text}). "
                           "Set CLARIFY_HOME to a writable folder, or make this one writable.")
    return LedgerError(f"The usage ledger {path} cannot be opened ({text}). "
                       "Check that the Clarify home folder is writable.")

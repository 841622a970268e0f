"""The ledger's file: created whole, told apart when damaged (not merely locked), and moved aside when it is."""
from __future__ import annotations

import datetime as dt
import errno
import os
import sqlite3
import uuid
from pathlib import Path

from router.errors import DamagedLedger, LedgerError
from router.store_files import JOURNALS, file_identity, set_aside_damaged


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
        for leftover in (temp, *(temp.with_name(temp.name + s) for s in JOURNALS)):
            leftover.unlink(missing_ok=True)


def check_not_truncated(path: Path) -> tuple[int, int] | None:
    """The file's identity; raises DamagedLedger when it is empty (truncated), which SQLite would read as no rows."""
    seen = file_identity(path)
    if seen is not None and path.stat().st_size == 0:
        raise DamagedLedger(seen, "the file is empty: it was truncated")
    return seen


def set_aside(path: Path, seen: tuple[int, int] | None, now: dt.datetime | None = None) -> Path | None:
    """Move the damaged ledger and its journals aside (see store_files.set_aside_damaged); None if already replaced.

    The ledger is set aside only as the file it found damaged: with no identity seen, nothing is moved."""
    return None if seen is None else set_aside_damaged(path, seen, now)


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

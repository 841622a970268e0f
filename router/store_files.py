"""A store's file on disk, for every store Clarify keeps (the usage ledger, the history, the preferences):
its identity, whether an error says it is damaged, and moving a damaged file aside with its journals.

It lives in `router` beside the migration runner for the same reason: the ledger needs it and `router` may
not import `query_engine`, whose stores share it."""
from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

JOURNALS = (".wal", "-wal", "-shm", "-journal")  # DuckDB's and SQLite's files that travel with a database


def file_identity(path: Path) -> tuple[int, int] | None:
    """(device, inode) of the file at `path`, or None when there is none."""
    try:
        found = os.stat(path)
    except OSError:
        return None
    return found.st_dev, found.st_ino


def is_damaged_sqlite(exc: BaseException) -> bool:
    """Whether a SQLite error says the file is not (or no longer) a database; a lock or a full disk is not."""
    name = str(getattr(exc, "sqlite_errorname", "") or "")
    if name:
        return name.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB"))
    text = str(exc).lower()
    return "malformed" in text or "not a database" in text


def set_aside_damaged(path: Path, seen: tuple[int, int] | None = None, now: dt.datetime | None = None) -> Path | None:
    """Rename a damaged store file and its journals to <name>.damaged-YYYYMMDD-HHMMSS; None if it was already replaced.

    `seen` is the (device, inode) found damaged: when another process has already put a fresh file in
    its place, that fresh file is left alone.
    """
    if not path.exists() or (seen is not None and file_identity(path) != seen):
        return None
    stamp = (now or dt.datetime.now()).strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.name}.damaged-{stamp}")
    number = 1
    while target.exists():
        number += 1
        target = path.with_name(f"{path.name}.damaged-{stamp}-{number}")
    os.replace(path, target)
    for suffix in JOURNALS:  # a journal left behind would be replayed into the fresh file
        journal = path.with_name(path.name + suffix)
        if journal.exists():
            os.replace(journal, target.with_name(target.name + suffix))
    return target

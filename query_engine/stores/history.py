"""The question history: every run the analyst made, in a DuckDB file under $CLARIFY_HOME.

Each operation opens the file, does its work and closes it again, under a process-wide lock, so
Streamlit sessions (threads) and other processes never hold a long write lock on one another.
"""
from __future__ import annotations

import datetime as dt
import errno
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, fields
from pathlib import Path
from typing import TypeVar

import duckdb

from query_engine.errors import HistoryError
from router import applied_version, apply_migrations, file_identity, set_aside_damaged

HISTORY_FILE_NAME = "history.duckdb"
# What DuckDB says of a file that is not (or no longer) a database; locks, permissions and full disks differ.
_DAMAGE_SIGNS = ("not a valid duckdb database file", "corrupt database file", "could not read enough bytes",
                 "computed checksum", "failure while replaying wal")
log = logging.getLogger(__name__)
LOCK_RETRY_SECONDS = 10.0
_PROCESS_LOCK = threading.Lock()
T = TypeVar("T")

# Numbered migrations, applied in order, each once; never edit one that has shipped: add another.
MIGRATIONS: tuple[tuple[int, str, str], ...] = (
    (1, "create questions", """
        CREATE SEQUENCE IF NOT EXISTS question_id_seq START 1;
        CREATE TABLE IF NOT EXISTS questions (
            id BIGINT PRIMARY KEY DEFAULT nextval('question_id_seq'),
            asked_at TIMESTAMP NOT NULL,
            question VARCHAR NOT NULL,
            as_of DATE,
            engine VARCHAR NOT NULL,
            picked_rank INTEGER,
            reading_text VARCHAR NOT NULL,
            spec_json VARCHAR,
            adjustments_json VARCHAR NOT NULL,
            sql VARCHAR NOT NULL,
            sql_source VARCHAR NOT NULL,
            timings_json VARCHAR NOT NULL,
            row_count BIGINT,
            error VARCHAR,
            refusal VARCHAR
        );
    """),
    (2, "index questions by time", "CREATE INDEX IF NOT EXISTS questions_asked_at ON questions (asked_at);"),
    (3, "record the dataset asked about",
     "ALTER TABLE questions ADD COLUMN IF NOT EXISTS dataset VARCHAR DEFAULT 'demo';"),
)




@dataclass(frozen=True)
class HistoryEntry:
    """One run: the question, the reading picked (and its rank), adjustments, SQL, timings and outcome."""

    id: int | None = None
    asked_at: dt.datetime | None = None
    question: str = ""
    as_of: dt.date | None = None
    engine: str = "offline"
    picked_rank: int | None = None
    reading_text: str = ""
    spec_json: str | None = None
    adjustments_json: str = "[]"
    sql: str = ""
    sql_source: str = ""
    timings_json: str = "{}"
    row_count: int | None = None
    error: str | None = None
    refusal: str | None = None
    dataset: str = "demo"


_COLUMNS = tuple(f.name for f in fields(HistoryEntry))
_SELECT = f"SELECT {', '.join(_COLUMNS)} FROM questions"


class QuestionHistory:
    """The history store at `path` (a DuckDB file); safe to share between threads and processes."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path).expanduser()
        self._migrated = False
        self.damage_notice: str | None = None  # set when a damaged file was moved aside, for the UI to show

    @classmethod
    def in_home(cls, home: str | Path) -> QuestionHistory:
        """The history store of a Clarify home folder."""
        return cls(Path(home).expanduser() / HISTORY_FILE_NAME)

    def add(self, entry: HistoryEntry) -> int:
        """Store an entry (its id and, if missing, asked_at are assigned here) and return its id."""
        values = {name: getattr(entry, name) for name in _COLUMNS if name != "id"}
        values["asked_at"] = entry.asked_at or dt.datetime.now()
        names = ", ".join(values)
        marks = ", ".join("?" for _ in values)
        sql = f"INSERT INTO questions ({names}) VALUES ({marks}) RETURNING id"
        return self._with_connection(lambda con: _single_int(con, sql, list(values.values())))

    def list(self, limit: int = 100) -> list[HistoryEntry]:
        """The newest `limit` entries, newest first."""
        sql = f"{_SELECT} ORDER BY asked_at DESC, id DESC LIMIT ?"
        rows = self._with_connection(lambda con: con.execute(sql, [int(limit)]).fetchall())
        return [HistoryEntry(*row) for row in rows]

    def get(self, entry_id: int) -> HistoryEntry | None:
        """The entry with this id, or None if there is none."""
        row = self._with_connection(lambda con: con.execute(f"{_SELECT} WHERE id = ?", [int(entry_id)]).fetchone())
        return HistoryEntry(*row) if row else None

    def delete(self, entry_id: int) -> bool:
        """Delete one entry; True if it existed."""
        sql = "DELETE FROM questions WHERE id = ? RETURNING id"
        return self._with_connection(lambda con: bool(con.execute(sql, [int(entry_id)]).fetchall()))

    def count(self) -> int:
        """How many entries are stored."""
        return self._with_connection(lambda con: _single_int(con, "SELECT count(*) FROM questions"))

    def schema_version(self) -> int:
        """The number of the last migration applied to the file."""
        return self._with_connection(lambda con: _applied_version(con))

    def _with_connection(self, work: Callable[[duckdb.DuckDBPyConnection], T]) -> T:
        with _PROCESS_LOCK:
            try:
                return self._attempt(work)
            except _Damaged as damaged:
                self._set_aside(damaged)
            try:
                return self._attempt(work)
            except _Damaged as damaged:
                raise _unusable(self.path, damaged.error) from None

    def _attempt(self, work: Callable[[duckdb.DuckDBPyConnection], T]) -> T:
        seen = file_identity(self.path)
        con = self._connect(seen)
        try:
            if not self._migrated:
                migrate(con)
                self._migrated = True
            return work(con)
        except duckdb.Error as exc:
            if is_damaged_duckdb(exc):
                raise _Damaged(seen, exc) from None
            raise _unusable(self.path, exc) from None
        finally:
            con.close()

    def _connect(self, seen: tuple[int, int] | None) -> duckdb.DuckDBPyConnection:
        # Another process may hold the file for a moment; wait for it rather than fail.
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise _unusable(self.path, exc) from None
        deadline = time.monotonic() + LOCK_RETRY_SECONDS
        pause = 0.01
        while True:
            try:
                return duckdb.connect(str(self.path))
            except duckdb.Error as exc:
                if is_damaged_duckdb(exc):
                    raise _Damaged(seen, exc) from None
                if not _is_lock(exc):
                    raise _unusable(self.path, exc) from None
                if time.monotonic() > deadline:
                    raise HistoryError(f"The question history at {self.path} is locked by another program.",
                                       hint="Close other Clarify windows or processes and try again.") from None
                time.sleep(pause)
                pause = min(pause * 2, 0.2)

    def _set_aside(self, damaged: _Damaged) -> None:
        """Move the damaged file out of the way so a fresh history starts; say where it went."""
        try:
            moved = set_aside_damaged(self.path, damaged.seen)
        except OSError as exc:
            raise _unusable(self.path, exc) from None
        self._migrated = False
        if moved is not None:
            self.damage_notice = (f"The question history at {self.path} was damaged ({_first_line(damaged.error)}); "
                                  f"Clarify moved it to {moved} and started a fresh history.")
            log.warning(self.damage_notice)


class _Damaged(Exception):
    """The store's file is damaged (not merely locked or unwritable); `seen` is the file that was opened."""

    def __init__(self, seen: tuple[int, int] | None, error: BaseException) -> None:
        super().__init__(str(error))
        self.seen = seen
        self.error = error


def is_damaged_duckdb(exc: BaseException) -> bool:
    """Whether a DuckDB error says the file itself is damaged (never a lock, a permission or a full disk)."""
    text = str(exc).lower()
    return any(sign in text for sign in _DAMAGE_SIGNS)


def _is_lock(exc: BaseException) -> bool:
    text = str(exc).lower()
    return isinstance(exc, duckdb.IOException) and "lock" in text


def _unusable(path: Path, exc: BaseException) -> HistoryError:
    """The error for a history that cannot be opened or written, saying what to do about the folder or disk."""
    text = _first_line(exc)
    lowered = text.lower()
    if "no space left" in lowered or "disk is full" in lowered or getattr(exc, "errno", None) == errno.ENOSPC:
        return HistoryError(f"The disk holding the question history ({path.parent}) is full: {text}.",
                            hint="Free some space there, or set CLARIFY_HOME to a folder on another disk.")
    if any(sign in lowered for sign in ("read-only", "permission denied", "access is denied")) or isinstance(
            exc, PermissionError) or getattr(exc, "errno", None) == errno.EROFS:
        return HistoryError(f"Clarify cannot write its question history in {path.parent}: {text}.",
                            hint="Set CLARIFY_HOME to a writable folder, or make this one writable.")
    return HistoryError(f"The question history at {path} could not be used: {text}",
                        hint="Check that the folder is writable; deleting the file starts a fresh history.")


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def migrate(con: duckdb.DuckDBPyConnection) -> int:
    """Apply every migration not yet recorded in the file; returns the resulting version."""
    apply_migrations(con, MIGRATIONS, begin="BEGIN TRANSACTION", number_column="id")
    return _applied_version(con)


def _single_int(con: duckdb.DuckDBPyConnection, sql: str, params: list[object] | None = None) -> int:
    """The one value of a statement that returns exactly one row (a count, or the id RETURNING gives)."""
    [(value,)] = con.execute(sql, params).fetchall()
    return int(value)


def _applied_version(con: duckdb.DuckDBPyConnection) -> int:
    return applied_version(con, number_column="id")  # the table predates the shared runner: 'id', not 'number')

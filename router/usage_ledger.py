"""UsageLedger: one append-only SQLite row per model call attempt, shared by app sessions and the CLI."""
from __future__ import annotations

import csv
import logging
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, TypeVar

from router import ledger_files
from router.migrations import apply_migrations
from router.store_files import is_damaged_sqlite

T = TypeVar("T")
log = logging.getLogger(__name__)
STATUSES = ("ok", "error", "fallback", "cache-hit", "budget-refused")

# Schema changes only by appending a numbered migration; applied ones are listed in `migrations`.
MIGRATIONS: tuple[tuple[int, str, str], ...] = (
    (1, "create_calls", """
        CREATE TABLE calls (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            ts TEXT NOT NULL,
            question_id TEXT,
            task TEXT NOT NULL,
            route TEXT NOT NULL,
            model TEXT NOT NULL,
            provider TEXT NOT NULL,
            input_tokens INTEGER NOT NULL DEFAULT 0,
            output_tokens INTEGER NOT NULL DEFAULT 0,
            reasoning_tokens INTEGER NOT NULL DEFAULT 0,
            estimated_cost_usd REAL NOT NULL DEFAULT 0,
            actual_cost_usd REAL NOT NULL DEFAULT 0,
            latency_ms REAL NOT NULL DEFAULT 0,
            status TEXT NOT NULL,
            error_class TEXT
        )"""),
    (2, "index_calls_ts_task", """
        CREATE INDEX calls_ts ON calls (ts);
        CREATE INDEX calls_task_ts ON calls (task, ts)"""),
    (3, "create_ledger_events", """
        CREATE TABLE ledger_events (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            ts TEXT NOT NULL,
            kind TEXT NOT NULL,
            detail TEXT NOT NULL
        )"""),
)
DAMAGED_EVENT = "damaged-ledger-moved-aside"  # spending recorded before this moment is unknown


@dataclass(frozen=True)
class LedgerRow:
    """One call attempt as stored; `ts` is UTC ISO-8601 and costs are USD."""

    task: str
    route: str
    model: str
    provider: str
    status: str
    question_id: str | None = None
    input_tokens: int = 0
    output_tokens: int = 0
    reasoning_tokens: int = 0
    estimated_cost_usd: float = 0.0
    actual_cost_usd: float = 0.0
    latency_ms: float = 0.0
    error_class: str | None = None
    ts: str = ""


COLUMNS = ("id", "ts", *(f.name for f in fields(LedgerRow) if f.name != "ts"))


def utc_iso(moment: datetime | None = None) -> str:
    """A UTC ISO-8601 timestamp (naive datetimes are taken as UTC) that sorts as text."""
    moment = moment or datetime.now(UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


_OPENING = threading.Lock()


def _use_wal(con: sqlite3.Connection, attempts: int = 200) -> None:
    """Put the file in WAL mode (it stays so), retrying while another connection briefly holds a lock."""
    for attempt in range(attempts):
        try:
            if con.execute("PRAGMA journal_mode").fetchone()[0] == "wal":
                return
            con.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or attempt == attempts - 1:
                raise
            time.sleep(0.05)


class UsageLedger:
    """The usage ledger file; safe for many threads and processes (WAL, busy timeout, one connection per use)."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._migrated = False
        self._lock = threading.Lock()
        self._local = threading.local()
        self._generation = 0  # bumped when a damaged file is moved aside, so every thread reopens
        self.damage_notice: str | None = None  # set when a damaged file was moved aside, for the UI to show

    def _connect(self) -> sqlite3.Connection:
        """This thread's connection (SQLite connections must not cross threads), opened and migrated once."""
        con = getattr(self._local, "con", None)
        if con is not None and self._local.generation == self._generation:
            return con
        self._forget_connection()
        generation = self._generation
        con, seen = self._open()
        self._local.con, self._local.seen, self._local.generation = con, seen, generation
        return con

    def _open(self) -> tuple[sqlite3.Connection, tuple[int, int] | None]:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            if not self.path.exists():
                ledger_files.create_fresh(self.path)
            seen = ledger_files.check_not_truncated(self.path)
            con = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise ledger_files.ledger_error(self.path, exc) from None
        try:
            con.execute("PRAGMA busy_timeout = 30000")
            with _OPENING:  # switching to WAL needs the file to itself and is not retried by busy_timeout
                _use_wal(con)
            # In WAL mode NORMAL survives an app crash and skips an fsync per row.
            con.execute("PRAGMA synchronous = NORMAL")
            with self._lock:
                if not self._migrated:
                    self.migrate(con)
                    self._migrated = True
        except sqlite3.Error as exc:
            con.close()
            if is_damaged_sqlite(exc):
                raise ledger_files.DamagedLedger(seen, str(exc)) from None
            raise ledger_files.ledger_error(self.path, exc) from None
        return con, seen

    def _forget_connection(self) -> None:
        con = getattr(self._local, "con", None)
        self._local.con = None
        if con is not None:
            con.close()

    def _use(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """Run `work` on this thread's connection; a damaged file is moved aside once and a fresh one used."""
        try:
            return self._attempt(work)
        except ledger_files.DamagedLedger as damaged:
            self._set_aside(damaged)
        try:
            return self._attempt(work)
        except ledger_files.DamagedLedger as damaged:
            raise ledger_files.ledger_error(self.path, RuntimeError(damaged.reason)) from None

    def _attempt(self, work: Callable[[sqlite3.Connection], T]) -> T:
        con = self._connect()
        try:
            return work(con)
        except sqlite3.Error as exc:
            if is_damaged_sqlite(exc):
                seen = self._local.seen
                self._forget_connection()
                raise ledger_files.DamagedLedger(seen, str(exc)) from None
            raise ledger_files.ledger_error(self.path, exc) from None

    def _set_aside(self, damaged: ledger_files.DamagedLedger) -> None:
        """Move the damaged file away, start a fresh one and record when, so budgets know spend before is unknown."""
        self._forget_connection()
        with self._lock:
            try:
                moved = ledger_files.set_aside(self.path, damaged.seen)
            except OSError as exc:
                raise ledger_files.ledger_error(self.path, exc) from None
            self._generation += 1  # every thread reopens: the file it holds may be the damaged one
            self._migrated = False
        if moved is None:
            return  # another process or ledger moved it and recorded the event
        try:
            self._attempt(lambda con: con.execute("INSERT INTO ledger_events (ts, kind, detail) VALUES (?, ?, ?)",
                                                  (utc_iso(), DAMAGED_EVENT, str(moved))))
        except ledger_files.DamagedLedger as again:
            raise ledger_files.ledger_error(self.path, RuntimeError(again.reason)) from None
        self.damage_notice = (f"The usage ledger {self.path} was damaged ({damaged.reason}); Clarify moved it to "
                              f"{moved} and started a fresh one. Spending recorded before now is unknown, so "
                              "budgets refuse model calls until the day and month are over.")
        log.warning(self.damage_notice)

    def migrate(self, con: sqlite3.Connection | None = None) -> list[int]:
        """Apply the migrations not applied yet, each in its own transaction; returns their numbers."""
        own = con is None
        if own and not self.path.exists():
            ledger_files.create_fresh(self.path)
        con = con or sqlite3.connect(self.path, timeout=30, isolation_level=None)
        try:
            return apply_migrations(con, MIGRATIONS)
        finally:
            if own:
                con.close()

    def applied_migrations(self) -> list[tuple[int, str]]:
        """The (number, name) of every applied migration, in order."""
        sql = "SELECT number, name FROM migrations ORDER BY number"
        return self._use(lambda con: [tuple(r) for r in con.execute(sql)])

    def record(self, row: LedgerRow) -> LedgerRow:
        """Append one row (stamping `ts` if empty) and return it as stored."""
        if row.status not in STATUSES:
            raise ValueError(f"Unknown ledger status {row.status!r}; use one of {STATUSES}.")
        values = asdict(row)
        values["ts"] = values["ts"] or utc_iso()
        names = [c for c in COLUMNS if c != "id"]
        sql = f"INSERT INTO calls ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"
        self._use(lambda con: con.execute(sql, [values[n] for n in names]))
        return LedgerRow(**values)

    def rows(self, since: datetime | None = None) -> list[dict[str, Any]]:
        """Every row (or those at or after `since`) as dicts, oldest first."""
        query = f"SELECT {', '.join(COLUMNS)} FROM calls"
        params: tuple[str, ...] = ()
        if since is not None:
            query, params = query + " WHERE ts >= ?", (utc_iso(since),)
        sql = query + " ORDER BY id"
        return self._use(lambda con: [dict(zip(COLUMNS, r, strict=False)) for r in con.execute(sql, params)])

    def rows_frame(self, since: datetime | None = None):
        """The rows as a pandas DataFrame (pandas is imported only here), for the Cost & usage page."""
        import pandas as pd

        return pd.DataFrame(self.rows(since), columns=list(COLUMNS))

    def spend_since(self, since: datetime) -> float:
        """Actual USD spent by calls at or after `since`."""
        total = self._use(lambda con: con.execute("SELECT COALESCE(SUM(actual_cost_usd), 0) FROM calls WHERE ts >= ?",
                                                  (utc_iso(since),)).fetchone()[0])
        return float(total)

    def unknown_spend_since(self, since: datetime) -> str | None:
        """Where a damaged ledger moved aside at or after `since` went (its spending is unknown), else None."""
        row = self._use(lambda con: con.execute(
            "SELECT detail FROM ledger_events WHERE kind = ? AND ts >= ? ORDER BY id DESC LIMIT 1",
            (DAMAGED_EVENT, utc_iso(since))).fetchone())
        return str(row[0]) if row else None

    def summary_by_task(self, since: datetime | None = None) -> dict[str, dict[str, float | int]]:
        """Per task: calls, cost, tokens, average latency, errors, fallbacks, cache hits and refusals."""
        where, params = ("WHERE ts >= ?", (utc_iso(since),)) if since is not None else ("", ())
        # Rows with model 'offline' record that a stage fell back to the offline engine: they count as
        # fallbacks, but they are not provider calls and have no latency of their own.
        sql = f"""SELECT task,
                SUM(status IN ('ok', 'fallback', 'error') AND model <> 'offline'), COALESCE(SUM(actual_cost_usd), 0),
                COALESCE(SUM(input_tokens), 0), COALESCE(SUM(output_tokens), 0),
                AVG(CASE WHEN status IN ('ok', 'fallback') AND model <> 'offline' THEN latency_ms END),
                SUM(status = 'error'), SUM(status = 'fallback'), SUM(status = 'cache-hit'),
                SUM(status = 'budget-refused')
            FROM calls {where} GROUP BY task ORDER BY task"""
        rows = self._use(lambda con: con.execute(sql, params).fetchall())
        return {r[0]: {"total_calls": int(r[1]), "total_cost": float(r[2]), "total_input_tokens": int(r[3]),
                       "total_output_tokens": int(r[4]), "avg_latency_ms": float(r[5] or 0.0),
                       "errors": int(r[6]), "fallbacks": int(r[7]), "cache_hits": int(r[8]),
                       "budget_refusals": int(r[9])}
                for r in rows}

    def to_csv(self, target: Path | str | IO[str], since: datetime | None = None) -> int:
        """Write the rows as CSV with a header to a path or text buffer; returns the number of rows."""
        rows = self.rows(since)
        if isinstance(target, (str, Path)):
            with open(target, "w", newline="", encoding="utf-8") as handle:
                return self._write_csv(handle, rows)
        return self._write_csv(target, rows)

    @staticmethod
    def _write_csv(handle: IO[str], rows: list[dict[str, Any]]) -> int:
        writer = csv.DictWriter(handle, fieldnames=list(COLUMNS))
        writer.writeheader()
        writer.writerows(rows)
        return len(rows)

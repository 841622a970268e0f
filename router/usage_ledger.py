"""UsageLedger: one append-only SQLite row per model call attempt, shared by app sessions and the CLI."""
from __future__ import annotations

import csv
import sqlite3
import threading
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass, fields
from datetime import datetime, timezone
from pathlib import Path
from typing import IO, Any, Iterator

from router.errors import LedgerError

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
)


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
    moment = moment or datetime.now(timezone.utc)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).isoformat(timespec="microseconds")


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

    def _connect(self) -> sqlite3.Connection:
        """This thread's connection (SQLite connections must not cross threads), opened and migrated once."""
        con = getattr(self._local, "con", None)
        if con is not None:
            return con
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            con = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            con.execute("PRAGMA busy_timeout = 30000")
            with _OPENING:  # switching to WAL needs the file to itself and is not retried by busy_timeout
                _use_wal(con)
            # In WAL mode NORMAL survives an app crash and skips an fsync per row.
            con.execute("PRAGMA synchronous = NORMAL")
        except (OSError, sqlite3.Error) as exc:
            raise LedgerError(f"The usage ledger {self.path} cannot be opened ({exc}). "
                              "Check that the Clarify home folder is writable.") from None
        with self._lock:
            if not self._migrated:
                self.migrate(con)
                self._migrated = True
        self._local.con = con
        return con

    def migrate(self, con: sqlite3.Connection | None = None) -> list[int]:
        """Apply the migrations not applied yet, each in its own transaction; returns their numbers."""
        own = con is None
        con = con or sqlite3.connect(self.path, timeout=30, isolation_level=None)
        applied: list[int] = []
        try:
            con.execute("CREATE TABLE IF NOT EXISTS migrations (number INTEGER PRIMARY KEY, name TEXT, applied_at TEXT)")
            for number, name, sql in MIGRATIONS:
                con.execute("BEGIN IMMEDIATE")  # one writer at a time, so two processes never apply it twice
                try:
                    if con.execute("SELECT 1 FROM migrations WHERE number = ?", (number,)).fetchone():
                        con.execute("COMMIT")
                        continue
                    for statement in sql.split(";"):
                        con.execute(statement)
                    con.execute("INSERT INTO migrations VALUES (?, ?, ?)", (number, name, utc_iso()))
                    con.execute("COMMIT")
                    applied.append(number)
                except BaseException:
                    con.execute("ROLLBACK")
                    raise
        finally:
            if own:
                con.close()
        return applied

    def applied_migrations(self) -> list[tuple[int, str]]:
        """The (number, name) of every applied migration, in order."""
        with self._connection() as con:
            return [tuple(r) for r in con.execute("SELECT number, name FROM migrations ORDER BY number")]

    def record(self, row: LedgerRow) -> LedgerRow:
        """Append one row (stamping `ts` if empty) and return it as stored."""
        if row.status not in STATUSES:
            raise ValueError(f"Unknown ledger status {row.status!r}; use one of {STATUSES}.")
        values = asdict(row)
        values["ts"] = values["ts"] or utc_iso()
        names = [c for c in COLUMNS if c != "id"]
        with self._connection() as con:
            con.execute(f"INSERT INTO calls ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
                        [values[n] for n in names])
        return LedgerRow(**values)

    def rows(self, since: datetime | None = None) -> list[dict[str, Any]]:
        """Every row (or those at or after `since`) as dicts, oldest first."""
        query, params = f"SELECT {', '.join(COLUMNS)} FROM calls", ()
        if since is not None:
            query, params = query + " WHERE ts >= ?", (utc_iso(since),)
        with self._connection() as con:
            return [dict(zip(COLUMNS, r)) for r in con.execute(query + " ORDER BY id", params)]

    def rows_frame(self, since: datetime | None = None):
        """The rows as a pandas DataFrame (pandas is imported only here), for the Cost & usage page."""
        import pandas as pd

        return pd.DataFrame(self.rows(since), columns=list(COLUMNS))

    def spend_since(self, since: datetime) -> float:
        """Actual USD spent by calls at or after `since`."""
        with self._connection() as con:
            total = con.execute("SELECT COALESCE(SUM(actual_cost_usd), 0) FROM calls WHERE ts >= ?",
                                (utc_iso(since),)).fetchone()[0]
        return float(total)

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
        with self._connection() as con:
            return {r[0]: {"total_calls": int(r[1]), "total_cost": float(r[2]), "total_input_tokens": int(r[3]),
                           "total_output_tokens": int(r[4]), "avg_latency_ms": float(r[5] or 0.0),
                           "errors": int(r[6]), "fallbacks": int(r[7]), "cache_hits": int(r[8]),
                           "budget_refusals": int(r[9])}
                    for r in con.execute(sql, params)}

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

    @contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        # Autocommit mode: each statement is its own transaction, so nothing is left open between uses.
        yield self._connect()

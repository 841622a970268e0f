"""The one runner of numbered migrations, shared by every store Clarify keeps (usage ledger, history, preferences).

A store lists its migrations as (number, name, SQL); each is applied once, in order, in its own transaction,
and recorded in the store's `migrations` table. Shipped migrations are never edited: a change is a new number.
It lives in `router` because that is the lowest package: the engine's stores use it through `router`'s API.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, Protocol

Migration = tuple[int, str, str]


class _Connection(Protocol):
    def execute(self, sql: str, parameters: Any = ...) -> Any: ...


def apply_migrations(con: _Connection, migrations: Sequence[Migration], *, begin: str = "BEGIN IMMEDIATE",
                     number_column: str = "number") -> list[int]:
    """Apply each migration not yet recorded, one transaction each; the numbers applied now.

    `begin` takes the store's write lock (SQLite's BEGIN IMMEDIATE), so two processes never apply one twice;
    `number_column` names the number column of a store whose table predates this runner.
    """
    con.execute(f"CREATE TABLE IF NOT EXISTS migrations ({number_column} INTEGER PRIMARY KEY, name TEXT, "
                "applied_at TEXT)")
    applied = []
    for number, name, sql in migrations:
        con.execute(begin)
        try:
            done = con.execute(f"SELECT 1 FROM migrations WHERE {number_column} = ?", (number,)).fetchone()
            if done is None:
                for statement in (s for s in sql.split(";") if s.strip()):
                    con.execute(statement)
                con.execute("INSERT INTO migrations VALUES (?, ?, ?)",
                            (number, name, dt.datetime.now(dt.UTC).isoformat(timespec="seconds")))
                applied.append(number)
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
    return applied


def applied_version(con: _Connection, *, number_column: str = "number") -> int:
    """The number of the last migration applied (0 for none)."""
    row = con.execute(f"SELECT coalesce(max({number_column}), 0) FROM migrations").fetchone()
    return int(row[0])

"""The PostgreSQL driver: read-only sessions, and one guarded, transpiled statement per call.

Every statement passes guard_sql (the same allow-list as DuckDB) first; only then is it transpiled by sqlglot
to PostgreSQL, checked again as PostgreSQL, and sent by the extended protocol (one statement, no more) inside
a READ ONLY transaction with a statement_timeout and a row cap. Analysts' queries reach it in a worker process.
"""
from __future__ import annotations

import datetime as dt
import time
from decimal import Decimal
from typing import Any

import psycopg
from psycopg import sql as pgsql
from sqlglot import exp, parse_one

from query_engine.errors import DatabaseMissing, QueryFailed, QueryTimeout
from query_engine.settings import DEFAULTS
from query_engine.spec.query import QueryResult
from query_engine.sql.executor import check_result_cells, check_result_width
from query_engine.sql.guard import GuardedSql, GuardPolicy, guard_sql
from query_engine.sql.render import render_for_dialect

READ_ONLY_SESSION = "-c default_transaction_read_only=on"


def connect(url: str, *, connect_timeout_s: int = 10) -> psycopg.Connection:
    """Open a session that starts read-only: every transaction in it is READ ONLY unless it says otherwise,
    and Clarify never sends a statement that could say otherwise (one guarded SELECT per call)."""
    try:
        given = psycopg.conninfo.conninfo_to_dict(url).get("options") or ""
        options = f"{given} {READ_ONLY_SESSION}".strip()
        con = psycopg.connect(url, connect_timeout=connect_timeout_s, autocommit=False, options=options)
    except (psycopg.Error, ValueError, UnicodeError) as exc:  # psycopg's text may echo the URL or its password
        from query_engine.sql.redaction import redact_connection_error, redact_url

        raise DatabaseMissing(f"Could not connect to PostgreSQL at {redact_url(url)}: "
                              f"{redact_connection_error(first_line(exc), url)}",
                              hint="Check the postgresql:// URL (host, port, database, user, password); "
                                   "percent-encode special characters in the password, e.g. %40 for @.") from None
    return con


def to_postgres(guarded: GuardedSql | str) -> str:
    """Transpile a guarded DuckDB statement to PostgreSQL, mapping the few functions sqlglot leaves as-is.

    The text re-parses, as PostgreSQL, into exactly one statement equal to the transpiled tree.
    """
    if isinstance(guarded, GuardedSql) and guarded.tree is not None:
        tree = guarded.tree.copy()
    else:
        tree = parse_one(guarded.sql if isinstance(guarded, GuardedSql) else guarded, read="duckdb")
    for node in list(tree.find_all(exp.Dayname, exp.DayOfWeekIso)):
        if isinstance(node, exp.Dayname):
            node.replace(exp.func("TO_CHAR", node.this, exp.Literal.string("FMDay")))
        else:
            node.replace(exp.Extract(this=exp.var("ISODOW"), expression=node.this))
    return render_for_dialect(tree, "postgres")


def execute(con: psycopg.Connection, guarded: GuardedSql, *, time_limit_s: float = DEFAULTS["time_limit_s"],
            row_cap: int = DEFAULTS["row_cap"]) -> QueryResult:
    """Run a guarded statement in this process (the worker's call; analysts' queries go through a worker)."""
    return run_statement(con, to_postgres(guarded), time_limit_s=time_limit_s, row_cap=row_cap)


def run_statement(con: psycopg.Connection, statement: str, *, time_limit_s: float = DEFAULTS["time_limit_s"],
                  row_cap: int = DEFAULTS["row_cap"]) -> QueryResult:
    """Run one transpiled, guarded statement in a read-only transaction with a statement timeout and a row cap."""
    started = time.perf_counter()
    try:
        with con.transaction(), con.cursor() as cur:
            cur.execute("SET TRANSACTION READ ONLY")
            cur.execute(pgsql.SQL("SET LOCAL statement_timeout = {}").format(
                pgsql.Literal(f"{max(1, int(time_limit_s * 1000))}ms")))
            # prepare=True sends it by the extended protocol, which runs one statement and no more
            cur.execute(statement.encode(), prepare=True)
            columns = tuple(d.name for d in cur.description or ())
            check_result_width(len(columns))
            fetched = cur.fetchmany(row_cap + 1)
            check_result_cells(min(len(fetched), row_cap), len(columns))
            raise _Rollback
    except _Rollback:
        pass
    except psycopg.errors.QueryCanceled:
        raise QueryTimeout(f"The query ran longer than {time_limit_s:g} s and was stopped.",
                           hint="Narrow the date range or group by fewer things.") from None
    except psycopg.Error as exc:
        raise QueryFailed(f"PostgreSQL could not run this query: {first_line(exc)}",
                          hint="Check the column and table names, or rephrase the question.") from None
    rows = tuple(tuple(plain_value(v) for v in row) for row in fetched[:row_cap])
    return QueryResult(columns, rows, (time.perf_counter() - started) * 1000, len(fetched) > row_cap)


class _Rollback(Exception):
    """Leaves the transaction block by rolling back: a read-only query has nothing to commit."""


def run_guarded(con: psycopg.Connection, sql: str, policy: GuardPolicy, *,
                time_limit_s: float = DEFAULTS["time_limit_s"], row_cap: int = DEFAULTS["row_cap"]) -> QueryResult:
    """Guard (DuckDB dialect, the model's policy), transpile and run; SqlRefused comes before anything runs."""
    return execute(con, guard_sql(sql, policy), time_limit_s=time_limit_s, row_cap=row_cap)


def plain_value(value: Any) -> Any:
    """A PostgreSQL value as the DuckDB path gives it: whole decimals as int, others float, datetimes naive."""
    if isinstance(value, Decimal):
        exponent = value.as_tuple().exponent  # 'n', 'N' or 'F' for NaN and infinities
        whole = value == value.to_integral_value() and isinstance(exponent, int) and exponent >= 0
        return int(value) if whole else float(value)
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.replace(tzinfo=None)
    return value


def first_line(exc: BaseException) -> str:
    """The first line of a driver's error, for a message."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__

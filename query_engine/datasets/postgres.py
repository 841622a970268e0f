"""PostgreSQL as a dataset: introspect its schema into an inferred model, run guarded SQL read-only.

Every statement passes guard_sql (the same allow-list as DuckDB) first; only then is it transpiled by
sqlglot to PostgreSQL and run inside a READ ONLY transaction with a statement_timeout and a row cap.
"""
from __future__ import annotations

import datetime as dt
import time
from decimal import Decimal
from typing import Any

import psycopg
from psycopg import sql as pgsql
from sqlglot import exp, parse_one

from query_engine.datasets.inference import ColumnFacts, model_from_facts
from query_engine.errors import DatabaseMissing, QueryFailed, QueryTimeout
from query_engine.semantics.model import SemanticModel
from query_engine.semantics.profile import (
    MAX_VALUE_CHARS,
    DataProfile,
    profile_database,
)
from query_engine.spec.query import QueryResult
from query_engine.sql.executor import check_result_cells, check_result_width
from query_engine.sql.guard import GuardedSql, GuardPolicy, guard_sql
from query_engine.sql.render import render_for_dialect

READ_ONLY_SESSION = "-c default_transaction_read_only=on"
SAMPLE_ROWS = 100_000  # statistics for inference come from at most this many rows per table
_TYPES = {"smallint": "BIGINT", "integer": "BIGINT", "bigint": "BIGINT", "numeric": "DOUBLE", "real": "DOUBLE",
          "double precision": "DOUBLE", "date": "DATE", "timestamp without time zone": "TIMESTAMP",
          "timestamp with time zone": "TIMESTAMP", "boolean": "BOOLEAN"}


def connect(url: str, *, connect_timeout_s: int = 10) -> psycopg.Connection:
    """Open a session that starts read-only: every transaction in it is READ ONLY unless it says otherwise,
    and Clarify never sends a statement that could say otherwise (one guarded SELECT per call)."""
    try:
        given = psycopg.conninfo.conninfo_to_dict(url).get("options") or ""
        options = f"{given} {READ_ONLY_SESSION}".strip()
        con = psycopg.connect(url, connect_timeout=connect_timeout_s, autocommit=False, options=options)
    except (psycopg.Error, ValueError, UnicodeError) as exc:  # psycopg's text may echo the URL or its password
        from query_engine.datasets.redaction import redact_connection_error, redact_url

        raise DatabaseMissing(f"Could not connect to PostgreSQL at {redact_url(url)}: "
                              f"{redact_connection_error(_first_line(exc), url)}",
                              hint="Check the postgresql:// URL (host, port, database, user, password); "
                                   "percent-encode special characters in the password, e.g. %40 for @.") from None
    return con


def display_url(url: str) -> str:
    """The connection URL without its password or tokens, safe to show and to store (even when malformed)."""
    from query_engine.datasets.redaction import redact_url

    return redact_url(url)


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


def execute(con: psycopg.Connection, guarded: GuardedSql, *, time_limit_s: float = 10.0,
            row_cap: int = 10_000) -> QueryResult:
    """Run a guarded statement in this process (the worker's call; analysts' queries go through a worker)."""
    return run_statement(con, to_postgres(guarded), time_limit_s=time_limit_s, row_cap=row_cap)


def run_statement(con: psycopg.Connection, statement: str, *, time_limit_s: float = 10.0,
                  row_cap: int = 10_000) -> QueryResult:
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
        raise QueryFailed(f"PostgreSQL could not run this query: {_first_line(exc)}",
                          hint="Check the column and table names, or rephrase the question.") from None
    rows = tuple(tuple(_plain(v) for v in row) for row in fetched[:row_cap])
    return QueryResult(columns, rows, (time.perf_counter() - started) * 1000, len(fetched) > row_cap)


def profile(con: psycopg.Connection, model: SemanticModel) -> DataProfile:
    """The data profile (date span, dimension values, row counts) read over a PostgreSQL connection."""
    try:
        return profile_database(con, model)  # type: ignore[arg-type]  (psycopg offers the same cursor calls)
    except psycopg.Error as exc:
        raise QueryFailed(f"PostgreSQL could not profile the data: {_first_line(exc)}",
                          hint="Check that the model's tables and columns exist in the database.") from None
    finally:
        con.rollback()


class _Rollback(Exception):
    """Leaves the transaction block by rolling back: a read-only query has nothing to commit."""


def run_guarded(con: psycopg.Connection, sql: str, policy: GuardPolicy, *, time_limit_s: float = 10.0,
                row_cap: int = 10_000) -> QueryResult:
    """Guard (DuckDB dialect, the model's policy), transpile and run; SqlRefused comes before anything runs."""
    return execute(con, guard_sql(sql, policy), time_limit_s=time_limit_s, row_cap=row_cap)


def introspect(con: psycopg.Connection, *, schema: str = "public", table: str | None = None,
               title: str | None = None) -> dict[str, Any]:
    """Infer a model (YAML form) from the schema: the fact table plus tables that join to it on shared ids."""
    columns = _columns(con, schema)
    if not columns:
        raise DatabaseMissing(f"The schema '{schema}' has no tables Clarify can read.",
                              hint="Check the schema name and that the user may SELECT from its tables.")
    facts = {name: _table_facts(con, schema, name, cols) for name, cols in columns.items()}
    fact_table = table or _fact_table(facts)
    lookups = {}
    for name, table_facts in facts.items():
        shared = _shared_ids(facts[fact_table], table_facts)
        if name != fact_table and shared:
            lookups[name] = (table_facts, shared)
    return model_from_facts(fact_table, facts[fact_table], title=title or f"PostgreSQL {schema}", lookups=lookups)


def _columns(con: psycopg.Connection, schema: str) -> dict[str, list[tuple[str, str]]]:
    query = ("SELECT c.table_name, c.column_name, c.data_type FROM information_schema.columns c "
             "JOIN information_schema.tables t USING (table_schema, table_name) "
             "WHERE c.table_schema = %s AND t.table_type IN ('BASE TABLE', 'VIEW') "
             "ORDER BY c.table_name, c.ordinal_position")
    with con.transaction(), con.cursor() as cur:
        cur.execute(query, [schema])
        rows = cur.fetchall()
    out: dict[str, list[tuple[str, str]]] = {}
    for table, column, data_type in rows:
        out.setdefault(table, []).append((column, _TYPES.get(data_type, "VARCHAR")))
    return out


def _table_facts(con: psycopg.Connection, schema: str, table: str,
                 cols: list[tuple[str, str]]) -> list[ColumnFacts]:
    source = pgsql.SQL("(SELECT * FROM {}.{} LIMIT {}) AS s").format(
        pgsql.Identifier(schema), pgsql.Identifier(table), pgsql.Literal(SAMPLE_ROWS))
    parts = [pgsql.SQL("count(*)")]
    for name, dtype in cols:
        col = pgsql.Identifier(name)
        ranged = dtype not in ("VARCHAR", "BOOLEAN")
        parts += [pgsql.SQL("count({})").format(col), pgsql.SQL("count(DISTINCT {})").format(col),
                  pgsql.SQL("min({})").format(col) if ranged else pgsql.SQL("NULL"),
                  pgsql.SQL("max({})").format(col) if ranged else pgsql.SQL("NULL")]
    with con.transaction(), con.cursor() as cur:
        cur.execute(pgsql.SQL("SELECT {} FROM {}").format(pgsql.SQL(", ").join(parts), source))
        stats = cur.fetchone()
        facts = []
        for i, (name, dtype) in enumerate(cols):
            non_null, distinct, low, high = stats[1 + 4 * i: 5 + 4 * i]
            values: tuple[str, ...] = ()
            if dtype == "VARCHAR":
                cur.execute(pgsql.SQL("SELECT DISTINCT {c} FROM {s} WHERE {c} IS NOT NULL AND length({c}) <= {n} "
                                      "LIMIT 25").format(c=pgsql.Identifier(name), s=source,
                                                         n=pgsql.Literal(MAX_VALUE_CHARS)))
                values = tuple(str(r[0]) for r in cur.fetchall())
            facts.append(ColumnFacts(name, name, dtype, _kind(dtype), stats[0], non_null, distinct,
                                     _plain(low), _plain(high), values))
    return facts


def _kind(dtype: str) -> str:
    return {"BIGINT": "integer", "DOUBLE": "number", "DATE": "date", "TIMESTAMP": "timestamp"}.get(dtype, "text")


def _fact_table(facts: dict[str, list[ColumnFacts]]) -> str:
    """The table with dates and the most rows: where the daily numbers live."""
    return max(facts, key=lambda t: (any(f.kind in ("date", "timestamp") for f in facts[t]),
                                     sum(f.kind in ("integer", "number") for f in facts[t]) > 0,
                                     facts[t][0].rows if facts[t] else 0))


def _shared_ids(fact: list[ColumnFacts], other: list[ColumnFacts]) -> tuple[str, ...]:
    names = {f.name for f in fact}
    return tuple(f.name for f in other if f.name in names and (f.name.lower().endswith("id") or f.name == "id"))


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() and value.as_tuple().exponent >= 0 else float(value)
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.replace(tzinfo=None)
    return value


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__

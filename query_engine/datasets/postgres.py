"""PostgreSQL as a dataset: its schema introspected into an inferred model, and its data profile.

Queries run through the driver in `sql/postgres.py`, in a worker process, like every other query.
"""
from __future__ import annotations

from typing import Any

import psycopg
from psycopg import sql as pgsql

from query_engine.datasets.column_roles import ColumnFacts
from query_engine.datasets.inference import model_from_facts
from query_engine.errors import DatabaseMissing, QueryFailed
from query_engine.semantics.model import SemanticModel
from query_engine.semantics.profile import (
    MAX_VALUE_CHARS,
    DataProfile,
    profile_database,
)
from query_engine.sql.postgres import first_line, plain_value

SAMPLE_ROWS = 100_000  # statistics for inference come from at most this many rows per table
_TYPES = {"smallint": "BIGINT", "integer": "BIGINT", "bigint": "BIGINT", "numeric": "DOUBLE", "real": "DOUBLE",
          "double precision": "DOUBLE", "date": "DATE", "timestamp without time zone": "TIMESTAMP",
          "timestamp with time zone": "TIMESTAMP", "boolean": "BOOLEAN"}


def display_url(url: str) -> str:
    """The connection URL without its password or tokens, safe to show and to store (even when malformed)."""
    from query_engine.sql.redaction import redact_url

    return redact_url(url)


def profile(con: psycopg.Connection, model: SemanticModel) -> DataProfile:
    """The data profile (date span, dimension values, row counts) read over a PostgreSQL connection."""
    try:
        return profile_database(con, model)  # psycopg offers the same cursor calls as DuckDB
    except psycopg.Error as exc:
        raise QueryFailed(f"PostgreSQL could not profile the data: {first_line(exc)}",
                          hint="Check that the model's tables and columns exist in the database.") from None
    finally:
        con.rollback()


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
    parts: list[pgsql.Composable] = [pgsql.SQL("count(*)")]
    for name, dtype in cols:
        col = pgsql.Identifier(name)
        ranged = dtype not in ("VARCHAR", "BOOLEAN")
        parts += [pgsql.SQL("count({})").format(col), pgsql.SQL("count(DISTINCT {})").format(col),
                  pgsql.SQL("min({})").format(col) if ranged else pgsql.SQL("NULL"),
                  pgsql.SQL("max({})").format(col) if ranged else pgsql.SQL("NULL")]
    with con.transaction(), con.cursor() as cur:
        cur.execute(pgsql.SQL("SELECT {} FROM {}").format(pgsql.SQL(", ").join(parts), source))
        [stats] = cur.fetchall()  # an aggregate: one row
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
                                     plain_value(low), plain_value(high), values))
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

"""What the data holds: its date span (the as-of date) and each dimension's distinct values."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlglot import exp

from query_engine.semantics.model import SemanticModel

MAX_VALUES_PER_DIMENSION = 5_000
MAX_VALUE_CHARS = 200  # a longer value is no word of a question; it would only slow the vocabulary down


@dataclass(frozen=True)
class DataProfile:
    """The facts about a dataset that interpretation needs: dates and dimension values."""

    first_date: dt.date | None
    as_of: dt.date | None
    values: dict[str, tuple[str, ...]] = field(default_factory=dict)
    row_counts: dict[str, int] = field(default_factory=dict)
    # An entity's values -> the first date it has rows on (or starts): "since the X campaign launched".
    first_dates: dict[str, dict[str, dt.date]] = field(default_factory=dict)

    def window_label(self) -> str:
        """The data's span in words, e.g. '2024-01-01 to 2025-11-15'."""
        if not self.first_date or not self.as_of:
            return "no dated rows"
        return f"{self.first_date.isoformat()} to {self.as_of.isoformat()}"


class _Rows(Protocol):
    def fetchone(self) -> tuple[Any, ...] | None: ...

    def fetchall(self) -> list[tuple[Any, ...]]: ...


class _Cursor(Protocol):
    def execute(self, query: str) -> _Rows: ...

    def close(self) -> None: ...


class CursorSource(Protocol):
    """What profiling needs of a connection: a cursor that runs SQL text and fetches rows (DuckDB and psycopg)."""

    def cursor(self) -> _Cursor: ...


def profile_database(con: CursorSource, model: SemanticModel) -> DataProfile:
    """Read the date span, row counts and distinct dimension values with a few small queries."""
    cur = con.cursor()
    try:
        first, last = _date_span(cur, model)
        read = {name: _distinct_values(cur, model, name) for name in model.dimensions}
        counts = {name: _count(cur, name) for name in model.tables}
    finally:
        cur.close()
    values = {k: tuple(sorted(v)) for k, v in read.items() if v}
    starts = {k: {value: day for value, day in v.items() if day} for k, v in read.items()}
    return DataProfile(first, last, values, counts, {k: v for k, v in starts.items() if v})


def _date_span(cur: _Cursor, model: SemanticModel) -> tuple[dt.date | None, dt.date | None]:
    column = model.time_column
    if not column:
        return None, None
    col = exp.column(column)
    sql = exp.select(exp.Min(this=col), exp.Max(this=col)).from_(model.time_table).sql("duckdb")
    first, last = cur.execute(sql).fetchone() or (None, None)
    return _as_date(first), _as_date(last)


def _as_date(value: object) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    return value if isinstance(value, dt.date) else None


def _distinct_values(cur: _Cursor, model: SemanticModel, name: str) -> dict[str, dt.date | None]:
    """A dimension's values; an entity's with the first day it has rows (or starts), in the same one query."""
    dim = model.dimensions[name]
    col = exp.column(dim.column)
    short = exp.LTE(this=exp.Length(this=exp.cast(col, "VARCHAR")), expression=exp.Literal.number(MAX_VALUE_CHARS))
    start = _start_column(model, dim.table) if dim.entity else None
    select = exp.select(col, exp.Min(this=exp.column(start))).group_by(col) if start else exp.select(col).distinct()
    sql = (select.from_(dim.table)
           .where(exp.and_(exp.Not(this=exp.Is(this=col, expression=exp.Null())), short))
           .limit(MAX_VALUES_PER_DIMENSION + 1).sql("duckdb"))
    rows = cur.execute(sql).fetchall()
    if len(rows) > MAX_VALUES_PER_DIMENSION:
        return {}
    return {str(r[0]): _as_date(r[1]) if start else None for r in rows}


def _start_column(model: SemanticModel, table: str) -> str | None:
    """The column that dates a table's rows: the data's date, or a lifecycle's start (a campaign's launch)."""
    if table == model.time_table and model.time_column:
        return model.time_column
    life = model.tables[table].lifecycle if table in model.tables else None
    return life[0] if life else None


def _count(cur: _Cursor, table: str) -> int:
    row = cur.execute(exp.select(exp.Count(this=exp.Star())).from_(table).sql("duckdb")).fetchone()
    return int(row[0]) if row else 0

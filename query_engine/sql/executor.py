"""The locked-down executor: a read-only DuckDB connection, a time limit, a row cap and clean errors."""
from __future__ import annotations

import datetime as dt
import threading
import time
import uuid
import warnings
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from query_engine.errors import (
    DatabaseMissing,
    QueryFailed,
    QueryTimeout,
    ResourceLimit,
)
from query_engine.settings import DEFAULTS
from query_engine.spec.query import QueryResult
from query_engine.sql.guard import GuardedSql, GuardPolicy, guard_sql

MAX_RESULT_COLUMNS = 1_000
MAX_RESULT_CELLS = 1_000_000  # rows x columns: 10,000 rows of 100 columns; more takes the server seconds to show


def open_connection(database: str | Path, *, memory_limit: str = DEFAULTS["memory_limit"],
                    threads: int = DEFAULTS["threads"], temp_dir: Path | None = None,
                    max_temp_size: str = "1GB") -> duckdb.DuckDBPyConnection:
    """Open the database read-only with files, network and extensions off and settings locked."""
    path = Path(database)
    if not path.is_file():
        raise DatabaseMissing(
            f"The database file {path} does not exist.",
            hint="Build the demo database first (see the Data page), or check the path.",
        )
    config: dict[str, Any] = {
        "enable_external_access": False,
        "python_enable_replacements": False,
        "autoload_known_extensions": False,
        "autoinstall_known_extensions": False,
        "memory_limit": memory_limit,
        "threads": threads,
        "max_temp_directory_size": max_temp_size,
    }
    if temp_dir is not None:
        config["temp_directory"] = str(temp_dir)
    config["lock_configuration"] = True  # last: nothing after this may change a setting
    try:
        return duckdb.connect(str(path), read_only=True, config=config)
    except duckdb.Error as exc:
        raise DatabaseMissing(
            f"The database file {path} could not be opened: {_clean_message(exc)}",
            hint="Check that the file is a DuckDB database and that no other program locks it.",
        ) from None


def execute(con: duckdb.DuckDBPyConnection, guarded: GuardedSql | str, *,
            time_limit_s: float = DEFAULTS["time_limit_s"], row_cap: int = DEFAULTS["row_cap"]) -> QueryResult:
    """Run one statement in this process with a time limit and a row cap (the worker's own call).

    Analyst-facing queries go through a worker process (`worker_pool`), which calls this. A plain str is
    accepted so tests can prove the locked connection refuses what the guard would have stopped.
    """
    table, truncated, elapsed_ms = run_statement(con, guarded, time_limit_s=time_limit_s, row_cap=row_cap)
    return result_from_arrow(table, truncated=truncated, elapsed_ms=elapsed_ms)


def run_statement(con: duckdb.DuckDBPyConnection, guarded: GuardedSql | str, *,
                  time_limit_s: float = DEFAULTS["time_limit_s"],
                  row_cap: int = DEFAULTS["row_cap"]) -> tuple[pa.Table, bool, float]:
    """Execute exactly one statement on its own cursor; (at most row_cap rows as Arrow, truncated, ms)."""
    sql = guarded.sql if isinstance(guarded, GuardedSql) else guarded
    cursor = con.cursor()
    finished, timed_out = threading.Event(), threading.Event()
    watchdog = threading.Thread(target=_interrupt_after, daemon=True,
                                args=(cursor, time_limit_s, finished, timed_out))
    started = time.perf_counter()
    watchdog.start()
    try:
        statement = single_statement(cursor, sql)
        cursor.execute(statement)
        check_result_width(len(cursor.description or ()))
        table = _fetch_arrow(cursor, row_cap + 1, MAX_RESULT_CELLS // max(1, len(cursor.description or ())))
    except duckdb.OutOfMemoryException:
        raise ResourceLimit("The query needed more memory than Clarify allows and was stopped.",
                            hint="Narrow the date range, group by fewer things, or return fewer rows.") from None
    except duckdb.Error as exc:
        if timed_out.is_set():
            raise QueryTimeout(
                f"The query ran longer than {time_limit_s:g} s and was stopped.",
                hint="Narrow the date range or group by fewer things.",
            ) from None
        raise QueryFailed(f"The database could not run this query: {_clean_message(exc)}",
                          hint="Check the column and table names, or rephrase the question.") \
            from None
    finally:
        finished.set()
        watchdog.join()
        cursor.close()
    elapsed_ms = (time.perf_counter() - started) * 1000
    return table.slice(0, row_cap), table.num_rows > row_cap, elapsed_ms


def single_statement(con: duckdb.DuckDBPyConnection, sql: str) -> duckdb.Statement:
    """The one statement `sql` holds, as DuckDB itself parses it; QueryFailed for none or several."""
    statements = con.extract_statements(sql)
    if len(statements) != 1:
        raise QueryFailed(f"The database was given {len(statements)} statements where Clarify runs exactly one, "
                          "so it ran none.", hint="Send a single SELECT query.")
    return statements[0]


def check_result_width(columns: int) -> None:
    """Refuse results wider than Clarify shows; every cell costs the server time and memory to display."""
    if columns > MAX_RESULT_COLUMNS:
        raise ResourceLimit(f"The result has {columns:,} columns; Clarify shows at most {MAX_RESULT_COLUMNS:,}.",
                            hint="Select the columns you need instead of *.")


def check_result_cells(rows: int, columns: int) -> None:
    """Refuse results with more cells than Clarify shows (rows x columns)."""
    if rows * columns > MAX_RESULT_CELLS:
        raise ResourceLimit(f"The result has {rows:,} rows of {columns:,} columns, more than the {MAX_RESULT_CELLS:,} "
                            "values Clarify shows at once.", hint="Return fewer rows or fewer columns.")


def _fetch_arrow(cursor: duckdb.DuckDBPyConnection, limit: int, most_rows: int) -> pa.Table:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "an extra copy of the rows": at most the row cap + 1
        reader = cursor.to_arrow_reader(min(limit, 10_000))
    if reader is None:  # DuckDB raises instead ("No open result set"); only its stubs allow None
        raise QueryFailed("The database gave no result for this query.", hint="Send a single SELECT query.")
    batches, rows = [], 0
    for batch in reader:
        batches.append(batch)
        rows += batch.num_rows
        if rows >= limit:
            break
        if rows > most_rows:
            check_result_cells(rows, len(reader.schema))
    check_result_cells(min(rows, limit - 1), len(reader.schema))
    return pa.Table.from_batches(batches, schema=reader.schema)


def result_from_arrow(table: pa.Table, *, truncated: bool, elapsed_ms: float) -> QueryResult:
    """Rows of plain Python values (what JSON and the UI take) from an Arrow result; duplicate names kept."""
    columns = tuple(table.schema.names)
    values = [[_json_friendly(v) for v in _python_values(column)] for column in table.columns]
    rows = tuple(zip(*values, strict=False)) if values else ()
    return QueryResult(columns=columns, rows=rows, elapsed_ms=elapsed_ms, truncated=truncated)


def _interrupt_after(cursor: duckdb.DuckDBPyConnection, limit_s: float,
                     finished: threading.Event, timed_out: threading.Event) -> None:
    """Interrupt the cursor at the limit, and again until it stops: a lone early interrupt
    can land before the query starts and be lost."""
    if finished.wait(limit_s):
        return
    timed_out.set()
    while not finished.is_set():
        cursor.interrupt()
        finished.wait(0.05)


def run_guarded(con: duckdb.DuckDBPyConnection, sql: str, policy: GuardPolicy, *,
                time_limit_s: float = DEFAULTS["time_limit_s"], row_cap: int = DEFAULTS["row_cap"]) -> QueryResult:
    """Guard a statement, then execute it; SqlRefused comes before anything runs."""
    guarded = guard_sql(sql, replace(policy, row_cap=min(row_cap, policy.row_cap)))
    return execute(con, guarded, time_limit_s=time_limit_s, row_cap=row_cap)


def _clean_message(exc: BaseException) -> str:
    """DuckDB's first message line, without the error-class prefix or the caret diagram."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    head, sep, rest = text.partition(" Error: ")
    return rest if sep and len(head) < 40 else text


def arrow_from_result(result: QueryResult) -> pa.Table:
    """An Arrow table of a result's rows (for a driver that gives Python rows); duplicate names kept."""
    arrays = [_arrow_column([row[i] for row in result.rows]) for i in range(len(result.columns))]
    return pa.Table.from_arrays(arrays, names=list(result.columns))


def _arrow_column(values: list[Any]) -> pa.Array:
    try:
        return pa.array(values)
    except (pa.ArrowException, TypeError, ValueError, OverflowError):
        return pa.array([None if v is None else str(v) for v in values], type=pa.string())


def _python_values(column: pa.ChunkedArray) -> list[Any]:
    try:
        return column.to_pylist()
    except (OverflowError, ValueError, pa.ArrowException):
        return [_scalar_value(scalar) for scalar in column]  # a value Python cannot hold (year 5877642)


def _scalar_value(scalar: pa.Scalar) -> Any:
    try:
        return scalar.as_py()
    except (OverflowError, ValueError, pa.ArrowException):
        try:
            return str(scalar)
        except (OverflowError, ValueError, pa.ArrowException):
            return None


def _json_friendly(value: Any) -> Any:
    if isinstance(value, Decimal):
        # HUGEINT sums arrive as DECIMAL(38, 0): whole numbers stay integers
        return int(value) if value.is_finite() and value.as_tuple().exponent == 0 else float(value)
    if isinstance(value, pa.MonthDayNano):
        return (value.months * 30 + value.days) * 86_400 + value.nanoseconds / 1e9
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).hex()
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, list):
        return [_json_friendly(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _json_friendly(v) for k, v in value.items()}
    return value

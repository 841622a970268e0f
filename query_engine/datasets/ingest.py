"""Load an analyst's export (CSV, TSV, Parquet, Excel, JSON lines) into a DuckDB file as one typed table.

Files are read by this trusted code, never by analyst SQL. Everything is first read as text (`file_readers`,
which refuses files over the caps of `upload_limits`), then each column is converted with the explicit rules
of `value_rules`, checked over every row, and the typed table is written to a fresh database file that replaces
the target only when the load has fully succeeded. Columns are converted in batches, so a wide file costs time
in proportion to its width. The catalogue runs all of this in a bounded child process (`ingest_task`).
"""
from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from query_engine.datasets.cell_rules import (
    ENUM_TYPES,
    MISSING_SQL,
    ColumnPlan,
    plan_column,
    sanitize_identifier,
    unique_names,
)
from query_engine.datasets.date_columns import date_from_parts
from query_engine.datasets.readers import RawTable, batches, read_raw
from query_engine.datasets.report_edges import drop_footer_rows, drop_total_rows
from query_engine.errors import IngestError, ResourceLimit

MAX_FILE_BYTES = 200 * 1024 * 1024
KINDS = {".csv": "csv", ".tsv": "csv", ".txt": "csv", ".tab": "csv", ".parquet": "parquet",
         ".xlsx": "excel", ".jsonl": "json", ".ndjson": "json", ".json": "json"}
# Distinct values per column from which the conversion rules are judged (every row is checked in SQL after):
# up to SAMPLE_VALUES, fewer in wide files so judging stays within SAMPLE_CELLS values in all.
SAMPLE_VALUES, MIN_SAMPLE_VALUES, SAMPLE_CELLS = 5_000, 200, 200_000


@dataclass(frozen=True)
class ColumnLoad:
    """One column as loaded: its header in the file, its name in the table, type and what was done."""

    source: str
    name: str
    type: str
    kind: str
    note: str = ""


@dataclass(frozen=True)
class IngestReport:
    """What a load did: the table, its rows and columns, renamed columns and dropped rows or columns."""

    table: str
    source: str
    rows: int
    columns: tuple[ColumnLoad, ...]
    renamed: dict[str, str] = field(default_factory=dict)
    dropped_rows: tuple[str, ...] = ()
    dropped_columns: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    # Lines of the file that were not data, by what they were: preamble, footer, totals.
    skipped: dict[str, int] = field(default_factory=dict)

    def kinds(self) -> dict[str, str]:
        """Column name -> kind (text, integer, number, currency, percent, date, timestamp, month, weekday)."""
        return {c.name: c.kind for c in self.columns}

    def source_names(self) -> dict[str, str]:
        """Column name -> header as written in the file."""
        return {c.name: c.source for c in self.columns}

    def as_dict(self) -> dict[str, Any]:
        """The report as plain JSON-ready values (what load.json and a bounded load carry)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> IngestReport:
        """The report `as_dict` wrote, rebuilt."""
        return cls(str(raw["table"]), str(raw["source"]), int(raw["rows"]),
                   tuple(ColumnLoad(**c) for c in raw["columns"]), dict(raw.get("renamed") or {}),
                   tuple(raw.get("dropped_rows") or ()), tuple(raw.get("dropped_columns") or ()),
                   tuple(raw.get("notes") or ()), dict(raw.get("skipped") or {}))


def table_name_for(path: str | Path) -> str:
    """The table name a file gets: its stem as a lowercase identifier."""
    return sanitize_identifier(Path(path).stem.lower(), fallback="upload")


def ingest_task(path: str, database: str, table: str | None = None, memory_limit: str | None = None) -> dict[str, Any]:
    """`ingest_file` as a bounded task (see bounded_process.TASKS): paths as text, the report as a dict."""
    return ingest_file(path, database, table=table, memory_limit=memory_limit).as_dict()


def ingest_file(path: str | Path, database: str | Path, *, table: str | None = None, replace: bool = False,
                memory_limit: str | None = None) -> IngestReport:
    """Load `path` as one table into a new DuckDB file at `database`; all or nothing.

    `memory_limit` is DuckDB's (e.g. '1800MB'); past it, work spills to a scratch folder next to `database`."""
    source, target = Path(path), Path(database)
    kind = _check_source(source)
    if target.exists() and not replace:
        raise IngestError(f"A dataset already exists at {target.name}.",
                          hint="Confirm the replacement to overwrite it, or choose another name.")
    table = sanitize_identifier(table or table_name_for(source), fallback="upload")
    target.parent.mkdir(parents=True, exist_ok=True)
    loading = target.with_name(f".{target.name}.loading")
    loading.unlink(missing_ok=True)
    try:
        # Scratch sits next to the target, so a load killed mid-way leaves nothing outside its own folder.
        with tempfile.TemporaryDirectory(prefix=f".{target.name}.scratch-", dir=target.parent) as scratch:
            report = _load_into(loading, source, kind, table, Path(scratch), memory_limit)
        os.replace(loading, target)
    finally:
        loading.unlink(missing_ok=True)
        Path(f"{loading}.wal").unlink(missing_ok=True)
    return report


def _load_into(loading: Path, source: Path, kind: str, table: str, scratch: Path,
               memory_limit: str | None) -> IngestReport:
    # DuckDB turns each `x IN (17 missing markers)` into a join of its own; with one per column that made
    # the plan of a wide file cost seconds per batch, and checking a short list row by row costs no more.
    config: dict[str, str | bool | int | float | list[str]] = {
        "threads": 2, "temp_directory": str(scratch), "disabled_optimizers": "in_clause"}
    if memory_limit:
        config["memory_limit"] = memory_limit
    con = duckdb.connect(str(loading), config=config)
    try:
        return _load(con, source, kind, table, scratch)
    except (duckdb.OutOfMemoryException, MemoryError):
        limit = f" ({memory_limit})" if memory_limit else ""
        raise ResourceLimit(f"{source.name} needed more memory than Clarify allows for loading a file{limit}, "
                            "so the load was stopped; nothing was loaded.",
                            hint="Export a shorter date range or fewer columns and upload again.") from None
    finally:
        con.close()


def _check_source(source: Path) -> str:
    if not source.is_file():
        raise IngestError(f"There is no file at {source}.", hint="Check the path and try again.")
    kind = KINDS.get(source.suffix.lower())
    if kind is None:
        raise IngestError(f"Clarify cannot read '{source.suffix or source.name}' files.",
                          hint="Export the report as CSV, TSV, Excel (.xlsx), Parquet or JSON lines.")
    size = source.stat().st_size
    if size > MAX_FILE_BYTES:
        raise IngestError(f"{source.name} is {size / 1e6:,.0f} MB; the limit is {MAX_FILE_BYTES // 2**20} MB.",
                          hint="Export a shorter date range or fewer columns.")
    if size == 0:
        raise IngestError(f"{source.name} is empty.", hint="Export the report again with some rows.")
    return kind


def _load(con: duckdb.DuckDBPyConnection, source: Path, kind: str, table: str, scratch: Path) -> IngestReport:
    for statement in ENUM_TYPES:
        con.execute(statement)
    raw = read_raw(con, source, kind, scratch)
    [(rows,)] = con.execute("SELECT count(*) FROM _raw").fetchall()
    if rows == 0:
        what = "a header row but no data rows" if kind in ("csv", "excel") else "no records"
        raise IngestError(f"{source.name} has {what}.", hint="Export the report again with at least one row of data.")
    dropped_rows, skipped = _drop_edges(con, raw)
    keep, dropped_cols = _drop_empty_unnamed(con, raw.headers)
    names = unique_names([raw.headers[i] for i in keep])
    chosen, tables = _convert_columns(con, keep, raw)
    kinds = {i: chosen[i].kind for i in keep}
    parts = date_from_parts([(i, raw.headers[i], kinds[i]) for i in keep], source.name)
    outputs = [(i, raw.headers[i], n, f"v{i}") for i, n in zip(keep, names, strict=False)]
    if parts and parts.sql:
        name = unique_names([*names, "Date" if "date" not in {n.lower() for n in names} else "Date_from_parts"])[-1]
        outputs.append((-1, parts.source, name, parts.sql))
        chosen[-1] = ColumnPlan("date", parts.sql, parts.note)
    elif parts:
        chosen.update({i: ColumnPlan(k, chosen[i].sql, chosen[i].note) for i, k in parts.kinds.items()})
    select = ", ".join(f'{sql} AS "{n}"' for _, _, n, sql in outputs)
    # Every batch table was written from the same scan order of _raw, so rows line up by position.
    con.execute("BEGIN")
    con.execute(f'CREATE TABLE "{table}" AS SELECT {select} FROM {" POSITIONAL JOIN ".join(tables)}')
    con.execute("COMMIT")
    [(loaded,)] = con.execute(f'SELECT count(*) FROM "{table}"').fetchall()
    out_types = dict(con.execute("SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = ?",
                                 [table]).fetchall())
    columns = tuple(ColumnLoad(header, n, out_types[n], chosen[i].kind, chosen[i].note) for i, header, n, _ in outputs)
    renamed = {raw.headers[i]: n for i, n in zip(keep, names, strict=False) if raw.headers[i] != n}
    return IngestReport(table, source.name, loaded, columns, renamed, tuple(dropped_rows),
                        tuple(dropped_cols), tuple(raw.notes), skipped)


def _drop_edges(con: duckdb.DuckDBPyConnection, raw: RawTable) -> tuple[list[str], dict[str, int]]:
    """Footer rows left in a sheet and report totals anywhere are not data: removed, described and counted."""
    unit = "line" if raw.kind in ("csv", "excel") else "record"
    skipped = dict(raw.skipped)
    if raw.kind in ("csv", "excel"):
        footer = drop_footer_rows(con, len(raw.headers))
        if footer:
            skipped["footer"] = skipped.get("footer", 0) + len(footer)
            raw.notes.append(f"skipped {len(footer)} row(s) below the data (report footer, "
                             f"e.g. '{footer[-1][1][:60]}')")
    totals = drop_total_rows(con, len(raw.headers))
    if totals:
        skipped["totals"] = len(totals)
        raw.notes.append(f"skipped {len(totals)} totals row(s), so sums are not doubled")
    return [f"{unit} {r}: '{text}' (a report total, not data)" for r, text in totals], skipped


def _convert_columns(con: duckdb.DuckDBPyConnection, keep: list[int],
                     raw: RawTable) -> tuple[dict[int, ColumnPlan], list[str]]:
    """Per column, the first plan that converts every row, and the batch tables holding its values as v<i>.

    Columns go in batches of BATCH_COLUMNS so no statement grows with the file's width; in each, the first
    candidates are computed once next to the text, and only columns where some row failed are converted again."""
    types = dict(con.execute("SELECT column_name, data_type FROM duckdb_columns() "
                             "WHERE table_name = '_raw'").fetchall())
    chosen: dict[int, ColumnPlan] = {}
    tables: list[str] = []
    sample = max(MIN_SAMPLE_VALUES, min(SAMPLE_VALUES, SAMPLE_CELLS // max(1, len(keep))))
    for batch in batches(keep):
        tables.append(f"_conv{len(tables)}")
        chosen.update(_convert_batch(con, tables[-1], batch, types, raw, sample))
    con.execute("DROP TABLE _raw")
    return chosen, tables


def _convert_batch(con: duckdb.DuckDBPyConnection, name: str, batch: Sequence[int], types: dict[str, str],
                   raw: RawTable, sample: int) -> dict[int, ColumnPlan]:
    candidates = {i: _candidates(con, f"c{i}", types[f"c{i}"], raw, sample) for i in batch}
    firsts = ", ".join(f"c{i}, {candidates[i][0].sql} AS v{i}" for i in batch)
    con.execute(f"CREATE TEMP TABLE {name} AS SELECT _row, {firsts} FROM _raw")
    checked = [i for i in batch if len(candidates[i]) > 1]
    chosen = {i: candidates[i][0] for i in batch}
    if not checked:
        return chosen
    [row] = con.execute("SELECT " + ", ".join(
        f"min(_row) FILTER (WHERE NOT ({MISSING_SQL.format(c=f'c{i}')}) AND v{i} IS NULL)" for i in checked)
        + f" FROM {name}").fetchall()  # an aggregate: one row
    failed = [i for i, line in zip(checked, row, strict=False) if line is not None]
    if failed:
        chosen.update({i: _fallback(con, name, i, candidates[i]) for i in failed})
        values = ", ".join(f"{chosen[i].sql} AS v{i}" if i in failed else f"v{i}" for i in batch)
        con.execute(f"CREATE TEMP TABLE {name}_fixed AS SELECT _row, {values} FROM {name}")
        con.execute(f"DROP TABLE {name}")
        con.execute(f"ALTER TABLE {name}_fixed RENAME TO {name}")
    return chosen


def _fallback(con: duckdb.DuckDBPyConnection, table: str, i: int, plans: list[ColumnPlan]) -> ColumnPlan:
    column = f"c{i}"
    first_failure = _failures(con, table, column, plans[0])
    for plan in plans[1:-1]:
        if _failures(con, table, column, plan) is None:
            return plan
    text = plans[-1]
    line, value = first_failure or (0, "")
    note = f"kept as text: line {line} holds '{value[:40]}', which is not a {plans[0].kind} like the rest"
    return ColumnPlan(text.kind, text.sql, note)


def _candidates(con: duckdb.DuckDBPyConnection, column: str, data_type: str, raw: RawTable,
                sample: int) -> list[ColumnPlan]:
    if data_type != "VARCHAR":
        return [_typed_plan(column, data_type)]
    values = [r[0] for r in con.execute(
        f"SELECT DISTINCT trim({column}) FROM _raw WHERE NOT ({MISSING_SQL.format(c=column)}) LIMIT {sample}"
    ).fetchall()]
    return plan_column(column, values, european_hint=raw.decimal_comma)


def _typed_plan(column: str, data_type: str) -> ColumnPlan:
    if data_type.startswith(("STRUCT", "MAP", "UNION")) or data_type.endswith("]"):
        return ColumnPlan("text", f"CAST({column} AS VARCHAR)", "nested values kept as text")
    kind = {"DATE": "date", "BOOLEAN": "text"}.get(data_type, "")
    if not kind:
        kind = "timestamp" if data_type.startswith("TIMESTAMP") else \
            "integer" if "INT" in data_type else "number" if data_type in ("DOUBLE", "FLOAT") or \
            data_type.startswith("DECIMAL") else "text"
    if data_type.startswith("DECIMAL"):
        return ColumnPlan(kind, f"CAST({column} AS DOUBLE)")
    return ColumnPlan(kind, column)


def _failures(con: duckdb.DuckDBPyConnection, table: str, column: str,
              plan: ColumnPlan) -> tuple[int, str] | None:
    """The first line where a non-missing value does not convert under `plan`, or None."""
    row = con.execute(f"SELECT _row, {column} FROM {table} WHERE NOT ({MISSING_SQL.format(c=column)}) "
                      f"AND ({plan.sql}) IS NULL ORDER BY _row LIMIT 1").fetchone()
    return None if row is None else (int(row[0]), str(row[1]))


def _drop_empty_unnamed(con: duckdb.DuckDBPyConnection, headers: list[str]) -> tuple[list[int], list[str]]:
    keep, dropped = [], []
    unnamed = [i for i, h in enumerate(headers) if not h.strip() or re.fullmatch(r"Unnamed: \d+", h)]
    empty: set[int] = set()
    for batch in batches(unnamed):
        [counts] = con.execute("SELECT " + ", ".join(
            f"count(*) FILTER (WHERE NOT ({MISSING_SQL.format(c=f'CAST(c{i} AS VARCHAR)')}))" for i in batch)
            + " FROM _raw").fetchall()  # an aggregate: one row
        empty |= {i for i, n in zip(batch, counts, strict=False) if n == 0}
    for i, _header in enumerate(headers):
        if i in empty:
            dropped.append(f"column {i + 1} (no header, no values)")
        else:
            keep.append(i)
    if not keep:
        raise IngestError("The file has no columns with values.", hint="Check that the export holds data.")
    for i in keep:
        if not headers[i].strip():
            headers[i] = f"column_{i + 1}"
    return keep, dropped

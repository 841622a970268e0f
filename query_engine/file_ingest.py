"""Load an analyst's export (CSV, TSV, Parquet, Excel, JSON lines) into a DuckDB file as one typed table.

Files are read by this trusted code, never by analyst SQL. Everything is first read as text, then each
column is converted with the explicit rules of `value_rules`, checked over every row, and the typed table
is written to a fresh database file that replaces the target only when the load has fully succeeded.
"""
from __future__ import annotations

import codecs
import csv
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from query_engine.errors import IngestError
from query_engine.value_rules import (
    ENUM_TYPES, MISSING_SQL, TOTAL_ROW, ColumnPlan, plan_column, sanitize_identifier, unique_names,
)

MAX_FILE_BYTES = 200 * 1024 * 1024
KINDS = {".csv": "csv", ".tsv": "csv", ".txt": "csv", ".tab": "csv", ".parquet": "parquet",
         ".xlsx": "excel", ".jsonl": "json", ".ndjson": "json", ".json": "json"}
DELIMITERS = (",", ";", "\t", "|")
SAMPLE_BYTES = 256 * 1024
DECODE_CHUNK = 4 * 1024 * 1024


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

    def kinds(self) -> dict[str, str]:
        """Column name -> kind (text, integer, number, currency, percent, date, timestamp, month, weekday)."""
        return {c.name: c.kind for c in self.columns}

    def source_names(self) -> dict[str, str]:
        """Column name -> header as written in the file."""
        return {c.name: c.source for c in self.columns}


@dataclass
class _Raw:
    """The file read as text into the temp table _raw (columns c0..cN plus _row, the file line)."""

    headers: list[str]
    kind: str
    notes: list[str] = field(default_factory=list)
    delimiter: str = ","


def table_name_for(path: str | Path) -> str:
    """The table name a file gets: its stem as a lowercase identifier."""
    return sanitize_identifier(Path(path).stem.lower(), fallback="upload")


def ingest_file(path: str | Path, database: str | Path, *, table: str | None = None,
                replace: bool = False) -> IngestReport:
    """Load `path` as one table into a new DuckDB file at `database`; all or nothing."""
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
        with tempfile.TemporaryDirectory(prefix="clarify_ingest_") as scratch:
            con = duckdb.connect(str(loading), config={"threads": 2, "temp_directory": scratch})
            try:
                report = _load(con, source, kind, table, Path(scratch))
            finally:
                con.close()
        os.replace(loading, target)
    finally:
        loading.unlink(missing_ok=True)
        Path(f"{loading}.wal").unlink(missing_ok=True)
    return report


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
    readers = {"csv": _read_csv, "excel": _read_excel, "parquet": _read_parquet, "json": _read_json}
    raw = readers[kind](con, source, scratch)
    rows = con.execute("SELECT count(*) FROM _raw").fetchone()[0]
    if rows == 0:
        raise IngestError(f"{source.name} has a header row but no data rows.",
                          hint="Export the report again with at least one row of data.")
    dropped_rows = _drop_total_rows(con, raw)
    keep, dropped_cols = _drop_empty_unnamed(con, raw.headers)
    names = unique_names([raw.headers[i] for i in keep])
    chosen = _choose_plans(con, keep, raw)
    select = ", ".join(f'{chosen[i][1]} AS "{n}"' for i, n in zip(keep, names))
    con.execute("BEGIN")
    con.execute(f'CREATE TABLE "{table}" AS SELECT {select} FROM _conv')
    con.execute("COMMIT")
    loaded = con.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
    out_types = dict(con.execute("SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = ?",
                                 [table]).fetchall())
    columns = tuple(ColumnLoad(raw.headers[i], n, out_types[n], chosen[i][0].kind, chosen[i][0].note)
                    for i, n in zip(keep, names))
    renamed = {raw.headers[i]: n for i, n in zip(keep, names) if raw.headers[i] != n}
    return IngestReport(table, source.name, loaded, columns, renamed, tuple(dropped_rows),
                        tuple(dropped_cols), tuple(raw.notes))


def _choose_plans(con: duckdb.DuckDBPyConnection, keep: list[int],
                  raw: _Raw) -> dict[int, tuple[ColumnPlan, str]]:
    """Per column, the first plan that converts every row, and the SQL over _conv that yields it.

    The first candidates are computed once into _conv next to the text; only columns where some row
    failed are converted again with the next candidate."""
    types = dict(con.execute("SELECT column_name, data_type FROM duckdb_columns() "
                             "WHERE table_name = '_raw'").fetchall())
    candidates = {i: _candidates(con, f"c{i}", types[f"c{i}"], raw) for i in keep}
    firsts = ", ".join(f"c{i}, {candidates[i][0].sql} AS v{i}" for i in keep)
    con.execute(f"CREATE TEMP TABLE _conv AS SELECT _row, {firsts} FROM _raw")
    con.execute("DROP TABLE _raw")
    checked = [i for i in keep if len(candidates[i]) > 1]
    failed: dict[int, int | None] = {}
    if checked:
        row = con.execute("SELECT " + ", ".join(
            f"min(_row) FILTER (WHERE NOT ({MISSING_SQL.format(c=f'c{i}')}) AND v{i} IS NULL)" for i in checked)
            + " FROM _conv").fetchone()
        failed = dict(zip(checked, row))
    return {i: (candidates[i][0], f"v{i}") if failed.get(i) is None else _fallback(con, i, candidates[i])
            for i in keep}


def _fallback(con: duckdb.DuckDBPyConnection, i: int, plans: list[ColumnPlan]) -> tuple[ColumnPlan, str]:
    column = f"c{i}"
    first_failure = _failures(con, column, plans[0])
    for plan in plans[1:-1]:
        if _failures(con, column, plan) is None:
            return plan, plan.sql
    text = plans[-1]
    line, value = first_failure or (0, "")
    note = f"kept as text: line {line} holds '{value[:40]}', which is not a {plans[0].kind} like the rest"
    return ColumnPlan(text.kind, text.sql, note), text.sql


def _candidates(con: duckdb.DuckDBPyConnection, column: str, data_type: str, raw: _Raw) -> list[ColumnPlan]:
    if data_type != "VARCHAR":
        return [_typed_plan(column, data_type)]
    sample = [r[0] for r in con.execute(
        f"SELECT DISTINCT trim({column}) FROM _raw WHERE NOT ({MISSING_SQL.format(c=column)}) LIMIT 5000"
    ).fetchall()]
    return plan_column(column, sample, european_hint=raw.delimiter == ";")


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


def _failures(con: duckdb.DuckDBPyConnection, column: str, plan: ColumnPlan) -> tuple[int, str] | None:
    """The first line where a non-missing value does not convert under `plan`, or None."""
    row = con.execute(f"SELECT _row, {column} FROM _conv WHERE NOT ({MISSING_SQL.format(c=column)}) "
                      f"AND ({plan.sql}) IS NULL ORDER BY _row LIMIT 1").fetchone()
    return None if row is None else (int(row[0]), str(row[1]))


def _drop_total_rows(con: duckdb.DuckDBPyConnection, raw: _Raw) -> list[str]:
    """Report footers ('Total', 'Grand total: ...') are not data: the first filled cell of such a row says so."""
    types = dict(con.execute("SELECT column_name, data_type FROM duckdb_columns() "
                             "WHERE table_name = '_raw'").fetchall())
    cols = [f"c{i}" for i in range(len(raw.headers))]
    text_cols = [c for c in cols if types.get(c) == "VARCHAR"]
    if not text_cols:
        return []
    blank = "({c} IS NULL OR trim(CAST({c} AS VARCHAR)) = '')"
    conditions = []
    for col in text_cols[:6]:
        earlier = [blank.format(c=c) for c in cols[:cols.index(col)]]
        conditions.append(" AND ".join([f"regexp_full_match(trim({col}), '{TOTAL_ROW}')", *earlier]))
    where = " OR ".join(f"({c})" for c in conditions)
    shown = ", ".join(f"nullif(trim(CAST({c} AS VARCHAR)), '')" for c in text_cols[:6])
    found = con.execute(f"SELECT _row, coalesce({shown}) FROM _raw WHERE {where} ORDER BY _row").fetchall()
    if found:
        con.execute(f"DELETE FROM _raw WHERE {where}")
    unit = "line" if raw.kind in ("csv", "excel") else "record"
    return [f"{unit} {r}: '{text.strip()}' (a report total, not data)" for r, text in found]


def _drop_empty_unnamed(con: duckdb.DuckDBPyConnection, headers: list[str]) -> tuple[list[int], list[str]]:
    keep, dropped = [], []
    unnamed = [i for i, h in enumerate(headers) if not h.strip() or re.fullmatch(r"Unnamed: \d+", h)]
    empty: set[int] = set()
    if unnamed:
        counts = con.execute("SELECT " + ", ".join(
            f"count(*) FILTER (WHERE NOT ({MISSING_SQL.format(c=f'CAST(c{i} AS VARCHAR)')}))" for i in unnamed)
            + " FROM _raw").fetchone()
        empty = {i for i, n in zip(unnamed, counts) if n == 0}
    for i, header in enumerate(headers):
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


# --- reading: CSV ---------------------------------------------------------------------------------

def _read_csv(con: duckdb.DuckDBPyConnection, source: Path, scratch: Path) -> _Raw:
    encoding = _detect_encoding(source)
    head = _decoded_head(source, encoding)
    delimiter, header_index, width = _sniff(head, source.name)
    headers = next(csv.reader([head.splitlines()[header_index]], delimiter=delimiter))
    headers = (headers + [""] * width)[:width]
    readable = source if encoding == "utf-8" else _transcode(source, encoding, scratch)
    raw = _Raw(headers, "csv", delimiter=delimiter)
    if encoding != "utf-8":
        raw.notes.append(f"read as {encoding}")
    if header_index:
        raw.notes.append(f"skipped {header_index} line(s) above the header")
    raw.notes.append(f"columns separated by {_delimiter_word(delimiter)}")
    columns = ", ".join(f"'c{i}': 'VARCHAR'" for i in range(width))
    sql = (f"CREATE TEMP TABLE _raw AS SELECT row_number() OVER () + {header_index + 1} AS _row, * "
           f"FROM read_csv(?, delim = ?, header = false, skip = {header_index + 1}, quote = '\"', "
           f"escape = '\"', auto_detect = false, columns = {{{columns}}}, strict_mode = true)")
    try:
        con.execute(sql, [str(readable), delimiter])
    except duckdb.Error as exc:
        raise _csv_error(exc, source.name, width) from None
    _drop_trailing_notes(con, width)
    return raw


def _detect_encoding(source: Path) -> str:
    with source.open("rb") as fh:
        head = fh.read(SAMPLE_BYTES)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if len(head) > 8 and head[1::2].count(0) > len(head) * 0.4 and head[0::2].count(0) == 0:
        return "utf-16-le"
    if b"\x00" in head or _control_share(head) > 0.01:
        raise IngestError(f"{source.name} does not look like a text file (it holds binary data).",
                          hint="Export the report as CSV or Excel again; do not rename other files to .csv.")
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = 0
    with source.open("rb") as fh:
        while chunk := fh.read(DECODE_CHUNK):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                return _legacy_encoding(source, offset + exc.start)
            offset += len(chunk)
    return "utf-8"


def _control_share(head: bytes) -> float:
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 13))
    return controls / max(1, len(head))


def _legacy_encoding(source: Path, offset: int) -> str:
    try:
        with source.open("rb") as fh:
            for chunk in iter(lambda: fh.read(DECODE_CHUNK), b""):
                chunk.decode("cp1252")
        return "cp1252"
    except UnicodeDecodeError:
        return "latin-1"


def _decoded_head(source: Path, encoding: str) -> str:
    with source.open("rb") as fh:
        head = fh.read(SAMPLE_BYTES)
    text = head.decode(encoding, errors="ignore")
    if len(head) == SAMPLE_BYTES:
        text = text.rsplit("\n", 1)[0]  # the last line may be cut short
    if not text.strip():
        raise IngestError(f"{source.name} has no text in it.", hint="Export the report again with some rows.")
    return text


def _sniff(head: str, name: str) -> tuple[str, int, int]:
    """The delimiter, the header line's index and the number of columns, judged by consistent widths."""
    lines = [ln for ln in head.splitlines()[:200]]
    best: tuple[tuple[float, int, int], str, int, int] | None = None
    for delim in DELIMITERS:
        widths = [len(r) for r in csv.reader(lines, delimiter=delim)] if lines else []
        filled = [w for w, ln in zip(widths, lines) if ln.strip()]
        if not filled:
            continue
        width = max(set(filled), key=lambda w: (filled.count(w), w))
        start = next(i for i, (w, ln) in enumerate(zip(widths, lines)) if w == width and ln.strip())
        rest = [w for w, ln in zip(widths[start:], lines[start:]) if ln.strip()]
        score = (sum(w == width for w in rest) / len(rest) if width > 1 else 0.0, width, -start)
        if best is None or score > best[0]:
            best = (score, delim, start, width)
    if best is None:
        raise IngestError(f"{name} has no rows.", hint="Export the report again with some rows.")
    _, delim, start, width = best
    if start == len(lines) - 1 or all(not ln.strip() for ln in lines[start + 1:]):
        raise IngestError(f"{name} has a header row but no data rows.",
                          hint="Export the report again with at least one row of data.")
    return delim, start, width


def _transcode(source: Path, encoding: str, scratch: Path) -> Path:
    target = scratch / "utf8.csv"
    with source.open("r", encoding=encoding, newline="") as src, target.open("w", encoding="utf-8",
                                                                              newline="") as dst:
        while chunk := src.read(DECODE_CHUNK):
            dst.write(chunk)
    return target


def _csv_error(exc: duckdb.Error, name: str, width: int) -> IngestError:
    text = str(exc)
    line = re.search(r"Line: (\d+)", text)
    found = re.search(r"Expected Number of Columns: (\d+) Found: (\d+)", text)
    where = f" on line {line.group(1)}" if line else ""
    if found:
        return IngestError(f"{name} has {found.group(2)} values{where} but {width} columns in the header.",
                           hint="Fix that row (a missing or extra separator, or an unclosed quote) "
                                "and upload again. Nothing was loaded.")
    first = text.splitlines()[0] if text else type(exc).__name__
    return IngestError(f"{name} could not be read{where}: {first}.",
                       hint="Check that the file is a plain CSV export. Nothing was loaded.")


def _drop_trailing_notes(con: duckdb.DuckDBPyConnection, width: int) -> None:
    """Blank rows (every cell empty) carry no data; exports often end with some."""
    cells = " AND ".join(f"({MISSING_SQL.format(c=f'c{i}')})" for i in range(width))
    con.execute(f"DELETE FROM _raw WHERE {cells}")


def _delimiter_word(delim: str) -> str:
    return {",": "commas", ";": "semicolons", "\t": "tabs", "|": "pipes"}[delim]


# --- reading: Excel, Parquet, JSON lines ----------------------------------------------------------

def _read_excel(con: duckdb.DuckDBPyConnection, source: Path, scratch: Path) -> _Raw:
    import pandas as pd

    try:
        sheet = pd.read_excel(source, sheet_name=0, header=None, dtype=str, engine="openpyxl")
    except Exception as exc:  # openpyxl raises many unrelated types for a damaged workbook
        raise IngestError(f"{source.name} could not be opened as an Excel workbook ({type(exc).__name__}).",
                          hint="Open it in Excel and save it again as .xlsx, or export CSV.") from None
    if sheet.empty:
        raise IngestError(f"{source.name} has an empty first sheet.", hint="Put the report on the first sheet.")
    filled = sheet.notna().sum(axis=1).tolist()
    width = max(filled[:50])
    header_index = next(i for i, n in enumerate(filled) if n == width)
    headers = ["" if pd.isna(v) else str(v) for v in sheet.iloc[header_index].tolist()]
    data = sheet.iloc[header_index + 1:].copy()
    data.columns = [f"c{i}" for i in range(len(headers))]
    data.insert(0, "_row", range(header_index + 2, header_index + 2 + len(data)))
    con.register("_sheet", data)
    casts = ", ".join(f"CAST(c{i} AS VARCHAR) AS c{i}" for i in range(len(headers)))
    con.execute(f"CREATE TEMP TABLE _raw AS SELECT CAST(_row AS BIGINT) AS _row, {casts} FROM _sheet")
    con.unregister("_sheet")
    _drop_trailing_notes(con, len(headers))
    raw = _Raw(headers, "excel")
    if header_index:
        raw.notes.append(f"skipped {header_index} row(s) above the header")
    return raw


def _read_parquet(con: duckdb.DuckDBPyConnection, source: Path, scratch: Path) -> _Raw:
    return _read_typed(con, source, "read_parquet(?)", "a Parquet file", "parquet")


def _read_json(con: duckdb.DuckDBPyConnection, source: Path, scratch: Path) -> _Raw:
    return _read_typed(con, source, "read_json(?, format = 'newline_delimited')", "JSON lines", "json")


def _read_typed(con: duckdb.DuckDBPyConnection, source: Path, reader: str, what: str, kind: str) -> _Raw:
    try:
        con.execute(f"CREATE TEMP TABLE _typed AS SELECT * FROM {reader}", [str(source)])
    except duckdb.Error as exc:
        first = str(exc).splitlines()[0]
        line = re.search(r"line (\d+)", first, re.IGNORECASE)
        where = f" (line {line.group(1)})" if line else ""
        raise IngestError(f"{source.name} could not be read as {what}{where}: {first}",
                          hint="Export it again, or export CSV instead. Nothing was loaded.") from None
    headers = [r[0] for r in con.execute("SELECT column_name FROM duckdb_columns() WHERE table_name = '_typed' "
                                         "ORDER BY column_index").fetchall()]
    cols = ", ".join(f'"{h}" AS c{i}' for i, h in enumerate(h.replace('"', '""') for h in headers))
    con.execute(f"CREATE TEMP TABLE _raw AS SELECT row_number() OVER () AS _row, {cols} FROM _typed")
    con.execute("DROP TABLE _typed")
    return _Raw(headers, kind)

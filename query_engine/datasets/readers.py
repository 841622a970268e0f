"""Reading an export as text: each file kind becomes the temp table _raw (c0..cN plus _row, the file line).

Readers refuse what the upload caps forbid (too many columns, too long a line or value, a workbook that would
expand past its bound) before the heavy work where they can, and always before any conversion starts.
"""
from __future__ import annotations

import codecs
import csv
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import duckdb

from query_engine.datasets.cell_rules import MISSING_SQL
from query_engine.datasets.report_edges import footer_size, without_footer
from query_engine.datasets.upload_limits import (
    MAX_LINE_BYTES,
    MAX_VALUE_BYTES,
    check_column_count,
    check_workbook,
    line_too_long,
    value_too_long,
)
from query_engine.errors import IngestError

DELIMITERS = (",", ";", "\t", "|")
# Cells only one convention reads: '12,5', '1.234,56', '1 234,56 €' (comma) and '12.5', '1,234.56' (point).
_DECIMAL_COMMA = re.compile(r"[-(]?[^\d\s]{0,3}\s?(?:\d{1,3}(?:[. ]\d{3})+|\d+),\d{1,2}(?!\d)\s?[^\d\s]{0,3}\)?")
_DECIMAL_POINT = re.compile(r"[-(]?[^\d\s]{0,3}\s?(?:\d{1,3}(?:[, ]\d{3})+|\d+)\.\d{1,2}(?!\d)\s?[^\d\s]{0,3}\)?")
SAMPLE_BYTES = 256 * 1024
HEAD_BYTES = MAX_LINE_BYTES  # the sniffed head holds at least one whole line of the longest allowed
DECODE_CHUNK = 4 * 1024 * 1024
# Columns per statement: DuckDB's optimizer needs more than linear time and memory in the width of one
# projection (1,000 columns of conversions in one SELECT ran out of memory), so wide files go in batches.
BATCH_COLUMNS = 64
T = TypeVar("T")


@dataclass
class RawTable:
    """The file read as text into the temp table _raw (columns c0..cN plus _row, the file line)."""

    headers: list[str]
    kind: str
    notes: list[str] = field(default_factory=list)
    delimiter: str = ","
    # Lines that are not data, by what they are: 'preamble' (above the header), 'footer' (below the data).
    skipped: dict[str, int] = field(default_factory=dict)
    decimal_comma: bool = False


def batches(items: Sequence[T], size: int = BATCH_COLUMNS) -> Iterator[Sequence[T]]:
    """`items` in consecutive slices of at most `size`."""
    for start in range(0, len(items), size):
        yield items[start:start + size]


def read_raw(con: duckdb.DuckDBPyConnection, source: Path, kind: str, scratch: Path) -> RawTable:
    """Read `source` into _raw with the reader for its kind, then refuse values over the value cap."""
    readers = {"csv": _read_csv, "excel": _read_excel, "parquet": _read_parquet, "json": _read_json}
    raw = readers[kind](con, source, scratch)
    _check_value_lengths(con, raw, source.name)
    return raw


_SCALAR_TYPES = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT",
                 "FLOAT", "DOUBLE", "DECIMAL", "BOOLEAN", "DATE", "TIME", "TIMESTAMP", "TIMESTAMP WITH TIME ZONE",
                 "INTERVAL")  # exact names: 'TINYINT[]' is a list, measured as the text it becomes


def _check_value_lengths(con: duckdb.DuckDBPyConnection, raw: RawTable, name: str) -> None:
    types = dict(con.execute("SELECT column_name, data_type FROM duckdb_columns() "
                             "WHERE table_name = '_raw'").fetchall())
    # Text, and everything that becomes text later (lists, structs, maps, blobs), is measured as text.
    text = [i for i in range(len(raw.headers)) if str(types.get(f"c{i}", "")).split("(")[0] not in _SCALAR_TYPES]
    for batch in batches(text):
        [row] = con.execute("SELECT " + ", ".join(f"max(strlen(c{i}::VARCHAR)), arg_max(_row, strlen(c{i}::VARCHAR))"
                                                  for i in batch) + " FROM _raw").fetchall()  # an aggregate: one row
        for i, size, line in zip(batch, row[0::2], row[1::2], strict=False):
            if size is not None and size > MAX_VALUE_BYTES:
                raise value_too_long(name, raw.headers[i], int(line) if raw.kind in ("csv", "excel") else None,
                                     int(size))


def drop_blank_rows(con: duckdb.DuckDBPyConnection, width: int) -> None:
    """Blank rows (every cell empty) carry no data; exports often end with some."""
    groups = list(batches(range(width)))
    con.execute(f"CREATE TEMP TABLE _blank AS SELECT _row FROM _raw WHERE {_all_missing(groups[0])}")
    for group in groups[1:]:
        con.execute(f"DELETE FROM _blank WHERE _row NOT IN (SELECT _row FROM _raw WHERE {_all_missing(group)})")
    con.execute("DELETE FROM _raw WHERE _row IN (SELECT _row FROM _blank)")
    con.execute("DROP TABLE _blank")


def _all_missing(columns: Sequence[int]) -> str:
    return " AND ".join(f"({MISSING_SQL.format(c=f'c{i}')})" for i in columns)


# --- CSV ------------------------------------------------------------------------------------------

def _read_csv(con: duckdb.DuckDBPyConnection, source: Path, scratch: Path) -> RawTable:
    encoding = _detect_encoding(source)
    head = _decoded_head(source, encoding)
    delimiter, header_index, width = _sniff(head, source.name)
    check_column_count(source.name, width)
    headers = next(csv.reader([head.splitlines()[header_index]], delimiter=delimiter))
    headers = (headers + [""] * width)[:width]
    readable = source if encoding == "utf-8" else _transcode(source, encoding, scratch)
    raw = RawTable(headers, "csv", delimiter=delimiter, decimal_comma=decimal_comma(head, delimiter))
    if encoding != "utf-8":
        raw.notes.append(f"read as {encoding}")
    if header_index:
        raw.skipped["preamble"] = header_index
        raw.notes.append(f"skipped {header_index} line(s) above the header")
    readable = _cut_footer(raw, readable, readable is not source, width, scratch)
    raw.notes.append(f"columns separated by {_delimiter_word(delimiter)}")
    columns = ", ".join(f"'c{i}': 'VARCHAR'" for i in range(width))
    sql = (f"CREATE TEMP TABLE _raw AS SELECT row_number() OVER () + {header_index + 1} AS _row, * "
           f"FROM read_csv(?, delim = ?, header = false, skip = {header_index + 1}, quote = '\"', "
           f"escape = '\"', auto_detect = false, columns = {{{columns}}}, strict_mode = true, "
           f"max_line_size = {MAX_LINE_BYTES})")
    try:
        con.execute(sql, [str(readable), delimiter])
    except duckdb.OutOfMemoryException:
        raise
    except duckdb.Error as exc:
        raise _csv_error(exc, source.name, width) from None
    drop_blank_rows(con, width)
    return raw


def _cut_footer(raw: RawTable, readable: Path, own_copy: bool, width: int, scratch: Path) -> Path:
    cut, count, first = footer_size(readable, raw.delimiter, width)
    if not cut:
        return readable
    if count:
        raw.skipped["footer"] = count
        raw.notes.append(f"skipped {count} line(s) below the data (report footer, e.g. '{first[:60]}')")
    return without_footer(readable, cut, scratch, own_copy)


def decimal_comma(head: str, delimiter: str) -> bool:
    """Whether the file writes decimals with a comma: ';' separates its columns, or its numbers say so."""
    if delimiter == ";":
        return True
    comma = point = 0
    for row in csv.reader(head.splitlines()[:200], delimiter=delimiter):
        for cell in row:
            text = cell.strip().replace("\u00a0", " ").replace("\u202f", " ")
            comma += bool(_DECIMAL_COMMA.fullmatch(text))
            point += bool(_DECIMAL_POINT.fullmatch(text))
    return comma > point


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
        head = fh.read(HEAD_BYTES)
    text = head.decode(encoding, errors="ignore")
    if len(head) == HEAD_BYTES:
        if "\n" not in text and "\r" not in text:
            raise line_too_long(source.name, 1)
        text = text.rsplit("\n", 1)[0]  # the last line may be cut short
    if not text.strip():
        raise IngestError(f"{source.name} has no text in it.", hint="Export the report again with some rows.")
    return text


def _sniff(head: str, name: str) -> tuple[str, int, int]:
    """The delimiter, the header line's index and the number of columns, judged by consistent widths."""
    lines = head.splitlines()[:200]
    best: tuple[tuple[float, int, int], str, int, int] | None = None
    too_long = False
    for delim in DELIMITERS:
        widths = _widths(lines, delim, name)
        if widths is None:  # with this delimiter a whole line is one field: the wrong delimiter, or a huge value
            too_long = True
            continue
        filled = [w for w, ln in zip(widths, lines, strict=False) if ln.strip()]
        if not filled:
            continue
        width = max(set(filled), key=lambda w: (filled.count(w), w))
        start = _header_index(widths, lines, width)
        rest = [w for w, ln in zip(widths[start:], lines[start:], strict=False) if ln.strip()]
        score = (sum(w == width for w in rest) / len(rest) if width > 1 else 0.0, width, -start)
        if best is None or score > best[0]:
            best = (score, delim, start, width)
    if best is None:
        if too_long:
            raise value_too_long(name)
        raise IngestError(f"{name} has no rows.", hint="Export the report again with some rows.")
    _, delim, start, width = best
    if start == len(lines) - 1 or all(not ln.strip() for ln in lines[start + 1:]):
        raise IngestError(f"{name} has a header row but no data rows.",
                          hint="Export the report again with at least one row of data.")
    return delim, start, width


def _header_index(widths: list[int], lines: list[str], width: int) -> int:
    """The first line of `width` fields that the next filled line matches ('April 7, 2025 - June 22, 2025'
    above a 3-column header has its width by chance, but the line after it does not)."""
    filled = [i for i, ln in enumerate(lines) if ln.strip()]
    candidates = [i for i in filled if widths[i] == width]
    for i in candidates:
        after = next((j for j in filled if j > i), None)
        if after is None or widths[after] == width:
            return i
    return candidates[0]


def _widths(lines: list[str], delim: str, name: str) -> list[int] | None:
    """Fields per line with this delimiter; None when a field passes Python's 128 KB (above the value cap)."""
    try:
        return [len(r) for r in csv.reader(lines, delimiter=delim)]
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            return None
        raise IngestError(f"{name} could not be read as CSV ({exc}).",
                          hint="Check that the file is a plain CSV export. Nothing was loaded.") from None


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
    if "Maximum line size" in text:
        return line_too_long(name, int(line.group(1)) if line else None)
    if found:
        return IngestError(f"{name} has {found.group(2)} values{where} but {width} columns in the header.",
                           hint="Fix that row (a missing or extra separator, or an unclosed quote) "
                                "and upload again. Nothing was loaded.")
    first = text.splitlines()[0] if text else type(exc).__name__
    return IngestError(f"{name} could not be read{where}: {first}.",
                       hint="Check that the file is a plain CSV export. Nothing was loaded.")


def _delimiter_word(delim: str) -> str:
    return {",": "commas", ";": "semicolons", "\t": "tabs", "|": "pipes"}[delim]


# --- Excel, Parquet, JSON lines -------------------------------------------------------------------

def _read_excel(con: duckdb.DuckDBPyConnection, source: Path, scratch: Path) -> RawTable:
    import pandas as pd

    check_workbook(source)
    try:
        sheet = pd.read_excel(source, sheet_name=0, header=None, dtype=str, engine="openpyxl")
    except MemoryError:
        raise
    except Exception as exc:  # openpyxl raises many unrelated types for a damaged workbook
        raise IngestError(f"{source.name} could not be opened as an Excel workbook ({type(exc).__name__}).",
                          hint="Open it in Excel and save it again as .xlsx, or export CSV.") from None
    if sheet.empty:
        raise IngestError(f"{source.name} has an empty first sheet.", hint="Put the report on the first sheet.")
    check_column_count(source.name, sheet.shape[1])
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
    drop_blank_rows(con, len(headers))
    raw = RawTable(headers, "excel")
    if header_index:
        raw.notes.append(f"skipped {header_index} row(s) above the header")
    return raw


def _read_parquet(con: duckdb.DuckDBPyConnection, source: Path, scratch: Path) -> RawTable:
    return _read_typed(con, source, "read_parquet(?)", "a Parquet file", "parquet")


def _read_json(con: duckdb.DuckDBPyConnection, source: Path, scratch: Path) -> RawTable:
    return _read_typed(con, source, "read_json(?, format = 'newline_delimited')", "JSON lines", "json")


def _read_typed(con: duckdb.DuckDBPyConnection, source: Path, reader: str, what: str, kind: str) -> RawTable:
    try:
        # The schema alone (Parquet metadata, a JSON sample) says how wide the table would be.
        check_column_count(source.name, len(con.execute(f"DESCRIBE SELECT * FROM {reader}", [str(source)]).fetchall()))
        con.execute(f"CREATE TEMP TABLE _typed AS SELECT * FROM {reader}", [str(source)])
    except duckdb.OutOfMemoryException:
        raise
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
    return RawTable(headers, kind)

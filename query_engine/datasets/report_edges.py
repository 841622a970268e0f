"""What surrounds an export's data and is not data: footer lines below it and report totals among its rows.

Footers are found in the file's tail before DuckDB reads it (a short '©2025 ...' line would otherwise fail the
strict read), walking up from the last line while lines are blank, shorter than the header, or report metadata.
Totals rows have the header's width and are removed from _raw by their first filled cell ('Total',
'Total: Account', 'Total of 540 results') or, for the last row, by leaving blank the leading columns every other
row fills (DV360's totals row). Everything removed is counted for the load report.
"""
from __future__ import annotations

import csv
import os
import shutil
from pathlib import Path

import duckdb

from query_engine.datasets.cell_rules import MISSING_SQL
from query_engine.datasets.export_lexicon import TOTAL_ROW, is_footer_label, is_total_label

TAIL_BYTES = 256 * 1024
MAX_FOOTER_LINES = 60
# A leading blank run this long in the last row, over columns every other row fills, marks a totals row.
MIN_BLANK_LEAD = 2


def footer_size(path: Path, delimiter: str, width: int) -> tuple[int, int, str]:
    """Bytes at the end of `path` that are footer, how many non-blank footer lines, and the first one's text."""
    size = path.stat().st_size
    start = max(0, size - TAIL_BYTES)
    with path.open("rb") as fh:
        fh.seek(start)
        lines = fh.read().splitlines(keepends=True)
    if start > 0:
        lines = lines[1:]  # the first line of the tail may be cut short
    cut, count, first, joined = 0, 0, "", True
    for line in reversed(lines[-MAX_FOOTER_LINES:]):
        text = line.decode("utf-8", errors="replace").strip().lstrip("\ufeff")
        fields = next(csv.reader([text], delimiter=delimiter), []) if text else []
        if any(f.strip() for f in fields):
            if not _footer_fields(fields, width):
                break
            count, first = count + 1, " ".join(f.strip() for f in fields if f.strip())
            joined = _looks_like_row(fields)
        else:
            joined = False  # a blank line parts what follows from the data
        cut += len(line)
    if joined and count:
        return 0, 0, ""  # a short row right after the data is a broken row, left for the read to report
    return cut, count, first


def _looks_like_row(fields: list[str]) -> bool:
    return sum(bool(f.strip()) for f in fields) >= 2 and not is_footer_label(fields[0])


def _footer_fields(fields: list[str], width: int) -> bool:
    filled = [f for f in fields if f.strip()]
    labelled = is_footer_label(fields[0])
    return len(fields) < width or (labelled and (len(filled) <= 2 or fields[0].strip().endswith(":")))


def without_footer(path: Path, cut: int, scratch: Path, own_copy: bool) -> Path:
    """`path` without its last `cut` bytes: truncated in place when it is our own copy, else copied short."""
    keep = path.stat().st_size - cut
    if own_copy:
        os.truncate(path, keep)
        return path
    target = scratch / "body.csv"
    with path.open("rb") as src, target.open("wb") as dst:
        shutil.copyfileobj(_Limited(src, keep), dst)
    return target


class _Limited:
    """A binary reader that stops after `left` bytes (for copyfileobj)."""

    def __init__(self, fh: object, left: int) -> None:
        self.fh, self.left = fh, left

    def read(self, size: int = -1) -> bytes:
        size = self.left if size < 0 else min(size, self.left)
        data: bytes = self.fh.read(size)  # type: ignore[attr-defined]
        self.left -= len(data)
        return data


def drop_footer_rows(con: duckdb.DuckDBPyConnection, width: int) -> list[tuple[int, str]]:
    """Trailing rows of _raw that are footer text in a sheet (one filled cell, or a metadata label); removed."""
    cols = [f"c{i}" for i in range(width)]
    cells = ", ".join(f"nullif(trim(CAST({c} AS VARCHAR)), '')" for c in cols)
    rows = con.execute(f"SELECT _row, [{cells}] FROM _raw ORDER BY _row DESC LIMIT {MAX_FOOTER_LINES}").fetchall()
    footer: list[tuple[int, str]] = []
    for line, values in rows:
        filled = [v for v in values if v is not None]
        label = filled[0] if filled else ""
        single = width >= 4 and len(filled) == 1 and values[0] is not None and not is_total_label(label)
        if not filled or single or (is_footer_label(label) and len(filled) <= 2):
            footer.append((int(line), label))
            continue
        break
    if footer:
        con.execute(f"DELETE FROM _raw WHERE _row >= {min(line for line, _ in footer)}")
    return [(line, text) for line, text in footer if text]


def drop_total_rows(con: duckdb.DuckDBPyConnection, width: int) -> list[tuple[int, str]]:
    """Rows that are report totals, removed from _raw: (line, what the row says) for each."""
    types = dict(con.execute("SELECT column_name, data_type FROM duckdb_columns() "
                             "WHERE table_name = '_raw'").fetchall())
    cols = [f"c{i}" for i in range(width)]
    text_cols = [c for c in cols if types.get(c) == "VARCHAR"]
    if not text_cols:
        return []
    blank = "({c} IS NULL OR trim(CAST({c} AS VARCHAR)) = '')"
    pattern = TOTAL_ROW.replace("'", "''")
    conditions = []
    for col in text_cols[:6]:
        earlier = [blank.format(c=c) for c in cols[:cols.index(col)]]
        conditions.append(" AND ".join([f"regexp_full_match(trim({col}), '{pattern}')", *earlier]))
    where = " OR ".join(f"({c})" for c in conditions)
    shown = ", ".join(f"nullif(trim(CAST({c} AS VARCHAR)), '')" for c in text_cols[:6])
    found = [(int(r), str(t).strip()) for r, t in con.execute(
        f"SELECT _row, coalesce({shown}) FROM _raw WHERE {where} ORDER BY _row").fetchall()]
    if found:
        con.execute(f"DELETE FROM _raw WHERE {where}")
    blank_total = _blank_lead_total(con, cols)
    return found + ([blank_total] if blank_total else [])


def _blank_lead_total(con: duckdb.DuckDBPyConnection, cols: list[str]) -> tuple[int, str] | None:
    """The last row, when it leaves blank a leading run of columns that every other row fills."""
    cells = ", ".join(f"({MISSING_SQL.format(c=f'CAST({c} AS VARCHAR)')})" for c in cols)
    last = con.execute(f"SELECT _row, [{cells}] FROM _raw ORDER BY _row DESC LIMIT 1").fetchone()
    if last is None:
        return None
    line, missing = int(last[0]), list(last[1])
    lead = next((i for i, m in enumerate(missing) if not m), len(missing))
    if lead < MIN_BLANK_LEAD or lead == len(missing):
        return None
    checks = ", ".join(f"count(*) FILTER (WHERE {MISSING_SQL.format(c=f'CAST({c} AS VARCHAR)')})"
                       for c in cols[:lead])
    [(others, *gaps)] = con.execute(f"SELECT count(*), {checks} FROM _raw WHERE _row <> {line}").fetchall()
    if others == 0 or any(g for g in gaps):
        return None
    con.execute(f"DELETE FROM _raw WHERE _row = {line}")
    return line, f"{lead} leading columns blank, figures filled"

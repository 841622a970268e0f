"""CSV for download that a spreadsheet opens as data, never as formulas (OWASP's CSV-injection rule).

A text cell that starts with = + - @, a tab or a carriage return gets a leading single quote, so Excel,
LibreOffice and Google Sheets show it as text instead of running it. Plain numbers written as text (-12.5,
+3) and every numeric value are left alone, so figures stay figures. Rows end in CRLF (RFC 4180), which also
makes the writer quote any cell holding a carriage return or line feed.
"""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:[.,]\d+)*|[.,]\d+)(?:[eE][+-]?\d+)?%?")


def neutralise_cell(value: Any) -> Any:
    """The value a spreadsheet cannot run: text that would start a formula gets a leading ' ; numbers stay."""
    if not isinstance(value, str) or not value.startswith(FORMULA_STARTS) or _PLAIN_NUMBER.fullmatch(value):
        return value
    return "'" + value


def safe_csv(table: pd.DataFrame | Iterable[Mapping[str, Any]], columns: Sequence[str] | None = None) -> str:
    """CSV text of a DataFrame or of row mappings (in `columns` order), headers and text cells neutralised."""
    if isinstance(table, pd.DataFrame):
        return _frame_csv(table)
    if columns is None:
        raise ValueError("safe_csv needs the column names when given rows")
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([neutralise_cell(str(name)) for name in columns])
    writer.writerows([neutralise_cell(row.get(name)) for name in columns] for row in table)
    return buffer.getvalue()


def _frame_csv(frame: pd.DataFrame) -> str:
    out = frame.copy()
    for position, dtype in enumerate(out.dtypes):
        if dtype.kind not in "biufcmM":  # text, mixed and categorical columns; numbers and dates stay as they are
            neutralised = out.iloc[:, position].astype(object).map(neutralise_cell)
            out.isetitem(position, neutralised)  # type: ignore[arg-type]  # pandas-stubs omit Series; pandas takes it
    out.columns = [neutralise_cell(str(name)) for name in out.columns]
    return out.to_csv(index=False, lineterminator="\r\n")

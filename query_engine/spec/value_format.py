"""Display strings for result values, and matching plotly axis formats, for tables, charts and insights."""
from __future__ import annotations

import datetime as dt
import math
from typing import Any

from query_engine.spec.numbers import as_number
from query_engine.spec.query import ColumnInfo, QueryResult

MISSING = "—"
_COMPACT_UNITS = ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K"))


def format_value(value: Any, fmt: str, *, compact: bool = False) -> str:
    """One cell as text: currency "$1,234.56", integer "1,234", percent "2.35%", ratio "3.21x", date ISO."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return MISSING
    if isinstance(value, (dt.date, dt.datetime)):
        return _format_period(value, fmt) if fmt in PERIOD_FORMATS else _format_date(value)
    number = as_number(value)
    if number is None or fmt in ("date", "text"):
        return str(value)
    if math.isinf(number):
        return "∞" if number > 0 else "-∞"
    sign = "-" if number < 0 and not _rounds_to_zero(number, fmt) else ""
    return sign + _format_magnitude(abs(number), fmt, compact)


def format_cell(value: Any, column: ColumnInfo, *, compact: bool = False) -> str:
    """One cell as text for its column; time buckets (dates, years, day names) are shown as-is."""
    fmt = column.format if column.format in PERIOD_FORMATS else "date" if column.role == "time" else column.format
    return format_value(value, fmt, compact=compact)


def format_table(result: QueryResult, columns: tuple[ColumnInfo, ...] | None = None) -> list[dict[str, str]]:
    """Every row as {column name: display string}, in the result's column order."""
    if not columns:
        from query_engine.spec.result_columns import (
            infer_columns,  # local: result_columns needs no formatting
        )

        columns = infer_columns(result)
    by_name = {column.name: column for column in columns}
    infos = [by_name.get(name, ColumnInfo(name, "detail", name, "text")) for name in result.columns]
    return [{info.name: format_cell(cell, info) for info, cell in zip(infos, row, strict=False)} for row in result.rows]


def axis_format(fmt: str, *, max_abs: float | None = None) -> dict[str, str]:
    """Plotly axis settings (tickformat, tickprefix, ticksuffix) that match format_value for `fmt`."""
    big = max_abs is not None and max_abs >= 1e4
    if fmt == "currency":
        return {"tickformat": "$~s" if big else "$,.2f", "tickprefix": "", "ticksuffix": ""}
    if fmt == "percent":
        return {"tickformat": ".1%", "tickprefix": "", "ticksuffix": ""}
    if fmt == "ratio":
        return {"tickformat": ".2f", "tickprefix": "", "ticksuffix": "x"}
    if fmt == "integer":
        return {"tickformat": "~s" if big else ",d", "tickprefix": "", "ticksuffix": ""}
    if fmt == "number":
        return {"tickformat": "~s" if big else ",.4~g", "tickprefix": "", "ticksuffix": ""}
    return {"tickformat": "", "tickprefix": "", "ticksuffix": ""}


def plotly_tickformat(fmt: str, *, max_abs: float | None = None) -> str:
    """The d3 tickformat for an axis showing values of format `fmt`."""
    return axis_format(fmt, max_abs=max_abs)["tickformat"]


def plotly_tickprefix(fmt: str) -> str:
    """The tick prefix for an axis of format `fmt` (currency carries "$" in its tickformat)."""
    return axis_format(fmt)["tickprefix"]


def plotly_ticksuffix(fmt: str) -> str:
    """The tick suffix for an axis of format `fmt` ("x" for ratios such as ROAS)."""
    return axis_format(fmt)["ticksuffix"]


PERIOD_FORMATS = ("month", "quarter", "week")


def _format_period(value: dt.date, fmt: str) -> str:
    """A period by its name: 'Oct 2025', 'Q4 2025', 'week of 2025-10-06'."""
    day = value.date() if isinstance(value, dt.datetime) else value
    if fmt == "month":
        return day.strftime("%b %Y")
    if fmt == "quarter":
        return f"Q{(day.month - 1) // 3 + 1} {day.year}"
    return f"week of {day.isoformat()}"


def _format_date(value: dt.date) -> str:
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.strftime("%Y-%m-%d %H:%M")
    return value.isoformat()


def _rounds_to_zero(number: float, fmt: str) -> bool:
    # Avoids "-$0.00" and "-0%" for tiny negatives.
    decimals = {"currency": 2, "integer": 0, "percent": 4, "ratio": 2}.get(fmt)
    if decimals is None:
        return number == 0
    return round(abs(number), decimals) == 0


def _format_magnitude(number: float, fmt: str, compact: bool) -> str:
    if fmt == "currency":
        return "$" + (_compact(number) if compact and number >= 1e3 else f"{number:,.2f}")
    if fmt == "integer":
        return _compact(number) if compact and number >= 1e3 else f"{round(number):,d}"
    if fmt == "percent":
        return f"{number * 100:,.2f}%"
    if fmt == "ratio":
        return f"{number:,.2f}x"
    if compact and number >= 1e3:
        return _compact(number)
    return _plain_number(number)


def _compact(number: float) -> str:
    """Three significant digits with a K/M/B/T unit, trailing zeros dropped: 1.23M, 45.3K, 1.2M."""
    for threshold, unit in _COMPACT_UNITS:
        if number >= threshold * 0.9995:
            scaled = number / threshold
            digits = 0 if scaled >= 99.95 else 1 if scaled >= 9.995 else 2
            return _strip_zeros(f"{scaled:.{digits}f}") + unit
    return _plain_number(number)


def _plain_number(number: float) -> str:
    if number >= 100:
        return _strip_zeros(f"{number:,.1f}")
    if number >= 1:
        return _strip_zeros(f"{number:,.2f}")
    if number == 0:
        return "0"
    return _strip_zeros(f"{number:.3g}" if number >= 1e-4 else f"{number:.2e}")


def _strip_zeros(text: str) -> str:
    if "." not in text or "e" in text:
        return text
    return text.rstrip("0").rstrip(".")

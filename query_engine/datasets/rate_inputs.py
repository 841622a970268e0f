"""Which of a table's columns a stored rate is computed from: the share of rows each candidate pair reproduces.

An export's eCPC may be spend over outbound clicks or over all clicks; its rows say which. A row tells when both
inputs and the stored value are non-zero; it agrees when the stored value is the pair's ratio (times the rate's
multiplier), as a fraction, in percent points or per hundred, within the rounding an export applies.
"""
from __future__ import annotations

from collections.abc import Sequence

import duckdb

TOLERANCE = 0.06  # relative: a value rounded to two decimals stays this close to the exact ratio
MIN_ROWS = 5  # fewer informative rows say nothing
SCALES = (1, 100, 0.01)  # a fraction, percent points, a percentage stored per hundred


def input_fits(con: duckdb.DuckDBPyConnection, table: str, rate: str, pairs: Sequence[tuple[str, str]],
               multiplier: float = 1.0) -> list[float]:
    """For each (numerator, denominator) column pair, the share of informative rows whose stored rate it gives."""
    if not pairs:
        return []
    parts = []
    for numerator, denominator in pairs:
        s, a, b = _quoted(rate), _quoted(numerator), _quoted(denominator)
        ratio = f"(CAST({a} AS DOUBLE) / {b} * {float(multiplier)!r})"
        agrees = " OR ".join(f"abs({s} / ({ratio} * {k}) - 1) < {TOLERANCE}" for k in SCALES)
        informative = f"{s} IS NOT NULL AND {s} <> 0 AND {a} > 0 AND {b} > 0"
        parts += [f"count(*) FILTER (WHERE {informative})",
                  f"count(*) FILTER (WHERE {informative} AND ({agrees}))"]
    try:
        [row] = con.execute(f"SELECT {', '.join(parts)} FROM {_quoted(table)}").fetchall()  # an aggregate: one row
    except duckdb.Error:  # columns that cannot be divided say nothing about each other
        return [0.0] * len(pairs)
    counts = list(row)
    return [counts[i + 1] / counts[i] if counts[i] >= MIN_ROWS else 0.0 for i in range(0, len(counts), 2)]


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'

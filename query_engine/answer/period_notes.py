"""A warning when the last period of a time series is only partly covered by the data."""
from __future__ import annotations

import datetime as dt

from query_engine.interpret.date_windows import period_end
from query_engine.spec.query import QueryResult, QuerySpec
from query_engine.spec.value_format import format_value

PARTIAL_GRAINS = ("week", "month", "quarter", "year")


def partial_period_note(spec: QuerySpec, result: QueryResult, as_of: dt.date | None) -> str | None:
    """'The latest month (2025-11-01) has data only through 2025-11-15 ...' when that is so, else None."""
    grain = next((d for d in spec.dimensions if d in PARTIAL_GRAINS), None)
    if grain is None or as_of is None or not result.rows or grain not in result.columns:
        return None
    index = result.columns.index(grain)
    periods = [row[index] for row in result.rows if row[index] is not None]
    if not periods:
        return None
    last = max(periods)
    start = dt.date(last, 1, 1) if isinstance(last, int) else last.date() if isinstance(last, dt.datetime) else last
    if not isinstance(start, dt.date) or not start <= as_of < period_end(start, grain):
        return None
    label = str(last) if isinstance(last, int) else format_value(start, grain)
    return (f"The latest {grain} ({label}) has data only through {as_of.isoformat()}, so its totals are partial; "
            f"compare it with earlier {grain}s with care.")

"""A forecast's history as evenly spaced series: which columns hold what, the grain, periods and gap filling."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np

from query_engine.errors import ForecastError
from query_engine.spec.calendar import month_end
from query_engine.spec.numbers import as_number
from query_engine.spec.query import ColumnInfo, QueryResult

MAX_SERIES = 10
MIN_POINTS = 3


@dataclass(frozen=True)
class Layout:
    """The history's time column, its optional dimension and the metric to forecast."""

    time: ColumnInfo
    dimension: ColumnInfo | None
    metric: ColumnInfo


@dataclass(frozen=True)
class Series:
    """One series: complete periods (evenly spaced, gaps filled) and the partial current period, if any."""

    periods: tuple[dt.date, ...]
    values: tuple[float, ...]
    partial: tuple[dt.date, float] | None

    @property
    def last_complete(self) -> dt.date:
        return self.periods[-1]


def history_layout(columns: tuple[ColumnInfo, ...], history: QueryResult) -> Layout:
    """The first time, dimension and metric columns the history holds (ForecastError without time or metric)."""
    by_role = {role: [c for c in columns if c.role == role and c.name in history.columns]
               for role in ("time", "dimension", "metric")}
    if not by_role["time"] or not by_role["metric"]:
        raise ForecastError("A forecast needs the metric by day, week or month.",
                            hint="Ask for the metric over time, e.g. 'spend by week'.")
    dims = by_role["dimension"]
    return Layout(by_role["time"][0], dims[0] if dims else None, by_role["metric"][0])


def history_grain(history: QueryResult, layout: Layout) -> str:
    """'day', 'week' or 'month', read from the spacing of the history's dates."""
    index = history.columns.index(layout.time.name)
    days = sorted({as_date(r[index]) for r in history.rows})
    gaps = [(b - a).days for a, b in zip(days, days[1:], strict=False)]
    if len(days) < MIN_POINTS or not gaps:
        raise ForecastError(f"There are only {len(days)} periods of history; a forecast needs at least {MIN_POINTS}.",
                            hint="Widen the history window or use a finer grain (day or week).")
    step = min(gaps)
    if step == 1:
        return "day"
    if step == 7 and all(d.weekday() == days[0].weekday() for d in days):
        return "week"
    if 28 <= step <= 31 and all(d.day == 1 for d in days):
        return "month"
    raise ForecastError("The history is not by day, week or month.", hint="Group the metric by day, week or month.")


def as_date(value: Any) -> dt.date:
    """A cell as a date (datetimes lose their time; text is read from its first ten characters)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def period_end(start: dt.date, grain: str) -> dt.date:
    """The last day of the period of `grain` that starts on `start`."""
    if grain == "day":
        return start
    if grain == "week":
        return start + dt.timedelta(days=6)
    return month_end(start.year, start.month)


def next_period(start: dt.date, grain: str) -> dt.date:
    """The start of the period after the one starting on `start`."""
    return period_end(start, grain) + dt.timedelta(days=1)


def periods_until(first: dt.date, end: dt.date, grain: str) -> list[dt.date]:
    """Period starts from `first` up to the period that holds `end`."""
    periods = [first]
    while period_end(periods[-1], grain) < end:
        periods.append(next_period(periods[-1], grain))
    return periods


def overlap(period: dt.date, grain: str, start: dt.date, end: dt.date) -> float:
    """The share of the period's days that fall within start..end."""
    last = period_end(period, grain)
    days = (min(last, end) - max(period, start)).days + 1
    return max(days, 0) / ((last - period).days + 1)


def history_series(history: QueryResult, layout: Layout, grain: str, as_of: dt.date,
                   additive: bool) -> dict[str | None, Series]:
    """One series per dimension value (the MAX_SERIES largest), or one keyed None without a dimension."""
    t = history.columns.index(layout.time.name)
    m = history.columns.index(layout.metric.name)
    d = history.columns.index(layout.dimension.name) if layout.dimension else None
    points: dict[str | None, dict[dt.date, float]] = {}
    for row in history.rows:
        key = None if d is None else str(row[d])
        value = as_number(row[m])
        points.setdefault(key, {})[as_date(row[t])] = value if value is not None else np.nan
    ranked = sorted(points, key=lambda k: -abs(np.nansum(list(points[k].values()))))[:MAX_SERIES]
    first = min(min(p) for p in points.values())
    last = max(max(p) for p in points.values())
    return {k: _one_series(points[k], first, last, grain, as_of, additive) for k in ranked}


def _one_series(points: dict[dt.date, float], first: dt.date, last: dt.date, grain: str, as_of: dt.date,
                additive: bool) -> Series:
    periods = periods_until(first, last, grain)
    partial = None
    if period_end(periods[-1], grain) > as_of:
        partial = (periods[-1], points.get(periods[-1], 0.0 if additive else np.nan))
        periods = periods[:-1]
    values = np.array([points.get(p, 0.0 if additive else np.nan) for p in periods], dtype=float)
    if np.isnan(values).any():
        values = _interpolate(values)
    if len(values) < MIN_POINTS:
        raise ForecastError(f"There are only {len(values)} complete periods of history; a forecast needs at least "
                            f"{MIN_POINTS}.", hint="Widen the history window or use a finer grain.")
    return Series(tuple(periods), tuple(float(v) for v in values), partial)


def _interpolate(values: np.ndarray) -> np.ndarray:
    known = ~np.isnan(values)
    if not known.any():
        raise ForecastError("The history has no values to forecast from.", hint="Pick another metric or window.")
    index = np.arange(len(values))
    return np.interp(index, index[known], values[known])

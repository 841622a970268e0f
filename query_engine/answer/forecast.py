"""Forecast a metric's history over a window: the outcome's rows and statements, targets and the forecast chart.

The history is read into series by forecast_series and projected by forecast_models (statsmodels ETS chosen
by a rolling-origin backtest, or last year's shape).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
import plotly.graph_objects as go

from query_engine.answer.chart import COLORWAY, TEMPLATE
from query_engine.answer.forecast_models import (
    INTERVAL,
    Fits,
    clip_at_zero,
    ets_all,
    last_year_all,
    window_total,
)
from query_engine.answer.forecast_series import (
    Layout,
    Series,
    history_grain,
    history_layout,
    history_series,
    next_period,
    overlap,
    periods_until,
)
from query_engine.errors import ForecastError
from query_engine.semantics.model import Metric
from query_engine.spec.calendar import month_end
from query_engine.spec.query import ColumnInfo, Forecast, QueryResult
from query_engine.spec.safe_text import escape_html
from query_engine.spec.value_format import axis_format, format_value


@dataclass(frozen=True)
class ForecastOutcome:
    """History plus forecast rows with their band, how the model was chosen and what it projects."""

    result: QueryResult  # columns: time, [dimension], metric, lower, upper, kind ('actual' | 'forecast')
    columns: tuple[ColumnInfo, ...]
    method_label: str
    backtest_mape: float | None  # percent, over the held-out periods of the total series
    chosen_by: str
    horizon: int  # forecast periods
    grain: str
    window: tuple[dt.date, dt.date]
    total_forecast: float | None  # sum over the window (additive metrics) or its mean (ratios)
    total_interval: tuple[float, float] | None
    target_verdict: str | None = None
    target_probability: float | None = None
    insights: tuple[str, ...] = ()


def is_additive(metric: Metric) -> bool:
    """Whether a metric's values add up over periods (sums do; ratios and formulas with division do not)."""
    if metric.is_ratio:
        return False
    return not (metric.formula and "/" in metric.formula) and metric.aggregation in (None, "sum", "count")


def forecast(history: QueryResult, columns: tuple[ColumnInfo, ...], spec_forecast: Forecast, as_of: dt.date, *,
             additive: bool | None = None) -> ForecastOutcome:
    """Forecast each series of `history` (time, [dimension], metric) over `spec_forecast`'s window."""
    layout = history_layout(columns, history)
    additive = _guess_additive(layout.metric) if additive is None else additive
    grain = history_grain(history, layout)
    series = history_series(history, layout, grain, as_of, additive)
    start = max(spec_forecast.start, as_of + dt.timedelta(days=1))
    if spec_forecast.end < start:
        raise ForecastError(f"The forecast window ends on {spec_forecast.end.isoformat()}, on or before the last "
                            f"date in the data ({as_of.isoformat()}).", hint="Ask about a date after it.")
    first_future = next_period(max(s.last_complete for s in series.values()), grain)
    end = spec_forecast.end
    periods = periods_until(first_future, end, grain)
    weights = np.array([overlap(p, grain, start, end) for p in periods])
    if spec_forecast.method == "last_year":
        fits, label, mape, chosen = last_year_all(series, len(periods), grain)
    else:
        fits, label, mape, chosen = ets_all(series, len(periods), grain)
    nonnegative = all(min(s.values, default=0.0) >= 0 for s in series.values())
    fits = {k: clip_at_zero(f) if nonnegative else f for k, f in fits.items()}
    total, interval, paths = window_total(fits, weights, additive)
    outcome = ForecastOutcome(
        _result_rows(series, fits, periods, layout), _output_columns(layout), label, mape, chosen, len(periods), grain,
        (start, end), total, interval)
    return _with_insights(outcome, series, spec_forecast, as_of, layout, additive, paths)


def _guess_additive(metric: ColumnInfo) -> bool:
    # Cost ratios (CPA, CPC) are currency but lower-is-better; sums are counts, spend or revenue.
    return metric.format == "integer" or (metric.format == "currency" and metric.higher_is_better is not False)


def _output_columns(layout: Layout) -> tuple[ColumnInfo, ...]:
    metric = layout.metric
    dims = (layout.dimension,) if layout.dimension else ()
    return (layout.time, *dims, metric,
            ColumnInfo("lower", "detail", f"{metric.label} low ({INTERVAL:.0%})", metric.format),
            ColumnInfo("upper", "detail", f"{metric.label} high ({INTERVAL:.0%})", metric.format),
            ColumnInfo("kind", "detail", "Actual or forecast", "text"))


def _result_rows(series: dict[str | None, Series], fits: Fits, periods: list[dt.date],
                 layout: Layout) -> QueryResult:
    rows: list[tuple[Any, ...]] = []
    for key, s in series.items():
        dim = (key,) if layout.dimension else ()
        actual = list(zip(s.periods, s.values, strict=False)) + ([s.partial] if s.partial else [])
        rows.extend((p, *dim, _round(v), None, None, "actual") for p, v in actual)
        fit = fits[key]
        rows.extend((p, *dim, _round(fit.mean[i]), _round(fit.lower[i]), _round(fit.upper[i]), "forecast")
                    for i, p in enumerate(periods))
    names = tuple(c.name for c in _output_columns(layout))
    return QueryResult(names, tuple(rows), 0.0)


def _round(value: float) -> float | None:
    return None if value is None or np.isnan(value) else round(float(value), 6)


def target_period_start(end: dt.date, as_of: dt.date) -> dt.date:
    """Where a target's period starts: the calendar month, quarter or year ending at `end` that holds the as-of date."""
    for months in (1, 3, 12):
        first_month = ((end.month - 1) // months) * months + 1
        start = dt.date(end.year, first_month, 1)
        if _period_end_months(start, months) == end and start <= as_of:
            return start
    return as_of + dt.timedelta(days=1)


def _period_end_months(start: dt.date, months: int) -> dt.date:
    month = start.month + months - 1
    return month_end(start.year, month)


def _with_insights(outcome: ForecastOutcome, series: dict[str | None, Series], spec: Forecast, as_of: dt.date,
                   layout: Layout, additive: bool, paths: np.ndarray | None) -> ForecastOutcome:
    from dataclasses import replace

    fmt, label = layout.metric.format, layout.metric.label
    start, end = outcome.window
    lines = []
    if outcome.total_forecast is not None and outcome.total_interval is not None:
        low, high = outcome.total_interval
        what = "total" if additive else "average"
        lines.append(f"Projected {what} {label} for {start.isoformat()} to {end.isoformat()}: "
                     f"{format_value(outcome.total_forecast, fmt)} ({INTERVAL:.0%} interval "
                     f"{format_value(low, fmt)} to {format_value(high, fmt)}).")
    error = "n/a" if outcome.backtest_mape is None else f"{outcome.backtest_mape:.1f}%"
    lines.append(f"Method: {outcome.method_label}; chosen by {outcome.chosen_by}. Backtested error (MAPE): {error}.")
    if layout.dimension and len(series) > 1 and additive:
        lines.append(_largest(outcome, layout.dimension, layout.metric))
    verdict, probability = None, None
    if spec.target is not None and outcome.total_forecast is not None and paths is not None:
        verdict, probability = _target_verdict(series, spec, as_of, layout, additive, outcome.total_forecast, paths)
        lines.append(verdict)
    return replace(outcome, insights=tuple(lines), target_verdict=verdict, target_probability=probability)


def _largest(outcome: ForecastOutcome, dimension: ColumnInfo, metric: ColumnInfo) -> str:
    result = outcome.result
    d, m = result.columns.index(dimension.name), result.columns.index(metric.name)
    totals: dict[str, float] = {}
    for row in result.rows:
        if row[-1] == "forecast":
            totals[row[d]] = totals.get(row[d], 0.0) + (row[m] or 0.0)
    top = max(totals, key=lambda key: totals[key])
    share = totals[top] / sum(totals.values()) if sum(totals.values()) else 0.0
    return f"Largest projected {dimension.label.lower()}: {top} ({share:.0%} of the forecast periods' total)."


def _target_verdict(series: dict[str | None, Series], spec: Forecast, as_of: dt.date, layout: Layout,
                    additive: bool, projected: float, paths: np.ndarray) -> tuple[str, float]:
    fmt, label, target = layout.metric.format, layout.metric.label, float(spec.target or 0.0)
    begin = target_period_start(spec.end, as_of)
    to_date = 0.0
    if additive:
        for s in series.values():
            actual = list(zip(s.periods, s.values, strict=False)) + ([s.partial] if s.partial else [])
            to_date += sum(v for p, v in actual if p >= begin and p <= as_of and not np.isnan(v))
    chance = float(np.mean(to_date + paths >= target))
    total = to_date + projected
    word = "on track" if chance >= 0.8 else "likely to miss" if chance <= 0.2 else "uncertain"
    basis = (f"{format_value(to_date, fmt)} actual to {as_of.isoformat()} + {format_value(projected, fmt)} forecast"
             if additive else "the projected average")
    return (f"Target {format_value(target, fmt)} {label} for {begin.isoformat()} to {spec.end.isoformat()}: "
            f"projected {format_value(total, fmt)} ({basis}); {word}, about {chance:.0%} chance of reaching it.",
            chance)


def forecast_figure(outcome: ForecastOutcome) -> go.Figure:
    """History as lines, the forecast dashed, and its interval as a shaded band, one colour per series."""
    result, columns = outcome.result, outcome.columns
    time_name, metric = columns[0].name, next(c for c in columns if c.role == "metric")
    dim = next((c for c in columns if c.role == "dimension"), None)
    index = {name: i for i, name in enumerate(result.columns)}
    keys = list(dict.fromkeys(row[index[dim.name]] for row in result.rows)) if dim else [None]
    figure = go.Figure()
    for n, key in enumerate(keys):
        rows = [r for r in result.rows if dim is None or r[index[dim.name]] == key]
        name = escape_html(key if key is not None else metric.label, quote=False)  # plotly reads tags in names
        _add_series(figure, rows, index, time_name, metric.name, name, COLORWAY[n % len(COLORWAY)])
    values = [abs(r[index[metric.name]]) for r in result.rows if r[index[metric.name]] is not None]
    label = escape_html(metric.label, quote=False)
    figure.update_layout(template=TEMPLATE, title={"text": f"{label}: history and forecast ({INTERVAL:.0%} band)"},
                         margin={"l": 10, "r": 10, "t": 60, "b": 10},
                         legend_title_text=escape_html(dim.label, quote=False) if dim else "")
    figure.update_yaxes(title_text=label, **axis_format(metric.format, max_abs=max(values, default=None)))
    figure.update_xaxes(title_text=escape_html(columns[0].label, quote=False))
    return figure


def _add_series(figure: go.Figure, rows: list[tuple], index: dict[str, int], time_name: str, metric: str,
                name: str, color: str) -> None:
    actual = [r for r in rows if r[index["kind"]] == "actual"]
    future = [r for r in rows if r[index["kind"]] == "forecast"]
    x_future = [r[index[time_name]] for r in future]
    figure.add_trace(go.Scatter(x=x_future + x_future[::-1], y=[r[index["upper"]] for r in future]
                                + [r[index["lower"]] for r in future][::-1], fill="toself", line={"width": 0},
                                fillcolor=color, opacity=0.18, hoverinfo="skip", showlegend=False,
                                name=f"{name} band"))
    figure.add_trace(go.Scatter(x=[r[index[time_name]] for r in actual], y=[r[index[metric]] for r in actual],
                                mode="lines", name=f"{name}", line={"color": color}))
    figure.add_trace(go.Scatter(x=x_future, y=[r[index[metric]] for r in future], mode="lines",
                                name=f"{name} (forecast)", line={"color": color, "dash": "dash"}))

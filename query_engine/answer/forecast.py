"""Forecast a metric's history with statsmodels ETS (chosen by a rolling-origin backtest) or last year's shape."""
from __future__ import annotations

import datetime as dt
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import plotly.graph_objects as go

from query_engine.answer.chart import COLORWAY, TEMPLATE
from query_engine.errors import ForecastError
from query_engine.semantics.model import Metric
from query_engine.spec.calendar import month_end
from query_engine.spec.numbers import as_number
from query_engine.spec.query import ColumnInfo, Forecast, QueryResult
from query_engine.spec.safe_text import escape_html
from query_engine.spec.value_format import axis_format, format_value

MAX_SERIES = 10
INTERVAL = 0.90  # nominal coverage of every band and total interval
SIMULATIONS = 1000
SEASON = {"day": (7, "weekly"), "week": (52, "yearly"), "month": (12, "yearly")}
MAX_HISTORY = {"day": 365, "week": 156, "month": 60}  # older periods slow the fit and rarely help
LAST_YEAR_LAG = {"day": 364, "week": 52, "month": 12}  # 364 days keeps weekdays aligned
TRAILING = {"day": 28, "week": 4, "month": 3}
BACKTEST_ORIGINS = 2
MIN_POINTS = 3




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


@dataclass(frozen=True)
class _Layout:
    time: ColumnInfo
    dimension: ColumnInfo | None
    metric: ColumnInfo


@dataclass(frozen=True)
class _Fit:
    mean: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    paths: np.ndarray  # (horizon, SIMULATIONS)


@dataclass(frozen=True)
class _Config:
    trend: str | None
    seasonal: bool

    def label(self, season_word: str) -> str:
        parts = [p for p in ("additive trend" if self.trend else "", f"{season_word} seasonality" if self.seasonal
                             else "") if p]
        if not parts:
            return "Simple exponential smoothing (ETS A,N,N)"
        name = "Holt-Winters ETS" if self.trend and self.seasonal else "ETS"
        return f"{name} ({', '.join(parts)})"


CANDIDATES = (_Config("add", True), _Config(None, True), _Config("add", False), _Config(None, False))


def is_additive(metric: Metric) -> bool:
    """Whether a metric's values add up over periods (sums do; ratios and formulas with division do not)."""
    if metric.is_ratio:
        return False
    return not (metric.formula and "/" in metric.formula) and metric.aggregation in (None, "sum", "count")


def forecast(history: QueryResult, columns: tuple[ColumnInfo, ...], spec_forecast: Forecast, as_of: dt.date, *,
             additive: bool | None = None) -> ForecastOutcome:
    """Forecast each series of `history` (time, [dimension], metric) over `spec_forecast`'s window."""
    layout = _layout(columns, history)
    additive = _guess_additive(layout.metric) if additive is None else additive
    grain = _grain(history, layout)
    series = _series(history, layout, grain, as_of, additive)
    start = max(spec_forecast.start, as_of + dt.timedelta(days=1))
    if spec_forecast.end < start:
        raise ForecastError(f"The forecast window ends on {spec_forecast.end.isoformat()}, on or before the last "
                            f"date in the data ({as_of.isoformat()}).", hint="Ask about a date after it.")
    first_future = _next_period(max(s.last_complete for s in series.values()), grain)
    end = spec_forecast.end
    periods = _periods_until(first_future, end, grain)
    weights = np.array([_overlap(p, grain, start, end) for p in periods])
    if spec_forecast.method == "last_year":
        fits, label, mape, chosen = _last_year_all(series, len(periods), grain)
    else:
        fits, label, mape, chosen = _ets_all(series, len(periods), grain)
    nonnegative = all(min(s.values, default=0.0) >= 0 for s in series.values())
    fits = {k: _clip(f) if nonnegative else f for k, f in fits.items()}
    total, interval, paths = _total(fits, weights, additive)
    outcome = ForecastOutcome(
        _result_rows(series, fits, periods, layout), _output_columns(layout), label, mape, chosen, len(periods), grain,
        (start, end), total, interval)
    return _with_insights(outcome, series, spec_forecast, as_of, layout, additive, paths)


def _layout(columns: tuple[ColumnInfo, ...], history: QueryResult) -> _Layout:
    by_role = {role: [c for c in columns if c.role == role and c.name in history.columns]
               for role in ("time", "dimension", "metric")}
    if not by_role["time"] or not by_role["metric"]:
        raise ForecastError("A forecast needs the metric by day, week or month.",
                            hint="Ask for the metric over time, e.g. 'spend by week'.")
    dims = by_role["dimension"]
    return _Layout(by_role["time"][0], dims[0] if dims else None, by_role["metric"][0])


def _guess_additive(metric: ColumnInfo) -> bool:
    # Cost ratios (CPA, CPC) are currency but lower-is-better; sums are counts, spend or revenue.
    return metric.format == "integer" or (metric.format == "currency" and metric.higher_is_better is not False)


def _grain(history: QueryResult, layout: _Layout) -> str:
    index = history.columns.index(layout.time.name)
    days = sorted({_as_date(r[index]) for r in history.rows})
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


def _as_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def _period_end(start: dt.date, grain: str) -> dt.date:
    if grain == "day":
        return start
    if grain == "week":
        return start + dt.timedelta(days=6)
    return month_end(start.year, start.month)


def _next_period(start: dt.date, grain: str) -> dt.date:
    return _period_end(start, grain) + dt.timedelta(days=1)


def _periods_until(first: dt.date, end: dt.date, grain: str) -> list[dt.date]:
    periods = [first]
    while _period_end(periods[-1], grain) < end:
        periods.append(_next_period(periods[-1], grain))
    return periods


def _overlap(period: dt.date, grain: str, start: dt.date, end: dt.date) -> float:
    last = _period_end(period, grain)
    days = (min(last, end) - max(period, start)).days + 1
    return max(days, 0) / ((last - period).days + 1)


@dataclass(frozen=True)
class _Series:
    """One series: complete periods (evenly spaced, gaps filled) and the partial current period, if any."""

    periods: tuple[dt.date, ...]
    values: tuple[float, ...]
    partial: tuple[dt.date, float] | None

    @property
    def last_complete(self) -> dt.date:
        return self.periods[-1]


def _series(history: QueryResult, layout: _Layout, grain: str, as_of: dt.date,
            additive: bool) -> dict[str | None, _Series]:
    t = history.columns.index(layout.time.name)
    m = history.columns.index(layout.metric.name)
    d = history.columns.index(layout.dimension.name) if layout.dimension else None
    points: dict[str | None, dict[dt.date, float]] = {}
    for row in history.rows:
        key = None if d is None else str(row[d])
        value = as_number(row[m])
        points.setdefault(key, {})[_as_date(row[t])] = value if value is not None else np.nan
    ranked = sorted(points, key=lambda k: -abs(np.nansum(list(points[k].values()))))[:MAX_SERIES]
    first = min(min(p) for p in points.values())
    last = max(max(p) for p in points.values())
    return {k: _one_series(points[k], first, last, grain, as_of, additive) for k in ranked}


def _one_series(points: dict[dt.date, float], first: dt.date, last: dt.date, grain: str, as_of: dt.date,
                additive: bool) -> _Series:
    periods = _periods_until(first, last, grain)
    partial = None
    if _period_end(periods[-1], grain) > as_of:
        partial = (periods[-1], points.get(periods[-1], 0.0 if additive else np.nan))
        periods = periods[:-1]
    values = np.array([points.get(p, 0.0 if additive else np.nan) for p in periods], dtype=float)
    if np.isnan(values).any():
        values = _interpolate(values)
    if len(values) < MIN_POINTS:
        raise ForecastError(f"There are only {len(values)} complete periods of history; a forecast needs at least "
                            f"{MIN_POINTS}.", hint="Widen the history window or use a finer grain.")
    return _Series(tuple(periods), tuple(float(v) for v in values), partial)


def _interpolate(values: np.ndarray) -> np.ndarray:
    known = ~np.isnan(values)
    if not known.any():
        raise ForecastError("The history has no values to forecast from.", hint="Pick another metric or window.")
    index = np.arange(len(values))
    return np.interp(index, index[known], values[known])


def _ets_all(series: dict[str | None, _Series], horizon: int, grain: str) -> tuple[dict, str, float | None, str]:
    """Choose one ETS configuration by backtest on the total series, then fit it to each series."""
    keep = min(MAX_HISTORY[grain], *(len(s.values) for s in series.values()))
    total = np.sum([np.array(s.values[-keep:]) for s in series.values()], axis=0)
    season, word = SEASON[grain]
    config, mape, chosen = _choose(total, horizon, season)
    fits = {k: _ets_fit(np.array(s.values[-MAX_HISTORY[grain]:]), config, season, horizon) for k, s in series.items()}
    return fits, config.label(word), mape, chosen


def _choose(y: np.ndarray, horizon: int, season: int) -> tuple[_Config, float | None, str]:
    hold = max(1, min(horizon, season if season <= 14 else 6, len(y) // 6))
    usable = [c for c in CANDIDATES if len(y) - hold * BACKTEST_ORIGINS >= (2 * season + 4 if c.seasonal else 8)]
    if not usable:
        return _Config(None, False), None, "fallback: too little history for a backtest"
    scores = {c: _backtest(y, c, season, hold) for c in usable}
    ranks = {c: np.inf if score is None else score for c, score in scores.items()}
    best = min(usable, key=lambda c: ranks[c])
    how = f"backtest: {len(usable)} candidates, {BACKTEST_ORIGINS} rolling origins x {hold} periods held out"
    return best, scores[best], how


def _backtest(y: np.ndarray, config: _Config, season: int, hold: int) -> float | None:
    """MAPE (%) over the last BACKTEST_ORIGINS x `hold` periods, each block forecast from the data before it."""
    errors: list[float] = []
    for origin in range(BACKTEST_ORIGINS, 0, -1):
        cut = len(y) - origin * hold
        actual = y[cut:cut + hold]
        predicted = np.asarray(_ets_model(y[:cut], config, season).forecast(hold))
        keep = np.abs(actual) > 1e-9
        errors.extend(np.abs((actual[keep] - predicted[keep]) / actual[keep]))
    return float(np.mean(errors) * 100) if errors else None


def _ets_model(y: np.ndarray, config: _Config, season: int) -> Any:
    import pandas as pd
    from statsmodels.tsa.exponential_smoothing.ets import (
        ETSModel,  # statsmodels takes ~1 s to import
    )

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence chatter on flat or short series
        model = ETSModel(pd.Series(y, dtype=float), error="add", trend=config.trend,
                         seasonal="add" if config.seasonal else None,
                         seasonal_periods=season if config.seasonal else None)
        return model.fit(disp=False, maxiter=300)


def _ets_fit(y: np.ndarray, config: _Config, season: int, horizon: int) -> _Fit:
    if len(y) < (2 * season + 4 if config.seasonal else 4):
        config = _Config(None, False)
    fitted = _ets_model(y, config, season)
    frame = fitted.get_prediction(start=len(y), end=len(y) + horizon - 1).summary_frame(alpha=1 - INTERVAL)
    paths = np.asarray(fitted.simulate(horizon, repetitions=SIMULATIONS, anchor="end",
                                       rng=np.random.default_rng(7)))
    return _Fit(frame["mean"].to_numpy(), frame["pi_lower"].to_numpy(), frame["pi_upper"].to_numpy(),
                paths.reshape(horizon, SIMULATIONS))


def _last_year_all(series: dict[str | None, _Series], horizon: int, grain: str) -> tuple[dict, str, float | None, str]:
    fits, errors = {}, []
    for key, s in series.items():
        fit, rel = _last_year(np.array(s.values), horizon, grain)
        fits[key] = fit
        errors.extend(np.abs(rel[-min(len(rel), max(horizon, TRAILING[grain])):]))
    label = f"Same period last year x trailing {TRAILING[grain]}-{grain} year-over-year ratio"
    mape = float(np.mean(errors) * 100) if errors else None
    return fits, label, mape, "last-year rule; error from its past predictions, each made from the data before it"


def _last_year(y: np.ndarray, horizon: int, grain: str) -> tuple[_Fit, np.ndarray]:
    lag, window = LAST_YEAR_LAG[grain], TRAILING[grain]
    if len(y) < lag + window + 1 or horizon > lag:
        raise ForecastError(f"'Same period last year' needs more than a year of history by {grain} "
                            f"({lag + window + 1} periods; this history has {len(y)}).",
                            hint="Widen the history window to cover last year, or use the trend forecast.")
    ratio = _yoy_ratio(y, len(y), lag, window)
    mean = y[len(y) - lag:len(y) - lag + horizon] * ratio
    rel = np.array([y[t] / p - 1 for t in range(max(lag + window, len(y) - 180), len(y))
                    if (p := y[t - lag] * _yoy_ratio(y, t, lag, window)) > 1e-9])
    if rel.size < 5:
        raise ForecastError("Too few comparable periods last year to size the interval.",
                            hint="Use the trend forecast instead.")
    low, high = np.quantile(rel, [(1 - INTERVAL) / 2, (1 + INTERVAL) / 2])
    draws = np.random.default_rng(7).choice(rel, size=(horizon, SIMULATIONS))
    return _Fit(mean, mean * (1 + low), mean * (1 + high), mean[:, None] * (1 + draws)), rel


def _yoy_ratio(y: np.ndarray, end: int, lag: int, window: int) -> float:
    before = y[end - window - lag:end - lag].sum()
    return float(y[end - window:end].sum() / before) if before > 1e-9 else 1.0


def _clip(fit: _Fit) -> _Fit:
    return _Fit(np.maximum(fit.mean, 0), np.maximum(fit.lower, 0), np.maximum(fit.upper, 0), np.maximum(fit.paths, 0))


def _total(fits: dict[str | None, _Fit], weights: np.ndarray, additive: bool
           ) -> tuple[float | None, tuple[float, float] | None, np.ndarray | None]:
    if weights.sum() <= 0:
        return None, None, None
    # Series are simulated independently, so the total's interval ignores correlation between them.
    paths = np.sum([weights @ f.paths for f in fits.values()], axis=0)
    point = float(sum(weights @ f.mean for f in fits.values()))
    if not additive:
        paths, point = paths / weights.sum() / len(fits), point / weights.sum() / len(fits)
    low, high = np.quantile(paths, [(1 - INTERVAL) / 2, (1 + INTERVAL) / 2])
    return point, (float(low), float(high)), paths


def _output_columns(layout: _Layout) -> tuple[ColumnInfo, ...]:
    metric = layout.metric
    dims = (layout.dimension,) if layout.dimension else ()
    return (layout.time, *dims, metric,
            ColumnInfo("lower", "detail", f"{metric.label} low ({INTERVAL:.0%})", metric.format),
            ColumnInfo("upper", "detail", f"{metric.label} high ({INTERVAL:.0%})", metric.format),
            ColumnInfo("kind", "detail", "Actual or forecast", "text"))


def _result_rows(series: dict[str | None, _Series], fits: dict[str | None, _Fit], periods: list[dt.date],
                 layout: _Layout) -> QueryResult:
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


def _with_insights(outcome: ForecastOutcome, series: dict[str | None, _Series], spec: Forecast, as_of: dt.date,
                   layout: _Layout, additive: bool, paths: np.ndarray | None) -> ForecastOutcome:
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


def _target_verdict(series: dict[str | None, _Series], spec: Forecast, as_of: dt.date, layout: _Layout,
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

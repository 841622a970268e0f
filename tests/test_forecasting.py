"""Forecasts: shape, interval coverage on a synthetic series with known trend and weekly seasonality, last year,
targets."""
from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from query_engine.answer.forecast import (
    ForecastError,
    forecast,
    forecast_figure,
    is_additive,
    target_period_start,
)
from query_engine.semantics.model import load_semantic_model
from query_engine.spec.query import ColumnInfo, Forecast, QueryResult

START = dt.date(2025, 1, 1)
DAY = ColumnInfo("day", "time", "Day", "date")
SPEND = ColumnInfo("spend", "metric", "Spend", "currency")
CHANNEL = ColumnInfo("channel", "dimension", "Channel", "text")


def synthetic(days: int, seed: int = 3, level: float = 1000.0, slope: float = 4.0, noise: float = 25.0) -> np.ndarray:
    """Known truth: a linear trend, a weekly cycle (weekends low) and Gaussian noise."""
    rng = np.random.default_rng(seed)
    t = np.arange(days)
    weekly = np.array([60, 80, 70, 50, 20, -120, -160])[(t + START.weekday()) % 7]
    return level + slope * t + weekly + rng.normal(0, noise, days)


def daily_history(values: np.ndarray, start: dt.date = START) -> QueryResult:
    rows = tuple((start + dt.timedelta(days=i), float(v)) for i, v in enumerate(values))
    return QueryResult(("day", "spend"), rows, 1.0)


def forecast_rows(outcome):
    kind = outcome.result.columns.index("kind")
    return [r for r in outcome.result.rows if r[kind] == "forecast"]


def test_forecast_shape_columns_and_horizon():
    values = synthetic(120)
    as_of = START + dt.timedelta(days=119)
    outcome = forecast(daily_history(values), (DAY, SPEND), Forecast(as_of + dt.timedelta(1), as_of + dt.timedelta(14)),
                       as_of)
    assert outcome.result.columns == ("day", "spend", "lower", "upper", "kind")
    assert [c.name for c in outcome.columns] == ["day", "spend", "lower", "upper", "kind"]
    assert outcome.horizon == 14 and outcome.grain == "day"
    future = forecast_rows(outcome)
    assert [r[0] for r in future] == [as_of + dt.timedelta(days=i) for i in range(1, 15)]
    assert all(r[2] <= r[1] <= r[3] for r in future)
    assert len(outcome.result.rows) == 120 + 14
    figure = forecast_figure(outcome)
    assert {t.name for t in figure.data} == {"Spend", "Spend (forecast)", "Spend band"}


def test_forecast_intervals_cover_held_out_points_of_known_series():
    values = synthetic(182 + 28)
    history, held_out = values[:182], values[182:]
    as_of = START + dt.timedelta(days=181)
    outcome = forecast(daily_history(history), (DAY, SPEND),
                       Forecast(as_of + dt.timedelta(1), as_of + dt.timedelta(28)), as_of)
    future = forecast_rows(outcome)
    covered = sum(low <= actual <= high for (_, _, low, high, _), actual in zip(future, held_out, strict=False))
    assert covered / len(held_out) >= 0.8  # 90% nominal
    assert "weekly seasonality" in outcome.method_label
    assert outcome.backtest_mape is not None and 0 < outcome.backtest_mape < 10
    assert outcome.chosen_by.startswith("backtest")
    point_error = np.mean(np.abs(np.array([r[1] for r in future]) - held_out) / held_out)
    assert point_error < 0.1
    low, high = outcome.total_interval
    assert low < held_out.sum() < high
    assert any("MAPE" in line for line in outcome.insights)


def test_forecast_last_year_scales_same_period_by_trailing_ratio():
    base = synthetic(364, slope=0.0, noise=10.0)
    values = np.concatenate([base, base * 1.1])  # this year runs 10% above last year, day for day
    as_of = START + dt.timedelta(days=len(values) - 1 - 30)
    history = values[:len(values) - 30]
    outcome = forecast(daily_history(history), (DAY, SPEND),
                       Forecast(as_of + dt.timedelta(1), as_of + dt.timedelta(30), method="last_year"), as_of)
    future = np.array([r[1] for r in forecast_rows(outcome)])
    expected = base[len(history) - 364:len(history) - 364 + 30] * 1.1
    assert np.allclose(future, expected, rtol=0.03)
    assert outcome.method_label.startswith("Same period last year")
    assert outcome.backtest_mape is not None and outcome.backtest_mape < 5


def test_forecast_last_year_needs_a_year_of_history():
    values = synthetic(100)
    as_of = START + dt.timedelta(days=99)
    with pytest.raises(ForecastError, match="more than a year"):
        forecast(daily_history(values), (DAY, SPEND), Forecast(as_of + dt.timedelta(1), as_of + dt.timedelta(7),
                                                              method="last_year"), as_of)


@pytest.mark.parametrize("target, word, low_chance",
                         [(20_000.0, "on track", False), (500_000.0, "likely to miss", True)])
def test_forecast_target_verdict(target, word, low_chance):
    as_of = dt.date(2025, 7, 28)
    values = synthetic((as_of - START).days + 1)
    outcome = forecast(daily_history(values), (DAY, SPEND), Forecast(as_of + dt.timedelta(1), dt.date(2025, 7, 31),
                                                                     target=target), as_of)
    assert word in outcome.target_verdict
    assert "2025-07-01 to 2025-07-31" in outcome.target_verdict
    assert (outcome.target_probability < 0.2) is low_chance
    july_to_date = float(values[-28:].sum())
    assert f"${july_to_date:,.2f} actual" in outcome.target_verdict


def test_forecast_per_dimension_caps_series_at_ten():
    rows = []
    for n in range(12):
        values = synthetic(60, seed=n, level=100.0 * (n + 1), slope=0.0)
        rows.extend((START + dt.timedelta(days=i), f"ch{n}", float(v)) for i, v in enumerate(values))
    history = QueryResult(("day", "channel", "spend"), tuple(rows), 1.0)
    as_of = START + dt.timedelta(days=59)
    outcome = forecast(history, (DAY, CHANNEL, SPEND), Forecast(as_of + dt.timedelta(1), as_of + dt.timedelta(7)),
                       as_of)
    series = {r[1] for r in outcome.result.rows}
    assert len(series) == 10 and "ch0" not in series and "ch11" in series  # the 10 largest
    assert len(forecast_rows(outcome)) == 70
    assert any("Largest projected channel: ch11" in line for line in outcome.insights)


def test_forecast_monthly_partial_month_counts_as_actual_not_training():
    months = [dt.date(2024, m, 1) for m in range(1, 13)] + [dt.date(2025, m, 1) for m in range(1, 12)]
    rows = tuple((m, 1000.0 + 10 * i) for i, m in enumerate(months[:-1])) + ((months[-1], 400.0),)
    history = QueryResult(("month", "spend"), rows, 1.0)
    month = ColumnInfo("month", "time", "Month", "date")
    outcome = forecast(history, (month, SPEND), Forecast(dt.date(2025, 12, 1), dt.date(2025, 12, 31)),
                       dt.date(2025, 11, 15))
    future = forecast_rows(outcome)
    assert [r[0] for r in future] == [dt.date(2025, 11, 1), dt.date(2025, 12, 1)]
    assert future[1][1] > 1100  # the partial November (400) did not drag the level down
    assert outcome.total_forecast == pytest.approx(future[1][1], rel=1e-6)  # only December is in the window


def test_forecast_window_in_the_past_is_refused():
    values = synthetic(30)
    as_of = START + dt.timedelta(days=29)
    with pytest.raises(ForecastError, match="on or before the last date"):
        forecast(daily_history(values), (DAY, SPEND), Forecast(START, START + dt.timedelta(days=5)), as_of)


@pytest.mark.parametrize("name, additive", [("spend", True), ("conversions", True), ("roas", False), ("cpa", False)])
def test_forecast_is_additive_by_metric(name, additive):
    assert is_additive(load_semantic_model().metric(name)) is additive


@pytest.mark.parametrize("end, as_of, start", [
    (dt.date(2025, 12, 31), dt.date(2025, 11, 15), dt.date(2025, 10, 1)),  # this quarter
    (dt.date(2025, 11, 30), dt.date(2025, 11, 15), dt.date(2025, 11, 1)),  # this month
    (dt.date(2025, 12, 20), dt.date(2025, 11, 15), dt.date(2025, 11, 16)),  # an arbitrary horizon
])
def test_forecast_target_period_start(end, as_of, start):
    assert target_period_start(end, as_of) == start

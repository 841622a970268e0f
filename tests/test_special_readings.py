"""Forecast and why questions become their own runnable readings instead of refusals."""
from __future__ import annotations

import datetime as dt

import pytest


@pytest.mark.parametrize("question, metric, start, end, grain, target", [
    ("forecast spend for the next 30 days", "spend", "2025-11-16", "2025-12-15", "day", None),
    ("projected conversions by channel for December", "conversions", "2025-12-01", "2025-12-31", "day", None),
    ("will we hit 500k revenue this quarter?", "revenue", "2025-11-16", "2025-12-31", "week", 500_000.0),
    ("what will we spend next month", "spend", "2025-12-01", "2025-12-31", "day", None),
    # "will" with a month named and no year: that month's next occurrence, never the last one in the data
    ("what will roas be in january", "roas", "2026-01-01", "2026-01-31", "day", None),
    ("how much will meta spend in december", "spend", "2025-12-01", "2025-12-31", "day", None),
    ("what will revenue look like in february", "revenue", "2026-02-01", "2026-02-28", "day", None),
])
def test_forecast_questions_get_trend_and_last_year_readings(pipeline, question, metric, start, end, grain, target):
    understanding = pipeline.understand(question)
    assert understanding.intent == "forecast" and understanding.refusal is None
    methods = [r.spec.forecast.method for r in understanding.interpretations]
    assert methods == ["trend", "last_year"]
    spec = understanding.interpretations[0].spec
    assert spec.metrics[0] == metric and spec.dimensions[0] == grain
    assert (spec.forecast.start, spec.forecast.end) == (dt.date.fromisoformat(start), dt.date.fromisoformat(end))
    assert spec.forecast.target == target
    assert start in understanding.interpretations[0].description


def test_forecast_answer_holds_history_and_projection(pipeline):
    reading = pipeline.understand("forecast spend for the next 30 days").interpretations[0]
    answer = pipeline.answer(reading)
    assert answer.error is None and answer.forecast is not None
    kinds = [row[answer.result.columns.index("kind")] for row in answer.result.rows]
    assert kinds.count("actual") == 450 and kinds.count("forecast") == 30  # 450 days of history, 30 ahead
    assert "forecasting" in answer.timings_ms


def test_why_question_compares_the_period_with_the_one_before(pipeline):
    understanding = pipeline.understand("why did ROAS drop in October?")
    assert understanding.intent == "investigate"
    readings = understanding.interpretations
    assert readings[0].spec.metrics[0] == "roas"
    assert readings[0].spec.date_range.start == dt.date(2025, 9, 1)
    assert readings[0].spec.date_range.end == dt.date(2025, 10, 31)
    splits = [r.spec.dimensions[1:] for r in readings]
    assert splits[0] == () and ("channel",) in splits and ("region",) in splits
    by_region = next(r for r in readings if r.spec.dimensions[1:] == ("region",))
    rows = pipeline.answer(by_region).result.rows
    assert {r[0] for r in rows} == {dt.date(2025, 9, 1), dt.date(2025, 10, 1)}

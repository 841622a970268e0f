"""Averages per period ('average daily spend') and parts of the week ('on weekends', 'weekday vs weekend')."""
from __future__ import annotations

import pytest

from query_engine.spec.query import Filter


def _top(pipeline, question):
    found = pipeline.understand(question)
    assert found.interpretations, found.refusal
    return found.interpretations[0]


def _one(pipeline, sql):
    return pipeline.con.execute(sql).fetchall()


@pytest.mark.parametrize(("question", "unit"), [
    ("average daily spend in october 2025", "day"), ("avg spend per day in october 2025", "day"),
    ("daily average spend in october 2025", "day"), ("mean spend a day in october 2025", "day"),
])
def test_average_per_day_is_the_sum_over_the_days_with_data(pipeline, question, unit):
    reading = _top(pipeline, question)
    assert reading.spec.metrics[0] == f"spend_per_{unit}" and "day" not in reading.spec.dimensions
    answer = pipeline.answer(reading)
    expected = _one(pipeline, "SELECT SUM(spend) / COUNT(DISTINCT date) FROM campaign_daily "
                              "WHERE date BETWEEN DATE '2025-10-01' AND DATE '2025-10-31'")[0][0]
    assert answer.result.rows[0][0] == pytest.approx(expected)
    assert "Average daily spend" in reading.description


def test_average_per_month_by_a_grouping(pipeline):
    reading = _top(pipeline, "average monthly revenue per region in 2024")
    assert reading.spec.metrics[0] == "revenue_per_month" and reading.spec.dimensions == ("region",)
    rows = dict((r[0], r[1]) for r in pipeline.answer(reading).result.rows)
    expected = dict(_one(pipeline, "SELECT region, SUM(revenue) / COUNT(DISTINCT date_trunc('month', date)) FROM "
                                   "campaign_daily WHERE year(date) = 2024 GROUP BY 1"))
    assert rows == pytest.approx(expected)


@pytest.mark.parametrize("question", ["daily spend in october 2025", "spend per day in october 2025"])
def test_a_daily_series_without_an_average_word_stays_a_series(pipeline, question):
    assert _top(pipeline, question).spec.dimensions == ("day",)


def test_an_average_of_a_rate_is_not_averaged_per_period(pipeline):
    """'average daily CTR' keeps CTR a ratio of sums; only summed measures are averaged per period."""
    assert _top(pipeline, "average daily ctr in october 2025").spec.metrics[0] == "ctr"


def test_a_date_phrase_names_no_period(pipeline):
    assert _top(pipeline, "average spend by channel this month").spec.metrics[0] == "spend"


@pytest.mark.parametrize(("question", "expected"), [
    ("spend on weekends", Filter("week_part", ("Weekend",))),
    ("weekend revenue in 2024", Filter("week_part", ("Weekend",))),
    ("weekday ctr by channel", Filter("week_part", ("Weekday",))),
    ("clicks excluding weekends", Filter("week_part", ("Weekend",), "not_in")),
])
def test_one_part_of_the_week_filters_the_dates(pipeline, question, expected):
    reading = _top(pipeline, question)
    assert expected in reading.spec.filters
    assert pipeline.answer(reading).error is None


@pytest.mark.parametrize("question", ["weekday vs weekend spend this year", "weekends vs weekdays clicks",
                                      "conv rate on weekends vs weekdays for facebook"])
def test_both_parts_of_the_week_split_by_them(pipeline, question):
    reading = _top(pipeline, question)
    assert "week_part" in reading.spec.dimensions
    rows = pipeline.answer(reading).result.rows
    assert {r[0] for r in rows} == {"Weekday", "Weekend"}


def test_weekend_spend_is_saturday_and_sunday(pipeline):
    answer = pipeline.answer(_top(pipeline, "spend on weekends"))
    expected = _one(pipeline, "SELECT SUM(spend) FROM campaign_daily WHERE isodow(date) IN (6, 7)")[0][0]
    assert answer.result.rows[0][0] == pytest.approx(expected)


@pytest.mark.parametrize("question", ["spend by weekday", "which weekday had the most clicks"])
def test_a_weekday_after_a_grouping_word_is_the_day_of_the_week(pipeline, question):
    assert _top(pipeline, question).spec.dimensions == ("day_of_week",)


def test_weekday_against_weekend_totals_also_reads_per_day(pipeline):
    """Five days against two: the average per day is the other reading of a summed figure; rates need none."""
    found = pipeline.understand("weekday vs weekend spend this year").interpretations
    assert [i.spec.metrics[0] for i in found[:2]] == ["spend", "spend_per_day"]
    assert len(pipeline.understand("weekday vs weekend ctr").interpretations) == 1


@pytest.mark.parametrize(("question", "average_first"), [("conversions per campaign in october 2025", False),
                                                         ("average spend per campaign in october 2025", True),
                                                         ("avg clicks per region in 2024", True)])
def test_per_a_grouping_is_a_split_or_the_average_per_member(pipeline, question, average_first):
    found = pipeline.understand(question).interpretations
    averaged = next(i for i in found if "_per_" in i.spec.metrics[0])
    assert (found[0] is averaged) is average_first
    assert averaged.spec.dimensions == ()  # the members are averaged over, not listed
    unit = averaged.spec.metrics[0].rsplit("_per_", 1)[1]
    answer = pipeline.answer(averaged)
    row = dict(zip(answer.result.columns, answer.result.rows[0], strict=True))
    column = {"campaign": "campaign_id", "region": "region"}[unit]
    window = averaged.spec.date_range
    members = pipeline.con.execute(f"SELECT COUNT(DISTINCT {column}) FROM campaign_daily WHERE date BETWEEN "
                                   f"DATE '{window.start}' AND DATE '{window.end}'").fetchone()[0]
    measure = averaged.spec.metrics[1]
    assert row[averaged.spec.metrics[0]] == pytest.approx(row[measure] / members)

"""A period to date against whole earlier ones is compared like for like first: the same days of each period."""
from __future__ import annotations

import datetime as dt

import pytest

from query_engine.interpret.reading_axes import like_for_like
from query_engine.spec.query import DateRange

AS_OF = dt.date(2025, 11, 15)


@pytest.mark.parametrize(("question", "earlier"), [
    ("spend this month vs last month", (dt.date(2025, 10, 1), dt.date(2025, 10, 15))),
    ("revenue by channel, this month vs last month", (dt.date(2025, 10, 1), dt.date(2025, 10, 15))),
    ("how much did conversions grow this year vs last year?", (dt.date(2024, 1, 1), dt.date(2024, 11, 15))),
    ("clicks this quarter compared with last quarter", (dt.date(2025, 7, 1), dt.date(2025, 8, 15))),
])
def test_to_date_against_a_whole_period_is_like_for_like_first(pipeline, question, earlier):
    found = pipeline.understand(question, AS_OF)
    first, second = found.interpretations[:2]
    assert (first.spec.periods[0].start, first.spec.periods[0].end) == earlier
    assert first.spec.periods[1].end == AS_OF
    assert "like for like" in first.distinction
    assert "whole periods" in second.distinction  # the full-period comparison is the other reading


def test_like_for_like_rows_add_up_the_same_days(pipeline):
    reading = pipeline.understand("spend this month vs last month", AS_OF).interpretations[0]
    rows = pipeline.answer(reading).result.rows
    expected = pipeline.con.execute(
        "SELECT SUM(spend) FILTER (WHERE date BETWEEN DATE '2025-10-01' AND DATE '2025-10-15'), "
        "SUM(spend) FILTER (WHERE date BETWEEN DATE '2025-11-01' AND DATE '2025-11-15') FROM campaign_daily").fetchone()
    assert [r[-1] for r in rows] == pytest.approx(list(expected))


def test_whole_periods_are_compared_whole(pipeline):
    found = pipeline.understand("spend in 2024 vs 2023", AS_OF)
    assert len(found.interpretations) == 1 and not found.interpretations[0].spec.periods


def test_like_for_like_cuts_the_earlier_period_to_its_own_end():
    """The first days of March to date against February: February stops at its own last day."""
    current = DateRange(dt.date(2025, 3, 1), dt.date(2025, 3, 30), "month to date")
    february = DateRange(dt.date(2025, 2, 1), dt.date(2025, 2, 28), "February 2025")
    cut = like_for_like([current, february], dt.date(2025, 3, 30))
    assert [(w.start, w.end) for w in cut] == [(february.start, february.end), (current.start, current.end)]
    assert like_for_like([february, DateRange(dt.date(2025, 1, 1), dt.date(2025, 1, 31))], dt.date(2025, 3, 30)) is None


def test_the_same_month_last_year_is_that_month_and_compared_like_for_like(pipeline):
    first = pipeline.understand("spend this month vs the same month last year", AS_OF).interpretations[0]
    assert [(w.start, w.end) for w in first.spec.periods] == [(dt.date(2024, 11, 1), dt.date(2024, 11, 15)),
                                                            (dt.date(2025, 11, 1), AS_OF)]
    alone = pipeline.understand("clicks in the same quarter last year", AS_OF).interpretations[0].spec.date_range
    assert (alone.start, alone.end) == (dt.date(2024, 10, 1), dt.date(2024, 12, 31))


def test_this_week_against_last_week_is_like_for_like_first(pipeline):
    first = pipeline.understand("spend this week vs last week", AS_OF).interpretations[0]
    assert [(w.start, w.end) for w in first.spec.periods] == [(dt.date(2025, 11, 3), dt.date(2025, 11, 8)),
                                                            (dt.date(2025, 11, 10), AS_OF)]

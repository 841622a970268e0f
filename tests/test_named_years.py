"""A day or period named without its year: 'Christmas day last year' is one day; 'November' while it runs has two
readings (so far, and last year's whole)."""
from __future__ import annotations

import datetime as dt

import pytest

AS_OF = dt.date(2025, 11, 15)


def _windows(pipeline, question):
    found = pipeline.understand(question, AS_OF)
    assert found.interpretations, found.refusal
    return [(i.spec.date_range.start, i.spec.date_range.end) for i in found.interpretations]


@pytest.mark.parametrize(("question", "window"), [
    ("conversions on christmas day last year", (dt.date(2024, 12, 25), dt.date(2024, 12, 25))),
    ("clicks on may 5 this year", (dt.date(2025, 5, 5), dt.date(2025, 5, 5))),
    ("spend in Q1 this year", (dt.date(2025, 1, 1), dt.date(2025, 3, 31))),
    ("revenue in march of last year", (dt.date(2024, 3, 1), dt.date(2024, 3, 31))),
    ("clicks on july 4 last year", (dt.date(2024, 7, 4), dt.date(2024, 7, 4))),
])
def test_a_day_or_period_then_its_year_is_one_window(pipeline, question, window):
    assert window in _windows(pipeline, question)[:2]
    assert _windows(pipeline, question)[0][1] - _windows(pipeline, question)[0][0] < dt.timedelta(days=92)


NOVEMBER = ((dt.date(2025, 11, 1), dt.date(2025, 11, 30)), (dt.date(2024, 11, 1), dt.date(2024, 11, 30)))
Q4 = ((dt.date(2025, 10, 1), dt.date(2025, 12, 31)), (dt.date(2024, 10, 1), dt.date(2024, 12, 31)))


@pytest.mark.parametrize(("question", "so_far", "complete"), [("clicks in november", *NOVEMBER),
                                                              ("revenue in Q4", *Q4)])
def test_a_period_that_is_not_over_also_reads_as_last_years(pipeline, question, so_far, complete):
    assert _windows(pipeline, question)[:2] == [so_far, complete]


@pytest.mark.parametrize("question", ["clicks in october", "revenue in Q3", "spend in november 2024"])
def test_a_period_that_is_over_has_one_reading(pipeline, question):
    assert len(_windows(pipeline, question)) == 1


def test_named_months_with_one_still_running_are_whole_first_and_like_for_like_second(pipeline):
    first, second = pipeline.understand("november vs october spend", AS_OF).interpretations[:2]
    assert "whole periods" in first.distinction
    assert [(w.start, w.end) for w in second.spec.periods] == [(dt.date(2025, 10, 1), dt.date(2025, 10, 15)),
                                                             (dt.date(2025, 11, 1), AS_OF)]


@pytest.mark.parametrize(("question", "days", "week"), [
    ("daily clicks in the first week of march 2025", (dt.date(2025, 3, 1), dt.date(2025, 3, 7)),
     (dt.date(2025, 3, 3), dt.date(2025, 3, 9))),
    ("spend in the second week of october 2025", (dt.date(2025, 10, 8), dt.date(2025, 10, 14)),
     (dt.date(2025, 10, 13), dt.date(2025, 10, 19))),
])
def test_the_first_week_of_a_month_is_its_first_days_or_its_first_monday_week(pipeline, question, days, week):
    assert _windows(pipeline, question)[:2] == [days, week]


def test_a_month_that_starts_on_monday_has_one_first_week(pipeline):
    assert _windows(pipeline, "spend in the first week of september 2025") == [(dt.date(2025, 9, 1),
                                                                              dt.date(2025, 9, 7))]

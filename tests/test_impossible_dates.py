"""A day the calendar does not have is refused with what is wrong with it, never widened to the month around it
nor a crash; a real day written as 'the 10th of May' is that one day."""
from __future__ import annotations

import datetime as dt

import pytest


@pytest.mark.parametrize("question, problem", [
    ("spend on 2025-02-30", "February 2025 has no day 30"),
    ("spend on February 30 2025", "February 2025 has no day 30"),
    ("clicks on the 32nd of May", "has no day 32"),
    ("revenue on may 32", "has no day 32"),
    ("spend from may 30 to may 34", "has no day 34"),
    ("spend between 2025-01-01 and 2025-13-01", "no month 13"),
    ("conversions on 31 april 2025", "April 2025 has no day 31")])
def test_a_day_the_calendar_lacks_is_refused_by_name(pipeline, question, problem):
    refusal = pipeline.understand(question, None).refusal
    assert refusal is not None and "does not exist" in refusal.reason and problem in refusal.reason, refusal


@pytest.mark.parametrize("question, day", [
    ("spend on the 10th of May", dt.date(2025, 5, 10)), ("clicks on 3 of june 2025", dt.date(2025, 6, 3)),
    ("revenue on february 28 2025", dt.date(2025, 2, 28)), ("spend on 2024-02-29", dt.date(2024, 2, 29))])
def test_a_real_day_in_any_spelling_is_that_one_day(pipeline, question, day):
    understanding = pipeline.understand(question, None)
    assert understanding.refusal is None, understanding.refusal
    window = understanding.interpretations[0].spec.date_range
    assert (window.start, window.end) == (day, day), window


def test_a_top_n_before_a_month_is_a_limit_not_a_day(pipeline):
    spec = pipeline.understand("top 5 of may campaigns by spend", None).interpretations[0].spec
    assert spec.limit == 5 and spec.date_range.start == dt.date(2025, 5, 1), spec


@pytest.mark.parametrize("question, start, end", [
    ("spend April 20 to the end of the month", dt.date(2025, 4, 20), dt.date(2025, 4, 30)),
    ("revenue from November 20 to the end of the month", dt.date(2024, 11, 20), dt.date(2024, 11, 30)),
    ("clicks March 1 through the end of the month", dt.date(2025, 3, 1), dt.date(2025, 3, 31)),
    ("spend from 2025-02-10 until the end of the month", dt.date(2025, 2, 10), dt.date(2025, 2, 28))])
def test_to_the_end_of_the_month_is_the_end_of_that_days_month(pipeline, question, start, end):
    spec = pipeline.understand(question, None).interpretations[0].spec
    assert (spec.date_range.start, spec.date_range.end) == (start, end), spec.date_range

"""Relative and absolute date phrases resolve against the as-of date into explicit windows."""
from __future__ import annotations

import datetime as dt

import pytest

from query_engine.interpret.date_phrases import find_date_phrases
from query_engine.interpret.question_text import tokenize

AS_OF = dt.date(2025, 11, 15)
D = dt.date.fromisoformat


def windows(text: str, as_of: dt.date = AS_OF):
    phrases = find_date_phrases(tokenize(text), as_of)
    return [[(o.window.start, o.window.end) if o.window else None for o in p.options] for p in phrases]


@pytest.mark.parametrize("text, expected", [
    ("last month", [[(D("2025-10-01"), D("2025-10-31")), (D("2025-10-17"), D("2025-11-15"))]]),
    ("last quarter", [[(D("2025-07-01"), D("2025-09-30")), (D("2025-08-18"), D("2025-11-15"))]]),
    ("last week", [[(D("2025-11-03"), D("2025-11-09")), (D("2025-11-09"), D("2025-11-15"))]]),
    ("last year", [[(D("2024-01-01"), D("2024-12-31")), (D("2024-11-16"), D("2025-11-15"))]]),
    ("yesterday", [[(D("2025-11-14"), D("2025-11-14")), (D("2025-11-15"), D("2025-11-15"))]]),
    ("last 30 days", [[(D("2025-10-17"), D("2025-11-15"))]]),
    ("the past 7 days", [[(D("2025-11-09"), D("2025-11-15"))]]),
    ("this year", [[(D("2025-01-01"), D("2025-11-15"))]]),
    ("so far this month", [[(D("2025-11-01"), D("2025-11-15"))]]),
    ("ytd", [[(D("2025-01-01"), D("2025-11-15"))]]),
    ("in Q2 2025", [[(D("2025-04-01"), D("2025-06-30"))]]),
    ("in q4", [[(D("2025-10-01"), D("2025-12-31")), (D("2024-10-01"), D("2024-12-31"))]]),  # so far, or last year's
    ("q1", [[(D("2025-01-01"), D("2025-03-31"))]]),
    ("June 2025", [[(D("2025-06-01"), D("2025-06-30"))]]),
    ("in december", [[(D("2024-12-01"), D("2024-12-31"))]]),
    ("H1 2025", [[(D("2025-01-01"), D("2025-06-30"))]]),
    ("from march to june 2025", [[(D("2025-03-01"), D("2025-06-30"))]]),
    ("since 2025-03-10", [[(D("2025-03-10"), D("2025-11-15"))]]),
    ("between 2025-01-01 and 2025-01-31", [[(D("2025-01-01"), D("2025-01-31"))]]),
    ("black friday 2024", [[(D("2024-11-29"), D("2024-11-29"))]]),
    ("in 2024", [[(D("2024-01-01"), D("2024-12-31"))]]),
    ("all time", [[None]]),
])
def test_date_phrases_resolve(text, expected):
    assert windows(text) == expected


@pytest.mark.parametrize("text", ["may I see spend", "more than 2000 conversions", "spend by channel"])
def test_date_phrases_ignore_words_that_are_not_dates(text):
    assert windows(text) == []


def test_date_phrases_follow_the_as_of_date():
    assert windows("last month", dt.date(2025, 3, 10))[0][0] == (D("2025-02-01"), D("2025-02-28"))


def test_date_phrases_flag_the_future():
    phrases = find_date_phrases(tokenize("spend next month"), AS_OF)
    assert phrases and all(p.future for p in phrases)

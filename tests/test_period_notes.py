"""A partial last period is called out, so a half month is not read as a collapse."""
from __future__ import annotations

import datetime as dt

import pytest

from query_engine.answer.period_notes import partial_period_note
from query_engine.spec.query import QueryResult, QuerySpec

AS_OF = dt.date(2025, 11, 15)


def result(grain, periods):
    return QueryResult((grain, "spend"), tuple((p, 1.0) for p in periods), 1.0)


@pytest.mark.parametrize("grain, periods, expected", [
    ("month", [dt.date(2025, 10, 1), dt.date(2025, 11, 1)], "latest month (Nov 2025) has data only through 2025-11-15"),
    ("week", [dt.date(2025, 11, 3), dt.date(2025, 11, 10)], "latest week (week of 2025-11-10)"),
    ("year", [2024, 2025], "latest year (2025)"),
    ("month", [dt.date(2025, 9, 1), dt.date(2025, 10, 1)], None),
    ("day", [dt.date(2025, 11, 14), dt.date(2025, 11, 15)], None),
])
def test_partial_period_note(grain, periods, expected):
    note = partial_period_note(QuerySpec(metrics=("spend",), dimensions=(grain,)), result(grain, periods), AS_OF)
    assert (note is None) if expected is None else (expected in note)


def test_partial_period_note_ignores_a_full_last_week():
    spec = QuerySpec(metrics=("spend",), dimensions=("week",))
    assert partial_period_note(spec, result("week", [dt.date(2025, 11, 3)]), dt.date(2025, 11, 9)) is None

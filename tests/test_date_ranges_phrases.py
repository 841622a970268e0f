"""Date phrases analysts write, each read into one window: day ranges inside a month, the week of a day, the nth
week of a month, halves and thirds of a month, holidays and their weeks, and months listed for a comparison."""
from __future__ import annotations

import datetime as dt

import pytest

from query_engine.interpret.date_phrases import find_date_phrases
from query_engine.interpret.question_text import tokenize
from query_engine.spec.calendar import HOLIDAYS

AS_OF = dt.date(2025, 11, 15)
D = dt.date.fromisoformat


def spans(text: str, as_of: dt.date = AS_OF) -> list[tuple[dt.date, dt.date]]:
    """The first reading of every date phrase in `text`."""
    return [(p.options[0].window.start, p.options[0].window.end)
            for p in find_date_phrases(tokenize(text), as_of) if p.options and p.options[0].window]


@pytest.mark.parametrize("text, start, end", [
    ("spend on prime big deal days (oct 8-9)", "2025-10-08", "2025-10-09"),
    ("revenue feb 10-14", "2025-02-10", "2025-02-14"),
    ("clicks Oct 8 to Oct 9", "2025-10-08", "2025-10-09"),
    ("clicks Oct 8 - Oct 9", "2025-10-08", "2025-10-09"),
    ("orders 8-9 October", "2025-10-08", "2025-10-09"),
    ("orders 8th-9th October", "2025-10-08", "2025-10-09"),
    ("spend between 3 and 7 March", "2025-03-03", "2025-03-07"),
    ("spend from 3 to 7 march 2024", "2024-03-03", "2024-03-07"),
    ("impressions 28 oct to 2 nov", "2025-10-28", "2025-11-02"),
    ("spend 28 dec - 3 jan", "2024-12-28", "2025-01-03"),
    ("spend dec 28 2024 to jan 3", "2024-12-28", "2025-01-03"),
])
def test_a_day_range_inside_a_month_is_one_window(text, start, end):
    assert spans(text) == [(D(start), D(end))]


@pytest.mark.parametrize("text, start, end", [
    ("sales the week of nov 18", "2024-11-18", "2024-11-24"),  # Nov 18 2025 is after the as-of date
    ("sales the week of nov 3", "2025-11-03", "2025-11-09"),
    ("spend week starting 2025-03-10", "2025-03-10", "2025-03-16"),
    ("spend in the week commencing 6 october", "2025-10-06", "2025-10-12"),
    ("clicks the week ending nov 9", "2025-11-03", "2025-11-09"),
    ("daily clicks in the first week of march", "2025-03-01", "2025-03-07"),
    ("spend the second week of march", "2025-03-08", "2025-03-14"),
    ("spend in the 3rd week of april 2024", "2024-04-15", "2024-04-21"),
    ("last week of june", "2025-06-24", "2025-06-30"),
    ("the final week of february 2024", "2024-02-23", "2024-02-29"),
    ("revenue during black friday week", "2024-11-25", "2024-12-01"),  # Monday to Sunday around Black Friday
    ("the week of thanksgiving 2023", "2023-11-20", "2023-11-26"),
    ("christmas week", "2024-12-23", "2024-12-29"),
])
def test_week_phrases(text, start, end):
    assert spans(text) == [(D(start), D(end))]


@pytest.mark.parametrize("text, start, end", [
    ("spend in the first half of may", "2025-05-01", "2025-05-15"),
    ("second half of feb 2024", "2024-02-16", "2024-02-29"),
    ("the last half of june", "2025-06-16", "2025-06-30"),
    ("early april", "2025-04-01", "2025-04-10"),
    ("the beginning of september", "2025-09-01", "2025-09-10"),
    ("mid-march spend", "2025-03-11", "2025-03-20"),
    ("the middle of july", "2025-07-11", "2025-07-20"),
    ("late october", "2025-10-21", "2025-10-31"),
    ("at the end of march", "2025-03-21", "2025-03-31"),
    ("the first 10 days of may", "2025-05-01", "2025-05-10"),
    ("last three days of june", "2025-06-28", "2025-06-30"),
])
def test_parts_of_a_month(text, start, end):
    assert spans(text) == [(D(start), D(end))]


@pytest.mark.parametrize("text, start, end", [
    ("black friday", "2024-11-29", "2024-11-29"),  # Black Friday 2025 (Nov 28) is after the as-of date
    ("black friday 2025", "2025-11-28", "2025-11-28"),
    ("cyber monday 2024", "2024-12-02", "2024-12-02"),
    ("bfcm 2024", "2024-11-29", "2024-12-02"),
    ("black friday weekend", "2024-11-29", "2024-12-02"),
    ("valentine's day", "2025-02-14", "2025-02-14"),
    ("valentines day 2024", "2024-02-14", "2024-02-14"),
    ("mother's day", "2025-05-11", "2025-05-11"),
    ("memorial day 2024", "2024-05-27", "2024-05-27"),
    ("labor day", "2025-09-01", "2025-09-01"),
    ("halloween", "2025-10-31", "2025-10-31"),
    ("christmas eve", "2024-12-24", "2024-12-24"),
    ("new year's eve", "2024-12-31", "2024-12-31"),
])
def test_holidays_come_from_one_table(text, start, end):
    assert spans(text) == [(D(start), D(end))]


def test_every_holiday_reads_by_each_of_its_names():
    for holiday in HOLIDAYS:
        for name in holiday.names:
            start, end = holiday.window(2024)
            assert spans(f"spend on {name} 2024") == [(start, end)], name


@pytest.mark.parametrize("text, months", [
    ("Compare conversions in April vs May", [4, 5]),
    ("avg cpc jan vs feb vs march", [1, 2, 3]),
    ("eCPM april vs may vs june", [4, 5, 6]),
    ("may versus june spend", [5, 6]),
    ("June and July compared", [6, 7]),
    ("march or april, which was better", [3, 4]),
])
def test_months_listed_for_a_comparison_are_all_months(text, months):
    assert [s.month for s, _ in spans(text)] == months


@pytest.mark.parametrize("text", ["may I see spend", "march madness campaign spend", "cost per click for women 25-34",
                                  "top 3 interests", "total spend for interest 17", "interests 2 and 38"])
def test_words_and_numbers_that_are_no_dates(text):
    assert spans(text) == []


@pytest.mark.parametrize("text, keys", [
    ("spend (oct 8-9)", "spend oct 8 to 9"),
    ("8-9 October", "8 to 9 october"),
    ("8 Oct – 9 Nov", "8 oct to 9 nov"),
    ("women 25-34", "women 25 34"),
    ("may 2024-2025", "may 2024 2025"),
])
def test_a_dash_between_days_reads_as_to(text, keys):
    assert " ".join(t.key for t in tokenize(text)) == keys


@pytest.mark.parametrize("text, start, end", [
    ("spend from the start of march to the end of april", "2025-03-01", "2025-04-30"),
    ("between black friday and cyber monday 2024", "2024-11-29", "2024-12-02"),
    ("from black friday to christmas", "2024-11-29", "2024-12-25"),
    ("from oct 8 to black friday", "2024-10-08", "2024-11-29"),  # the Oct 8 before that Black Friday
])
def test_two_phrases_from_one_to_the_other_are_one_window(text, start, end):
    assert spans(text) == [(D(start), D(end))]

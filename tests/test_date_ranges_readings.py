"""Named periods in whole questions: comparisons of several periods, holidays that also name campaigns, 'since the
X campaign launched', periods named before bracketed dates, and months on a file's own month and day columns."""
from __future__ import annotations

import argparse
import csv
import datetime as dt
from pathlib import Path

import pytest

from query_engine import cli

START, END = dt.date(2024, 9, 1), dt.date(2024, 12, 31)
LAUNCH = dt.date(2024, 11, 4)  # the Black Friday campaign's first day
CAMPAIGNS = ("Always On - Search", "Black Friday Push")


def _spend(day: dt.date, campaign: str) -> float:
    return round(10 + day.day / 10 + (5 if campaign.startswith("Black") else 0), 2)


def _write_daily(path: Path) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Date", "Campaign", "Spend", "Clicks", "Conversions"])
        day = START
        while day <= END:
            for campaign in CAMPAIGNS:
                if campaign.startswith("Black") and day < LAUNCH:
                    continue
                writer.writerow([day.isoformat(), campaign, _spend(day, campaign), 20 + day.day, day.day % 4])
            day += dt.timedelta(days=1)
    return path


def _write_parts(path: Path) -> Path:
    """Snapchat-shaped: month names and days of the month, no year anywhere (not even in the file's name)."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Month of the year", "Day of the month", "Interest ID", "Spend", "Paid Impressions"])
        for month, days in (("April", 30), ("May", 31), ("June", 8)):
            for day in range(1, days + 1):
                for interest in (3, 17):
                    writer.writerow([month, day, interest, f"{day + interest / 10:.2f}", 1000 + day])
    return path


class Asker:
    """One uploaded file's pipeline, asked many questions."""

    def __init__(self, data: Path, home: Path) -> None:
        settings = cli._settings({"CLARIFY_HOME": str(home), "LITELLM_OFFLINE_MODE": "true"})
        namespace = argparse.Namespace(url=None, data=data, dataset=None, replace=False, db=None)
        self.pipeline, _ = cli._open(settings, namespace)

    def readings(self, question: str):
        understanding = self.pipeline.understand(question, None)
        assert understanding.refusal is None, understanding.refusal
        return understanding.interpretations

    def rows(self, reading):
        answer = self.pipeline.answer(reading)
        assert answer.error is None and answer.result is not None
        return [tuple(r) for r in answer.result.rows]


@pytest.fixture(scope="module")
def daily(tmp_path_factory) -> Asker:
    folder = tmp_path_factory.mktemp("daily")
    asker = Asker(_write_daily(folder / "shop_report.csv"), folder / "home")
    yield asker
    asker.pipeline.close()


@pytest.fixture(scope="module")
def parts(tmp_path_factory) -> Asker:
    folder = tmp_path_factory.mktemp("parts")
    asker = Asker(_write_parts(folder / "snap_report.csv"), folder / "home")
    yield asker
    asker.pipeline.close()


def _months(rows) -> list[str]:
    return [str(r[0])[:7] for r in rows]


@pytest.mark.parametrize("question, months", [
    ("Compare conversions in October vs November", ["2024-10", "2024-11"]),
    ("Compare conversions in sept vs oct", ["2024-09", "2024-10"]),
    ("avg cpc sep vs oct vs nov", ["2024-09", "2024-10", "2024-11"]),
    ("clicks october and december compared", ["2024-10", "2024-12"]),
    ("spend september versus november", ["2024-09", "2024-11"]),
])
def test_named_periods_compared_are_one_reading_with_a_row_each(daily, question, months):
    first = daily.readings(question)[0]
    assert "month" in first.spec.dimensions
    assert _months(daily.rows(first)) == months  # exactly those months, nothing between


def test_a_holiday_named_with_its_campaign_noun_reads_as_the_campaign_first(daily):
    first, second = daily.readings("how much did we spend on the Black Friday campaign")[:2]
    assert [(f.dimension, f.values) for f in first.spec.filters] == [("campaign", ("Black Friday Push",))]
    assert first.spec.date_range is None and "campaign" not in first.spec.dimensions
    window = second.spec.date_range
    assert (window.start, window.end) == (dt.date(2024, 11, 29), dt.date(2024, 11, 29)) and not second.spec.filters


@pytest.mark.parametrize("question", ["spend on black friday", "black friday spend by campaign",
                                      "What were clicks on Black Friday?"])
def test_a_holiday_without_the_noun_reads_as_the_day_first_and_the_campaign_second(daily, question):
    first, second = daily.readings(question)[:2]
    assert first.spec.date_range is not None and first.spec.date_range.start == dt.date(2024, 11, 29)
    assert [f.values for f in second.spec.filters] == [("Black Friday Push",)]


@pytest.mark.parametrize("question", ["spend since the black friday campaign launched",
                                      "clicks since the Black Friday Push campaign went live",
                                      "conversions since black friday push started"])
def test_since_a_campaign_launched_starts_on_its_first_day(daily, question):
    first = daily.readings(question)[0]
    assert (first.spec.date_range.start, first.spec.date_range.end) == (LAUNCH, END)
    assert not first.spec.filters  # every campaign since then, not the one campaign


@pytest.mark.parametrize("question, start, end", [
    ("spend on prime big deal days (oct 8-9)", "2024-10-08", "2024-10-09"),
    ("clicks during our autumn flash sale (Oct 14 - Oct 16)", "2024-10-14", "2024-10-16"),
    ("conversions over the valentines-style promo (9-11 December)", "2024-12-09", "2024-12-11"),
])
def test_words_before_bracketed_dates_name_that_period(daily, question, start, end):
    first = daily.readings(question)[0]
    window = first.spec.date_range
    assert (window.start.isoformat(), window.end.isoformat()) == (start, end)
    assert first.confidence >= 0.9  # the name's words are neither unknown nor "corrected"


@pytest.mark.parametrize("question, expected", [
    ("spend in may", [("May",)]),
    ("how much did we spend in May", [("May",)]),
    ("spend in the first half of may", [("May",), tuple(str(d) for d in range(1, 16))]),
    ("spend on may 3", [("May",), ("3",)]),
    ("spend in q2", [("April", "May", "June")]),
])
def test_named_months_filter_the_files_own_month_and_day_columns(parts, question, expected):
    first = parts.readings(question)[0]
    assert [f.values for f in first.spec.filters] == expected
    days = [int(v) for v in (expected[1] if len(expected) > 1 else range(1, 32))]
    months = {"April": 30, "May": 31, "June": 8}
    want = sum(d + i / 10 for m in expected[0] for d in range(1, months[m] + 1) if d in days for i in (3, 17))
    assert parts.rows(first)[0][0] == pytest.approx(want)


@pytest.mark.parametrize("question", ["eCPM april vs may vs june", "spend april vs may vs june", "spend by month"])
def test_months_group_by_the_files_own_month_column(parts, question):
    first = parts.readings(question)[0]
    assert [str(r[0]) for r in parts.rows(first)] == ["April", "May", "June"]


def test_a_bare_number_is_never_a_day_of_the_month(parts):
    first = parts.readings("top 3 interests by spend")[0]
    assert not first.spec.filters and first.spec.limit == 3


def test_a_period_the_month_columns_cannot_say_is_refused_with_the_reason(parts):
    refusal = parts.pipeline.understand("spend over the last 30 days", None).refusal
    assert refusal is not None and "no full date" in refusal.reason and "Month of the year" in refusal.reason


def test_on_a_dated_file_a_comparison_of_months_shows_the_files_month_names(tmp_path):
    path = _write_parts(tmp_path / "snap_report_2025.csv")  # the year in the name completes a date
    asker = Asker(path, tmp_path / "home")
    try:
        first = asker.readings("spend april vs june")[0]
        assert first.spec.date_range is not None
        assert [str(r[0]) for r in asker.rows(first)] == ["April", "June"]
    finally:
        asker.pipeline.close()


def test_why_a_holiday_dropped_compares_that_day(daily):
    first = daily.readings("why did clicks drop on black friday")[0]
    assert first.spec.date_range.end == dt.date(2024, 11, 29) and not first.spec.filters


def test_why_a_holiday_campaign_dropped_keeps_to_that_campaign(daily):
    first = daily.readings("why did spend of the black friday campaign drop")[0]
    assert [f.values for f in first.spec.filters] == [("Black Friday Push",)]


def test_a_holiday_forecast_falls_on_that_holiday_next_year(daily):
    first = daily.readings("forecast clicks for black friday")[0]
    assert first.spec.forecast is not None and first.spec.forecast.start == dt.date(2025, 11, 28)  # not Nov 29

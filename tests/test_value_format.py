"""Display strings for cells, the matching plotly axis formats, and column inference for edited SQL."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from query_engine.spec.query import ColumnInfo, QueryResult
from query_engine.spec.result_columns import column_label, infer_columns, weekday_index
from query_engine.spec.value_format import (
    MISSING,
    as_number,
    axis_format,
    format_cell,
    format_table,
    format_value,
    plotly_tickformat,
    plotly_tickprefix,
    plotly_ticksuffix,
)


@pytest.mark.parametrize(
    ("value", "fmt", "expected"),
    [
        (1234.56, "currency", "$1,234.56"),
        (0.5, "currency", "$0.50"),
        (-1234.5, "currency", "-$1,234.50"),
        (-0.001, "currency", "$0.00"),
        (Decimal("19.999"), "currency", "$20.00"),
        (1234567, "integer", "1,234,567"),
        (1234567.4, "integer", "1,234,567"),
        (-42, "integer", "-42"),
        (0.0235, "percent", "2.35%"),
        (1.5, "percent", "150.00%"),
        (-0.1, "percent", "-10.00%"),
        (3.214, "ratio", "3.21x"),
        (0, "ratio", "0.00x"),
        (1234.5, "number", "1,234.5"),
        (1234.0, "number", "1,234"),
        (12.3456, "number", "12.35"),
        (0.012345, "number", "0.0123"),
        (0, "number", "0"),
        (dt.date(2024, 3, 1), "date", "2024-03-01"),
        (dt.datetime(2024, 3, 1), "date", "2024-03-01"),
        (dt.datetime(2024, 3, 1, 14, 30), "date", "2024-03-01 14:30"),
        (2024, "date", "2024"),
        ("Meta", "text", "Meta"),
        ("Meta", "currency", "Meta"),
        (None, "currency", MISSING),
        (float("nan"), "percent", MISSING),
        (float("inf"), "ratio", "∞"),
        (True, "integer", "True"),
    ],
)
def test_format_value_plain(value, fmt, expected):
    assert format_value(value, fmt) == expected


@pytest.mark.parametrize(
    ("value", "fmt", "expected"),
    [
        (1234567.0, "currency", "$1.23M"),
        (1200000.0, "currency", "$1.2M"),
        (45300.0, "currency", "$45.3K"),
        (999999.0, "currency", "$1M"),
        (-2500.0, "currency", "-$2.5K"),
        (3.2e9, "currency", "$3.2B"),
        (512.3, "currency", "$512.30"),
        (1234567, "integer", "1.23M"),
        (1200000, "integer", "1.2M"),
        (999, "integer", "999"),
        (99950, "integer", "100K"),
        (123456.0, "number", "123K"),
        (0.0235, "percent", "2.35%"),
        (3.214, "ratio", "3.21x"),
    ],
)
def test_format_value_compact(value, fmt, expected):
    assert format_value(value, fmt, compact=True) == expected


@pytest.mark.parametrize(
    ("fmt", "max_abs", "expected"),
    [
        ("currency", 500.0, {"tickformat": "$,.2f", "tickprefix": "", "ticksuffix": ""}),
        ("currency", 2e6, {"tickformat": "$~s", "tickprefix": "", "ticksuffix": ""}),
        ("percent", 0.5, {"tickformat": ".1%", "tickprefix": "", "ticksuffix": ""}),
        ("ratio", 4.0, {"tickformat": ".2f", "tickprefix": "", "ticksuffix": "x"}),
        ("integer", 900.0, {"tickformat": ",d", "tickprefix": "", "ticksuffix": ""}),
        ("integer", 5e6, {"tickformat": "~s", "tickprefix": "", "ticksuffix": ""}),
        ("text", None, {"tickformat": "", "tickprefix": "", "ticksuffix": ""}),
    ],
)
def test_axis_format_matches_value_format(fmt, max_abs, expected):
    assert axis_format(fmt, max_abs=max_abs) == expected


def test_plotly_tick_helpers_agree_with_axis_format():
    assert (plotly_tickformat("percent"), plotly_tickprefix("percent"), plotly_ticksuffix("percent")) == (".1%", "", "")
    assert plotly_ticksuffix("ratio") == "x"
    assert plotly_tickformat("currency", max_abs=3e5) == "$~s"


@pytest.mark.parametrize(
    ("value", "expected"),
    [(3, 3.0), (Decimal("2.5"), 2.5), (True, None), (None, None), (float("nan"), None), ("7", None)],
)
def test_as_number_accepts_only_numbers(value, expected):
    assert as_number(value) == expected


def test_format_cell_shows_time_buckets_as_is():
    year = ColumnInfo("year", "time", "Year", "integer")
    assert format_cell(2024, year) == "2024"
    spend = ColumnInfo("spend", "metric", "Spend", "currency")
    assert format_cell(1234567.0, spend, compact=True) == "$1.23M"


def test_format_table_formats_every_cell_by_its_column():
    result = QueryResult(
        ("month", "channel", "spend", "ctr", "roas", "clicks"),
        ((dt.date(2024, 1, 1), "Meta", 1234.5, 0.0235, 3.214, 12000), (dt.date(2024, 2, 1), None, None, 0.1, 1.0, 5)),
        elapsed_ms=1.0,
    )
    columns = (
        ColumnInfo("month", "time", "Month", "date"),
        ColumnInfo("channel", "dimension", "Channel", "text"),
        ColumnInfo("spend", "metric", "Spend", "currency"),
        ColumnInfo("ctr", "metric", "CTR", "percent", True),
        ColumnInfo("roas", "metric", "ROAS", "ratio", True),
        ColumnInfo("clicks", "metric", "Clicks", "integer", True),
    )
    assert format_table(result, columns) == [
        {"month": "2024-01-01", "channel": "Meta", "spend": "$1,234.50", "ctr": "2.35%", "roas": "3.21x",
         "clicks": "12,000"},
        {"month": "2024-02-01", "channel": MISSING, "spend": MISSING, "ctr": "10.00%", "roas": "1.00x", "clicks": "5"},
    ]


def test_format_table_infers_columns_when_none_are_given():
    result = QueryResult(("channel", "total_spend", "ctr"), (("Meta", 1500.0, 0.05),), elapsed_ms=1.0)
    assert format_table(result) == [{"channel": "Meta", "total_spend": "$1,500.00", "ctr": "5.00%"}]


# ---- infer_columns: roles and formats for analyst-edited SQL ----------------------------------------

@pytest.mark.parametrize(
    ("name", "values", "expected"),
    [
        ("month", [dt.date(2024, 1, 1)], ("time", "Month", "date", None)),
        ("start_date", [dt.date(2024, 1, 1)], ("detail", "Start date", "date", None)),
        ("year", [2024, 2025], ("time", "Year", "date", None)),
        ("month", ["2024-01", "2024-02"], ("time", "Month", "date", None)),
        ("weekday", ["Monday", "Tue"], ("time", "Weekday", "date", None)),
        ("channel", ["Meta", "Email"], ("dimension", "Channel", "text", None)),
        ("campaign_id", [1, 2], ("dimension", "Campaign ID", "text", None)),
        ("total_spend", [10.5, 3.0], ("metric", "Total spend", "currency", None)),
        ("revenue", [10.0], ("metric", "Revenue", "currency", True)),
        ("avg_cpc", [0.5], ("metric", "Avg CPC", "currency", False)),
        ("cpa", [12.0], ("metric", "CPA", "currency", False)),
        ("ctr", [0.02], ("metric", "CTR", "percent", True)),
        ("conversion_rate", [0.1], ("metric", "Conversion rate", "percent", True)),
        ("roas", [3.2], ("metric", "ROAS", "ratio", True)),
        ("clicks", [5, 7], ("metric", "Clicks", "integer", True)),
        ("impressions", [5.0, 7.0], ("metric", "Impressions", "integer", True)),
        ("score", [0.5, 7.0], ("metric", "Score", "number", None)),
        ("notes", [None], ("detail", "Notes", "text", None)),
    ],
)
def test_infer_columns_role_label_format_direction(name, values, expected):
    result = QueryResult((name,), tuple((value,) for value in values), 1.0)
    (info,) = infer_columns(result)
    assert (info.role, info.label, info.format, info.higher_is_better) == expected


def test_infer_columns_second_date_column_is_a_detail():
    result = QueryResult(("date", "launch"), ((dt.date(2024, 1, 1), dt.date(2023, 5, 1)),), 1.0)
    assert [info.role for info in infer_columns(result)] == ["time", "detail"]


@pytest.mark.parametrize(("value", "expected"), [("Monday", 0), ("tue", 1), ("SUNDAY", 6), ("Mo", None),
                                                 ("Meta", None), (3, None)])
def test_weekday_index(value, expected):
    assert weekday_index(value) == expected


def test_column_label_keeps_acronyms():
    assert column_label("roas_by_CPM") == "ROAS by CPM"

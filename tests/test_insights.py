"""Insights: every number in a statement is recomputed here from the rows and must appear in the text."""
from __future__ import annotations

import datetime as dt
import statistics

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from query_engine.answer.insight_statements import InsightFact
from query_engine.answer.insights import (
    MAX_ANALYSED_ROWS,
    insight_facts,
    insights,
)
from query_engine.spec.query import ColumnInfo, QueryResult
from query_engine.spec.value_format import format_value

CHANNEL = ColumnInfo("channel", "dimension", "Channel", "text")
DEVICE = ColumnInfo("device", "dimension", "Device", "text")
MONTH = ColumnInfo("month", "time", "Month", "date")
REVENUE = ColumnInfo("revenue", "metric", "Revenue", "currency", True)
SPEND = ColumnInfo("spend", "metric", "Spend", "currency", None)
CPA = ColumnInfo("cpa", "metric", "CPA", "currency", False)
ROAS = ColumnInfo("roas", "metric", "ROAS", "ratio", True)
CTR = ColumnInfo("ctr", "metric", "CTR", "percent", True)
CLICKS = ColumnInfo("clicks", "metric", "Clicks", "integer", True)


def _result(columns: tuple[ColumnInfo, ...], rows, truncated: bool = False) -> QueryResult:
    return QueryResult(tuple(c.name for c in columns), tuple(tuple(r) for r in rows), 1.0, truncated)


def _money(value: float) -> str:
    return format_value(value, "currency", compact=True)


def _pct(value: float) -> str:
    return format_value(value, "percent")


def _kind(facts: tuple[InsightFact, ...], kind: str) -> InsightFact:
    matches = [fact for fact in facts if fact.kind == kind]
    assert matches, f"no {kind!r} fact in {[f.text for f in facts]}"
    return matches[0]


REVENUE_ROWS = [("Google Search", 1_234_567.0), ("Meta", 800_000.0), ("Display", 150_000.0),
                ("Email", 90_000.0), ("TikTok", 60_000.0), ("LinkedIn", 50_000.0), ("YouTube", 400_000.0)]


def test_insights_category_currency_names_leader_share_and_concentration():
    facts = insight_facts(_result((CHANNEL, REVENUE), REVENUE_ROWS), (CHANNEL, REVENUE))
    values = [v for _, v in REVENUE_ROWS]
    total, top, bottom = sum(values), max(values), min(values)
    leader = _kind(facts, "leader").text
    assert leader.startswith("Google Search had the highest Revenue")
    assert "LinkedIn had the lowest" in leader
    assert _money(top) in leader and _money(bottom) in leader and _money(top - bottom) in leader
    share = _kind(facts, "share").text
    assert share.startswith("Google Search accounted for")
    assert _pct(top / total) in share and _money(total) in share
    top3 = sum(sorted(values, reverse=True)[:3])
    concentration = _kind(facts, "concentration").text
    assert _pct(top3 / total) in concentration and _money(top3) in concentration and "of 7 Channels" in concentration
    assert 2 <= len(facts) <= 5


def test_insights_lower_is_better_leader_is_the_lowest_and_ratios_are_never_summed():
    rows = [("Google Search", 12.5), ("Meta", 20.0), ("Display", 45.0), ("Email", 8.0)]
    facts = insight_facts(_result((CHANNEL, CPA), rows), (CHANNEL, CPA))
    leader = _kind(facts, "leader").text
    assert leader.startswith("Email had the best (lowest) CPA ($8.00)")
    assert "Display had the worst (highest) ($45.00)" in leader
    assert _money(45.0 - 8.0) in leader
    multiple = _kind(facts, "multiple").text
    assert format_value(45.0 / 8.0, "ratio") in multiple and multiple.startswith("Display's CPA ($45.00)")
    assert not any(fact.kind in ("share", "concentration") for fact in facts)
    assert not any(_money(sum(v for _, v in rows)) in fact.text for fact in facts)


def test_insights_ratio_metric_compares_leader_with_laggard():
    rows = [("Google Search", 5.12), ("Meta", 3.0), ("Display", 2.13)]
    facts = insight_facts(_result((CHANNEL, ROAS), rows), (CHANNEL, ROAS))
    assert _kind(facts, "leader").text == ("Google Search had the highest ROAS (5.12x); "
                                           "Display had the lowest (2.13x).")
    assert format_value(5.12 / 2.13, "ratio") in _kind(facts, "multiple").text
    assert all("total" not in fact.text for fact in facts)


@pytest.mark.parametrize(
    ("direction", "leader", "laggard", "words"),
    [
        (True, "B", "C", ("the highest", "the lowest")),
        (False, "C", "B", ("the best (lowest)", "the worst (highest)")),
        (None, "B", "C", ("the largest", "the smallest")),
    ],
)
def test_insights_leader_follows_direction_for_ratio_metric(direction, leader, laggard, words):
    metric = ColumnInfo("cost_ratio", "metric", "Cost ratio", "ratio", direction)
    rows = [("A", 2.0), ("B", 3.5), ("C", 0.5)]
    text = _kind(insight_facts(_result((CHANNEL, metric), rows), (CHANNEL, metric)), "leader").text
    assert text.startswith(f"{leader} had {words[0]} Cost ratio")
    assert f"{laggard} had {words[1]}" in text


MONTHS = [dt.date(2024, m, 1) for m in range(1, 7)]
MONTHLY_REVENUE = [1000.0, 1500.0, 900.0, 2500.0, 2000.0, 2300.0]


def test_insights_time_series_period_change_overall_change_and_peak():
    rows = list(zip(MONTHS, MONTHLY_REVENUE, strict=False))
    facts = insight_facts(_result((MONTH, REVENUE), rows), (MONTH, REVENUE))
    last, prev, first = MONTHLY_REVENUE[-1], MONTHLY_REVENUE[-2], MONTHLY_REVENUE[0]
    latest = _kind(facts, "period_change").text
    assert f"up {_pct((last - prev) / prev)}" in latest
    assert "2024-06-01" in latest and "2024-05-01" in latest and _money(last) in latest and _money(prev) in latest
    overall = _kind(facts, "overall_change").text
    assert f"up {_pct((last - first) / first)}" in overall and overall.startswith("From 2024-01-01 to 2024-06-01")
    peak = _kind(facts, "peak").text
    assert "peaked in 2024-04-01 (best)" in peak and _money(2500.0) in peak
    assert "low was 2024-03-01 (worst)" in peak and _money(900.0) in peak
    assert _money(sum(MONTHLY_REVENUE)) in _kind(facts, "total").text


def test_insights_time_series_sorts_periods_and_reports_declines():
    rows = list(zip(MONTHS, MONTHLY_REVENUE, strict=False))[::-1]  # given newest first
    facts = insight_facts(_result((MONTH, SPEND), rows), (MONTH, SPEND))
    latest = _kind(facts, "period_change").text
    assert latest.startswith(f"Spend was {_money(2300.0)} in 2024-06-01")
    rows = [(d, v) for d, v in zip(MONTHS[:3], (500.0, 400.0, 300.0), strict=False)]
    text = _kind(insight_facts(_result((MONTH, SPEND), rows), (MONTH, SPEND)), "period_change").text
    assert f"down {_pct(100.0 / 400.0)}" in text


def test_insights_percent_metric_changes_in_percentage_points():
    rows = [(MONTHS[0], 0.0210), (MONTHS[1], 0.0190), (MONTHS[2], 0.0235)]
    facts = insight_facts(_result((MONTH, CTR), rows), (MONTH, CTR))
    points = (0.0235 - 0.0190) * 100
    assert f"up {format_value(points, 'number')} percentage points" in _kind(facts, "period_change").text
    assert "2.35%" in _kind(facts, "period_change").text
    assert not any(fact.kind == "total" for fact in facts)


def test_insights_time_series_with_dimension_names_fastest_grower_and_decliner():
    series = {"Meta": [100.0, 150.0, 300.0], "Email": [200.0, 210.0, 220.0], "Display": [80.0, 60.0, 40.0]}
    rows = [(MONTHS[i], name, values[i]) for name, values in series.items() for i in range(3)]
    facts = insight_facts(_result((MONTH, CHANNEL, REVENUE), rows), (MONTH, CHANNEL, REVENUE))
    movers = [fact.text for fact in facts if fact.kind == "mover"]
    assert movers[0].startswith(f"Meta grew fastest: Revenue up {_pct(200.0 / 100.0)}")
    assert movers[1].startswith(f"Display fell most: Revenue down {_pct(40.0 / 80.0)}")
    totals = {name: sum(values) for name, values in series.items()}
    leader = _kind(facts, "leader").text
    assert leader.startswith("Over the whole period, Email had the highest Revenue") and _money(630.0) in leader
    assert _pct(630.0 / sum(totals.values())) in _kind(facts, "share").text
    latest = _kind(facts, "period_change").text
    assert latest.startswith("Total Revenue was") and _pct((560.0 - 420.0) / 420.0) in latest


def test_insights_time_series_with_dimension_ratio_uses_latest_period():
    rows = [(MONTHS[0], "Meta", 2.0), (MONTHS[1], "Meta", 3.0), (MONTHS[0], "Email", 4.0), (MONTHS[1], "Email", 1.5)]
    facts = insight_facts(_result((MONTH, CHANNEL, ROAS), rows), (MONTH, CHANNEL, ROAS))
    assert _kind(facts, "leader").text.startswith("In 2024-02-01, Meta had the highest ROAS (3.00x)")
    assert _kind(facts, "mover").text.startswith(f"Meta grew fastest: ROAS up {_pct(0.5)}")


TWO_DIM_ROWS = [("Meta", "mobile", 100.0), ("Meta", "desktop", 50.0), ("Email", "mobile", 20.0),
                ("Email", "desktop", 80.0), ("Display", "mobile", 10.0), ("Display", "desktop", 5.0)]


def test_insights_two_dimensions_top_combination_and_strongest_values():
    facts = insight_facts(_result((CHANNEL, DEVICE, REVENUE), TWO_DIM_ROWS), (CHANNEL, DEVICE, REVENUE))
    leader = _kind(facts, "leader").text
    assert leader.startswith("By combination, Meta / mobile had the highest Revenue ($100.00)")
    assert "Display / desktop had the lowest ($5.00)" in leader
    shares = [fact.text for fact in facts if fact.kind == "share"]
    total = sum(v for _, _, v in TWO_DIM_ROWS)
    assert shares[0].startswith("By Channel: Meta accounted for") and _pct(150.0 / total) in shares[0]
    assert shares[1].startswith("By Device: desktop accounted for") and _pct(135.0 / total) in shares[1]


def test_insights_two_dimensions_ratio_counts_wins_not_sums():
    rows = [("Meta", "mobile", 3.0), ("Meta", "desktop", 5.0), ("Meta", "tablet", 2.0),
            ("Email", "mobile", 2.0), ("Email", "desktop", 0.8), ("Email", "tablet", 4.0)]
    facts = insight_facts(_result((CHANNEL, DEVICE, ROAS), rows), (CHANNEL, DEVICE, ROAS))
    assert _kind(facts, "wins").text == "Meta had the best ROAS in 2 of 3 Devices."
    assert not any(fact.kind == "share" for fact in facts)


@pytest.mark.parametrize(
    ("columns", "row", "expected"),
    [
        ((REVENUE,), (1_234_567.0,), ("Revenue was $1.23M.",)),
        ((CTR,), (0.0235,), ("CTR was 2.35%.",)),
        ((CHANNEL, ROAS), ("Meta", 3.214), ("ROAS was 3.21x for Meta.",)),
        ((REVENUE, CLICKS), (5000.0, 1234567), ("Revenue was $5K.", "Clicks was 1.23M.")),
    ],
)
def test_insights_single_row_states_each_value(columns, row, expected):
    assert insights(_result(columns, [row]), columns) == expected


def test_insights_empty_result_says_nothing():
    assert insights(_result((CHANNEL, REVENUE), []), (CHANNEL, REVENUE)) == ()


def test_insights_skip_missing_cells_and_say_how_many():
    rows = [("A", None), ("B", float("nan")), ("C", 30.0), ("D", 10.0), (None, 20.0)]
    facts = insight_facts(_result((CHANNEL, REVENUE), rows), (CHANNEL, REVENUE))
    assert _kind(facts, "leader").text.startswith("C had the highest Revenue ($30.00); D had the lowest ($10.00)")
    assert _kind(facts, "missing").text.startswith("2 of 5 rows have no Revenue value")
    assert _pct(30.0 / 60.0) in _kind(facts, "share").text


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ([("A", None), ("B", None)], ("None of the 2 rows has a Revenue value.",)),
        ([("A", None), ("B", 7.0)], ("Only B has a Revenue value ($7.00).",)),
    ],
)
def test_insights_sparse_metric_column(rows, expected):
    assert insights(_result((CHANNEL, REVENUE), rows), (CHANNEL, REVENUE)) == expected


def test_insights_negative_values_get_no_share():
    rows = [("A", -50.0), ("B", 120.0), ("C", 30.0)]
    facts = insight_facts(_result((CHANNEL, REVENUE), rows), (CHANNEL, REVENUE))
    assert _kind(facts, "leader").text.endswith(f"a gap of {_money(170.0)}.")
    assert not any(fact.kind == "share" for fact in facts)


def test_insights_all_equal_values():
    rows = [("A", 0.02), ("B", 0.02), ("C", 0.02)]
    facts = insight_facts(_result((CHANNEL, CTR), rows), (CHANNEL, CTR))
    assert facts[0].text == "All 3 Channels had the same CTR: 2.00%."
    assert not any(fact.kind == "multiple" for fact in facts)


def test_insights_flat_time_series():
    rows = [(month, 10.0) for month in MONTHS[:4]]
    assert _kind(insight_facts(_result((MONTH, SPEND), rows), (MONTH, SPEND)), "flat").text == (
        "Spend was flat at $10.00 across all 4 periods.")


def test_insights_outlier_named_with_value_and_median():
    values = [100.0, 105.0, 98.0, 102.0, 101.0, 99.0, 103.0, 900.0]
    rows = [(f"Campaign {i}", v) for i, v in enumerate(values)]
    text = _kind(insight_facts(_result((CHANNEL, CLICKS), rows), (CHANNEL, CLICKS)), "outlier").text
    assert "Campaign 7 (900)" in text and format_value(statistics.median(values), "integer", compact=True) in text


def test_insights_truncated_result_says_rows_were_capped():
    rows = [("A", 5.0), ("B", 3.0)]
    texts = insights(_result((CHANNEL, REVENUE), rows, truncated=True), (CHANNEL, REVENUE))
    assert texts[0] == "Results were capped at 2 rows; these insights cover only the rows shown."
    assert texts[1].startswith("A had the highest Revenue")


def test_insights_huge_results_analyse_only_the_first_rows():
    rows = [(f"c{i}", float(i)) for i in range(MAX_ANALYSED_ROWS + 15_000)]
    facts = insight_facts(_result((CHANNEL, CLICKS), rows), (CHANNEL, CLICKS))
    assert facts[0].text == "Insights cover the first 10,000 of 25,000 rows shown."
    assert f"c{MAX_ANALYSED_ROWS - 1} had the highest Clicks" in facts[1].text


def test_insights_weekday_buckets_compare_like_categories():
    day = ColumnInfo("day_of_week", "time", "Day of week", "date")
    rows = [("Monday", 10.0), ("Tuesday", 40.0), ("Wednesday", 25.0)]
    text = _kind(insight_facts(_result((day, REVENUE), rows), (day, REVENUE)), "leader").text
    assert text.startswith("Tuesday had the highest Revenue ($40.00); Monday had the lowest ($10.00)")


def test_insights_listing_without_metrics_counts_rows():
    rows = [("Spring Sale", "Meta"), ("Brand", "Google Search"), ("Retarget", "Meta")]
    columns = (ColumnInfo("campaign", "dimension", "Campaign", "text"), CHANNEL)
    assert insights(_result(columns, rows), columns) == ("The result lists 3 rows.",
                                                         "Most common Channel: Meta (2 of 3 rows).")


def test_insights_second_metric_gets_one_statement():
    rows = [("A", 100.0, 4.0), ("B", 300.0, 9.0), ("C", 200.0, 2.0)]
    facts = insight_facts(_result((CHANNEL, REVENUE, CPA), rows), (CHANNEL, REVENUE, CPA))
    assert facts[-1].text.startswith("By a second measure, C had the best (lowest) CPA ($2.00)")


def test_insights_infers_columns_for_edited_sql():
    result = QueryResult(("channel", "total_spend"), (("Meta", 300.0), ("Email", 100.0)), 1.0)
    texts = insights(result, ())
    assert texts[0] == "Meta had the largest Total spend ($300.00); Email had the smallest ($100.00), a gap of $200.00."


@pytest.mark.parametrize("max_items", [0, 1, 2])
def test_insights_respect_max_items(max_items):
    rows = [(f"c{i}", float(i + 1)) for i in range(8)]
    assert len(insights(_result((CHANNEL, REVENUE), rows), (CHANNEL, REVENUE), max_items=max_items)) == max_items


@settings(max_examples=60, deadline=None)
@given(values=st.lists(st.one_of(st.none(), st.floats(-1e9, 1e9), st.just(float("nan"))), min_size=1, max_size=30),
       direction=st.sampled_from([True, False, None]), fmt=st.sampled_from(["currency", "ratio", "percent", "integer"]))
def test_insights_never_raise_and_name_the_right_leader(values, direction, fmt):
    metric = ColumnInfo("value", "metric", "Value", fmt, direction)
    rows = [(f"k{i}", v) for i, v in enumerate(values)]
    facts = insight_facts(_result((CHANNEL, metric), rows), (CHANNEL, metric))
    assert len(facts) <= 5
    present = [(label, v) for label, v in rows if v is not None and v == v]
    leaders = [fact for fact in facts if fact.kind == "leader"]
    if len(present) >= 2 and len({v for _, v in present}) > 1:
        pick = min if direction is False else max
        best = pick(present, key=lambda row: row[1])
        assert leaders[0].text.startswith(f"{best[0]} had ")


def test_insights_no_multiple_of_a_value_that_shows_as_zero():
    rows = [("Email", 8.03), ("Meta", 3.1), ("Display", 0.0022)]
    facts = insight_facts(_result((CHANNEL, ROAS), rows), (CHANNEL, ROAS))
    assert _kind(facts, "leader").text.endswith("Display had the lowest (0.00x).")
    assert not any(fact.kind == "multiple" for fact in facts)


def test_insights_no_wins_over_groups_of_one():
    result = QueryResult(("channel", "region", "roas"),
                         (("Google Search", "Europe", 3.0), ("Google Search", "APAC", 2.0),
                          ("Google Search", "LATAM", 1.5)),
                         1.0)
    columns = (ColumnInfo("channel", "dimension", "Channel"), ColumnInfo("region", "dimension", "Region"),
               ColumnInfo("roas", "metric", "ROAS", "ratio", True))
    texts = insights(result, columns)
    assert not any(" of 3 Regions" in t or " of 1 Channels" in t for t in texts)

"""'How many', 'how much' and 'total' give one total first, with the split as the alternative; each threshold binds
to the metric it names ('ROAS above 3 and spend over $10k'); a filler word before a figure ('ad cost', 'campaign
spend') says whose figure it is and groups nothing."""
from __future__ import annotations

import pytest


@pytest.mark.parametrize("question", ["How many clicks did TikTok campaigns get in March?",
                                      "total spend for meta campaigns",
                                      "how many conversions did linkedin campaigns drive last month"])
def test_a_total_question_is_one_total_first_and_the_split_second(pipeline, question):
    readings = pipeline.understand(question, None).interpretations
    assert readings[0].spec.dimensions == (), readings[0].spec
    assert any("campaign" in r.spec.dimensions for r in readings[1:]), [r.description for r in readings]


def test_how_much_did_they_spend_is_one_total(pipeline):
    assert pipeline.understand("how much did meta campaigns spend", None).interpretations[0].spec.dimensions == ()


@pytest.mark.parametrize("question", ["how many clicks per campaign", "total spend by campaign"])
def test_a_total_question_with_a_grouping_cue_splits(pipeline, question):
    assert pipeline.understand(question, None).interpretations[0].spec.dimensions == ("campaign",)


@pytest.mark.parametrize("question, expected", [
    ("ROAS above 3 and spend over $10k by campaign", {("roas", ">", 3.0), ("spend", ">", 10_000.0)}),
    ("CPC > $1 AND ROAS < 2 by campaign", {("cpc", ">", 1.0), ("roas", "<", 2.0)}),
    ("campaigns with spend over 1000 and roas under 2", {("spend", ">", 1000.0), ("roas", "<", 2.0)}),
    ("channels where ctr is above 2% and cpc below $1", {("ctr", ">", 0.02), ("cpc", "<", 1.0)}),
    ("campaigns with more than 2000 conversions", {("conversions", ">", 2000.0)})])
def test_each_threshold_binds_to_the_metric_it_names(pipeline, question, expected):
    spec = pipeline.understand(question, None).interpretations[0].spec
    assert {(t.metric, t.op, t.value) for t in spec.thresholds} == expected, spec.thresholds


@pytest.mark.parametrize("question", ["Ad cost by platform", "campaign spend by channel", "ad clicks per channel"])
def test_a_filler_before_a_figure_groups_nothing(pipeline, question):
    assert pipeline.understand(question, None).interpretations[0].spec.dimensions == ("channel",)


@pytest.mark.parametrize("question", ["spend by ad", "which ad had the most clicks"])
def test_the_filler_where_a_grouping_goes_still_groups(pipeline, question):
    assert pipeline.understand(question, None).interpretations[0].spec.dimensions == ("campaign",)


@pytest.mark.parametrize("question, numerator, denominator", [
    ("revenue per click by channel", "revenue", "clicks"), ("conversions per impression", "conversions", "impressions"),
    ("revenue per click last month", "revenue", "clicks")])
def test_a_measure_per_a_rates_denominator_is_their_ratio(pipeline, question, numerator, denominator):
    """'per click' is how CPC is asked, but after revenue it divides revenue by clicks, not revenue beside CPC."""
    spec = pipeline.understand(question, None).interpretations[0].spec
    metric = spec.metrics[0]
    assert "cpc" not in spec.metrics, spec
    assert metric.startswith(numerator) and denominator in metric, spec


@pytest.mark.parametrize("question", ["Was there an increase in spend from April to May 2025?",
                                      "did revenue decrease from Q2 to Q3 2025", "clicks rose from June to August 2025",
                                      "how did conversions decline from march to may 2025"])
def test_a_change_between_periods_is_shown_period_by_period(pipeline, question):
    """'increase from April to May' compares the periods; one total over both would hide the change."""
    spec = pipeline.understand(question, None).interpretations[0].spec
    assert any(d in ("month", "week", "quarter") or "month" in d for d in spec.dimensions) or spec.periods, spec

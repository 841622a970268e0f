"""Words that name no one figure offer each figure they could mean: 'biggest', 'most expensive', a share of what."""
from __future__ import annotations

import pytest


def _firsts(pipeline, question):
    found = pipeline.understand(question)
    assert found.interpretations, found.refusal
    return [i.spec.metrics[0] for i in found.interpretations]


@pytest.mark.parametrize("question", ["biggest campaigns in Q3 2025", "our largest channels", "main regions in 2024"])
def test_size_words_rank_by_each_size_figure(pipeline, question):
    assert _firsts(pipeline, question)[:3] == ["spend", "revenue", "impressions"]
    top = pipeline.understand(question).interpretations[0]
    assert top.spec.order_by and top.spec.order_by[0].descending  # ranked, never an alphabetical list


@pytest.mark.parametrize(("question", "lowest"), [("most expensive channel", False), ("the priciest campaign", False),
                                                  ("cheapest region", True)])
def test_cost_words_with_no_figure_offer_spend_and_cost_per_unit(pipeline, question, lowest):
    found = pipeline.understand(question).interpretations
    assert [i.spec.metrics[0] for i in found[:3]] == ["spend", "cpa", "cpc"]
    assert all(i.spec.order_by[0].descending is not lowest for i in found[:3])
    assert [i.distinction for i in found[:3]] == ["by Spend", "by CPA", "by CPC"]


@pytest.mark.parametrize("question", ["mobile's share this year", "what's the share of europe"])
def test_a_share_of_no_named_figure_offers_each_summed_figure(pipeline, question):
    found = pipeline.understand(question).interpretations
    assert {i.spec.metrics[0] for i in found} >= {"spend", "conversions", "revenue"}
    assert all(i.spec.part or i.spec.share for i in found)


def test_a_named_figure_keeps_one_reading(pipeline):
    assert _firsts(pipeline, "biggest campaigns by clicks") == ["clicks"]
    assert _firsts(pipeline, "most expensive channel per click")[0] == "cpc"


@pytest.mark.parametrize("question", ["ROI by channel in 2025", "return on investment by region"])
def test_roi_reads_as_roas_and_as_profit_on_spend(pipeline, question):
    found = pipeline.understand(question).interpretations
    assert [i.spec.metrics[0] for i in found[:2]] == ["roas", "roi"]
    assert found[1].distinction.startswith("as ROI: ")
    answer = pipeline.answer(found[1])
    row = dict(zip(answer.result.columns, answer.result.rows[0], strict=True))
    assert row["roi"] == pytest.approx((row["revenue"] - row["spend"]) / row["spend"])


@pytest.mark.parametrize("question", ["how many youtube campaigns do we have", "how many campaigns are there"])
def test_a_count_in_the_present_is_every_one_or_only_the_live_ones(pipeline, question):
    first, second = pipeline.understand(question).interpretations[:2]
    assert all(f.dimension != "status" for f in first.spec.filters)
    assert any(f.dimension == "status" and f.values == ("active",) for f in second.spec.filters)
    assert second.distinction == "only the active ones"


@pytest.mark.parametrize("question", ["How many active campaigns do we have?", "how many campaigns spent over 10k "
                                      "last month", "number of campaigns by channel"])
def test_a_count_with_its_status_named_or_in_the_past_has_no_live_reading(pipeline, question):
    assert all(i.distinction != "only the active ones" for i in pipeline.understand(question).interpretations)


@pytest.mark.parametrize("question", ["which channel converts best", "which region converted best in 2024"])
def test_a_rate_named_by_a_verb_also_reads_as_its_count(pipeline, question):
    assert _firsts(pipeline, question)[:2] == ["conversion_rate", "conversions"]


def test_a_rate_named_as_a_rate_has_one_reading(pipeline):
    assert _firsts(pipeline, "conversion rate by channel") == ["conversion_rate"]

"""Well-known metrics a dataset does not hold are refused, naming the metric and what the data holds instead;
where the dataset has the metric, or the words are its own values, the question is answered."""
from __future__ import annotations

import pytest

from query_engine.interpret.question_lexicon import known_metrics
from tests.tiny_exports import opened_exports

FILES = {
    "search": (["Campaign", "Ad group", "Keyword", "Day", "Impressions", "Clicks", "Cost", "Conversions",
                "Conv. value"],
               [("Search - Brand", "Brand", "acme boots"), ("Search - Generic", "Boots", "hiking boots")],
               [900, 40, 55.5, 3, 210.25]),
    "social": (["Campaign name", "Ad group name", "Date", "Amount spent", "Impressions", "Reach", "Saves",
                "Video views", "Likes"],
               [("Spring - Awareness", "Broad"), ("Spring - Retargeting", "Visitors")],
               [120.5, 5000, 3000, 60, 800, 90]),
    "pins": (["Campaign name", "Ad group name", "Date", "Spend", "Impressions", "Pin clicks", "Checkouts",
              "Total order value"],
             [("Home Refresh", "Kitchen Pins - Interests"), ("Catalog", "Shopping - All")],
             [80.5, 7000, 90, 4, 310.75]),
    "display": (["Line Item", "Line Item Type", "Date", "Impressions", "Clicks", "Total Conversions", "Media Cost"],
                [("CTV - Households", "Video"), ("Prospecting - Banners", "Display")],
                [20000, 30, 2, 150.5]),
    "sponsored": (["Campaign Name", "Date", "Impressions", "Clicks", "Spend", "7 Day Total Sales",
                   "7 Day Total Orders (#)"],
                  [("SP_Auto_Kettles",), ("SP_Exact_Hero",)],
                  [3000, 25, 20.5, 140.25, 4]),
    "shop": (["Channel", "Country", "Date", "Sessions", "Orders", "Net sales"],
             [("Organic Search", "Germany"), ("Paid Search", "Austria"), ("Email", "Germany")],
             [150, 6, 240.5]),
    "traffic": (["Channel group", "Source / medium", "Date", "Sessions", "Engaged sessions", "Total revenue"],
                [("Email", "klaviyo / email"), ("Organic Search", "google / organic")],
                [400, 250, 610.5]),
    "visits": (["Channel group", "Date", "Sessions", "Total revenue"],
               [("Email",), ("Organic Search",)],
               [400, 610.5]),
    "reach_named": (["Campaign", "Date", "Spend", "Impressions", "Clicks"],
                    [("Reach - Prospecting",), ("Retargeting",)],
                    [70.5, 6000, 50]),
}


@pytest.fixture(scope="module")
def opened(tmp_path_factory):
    """Each tiny export opened as an upload, once per module."""
    with opened_exports(tmp_path_factory.mktemp("exports"), FILES) as pipelines:
        yield pipelines


def _refusal(opened, file, question):
    return opened[file].understand(question, None).refusal


@pytest.mark.parametrize("file, question, metric", [
    ("search", "search impression share by campaign", "impression share"),
    ("search", "what's the impr. share of the brand campaign?", "impression share"),
    ("search", "reach by ad group last week", "reach"),
    ("search", "how many video views did we get", "video views"),
    ("search", "lost impression share for hiking boots", "impression share"),
    ("pins", "how many saves did our pins get", "saves"),
    ("pins", "save rate by ad group", "saves"),
    ("pins", "which campaign got the most likes?", "likes"),
    ("display", "how many video completions did the video line item get", "video completions"),
    ("display", "completion rate by line item", "video completions"),
    ("display", "thruplays by line item", "ThruPlays"),
    ("display", "views at 75% for CTV", "video quartiles"),
    ("sponsored", "What's our TaCoS, i.e. ad spend as a share of total sales including organic?", "TACoS"),
    ("sponsored", "organic sales by campaign", "organic sales"),
    ("sponsored", "new to brand orders by campaign", "new-to-brand sales"),
    ("traffic", "How many new users came from email?", "new users"),
    ("traffic", "pageviews by channel group", "page views"),
    ("visits", "bounce rate by channel group", "bounce rate"),
    ("shop", "followers gained in march", "follows"),
    ("display", "ROAS by line item", "ROAS"),
    ("display", "revenue for the video line items", "revenue"),
    ("traffic", "impressions and clicks by channel group", "impressions"),
    ("traffic", "how much did we spend on email?", "spend"),
    ("shop", "quality score by channel", "quality score"),
])
def test_absent_metric_is_refused_by_name(opened, file, question, metric):
    refusal = _refusal(opened, file, question)
    assert refusal is not None, question
    assert f"has no {metric}" in refusal.reason, refusal.reason
    assert "identify individual people" not in refusal.reason


@pytest.mark.parametrize("file, question, holds", [
    ("search", "search impression share by campaign", ("Clicks", "Impressions", "campaign", "keyword")),
    ("pins", "how many saves did our pins get", ("Checkouts", "Spend", "ad group")),
    ("traffic", "new users by channel group", ("Sessions", "Engaged sessions", "channel")),
])
def test_refusal_says_what_the_data_holds_and_suggests_answerable_questions(opened, file, question, holds):
    refusal = _refusal(opened, file, question)
    assert refusal is not None and all(word in refusal.reason for word in holds), refusal.reason
    assert "(as reported" not in refusal.reason and len(refusal.suggestions) >= 2
    for suggestion in refusal.suggestions:
        understanding = opened[file].understand(suggestion, None)
        assert understanding.refusal is None and understanding.interpretations, suggestion


@pytest.mark.parametrize("file, question, metric", [
    ("social", "which ad group got the most saves", "saves"),
    ("social", "saves by campaign", "saves"),
    ("social", "video views by ad group last week", "video_views"),
    ("social", "reach by campaign", "reach"),
    ("social", "total likes", "likes"),
    ("pins", "pin clicks by ad group", "clicks"),
    ("traffic", "sessions by channel group", "sessions"),
    ("pins", "CTR by ad group", "ctr"),
    ("sponsored", "ROAS by campaign", "roas"),
    ("sponsored", "ACOS by campaign", "acos"),
])
def test_metric_the_dataset_holds_is_answered(opened, file, question, metric):
    understanding = opened[file].understand(question, None)
    assert understanding.refusal is None, understanding.refusal
    assert metric in understanding.interpretations[0].spec.metrics


@pytest.mark.parametrize("file, question", [
    ("traffic", "bounce rate by channel group"),  # computed from engaged sessions and sessions
    ("shop", "organic sales by country"),  # "organic" is a channel's word, sales a metric the data has
    ("reach_named", "spend of the reach campaign"),  # "reach" is part of a campaign's name
    ("reach_named", "did clicks reach 100 last week"),  # a verb
    ("search", "when did spend reach $100?"),
    ("display", "clicks for video line items"),  # "video" is a line item type, clicks a metric it has
])
def test_words_the_dataset_reads_otherwise_are_not_refused_as_absent(opened, file, question):
    refusal = _refusal(opened, file, question)
    assert refusal is None or "has no" not in refusal.reason.split(".")[0], refusal.reason


def test_saves_as_a_verb_is_no_metric(opened):
    refusal = _refusal(opened, "pins", "which campaign saves the most money")
    assert refusal is None or "has no saves" not in refusal.reason


# What the sponsored-products file holds, by the lexicon's names; computed ones need inputs it lacks.
SPONSORED_HOLDS = {"Spend", "Impressions", "Clicks", "Revenue", "CTR", "CPC", "CPM", "CPA", "ROAS", "ACOS", "AOV",
                   "Conversion rate"}
COMPUTED = {"Frequency", "Cost per view", "View rate", "Bounce rate"}


def test_every_known_metric_phrase_is_refused_where_absent_and_answered_where_held(opened):
    """Each phrase of the lexicon, asked of one file: refused by name when the file lacks the metric, not refused
    as absent when the file holds it."""
    pipeline = opened["sponsored"]
    wrong = []
    for words, metric in known_metrics().items():
        if metric.label in COMPUTED:
            continue
        refusal = pipeline.understand(f"{' '.join(words)} by campaign", None).refusal
        refused = refusal is not None and "has no" in refusal.reason
        if refused != (metric.label not in SPONSORED_HOLDS):
            wrong.append(" ".join(words))
    assert not wrong, wrong

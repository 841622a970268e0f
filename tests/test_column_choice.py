"""Which column a figure is read from: 'Results' counts a different thing per objective, so a file's Purchases or
Orders column is its conversions; a bounce rate is one minus a session engagement rate, never one minus
engagements per impression."""
from __future__ import annotations

import pytest

from tests.tiny_exports import open_export, opened_exports, write_export

FILES = {
    "x_ads": (["Campaign name", "Date", "Results", "Impressions", "Engagements", "Engagement rate", "Link clicks",
               "Spend", "Purchases", "Purchase value"],
              [("DE_Conversions",), ("AT_Followers",)], [400, 9000, 120, 0.013, 60, 45.5, 2, 120.25]),
    "results_only": (["Campaign name", "Date", "Results", "Impressions", "Link clicks", "Spend"],
                     [("Spring",), ("Summer",)], [12, 9000, 60, 45.5]),
    "ga4_export": (["Session default channel group", "Date", "Sessions", "Engaged sessions", "Engagement rate"],
                   [("Email",), ("Organic Search",)], [400, 250, 0.62]),
}


@pytest.fixture(scope="module")
def exports(tmp_path_factory):
    with opened_exports(tmp_path_factory.mktemp("choice"), FILES) as pipelines:
        yield pipelines


@pytest.mark.parametrize("question", ["conversions by campaign", "cost per purchase by campaign", "cpa by campaign"])
def test_purchases_beat_results_as_the_conversions(exports, question):
    pipeline = exports["x_ads"]
    understanding = pipeline.understand(question, None)
    assert understanding.refusal is None, understanding.refusal
    spec = understanding.interpretations[0].spec
    columns = {pipeline.model.metrics[m].column for m in spec.metrics}
    assert "Purchases" in columns and "Results" not in columns, columns


def test_results_alone_are_still_the_conversions(exports):
    pipeline = exports["results_only"]
    spec = pipeline.understand("conversions by campaign", None).interpretations[0].spec
    assert pipeline.model.metrics[spec.metrics[0]].column == "Results", spec


def test_results_asked_by_name_are_the_results_column(exports):
    pipeline = exports["x_ads"]
    spec = pipeline.understand("results by campaign", None).interpretations[0].spec
    assert pipeline.model.metrics[spec.metrics[0]].column == "Results", spec


def test_no_bounce_rate_from_engagements_per_impression(exports):
    assert "bounce_rate" not in exports["x_ads"].model.metrics
    refusal = exports["x_ads"].understand("what's our bounce rate", None).refusal
    assert refusal is not None and "no bounce rate" in refusal.reason, refusal


def test_a_session_engagement_rate_gives_a_bounce_rate(exports):
    understanding = exports["ga4_export"].understand("bounce rate by channel", None)
    assert understanding.refusal is None, understanding.refusal
    assert understanding.interpretations[0].spec.metrics[0] == "bounce_rate"


def test_another_platform_is_named_with_the_right_article(tmp_path):
    path = write_export(tmp_path, "x_ads_report", ["Campaign name", "Date", "Spend", "Impressions"],
                        [("Brand",), ("Promo",)], [45.5, 9000])
    pipeline = open_export(tmp_path / "home", path)
    try:
        refusal = pipeline.understand("facebook spend last week", None).refusal
    finally:
        pipeline.close()
    assert refusal is not None and "This data is an X export" in refusal.reason, refusal

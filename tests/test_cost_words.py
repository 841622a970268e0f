"""Asked with no figure, what a thing costs is the cost measure ranked ('the most expensive campaign', 'the cheapest
ad group'); with a figure, the cost words divide it ('cheapest per conversion'). Misspelt domain words are
corrected into the lexicon's words ('age gruop'), so a grouping the data has is not refused for a typo."""
from __future__ import annotations

import pytest

from tests.tiny_exports import open_export, write_export

HEADER = ["Campaign", "Ad group", "Age", "Date", "Impressions", "Clicks", "Conversions", "Cost"]
GROUPS = [("Brand", "Exact", "18-24"), ("Generic", "Broad", "25-34"), ("Competitor", "Phrase", "35-44")]


@pytest.fixture(scope="module")
def search(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cost")
    pipeline = open_export(folder / "home", write_export(folder, "search_report", HEADER, GROUPS, [900, 30, 2, 41.5]))
    yield pipeline
    pipeline.close()


def _spec(pipeline, question):
    understanding = pipeline.understand(question, None)
    assert understanding.refusal is None, understanding.refusal
    return understanding.interpretations[0].spec


@pytest.mark.parametrize("question, dimension, descending", [
    ("which campaign is the most expensive", "campaign", True), ("the priciest ad group", "ad_group", True),
    ("costliest campaign", "campaign", True), ("which ad group is cheapest", "ad_group", False),
    ("the least expensive campaign", "campaign", False)])
def test_cost_words_alone_rank_by_spend(search, question, dimension, descending):
    spec = _spec(search, question)
    assert spec.metrics[0] == "spend" and spec.dimensions == (dimension,), spec
    assert spec.order_by and spec.order_by[0].field == "spend" and spec.order_by[0].descending is descending, spec


def test_cost_words_with_a_figure_divide_it(search):
    spec = _spec(search, "which campaign is cheapest per conversion")
    assert spec.metrics[0] != "spend" and "spend" in spec.metrics[0].lower() or spec.metrics[0] == "cpa", spec


@pytest.mark.parametrize("question", ["ctr by age gruop", "clicks by age braket", "cost by age bnad",
                                      "impressions by age groups"])
def test_misspelt_domain_words_do_not_refuse_a_grouping_the_data_has(search, question):
    assert _spec(search, question).dimensions == ("age",)


@pytest.mark.parametrize("question, metric, descending", [
    ("which ad group got the cheapest clicks", "cpc", False),
    ("the most expensive conversions by campaign", "cpa", True),
    ("campaigns with the cheapest conversions", "cpa", False)])
def test_a_cost_word_before_a_counted_figure_is_its_cost_per_one(search, question, metric, descending):
    spec = _spec(search, question)
    assert spec.metrics[0] == metric, spec
    assert spec.order_by and spec.order_by[0].field == metric and spec.order_by[0].descending is descending, spec

"""The things a question ranks ('which pin', 'top 10 sites', 'which campaign spent most') name a grouping: where
the file lacks it, the question is refused by that name, never answered by filtering to a name that happens to
contain the word ('Kitchen Pins', 'Site Retargeting') or by an overall total."""
from __future__ import annotations

import pytest

from tests.tiny_exports import opened_exports

FILES = {
    "pinterest_ads": (["Campaign name", "Ad group name", "Date", "Impressions", "Pin clicks", "Spend"],
                      [("Home Refresh", "Kitchen Pins - Interests"), ("Dorm", "Dorm Essentials - Keywords")],
                      [900, 40, 55.5]),
    "dv360_report": (["Insertion Order", "Line Item", "Date", "Impressions", "Clicks", "Media Cost"],
                     [("IO Perf", "Site Retargeting - 30d"), ("IO Brand", "App Install - Video")], [1500, 30, 80.5]),
}


@pytest.fixture(scope="module")
def exports(tmp_path_factory):
    with opened_exports(tmp_path_factory.mktemp("ranked"), FILES) as pipelines:
        yield pipelines


@pytest.mark.parametrize("file, question, word", [
    ("pinterest_ads", "Which Pin had the most impressions?", "pin"),
    ("pinterest_ads", "which keyword drove the most pin clicks", "keyword"),
    ("pinterest_ads", "top 5 keywords by spend", "keywords"),
    ("dv360_report", "top 10 sites by impressions", "sites"),
    ("dv360_report", "which apps got the most clicks", "apps"),
    ("dv360_report", "best videos by clicks", "videos"),
    ("dv360_report", "which campaign spent the most", "campaign"),
    ("dv360_report", "which ad group had the most clicks", "ad group")])
def test_a_ranked_thing_the_file_lacks_is_refused_by_its_name(exports, file, question, word):
    refusal = exports[file].understand(question, None).refusal
    assert refusal is not None and f"no '{word}' to group by" in refusal.reason.lower(), refusal


@pytest.mark.parametrize("file, question, value", [
    ("pinterest_ads", "spend for Kitchen Pins - Interests", "Kitchen Pins - Interests"),
    ("pinterest_ads", "impressions of the keywords ad group", "Dorm Essentials - Keywords"),
    ("dv360_report", "clicks on site retargeting", "Site Retargeting - 30d")])
def test_the_same_words_elsewhere_still_name_the_files_own_things(exports, file, question, value):
    understanding = exports[file].understand(question, None)
    assert understanding.refusal is None, understanding.refusal
    assert any(value in f.values for f in understanding.interpretations[0].spec.filters), \
        understanding.interpretations[0].spec


@pytest.mark.parametrize("question", ["which ad group had the most pin clicks", "top 3 campaigns by spend"])
def test_a_ranked_thing_the_file_has_groups_by_it(exports, question):
    spec = exports["pinterest_ads"].understand(question, None).interpretations[0].spec
    assert spec.dimensions, spec

"""Words that trigger a refusal in one use are answered in another: 'the most active' is busy, not a status;
'competitor keywords' of a file with a 'Competitor Terms' ad group is that ad group; 'by start date' qualifies the
date the file is by."""
from __future__ import annotations

import pytest

from tests.tiny_exports import open_export, write_export

HEADER = ["Campaign", "Ad group", "Start Date", "Impressions", "Clicks", "Cost"]
GROUPS = [("Search - Competitors", "Competitor Terms"), ("Search - Brand", "Brand Terms")]


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    folder = tmp_path_factory.mktemp("near")
    pipeline = open_export(folder / "home", write_export(folder, "search_report", HEADER, GROUPS, [900, 40, 55.5]))
    yield pipeline
    pipeline.close()


@pytest.mark.parametrize("question", ["clicks by ad group, to see which are most active",
                                      "the more active ad groups by clicks", "monthly cost for competitor keywords",
                                      "clicks on competitor terms last week", "total cost by start date",
                                      "impressions by launch date"])
def test_near_misses_of_a_refusal_are_answered(report, question):
    refusal = report.understand(question, None).refusal
    assert refusal is None, (question, refusal)


@pytest.mark.parametrize("question, phrase", [("which campaigns are active", "no delivery status"),
                                              ("how do we compare with our rivals", "nothing about")])
def test_the_refusals_themselves_still_hold(report, question, phrase):
    refusal = report.understand(question, None).refusal
    assert refusal is not None and phrase in refusal.reason, refusal

"""A breakdown value the file holds nowhere ('iOS vs Android', 'Pangle vs TikTok placement', 'male vs female') is
refused with the breakdown the data lacks, never answered as a total; a value the file holds, as a value or as a
word inside a name ('App Installs - iOS'), is answered."""
from __future__ import annotations

import pytest

from tests.tiny_exports import open_export, opened_exports, write_export

FILES = {
    "snapchat_ads": (["Campaign Name", "Date", "Impressions", "Swipe Ups", "Spend"],
                     [("App Installs - iOS",), ("Gen Z Awareness",)], [900, 40, 120.5]),
    "meta_breakdown": (["Campaign name", "Placement", "Device platform", "Day", "Impressions", "Amount spent"],
                       [("Spring", "Feed", "Mobile"), ("Spring", "Stories", "Desktop")], [900, 55.5]),
}


@pytest.fixture(scope="module")
def exports(tmp_path_factory):
    with opened_exports(tmp_path_factory.mktemp("breakdowns"), FILES) as pipelines:
        yield pipelines


@pytest.mark.parametrize("question, breakdown", [
    ("iOS vs Android swipe ups", "operating system"), ("spend on mobile vs desktop", "device"),
    ("male vs female impressions", "gender"), ("how much went to reels", "placement"),
    ("audience network spend last week", "placement"), ("tablet impressions", "device")])
def test_a_breakdown_value_the_file_holds_nowhere_is_refused(exports, question, breakdown):
    refusal = exports["snapchat_ads"].understand(question, None).refusal
    assert refusal is not None and f"no {breakdown} to split by" in refusal.reason, refusal


@pytest.mark.parametrize("file, question", [
    ("snapchat_ads", "ios swipe ups"), ("meta_breakdown", "spend on mobile vs desktop"),
    ("meta_breakdown", "stories impressions"), ("meta_breakdown", "feed vs stories spend")])
def test_a_value_the_file_holds_is_answered(exports, file, question):
    refusal = exports[file].understand(question, None).refusal
    assert refusal is None, refusal


@pytest.fixture(scope="module")
def audience(tmp_path_factory):
    folder = tmp_path_factory.mktemp("audience")
    header = ["Campaign name", "Gender", "Day", "Impressions", "Amount spent", "Purchases"]
    pipeline = open_export(folder / "home", write_export(folder, "meta_ads", header,
                                                         [("Spring", "male"), ("Spring", "female")], [900, 55.5, 3]))
    yield pipeline
    pipeline.close()


@pytest.mark.parametrize("question", ["how many purchases came from male users",
                                      "impressions among female users last week", "spend for male users"])
def test_users_of_a_breakdown_value_are_that_segment_not_the_users_metric(audience, question):
    understanding = audience.understand(question, None)
    assert understanding.refusal is None, understanding.refusal
    assert any(f.dimension == "gender" for f in understanding.interpretations[0].spec.filters), \
        understanding.interpretations[0].spec


@pytest.mark.parametrize("question", ["how many users", "male users last week"])
def test_users_asked_as_the_figure_are_still_refused(audience, question):
    refusal = audience.understand(question, None).refusal
    assert refusal is not None and "no users" in refusal.reason, refusal

"""A breakdown value the file holds nowhere ('iOS vs Android', 'Pangle vs TikTok placement', 'male vs female') is
refused with the breakdown the data lacks, never answered as a total; a value the file holds, as a value or as a
word inside a name ('App Installs - iOS'), is answered."""
from __future__ import annotations

import pytest

from tests.tiny_exports import open_export, write_export

FILES = {
    "snapchat_ads": (["Campaign Name", "Date", "Impressions", "Swipe Ups", "Spend"],
                     [("App Installs - iOS",), ("Gen Z Awareness",)], [900, 40, 120.5]),
    "meta_breakdown": (["Campaign name", "Placement", "Device platform", "Day", "Impressions", "Amount spent"],
                       [("Spring", "Feed", "Mobile"), ("Spring", "Stories", "Desktop")], [900, 55.5]),
}


@pytest.fixture(scope="module")
def exports(tmp_path_factory):
    folder = tmp_path_factory.mktemp("breakdowns")
    pipelines = {name: open_export(folder / f"home-{name}", write_export(folder, name, *spec))
                 for name, spec in FILES.items()}
    yield pipelines
    for pipeline in pipelines.values():
        pipeline.close()


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

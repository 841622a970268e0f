"""An attribution window the export's headers do not name ('7-day click conversions' of a TikTok report, '14 day
sales' of a 7-day Amazon report) is refused by name; a window the headers name is answered, and a period of days
('the last 7 days') is no window at all."""
from __future__ import annotations

import pytest

from tests.tiny_exports import opened_exports

FILES = {
    "tiktok_ads": (["Campaign name", "Date", "Impressions", "Clicks", "Cost", "Conversions"],
                   [("Spring",), ("Summer",)], [900, 40, 55.5, 3]),
    "sponsored_products": (["Campaign Name", "Date", "Impressions", "Clicks", "Spend", "7 Day Total Sales",
                            "7 Day Total Orders (#)"], [("SP_Auto",), ("SP_Exact",)], [3000, 25, 20.5, 140.25, 4]),
}


@pytest.fixture(scope="module")
def exports(tmp_path_factory):
    with opened_exports(tmp_path_factory.mktemp("windows"), FILES) as pipelines:
        yield pipelines


@pytest.mark.parametrize("file, question", [
    ("tiktok_ads", "What were the 7-day click conversions by campaign?"), ("tiktok_ads", "28 day swipe purchases"),
    ("tiktok_ads", "view-through conversions by campaign"), ("tiktok_ads", "1 day view conversions last week"),
    ("sponsored_products", "14 day sales by campaign"), ("sponsored_products", "30-day click orders"),
    ("sponsored_products", "view through conversions")])
def test_a_window_the_headers_do_not_name_is_refused(exports, file, question):
    refusal = exports[file].understand(question, None).refusal
    assert refusal is not None and "window" in refusal.reason and "will not relabel" in refusal.reason, refusal


@pytest.mark.parametrize("file, question", [
    ("sponsored_products", "7 day total sales by campaign"), ("sponsored_products", "7 day acos by campaign"),
    ("tiktok_ads", "clicks over the last 7 days"), ("tiktok_ads", "last 7 days clicks by campaign"),
    ("tiktok_ads", "spend in the past 14 days"), ("tiktok_ads", "click through rate by campaign")])
def test_a_window_the_headers_name_or_a_period_of_days_is_answered(exports, file, question):
    refusal = exports[file].understand(question, None).refusal
    assert refusal is None, refusal

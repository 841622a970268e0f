"""Questions an export cannot answer are refused with the reason, never answered as some other figure: a grouping the
file lacks ('spend by ad', 'spend by country'), an unknown figure ('story opens by campaign'), another platform than
the file's own ('facebook spend' in a Snapchat report), people one by one ('spend by user') and competitors. The
same files still answer the near misses ('cost per lead', 'spend on the app installs campaign', 'youtube line item')."""
from __future__ import annotations

import shutil

import pytest

from tests.tiny_exports import open_export, write_export

SNAP = (["Campaign Name", "Ad Squad Name", "Date", "Impressions", "Swipe Ups", "Spend"],
        [("App Installs - iOS", "Squad A"), ("Gen Z Awareness", "Squad B")], [900, 40, 120.5])
DV360 = (["Insertion Order", "Line Item", "Date", "Impressions", "Clicks", "Revenue (Adv Currency)"],
         [("IO Brand", "YouTube - Brand TrueView"), ("IO Perf", "Display - Prospecting")], [1500, 30, 210.25])
LEADS = (["Campaign", "Date", "Impressions", "Clicks", "Leads", "Spend"],
         [("Spring Leads",), ("Webinar",)], [800, 25, 4, 95.5])
TRAFFIC = (["Default channel group", "Date", "Total users", "Sessions", "Conversions"],
           [("Organic Search",), ("Paid Social",)], [320, 400, 12])
OWN_PLATFORM_TEXT = "This data is a Snapchat export"


@pytest.fixture(scope="module")
def exports(tmp_path_factory):
    """Each export opened once: the Snapchat one both under a name that says so and renamed to export.csv."""
    folder = tmp_path_factory.mktemp("exports")
    paths = {name: write_export(folder, name, header, groups, measures)
             for name, (header, groups, measures) in
             {"snapchat_ads_report": SNAP, "dv360_report": DV360, "leads": LEADS, "traffic": TRAFFIC}.items()}
    renamed = folder / "export.csv"
    shutil.copy(paths["snapchat_ads_report"], renamed)
    paths["export"] = renamed
    pipelines = {name: open_export(folder / f"home-{name}", path) for name, path in paths.items()}
    yield pipelines
    for pipeline in pipelines.values():
        pipeline.close()


def _refusal(exports, file, question):
    return exports[file].understand(question, None).refusal


@pytest.mark.parametrize("question", ["spend by country", "impressions per device", "clicks by gender",
                                      "spend across regions"])
def test_words_of_the_domain_are_not_corrected_into_other_words(exports, question):
    """'country' is not a misspelt 'count': a file without it says it has none."""
    refusal = _refusal(exports, "leads", question)
    assert refusal is not None and "group by" in refusal.reason, refusal


@pytest.mark.parametrize("question", ["spend by ad", "clicks per ad", "impressions for each ad"])
def test_a_grouping_the_file_lacks_is_refused_not_totalled(exports, question):
    refusal = _refusal(exports, "leads", question)
    assert refusal is not None and "'ad'" in refusal.reason, refusal


@pytest.mark.parametrize("question", ["story opens by campaign", "how many story opens did we get",
                                      "total lens plays per campaign", "number of filter views"])
def test_an_unknown_figure_is_refused_not_listed(exports, question):
    refusal = _refusal(exports, "snapchat_ads_report", question)
    assert refusal is not None, question


def test_a_known_metric_asked_as_the_figure_is_refused_even_inside_a_campaign_name(exports):
    """'installs' is part of the campaign 'App Installs - iOS'; asked as the figure, it is a metric the file lacks."""
    for question in ("how many installs by campaign", "total installs last week"):
        refusal = _refusal(exports, "snapchat_ads_report", question)
        assert refusal is not None and "install" in refusal.reason.lower(), (question, refusal)
    understanding = exports["snapchat_ads_report"].understand("spend on the app installs campaign", None)
    assert understanding.refusal is None
    assert any("App Installs - iOS" in f.values for f in understanding.interpretations[0].spec.filters)


@pytest.mark.parametrize("file", ["snapchat_ads_report", "export"])
@pytest.mark.parametrize("question", ["how much did we spend on facebook", "instagram impressions last week",
                                      "compare tiktok and snapchat swipe ups", "google ads clicks by campaign"])
def test_another_platform_than_the_files_own_is_refused(exports, file, question):
    """The file's platform comes from its name, or from headers only Snapchat writes when it is named export.csv."""
    refusal = _refusal(exports, file, question)
    assert refusal is not None and OWN_PLATFORM_TEXT in refusal.reason, refusal


@pytest.mark.parametrize("question", ["snapchat spend by campaign", "swipe ups on snap last week"])
def test_the_files_own_platform_is_answered(exports, question):
    assert _refusal(exports, "snapchat_ads_report", question) is None


def test_a_platform_word_inside_the_files_own_names_is_that_name(exports):
    """'youtube' is a DV360 line item here, not a YouTube export asked of a DV360 file."""
    understanding = exports["dv360_report"].understand("impressions for the youtube line item", None)
    assert understanding.refusal is None, understanding.refusal
    assert _refusal(exports, "dv360_report", "facebook impressions by line item") is not None


@pytest.mark.parametrize("question", ["spend by user", "clicks for each customer", "which users clicked the most",
                                      "list the customers who converted", "show me the buyers who converted",
                                      "our twitter handles with the most clicks"])
def test_people_one_by_one_are_refused(exports, question):
    refusal = _refusal(exports, "leads", question)
    assert refusal is not None and "individual people" in refusal.reason, refusal


@pytest.mark.parametrize("file, question", [("leads", "cost per lead by campaign"), ("leads", "how many leads"),
                                            ("traffic", "conversion rate by channel group"),
                                            ("traffic", "total users by channel group"),
                                            ("traffic", "users per session by channel group")])
def test_aggregate_people_figures_are_answered(exports, file, question):
    assert _refusal(exports, file, question) is None


@pytest.mark.parametrize("question", ["how do we compare with our competitors", "what is our market share",
                                      "spend of our rivals"])
def test_competitors_are_off_topic(exports, question):
    refusal = _refusal(exports, "leads", question)
    assert refusal is not None and "nothing about" in refusal.reason, refusal


@pytest.mark.parametrize("question", [
    "bump squad A's budget to 500", "give Squad B more money", "scale up the best squad", "allocate $1000 to Squad A",
    "duplicate the best ad squad", "create a new campaign", "cancel the Gen Z Awareness campaign",
    "stop spending on Squad B", "make Squad B's bid higher", "lower Squad A's spend by half",
    "please put $500 into Squad A", "can you scale back the worst ad squad", "raise Gen Z Awareness's bids"])
def test_changes_to_a_platforms_settings_are_refused(exports, question):
    refusal = _refusal(exports, "snapchat_ads_report", question)
    assert refusal is not None and "only reads data" in refusal.reason, refusal


@pytest.mark.parametrize("question", [
    "create a chart of spend by week", "increase in spend last week", "give me spend by campaign",
    "make a table of impressions by ad squad", "increase in Squad A's spend", "spend this month by campaign",
    "add up spend by ad squad", "which squads should get more money"])
def test_questions_that_start_like_a_change_are_not_refused_as_one(exports, question):
    refusal = _refusal(exports, "snapchat_ads_report", question)
    assert refusal is None or "only reads data" not in refusal.reason, refusal


@pytest.mark.parametrize("question, word", [
    ("which lens performed best", "lens"), ("which creative did best", "creative"),
    ("cpm by campaign objective", "objective"), ("swipe ups by campaign type", "type"),
    ("spend per campaign format", "format")])
def test_a_grouping_named_after_which_or_after_a_known_grouping_is_refused_when_the_file_lacks_it(exports, question,
                                                                                                   word):
    refusal = _refusal(exports, "snapchat_ads_report", question)
    assert refusal is not None and f"'{word}' to group by" in refusal.reason, refusal


@pytest.mark.parametrize("question", ["which one had the best cpm", "which performed best last week",
                                      "spend of each one of our campaigns",
                                      "swipe ups by campaign name", "spend by ad squad overall"])
def test_plain_words_after_which_or_a_grouping_are_not_groupings(exports, question):
    assert _refusal(exports, "snapchat_ads_report", question) is None


@pytest.mark.parametrize("question", ["how many story opens did we get last week", "lens plays by campaign",
                                      "filter swipes by ad squad", "total screen time", "attachment conversions",
                                      "earned impressions by campaign", "outbound clicks by campaign"])
def test_platform_metrics_a_file_lacks_are_refused_not_read_as_a_near_one(exports, question):
    """'filter swipes' are not swipe ups and 'earned impressions' are not the file's impressions."""
    refusal = _refusal(exports, "snapchat_ads_report", question)
    assert refusal is not None and "This data has no" in refusal.reason, refusal


@pytest.mark.parametrize("question", ["paid impressions last week", "swipe ups by ad squad",
                                      "which campaign opens the most"])
def test_the_files_own_metrics_stay_answered_beside_platform_metric_names(exports, question):
    refusal = _refusal(exports, "snapchat_ads_report", question)
    assert refusal is None or "This data has no" not in refusal.reason, refusal

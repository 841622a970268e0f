"""A delivery status, a budget or a conversion rate asked of an export that records none is refused by name, never
answered as a list of every row, as spend or as plain conversions. The same words are answered where the file
holds them: a 'Campaign state' column's values, a 'Budget' column, or clicks to divide conversions by."""
from __future__ import annotations

import pytest

from tests.tiny_exports import open_export, opened_exports, write_export

FILES = {
    "snapchat_ads_report": (["Campaign Name", "Ad Squad Name", "Date", "Impressions", "Swipe Ups", "Spend",
                             "Purchases"],
                            [("Gen Z Awareness", "Squad A"), ("Summer Push", "Squad B")], [900, 40, 120.5, 3]),
    "search_report": (["Campaign", "Campaign state", "Date", "Impressions", "Clicks", "Cost", "Conversions",
                       "Budget"],
                      [("Brand", "Enabled"), ("Generic", "Paused")], [900, 40, 55.5, 3, 80.0]),
    "home_report": (["Campaign", "Ad group", "Date", "Impressions", "Clicks", "Cost"],
                    [("Generic - Bedding", "Sheets"), ("Generic - Bath", "Towels")], [900, 40, 55.5]),
}


@pytest.fixture(scope="module")
def exports(tmp_path_factory):
    with opened_exports(tmp_path_factory.mktemp("states"), FILES) as pipelines:
        yield pipelines


def _understand(exports, file, question):
    return exports[file].understand(question, None)


@pytest.mark.parametrize("question", ["which campaigns are active", "list paused ad squads",
                                      "how many campaigns are enabled", "which ads were rejected",
                                      "spend for active campaigns last week", "status of each campaign"])
def test_a_status_the_file_does_not_record_is_refused(exports, question):
    refusal = _understand(exports, "snapchat_ads_report", question).refusal
    assert refusal is not None and "no delivery status" in refusal.reason, refusal


@pytest.mark.parametrize("question, value", [("spend for paused campaigns", "Paused"),
                                             ("how many campaigns are enabled", "Enabled")])
def test_a_status_the_file_records_filters_by_its_values(exports, question, value):
    understanding = _understand(exports, "search_report", question)
    assert understanding.refusal is None, understanding.refusal
    spec = understanding.interpretations[0].spec
    assert any(value in f.values for f in spec.filters), spec


@pytest.mark.parametrize("question", ["active users by campaign", "spend by campaign"])
def test_metric_names_with_a_status_word_are_not_a_status(exports, question):
    refusal = _understand(exports, "snapchat_ads_report", question).refusal
    assert refusal is None or "no delivery status" not in refusal.reason, refusal


@pytest.mark.parametrize("question", ["spend vs budget by campaign", "budget remaining by ad squad",
                                      "which campaign has the biggest budget", "daily budget per campaign"])
def test_a_budget_the_file_lacks_is_refused_not_read_as_spend(exports, question):
    refusal = _understand(exports, "snapchat_ads_report", question).refusal
    assert refusal is not None and "no budget" in refusal.reason, refusal


def test_a_budget_column_is_answered(exports):
    understanding = _understand(exports, "search_report", "budget by campaign")
    assert understanding.refusal is None, understanding.refusal
    assert "budget" in understanding.interpretations[0].spec.metrics[0].lower()


@pytest.mark.parametrize("question", ["conversion rate by campaign", "cvr by ad squad", "conv rate last week"])
def test_a_conversion_rate_without_clicks_is_refused_not_read_as_conversions(exports, question):
    refusal = _understand(exports, "snapchat_ads_report", question).refusal
    assert refusal is not None and "no conversion rate" in refusal.reason, refusal


@pytest.mark.parametrize("question", ["conversion rate by campaign", "cvr last week"])
def test_a_conversion_rate_with_clicks_is_the_ratio(exports, question):
    understanding = _understand(exports, "search_report", question)
    assert understanding.refusal is None, understanding.refusal
    assert "conversion" in understanding.interpretations[0].description.lower() and \
        "clicks" in understanding.interpretations[0].description.lower(), understanding.interpretations[0].description


@pytest.mark.parametrize("question", ["cpc for each ad group in the Generic - Bedding campaign",
                                      "clicks for bedding", "spend of the generic bedding campaign"])
def test_a_word_of_the_files_own_names_is_never_corrected_into_a_lexicon_word(exports, question):
    """'Bedding' is a campaign's word, not a misspelt 'pending' (a status word)."""
    understanding = _understand(exports, "home_report", question)
    assert understanding.refusal is None, understanding.refusal
    filters = understanding.interpretations[0].spec.filters
    assert [f.values for f in filters] == [("Generic - Bedding",)] or \
        [list(f.values) for f in filters] == [["Generic - Bedding"]], filters


@pytest.fixture(scope="module")
def two_results(tmp_path_factory):
    """Purchases and sign-ups side by side, as a Reddit export has them: both read as conversions."""
    folder = tmp_path_factory.mktemp("results")
    header = ["Campaign Name", "Date", "Impressions", "Clicks", "Spend", "Purchase (Click)", "Sign Up (Click)"]
    pipeline = open_export(folder / "home", write_export(folder, "reddit_ads", header, [("Brand",), ("Retarget",)],
                                                         [900, 40, 55.5, 3, 8]))
    yield pipeline
    pipeline.close()


@pytest.mark.parametrize("question", ["how many sign ups per campaign", "signups by campaign", "sign up by campaign",
                                      "total signups last week"])
def test_a_columns_own_header_words_beat_a_borrowed_synonym(two_results, question):
    """'signups' is a demo synonym of conversions, but this file's 'Sign Up (Click)' column says it itself."""
    understanding = two_results.understand(question, None)
    assert understanding.refusal is None, understanding.refusal
    metric = two_results.model.metrics[understanding.interpretations[0].spec.metrics[0]]
    assert metric.column == "Sign_Up_Click", metric


def test_the_other_column_keeps_its_own_words(two_results):
    spec = two_results.understand("purchases by campaign", None).interpretations[0].spec
    assert two_results.model.metrics[spec.metrics[0]].column == "Purchase_Click", spec


@pytest.mark.parametrize("question", ["show the auction insights for our campaigns",
                                      "what's the audience overlap between Gen Z Awareness and Summer Push",
                                      "overlap rate with competitors", "outranking share by campaign"])
def test_what_no_export_holds_is_refused_even_beside_the_files_own_names(exports, question):
    refusal = _understand(exports, "snapchat_ads_report", question).refusal
    assert refusal is not None and "nothing about" in refusal.reason, refusal


@pytest.mark.parametrize("word", ["projected", "improved", "disproved", "enabler"])
def test_status_words_are_never_a_spelling_correction(exports, word):
    """'projected' is no misspelt 'rejected', nor 'improved' an 'approved'."""
    from query_engine.interpret.question_text import Token

    vocabulary = exports["snapchat_ads_report"].context.vocabulary
    assert vocabulary.correct(Token(word, word, 0)).key == word

"""The question side on uploaded exports: a dataset's own names, personal data, platform names, suggestions."""
from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from query_engine import cli
from query_engine.interpret.readings import build_context, interpret
from query_engine.interpret.refusals import suggestions
from query_engine.interpret.suggestions import example_questions
from query_engine.semantics.model import load_semantic_model
from query_engine.semantics.profile import profile_database
from query_engine.sql.compiler import compile_spec

EXPORTS = Path(__file__).resolve().parent / "fixtures" / "exports"
FILES = {"ga4": "ga4_traffic_acquisition.csv", "meta": "meta_ads_manager_export.csv",
         "tiktok": "tiktok_ads_manager_report.csv", "linkedin": "linkedin_campaign_demographics.csv",
         "amazon": "amazon_sponsored_products_search_term_report.xlsx", "google": "google_ads_keyword_report.csv",
         "pinterest": "pinterest_ads_report.csv"}


@pytest.fixture(scope="module")
def opened(tmp_path_factory):
    """Each export opened as `ask --data FILE` opens it, once per module."""
    pipelines = {}
    home = tmp_path_factory.mktemp("uploads")
    settings = cli._settings({"CLARIFY_HOME": str(home), "LITELLM_OFFLINE_MODE": "true"})
    for key, file in FILES.items():
        args = argparse.Namespace(url=None, data=EXPORTS / file, dataset=None, replace=False, db=None)
        pipelines[key] = cli._open(settings, args)[0]
    yield pipelines
    for pipeline in pipelines.values():
        pipeline.close()


def _top(pipeline, question):
    understanding = pipeline.understand(question, None)
    assert understanding.refusal is None, (question, understanding.refusal)
    return understanding.interpretations[0].spec


@pytest.mark.parametrize("file, question, column_words", [
    ("ga4", "sessions by channel", "channel"),
    ("ga4", "revenue by session source", "source_medium"),
    ("linkedin", "clicks by job function", "job_function"),
    ("linkedin", "spend by seniority", "seniority"),
    ("linkedin", "impressions by company size", "company_size"),
    ("amazon", "clicks by search term", "search_term"),
    ("amazon", "spend by portfolio", "portfolio"),
    ("tiktok", "spend by country", "country"),
])
def test_head_word_finds_the_datasets_own_column(opened, file, question, column_words):
    spec = _top(opened[file], question)
    assert len(spec.dimensions) == 1 and column_words in spec.dimensions[0], spec.dimensions


@pytest.mark.parametrize("file, question, column", [
    ("meta", "ctr by age", "age"), ("meta", "spend by gender", "gender"),
    ("meta", "which age group spent most", "age"), ("linkedin", "leads by member job function", "job_function"),
])
def test_audience_breakdowns_are_answered_where_the_data_has_them(opened, file, question, column):
    assert any(column in d for d in _top(opened[file], question).dimensions)


@pytest.mark.parametrize("file, question", [
    ("tiktok", "spend by age"), ("linkedin", "break down spend by gender"), ("ga4", "sessions by age group"),
])
def test_audience_breakdowns_missing_get_the_no_such_grouping_refusal(opened, file, question):
    refusal = opened[file].understand(question, None).refusal
    assert refusal is not None and "to group by" in refusal.reason and "identify" not in refusal.reason


@pytest.mark.parametrize("file, question", [
    ("meta", "show me the email addresses of people who purchased"),
    ("linkedin", "give me the names of the people who filled in the lead form"),
    ("tiktok", "list the tiktok usernames that clicked"),
    ("amazon", "show me the customer names behind these orders"),
    ("ga4", "user ids of the people who purchased"),
    ("google", "phone numbers of our leads"),
])
def test_person_level_identifiers_are_refused(opened, file, question):
    refusal = opened[file].understand(question, None).refusal
    assert refusal is not None and "identify individual people" in refusal.reason


@pytest.mark.parametrize("file, question", [
    ("tiktok", "How much have we spent on TikTok in total?"), ("meta", "spend on meta"),
    ("meta", "facebook ads clicks by campaign"), ("linkedin", "what did we spend on linkedin"),
    ("pinterest", "pinterest impressions by campaign"), ("amazon", "amazon ads spend by campaign"),
])
def test_platform_of_the_file_is_scope_not_a_filter(opened, file, question):
    understanding = opened[file].understand(question, None)
    assert understanding.refusal is None
    assert not understanding.interpretations[0].spec.filters
    assert any("where this data comes from" in note for note in understanding.notes)


@pytest.mark.parametrize("question, values", [
    ("sessions from google", {"google / cpc", "google / organic"}),
    ("sessions from meta", {"facebook / paid", "instagram.com / referral"}),
    ("revenue from instagram", {"instagram.com / referral"}),
])
def test_platform_named_by_a_column_filters_it(opened, question, values):
    (only,) = _top(opened["ga4"], question).filters
    assert set(only.values) == values and only.op == "in"


def test_platform_missing_from_a_platform_column_is_not_dropped(tiny_context):
    understanding = interpret("spend on snapchat", tiny_context)
    assert understanding.refusal is not None


@pytest.fixture
def tiny_context(tiny_db):
    model = load_semantic_model()
    import duckdb

    with duckdb.connect(str(tiny_db), read_only=True) as con:
        return build_context(model, profile_database(con, model))


@pytest.mark.parametrize("file", sorted(FILES))
def test_every_suggestion_and_example_gets_a_runnable_reading(opened, file):
    pipeline = opened[file]
    questions = {*suggestions(pipeline.model), *example_questions(pipeline.model)}
    assert len(questions) >= 3
    for question in questions:
        understanding = pipeline.understand(question, None)
        assert understanding.refusal is None and understanding.interpretations, (question, understanding.refusal)
        compile_spec(understanding.interpretations[0].spec, pipeline.model)
        if not pipeline.model.time_column:
            assert not any(w in question.lower() for w in ("month", "year", "week", "trend")), question


def test_demo_suggestions_get_runnable_readings(tiny_context):
    for question in suggestions(tiny_context.model):
        understanding = interpret(question, tiny_context)
        assert understanding.refusal is None and understanding.interpretations, question
        assert not any(m.endswith("_count") for m in understanding.interpretations[0].spec.metrics), question

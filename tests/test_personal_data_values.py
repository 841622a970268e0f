"""A word that is a value of the dataset's own groupings ("Email" channel, "klaviyo / email") is that value, not a
person identifier; identifiers stay refused. The pipeline's refusal re-check judges with the dataset's own words."""
from __future__ import annotations

import pytest

from query_engine.interpret.refusals import refusal_for
from router import TaskType
from tests.test_llm_pipeline import FakeLLM, readings_json
from tests.tiny_exports import open_export, write_export

PERSONAL = "identify individual people"
FILES = {
    "traffic": (["Session primary channel group (Default Channel Group)", "Session source / medium", "Date",
                 "Sessions", "Engaged sessions", "Total revenue"],
                [("Email", "klaviyo / email"), ("Organic Search", "google / organic"), ("Paid Search", "google / cpc")],
                [300, 180, 420.5]),
    "shop": (["Channel", "Campaign", "Date", "Sessions", "Orders", "Net sales", "Ad spend"],
             [("Email", "Newsletter Spring"), ("Paid Social", "Spring Drop"), ("Paid Search", "Brand Search")],
             [150, 6, 240.5, 30.25]),
    "crm": (["Customer email", "Channel", "Date", "Orders", "Revenue"],
            [("anna@example.com", "Email"), ("ben@example.org", "Paid Search")],
            [2, 99.5]),
}


@pytest.fixture(scope="module")
def opened(tmp_path_factory):
    """Each tiny export opened as an upload, once per module."""
    folder = tmp_path_factory.mktemp("exports")
    pipelines = {name: open_export(folder / "home", write_export(folder, name, header, groups, measures))
                 for name, (header, groups, measures) in FILES.items()}
    yield pipelines
    for pipeline in pipelines.values():
        pipeline.close()


@pytest.mark.parametrize("file, question", [
    ("traffic", "How much revenue did email bring in in March?"),
    ("traffic", "sessions from email last week"),
    ("traffic", "email revenue by week"),
    ("traffic", "compare email and organic search sessions"),
    ("shop", "sessions and orders by campaign for email"),
    ("shop", "what did e-mail make in net sales?"),
    ("shop", "ROAS of the email channel"),
])
def test_channel_value_email_is_answered_as_that_value(opened, file, question):
    understanding = opened[file].understand(question, None)
    assert understanding.refusal is None, understanding.refusal
    filters = understanding.interpretations[0].spec.filters
    assert any("Email" in f.values or "klaviyo / email" in f.values for f in filters), filters


@pytest.mark.parametrize("file, question", [
    ("traffic", "email addresses of customers"),
    ("traffic", "list the emails of users who bought"),
    ("shop", "show me customer emails for the spring drop"),
    ("shop", "phone numbers of the people who ordered"),
    ("crm", "list the customer email of each order"),
    ("crm", "which customer emails came from paid search"),
])
def test_person_identifiers_stay_refused_beside_an_email_channel(opened, file, question):
    refusal = opened[file].understand(question, None).refusal
    assert refusal is not None and PERSONAL in refusal.reason, refusal


def test_new_users_from_email_is_refused_as_absent_not_as_personal(opened):
    refusal = opened["traffic"].understand("How many new users came from email?", None).refusal
    assert refusal is not None and "has no new users" in refusal.reason and PERSONAL not in refusal.reason


def test_value_words_are_read_with_the_datasets_vocabulary_only(opened):
    """Without the dataset's words the same question is judged by the model's person words alone."""
    pipeline = opened["traffic"]
    question = "How much revenue did email bring in?"
    assert refusal_for(question, pipeline.model, pipeline.context.vocabulary) is None
    refused = refusal_for(question, pipeline.model)
    assert refused is not None and PERSONAL in refused.reason


def _with_llm(pipeline):
    llm = FakeLLM().enqueue(TaskType.QUERY_INTERPRETATION, readings_json())
    pipeline.llm = llm
    return llm


def test_pipeline_recheck_lets_the_model_try_a_question_the_datasets_words_do_not_refuse(opened):
    """Offline the grouping is unknown (not final); with the demo's words 'email' would have read as personal."""
    pipeline = opened["traffic"]
    llm = _with_llm(pipeline)
    try:
        pipeline.understand("revenue from email by zodiac sign", None)
    finally:
        pipeline.llm = None
    assert [task for task, *_ in llm.calls] == [TaskType.QUERY_INTERPRETATION]


def test_pipeline_recheck_keeps_an_absent_metric_refusal_final(opened):
    pipeline = opened["shop"]
    llm = _with_llm(pipeline)
    try:
        understanding = pipeline.understand("how many saves did the spring drop get", None)
    finally:
        pipeline.llm = None
    assert understanding.refusal is not None and "has no saves" in understanding.refusal.reason
    assert llm.calls == []


@pytest.mark.parametrize("question", [
    "which ad copy has the best ctr", "spend by campaign in this export", "cost per install by campaign",
    "page load time by channel",
])
def test_engine_command_words_inside_a_question_are_no_change_to_data(opened, question):
    refusal = opened["shop"].understand(question, None).refusal
    assert refusal is None or "only reads data" not in refusal.reason, refusal.reason


@pytest.mark.parametrize("question", [
    "install httpfs", "COPY campaigns TO '/tmp/x.csv'", "please export the orders to a file", "pragma version",
    "attach '/tmp/x.db' as x", "then load httpfs",
])
def test_engine_commands_are_still_refused(opened, question):
    refusal = opened["shop"].understand(question, None).refusal
    assert refusal is not None and "only reads data" in refusal.reason, refusal

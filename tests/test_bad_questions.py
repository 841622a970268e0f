"""Bad questions get a clear message, never a traceback, and the engine keeps answering afterwards."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import PROJECT_ROOT

BAD_QUESTIONS = [
    "", "   ", "\n\t\r", "x" * 10_000, "spend " * 2_000, "\x00\x01\x02\x1b[31m", "\ufffd\ufffd\x7f\x80binary\x00junk",
    bytes(range(256)).decode("latin-1"), "🚀📈💸", "ما هو الإنفاق حسب القناة", "\u202espend by channel\u202c",
    "収益はいくらですか", "SELECT * FROM campaigns; DROP TABLE campaigns", "'; DROP TABLE campaign_daily; --",
    "{{7*7}} ${jndi:ldap://x} <script>alert(1)</script>", "../../etc/passwd",
]


@pytest.mark.parametrize("question", BAD_QUESTIONS, ids=range(len(BAD_QUESTIONS)))
def test_bad_question_gets_a_message_or_safe_readings(pipeline, question):
    understanding = pipeline.understand(question)
    if understanding.refusal:
        assert understanding.refusal.reason and understanding.refusal.suggestions
    for reading in understanding.interpretations:
        answer = pipeline.answer(reading)
        assert answer.error is None, answer.error
    after = pipeline.answer(pipeline.understand("spend by channel").interpretations[0])
    assert after.result is not None and len(after.result.rows) == 7


def test_bad_question_refusals_for_empty_and_huge(pipeline):
    assert "Type a question" in pipeline.understand("   ").refusal.reason
    assert "10,000 characters" in pipeline.understand("x" * 10_000).refusal.reason


@pytest.mark.parametrize("question", ["", "x" * 10_000, "\x00\x01binary", "🚀📈💸", "ما هو الإنفاق"])
def test_bad_question_cli_prints_json_without_traceback(tiny_db, clarify_home, question):
    env = {"PATH": "/usr/bin:/bin", "LITELLM_OFFLINE_MODE": "true", "CLARIFY_HOME": str(clarify_home)}
    command = [sys.executable, "-m", "query_engine", "ask", question.replace("\x00", ""),
               "--db", str(tiny_db), "--json"]
    proc = subprocess.run(command, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120, env=env)
    assert proc.returncode == 0 and "Traceback" not in proc.stderr
    out = json.loads(proc.stdout)
    assert out["refusal"] or out["interpretations"]


@pytest.mark.parametrize(("question", "shape"), [
    ("<script>alert('q2')</script>", "an HTML tag"), ("spend by channel</b>", "an HTML tag"),
    ('<a href="x" onclick="steal()">spend</a>', "an HTML tag"), ("javascript:alert('q2')", "a script link"),
    ("spend in ${jndi:ldap://x} by channel", "a template expression"), ("{{7*7}} revenue", "a template expression"),
    ("revenue; document.cookie", "a script call"),
])
def test_bad_question_markup_or_code_is_refused_not_read_as_words(pipeline, question, shape):
    understanding = pipeline.understand(question)
    assert understanding.refusal is not None and understanding.interpretations == ()
    assert f"code or markup ({shape})" in understanding.refusal.reason
    assert len(understanding.refusal.suggestions) == 3


@pytest.mark.parametrize("question", ["SELECT * FROM campaigns", "select channel, sum(spend) from campaign_daily "
                                      "group by 1", "campaigns with cpa < 50 and roas > 2", "spend in Q2 2025",
                                      "executive campaigns spend by channel"])
def test_bad_question_sql_and_comparisons_still_get_readings(pipeline, question):
    understanding = pipeline.understand(question)
    assert understanding.refusal is None and understanding.interpretations


def test_bad_question_markup_refusal_is_final_even_with_a_model(pipeline):
    from query_engine.interpret.refusals import refusal_for

    assert refusal_for("<script>alert('q2')</script>", pipeline.model) is not None  # pipeline asks no model then


@pytest.fixture(scope="module")
def customers_upload(tmp_path_factory):
    """An upload whose campaign names hold the word 'customers'."""
    import argparse

    from query_engine import cli

    folder = tmp_path_factory.mktemp("customers")
    rows = ["Campaign,Day,Spend,Revenue"] + [
        f"{name},2025-03-{day:02d},{10 + day},{30 + 2 * day}"
        for day in range(1, 29) for name in ("Prospecting - New Customers", "Retargeting - Past Buyers", "Brand")]
    (folder / "customers.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    settings = cli._settings({"CLARIFY_HOME": str(folder / "home"), "LITELLM_OFFLINE_MODE": "true"})
    args = argparse.Namespace(url=None, data=folder / "customers.csv", dataset=None, replace=False, db=None)
    opened = cli._open(settings, args)[0]
    yield opened
    opened.close()


@pytest.mark.parametrize("question", ["revenue by customer segment", "spend per customer type",
                                      "revenue across customer tiers", "spend by customer cohort"])
def test_words_after_by_name_a_grouping_not_a_campaign_they_happen_to_be_in(customers_upload, question):
    """'customers' is inside a campaign's name, but after "by" it asks for a grouping the data lacks: a
    refusal that says so, never a filter to that campaign."""
    understanding = customers_upload.understand(question)
    assert understanding.refusal is not None and not understanding.interpretations
    assert "customer" in understanding.refusal.reason.lower()


def test_a_word_inside_campaign_names_still_filters_them_when_not_a_grouping(customers_upload):
    spec = customers_upload.understand("spend on the new customers campaign").interpretations[0].spec
    assert [list(f.values) for f in spec.filters] == [["Prospecting - New Customers"]]

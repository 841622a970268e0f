"""AppTests: the Evaluation page on an empty and a seeded log, its accuracy upload; the glossary and report actions."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from query_engine.stores.history import HistoryEntry, QuestionHistory
from query_engine.stores.preferences import ChoiceLearning
from router import LedgerRow, UsageLedger

ROOT = Path(__file__).resolve().parent.parent
PAGE = str(ROOT / "pages" / "evaluation.py")
FIXTURE = ROOT / "tests" / "fixtures" / "eval_questions.jsonl"
PERF = "performance = CPA | performance = Conversions | performance = ROAS | performance = Revenue"


@pytest.fixture
def app_env(demo_db, monkeypatch) -> Path:
    monkeypatch.setenv("CLARIFY_DB", str(demo_db))
    for name in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GEMINI_API_KEY", "GOOGLE_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    return demo_db


@pytest.fixture
def seeded(clarify_home):
    history = QuestionHistory.in_home(clarify_home)
    day = dt.datetime(2025, 11, 10, 9)
    for hour, (question, rank, refusal) in enumerate([("Show me high performing campaigns", 1, None),
                                                      ("high performing channels", 2, None),
                                                      ("best channel last month", 1, None),
                                                      ("Delete all campaigns", None, "Clarify only reads data.")]):
        history.add(HistoryEntry(asked_at=day + dt.timedelta(hours=hour), question=question, picked_rank=rank,
                                 refusal=refusal, timings_json=json.dumps({"running": 10.0 * (hour + 1)})))
    store = ChoiceLearning.in_home(clarify_home)
    for question in ("Show me high performing campaigns", "high performing channels", "high performing regions"):
        store.record([(PERF, "performance = Conversions")], question)
    UsageLedger(clarify_home / "usage.sqlite").record(LedgerRow(
        task="evaluation", route="gemini/gemini-2.5-pro", model="gemini/gemini-2.5-pro", provider="gemini",
        status="ok", latency_ms=120.0, actual_cost_usd=0.0125, ts="2025-11-10T09:00:00+00:00"))
    return clarify_home


def open_page() -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=30).run()
    assert not at.exception
    return at


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_evaluation_page_empty_log_says_how_to_start(app_env):
    at = open_page()
    assert "No questions in the log yet" in at.info[0].value
    assert at.file_uploader(key="evaluation.upload") is not None


def test_evaluation_page_seeded_log_shows_statistics_charts_and_summary(app_env, seeded):
    at = open_page()
    shown = metrics(at)
    assert (shown["Questions"], shown["Top reading picked"], shown["Refused"], shown["Model cost"]) == (
        "4", "67%", "1", "$0.0125")
    assert "- 4 questions over 1 day; 3 ran a reading, 1 were refused and 0 failed." in at.markdown[0].value
    assert at.caption[0].value == "Summary: statistics."
    ambiguities = at.dataframe[0].value
    assert ambiguities.iloc[0].tolist()[:4] == ["high performing", 3, "performance = Conversions", 3]
    assert at.dataframe[1].value.iloc[0].tolist() == ["Clarify only reads data.", 1]
    assert len(at.get("plotly_chart")) == 5  # days, ranks, words, latency, cost


def test_evaluation_page_scores_an_uploaded_question_set(app_env, seeded):
    at = open_page()
    at.file_uploader(key="evaluation.upload").set_value(("questions.jsonl", FIXTURE.read_bytes(), "application/json"))
    at = at.run()
    at = at.button(key="evaluation.run").click().run()
    assert not at.exception
    shown = metrics(at)
    assert (shown["Top-1 (clear)"], shown["Ambiguity recall"], shown["Refusals right"], shown["Failures"]) == (
        "75%", "75%", "67%", "3")
    failures = at.dataframe[-1].value
    assert failures["id"].tolist() == ["e04", "e06", "e09"]
    assert "ran a query instead of refusing" in failures["problem"].tolist()


def test_evaluation_page_bad_question_set_is_a_message(app_env):
    at = open_page()
    at.file_uploader(key="evaluation.upload").set_value(("q.jsonl", b'{"q": "x", "kind": "weird"}', "text/plain"))
    at = at.run().button(key="evaluation.run").click().run()
    assert not at.exception
    assert "Line 1 of the question set" in at.error[0].value


GLOSSARY_APP = """
import os
from query_engine.stores.preferences import ChoiceLearning
from ui.glossary_view import render_glossary
render_glossary(ChoiceLearning.in_home(os.environ["CLARIFY_HOME"]))
"""


def test_glossary_review_set_and_reset(clarify_home):
    store = ChoiceLearning.in_home(clarify_home)
    for _ in range(3):
        store.record([(PERF, "performance = Conversions")], "high performing campaigns")
    at = AppTest.from_string(GLOSSARY_APP, default_timeout=30).run()
    assert not at.exception
    assert at.markdown[0].value == "**“high performing campaigns”** → performance = Conversions"
    box = at.selectbox[0]
    assert box.value == "performance = Conversions"
    at = box.select("performance = ROAS").run()
    assert store.preferences() == {PERF: "performance = ROAS"}
    assert "set by the analyst" in " ".join(c.value for c in at.caption)
    at = at.button(key="data.glossary.reset.0").click().run()
    assert not at.exception and store.preferences() == {}
    assert "Nothing learned yet" in at.info[0].value


ACTIONS_APP = """
import os
from pathlib import Path
from query_engine.pipeline import Pipeline
from query_engine.settings import Settings
from ui.report_actions import pinned_items, render_pinned_report, render_report_actions
db = Path(os.environ["CLARIFY_DB"])
pipeline = Pipeline.open(Settings(), db)
reading = pipeline.understand("Total spend by channel").interpretations[0]
answer = pipeline.answer(reading)
render_report_actions(answer, question="Total spend by channel", reading=reading, database=db, key="ask.actions")
render_pinned_report()
pipeline.close()
"""


def test_report_actions_offer_downloads_and_pin(app_env):
    at = AppTest.from_string(ACTIONS_APP, default_timeout=30).run()
    assert not at.exception
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels == ["Download report (HTML)", "Download report (Markdown)", "Export as Python", "Export SQL"]
    at = at.button(key="ask.actions.pin").click().run()
    assert not at.exception
    assert at.session_state["report.pinned"][0].question == "Total spend by channel"
    assert at.expander[0].label == "Pinned answers (1)"
    at = at.button(key="ask.actions.pin").click().run()  # pinning the same answer twice keeps one
    assert len(at.session_state["report.pinned"]) == 1
    at = at.button(key="report.pinned_view.clear").click().run()
    assert at.session_state["report.pinned"] == [] and not at.expander

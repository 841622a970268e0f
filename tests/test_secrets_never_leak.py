"""Fake keys are set; they appear in no page output, log line, ledger row, exception message or export."""
from __future__ import annotations

import io
import json
import logging
from dataclasses import replace
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from query_engine.llm.access import RouterLLM
from query_engine.pipeline import Pipeline
from query_engine.settings import Settings
from router import LLMRouter, RouterSettings, configure

APP = str(Path(__file__).resolve().parent.parent / "streamlit_app.py")
FAKE_KEYS = {"ANTHROPIC_API_KEY": "sk-ant-FAKE0123456789secretANTHROPIC",
             "OPENAI_API_KEY": "sk-FAKE0123456789secretOPENAI",
             "GEMINI_API_KEY": "FAKE0123456789secretGEMINI"}


def leaks(text: str) -> list[str]:
    return [name for name, value in FAKE_KEYS.items() if value in text or value[8:24] in text]


def page_text(at: AppTest) -> str:
    parts = []
    for kind in ("markdown", "caption", "text", "code", "error", "warning", "info", "success", "title", "header",
                 "subheader", "text_input", "text_area", "metric", "exception"):
        for element in getattr(at, kind, []):
            parts.append(str(getattr(element, "value", "")) + str(getattr(element, "label", "")))
    for frame in at.dataframe:
        parts.append(frame.value.to_csv())
    return "\n".join(parts)


@pytest.fixture
def keyed_env(monkeypatch, demo_db):
    for name, value in FAKE_KEYS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("CLARIFY_DB", str(demo_db))


def test_secrets_not_in_any_page_output(keyed_env, caplog, clarify_home):
    caplog.set_level(logging.DEBUG)
    for page in ("pages/ask.py", "pages/history.py", "pages/data.py", "pages/cost_usage.py"):
        at = AppTest.from_file(APP, default_timeout=60)
        at.switch_page(page).run() if page != "pages/ask.py" else at.run()
        if page == "pages/ask.py":  # a real question: every model call fails offline and falls back
            at.text_input(key="ask.question").input("revenue by channel in 2024")
            at.button(key="ask.submit").click().run()
            assert at.dataframe, "the fallback still answers"
        assert not at.exception, page
        assert leaks(page_text(at)) == [], page
    assert leaks(caplog.text) == []


def test_secrets_not_in_ledger_errors_or_exports(keyed_env, demo_db, caplog, clarify_home):
    """With keys set but no network, every model call fails; the answer falls back and nothing leaks."""
    caplog.set_level(logging.DEBUG)
    settings = replace(RouterSettings.from_sources({**FAKE_KEYS, "CLARIFY_HOME": str(clarify_home)}), num_retries=0)
    configure(settings)
    pipeline = Pipeline.open(Settings(home=clarify_home), demo_db, llm=RouterLLM())
    offline = Pipeline(pipeline.con, pipeline.model, pipeline.settings, pipeline.database)
    try:
        understanding = pipeline.understand("revenue by channel in 2024")
        answer = pipeline.answer(understanding.interpretations[0])
        expected = offline.answer(offline.understand("revenue by channel in 2024").interpretations[0])
    finally:
        pipeline.close()
    assert answer.result is not None and answer.result.rows == expected.result.rows
    rows = LLMRouter.ledger().rows()
    assert rows and all(r["status"] != "ok" for r in rows)
    exported = io.StringIO()
    LLMRouter.ledger().to_csv(exported)
    texts = [json.dumps(rows, default=str), exported.getvalue(), caplog.text, repr(settings),
             json.dumps([r.__dict__ for r in LLMRouter.active_routes()], default=str), answer.sql_source,
             " ".join(answer.notes), understanding.question]
    for path in clarify_home.rglob("*"):
        if path.is_file():
            texts.append(path.read_bytes().decode("latin-1"))
    assert leaks("\n".join(texts)) == []

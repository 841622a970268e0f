"""AppTests of the Investigate & forecast page and the Chart vision page."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from streamlit.testing.v1 import AppTest

import router.llm_router as llm_router_module

PAGES = Path(__file__).resolve().parent.parent / "pages"
KEY_NAMES = ("ANTHROPIC_API_KEY", "OPENAI_API_KEY", "GEMINI_API_KEY", "GOOGLE_API_KEY")


@pytest.fixture
def page(demo_db, monkeypatch) -> AppTest:
    """The Investigate & forecast page on the small demo database, after its first run."""
    monkeypatch.setenv("CLARIFY_DB", str(demo_db))
    at = AppTest.from_file(str(PAGES / "investigate.py"), default_timeout=30).run()
    assert not at.exception
    return at


def texts(at: AppTest) -> str:
    return " ".join([*(m.value for m in at.markdown), *(s.value for s in at.success), *(e.value for e in at.error),
                     *(i.value for i in at.info), *(c.value for c in at.caption)])


def test_app_investigate_proposes_runs_and_explains(page):
    at = page.button(key="investigate.propose").click().run()
    assert not at.exception
    assert len([c for c in at.checkbox if c.key.startswith("investigate.keep.")]) == 5
    at = at.button(key="investigate.run").click().run()
    assert not at.exception
    explanation = at.success[0].value
    assert "channel Meta + region Europe" in explanation and "September 2025" in explanation
    assert len(at.expander) >= 5


def test_app_investigate_edited_plan_drops_steps(page):
    at = page.button(key="investigate.propose").click().run()
    for i in (1, 3, 4):
        at.checkbox(key=f"investigate.keep.{i}").uncheck()
    at.text_input(key="investigate.params.2").input('{"dimensions": ["device"], "top": 3}')
    at = at.button(key="investigate.run").click().run()
    assert not at.exception
    titles = [e.label for e in at.expander]
    assert titles == ["1. Compare two periods", "2. Rank the contributors to the change"]
    assert "device" in at.success[0].value


def test_app_forecast_shows_projection_band_and_mape(page):
    at = page
    at.number_input(key="forecast.days").set_value(14)
    at = at.button(key="forecast.run").click().run()
    assert not at.exception
    labels = {m.label: m.value for m in at.metric}
    assert labels["Periods ahead"] == "14 days"
    assert labels["Backtested error (MAPE)"].endswith("%")
    assert labels["Projection"].startswith("$")
    assert "Backtested error (MAPE)" in texts(at)


def test_app_forecast_target_verdict(page):
    at = page
    at.number_input(key="forecast.target").set_value(1.0)
    at = at.button(key="forecast.run").click().run()
    assert not at.exception
    assert "on track" in at.info[0].value


def test_app_calculated_metrics_refuses_and_saves(page, clarify_home):
    at = page
    at.text_input(key="metrics.definition").input("blended CAC = spend / new customers")
    at = at.button(key="metrics.add").click().run()
    assert "The data has no 'new customers'" in at.error[0].value
    at.text_input(key="metrics.definition").input("profit = revenue - spend")
    at = at.button(key="metrics.add").click().run()
    assert not at.exception and "Added Profit = revenue - spend (currency)" in at.success[-1].value
    saved = yaml.safe_load((clarify_home / "calculated_metrics.yaml").read_text())
    assert [m["formula"] for m in saved["metrics"]] == ["revenue - spend"]


def test_app_vision_without_key_names_the_key(monkeypatch):
    for name in KEY_NAMES:
        monkeypatch.delenv(name, raising=False)
    try:
        at = AppTest.from_file(str(PAGES / "vision.py"), default_timeout=30).run()
    finally:
        llm_router_module._current = None
    assert not at.exception
    assert "GEMINI_API_KEY or GOOGLE_API_KEY" in at.info[0].value

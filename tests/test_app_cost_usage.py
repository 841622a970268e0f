"""AppTest of the Cost & usage page over a ledger seeded through the real router with litellm's mock_response."""
from __future__ import annotations

import io
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import router.llm_router as llm_router_module
from query_engine.llm.access import RouterLLM
from router import LLMRouter, ProviderFailed, RouterSettings, TaskType, configure

PROJECT_ROOT = Path(__file__).resolve().parent.parent
APP = str(PROJECT_ROOT / "streamlit_app.py")
OPENAI_KEY = "sk-test-openai-page-0123456789"
CODEX, SONNET = "openai/gpt-5.1-codex", "anthropic/claude-sonnet-4-5"


@pytest.fixture
def seeded(clarify_home, monkeypatch, demo_db):
    """Five ledger rows: two ok calls of one question, a cache hit, a failed call and an offline fallback."""
    keys = {"OPENAI_API_KEY": OPENAI_KEY, "ANTHROPIC_API_KEY": "sk-ant-page-test-999"}
    configure(RouterSettings(home=clarify_home, keys=keys, num_retries=0))
    LLMRouter.call_llm(TaskType.SQL_GENERATION, "Spend by channel", question_id="q-1", mock_response="SELECT 1")
    LLMRouter.call_llm(TaskType.INSIGHTS_GENERATION, "Explain", question_id="q-1", mock_response="- fine")
    LLMRouter.call_llm(TaskType.SQL_GENERATION, "Spend by channel", question_id="q-2", mock_response="SELECT 1")
    configure(RouterSettings(home=clarify_home, keys={"OPENAI_API_KEY": OPENAI_KEY}, num_retries=0,
                             model_params={CODEX: {"mock_response": "litellm.RateLimitError"}}))
    with pytest.raises(ProviderFailed):
        LLMRouter.call_llm(TaskType.SQL_GENERATION, "Clicks", question_id="q-2")
    RouterLLM().record_fallback(TaskType.SQL_GENERATION, "q-2", "ProviderFailed")
    rows = LLMRouter.ledger().rows()
    llm_router_module._current = None
    monkeypatch.setenv("OPENAI_API_KEY", OPENAI_KEY)  # the page builds its own settings from the environment
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    monkeypatch.setenv("CLARIFY_DB", str(demo_db))
    yield rows
    llm_router_module._current = None


@pytest.fixture
def page(seeded) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30).run()
    at = at.switch_page("pages/cost_usage.py").run()
    assert not at.exception, at.exception
    return at


def test_app_cost_usage_totals_match_the_ledger(page, seeded):
    metrics = {m.label: m.value for m in page.metric}
    assert [r["status"] for r in seeded] == ["ok", "ok", "cache-hit", "error", "fallback"]
    assert metrics["Total spend"] == f"${sum(r['actual_cost_usd'] for r in seeded):,.4f}"
    assert metrics["Model calls"] == "3"  # two ok calls and one error; cache hits and offline rows are not calls
    assert metrics["Tokens"] == f"{sum(r['input_tokens'] + r['output_tokens'] for r in seeded):,}"
    assert metrics["Offline fallbacks"] == "1"
    q1 = sum(r["actual_cost_usd"] for r in seeded if r["question_id"] == "q-1")
    assert metrics["Most expensive question"] == f"${q1:,.5f}"


def test_app_cost_usage_charts_budgets_and_failures(page):
    charts = page.get("plotly_chart")
    assert len(charts) == 4  # spend by task, model and day; latency by task
    spent = sum(r["actual_cost_usd"] for r in LLMRouter.ledger().rows())
    # Escaped: two dollar amounts in one Markdown text would otherwise render as a LaTeX formula.
    assert [p.proto.text for p in page.get("progress")] == [f"Daily: \\${spent:,.4f} of \\$5.00",
                                                             f"Monthly: \\${spent:,.4f} of \\$50.00"]
    failures = frame_with(page, "error_class")
    assert {(r.task, r.status) for r in failures.itertuples()} == {("sql_generation", "error"),
                                                                   ("sql_generation", "fallback")}


def test_app_cost_usage_routing_table_shows_key_presence_never_keys(page):
    routes = frame_with(page, "Key present")
    by_task = {r["Task"]: r for r in routes.to_dict("records")}
    assert len(by_task) == len(TaskType)
    assert (by_task["sql_generation"]["Model"], by_task["sql_generation"]["Key present"]) == (CODEX, "yes")
    assert (by_task["query_interpretation"]["Key present"], by_task["query_interpretation"]["Key needed"]) == \
        ("no", "ANTHROPIC_API_KEY")
    shown = " ".join(str(e.value) for e in (*page.markdown, *page.caption, *page.metric, *page.info)) + routes.to_csv()
    assert OPENAI_KEY not in shown and "sk-test" not in shown


def test_app_cost_usage_estimate_calculator_uses_litellm_prices(page):
    import litellm

    page.selectbox(key="cost.estimate_task").set_value("query_interpretation")
    page.number_input(key="cost.estimate_in").set_value(2000)
    page.number_input(key="cost.estimate_out").set_value(300)
    at = next(b for b in page.button if b.label == "Estimate").click().run()
    expected = sum(litellm.cost_per_token(model=SONNET, prompt_tokens=2000, completion_tokens=300))
    metrics = {m.label: m.value for m in at.metric}
    assert metrics[f"Estimated cost on {SONNET}"] == f"${expected:,.6f}"


def frame_with(at: AppTest, column: str):
    """The first dataframe on the page that has `column`."""
    return next(d.value for d in at.dataframe if column in d.value.columns)


def test_app_cost_usage_offers_the_ledger_as_csv(seeded, monkeypatch):
    import csv

    from streamlit.runtime.media_file_manager import MediaFileManager

    offered, real_add = {}, MediaFileManager.add

    def recording_add(self, path_or_data, mimetype, coordinates, file_name=None, is_for_static_download=False):
        offered[file_name] = path_or_data
        return real_add(self, path_or_data, mimetype, coordinates, file_name, is_for_static_download)

    monkeypatch.setattr(MediaFileManager, "add", recording_add)
    page = AppTest.from_file(APP, default_timeout=30).run().switch_page("pages/cost_usage.py").run()
    assert not page.exception
    buttons = page.get("download_button")
    assert len(buttons) == 1 and buttons[0].proto.label == "Download the usage ledger (CSV)"
    assert buttons[0].proto.disabled is False
    buffer = io.StringIO()
    assert LLMRouter.ledger().to_csv(buffer) == len(seeded)
    assert buffer.getvalue().splitlines()[0].startswith("id,ts,")
    downloaded = list(csv.DictReader(io.StringIO(offered["clarify_usage.csv"].decode("utf-8"))))
    assert [(int(r["id"]), r["status"], float(r["actual_cost_usd"])) for r in downloaded] == \
        [(r["id"], r["status"], r["actual_cost_usd"]) for r in seeded]


def test_app_cost_usage_page_opens_without_importing_litellm(demo_db, clarify_home):
    import json
    import subprocess
    import sys

    from tests.test_app_data import LITELLM_PROBE

    env = {"PATH": "/usr/bin:/bin", "CLARIFY_HOME": str(clarify_home), "CLARIFY_DB": str(demo_db),
           "LITELLM_OFFLINE_MODE": "true", "HOME": str(clarify_home)}
    done = subprocess.run([sys.executable, "-c", LITELLM_PROBE, APP, "pages/cost_usage.py"], cwd=PROJECT_ROOT,
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout.strip().splitlines()[-1]) == {"exception": False, "litellm": False}

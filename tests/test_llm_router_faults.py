"""Fault injection through the real router (litellm mock_response): every fault ends in the offline answer, on the
ledger."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

import router.llm_router as llm_router_module
from query_engine.llm.access import RouterLLM
from query_engine.pipeline import Pipeline
from query_engine.settings import Settings
from router import LLMRouter, RouterSettings, configure
from tests.conftest import PROJECT_ROOT

KEYS = {"OPENAI_API_KEY": "sk-test-openai-0123456789", "ANTHROPIC_API_KEY": "sk-ant-test-9876543210",
        "GEMINI_API_KEY": "gem-test-key-5555555555"}
MODELS = ("anthropic/claude-sonnet-4-5", "openai/gpt-5.1-codex", "openai/gpt-5.1", "gemini/gemini-2.5-pro")
QUESTION = "spend by channel"
FAULTS = {
    "timeout": {"mock_timeout": True, "timeout": 0.01},
    "429": {"mock_response": "litellm.RateLimitError"},
    "500": {"mock_response": "litellm.InternalServerError"},
    "malformed json": {"mock_response": '{"readings": [{"metrics": ["spend"'},
    "prose": {"mock_response": "Sure! You probably want spend grouped by channel, shown as a bar chart."},
    "drop table": {"mock_response": "DROP TABLE campaigns"},
    "copy to": {"mock_response": "COPY campaigns TO '/tmp/stolen.csv'"},
    "read_csv": {"mock_response": "SELECT * FROM read_csv('/etc/passwd')"},
}


@pytest.fixture
def routed(clarify_home):
    """Configure the router on the temp home with every model answering with the same canned fault."""
    def make(fault: dict) -> None:
        configure(RouterSettings(home=clarify_home, keys=KEYS, num_retries=0, cooldown_s=0.0,
                                 model_params={m: fault for m in MODELS}))
    yield make
    llm_router_module._current = None


def ask(db, llm=None):
    pipeline = Pipeline.open(Settings(), db, llm=llm)
    try:
        understanding = pipeline.understand(QUESTION)
        return understanding, pipeline.answer(understanding.interpretations[0])
    finally:
        pipeline.close()


@pytest.mark.parametrize("name", list(FAULTS))
def test_llm_router_fault_ends_in_the_offline_answer(routed, tiny_db, name):
    offline_understanding, offline = ask(tiny_db)
    routed(FAULTS[name])
    understanding, answer = ask(tiny_db, RouterLLM())
    rows = LLMRouter.ledger().rows()
    assert answer.error is None and answer.result.rows == offline.result.rows
    assert [i.spec for i in understanding.interpretations] == [i.spec for i in offline_understanding.interpretations]
    assert answer.sql == offline.sql and answer.sql_source.startswith("compiled from the reading (")
    fallbacks = {(r["task"], r["error_class"]) for r in rows if r["model"] == "offline"}
    assert ("query_interpretation", "MalformedOutput" if "mock_response" in FAULTS[name]
            and "litellm." not in FAULTS[name]["mock_response"] else "ProviderFailed") in fallbacks
    assert any(task == "sql_generation" for task, _ in fallbacks)
    assert {r["question_id"] for r in rows} == {understanding.question_id}
    if "mock_timeout" in FAULTS[name] or "litellm." in FAULTS[name].get("mock_response", ""):
        assert {r["status"] for r in rows if r["model"] != "offline"} == {"error"}


def test_llm_router_mocked_models_answer_every_stage(routed, tiny_db, clarify_home):
    configure(RouterSettings(home=clarify_home, keys=KEYS, num_retries=0, model_params={
        MODELS[0]: {"mock_response": json.dumps({"readings": [{"metrics": ["clicks"], "dimensions": ["channel"]}]})},
        MODELS[1]: {"mock_response": "SELECT c.channel AS channel, SUM(d.spend) AS spend FROM campaign_daily d "
                                     "JOIN campaigns c USING (campaign_id) GROUP BY 1"},
        MODELS[2]: {"mock_response": "- Google Search spent $250 of the $370 total."}}))
    understanding, answer = ask(tiny_db, RouterLLM())
    rows = LLMRouter.ledger().rows()
    assert understanding.interpretations[0].engine == MODELS[0]
    assert understanding.interpretations[0].spec.metrics == ("clicks",)
    assert [(r["task"], r["model"], r["status"], r["error_class"]) for r in rows[:3]] == [
        ("query_interpretation", MODELS[0], "ok", None), ("sql_generation", MODELS[1], "ok", None),
        ("sql_generation", "offline", "fallback", "SqlDisagreed")]  # the mocked SQL sums spend, not clicks
    assert answer.sql_source == f"compiled from the reading ({MODELS[1]} SQL returned columns channel, spend " \
                                "instead of channel, clicks)"
    assert understanding.cost_usd == pytest.approx(rows[0]["actual_cost_usd"]) and understanding.cost_usd > 0


def test_llm_router_sql_and_insights_written_by_their_routed_models(routed, tiny_db, clarify_home):
    configure(RouterSettings(home=clarify_home, keys=KEYS, num_retries=0, model_params={
        MODELS[1]: {"mock_response": "SELECT c.channel AS channel, SUM(d.spend) AS spend FROM campaign_daily d "
                                     "JOIN campaigns c USING (campaign_id) GROUP BY 1"},
        MODELS[2]: {"mock_response": "- Google Search spent $250 of the $370 total."}}))
    _, answer = ask(tiny_db, RouterLLM())
    rows = [r for r in LLMRouter.ledger().rows() if r["task"] != "query_interpretation"]
    assert answer.sql_source == f"written by {MODELS[1]}"
    assert answer.insights == ("Google Search spent $250 of the $370 total.",)
    assert [(r["task"], r["model"], r["status"]) for r in rows] == [
        ("sql_generation", MODELS[1], "ok"), ("insights_generation", MODELS[2], "ok")]
    assert answer.cost_usd == pytest.approx(sum(r["actual_cost_usd"] for r in rows))


def _run_offline(code: str) -> str:
    env = {k: v for k, v in os.environ.items() if k not in KEYS and k != "GOOGLE_API_KEY"}
    proc = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True,
                          timeout=180)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip().splitlines()[-1]


def test_llm_offline_pipeline_never_imports_litellm(tiny_db):
    code = ("import sys; from pathlib import Path; from query_engine.pipeline import Pipeline; "
            "from query_engine.settings import Settings; "
            f"p = Pipeline.open(Settings(), Path({str(tiny_db)!r})); u = p.understand('spend by channel'); "
            "a = p.answer(u.interpretations[0]); print(len(a.result.rows), 'litellm' in sys.modules)")
    assert _run_offline(code) == "3 False"


def test_llm_offline_cli_never_imports_litellm(tiny_db):
    code = ("import sys, io, contextlib; from query_engine.cli import main; buf = io.StringIO(); "
            "with_ = contextlib.redirect_stdout(buf); with_.__enter__(); "
            f"rc = main(['ask', 'spend by channel', '--db', {str(tiny_db)!r}, '--json']); "
            "with_.__exit__(None, None, None); "
            "import json; out = json.loads(buf.getvalue()); "
            "print(rc, out['engine'], len(out['interpretations'][0]['rows']), 'litellm' in sys.modules)")
    assert _run_offline(code) == "0 offline 3 False"

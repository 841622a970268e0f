"""LLMRouter calls through litellm's mock_response: ledger rows, costs, fallbacks, budgets, cache and key hygiene."""
from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime

import pytest

import router.llm_router as llm_router_module
from router import (
    BudgetExceeded,
    LedgerRow,
    LLMRouter,
    NoProviderConfigured,
    ProviderFailed,
    RouterSettings,
    TaskType,
    configure,
    performance_tracker,
)

KEYS = {"OPENAI_API_KEY": "sk-test-openai-0123456789", "ANTHROPIC_API_KEY": "sk-ant-test-9876543210",
        "GEMINI_API_KEY": "gem-test-key-5555555555"}
CODEX, SONNET, GEMINI = "openai/gpt-5.1-codex", "anthropic/claude-sonnet-4-5", "gemini/gemini-2.5-pro"


@pytest.fixture
def make_router(clarify_home):
    """Configure the router on the temp home with no retries (so faults fall back at once)."""
    def make(**changes):
        return configure(RouterSettings(**{"home": clarify_home, "num_retries": 0, "keys": KEYS, **changes}))
    yield make
    llm_router_module._current = None


def litellm_cost(model: str, input_tokens: int, output_tokens: int) -> float:
    import litellm

    return sum(litellm.cost_per_token(model=model, prompt_tokens=input_tokens, completion_tokens=output_tokens))


def test_call_llm_mock_round_trip_records_ok_row_with_litellm_cost(make_router):
    configured = make_router()
    text = LLMRouter.call_llm(TaskType.SQL_GENERATION, "Total spend by channel", system_prompt="Write SQL.",
                              question_id="q-1", mock_response="SELECT 1")
    [row] = configured.ledger.rows()
    assert text == "SELECT 1"
    assert (row["status"], row["model"], row["provider"], row["question_id"]) == ("ok", CODEX, "openai", "q-1")
    assert (row["input_tokens"], row["output_tokens"]) == (10, 20)  # litellm's mock usage
    assert row["actual_cost_usd"] == pytest.approx(litellm_cost(CODEX, 10, 20), rel=1e-12)


def test_call_llm_estimate_uses_token_counter_and_expected_output(make_router):
    import litellm

    configured = make_router()
    reply = LLMRouter.call_llm_detailed(TaskType.QUERY_INTERPRETATION, "Which channel grew?", system_prompt="Read.",
                                        mock_response="{}")
    messages = [{"role": "system", "content": "Read."}, {"role": "user", "content": "Which channel grew?"}]
    prompt_tokens = litellm.token_counter(model=SONNET, messages=messages)
    expected = configured.routes.expected_output_tokens[TaskType.QUERY_INTERPRETATION]
    assert reply.estimated_cost_usd == pytest.approx(litellm_cost(SONNET, prompt_tokens, expected), rel=1e-12)
    assert configured.ledger.rows()[0]["estimated_cost_usd"] == pytest.approx(reply.estimated_cost_usd)


def test_call_llm_reasoning_tokens_are_recorded_and_billed(make_router):
    configured = make_router()
    usage = {"prompt_tokens": 1200, "completion_tokens": 800, "total_tokens": 2000,
             "completion_tokens_details": {"reasoning_tokens": 600}}
    reply = LLMRouter.call_llm_detailed(TaskType.INSIGHTS_GENERATION, "Explain the dip", mock_response={
        "choices": [{"message": {"role": "assistant", "content": "CTR fell."}}], "usage": usage})
    row = configured.ledger.rows()[0]
    assert (row["input_tokens"], row["output_tokens"], row["reasoning_tokens"]) == (1200, 800, 600)
    assert reply.cost_usd == pytest.approx(litellm_cost("openai/gpt-5.1", 1200, 800), rel=1e-12)


@pytest.mark.parametrize("fault, error_class", [
    ({"mock_response": "litellm.RateLimitError"}, "RateLimitError"),
    ({"mock_response": "litellm.InternalServerError"}, "InternalServerError"),
    ({"mock_timeout": True, "timeout": 0.01}, "Timeout"),
])
def test_call_llm_fault_falls_back_to_next_model(make_router, fault, error_class):
    configured = make_router(model_params={CODEX: fault, SONNET: {"mock_response": "SELECT 2"}})
    reply = LLMRouter.call_llm_detailed(TaskType.SQL_GENERATION, "Spend by region")
    rows = configured.ledger.rows()
    assert (reply.text, reply.model, reply.fallback_used) == ("SELECT 2", SONNET, True)
    assert [(r["status"], r["model"], r["error_class"]) for r in rows] == [
        ("error", CODEX, error_class), ("fallback", SONNET, None)]
    assert rows[1]["actual_cost_usd"] == pytest.approx(litellm_cost(SONNET, 10, 20), rel=1e-12)


def test_call_llm_every_model_failing_raises_provider_failed_with_offline(make_router):
    configured = make_router(model_params={CODEX: {"mock_response": "litellm.RateLimitError"},
                                           SONNET: {"mock_response": "litellm.InternalServerError"},
                                           GEMINI: {"mock_timeout": True, "timeout": 0.01}})
    with pytest.raises(ProviderFailed) as caught:
        LLMRouter.call_llm(TaskType.SQL_GENERATION, "Spend by region")
    rows = configured.ledger.rows()
    assert caught.value.offline_available is True
    assert "offline engine" in str(caught.value)
    assert [(r["status"], r["model"], r["error_class"]) for r in rows] == [
        ("error", CODEX, "RateLimitError"), ("error", SONNET, "InternalServerError"), ("error", GEMINI, "Timeout")]


def test_call_llm_call_level_mock_exception_fails_every_model(make_router):
    import litellm

    configured = make_router(keys={"OPENAI_API_KEY": KEYS["OPENAI_API_KEY"]})
    boom = litellm.RateLimitError(message="slow down", llm_provider="openai", model="gpt-5.1-codex")
    with pytest.raises(ProviderFailed) as caught:
        LLMRouter.call_llm(TaskType.SQL_GENERATION, "Spend", mock_response=boom)
    assert caught.value.error_class == "RateLimitError"
    assert [r["status"] for r in configured.ledger.rows()] == ["error"]


def test_call_llm_vision_failure_offers_no_offline_path(make_router):
    make_router(model_params={GEMINI: {"mock_response": "litellm.InternalServerError"},
                              "openai/gpt-5.1": {"mock_response": "litellm.InternalServerError"},
                              SONNET: {"mock_response": "litellm.InternalServerError"}})
    with pytest.raises(ProviderFailed) as caught:
        LLMRouter.call_llm(TaskType.VISION_ANALYSIS, "Describe this chart")
    assert caught.value.offline_available is False


@pytest.mark.parametrize("task, key_name, model", [
    (TaskType.QUERY_INTERPRETATION, "ANTHROPIC_API_KEY", SONNET),
    (TaskType.SQL_GENERATION, "OPENAI_API_KEY", CODEX),
    (TaskType.EVALUATION, "GEMINI_API_KEY or GOOGLE_API_KEY", GEMINI),
])
def test_call_llm_without_keys_names_the_key(make_router, task, key_name, model):
    make_router(keys={})
    with pytest.raises(NoProviderConfigured) as caught:
        LLMRouter.call_llm(task, "anything", mock_response="x")
    assert str(caught.value).startswith(f"Set {key_name} in .streamlit/secrets.toml or the environment to enable "
                                        f"{task.label} with {model}.")
    assert caught.value.key_name == key_name
    assert LLMRouter.is_available(task) is False


def test_call_llm_skips_models_without_keys_and_marks_fallback(make_router):
    configured = make_router(keys={"ANTHROPIC_API_KEY": KEYS["ANTHROPIC_API_KEY"]})
    reply = LLMRouter.call_llm_detailed(TaskType.SQL_GENERATION, "Spend", mock_response="SELECT 3")
    assert (reply.model, reply.fallback_used) == (SONNET, True)
    assert [(r["status"], r["route"]) for r in configured.ledger.rows()] == [("fallback", CODEX)]


def test_call_llm_google_api_key_enables_gemini(make_router):
    make_router(keys={"GOOGLE_API_KEY": "google-test-key-123"})
    assert LLMRouter.call_llm(TaskType.EVALUATION, "Judge", mock_response="good") == "good"


def test_call_llm_over_daily_budget_is_refused_and_recorded(make_router):
    configured = make_router(daily_budget_usd=0.01)
    configured.ledger.record(LedgerRow("sql_generation", CODEX, CODEX, "openai", "ok", actual_cost_usd=0.0099))
    with pytest.raises(BudgetExceeded) as caught:
        LLMRouter.call_llm(TaskType.INSIGHTS_GENERATION, "Explain", mock_response="never sent")
    rows = configured.ledger.rows()
    assert caught.value.period == "daily" and caught.value.offline_available is True
    assert "daily budget of $0.01" in str(caught.value) and "CLARIFY_DAILY_BUDGET_USD" in str(caught.value)
    assert [r["status"] for r in rows] == ["ok", "budget-refused"]
    assert rows[1]["estimated_cost_usd"] > 0 and rows[1]["actual_cost_usd"] == 0


def test_call_llm_over_monthly_budget_counts_earlier_days(make_router):
    now = datetime.now(UTC)
    configured = make_router(daily_budget_usd=None, monthly_budget_usd=1.0)
    first = now.replace(day=1, hour=0, minute=0, second=1, microsecond=0).isoformat()
    configured.ledger.record(LedgerRow("report_generation", "openai/gpt-5.1", "openai/gpt-5.1", "openai", "ok",
                                       actual_cost_usd=0.999, ts=first))
    with pytest.raises(BudgetExceeded) as caught:
        LLMRouter.call_llm(TaskType.REPORT_GENERATION, "Write the report", mock_response="x")
    assert caught.value.period == "monthly"


def test_call_llm_within_budget_goes_through(make_router):
    configured = make_router(daily_budget_usd=1.0)
    assert LLMRouter.call_llm(TaskType.SQL_GENERATION, "Spend", mock_response="SELECT 1") == "SELECT 1"
    assert [r["status"] for r in configured.ledger.rows()] == ["ok"]


def test_call_llm_identical_call_is_a_free_cache_hit(make_router):
    configured = make_router()
    first = LLMRouter.call_llm_detailed(TaskType.SQL_GENERATION, "Spend", mock_response="SELECT 1")
    second = LLMRouter.call_llm_detailed(TaskType.SQL_GENERATION, "Spend", mock_response="SELECT 1")
    LLMRouter.call_llm_detailed(TaskType.SQL_GENERATION, "Clicks", mock_response="SELECT 1")
    LLMRouter.call_llm_detailed(TaskType.SQL_GENERATION, "Spend", mock_response="SELECT 1", use_cache=False)
    rows = configured.ledger.rows()
    assert (second.text, second.cache_hit, second.cost_usd) == (first.text, True, 0.0)
    assert [r["status"] for r in rows] == ["ok", "cache-hit", "ok", "ok"]
    assert rows[1]["actual_cost_usd"] == 0.0 and rows[1]["model"] == CODEX


def test_call_llm_response_format_pydantic_passes_through(make_router):
    from pydantic import BaseModel

    class Reading(BaseModel):
        metric: str

    make_router()
    text = LLMRouter.call_llm(TaskType.QUERY_INTERPRETATION, "Spend?", response_format=Reading,
                              mock_response='{"metric": "spend"}')
    assert Reading.model_validate_json(text).metric == "spend"


def test_call_llm_local_ollama_route_needs_no_key(make_router):
    configured = make_router(keys={}, route_overrides={"sql_generation": "ollama/llama3"},
                             model_params={"ollama/llama3": {"api_base": "http://127.0.0.1:11434"}})
    reply = LLMRouter.call_llm_detailed(TaskType.SQL_GENERATION, "Spend", mock_response="SELECT 4")
    assert (reply.text, reply.model, reply.provider, reply.cost_usd) == ("SELECT 4", "ollama/llama3", "ollama", 0.0)
    assert configured.ledger.rows()[0]["status"] == "ok"


def test_keys_never_reach_logs_ledger_or_errors(make_router, caplog):
    caplog.set_level(logging.DEBUG)
    configured = make_router(model_params={CODEX: {"mock_response": "litellm.RateLimitError"},
                                           SONNET: {"mock_response": "litellm.InternalServerError"},
                                           GEMINI: {"mock_response": "litellm.InternalServerError"}})
    with pytest.raises(ProviderFailed) as caught:
        LLMRouter.call_llm(TaskType.SQL_GENERATION, "Spend")
    LLMRouter.call_llm(TaskType.INSIGHTS_GENERATION, "Explain", mock_response="ok")
    exposed = [caplog.text, str(caught.value), repr(caught.value), repr(configured.settings),
               repr(LLMRouter.active_routes()), repr(configured.ledger.rows()), repr(configured.deployments(
                   TaskType.SQL_GENERATION))]
    assert len(caplog.records) > 0
    for key in KEYS.values():
        assert not any(key in text for text in exposed)


def test_performance_tracker_summary_reads_the_ledger(make_router):
    make_router(model_params={CODEX: {"mock_response": "litellm.RateLimitError"}, SONNET: {"mock_response": "S"}})
    LLMRouter.call_llm(TaskType.SQL_GENERATION, "Spend")
    LLMRouter.call_llm(TaskType.EVALUATION, "Judge", mock_response="fine")
    summary = performance_tracker.get_summary()
    sql, evaluation = summary["sql_generation"], summary["evaluation"]
    assert set(summary) == {t.value for t in TaskType}
    assert {k: sql[k] for k in ("total_calls", "errors", "fallbacks", "total_input_tokens", "total_output_tokens")} \
        == {"total_calls": 2, "errors": 1, "fallbacks": 1, "total_input_tokens": 10, "total_output_tokens": 20}
    assert sql["total_cost"] == pytest.approx(litellm_cost(SONNET, 10, 20), rel=1e-12)
    assert evaluation["total_cost"] == pytest.approx(litellm_cost(GEMINI, 10, 20), rel=1e-12)
    assert evaluation["avg_latency_ms"] > 0
    assert summary["report_generation"]["total_calls"] == 0


@pytest.mark.parametrize("task", list(TaskType))
def test_get_cost_estimate_equals_litellm_price(make_router, task):
    make_router()
    model = LLMRouter.route_for(task).model
    assert LLMRouter.get_cost_estimate(task, input_tokens=1000, output_tokens=500) == pytest.approx(
        litellm_cost(model, 1000, 500), rel=1e-12)


def test_call_llm_from_eight_threads_records_each_attempt_once(make_router):
    # allowed_fails high: this test is about recording under concurrency, not cooldown (next test), and on a
    # loaded machine threads that start late would otherwise find the failing model already cooled down
    configured = make_router(allowed_fails=100, model_params={CODEX: {"mock_response": "litellm.RateLimitError"},
                                                              SONNET: {"mock_response": "SELECT 5"}})
    texts: list[str] = []

    def ask(worker: int) -> None:
        texts.append(LLMRouter.call_llm(TaskType.SQL_GENERATION, f"Spend {worker}", question_id=f"q{worker}"))

    threads = [threading.Thread(target=ask, args=(w,)) for w in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    rows = configured.ledger.rows()
    assert texts == ["SELECT 5"] * 8
    assert sorted((r["question_id"], r["status"]) for r in rows) == sorted(
        [(f"q{w}", "error") for w in range(8)] + [(f"q{w}", "fallback") for w in range(8)])


def test_call_llm_cooled_down_model_is_skipped_without_an_attempt(make_router):
    configured = make_router(allowed_fails=1, model_params={CODEX: {"mock_response": "litellm.InternalServerError"},
                                                            SONNET: {"mock_response": "S"}})
    for i in range(5):
        LLMRouter.call_llm(TaskType.SQL_GENERATION, f"Spend {i}")
    statuses = [r["status"] for r in configured.ledger.rows()]
    assert statuses.count("fallback") == 5
    assert 1 <= statuses.count("error") < 5  # litellm's cooldown stops trying the failing model


def test_get_cost_estimate_unpriced_model_raises_price_unknown(make_router):
    from router import PriceUnknown

    make_router(route_overrides={"sql_generation": "openai/no-such-model-xyz"})
    with pytest.raises(PriceUnknown) as caught:
        LLMRouter.get_cost_estimate(TaskType.SQL_GENERATION)
    assert "openai/no-such-model-xyz" in str(caught.value)


def test_build_messages_puts_system_first_and_keeps_content_parts():
    from router.llm_router import build_messages

    parts = [{"type": "text", "text": "What does this chart show?"},
             {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}}]
    assert build_messages("Hi", "Be brief.") == [{"role": "system", "content": "Be brief."},
                                                  {"role": "user", "content": "Hi"}]
    assert build_messages(parts) == [{"role": "user", "content": parts}]


def test_call_llm_all_models_cooling_down_still_records_an_error(make_router):
    configured = make_router(keys={k: KEYS[k] for k in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY")}, allowed_fails=1,
                             model_params={CODEX: {"mock_response": "litellm.InternalServerError"},
                                           SONNET: {"mock_response": "litellm.InternalServerError"}})
    errors = []
    for i in range(5):
        with pytest.raises(ProviderFailed) as caught:
            LLMRouter.call_llm(TaskType.SQL_GENERATION, f"Spend {i}", question_id=f"q{i}")
        errors.append(caught.value.error_class)
    rows = configured.ledger.rows()
    assert errors[0] == "InternalServerError"
    assert errors[-1] == "RouterRateLimitError"  # litellm refused: the deployments are cooling down
    assert {r["question_id"] for r in rows} == {f"q{i}" for i in range(5)}  # every call left a row
    assert all(r["status"] == "error" and r["error_class"] for r in rows)


def test_configure_with_equal_settings_keeps_the_router(make_router, clarify_home):
    first = make_router()
    assert configure(RouterSettings(home=clarify_home, num_retries=0, keys=dict(KEYS))) is first
    assert configure(RouterSettings(home=clarify_home, num_retries=1, keys=dict(KEYS))) is not first

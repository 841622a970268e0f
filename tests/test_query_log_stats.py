"""Query-log statistics on a synthetic log (history, picks and ledger in a temp home), and the checked model summary."""
from __future__ import annotations

import datetime as dt
import json

import pytest

import router.llm_router as llm_router_module
from query_engine.evaluate.query_log import (
    LedgerDay,
    evaluation_prompt,
    log_statistics,
    model_log_summary,
    statistical_summary,
)
from query_engine.llm.access import RouterLLM
from query_engine.stores.history import HistoryEntry, QuestionHistory
from query_engine.stores.preferences import ChoiceLearning
from router import LedgerRow, RouterSettings, UsageLedger, configure

PERF = "performance = CPA | performance = Conversions | performance = ROAS | performance = Revenue"
WINDOW = "previous calendar month | trailing 30 days to the as-of date"
DAY1, DAY2 = dt.date(2025, 11, 10), dt.date(2025, 11, 11)
TIMEOUT = "The query ran longer than 10 s and was stopped."
REFUSAL = "Clarify only reads data."
GEMINI = "gemini/gemini-2.5-pro"


def at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour))


def entry(day, hour, question, rank=None, timings=None, error=None, refusal=None) -> HistoryEntry:
    return HistoryEntry(asked_at=at(day, hour), question=question, picked_rank=rank, error=error, refusal=refusal,
                        timings_json=json.dumps(timings or {}), reading_text=f"reading {rank}")


ENTRIES = [
    entry(DAY1, 9, "Show me high performing campaigns", 1, {"interpreting": 10, "running": 20}),
    entry(DAY1, 10, "high performing channels", 2, {"interpreting": 40, "running": 50}),
    entry(DAY1, 11, "Delete all campaigns", refusal=REFUSAL),
    entry(DAY2, 9, "best channel last month", 1, {"interpreting": 100}),
    entry(DAY2, 10, "spend by region", 3, {"running": 10000}, error=f"{TIMEOUT} Narrow the date range."),
    entry(DAY2, 11, "What is the CEO salary", refusal=REFUSAL),
    entry(DAY2, 12, "clicks by week", 1, error=f"{TIMEOUT} Group by fewer things."),
]
PICKS = [(PERF, "performance = Conversions", "Show me high performing campaigns"),
         (PERF, "performance = Conversions", "high performing channels"),
         (PERF, "performance = ROAS", "high performing regions"),
         (WINDOW, "previous calendar month", "best channel last month")]
LEDGER = [("2025-11-10T09:00:01+00:00", "ok", 100.0, 0.01), ("2025-11-10T09:00:02+00:00", "error", 0.0, 0.0),
          ("2025-11-11T09:00:01+00:00", "fallback", 300.0, 0.02), ("2025-11-11T09:00:02+00:00", "cache-hit", 0.0, 0.0),
          ("2025-11-11T09:00:03+00:00", "ok", 200.0, 0.005)]


@pytest.fixture
def seeded(clarify_home):
    history = QuestionHistory.in_home(clarify_home)
    for item in ENTRIES:
        history.add(item)
    store = ChoiceLearning.in_home(clarify_home)
    for key, option, question in PICKS:
        store.record([(key, option)], question)
    ledger = UsageLedger(clarify_home / "usage.sqlite")
    for ts, status, latency, cost in LEDGER:
        ledger.record(LedgerRow(task="evaluation", route=GEMINI, model=GEMINI, provider="gemini", status=status,
                                latency_ms=latency, actual_cost_usd=cost, ts=ts))
    return history.list(1000), ledger.rows(), store.picks()


@pytest.fixture
def stats(seeded):
    return log_statistics(*seeded)


def test_log_statistics_counts_questions_picks_and_ranks(stats):
    assert stats.total_questions == 7
    assert stats.questions_per_day == ((DAY1, 3), (DAY2, 4))
    assert stats.picked == 5
    assert stats.top_pick_rate == pytest.approx(0.6)
    assert stats.rank_counts == ((1, 3), (2, 1), (3, 1))


def test_log_statistics_groups_refusals_and_failures_by_reason(stats):
    assert stats.refusals == ((REFUSAL, 2),)
    assert stats.failures == ((TIMEOUT, 2),)
    assert (stats.refused, stats.failed) == (2, 2)


def test_log_statistics_ambiguity_phrases_and_winning_readings(stats):
    perf, window = stats.ambiguities
    assert (perf.ambiguity_key, perf.phrase, perf.times) == (PERF, "high performing", 3)
    assert perf.winners == (("performance = Conversions", 2), ("performance = ROAS", 1))
    assert (window.phrase, window.times, window.winners) == ("best channel last month", 1,
                                                             (("previous calendar month", 1),))
    assert stats.ambiguous_words[:4] == (("high", 3), ("performing", 3), ("best", 1), ("campaigns", 1))


def test_log_statistics_latency_per_day_is_the_median_of_run_totals(stats):
    assert stats.latency_by_day == ((DAY1, 60.0), (DAY2, 5050.0))


def test_log_statistics_ledger_trend_per_day(stats):
    assert stats.ledger_by_day == (LedgerDay(DAY1, 2, 1, 0.01, 100.0), LedgerDay(DAY2, 2, 0, 0.025, 250.0))
    assert (stats.model_calls, stats.total_cost_usd) == (4, pytest.approx(0.035))


def test_log_statistics_empty_log():
    empty = log_statistics([], [], [])
    assert (empty.total_questions, empty.top_pick_rate, empty.rank_counts, empty.ledger_by_day) == (0, None, (), ())
    assert statistical_summary(empty).statements == ("No questions in the log yet.",)


def test_statistical_summary_states_the_figures(stats):
    summary = statistical_summary(stats)
    assert summary.source == "statistics"
    assert summary.statements[:3] == (
        "7 questions over 2 days; 5 ran a reading, 2 were refused and 2 failed.",
        "The top reading was picked 60% of the time.",
        "'high performing' needed a choice 3 times; 'performance = Conversions' won 2 of them.")
    assert f"Most common refusal (2): {REFUSAL}" in summary.statements
    assert "4 model calls cost $0.0350 in total." in summary.statements


def test_evaluation_prompt_fences_the_whole_log(seeded, stats):
    prompt = evaluation_prompt(stats, seeded[0])
    log = prompt.split("<data>\n", 1)[1].split("\n</data>")[0].splitlines()
    assert len(log) == 7 and json.loads(log[0])["question"] == "clicks by week"
    assert '"top_pick_rate": 0.6' in prompt


@pytest.fixture
def evaluation_router(clarify_home):
    def make(reply: str):
        configure(RouterSettings(home=clarify_home, num_retries=0, keys={"GEMINI_API_KEY": "gem-test-key-5555555555"},
                                 model_params={GEMINI: {"mock_response": reply}}))
        return RouterLLM()
    yield make
    llm_router_module._current = None


def test_model_log_summary_keeps_supported_claims_and_flags_a_fabricated_number(evaluation_router, seeded, stats):
    llm = evaluation_router("- The top reading was picked 60% of the time.\n"
                            "- 'high performing' needed a choice 3 times; Conversions won 2.\n"
                            "- 47 questions were refused last week.\n"
                            "- Suggest defaulting 'high performing' to Conversions.")
    summary = model_log_summary(llm, stats, seeded[0])
    assert summary.statements == ("The top reading was picked 60% of the time.",
                                  "'high performing' needed a choice 3 times; Conversions won 2.",
                                  "Suggest defaulting 'high performing' to Conversions.")
    assert summary.flagged == (("47 questions were refused last week.", ("47",)),)
    assert summary.source.startswith(f"written by {GEMINI}")
    assert summary.cost_usd > 0


def test_model_log_summary_without_a_key_is_the_statistical_summary(clarify_home, stats, seeded):
    configure(RouterSettings(home=clarify_home, keys={}))
    try:
        summary = model_log_summary(RouterLLM(), stats, seeded[0])
    finally:
        llm_router_module._current = None
    assert summary == statistical_summary(stats)


def test_model_log_summary_falls_back_when_the_model_fails(evaluation_router, stats, seeded):
    summary = model_log_summary(evaluation_router("litellm.InternalServerError"), stats, seeded[0])
    assert summary.statements == statistical_summary(stats).statements
    assert summary.source.startswith("statistics (the evaluation model was unavailable")

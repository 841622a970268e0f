"""Investigations: the plan, its edits and limits, the guarded steps, and finding the planted Meta/Europe drop."""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace

import pytest

from data.generate import PLANTED_DROP
from query_engine.answer.contributions import contributions, metric_value
from query_engine.investigate.model_plan import model_plan
from query_engine.investigate.planner import (
    MAX_STEPS,
    TOOLS,
    InvestigationError,
    PlanStep,
    pipeline_runner,
    propose_plan,
    run_plan,
    validate_plan,
)
from query_engine.llm.access import LLMCallFailed, LLMText
from query_engine.pipeline import Pipeline
from query_engine.settings import Settings
from query_engine.sql.executor import open_connection
from router import TaskType

QUESTION = "why did ROAS drop in October?"


@pytest.fixture(scope="module")
def pipeline(demo_db):
    opened = Pipeline.open(Settings(), demo_db)
    yield opened
    opened.close()


def direct(db, sql: str):
    con = open_connection(db)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_propose_plan_reads_metric_period_and_baseline(pipeline):
    plan = propose_plan(QUESTION, pipeline.model, pipeline.profile)
    assert plan.metric == "roas"
    assert (plan.period.start, plan.period.end) == (dt.date(2025, 10, 1), dt.date(2025, 10, 31))
    assert (plan.baseline.start, plan.baseline.end) == (dt.date(2025, 9, 1), dt.date(2025, 9, 30))
    assert [s.tool for s in plan.steps] == ["compare_periods", "breakdown", "rank_contributors", "mix_rate",
                                            "run_query"]
    assert len(plan.steps) <= MAX_STEPS and "campaign" not in plan.dimensions and "region" in plan.dimensions


def test_propose_plan_additive_metric_has_no_mix_rate_step(pipeline):
    plan = propose_plan("why did spend go up in March 2025?", pipeline.model, pipeline.profile)
    assert plan.metric == "spend"
    assert "mix_rate" not in [s.tool for s in plan.steps]
    assert (plan.baseline.start, plan.baseline.end) == (dt.date(2025, 2, 1), dt.date(2025, 2, 28))


def test_run_plan_finds_the_planted_meta_europe_drop(pipeline, demo_db):
    calls = []

    def recording(spec):
        calls.append(spec)
        return pipeline_runner(pipeline)(spec)

    outcome = run_plan(propose_plan(QUESTION, pipeline.model, pipeline.profile), pipeline.model, recording)
    top = outcome.top[0]
    assert top.dimensions == ("channel", "region")
    assert top.segment == (PLANTED_DROP["channel"], PLANTED_DROP["region"])
    (sep,), (oct_,) = (direct(demo_db, "SELECT sum(revenue)/sum(spend) FROM campaign_daily JOIN campaigns USING "
                                       f"(campaign_id) WHERE channel='Meta' AND region='Europe' AND date BETWEEN "
                                       f"'{start}' AND '{end}'")
                       for start, end in (("2025-09-01", "2025-09-30"), ("2025-10-01", "2025-10-31")))
    assert top.before == pytest.approx(sep[0]) and top.after == pytest.approx(oct_[0])
    assert oct_[0] < 0.7 * sep[0]
    text = outcome.explanation
    assert "channel Meta + region Europe" in text
    assert f"from {sep[0]:.2f}x to {oct_[0]:.2f}x" in text
    total = [direct(demo_db, f"SELECT sum(revenue)/sum(spend) FROM campaign_daily WHERE date BETWEEN '{a}' AND '{b}'")
             [0][0] for a, b in (("2025-09-01", "2025-09-30"), ("2025-10-01", "2025-10-31"))]
    assert f"from {total[0]:.2f}x in September 2025 to {total[1]:.2f}x in October 2025" in text
    share = top.contribution / (total[1] - total[0])
    assert share > 0.6 and f"{share:.0%} of the change" in text
    assert all(o.error is None for o in outcome.steps)
    assert len(calls) == sum(len(o.sql) for o in outcome.steps)  # every query came from a spec, through the guard
    assert all("LIMIT" in sql.upper() for o in outcome.steps for sql in o.sql)


def test_mix_and_rate_add_up_to_the_change(pipeline):
    plan = propose_plan(QUESTION, pipeline.model, pipeline.profile)
    edited = replace(plan, steps=(PlanStep("mix_rate", {"dimensions": ["channel", "device"]}),))
    outcome = run_plan(edited, pipeline.model, pipeline_runner(pipeline))
    table = outcome.steps[0].tables[0].result
    i = table.columns.index
    contributions_sum = sum(r[i("contribution")] for r in table.rows)
    assert contributions_sum == pytest.approx(sum(r[i("rate")] + r[i("mix")] for r in table.rows))
    compare = run_plan(replace(plan, steps=(PlanStep("compare_periods"),)), pipeline.model, pipeline_runner(pipeline))
    before, after = compare.steps[0].tables[0].result.rows
    assert contributions_sum == pytest.approx(after[1] - before[1])


def test_run_plan_edited_steps_run_in_the_analysts_order(pipeline):
    plan = propose_plan(QUESTION, pipeline.model, pipeline.profile)
    edited = replace(plan, steps=(PlanStep("rank_contributors", {"dimensions": ["device"], "top": 2}),
                                  PlanStep("compare_periods")))
    outcome = run_plan(edited, pipeline.model, pipeline_runner(pipeline))
    assert [o.step.tool for o in outcome.steps] == ["rank_contributors", "compare_periods"]
    assert {c.dimensions for c in outcome.top} == {("device",)} and len(outcome.top) == 2


@pytest.mark.parametrize("steps, message", [
    ((), "no steps"),
    ((PlanStep("drop_table"),), "unknown tool"),
    ((PlanStep("breakdown", {"dimensions": ["planet"]}),), "dimensions must be"),
    ((PlanStep("run_query", {"spec": {"metrics": ["happiness"]}}),), "cannot run"),
    (tuple(PlanStep("compare_periods") for _ in range(MAX_STEPS + 1)), "at most 6"),
])
def test_validate_plan_refuses_bad_plans(pipeline, steps, message):
    plan = replace(propose_plan(QUESTION, pipeline.model, pipeline.profile), steps=steps)
    with pytest.raises(InvestigationError, match=message):
        validate_plan(plan, pipeline.model)


def test_contributions_additive_and_divided_formula(pipeline):
    before = {("A",): {"revenue": 100.0, "spend": 50.0}, ("B",): {"revenue": 100.0, "spend": 50.0}}
    after = {("A",): {"revenue": 40.0, "spend": 50.0}, ("B",): {"revenue": 110.0, "spend": 50.0}}
    found = contributions(pipeline.model, "revenue", before, after, ("channel",))
    assert [(c.segment, c.contribution) for c in found] == [(("A",), -60.0), (("B",), 10.0)]
    ratio = contributions(pipeline.model, "roas", before, after, ("channel",))
    assert sum(c.contribution for c in ratio) == pytest.approx(1.5 - 2.0)
    assert ratio[0].segment == ("A",) and ratio[0].rate == pytest.approx(0.5 * (0.8 - 2.0))
    assert metric_value(pipeline.model, "roas", {"revenue": 10.0, "spend": 0.0}) is None


class FakeLLM:
    """Canned replies in order; records every prompt."""

    def __init__(self, replies, cost=0.01, available=True):
        self.replies, self.cost, self.is_on, self.prompts = list(replies), cost, available, []

    def available(self, task):
        return self.is_on and task == TaskType.WORKFLOW_ORCHESTRATION

    def complete(self, task, prompt, *, system="", question_id=None, response_format=None):
        self.prompts.append(prompt)
        if not self.replies:
            raise LLMCallFailed("no more replies")
        return LLMText(self.replies.pop(0), "anthropic/claude-sonnet-4-5", self.cost)


def reply(calls, metric="roas"):
    return json.dumps({"metric": metric, "period_start": "2025-10-01", "period_end": "2025-10-31",
                       "baseline_start": "2025-09-01", "baseline_end": "2025-09-30", "calls": calls})


def test_model_plan_parses_tool_calls_into_steps(pipeline):
    llm = FakeLLM([reply([{"tool": "compare_periods"}, {"tool": "rank_contributors",
                                                        "arguments": {"dimensions": ["channel", "region"]}}])])
    plan, cost = model_plan(llm, QUESTION, pipeline.model, pipeline.profile)
    assert plan.source == "anthropic/claude-sonnet-4-5" and cost == pytest.approx(0.01)
    assert [(s.tool, dict(s.params)) for s in plan.steps] == [
        ("compare_periods", {}), ("rank_contributors", {"dimensions": ["channel", "region"]})]
    assert plan.period.label == "October 2025"
    prompt = json.loads(llm.prompts[0])
    assert [t["function"]["name"] for t in prompt["tools"]] == list(TOOLS)
    outcome = run_plan(plan, pipeline.model, pipeline_runner(pipeline))
    assert outcome.top[0].segment == ("Meta", "Europe")


def test_model_plan_keeps_at_most_six_steps(pipeline):
    llm = FakeLLM([reply([{"tool": "compare_periods"}] * 9)])
    plan, _ = model_plan(llm, QUESTION, pipeline.model, pipeline.profile)
    assert len(plan.steps) == MAX_STEPS and "only the first 6" in plan.notes[0]


def test_model_plan_repairs_once_then_falls_back(pipeline):
    bad = reply([{"tool": "drop_table"}])
    llm = FakeLLM([bad, reply([{"tool": "breakdown", "arguments": {"dimensions": ["galaxy"]}}])])
    plan, cost = model_plan(llm, QUESTION, pipeline.model, pipeline.profile)
    assert len(llm.prompts) == 2 and "rejected" in llm.prompts[1]
    assert plan.source == "offline" and "not used" in plan.notes[-1]
    assert cost == pytest.approx(0.02)


def test_model_plan_stops_at_the_cost_limit(pipeline):
    llm = FakeLLM([reply([{"tool": "drop_table"}]), reply([{"tool": "compare_periods"}])], cost=0.5)
    plan, cost = model_plan(llm, QUESTION, pipeline.model, pipeline.profile, max_cost_usd=0.1)
    assert len(llm.prompts) == 1 and "cost limit" in plan.notes[-1] and cost == 0.5


def test_model_plan_without_a_key_is_the_offline_plan(pipeline):
    llm = FakeLLM([], available=False)
    plan, cost = model_plan(llm, QUESTION, pipeline.model, pipeline.profile)
    assert plan == propose_plan(QUESTION, pipeline.model, pipeline.profile) and cost == 0 and not llm.prompts

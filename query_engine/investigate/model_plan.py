"""With a key, the orchestration model proposes an investigation plan as tool calls restricted to TOOLS.

The reply is JSON data (a pydantic-checked list of tool calls) turned into PlanSteps; nothing in it is run as code.
Limits: at most MAX_STEPS steps, and at most `max_calls` calls (one repair) within `max_cost_usd`.
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError

from query_engine.errors import ClarifyError
from query_engine.investigate.plan import (
    MAX_STEPS,
    TOOLS,
    InvestigationPlan,
    PlanStep,
    validate_plan,
)
from query_engine.investigate.planner import investigable_dimensions, propose_plan, span
from query_engine.llm.access import LLMAccess, LLMCallFailed, call_model
from query_engine.semantics.model import SemanticModel
from query_engine.semantics.profile import DataProfile
from router import TaskType

DEFAULT_MAX_COST_USD = 0.10
_DIMENSIONS = {"type": ["array", "string"], "items": {"type": "string"},
               "description": "dimension names, or \"auto\" for the two where the change is most concentrated"}
TOOL_SCHEMAS: tuple[dict[str, Any], ...] = (
    {"type": "function", "function": {
        "name": "compare_periods", "description": "The metric in the period and the baseline, with the change.",
        "parameters": {"type": "object", "properties": {}}}},
    {"type": "function", "function": {
        "name": "breakdown", "description": "Break the change down by each dimension.",
        "parameters": {"type": "object", "properties": {"dimensions": _DIMENSIONS}}}},
    {"type": "function", "function": {
        "name": "rank_contributors",
        "description": "Rank segments (dimensions crossed) by their contribution to the change.",
        "parameters": {"type": "object", "properties": {"dimensions": _DIMENSIONS, "top": {"type": "integer"}}}}},
    {"type": "function", "function": {
        "name": "mix_rate", "description": "For ratio metrics: split the change into mix and rate effects.",
        "parameters": {"type": "object", "properties": {"dimensions": _DIMENSIONS}}}},
    {"type": "function", "function": {
        "name": "run_query",
        "description": "Run one query spec (metrics, dimensions, filters, date_range) over the semantic model.",
        "parameters": {"type": "object", "properties": {"spec": {"type": "object"}, "filter_top": {"type": "boolean"}},
                       "required": ["spec"]}}},
)


class ToolCall(BaseModel):
    """One tool call of the model's plan."""

    tool: Literal["compare_periods", "breakdown", "rank_contributors", "mix_rate", "run_query"]
    arguments: dict[str, Any] = Field(default_factory=dict)
    why: str = ""


class PlanReply(BaseModel):
    """The model's plan: the metric, the two periods and the tool calls in order."""

    metric: str
    period_start: dt.date
    period_end: dt.date
    baseline_start: dt.date
    baseline_end: dt.date
    calls: list[ToolCall]


SYSTEM = ("You plan a short investigation of why a marketing metric changed. Use only the tools given, at most "
          f"{MAX_STEPS} calls, and reply with JSON only.")


def model_plan(llm: LLMAccess, question: str, model: SemanticModel, profile: DataProfile, as_of: dt.date | None = None,
               *, max_cost_usd: float = DEFAULT_MAX_COST_USD, max_calls: int = 2,
               question_id: str | None = None) -> tuple[InvestigationPlan, float]:
    """The model's plan (or the offline drill-down with a note when it fails) and what the calls cost."""
    offline = propose_plan(question, model, profile, as_of)
    if not llm.available(TaskType.WORKFLOW_ORCHESTRATION):
        return offline, 0.0
    prompt, cost, problem = _prompt(question, model, profile, offline), 0.0, ""
    for _ in range(max_calls):
        if cost >= max_cost_usd:
            problem = f"the cost limit (${max_cost_usd:.2f}) was reached"
            break
        try:
            reply = call_model(llm, TaskType.WORKFLOW_ORCHESTRATION, prompt, system=SYSTEM,
                               question_id=question_id, response_format=PlanReply)
        except LLMCallFailed as exc:
            problem = str(exc)
            break
        cost += reply.cost_usd
        try:
            return _plan_from(reply.text, question, model, offline, reply.model), cost
        except (ValidationError, ValueError, ClarifyError) as exc:
            problem = _first_line(exc)
            prompt = f"{prompt}\n\nYour previous plan was rejected: {problem}. Send a corrected plan."
    note = f"The orchestration model's plan was not used ({problem}); this is the offline drill-down."
    return replace(offline, notes=(*offline.notes, note)), cost


def _prompt(question: str, model: SemanticModel, profile: DataProfile, offline: InvestigationPlan) -> str:
    metrics = {n: m.label for n, m in model.metrics.items()}
    return json.dumps({
        "question": question, "data_window": profile.window_label(), "metrics": metrics,
        "dimensions": list(investigable_dimensions(model, profile)),
        "suggested_periods": {"period": [offline.period.start.isoformat(), offline.period.end.isoformat()],
                              "baseline": [offline.baseline.start.isoformat(), offline.baseline.end.isoformat()]},
        "tools": list(TOOL_SCHEMAS),
        "reply_format": PlanReply.model_json_schema(),
    }, indent=1)


def _plan_from(text: str, question: str, model: SemanticModel, offline: InvestigationPlan,
               writer: str) -> InvestigationPlan:
    reply = PlanReply.model_validate_json(_json_part(text))
    notes: tuple[str, ...] = ()
    calls = reply.calls
    if len(calls) > MAX_STEPS:
        notes = (f"The model proposed {len(calls)} steps; only the first {MAX_STEPS} are kept.",)
        calls = calls[:MAX_STEPS]
    steps = tuple(PlanStep(c.tool, dict(c.arguments), c.why or c.tool.replace("_", " ")) for c in calls)
    if any(s.tool not in TOOLS for s in steps):
        raise ValueError("a step uses an unknown tool")
    plan = InvestigationPlan(question, reply.metric, span(reply.period_start, reply.period_end),
                             span(reply.baseline_start, reply.baseline_end), steps,
                             offline.dimensions, source=writer, notes=notes)
    return validate_plan(plan, model)


def _json_part(text: str) -> str:
    start, end = text.find("{"), text.rfind("}")
    if start < 0 or end < start:
        raise ValueError("the reply holds no JSON object")
    return text[start:end + 1]


def _first_line(exc: Exception) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]

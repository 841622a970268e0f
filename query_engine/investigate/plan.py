"""The data of an investigation: plans of typed steps, what they ran and found; and the plan check."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from query_engine.answer.contributions import Contribution
from query_engine.errors import ClarifyError, InvestigationError
from query_engine.semantics.model import SemanticModel
from query_engine.spec.codec import spec_from_dict
from query_engine.spec.query import ColumnInfo, DateRange, QueryResult, QuerySpec
from query_engine.sql.compiler import compile_spec

TOOLS = ("compare_periods", "breakdown", "rank_contributors", "mix_rate", "run_query")
TOOL_LABELS = {"compare_periods": "Compare two periods", "breakdown": "Break the change down by each dimension",
               "rank_contributors": "Rank the contributors to the change", "mix_rate": "Check mix against rate effects",
               "run_query": "Run a query"}
MAX_STEPS = 6




@dataclass(frozen=True)
class PlanStep:
    """One step: a tool from TOOLS, its parameters (plain JSON data) and what it is for."""

    tool: str
    params: Mapping[str, Any] = field(default_factory=dict)
    description: str = ""


@dataclass(frozen=True)
class InvestigationPlan:
    """What to look at, over which periods, in which steps; the analyst may edit it before it runs."""

    question: str
    metric: str
    period: DateRange
    baseline: DateRange
    steps: tuple[PlanStep, ...]
    dimensions: tuple[str, ...] = ()  # the dimensions 'auto' steps may choose from
    source: str = "offline"
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class RanQuery:
    """A spec that ran: the guarded SQL, the rows and what the columns mean."""

    spec: QuerySpec
    sql: str
    result: QueryResult
    columns: tuple[ColumnInfo, ...]


@dataclass(frozen=True)
class StepTable:
    """A table a step shows, with the chart that suits it ('bar', 'line' or '')."""

    title: str
    result: QueryResult
    columns: tuple[ColumnInfo, ...]
    chart: str = "bar"


@dataclass(frozen=True)
class StepOutcome:
    """What one step found: a sentence with numbers, its tables and the SQL it ran."""

    step: PlanStep
    summary: str
    tables: tuple[StepTable, ...] = ()
    sql: tuple[str, ...] = ()
    error: str | None = None


@dataclass(frozen=True)
class InvestigationOutcome:
    """The steps' findings and a short explanation of the change."""

    plan: InvestigationPlan
    steps: tuple[StepOutcome, ...]
    explanation: str
    top: tuple[Contribution, ...] = ()


def validate_plan(plan: InvestigationPlan, model: SemanticModel) -> InvestigationPlan:
    """The plan if every step uses a known tool with known names (at most MAX_STEPS); else InvestigationError."""
    model.metric(plan.metric)
    if not plan.steps:
        raise InvestigationError("The plan has no steps.", hint="Add at least one step, e.g. 'Compare two periods'.")
    if len(plan.steps) > MAX_STEPS:
        raise InvestigationError(f"The plan has {len(plan.steps)} steps; at most {MAX_STEPS} run.",
                                 hint="Remove a step.")
    for number, step in enumerate(plan.steps, 1):
        problem = _step_problem(step, model)
        if problem:
            raise InvestigationError(f"Step {number} ({step.tool}): {problem}.", hint="Edit or remove the step.")
    return plan


def _step_problem(step: PlanStep, model: SemanticModel) -> str:
    if step.tool not in TOOLS:
        return f"unknown tool; use one of {', '.join(TOOLS)}"
    dims = step.params.get("dimensions", "auto")
    if dims != "auto" and (not isinstance(dims, (list, tuple)) or any(d not in model.dimensions for d in dims)):
        return f"dimensions must be 'auto' or names from {', '.join(model.dimensions)}"
    if step.tool == "run_query":
        try:
            compile_spec(spec_from_dict(dict(step.params.get("spec") or {})), model)
        except ClarifyError as exc:
            return f"its query cannot run: {exc}"
    return ""



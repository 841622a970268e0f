"""Investigate a change ("why did ROAS drop in October?"): a plan of typed steps the analyst approves, then runs.

Every step builds QuerySpecs; each runs through compile_spec -> guard_sql -> execute. No step takes SQL text.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from query_engine.errors import ClarifyError
from query_engine.interpret.readings import build_context, interpret
from query_engine.investigate.plan import (
    MAX_STEPS,
    TOOL_LABELS,
    TOOLS,
    InvestigationError,
    InvestigationOutcome,
    InvestigationPlan,
    PlanStep,
    RanQuery,
    StepOutcome,
    StepTable,
    validate_plan,
)
from query_engine.semantics.asked_ratios import with_asked_ratios
from query_engine.semantics.model import SemanticModel
from query_engine.semantics.profile import DataProfile
from query_engine.spec.calendar import add_months, month_end, month_label
from query_engine.spec.codec import spec_to_dict
from query_engine.spec.query import DateRange, QueryResult, QuerySpec
from query_engine.sql.compiler import compile_spec
from query_engine.sql.guard import GuardedSql, GuardPolicy, guard_sql

__all__ = ["MAX_STEPS", "TOOLS", "TOOL_LABELS", "InvestigationError", "InvestigationOutcome", "InvestigationPlan",
           "PlanStep", "RanQuery", "StepOutcome", "StepTable", "investigable_dimensions", "periods_of",
           "pipeline_runner", "propose_plan", "run_plan", "span", "spec_runner", "validate_plan"]
MAX_DIMENSION_VALUES = 20

SpecRunner = Callable[[QuerySpec], RanQuery]  # compile_spec -> guard_sql -> execute


def spec_runner(run: Callable[[GuardedSql], QueryResult], model: SemanticModel, policy: GuardPolicy) -> SpecRunner:
    """A runner that compiles a spec, passes its SQL through the guard and runs it with `run`."""
    def run_spec(spec: QuerySpec) -> RanQuery:
        compiled = compile_spec(spec, with_asked_ratios(model, spec.metrics))  # "revenue per session" by its name
        guarded = guard_sql(compiled.sql, policy)
        return RanQuery(spec, guarded.sql, run(guarded), compiled.columns)

    return run_spec


def pipeline_runner(pipeline: Any) -> SpecRunner:
    """spec_runner over a Pipeline's bounded query runner, model and guard policy."""
    return spec_runner(pipeline.run_guarded, pipeline.model, pipeline.policy)


def propose_plan(question: str, model: SemanticModel, profile: DataProfile,
                 as_of: dt.date | None = None) -> InvestigationPlan:
    """The deterministic drill-down: compare, break down, rank, mix vs rate (ratios), then the top segment by day."""
    as_of = as_of or profile.as_of or dt.date.today()
    understanding = interpret(question, build_context(model, profile), as_of)
    spec = understanding.interpretations[0].spec if understanding.interpretations else None
    metric = _metric_of(spec, model)
    model = with_asked_ratios(model, [metric])
    period, baseline = periods_of(spec.date_range if spec else None, as_of)
    dims = investigable_dimensions(model, profile)
    steps = [PlanStep("compare_periods", {}, f"{_label(model, metric)}: {period.label} against {baseline.label}"),
             PlanStep("breakdown", {"dimensions": list(dims)}, "Where the change sits, one dimension at a time"),
             PlanStep("rank_contributors", {"dimensions": "auto", "top": 5},
                      "The segments (two most telling dimensions crossed) that moved the total most")]
    if model.metric(metric).is_ratio:
        steps.append(PlanStep("mix_rate", {"dimensions": "auto"},
                              "Did segments get worse (rate), or did spend move to worse segments (mix)?"))
    steps.append(PlanStep("run_query", {"spec": _daily_spec(metric, baseline, period), "filter_top": True},
                          "The top contributor day by day across both periods"))
    return InvestigationPlan(question, metric, period, baseline, tuple(steps), dims)


def _metric_of(spec: QuerySpec | None, model: SemanticModel) -> str:
    if spec and spec.metrics:
        return spec.metrics[0]
    if model.default_metrics:
        return model.default_metrics[0]
    raise InvestigationError("Clarify could not tell which metric to investigate.",
                             hint="Name the metric, e.g. 'why did ROAS drop in October?'.")


def periods_of(window: DateRange | None, as_of: dt.date) -> tuple[DateRange, DateRange]:
    """(period, baseline): a two-period comparison is split; a single month is set against the month before."""
    if window is None:
        last = dt.date(as_of.year, as_of.month, 1) - dt.timedelta(days=1)
        window = _month(last.year, last.month)
    months = _whole_months(window)
    if months and months % 2 == 0 and months > 1:
        middle = add_months(window.start, months // 2)
        return (span(middle, window.end), span(window.start, middle - dt.timedelta(days=1)))
    if months:
        start = add_months(window.start, -months)
        return span(window.start, window.end, window.label), span(start, window.start - dt.timedelta(days=1))
    days = (window.end - window.start).days + 1
    return window, span(window.start - dt.timedelta(days=days), window.start - dt.timedelta(days=1))


def _whole_months(window: DateRange) -> int:
    if window.start.day != 1 or window.end.day != month_end(window.end.year, window.end.month).day:
        return 0
    return (window.end.year - window.start.year) * 12 + window.end.month - window.start.month + 1


def _month(year: int, month: int) -> DateRange:
    return span(dt.date(year, month, 1), month_end(year, month))


def span(start: dt.date, end: dt.date, label: str = "") -> DateRange:
    """A window labelled by its month ('October 2025') when it is one, else by its dates."""
    if not label and start.day == 1 and end == dt.date(start.year, start.month,
                                                       month_end(start.year, start.month).day):
        label = month_label(start.year, start.month)
    return DateRange(start, end, label or f"{start.isoformat()} to {end.isoformat()}")


def investigable_dimensions(model: SemanticModel, profile: DataProfile) -> tuple[str, ...]:
    """Dimensions worth breaking a change down by: not entities, and few enough values to read."""
    return tuple(name for name, dim in model.dimensions.items()
                 if not dim.entity and 1 < len(profile.values.get(name, ())) <= MAX_DIMENSION_VALUES)


def _daily_spec(metric: str, baseline: DateRange, period: DateRange) -> dict[str, Any]:
    window = DateRange(baseline.start, period.end, f"{baseline.label} and {period.label}")
    return spec_to_dict(QuerySpec(metrics=(metric,), dimensions=("day",), date_range=window))


def _label(model: SemanticModel, metric: str) -> str:
    return model.metric(metric).label


def run_plan(plan: InvestigationPlan, model: SemanticModel, run: SpecRunner) -> InvestigationOutcome:
    """Run each step of an approved plan in order; a failed step is reported and the rest still run."""
    from query_engine.investigate.steps import STEP_RUNNERS, RunState, explanation

    model = with_asked_ratios(model, [plan.metric])
    validate_plan(plan, model)
    state = RunState(plan, model, run)
    outcomes = []
    for step in plan.steps:
        try:
            outcomes.append(STEP_RUNNERS[step.tool](state, step))
        except ClarifyError as exc:
            outcomes.append(StepOutcome(step, "", error=str(exc)))
    return InvestigationOutcome(plan, tuple(outcomes), explanation(state), state.top)

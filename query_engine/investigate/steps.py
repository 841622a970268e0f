"""The five investigation tools: each builds specs, runs them through the guarded runner and reports numbers."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from query_engine.answer.contributions import Contribution, contributions, metric_value
from query_engine.investigate.plan import (
    InvestigationPlan,
    PlanStep,
    RanQuery,
    StepOutcome,
    StepTable,
)
from query_engine.semantics.model import SemanticModel
from query_engine.spec.codec import spec_from_dict
from query_engine.spec.query import (
    ColumnInfo,
    DateRange,
    Filter,
    QueryResult,
    QuerySpec,
)
from query_engine.spec.value_format import format_value

TOP_DEFAULT = 5


class RunState:
    """What steps share while a plan runs: the change, per-dimension concentration and the top contributors."""

    def __init__(self, plan: InvestigationPlan, model: SemanticModel, run: Callable[[QuerySpec], RanQuery]) -> None:
        self.plan, self.model, self.run = plan, model, run
        self.metric = model.metric(plan.metric)
        self.totals: tuple[float | None, float | None] | None = None
        self.concentration: dict[str, float] = {}
        self.top: tuple[Contribution, ...] = ()
        self.mix_rate: tuple[float, float] | None = None
        self.sql: list[str] = []

    def measures(self, dims: tuple[str, ...], window: DateRange,
                 filters: tuple[Filter, ...] = ()) -> dict[tuple[str, ...], dict[str, float]]:
        """Each segment's base measures over a window (one guarded query)."""
        names = tuple(m.name for m in self.model.measures_of(self.metric.name))
        ran = self.run(QuerySpec(metrics=names, dimensions=dims, filters=filters, date_range=window))
        self.sql.append(ran.sql)
        width = len(dims)
        return {tuple(str(v) for v in row[:width]):
                {n: float(v or 0.0) for n, v in zip(names, row[width:], strict=False)}
                for row in ran.result.rows}

    def contributions(self, dims: tuple[str, ...]) -> list[Contribution]:
        """Every segment's part in the change, the largest in the change's direction first."""
        before = self.measures(dims, self.plan.baseline)
        after = self.measures(dims, self.plan.period)
        return contributions(self.model, self.metric.name, before, after, dims)

    def dimensions(self, step: PlanStep, count: int) -> tuple[str, ...]:
        """The step's dimensions, or for 'auto' the `count` dimensions where the change is most concentrated."""
        dims = step.params.get("dimensions", "auto")
        if dims != "auto":
            return tuple(dims)
        if not self.concentration:
            for dim in self.plan.dimensions or tuple(self.model.dimensions):
                self.concentration[dim] = concentration(self.contributions((dim,)))
        return tuple(sorted(self.concentration, key=lambda d: -self.concentration[d])[:count])

    def change(self) -> tuple[float | None, float | None]:
        """The metric in the baseline and in the period."""
        if self.totals is None:
            before = self.measures((), self.plan.baseline).get((), {})
            after = self.measures((), self.plan.period).get((), {})
            self.totals = (metric_value(self.model, self.metric.name, before),
                           metric_value(self.model, self.metric.name, after))
        return self.totals

    def fmt(self, value: float | None) -> str:
        """A value in the metric's format."""
        return format_value(value, self.metric.format)

    def delta(self, value: float | None) -> str:
        """A signed change in the metric's format."""
        if value is None:
            return "—"
        return ("+" if value >= 0 else "-") + format_value(abs(value), self.metric.format)

    def new_sql(self, since: int) -> tuple[str, ...]:
        return tuple(self.sql[since:])


def concentration(found: list[Contribution]) -> float:
    """How much more of the change one segment carries than its size would suggest (0: spread evenly).

    A value holding nearly all the volume (status 'active') trivially carries nearly all the change; what
    points at a cause is a segment whose share of the change far exceeds its share of the volume.
    """
    total = sum(c.contribution for c in found)
    if not found or not total:
        return 0.0
    sizes = _sizes(found)
    return max(c.contribution / total - size for c, size in zip(found, sizes, strict=False))


def _sizes(found: list[Contribution]) -> list[float]:
    if all(c.share_before is not None for c in found):
        return [c.share_before or 0.0 for c in found]
    volume = [abs(c.before or 0.0) for c in found]
    return [v / sum(volume) if sum(volume) else 0.0 for v in volume]


def _compare(state: RunState, step: PlanStep) -> StepOutcome:
    mark = len(state.sql)
    before, after = state.change()
    plan, label = state.plan, state.metric.label
    if before is None or after is None:
        return StepOutcome(step, f"{label} has no value in one of the periods.", sql=state.new_sql(mark))
    pct = f" ({(after - before) / abs(before):+.1%})" if before else ""
    summary = (f"{label} went from {state.fmt(before)} in {plan.baseline.label} to {state.fmt(after)} in "
               f"{plan.period.label}: {state.delta(after - before)}{pct}.")
    info = ColumnInfo("period", "dimension", "Period", "text")
    value = ColumnInfo(state.metric.name, "metric", label, state.metric.format)
    table = QueryResult(("period", state.metric.name), ((plan.baseline.label, before), (plan.period.label, after)), 0.0)
    return StepOutcome(step, summary, (StepTable(f"{label} by period", table, (info, value)),), state.new_sql(mark))


def _breakdown(state: RunState, step: PlanStep) -> StepOutcome:
    mark = len(state.sql)
    dims = state.dimensions(step, len(state.plan.dimensions or state.model.dimensions)) \
        if step.params.get("dimensions", "auto") == "auto" else tuple(step.params["dimensions"])
    tables, lines = [], []
    for dim in dims:
        found = state.contributions((dim,))
        state.concentration[dim] = concentration(found)
        tables.append(_contribution_table(state, found, f"Change in {state.metric.label} by {dim}"))
        if found:
            total = sum(c.contribution for c in found)
            share = f" ({found[0].contribution / total:.0%} of the change)" if total else ""
            lines.append(f"{dim}: {found[0].label} {state.delta(found[0].contribution)}{share}")
    ranked = sorted(dims, key=lambda d: -state.concentration[d])
    summary = (f"The change is most concentrated by {ranked[0]}. " + "; ".join(lines) + ".") if ranked else ""
    return StepOutcome(step, summary, tuple(tables), state.new_sql(mark))


def _rank(state: RunState, step: PlanStep) -> StepOutcome:
    mark = len(state.sql)
    dims = state.dimensions(step, 2)
    found = state.contributions(dims)
    top = found[:int(step.params.get("top", TOP_DEFAULT) or TOP_DEFAULT)]
    state.top = tuple(top)
    total = sum(c.contribution for c in found)
    lines = [f"{c.label} {state.delta(c.contribution)}" + (f" ({c.contribution / total:.0%})" if total else "")
             for c in top]
    summary = f"Top contributors by {' x '.join(dims)}: " + "; ".join(lines) + "."
    table = _contribution_table(state, found, f"Contributors to the change by {' x '.join(dims)}")
    return StepOutcome(step, summary, (table,), state.new_sql(mark))


def _mix_rate(state: RunState, step: PlanStep) -> StepOutcome:
    mark = len(state.sql)
    if not state.metric.is_ratio:
        return StepOutcome(step, f"{state.metric.label} is not a ratio, so there is no mix or rate to separate.")
    dims = state.dimensions(step, 2)
    found = state.contributions(dims)
    rate = sum(c.rate or 0.0 for c in found)
    mix = sum(c.mix or 0.0 for c in found)
    state.mix_rate = (rate, mix)
    denominator = state.model.metric(state.metric.denominator or "").label.lower()
    summary = (f"By {' x '.join(dims)}: rate effects (segments' own {state.metric.label} moving) account for "
               f"{state.delta(rate)} and mix effects (the {denominator} share moving between segments) "
               f"for {state.delta(mix)}.")
    return StepOutcome(step, summary, (_contribution_table(state, found, "Mix and rate by segment", mix_rate=True),),
                       state.new_sql(mark))


def _run_query(state: RunState, step: PlanStep) -> StepOutcome:
    spec = spec_from_dict(dict(step.params.get("spec") or {}))
    if step.params.get("filter_top") and state.top:
        top = state.top[0]
        top_filters = (Filter(d, (v,)) for d, v in zip(top.dimensions, top.segment, strict=False))
        spec = spec.with_changes(filters=(*spec.filters, *top_filters))
    ran = state.run(spec)
    state.sql.append(ran.sql)
    where = f" for {state.top[0].label}" if step.params.get("filter_top") and state.top else ""
    summary = f"{len(ran.result.rows)} rows{where}."
    chart = "line" if any(c.role == "time" for c in ran.columns) else "bar"
    title = step.description or "Query"
    return StepOutcome(step, summary, (StepTable(title + where, ran.result, ran.columns, chart),), (ran.sql,))


def _contribution_table(state: RunState, found: list[Contribution], title: str, mix_rate: bool = False) -> StepTable:
    fmt, label = state.metric.format, state.metric.label
    columns = [ColumnInfo("segment", "dimension", " x ".join(found[0].dimensions) if found else "Segment", "text"),
               ColumnInfo("before", "detail", f"{label} ({state.plan.baseline.label})", fmt),
               ColumnInfo("after", "detail", f"{label} ({state.plan.period.label})", fmt),
               ColumnInfo("contribution", "metric", "Contribution to the change", fmt)]
    rows: list[tuple[Any, ...]] = [(c.label, c.before, c.after, c.contribution) for c in found]
    if mix_rate:
        columns += [ColumnInfo("rate", "detail", "Rate effect", fmt), ColumnInfo("mix", "detail", "Mix effect", fmt),
                    ColumnInfo("share_before", "detail", "Share before", "percent"),
                    ColumnInfo("share_after", "detail", "Share after", "percent")]
        rows = [(*r, c.rate, c.mix, c.share_before, c.share_after) for r, c in zip(rows, found, strict=False)]
    result = QueryResult(tuple(c.name for c in columns), tuple(rows), 0.0)
    return StepTable(title, result, tuple(columns))


def explanation(state: RunState) -> str:
    """The finding in two or three sentences with the numbers that support it."""
    before, after = state.change()
    metric, plan = state.metric, state.plan
    if before is None or after is None:
        return f"{metric.label} could not be computed for both periods, so the change cannot be explained."
    change = after - before
    verb = "fell" if change < 0 else "rose"
    parts = [f"{metric.label} {verb} from {state.fmt(before)} in {plan.baseline.label} to {state.fmt(after)} in "
             f"{plan.period.label} ({state.delta(change)})."]
    if state.top:
        top = state.top[0]
        share = f", {top.contribution / change:.0%} of the change" if change else ""
        parts.append(f"The top contributor is {top.describe()}: {state.delta(top.contribution)}{share}; its "
                     f"{metric.label} went from {state.fmt(top.before)} to {state.fmt(top.after)}.")
    if state.mix_rate:
        rate, mix = state.mix_rate
        main = "rate (segments performing differently)" if abs(rate) >= abs(mix) else "mix (where the money went)"
        parts.append(f"Mostly {main}: rate {state.delta(rate)}, mix {state.delta(mix)}.")
    return " ".join(parts)


STEP_RUNNERS: dict[str, Callable[[RunState, PlanStep], StepOutcome]] = {
    "compare_periods": _compare, "breakdown": _breakdown, "rank_contributors": _rank, "mix_rate": _mix_rate,
    "run_query": _run_query}

"""Change between two periods per group: 'which channel grew revenue the most this year'. The first metric in the
earlier and the later period (each a ratio of sums within its own period), the change and the change in percent."""
from __future__ import annotations

from collections.abc import Callable

from sqlglot import exp

from query_engine.semantics.model import SemanticModel
from query_engine.spec.query import ColumnInfo, DateRange, QuerySpec

CHANGE, CHANGE_PCT = "change", "change_pct"


def change_columns(spec: QuerySpec, metric_within: Callable[[exp.Expr, str], exp.Expr],
                   window_of: Callable[[DateRange], exp.Expr]) -> list[tuple[str, exp.Expr]]:
    """(name, expression) of the earlier figure, the later one, the change and the change in percent."""
    metric = spec.metrics[0]
    earlier, later = (metric_within(window_of(w), metric) for w in spec.periods)
    difference = exp.Sub(this=later.copy(), expression=earlier.copy())
    ratio = exp.Div(this=later.copy(), expression=exp.Nullif(this=earlier.copy(), expression=exp.Literal.number(0)))
    columns = [(CHANGE_PCT, exp.Sub(this=ratio, expression=exp.Literal.number(1))), (CHANGE, difference),
               (metric, later), (f"{metric}_before", earlier)]
    return sorted(columns, key=lambda c: c[0] != ranked_by(spec))


def ranked_by(spec: QuerySpec) -> str:
    """The column the reading ranks by, which leads the table, the chart and the insights."""
    return CHANGE if spec.change == "abs" else CHANGE_PCT


def change_infos(spec: QuerySpec, model: SemanticModel) -> tuple[ColumnInfo, ...]:
    """What the change columns mean, each period named by its dates."""
    metric = model.metric(spec.metrics[0])
    higher = None if metric.direction == "neutral" else metric.direction == "higher"
    before, after = (_named(w) for w in spec.periods)
    infos = [ColumnInfo(CHANGE_PCT, "metric", f"Change in {metric.label}, %", "percent", higher),
             ColumnInfo(CHANGE, "metric", f"Change in {metric.label}", metric.format, higher),
             ColumnInfo(metric.name, "metric", f"{metric.label}, {after}", metric.format, higher),
             ColumnInfo(f"{metric.name}_before", "metric", f"{metric.label}, {before}", metric.format, higher)]
    return tuple(sorted(infos, key=lambda c: c.name != ranked_by(spec)))


def _named(window: DateRange) -> str:
    return f"{window.start.isoformat()} to {window.end.isoformat()}"


def step_columns(spec: QuerySpec, metric_of: Callable[[str], exp.Expr], grain: exp.Expr) -> list[tuple[str, exp.Expr]]:
    """'Month-over-month growth': each period's figure, the one before it (LAG over the periods), the change and the
    change in percent."""
    metric = spec.metrics[0]
    now = metric_of(metric)
    before = exp.Window(this=exp.Lag(this=now.copy()), order=exp.Order(expressions=[exp.Ordered(this=grain.copy())]))
    difference = exp.Sub(this=now.copy(), expression=before.copy())
    ratio = exp.Div(this=now.copy(), expression=exp.Nullif(this=before.copy(), expression=exp.Literal.number(0)))
    return [(metric, now), (f"{metric}_before", before), (CHANGE, difference),
            (CHANGE_PCT, exp.Sub(this=ratio, expression=exp.Literal.number(1)))]


def step_infos(spec: QuerySpec, model: SemanticModel, grain: str) -> tuple[ColumnInfo, ...]:
    """What the step columns mean: the figure, the period before's, and the change from it."""
    metric = model.metric(spec.metrics[0])
    higher = None if metric.direction == "neutral" else metric.direction == "higher"
    return (ColumnInfo(metric.name, "metric", metric.label, metric.format, higher),
            ColumnInfo(f"{metric.name}_before", "metric", f"{metric.label}, the {grain} before", metric.format,
                       higher),
            ColumnInfo(CHANGE, "metric", f"Change in {metric.label} from the {grain} before", metric.format, higher),
            ColumnInfo(CHANGE_PCT, "metric", f"Change in {metric.label} from the {grain} before, %", "percent",
                       higher))

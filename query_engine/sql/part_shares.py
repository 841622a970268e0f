"""Shares of a whole: each row's part of the total, one value's part ("what share of clicks came from mobile")
and one measure's part of another ("what share of sales came from other SKUs")."""
from __future__ import annotations

from collections.abc import Callable
from functools import reduce

from sqlglot import exp

from query_engine.semantics.model import SemanticModel
from query_engine.spec.query import ColumnInfo, Filter, QuerySpec

MetricOf = Callable[[str], exp.Expr]


def part_condition(spec: QuerySpec, condition_of: Callable[[Filter], exp.Expr]) -> exp.Expr | None:
    """The rows of the part, from the part's filters on dimensions the reading does not group by.

    A part on a grouped dimension is one of the rows already: it is shown first instead (see focus_order)."""
    conditions = [condition_of(f) for f in spec.part if f.dimension not in spec.dimensions]
    if not conditions:
        return None
    return reduce(lambda a, b: exp.And(this=a, expression=b), conditions)


def focus_order(spec: QuerySpec, dimension_of: MetricOf) -> list[exp.Ordered]:
    """Sort keys that put the part's own rows first in a breakdown by the part's dimension."""
    order = []
    for filt in spec.part:
        if filt.dimension in spec.dimensions and filt.op == "in":
            first = exp.If(this=dimension_of(filt.dimension).isin(*filt.values), true=exp.Literal.number(0))
            order.append(exp.Ordered(this=exp.Case(ifs=[first], default=exp.Literal.number(1)), desc=False))
    return order


def share_columns(spec: QuerySpec, share: str | None, part_metric: MetricOf, whole_metric: MetricOf,
                  conditioned: bool) -> list[tuple[str, exp.Expr]]:
    """The share column (and, for a value's part, the whole beside it) as (name, expression) pairs."""
    if share is None:
        return []
    if spec.whole:
        return [(f"{share}_share", _ratio(whole_metric(share), whole_metric(spec.whole)))]
    if conditioned:
        return [(f"{share}_whole", whole_metric(share)), (f"{share}_share", _ratio(part_metric(share),
                                                                                  whole_metric(share)))]
    # The row's part of the grand total: SUM(x) / SUM(SUM(x)) OVER (), over the rows the filters keep.
    total = exp.Window(this=exp.Sum(this=whole_metric(share)), partition_by=[], order=None)
    return [(f"{share}_share", _ratio(part_metric(share), total))]


def share_infos(spec: QuerySpec, share: str | None, model: SemanticModel, conditioned: bool) -> tuple[ColumnInfo, ...]:
    """What the columns of share_columns mean."""
    if share is None:
        return ()
    metric = model.metric(share)
    if spec.whole:
        whole = model.metric(spec.whole).label
        return (ColumnInfo(f"{share}_share", "metric", f"{metric.label} as a share of {whole}", "percent"),)
    share_info = ColumnInfo(f"{share}_share", "metric", f"Share of {metric.label.lower()}", "percent")
    if conditioned:
        return ColumnInfo(f"{share}_whole", "metric", f"All {metric.label.lower()}", metric.format), share_info
    return (share_info,)


def part_labels(columns: tuple[ColumnInfo, ...], spec: QuerySpec, conditioned: bool) -> tuple[ColumnInfo, ...]:
    """Metric labels that say they count the part only: 'Clicks (Syndicated search partners)'."""
    if not conditioned:
        return columns
    values = [v for f in spec.part if f.dimension not in spec.dimensions for v in f.values]
    named = ", ".join(values[:3]) + (" ..." if len(values) > 3 else "")
    return tuple(ColumnInfo(c.name, c.role, f"{c.label} ({named})", c.format, c.higher_is_better)
                 if c.role == "metric" and c.name in spec.metrics else c for c in columns)


def _ratio(part: exp.Expr, whole: exp.Expr) -> exp.Expr:
    return exp.Div(this=part, expression=exp.Nullif(this=whole, expression=exp.Literal.number(0)))

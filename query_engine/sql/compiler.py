"""Compile a QuerySpec to DuckDB SQL with sqlglot's expression builders (never string formatting)."""
from __future__ import annotations

from dataclasses import dataclass

from sqlglot import exp

from query_engine.errors import SpecError
from query_engine.semantics.formula import expand_formula
from query_engine.semantics.model import Metric, SemanticModel
from query_engine.spec.query import ColumnInfo, ColumnRole, DateRange, Filter, QuerySpec, Threshold
from query_engine.sql.group_counts import count_groups
from query_engine.sql.part_shares import (
    focus_order,
    part_condition,
    part_labels,
    share_columns,
    share_infos,
)
from query_engine.sql.period_changes import change_columns, change_infos, step_columns, step_infos

GRAIN_FORMAT = {"day": "date", "week": "week", "month": "month", "quarter": "quarter", "year": "integer",
                "day_of_week": "text", "week_part": "text"}
WEEKEND_DAYS = (6, 7)  # ISO weekdays: Saturday and Sunday


@dataclass(frozen=True)
class CompiledQuery:
    """SQL for a spec, plus what each output column means."""

    sql: str
    columns: tuple[ColumnInfo, ...]


def compile_spec(spec: QuerySpec, model: SemanticModel, dialect: str = "duckdb") -> CompiledQuery:
    """Build the SELECT for `spec`: dimensions, ratio-of-sums metrics, filters, window, order, limit."""
    _check_names(spec, model)
    scope = _Scope(model, _tables_needed(spec, model))
    if not spec.metrics and not spec.count_of:
        return _compile_listing(spec, scope, dialect)
    if spec.count_of:  # the groups are counted, so their order and number do not matter inside
        inner = spec.with_changes(order_by=(), limit=None, limit_per=None, share=False, part=(), whole=None)
        select, columns = _aggregate_select(inner, scope)
        select.set("order", None)
        select, columns = count_groups(select, columns, spec.count_of, model)
        return CompiledQuery(select.sql(dialect), columns)
    select, columns = _aggregate_select(spec, scope)
    return CompiledQuery(select.sql(dialect), columns)


def _aggregate_select(spec: QuerySpec, scope: _Scope) -> tuple[exp.Select, tuple[ColumnInfo, ...]]:
    """The grouped SELECT of a spec with metrics, and what each of its columns means."""
    model = scope.model
    share = _share_metric(spec, model)
    part = part_condition(spec, scope.filter_condition)
    measured = scope.within(part) if part is not None else scope
    select = exp.select(*(exp.alias_(scope.dimension(d), d) for d in spec.dimensions))
    if "year" in spec.dimensions:  # the year as a number, and as the date it starts (how date_trunc writes it)
        select = select.select(exp.alias_(_year_start(scope), "year_start"))
    changed = spec.change is not None and len(spec.periods) == 2 and bool(spec.metrics)
    step = _step_grain(spec, model)
    figures = change_columns(spec, lambda condition, m: scope.within(condition).metric(m),
                             lambda w: _window_condition(w, scope)) if changed else \
        step_columns(spec, measured.metric, scope.dimension(step)) if step else \
        [(m, measured.metric(m)) for m in spec.metrics]
    select = select.select(*(exp.alias_(expression, name) for name, expression in figures))
    extra = [*share_columns(spec, share, measured.metric, scope.metric, part is not None),
             *_scaled_columns(spec, measured)]
    select = select.select(*(exp.alias_(expression, name) for name, expression in extra))
    select = _from_and_where(select, spec, scope)
    if spec.dimensions:
        select = select.group_by(*(scope.dimension(d) for d in spec.dimensions))
        if "year" in spec.dimensions:
            select = select.group_by(_year_start(scope))
    for threshold in spec.thresholds:
        select = select.having(_threshold_condition(threshold, measured))
    if spec.limit and spec.limit_per in spec.dimensions and spec.order_by:
        names = [*spec.dimensions, *(["year_start"] if "year" in spec.dimensions else []), *spec.metrics,
                 *(name for name, _ in extra)]
        select = _top_per_group(select, spec, scope, names)
    else:
        select = _order_and_limit(select, spec, scope)
    columns = part_labels(_aggregate_columns(spec, model), spec, part is not None)
    if changed or step:
        infos = change_infos(spec, model) if changed else step_infos(spec, model, step or "")
        columns = tuple(c for c in columns if c.role != "metric") + infos
    return select, columns + share_infos(spec, share, model, part is not None) + _scaled_infos(spec, model)


def _step_grain(spec: QuerySpec, model: SemanticModel) -> str | None:
    """The one time grain a 'growth per period' reading steps along ('month-over-month growth'), else None."""
    grains = [d for d in spec.dimensions if d in model.time_grains and d not in ("day_of_week", "week_part")]
    return grains[0] if spec.change == "step" and len(spec.dimensions) == 1 and grains and spec.metrics else None


def _scaled(spec: QuerySpec, model: SemanticModel) -> list[str]:
    """The summed metrics a scenario scales ('if spend rose 20% at the same ROAS': spend, revenue, ...)."""
    if not spec.scaled:
        return []
    return [m for m in spec.metrics if not model.metric(m).is_derived and model.metric(m).aggregation == "sum"]


def _scaled_columns(spec: QuerySpec, scope: _Scope) -> list[tuple[str, exp.Expr]]:
    factor = exp.Literal.number(_number(spec.scaled[1])) if spec.scaled else None
    return [(f"{m}_if", exp.Mul(this=scope.metric(m), expression=factor.copy()))
            for m in _scaled(spec, scope.model) if factor is not None]


def _scaled_infos(spec: QuerySpec, model: SemanticModel) -> tuple[ColumnInfo, ...]:
    if not spec.scaled:
        return ()
    moved = f"{model.metric(spec.scaled[0]).label.lower()} {(spec.scaled[1] - 1) * 100:+.0f}%"
    return tuple(ColumnInfo(f"{m}_if", "metric", f"{model.metric(m).label} if {moved}", model.metric(m).format)
                 for m in _scaled(spec, model))


def _aggregate_columns(spec: QuerySpec, model: SemanticModel) -> tuple[ColumnInfo, ...]:
    """What each output column of an aggregate query means, the year's start date included."""
    columns = _columns(spec, model)
    if "year" in spec.dimensions:
        at = len(spec.dimensions)
        columns = columns[:at] + (ColumnInfo("year_start", "detail", "Year start", "date"),) + columns[at:]
    return columns


def _share_metric(spec: QuerySpec, model: SemanticModel) -> str | None:
    """The metric whose share of a whole is asked for; only sums and counts add up to a whole."""
    if spec.whole and spec.metrics:
        return spec.metrics[0]
    if not (spec.share and spec.dimensions or spec.part) or not spec.metrics:
        return None
    metric = model.metric(spec.metrics[0])
    return metric.name if not metric.is_derived and metric.aggregation in ("sum", "count") else None


class _Scope:
    """The tables a query reads and how to name each column in it."""

    def __init__(self, model: SemanticModel, tables: tuple[str, ...], part: exp.Expr | None = None) -> None:
        self.model = model
        self.tables = tables
        self.joined = len(tables) > 1
        self.part = part  # metrics count only the rows that meet this condition (the part of a whole)

    def within(self, part: exp.Expr) -> _Scope:
        """The same tables, with metrics that add up only the rows meeting `part`."""
        return _Scope(self.model, self.tables, part)

    def filter_condition(self, filt: Filter) -> exp.Expr:
        """The row condition of a filter: the dimension's column (or a time grain's value, 'weekends') in (or not in)
        its values."""
        if filt.dimension in self.model.time_grains:
            condition: exp.Expr = self.dimension(filt.dimension).isin(*filt.values)
            return exp.Not(this=condition) if filt.op == "not_in" else condition
        dim = self.model.dimension(filt.dimension)
        condition = self.column(dim.table, dim.column).isin(*filt.values)
        return exp.Not(this=condition) if filt.op == "not_in" else condition

    def column(self, table: str, column: str) -> exp.Column:
        """A column qualified by its table's alias."""
        return exp.column(column, table=self.model.tables[table].alias)

    def dimension(self, name: str) -> exp.Expr:
        """The grouping expression for a dimension or a time grain."""
        model = self.model
        if name in model.dimensions:
            dim = model.dimensions[name]
            return self.column(dim.table, dim.column)
        if name in model.date_fields:
            field = model.date_fields[name]
            return self.column(field.table, field.column)
        return _grain_expression(name, self.column(model.time_table, model.time_column or "date"))

    def metric(self, name: str) -> exp.Expr:
        """The aggregate expression of a metric; ratios are ratios of sums."""
        metric = self.model.metric(name)
        if metric.per_period:
            measure, unit = metric.per_period
            periods = exp.Count(this=exp.Distinct(expressions=[self._within(self.dimension(unit))]))
            return exp.Div(this=self.metric(measure),
                           expression=exp.Nullif(this=periods, expression=exp.Literal.number(0)))
        if metric.formula:
            return expand_formula(metric.formula, self.model.base_measures(),
                                  lambda measure: self._aggregate(self.model.metric(measure)))
        if not metric.is_ratio:
            value = self._aggregate(metric)
            if metric.multiplier != 1:  # a stored percent read as a fraction: the unit of the computed rates
                value = exp.Mul(this=value, expression=exp.Literal.number(_number(metric.multiplier)))
            return value
        ratio: exp.Expr = exp.Div(
            this=self._aggregate(self.model.metric(metric.numerator or "")),
            expression=exp.Nullif(this=self._aggregate(self.model.metric(metric.denominator or "")),
                                  expression=exp.Literal.number(0)))
        if metric.multiplier != 1:
            ratio = exp.Mul(this=ratio, expression=exp.Literal.number(_number(metric.multiplier)))
        return ratio

    def _aggregate(self, metric: Metric) -> exp.Expr:
        table = metric.table or self.model.base_table
        if self.joined and table != self.model.base_table and metric.aggregation == "sum":
            raise SpecError(f"{metric.label} is set per {table.rstrip('s')} and cannot be split by "
                            "date, region or device.", hint="Group it by campaign attributes only.")
        col = self._within(self.column(table, metric.column or ""))
        if metric.aggregation == "count_distinct":
            return exp.Count(this=exp.Distinct(expressions=[col]))
        if metric.aggregation == "weighted_avg":
            return _weighted_mean(col, self._within(self.column(table, metric.weight or "")))
        builders = {"sum": exp.Sum, "count": exp.Count, "avg": exp.Avg, "min": exp.Min, "max": exp.Max}
        value = builders[metric.aggregation or "sum"](this=col)
        if self.part is not None and (metric.aggregation or "sum") == "sum":  # a group with none of the part has 0
            return exp.Coalesce(this=value, expressions=[exp.Literal.number(0)])
        return value

    def _within(self, col: exp.Expr) -> exp.Expr:
        """The column where the row is in the part, else NULL (which every aggregate skips)."""
        if self.part is None:
            return col
        return exp.Case(ifs=[exp.If(this=self.part.copy(), true=col)])


def _weighted_mean(value: exp.Expr, weight: exp.Expr) -> exp.Expr:
    """SUM(value * weight) / SUM(weight over the rows that have a value): a rate averaged by its volume."""
    weighted = exp.Sum(this=exp.Mul(this=value, expression=weight))
    present = exp.Case(ifs=[exp.If(this=exp.Not(this=exp.Is(this=value.copy(), expression=exp.Null())),
                                   true=weight.copy())])
    return exp.Div(this=weighted, expression=exp.Nullif(this=exp.Sum(this=present), expression=exp.Literal.number(0)))


def _year_start(scope: _Scope) -> exp.Expr:
    model = scope.model
    date_col = scope.column(model.time_table, model.time_column or "date")
    return exp.cast(exp.DateTrunc(unit=exp.Literal.string("year"), this=date_col), "DATE")


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(value)


def _grain_expression(grain: str, date_col: exp.Expr) -> exp.Expr:
    if grain == "day":
        return date_col
    if grain == "year":
        return exp.Year(this=date_col)
    if grain == "day_of_week":
        return exp.Anonymous(this="dayname", expressions=[date_col])
    if grain == "week_part":
        weekend = exp.Anonymous(this="isodow", expressions=[date_col]).isin(*map(exp.Literal.number, WEEKEND_DAYS))
        return exp.Case(ifs=[exp.If(this=weekend, true=exp.Literal.string("Weekend"))],
                        default=exp.Literal.string("Weekday"))
    if grain in ("week", "month", "quarter"):
        # date_trunc returns a timestamp; periods are dates to the analyst.
        return exp.cast(exp.DateTrunc(unit=exp.Literal.string(grain), this=date_col), "DATE")
    raise SpecError(f"Unknown time grain '{grain}'.",
                    hint="Use day, week, month, quarter, year, day_of_week or week_part.")


def _check_names(spec: QuerySpec, model: SemanticModel) -> None:
    known_dims = {*model.dimensions, *model.time_grains, *model.date_fields}
    for name in spec.dimensions:
        if name not in known_dims:
            raise SpecError(f"Unknown grouping '{name}'.", hint="Pick one of: " + ", ".join(sorted(known_dims)) + ".")
    for name in (*spec.metrics, *(t.metric for t in spec.thresholds), *((spec.whole,) if spec.whole else ())):
        model.metric(name)
    for filt in (*spec.filters, *spec.part):
        if filt.dimension not in model.time_grains:
            model.dimension(filt.dimension)
    if spec.count_of and spec.count_of not in spec.dimensions:
        raise SpecError(f"Cannot count '{spec.count_of}': it is not a grouping of the reading.",
                        hint="Group by what you want to count.")


def _tables_needed(spec: QuerySpec, model: SemanticModel) -> tuple[str, ...]:
    names = [*spec.dimensions, *(f.dimension for f in (*spec.filters, *spec.part))]
    for metric in (*spec.metrics, *(t.metric for t in spec.thresholds), *((spec.whole,) if spec.whole else ())):
        names.extend(m.name for m in model.measures_of(metric))
        per_period = model.metric(metric).per_period
        names.extend(per_period[1:] if per_period else ())  # the days it counts live in the time table
    tables = {model.table_of(n) for n in names}
    if spec.date_range:
        field = model.date_fields.get(spec.date_range.field)
        date_table = field.table if field else model.time_table
        # Campaign-level questions over a window read the lifecycle columns instead of the daily table.
        # Budgets over a window mean the campaigns live during it; counts of campaigns mean those that delivered.
        counts_only = spec.metrics and all(model.metric(m).aggregation == "count_distinct" for m in spec.metrics)
        lifecycle_only = (bool(tables) and model.base_table not in tables and date_table == model.time_table
                          and all(_has_lifecycle(model, t) for t in tables) and not counts_only)
        if not lifecycle_only:
            tables.add(date_table)
    if not tables:
        tables.add(model.base_table)
    if len(tables) > 1:
        tables.add(model.base_table)
    return tuple(sorted(tables, key=lambda t: t != model.base_table))


def _has_lifecycle(model: SemanticModel, table: str) -> bool:
    return model.tables[table].lifecycle is not None


def _from_and_where(select: exp.Select, spec: QuerySpec, scope: _Scope) -> exp.Select:
    model = scope.model
    first = scope.tables[0]
    select = select.from_(exp.to_table(first).as_(model.tables[first].alias))
    for table in scope.tables[1:]:
        join = next(j for j in model.joins if {j.table, j.to} == {table, first} or j.table == table)
        select = select.join(exp.to_table(table).as_(model.tables[table].alias), using=list(join.using))
    for filt in spec.filters:
        select = select.where(scope.filter_condition(filt))
    if spec.date_range:
        select = select.where(_window_condition(spec.date_range, scope))
    if spec.periods:
        conditions = [_window_condition(w, scope) for w in spec.periods]
        either = conditions[0]
        for condition in conditions[1:]:
            either = exp.Or(this=either, expression=condition)
        select = select.where(exp.Paren(this=either))
    return select


def _window_condition(window: DateRange, scope: _Scope) -> exp.Expr:
    model = scope.model
    field = model.date_fields.get(window.field)
    start, end = _date_literal(window.start.isoformat()), _date_literal(window.end.isoformat())
    if field and field.table in scope.tables:
        return exp.Between(this=scope.column(field.table, field.column), low=start, high=end)
    table = scope.tables[0]
    life = model.tables[table].lifecycle
    if not life:
        raise SpecError(f"No date to filter {table} on.", hint="Remove the date range.")
    # A campaign-level question with a window means the campaigns live during it.
    began = exp.LTE(this=scope.column(table, life[0]), expression=end)
    end_col = scope.column(table, life[1])
    still_on = exp.Or(this=exp.Is(this=end_col, expression=exp.Null()),
                      expression=exp.GTE(this=end_col.copy(), expression=start))
    return exp.And(this=began, expression=exp.Paren(this=still_on))


def _threshold_condition(threshold: Threshold, scope: _Scope) -> exp.Expr:
    builders = {">": exp.GT, ">=": exp.GTE, "<": exp.LT, "<=": exp.LTE}
    value = exp.Literal.number(_number(threshold.value))
    return builders[threshold.op](this=scope.metric(threshold.metric), expression=value)


def _date_literal(iso: str) -> exp.Expr:
    return exp.cast(exp.Literal.string(iso), "DATE")


def _order_and_limit(select: exp.Select, spec: QuerySpec, scope: _Scope) -> exp.Select:
    order = [exp.Ordered(this=exp.column(o.field), desc=o.descending, nulls_first=False) for o in spec.order_by]
    model = scope.model
    time_dims = [d for d in spec.dimensions if d in model.time_grains or d in model.date_fields
                 or (d in model.dimensions and model.dimensions[d].time_part)]
    for dim in time_dims:
        if dim == "day_of_week":
            key = exp.Min(this=exp.Anonymous(this="isodow", expressions=[scope.dimension("day")]))
            order.append(exp.Ordered(this=key, desc=False))
        elif not any(o.field == dim for o in spec.order_by):
            order.append(exp.Ordered(this=exp.column(dim), desc=False))
    if not order and spec.dimensions and spec.metrics:
        order.append(exp.Ordered(this=exp.column(spec.metrics[0]), desc=True, nulls_first=False))
    if spec.dimensions:
        order.extend(exp.Ordered(this=exp.column(d), desc=False) for d in spec.dimensions
                     if d not in time_dims and not any(o.field == d for o in spec.order_by))
    order[:0] = focus_order(spec, scope.dimension)  # "what share came from mobile": mobile's row first
    if order:
        select = select.order_by(*order)
    return select.limit(spec.limit) if spec.limit else select


def _top_per_group(select: exp.Select, spec: QuerySpec, scope: _Scope, names: list[str]) -> exp.Select:
    """Top N within each group, as a ranked subquery (portable, unlike QUALIFY, to every dialect we transpile to)."""
    first = spec.order_by[0]
    key = scope.metric(first.field) if first.field in scope.model.metrics else scope.dimension(first.field)
    rank = exp.Window(this=exp.RowNumber(), partition_by=[scope.dimension(spec.limit_per or "")],
                      order=exp.Order(expressions=[exp.Ordered(this=key, desc=first.descending, nulls_first=False)]))
    ranked = select.select(exp.alias_(rank, "group_rank")).subquery("ranked")
    order = [exp.Ordered(this=exp.column(spec.limit_per or ""), desc=False),
             exp.Ordered(this=exp.column("group_rank"), desc=False)]
    return (exp.select(*(exp.column(n) for n in names)).from_(ranked)
            .where(exp.LTE(this=exp.column("group_rank"), expression=exp.Literal.number(spec.limit or 0)))
            .order_by(*order))


def _compile_listing(spec: QuerySpec, scope: _Scope, dialect: str) -> CompiledQuery:
    """Questions that list things ("campaigns that ended in 2024") select distinct rows, no aggregates."""
    model = scope.model
    names = _listing_columns(spec, model)
    select = exp.select(*(exp.alias_(scope.dimension(n), n) for n in names)).distinct()
    select = _from_and_where(select, spec, scope)
    order = [exp.Ordered(this=exp.column(o.field), desc=o.descending) for o in spec.order_by if o.field in names]
    select = select.order_by(*(order or [exp.Ordered(this=exp.column(names[0]))]))
    select = select.limit(spec.limit) if spec.limit else select
    columns = tuple(_dimension_info(n, model, role="dimension" if i == 0 else "detail") for i, n in enumerate(names))
    return CompiledQuery(select.sql(dialect), columns)


def _listing_columns(spec: QuerySpec, model: SemanticModel) -> list[str]:
    names = list(spec.dimensions) or [next(iter(model.dimensions))]
    for dim in list(names):
        item = model.dimensions.get(dim)
        for detail in item.details if item else ():
            if detail not in names and (detail in model.dimensions or detail in model.date_fields):
                names.append(detail)
    return names


def _columns(spec: QuerySpec, model: SemanticModel) -> tuple[ColumnInfo, ...]:
    dims = tuple(_dimension_info(d, model) for d in spec.dimensions)
    metrics = tuple(ColumnInfo(m.name, "metric", m.label, m.format,
                               None if m.direction == "neutral" else m.direction == "higher")
                    for m in (model.metric(name) for name in spec.metrics))
    return dims + metrics


def _dimension_info(name: str, model: SemanticModel, role: ColumnRole = "dimension") -> ColumnInfo:
    if name in model.time_grains:
        return ColumnInfo(name, "time", model.time_grains[name].label, GRAIN_FORMAT.get(name, "date"))
    if name in model.date_fields:
        return ColumnInfo(name, "detail" if role == "detail" else "time", model.date_fields[name].label, "date")
    return ColumnInfo(name, role, model.dimensions[name].label, "text")

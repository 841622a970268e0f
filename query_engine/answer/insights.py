"""Deterministic, analyst-grade statements about a result; every number in them is traceable to its cells.

This module reads the result's shape (listing, single row, categories, a trend, two dimensions) and picks the
statements to make; insight_statements words each one.
"""
from __future__ import annotations

import math
from collections import Counter
from typing import Any, NamedTuple

from query_engine.answer.insight_statements import (
    InsightFact,
    Point,
    concentration_fact,
    extremes,
    leader_fact,
    missing_fact,
    mover_facts,
    multiple_fact,
    outlier_fact,
    share_fact,
    short_value,
    sparse_fact,
    trend_facts,
)
from query_engine.spec.numbers import as_number
from query_engine.spec.query import ColumnInfo, QueryResult
from query_engine.spec.result_columns import (
    infer_columns,
    is_weekday_column,
    name_words,
    period_sort_key,
    plural_label,
)
from query_engine.spec.value_format import PERIOD_FORMATS, format_value

MAX_ANALYSED_ROWS = 10_000
_NON_ADDITIVE_WORDS = {"cpa", "cpc", "cpm", "avg", "average", "mean", "median", "per", "rate", "min", "max",
                       "ctr", "roas", "cvr", "pct", "percent", "share"}


class _Table(NamedTuple):
    rows: tuple[tuple[Any, ...], ...]
    infos: tuple[ColumnInfo, ...]
    time: int | None
    dims: tuple[int, ...]
    metrics: tuple[int, ...]


def insights(result: QueryResult, columns: tuple[ColumnInfo, ...], *, max_items: int = 5) -> tuple[str, ...]:
    """Up to `max_items` short statements about the result (empty for an empty result)."""
    return tuple(fact.text for fact in insight_facts(result, columns, max_items=max_items))


def insight_facts(result: QueryResult, columns: tuple[ColumnInfo, ...], *,
                  max_items: int = 5) -> tuple[InsightFact, ...]:
    """The statements as typed records, so a later stage can check every number against the table."""
    if max_items <= 0 or not result.rows:
        return ()
    table = _table(result, columns)
    facts: list[InsightFact] = []
    if result.truncated or len(result.rows) > MAX_ANALYSED_ROWS:
        facts.append(_capped_fact(result))
    facts.extend(fact for fact in _shape_facts(table) if fact is not None)
    return tuple(facts[:max_items])


def _table(result: QueryResult, columns: tuple[ColumnInfo, ...]) -> _Table:
    known = {info.name: info for info in (columns or infer_columns(result))}
    infos = tuple(known.get(name, ColumnInfo(name, "detail", name, "text")) for name in result.columns)
    rows = result.rows[:MAX_ANALYSED_ROWS]
    times = [i for i, info in enumerate(infos) if info.role == "time"]
    dims = [i for i, info in enumerate(infos) if info.role == "dimension"]
    metrics = tuple(i for i, info in enumerate(infos) if info.role == "metric")
    time = times[0] if times else None
    if time is not None and is_weekday_column([row[time] for row in rows]):
        dims, time = [time, *dims], None  # a day-of-week bucket compares like a category, not a trend
    return _Table(rows, infos, time, tuple(dims), metrics)


def _shape_facts(table: _Table) -> list[InsightFact | None]:
    if not table.metrics:
        return _listing_facts(table)
    if len(table.rows) == 1:
        return _single_row_facts(table)
    if table.time is not None:
        return _time_facts(table, table.time)
    if len(table.dims) >= 2:
        return _two_dim_facts(table)
    return _category_facts(table)


def _capped_fact(result: QueryResult) -> InsightFact:
    shown = len(result.rows)
    if shown > MAX_ANALYSED_ROWS:
        text = (f"Insights cover the first {format_value(MAX_ANALYSED_ROWS, 'integer')} of "
                f"{format_value(shown, 'integer')} rows shown.")
        return InsightFact("capped", text, (float(MAX_ANALYSED_ROWS), float(shown)))
    text = f"Results were capped at {format_value(shown, 'integer')} rows; these insights cover only the rows shown."
    return InsightFact("capped", text, (float(shown),))


def _num(value: Any) -> float | None:
    number = as_number(value)
    return number if number is not None and math.isfinite(number) else None


def _label(row: tuple[Any, ...], indexes: tuple[int, ...]) -> str:
    return " / ".join("(blank)" if row[i] is None else format_value(row[i], "date") for i in indexes)


def _points(rows: tuple[tuple[Any, ...], ...], label_idx: tuple[int, ...], metric: int) -> list[Point]:
    return [Point(_label(row, label_idx) if label_idx else f"row {n}", v)
            for n, row in enumerate(rows, start=1) if (v := _num(row[metric])) is not None]


def _additive(column: ColumnInfo) -> bool:
    words = set(name_words(column.name)) | set(name_words(column.label))
    return column.format in ("integer", "currency") and not words & _NON_ADDITIVE_WORDS


def _noun(table: _Table, dims: tuple[int, ...]) -> str:
    return plural_label(" / ".join(table.infos[i].label for i in dims)) if dims else "rows"


def _category_facts(table: _Table) -> list[InsightFact | None]:
    label_idx = table.dims or tuple(i for i, info in enumerate(table.infos) if info.role == "detail")[:1]
    noun = _noun(table, table.dims)
    metric = table.infos[table.metrics[0]]
    points = _points(table.rows, label_idx, table.metrics[0])
    second = leader_fact(_points(table.rows, label_idx, table.metrics[1]), table.infos[table.metrics[1]],
                          noun, "By a second measure, ") if len(table.metrics) > 1 else None
    if len(points) < 2:
        return [sparse_fact(points, metric, len(table.rows))]
    compare = share_fact(points, metric) if _additive(metric) else multiple_fact(points, metric)
    concentration = concentration_fact(points, metric, noun) if _additive(metric) else None
    return [leader_fact(points, metric, noun), compare, missing_fact(points, metric, len(table.rows)),
            concentration, outlier_fact(points, metric), second]


def _single_row_facts(table: _Table) -> list[InsightFact | None]:
    row = table.rows[0]
    context_idx = tuple(i for i in (table.time, *table.dims) if i is not None)
    context = f" for {_label(row, context_idx)}" if context_idx else ""
    facts: list[InsightFact | None] = []
    for index in table.metrics:
        column, value = table.infos[index], _num(row[index])
        if value is not None:
            facts.append(InsightFact("value", f"{column.label} was {short_value(value, column)}{context}.", (value,)))
    return facts


def _listing_facts(table: _Table) -> list[InsightFact | None]:
    count = len(table.rows)
    facts: list[InsightFact | None] = [
        InsightFact("count", f"The result lists {format_value(count, 'integer')} rows.", (float(count),))]
    for index in table.dims[:2]:
        counts = Counter(_label(row, (index,)) for row in table.rows)
        top, times = min(counts.items(), key=lambda item: (-item[1], item[0]))
        if times > 1:
            text = f"Most common {table.infos[index].label}: {top} ({times} of {count} rows)."
            facts.append(InsightFact("mode", text, (float(times), float(count))))
    return facts


def _series(table: _Table, rows: list[tuple[Any, ...]], time: int, metric: int) -> list[Point]:
    """The metric per period (column `time`) in time order; repeated periods are summed (additive metrics only)."""
    by_key: dict[tuple[int, Any], tuple[Any, float, int]] = {}
    for row in rows:
        if (value := _num(row[metric])) is not None and row[time] is not None:
            key = period_sort_key(row[time])
            raw, total, count = by_key.get(key, (row[time], 0.0, 0))
            by_key[key] = (raw, total + value, count + 1)
    if any(count > 1 for _, _, count in by_key.values()) and not _additive(table.infos[metric]):
        return []
    period = table.infos[time].format
    return [Point(format_value(raw, period if period in PERIOD_FORMATS else "date"), total)
            for _, (raw, total, _) in sorted(by_key.items())]


def _time_facts(table: _Table, time: int) -> list[InsightFact | None]:
    metric = table.infos[table.metrics[0]]
    if table.dims:
        return _time_by_dimension_facts(table, time)
    series = _series(table, list(table.rows), time, table.metrics[0])
    if not series:
        return _category_facts(table._replace(dims=(time,), time=None))
    facts = trend_facts(series, metric)
    if _additive(metric) and len(series) >= 2:
        total = sum(p.value for p in series)
        facts.append(InsightFact("total", f"Total {metric.label} across the {len(series)} periods was "
                                 f"{short_value(total, metric)}.", (float(len(series)), total)))
    if len(table.metrics) > 1:
        second = _series(table, list(table.rows), time, table.metrics[1])
        facts.extend(trend_facts(second, table.infos[table.metrics[1]])[1:2])
    return facts


def _time_by_dimension_facts(table: _Table, time: int) -> list[InsightFact | None]:
    index = table.metrics[0]
    metric = table.infos[index]
    groups: dict[str, list[tuple[Any, ...]]] = {}
    for row in table.rows:
        groups.setdefault(_label(row, table.dims), []).append(row)
    series = {name: _series(table, rows, time, index) for name, rows in groups.items()}
    facts: list[InsightFact | None] = []
    noun = _noun(table, table.dims)
    if _additive(metric):
        totals = [Point(name, sum(p.value for p in points)) for name, points in series.items() if points]
        facts.append(leader_fact(totals, metric, noun, "Over the whole period, "))
        facts.append(share_fact(totals, metric))
        facts.extend(trend_facts(_series(table, list(table.rows), time, index), metric, "Total ")[:1])
    else:
        facts.append(_latest_leader_fact(table, time, index, noun))
    facts.extend(mover_facts(series, metric))
    return facts


def _latest_leader_fact(table: _Table, time: int, index: int, noun: str) -> InsightFact | None:
    """Ratios cannot be summed over periods, so compare the dimension values in the latest period."""
    dated = [(period_sort_key(row[time]), row) for row in table.rows if row[time] is not None]
    if not dated:
        return None
    last_key = max(key for key, _ in dated)
    latest = tuple(row for key, row in dated if key == last_key)
    prefix = f"In {format_value(latest[0][time], 'date')}, "
    return leader_fact(_points(latest, table.dims, index), table.infos[index], noun, prefix)


def _two_dim_facts(table: _Table) -> list[InsightFact | None]:
    index = table.metrics[0]
    metric = table.infos[index]
    combos = _points(table.rows, table.dims, index)
    facts: list[InsightFact | None] = [leader_fact(combos, metric, "combinations", "By combination, ")]
    for own, other in ((table.dims[0], table.dims[1]), (table.dims[1], table.dims[0])):
        facts.append(_strongest_value_fact(table, own, other, index))
    facts.append(outlier_fact(combos, metric))
    return facts


def _strongest_value_fact(table: _Table, own: int, other: int, metric_idx: int) -> InsightFact | None:
    """The dimension value with the largest total (additive) or the most wins across the other dimension."""
    metric, own_info = table.infos[metric_idx], table.infos[own]
    if len({row[own] for row in table.rows}) < 2:
        return None  # one value (a filter or a top-N left only it) wins nothing
    points = _points(table.rows, (own,), metric_idx)
    if _additive(metric):
        totals: dict[str, float] = {}
        for point in points:
            totals[point.label] = totals.get(point.label, 0.0) + point.value
        fact = share_fact([Point(k, v) for k, v in totals.items()], metric)
        if fact is None:
            return None
        return InsightFact(fact.kind, f"By {own_info.label}: {fact.text}", fact.numbers)
    wins: dict[str, int] = {}
    groups: dict[str, list[Point]] = {}
    for row in table.rows:
        if (value := _num(row[metric_idx])) is not None:
            groups.setdefault(_label(row, (other,)), []).append(Point(_label(row, (own,)), value))
    groups = {k: g for k, g in groups.items() if len(g) > 1}  # a group of one is no contest
    if len(groups) < 2:
        return None  # "best in 1 of 1" says nothing the combination leader did not
    for group in groups.values():
        best = extremes(group, metric)[0].label
        wins[best] = wins.get(best, 0) + 1
    ranked = sorted(wins, key=lambda k: (-wins[k], k))
    if len(ranked) > 1 and wins[ranked[0]] == wins[ranked[1]]:
        return None  # a tie names no strongest value
    winner = ranked[0]
    noun = plural_label(table.infos[other].label)
    text = f"{winner} had the best {metric.label} in {wins[winner]} of {len(groups)} {noun}."
    if metric.higher_is_better is None:
        text = f"{winner} had the largest {metric.label} in {wins[winner]} of {len(groups)} {noun}."
    return InsightFact("wins", text, (float(wins[winner]), float(len(groups))))

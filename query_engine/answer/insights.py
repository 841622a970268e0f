"""Deterministic, analyst-grade statements about a result; every number in them is traceable to its cells."""
from __future__ import annotations

import math
import statistics
from collections import Counter
from dataclasses import dataclass
from typing import Any, NamedTuple

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
_OUTLIER_Z = 3.5
_MIN_ROWS_FOR_OUTLIERS = 5
_MIN_ROWS_FOR_CONCENTRATION = 6


@dataclass(frozen=True)
class InsightFact:
    """One statement: its kind (e.g. "leader", "share"), its text, and the numbers shown in the text."""

    kind: str
    text: str
    numbers: tuple[float, ...] = ()


class _Point(NamedTuple):
    label: str
    value: float


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


def _fmt(value: float, column: ColumnInfo) -> str:
    return format_value(value, column.format, compact=True)


def _label(row: tuple[Any, ...], indexes: tuple[int, ...]) -> str:
    return " / ".join("(blank)" if row[i] is None else format_value(row[i], "date") for i in indexes)


def _points(rows: tuple[tuple[Any, ...], ...], label_idx: tuple[int, ...], metric: int) -> list[_Point]:
    return [_Point(_label(row, label_idx) if label_idx else f"row {n}", v)
            for n, row in enumerate(rows, start=1) if (v := _num(row[metric])) is not None]


def _additive(column: ColumnInfo) -> bool:
    words = set(name_words(column.name)) | set(name_words(column.label))
    return column.format in ("integer", "currency") and not words & _NON_ADDITIVE_WORDS


def _noun(table: _Table, dims: tuple[int, ...]) -> str:
    return plural_label(" / ".join(table.infos[i].label for i in dims)) if dims else "rows"


def _change(before: float, after: float, column: ColumnInfo) -> tuple[str, tuple[float, ...]]:
    """'up 12.35%' (or percentage points for percent metrics, or an absolute change when the base is <= 0)."""
    if after == before:
        return "unchanged", ()
    word = "up" if after > before else "down"
    if column.format == "percent":
        points = abs(after - before) * 100
        return f"{word} {format_value(points, 'number')} percentage points", (points,)
    if before > 0:
        rate = abs(after - before) / before
        return f"{word} {format_value(rate, 'percent')}", (rate,)
    return f"{word} {_fmt(abs(after - before), column)}", (abs(after - before),)


def _growth(before: float, after: float, column: ColumnInfo) -> float | None:
    if column.format == "percent":
        return after - before
    return (after - before) / before if before > 0 else None


def _extremes(points: list[_Point], column: ColumnInfo) -> tuple[_Point, _Point]:
    """(best, worst) by the metric's direction; (largest, smallest) for neutral metrics."""
    high = max(points, key=lambda p: p.value)
    low = min(points, key=lambda p: p.value)
    return (low, high) if column.higher_is_better is False else (high, low)


def _leader_fact(points: list[_Point], column: ColumnInfo, noun: str, prefix: str = "") -> InsightFact | None:
    if len(points) < 2:
        return None
    best, worst = _extremes(points, column)
    name = column.label
    if best.value == worst.value:
        text = f"{prefix}All {len(points)} {noun} had the same {name}: {_fmt(best.value, column)}."
        return InsightFact("all_equal", text, (float(len(points)), best.value))
    words = {True: ("the highest", "the lowest"), False: ("the best (lowest)", "the worst (highest)"),
             None: ("the largest", "the smallest")}[column.higher_is_better]
    text = (f"{prefix}{best.label} had {words[0]} {name} ({_fmt(best.value, column)}); "
            f"{worst.label} had {words[1]} ({_fmt(worst.value, column)})")
    numbers: tuple[float, ...] = (best.value, worst.value)
    if column.format in ("currency", "integer", "number"):
        gap = abs(best.value - worst.value)
        text += f", a gap of {_fmt(gap, column)}"
        numbers += (gap,)
    return InsightFact("leader", text + ".", numbers)


def _share_fact(points: list[_Point], column: ColumnInfo) -> InsightFact | None:
    total = sum(p.value for p in points)
    if len(points) < 2 or total <= 0 or any(p.value < 0 for p in points):
        return None
    top = max(points, key=lambda p: p.value)
    share = top.value / total
    text = (f"{top.label} accounted for {format_value(share, 'percent')} of total {column.label} "
            f"({_fmt(top.value, column)} of {_fmt(total, column)}).")
    return InsightFact("share", text, (share, top.value, total))


def _multiple_fact(points: list[_Point], column: ColumnInfo) -> InsightFact | None:
    """For ratios and averages, which cannot be summed: how many times the top value is the bottom one."""
    high = max(points, key=lambda p: p.value)
    low = min(points, key=lambda p: p.value)
    # A bottom value that displays as zero would make the multiple look untraceable ("x times 0.00x").
    if len(points) < 2 or low.value <= 0 or high.value == low.value or _fmt(low.value, column) == _fmt(0.0, column):
        return None
    multiple = high.value / low.value
    text = (f"{high.label}'s {column.label} ({_fmt(high.value, column)}) is "
            f"{format_value(multiple, 'ratio')} that of {low.label} ({_fmt(low.value, column)}).")
    return InsightFact("multiple", text, (high.value, multiple, low.value))


def _concentration_fact(points: list[_Point], column: ColumnInfo, noun: str) -> InsightFact | None:
    total = sum(p.value for p in points)
    if len(points) < _MIN_ROWS_FOR_CONCENTRATION or total <= 0 or any(p.value < 0 for p in points):
        return None
    top3 = sum(sorted((p.value for p in points), reverse=True)[:3])
    share = top3 / total
    text = (f"The top 3 of {len(points)} {noun} made up {format_value(share, 'percent')} of total "
            f"{column.label} ({_fmt(top3, column)} of {_fmt(total, column)}).")
    return InsightFact("concentration", text, (float(len(points)), share, top3, total))


def _outlier_fact(points: list[_Point], column: ColumnInfo) -> InsightFact | None:
    """Values whose robust z-score (median and MAD) exceeds 3.5, named with their values."""
    if len(points) < _MIN_ROWS_FOR_OUTLIERS:
        return None
    median = statistics.median(p.value for p in points)
    mad = statistics.median(abs(p.value - median) for p in points)
    if mad == 0:
        return None
    # Only the few most extreme: when many values are "outliers" the data is skewed, not exceptional.
    outliers = sorted((p for p in points if abs(0.6745 * (p.value - median) / mad) > _OUTLIER_Z),
                      key=lambda p: -abs(p.value - median))[:min(3, max(1, len(points) // 4))]
    if not outliers:
        return None
    named = ", ".join(f"{p.label} ({_fmt(p.value, column)})" for p in outliers)
    text = f"Unusual {column.label}: {named}, against a median of {_fmt(median, column)}."
    return InsightFact("outlier", text, (*(p.value for p in outliers), median))


def _category_facts(table: _Table) -> list[InsightFact | None]:
    label_idx = table.dims or tuple(i for i, info in enumerate(table.infos) if info.role == "detail")[:1]
    noun = _noun(table, table.dims)
    metric = table.infos[table.metrics[0]]
    points = _points(table.rows, label_idx, table.metrics[0])
    second = _leader_fact(_points(table.rows, label_idx, table.metrics[1]), table.infos[table.metrics[1]],
                          noun, "By a second measure, ") if len(table.metrics) > 1 else None
    if len(points) < 2:
        return [_sparse_fact(points, metric, len(table.rows))]
    compare = _share_fact(points, metric) if _additive(metric) else _multiple_fact(points, metric)
    concentration = _concentration_fact(points, metric, noun) if _additive(metric) else None
    return [_leader_fact(points, metric, noun), compare, _missing_fact(points, metric, len(table.rows)),
            concentration, _outlier_fact(points, metric), second]


def _sparse_fact(points: list[_Point], column: ColumnInfo, rows: int) -> InsightFact:
    if not points:
        return InsightFact("missing", f"None of the {rows} rows has a {column.label} value.", (float(rows),))
    text = f"Only {points[0].label} has a {column.label} value ({_fmt(points[0].value, column)})."
    return InsightFact("value", text, (points[0].value,))


def _missing_fact(points: list[_Point], column: ColumnInfo, rows: int) -> InsightFact | None:
    missing = rows - len(points)
    if missing <= 0:
        return None
    text = f"{missing} of {rows} rows have no {column.label} value and are left out above."
    return InsightFact("missing", text, (float(missing), float(rows)))


def _single_row_facts(table: _Table) -> list[InsightFact | None]:
    row = table.rows[0]
    context_idx = tuple(i for i in (table.time, *table.dims) if i is not None)
    context = f" for {_label(row, context_idx)}" if context_idx else ""
    facts: list[InsightFact | None] = []
    for index in table.metrics:
        column, value = table.infos[index], _num(row[index])
        if value is not None:
            facts.append(InsightFact("value", f"{column.label} was {_fmt(value, column)}{context}.", (value,)))
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


def _series(table: _Table, rows: list[tuple[Any, ...]], time: int, metric: int) -> list[_Point]:
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
    return [_Point(format_value(raw, period if period in PERIOD_FORMATS else "date"), total)
            for _, (raw, total, _) in sorted(by_key.items())]


def _trend_facts(series: list[_Point], column: ColumnInfo, prefix: str = "") -> list[InsightFact | None]:
    if len(series) < 2:
        return []
    first, prev, last = series[0], series[-2], series[-1]
    phrase, numbers = _change(prev.value, last.value, column)
    latest = InsightFact("period_change", f"{prefix}{column.label} was {_fmt(last.value, column)} in {last.label}, "
                         f"{phrase} from {_fmt(prev.value, column)} in {prev.label}.",
                         (last.value, *numbers, prev.value))
    facts: list[InsightFact | None] = [latest]
    if len(series) >= 3:
        phrase, numbers = _change(first.value, last.value, column)
        facts.append(InsightFact("overall_change", f"From {first.label} to {last.label}, {prefix}{column.label} was "
                                 f"{phrase} ({_fmt(first.value, column)} to {_fmt(last.value, column)}).",
                                 (*numbers, first.value, last.value)))
        facts.append(_peak_fact(series, column, prefix))
    return facts


def _peak_fact(series: list[_Point], column: ColumnInfo, prefix: str) -> InsightFact:
    high = max(series, key=lambda p: p.value)
    low = min(series, key=lambda p: p.value)
    if high.value == low.value:
        return InsightFact("flat", f"{prefix}{column.label} was flat at {_fmt(high.value, column)} "
                           f"across all {len(series)} periods.", (high.value, float(len(series))))
    tags = {True: (" (best)", " (worst)"), False: (" (worst)", " (best)"), None: ("", "")}[column.higher_is_better]
    text = (f"{prefix}{column.label} peaked in {high.label}{tags[0]} at {_fmt(high.value, column)}; "
            f"the low was {low.label}{tags[1]} at {_fmt(low.value, column)}.")
    return InsightFact("peak", text, (high.value, low.value))


def _time_facts(table: _Table, time: int) -> list[InsightFact | None]:
    metric = table.infos[table.metrics[0]]
    if table.dims:
        return _time_by_dimension_facts(table, time)
    series = _series(table, list(table.rows), time, table.metrics[0])
    if not series:
        return _category_facts(table._replace(dims=(time,), time=None))
    facts = _trend_facts(series, metric)
    if _additive(metric) and len(series) >= 2:
        total = sum(p.value for p in series)
        facts.append(InsightFact("total", f"Total {metric.label} across the {len(series)} periods was "
                                 f"{_fmt(total, metric)}.", (float(len(series)), total)))
    if len(table.metrics) > 1:
        second = _series(table, list(table.rows), time, table.metrics[1])
        facts.extend(_trend_facts(second, table.infos[table.metrics[1]])[1:2])
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
        totals = [_Point(name, sum(p.value for p in points)) for name, points in series.items() if points]
        facts.append(_leader_fact(totals, metric, noun, "Over the whole period, "))
        facts.append(_share_fact(totals, metric))
        facts.extend(_trend_facts(_series(table, list(table.rows), time, index), metric, "Total ")[:1])
    else:
        facts.append(_latest_leader_fact(table, time, index, noun))
    facts.extend(_mover_facts(series, metric))
    return facts


def _latest_leader_fact(table: _Table, time: int, index: int, noun: str) -> InsightFact | None:
    """Ratios cannot be summed over periods, so compare the dimension values in the latest period."""
    dated = [(period_sort_key(row[time]), row) for row in table.rows if row[time] is not None]
    if not dated:
        return None
    last_key = max(key for key, _ in dated)
    latest = tuple(row for key, row in dated if key == last_key)
    prefix = f"In {format_value(latest[0][time], 'date')}, "
    return _leader_fact(_points(latest, table.dims, index), table.infos[index], noun, prefix)


def _mover_facts(series: dict[str, list[_Point]], column: ColumnInfo) -> list[InsightFact | None]:
    """The fastest grower and, when it differs, the steepest decliner, each first period to last."""
    moves = [(growth, name, points[0], points[-1]) for name, points in series.items() if len(points) >= 2
             and (growth := _growth(points[0].value, points[-1].value, column)) is not None]
    if not moves:
        return []
    top, bottom = max(moves, key=lambda m: m[0]), min(moves, key=lambda m: m[0])
    chosen = [(move, "grew fastest") for move in [top] if move[0] > 0]
    chosen += [(move, "fell most") for move in [bottom] if move[0] < 0]
    facts: list[InsightFact | None] = []
    for (_, name, first, last), verb in chosen:
        phrase, numbers = _change(first.value, last.value, column)
        facts.append(InsightFact("mover", f"{name} {verb}: {column.label} {phrase} from "
                                 f"{_fmt(first.value, column)} ({first.label}) to {_fmt(last.value, column)} "
                                 f"({last.label}).", (*numbers, first.value, last.value)))
    return facts


def _two_dim_facts(table: _Table) -> list[InsightFact | None]:
    index = table.metrics[0]
    metric = table.infos[index]
    combos = _points(table.rows, table.dims, index)
    facts: list[InsightFact | None] = [_leader_fact(combos, metric, "combinations", "By combination, ")]
    for own, other in ((table.dims[0], table.dims[1]), (table.dims[1], table.dims[0])):
        facts.append(_strongest_value_fact(table, own, other, index))
    facts.append(_outlier_fact(combos, metric))
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
        fact = _share_fact([_Point(k, v) for k, v in totals.items()], metric)
        if fact is None:
            return None
        return InsightFact(fact.kind, f"By {own_info.label}: {fact.text}", fact.numbers)
    wins: dict[str, int] = {}
    groups: dict[str, list[_Point]] = {}
    for row in table.rows:
        if (value := _num(row[metric_idx])) is not None:
            groups.setdefault(_label(row, (other,)), []).append(_Point(_label(row, (own,)), value))
    groups = {k: g for k, g in groups.items() if len(g) > 1}  # a group of one is no contest
    if len(groups) < 2:
        return None  # "best in 1 of 1" says nothing the combination leader did not
    for group in groups.values():
        best = _extremes(group, metric)[0].label
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

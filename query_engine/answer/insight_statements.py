"""Insight statements about labelled values: leader, share, multiple, concentration, outliers, trends and movers.

Each builder returns an InsightFact whose text shows its numbers, formatted as the table shows them.
"""
from __future__ import annotations

import statistics
from dataclasses import dataclass
from typing import NamedTuple

from query_engine.spec.query import ColumnInfo
from query_engine.spec.value_format import format_value

_OUTLIER_Z = 3.5
_MIN_ROWS_FOR_OUTLIERS = 5
_MIN_ROWS_FOR_CONCENTRATION = 6


@dataclass(frozen=True)
class InsightFact:
    """One statement: its kind (e.g. "leader", "share"), its text, and the numbers shown in the text."""

    kind: str
    text: str
    numbers: tuple[float, ...] = ()


class Point(NamedTuple):
    """One labelled value: a row, a segment or a period, and its metric."""

    label: str
    value: float


def short_value(value: float, column: ColumnInfo) -> str:
    """The value as statements show it: the column's format, compact."""
    return format_value(value, column.format, compact=True)


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
    return f"{word} {short_value(abs(after - before), column)}", (abs(after - before),)


def _growth(before: float, after: float, column: ColumnInfo) -> float | None:
    if column.format == "percent":
        return after - before
    return (after - before) / before if before > 0 else None


def extremes(points: list[Point], column: ColumnInfo) -> tuple[Point, Point]:
    """(best, worst) by the metric's direction; (largest, smallest) for neutral metrics."""
    high = max(points, key=lambda p: p.value)
    low = min(points, key=lambda p: p.value)
    return (low, high) if column.higher_is_better is False else (high, low)


def leader_fact(points: list[Point], column: ColumnInfo, noun: str, prefix: str = "") -> InsightFact | None:
    if len(points) < 2:
        return None
    best, worst = extremes(points, column)
    name = column.label
    if best.value == worst.value:
        text = f"{prefix}All {len(points)} {noun} had the same {name}: {short_value(best.value, column)}."
        return InsightFact("all_equal", text, (float(len(points)), best.value))
    words = {True: ("the highest", "the lowest"), False: ("the best (lowest)", "the worst (highest)"),
             None: ("the largest", "the smallest")}[column.higher_is_better]
    text = (f"{prefix}{best.label} had {words[0]} {name} ({short_value(best.value, column)}); "
            f"{worst.label} had {words[1]} ({short_value(worst.value, column)})")
    numbers: tuple[float, ...] = (best.value, worst.value)
    if column.format in ("currency", "integer", "number"):
        gap = abs(best.value - worst.value)
        text += f", a gap of {short_value(gap, column)}"
        numbers += (gap,)
    return InsightFact("leader", text + ".", numbers)


def share_fact(points: list[Point], column: ColumnInfo) -> InsightFact | None:
    total = sum(p.value for p in points)
    if len(points) < 2 or total <= 0 or any(p.value < 0 for p in points):
        return None
    top = max(points, key=lambda p: p.value)
    share = top.value / total
    text = (f"{top.label} accounted for {format_value(share, 'percent')} of total {column.label} "
            f"({short_value(top.value, column)} of {short_value(total, column)}).")
    return InsightFact("share", text, (share, top.value, total))


def multiple_fact(points: list[Point], column: ColumnInfo) -> InsightFact | None:
    """For ratios and averages, which cannot be summed: how many times the top value is the bottom one."""
    high = max(points, key=lambda p: p.value)
    low = min(points, key=lambda p: p.value)
    # A bottom value that displays as zero would make the multiple look untraceable ("x times 0.00x").
    if len(points) < 2 or low.value <= 0 or high.value == low.value:
        return None
    if short_value(low.value, column) == short_value(0.0, column):
        return None
    multiple = high.value / low.value
    text = (f"{high.label}'s {column.label} ({short_value(high.value, column)}) is "
            f"{format_value(multiple, 'ratio')} that of {low.label} ({short_value(low.value, column)}).")
    return InsightFact("multiple", text, (high.value, multiple, low.value))


def concentration_fact(points: list[Point], column: ColumnInfo, noun: str) -> InsightFact | None:
    total = sum(p.value for p in points)
    if len(points) < _MIN_ROWS_FOR_CONCENTRATION or total <= 0 or any(p.value < 0 for p in points):
        return None
    top3 = sum(sorted((p.value for p in points), reverse=True)[:3])
    share = top3 / total
    text = (f"The top 3 of {len(points)} {noun} made up {format_value(share, 'percent')} of total "
            f"{column.label} ({short_value(top3, column)} of {short_value(total, column)}).")
    return InsightFact("concentration", text, (float(len(points)), share, top3, total))


def outlier_fact(points: list[Point], column: ColumnInfo) -> InsightFact | None:
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
    named = ", ".join(f"{p.label} ({short_value(p.value, column)})" for p in outliers)
    text = f"Unusual {column.label}: {named}, against a median of {short_value(median, column)}."
    return InsightFact("outlier", text, (*(p.value for p in outliers), median))


def sparse_fact(points: list[Point], column: ColumnInfo, rows: int) -> InsightFact:
    if not points:
        return InsightFact("missing", f"None of the {rows} rows has a {column.label} value.", (float(rows),))
    text = f"Only {points[0].label} has a {column.label} value ({short_value(points[0].value, column)})."
    return InsightFact("value", text, (points[0].value,))


def missing_fact(points: list[Point], column: ColumnInfo, rows: int) -> InsightFact | None:
    missing = rows - len(points)
    if missing <= 0:
        return None
    text = f"{missing} of {rows} rows have no {column.label} value and are left out above."
    return InsightFact("missing", text, (float(missing), float(rows)))


def trend_facts(series: list[Point], column: ColumnInfo, prefix: str = "") -> list[InsightFact | None]:
    if len(series) < 2:
        return []
    first, prev, last = series[0], series[-2], series[-1]
    phrase, numbers = _change(prev.value, last.value, column)
    latest = InsightFact("period_change", f"{prefix}{column.label} was {short_value(last.value, column)} in "
                         f"{last.label}, {phrase} from {short_value(prev.value, column)} in {prev.label}.",
                         (last.value, *numbers, prev.value))
    facts: list[InsightFact | None] = [latest]
    if len(series) >= 3:
        phrase, numbers = _change(first.value, last.value, column)
        facts.append(InsightFact("overall_change", f"From {first.label} to {last.label}, {prefix}{column.label} was "
                                 f"{phrase} ({short_value(first.value, column)} to {short_value(last.value, column)}).",
                                 (*numbers, first.value, last.value)))
        facts.append(_peak_fact(series, column, prefix))
    return facts


def _peak_fact(series: list[Point], column: ColumnInfo, prefix: str) -> InsightFact:
    high = max(series, key=lambda p: p.value)
    low = min(series, key=lambda p: p.value)
    if high.value == low.value:
        return InsightFact("flat", f"{prefix}{column.label} was flat at {short_value(high.value, column)} "
                           f"across all {len(series)} periods.", (high.value, float(len(series))))
    tags = {True: (" (best)", " (worst)"), False: (" (worst)", " (best)"), None: ("", "")}[column.higher_is_better]
    text = (f"{prefix}{column.label} peaked in {high.label}{tags[0]} at {short_value(high.value, column)}; "
            f"the low was {low.label}{tags[1]} at {short_value(low.value, column)}.")
    return InsightFact("peak", text, (high.value, low.value))


def mover_facts(series: dict[str, list[Point]], column: ColumnInfo) -> list[InsightFact | None]:
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
                                 f"{short_value(first.value, column)} ({first.label}) to "
                                 f"{short_value(last.value, column)} ({last.label}).",
                                 (*numbers, first.value, last.value)))
    return facts

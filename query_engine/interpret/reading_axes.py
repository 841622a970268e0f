"""The axes of ambiguity in a parsed question: the date window, the grouping and the metrics.

Each axis is a list of weighted options; the interpreter combines one option from each into a reading.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from query_engine.errors import ClarifyError
from query_engine.interpret.date_parts import DateParts
from query_engine.interpret.parser import ParsedQuestion
from query_engine.interpret.reading_weights import weights
from query_engine.semantics.model import SemanticModel
from query_engine.spec.calendar import add_months
from query_engine.spec.query import DateRange, Filter, OrderBy, QuerySpec
from query_engine.sql.compiler import compile_spec

RANK_WEIGHTS = weights().ladder("metrics")
ADDED_FILTERS = "added_filters"  # an option's filters that add to the question's own rather than replace them


@dataclass(frozen=True)
class Option:
    """One choice along an axis of ambiguity: its weight, the spec fields it sets and how to say it."""

    weight: float
    changes: tuple[tuple[str, Any], ...]
    distinction: str = ""


def date_axis(parsed: ParsedQuestion, as_of: dt.date, parts: DateParts | None = None,
              model: SemanticModel | None = None) -> list[Option]:
    """The date window: one option, or the readings of an ambiguous phrase ("last month": calendar or trailing).

    On a file whose months are a column of their own and that has no date (`parts`), named months filter it;
    a holiday that also names things ('the Black Friday campaign') reads as those things or as the day."""
    options = _window_options(parsed, parts, as_of)
    named = parsed.named_day
    if named is None:
        return options
    label = model.dimensions[named.dimension].label.lower() if model else named.dimension
    names = ((ADDED_FILTERS, (Filter(named.dimension, named.values),)),)
    shown = ", ".join(f"'{v}'" for v in named.values[:3]) + (" ..." if len(named.values) > 3 else "")
    if len(options) > 1 or options[0].changes or not named.phrase.options[0].window:
        return [Option(o.weight, o.changes + names, o.distinction) for o in options]
    window = named.phrase.options[0].window
    day = _window_options(replace(parsed, date_phrases=[named.phrase], named_day=None), parts)[0]
    likely, other = weights().pair("likely")
    first, second = (likely, other) if named.name_first else (other, likely)
    dates = f"the day, {window.label}" if named.phrase.kind == "holiday" else f"all rows {window.label}"
    return [Option(first, names, f"the {label} {shown}"), Option(second, day.changes, dates)]


def _window_options(parsed: ParsedQuestion, parts: DateParts | None, as_of: dt.date | None = None) -> list[Option]:
    phrases = [p for p in parsed.date_phrases if p.options]
    if not phrases:
        return [Option(1.0, ())]
    field = parsed.date_field or "date"
    if len(phrases) > 1:
        windows = [p.options[0].window for p in phrases if p.options[0].window]
        if not windows:
            return [Option(1.0, ())]
        if parts and parts.usable:
            return [Option(1.0, _on_parts(parts, windows))]
        start, end = min(w.start for w in windows), max(w.end for w in windows)
        label = " and ".join(w.label for w in windows)
        changes: tuple[tuple[str, Any], ...] = (("date_range", DateRange(start, end, label, field)),)
        if _separating_grain(parsed) and not _contiguous(windows):  # only the named periods, not what lies between
            changes += (("periods", tuple(_with_field(w, field) for w in windows)),)
        alike = like_for_like(windows, as_of, [w for p in phrases if p.years for w in (p.options[0].window,)]) \
            if as_of else None
        if alike is None:
            return [Option(1.0, changes)]
        likely, other = weights().pair("likely")
        # "this month vs last month" asks for the period to date, like for like; "April vs May vs June" names
        # whole months, so the whole months lead and the same days of each are the other reading.
        to_date = any(p.kind == "to_date" for p in phrases)
        first, second = (likely, other) if to_date else (other, likely)
        return [Option(first, _compared(alike, field), "like for like: the same days of each period"),
                Option(second, changes, "whole periods (the latest is not over)")]
    options = phrases[0].options
    shares = (1.0,) if len(options) == 1 else weights().pair("clear")
    if parts and parts.usable:
        return [Option(w, _on_parts(parts, [o.window]) if o.window else (), o.distinction)
                for w, o in zip(shares, options, strict=False)]
    return [Option(w, (("date_range", _with_field(o.window, field)),), o.distinction)
            for w, o in zip(shares, options, strict=False)]


def like_for_like(windows: list[DateRange], as_of: dt.date,
                  dated: list[DateRange | None] | None = None) -> list[DateRange] | None:
    """A period to date against whole earlier ones ('this month vs last month', 'November vs October' on November
    15): each earlier one cut to the same days (October 1-15 against November 1-15), so a partial period is never
    compared whole. A period named with its year ('2024 vs 2025', in `dated`) is compared as named."""
    current = next((w for w in windows if (w.start <= as_of <= w.end and w.end > as_of or
                                           w.end == as_of and window_shape(w) is None) and w not in (dated or ())),
                   None)
    if current is None or (current.start.day != 1 and current.start.weekday() != 0):
        return None
    current = DateRange(current.start, min(current.end, as_of), current.label, current.field)
    others = [w for w in windows if w.start != current.start]
    if not others or any(window_shape(w) not in ("week", "month", "quarter", "year") or w.end >= current.start
                         for w in others):
        return None
    cut = []
    for window in others:
        months = (window.start.year - current.start.year) * 12 + window.start.month - current.start.month
        moved = current.end + (window.start - current.start) if window_shape(window) == "week" else \
            add_months(current.end, months)
        end = min(moved, window.end)
        cut.append(DateRange(window.start, end, f"the same days of {window.label}", window.field))
    return sorted([*cut, current], key=lambda w: w.start)


def _compared(windows: list[DateRange], field: str) -> tuple[tuple[str, Any], ...]:
    label = " vs ".join(w.label for w in windows)
    span = DateRange(windows[0].start, max(w.end for w in windows), label, field)
    return (("date_range", span), ("periods", tuple(_with_field(w, field) for w in windows)))


def _on_parts(parts: DateParts, windows: list[DateRange]) -> tuple[tuple[str, Any], ...]:
    """Filters on the month and day columns; a window they cannot say stays a window (no reading runs it)."""
    found = parts.filters(windows)
    if found is None:
        return (("date_range", windows[0]),)
    return ((ADDED_FILTERS, found),)


def _contiguous(windows: list[DateRange]) -> bool:
    ordered = sorted(windows, key=lambda w: w.start)
    return all((b.start - a.end).days <= 1 for a, b in zip(ordered, ordered[1:], strict=False))


def _with_field(window: DateRange | None, field: str) -> DateRange | None:
    if window is None:
        return None
    return DateRange(window.start, window.end, window.label, field)


TOTAL_WORDS = frozenset({"total", "overall", "sum", "combined", "altogether", "together"})
SIDE_BY_SIDE_WORDS = frozenset({"better", "worse", "higher", "lower", "more", "less", "whether", "which"})


def grouping_axis(parsed: ParsedQuestion, model: SemanticModel, parts: DateParts | None = None) -> list[Option]:
    """The grouping: the named dimensions and time grain, and a split or a total where the question leaves it open."""
    dims = list(parsed.dimensions)
    grains = [_on_part_columns(g, parsed, parts) for g in _grain_options(parsed)] if parts else _grain_options(parsed)
    for name, (values, op) in parsed.filters.items():
        if op == "in" and len(values) > 1 and name not in dims and not model.dimensions[name].entity:
            if parsed.compare and not parsed.combined:
                dims.append(name)
            elif parsed.combined:
                continue
            else:
                ahead, behind = weights().pair("close")
                split, combined = (ahead, behind) if _set_side_by_side(parsed) else (behind, ahead)
                return [Option(g.weight * w, (("dimensions", (*_grain_dims(g), *dims, *extra)),), d)
                        for g in grains for w, extra, d in ((split, (name,), f"split by {name}"),
                                                            (combined, (), "combined"))]
    options = [Option(g.weight, (("dimensions", (*_grain_dims(g), *dims)),), g.distinction) for g in grains]
    ranked = bool(parsed.polarity or parsed.extreme or parsed.limit or parsed.thresholds or parsed.metric_group)
    splittable = list(parsed.total_dimensions)
    for name in parsed.qualifier_dimensions:
        if ranked or not (parsed.metrics or parsed.weak_metrics):
            options = [Option(o.weight, (("dimensions", (*o.changes[0][1], name)),), o.distinction) for o in options]
        else:
            splittable.append(name)
    likely, other = weights().pair("likely")
    for name in splittable:
        label = model.dimensions[name].label.lower()
        options = [Option(o.weight * w, (("dimensions", tuple(o.changes[0][1]) + extra),), d)
                   for o in options for w, extra, d in ((likely, (), f"one total across all {label}s"),
                                                        (other, (name,), f"one row per {label}"))]
    return _dimension_choices(parsed, model, options)


def _set_side_by_side(parsed: ParsedQuestion) -> bool:
    """Values named to be told apart ('smartphones or computers', 'which is better', 'separately'), not added up."""
    keys = {t.key for t in parsed.tokens}
    either = "or" in keys and not keys & TOTAL_WORDS  # "overall spend for A or B" is still one total
    return bool(parsed.separately or parsed.polarity or parsed.extreme or keys & SIDE_BY_SIDE_WORDS or either)


def _dimension_choices(parsed: ParsedQuestion, model: SemanticModel, options: list[Option]) -> list[Option]:
    """A word two columns share ("channel": default channel group, or channel) gives one reading per column."""
    for name, choices in parsed.dimension_choices.items():
        shares = RANK_WEIGHTS if len(choices) > 2 else weights().pair("likely")
        options = [Option(o.weight * w, (("dimensions", tuple(alt if d == name else d for d in _grain_dims(o))),),
                          "; ".join(x for x in (o.distinction, f"by {model.dimensions[alt].label}") if x))
                   for o in options for w, alt in zip(shares, choices, strict=False)]
    return options


def _grain_dims(option: Option) -> tuple[str, ...]:
    return tuple(option.changes[0][1]) if option.changes else ()


def _on_part_columns(option: Option, parsed: ParsedQuestion, parts: DateParts) -> Option:
    """A month grain on the file's own month column: always without a date, and for named months compared."""
    grains = _grain_dims(option)
    if parts.month is None or not grains or grains[0] not in ("month", "day"):
        return option
    windows = [p.options[0].window for p in parsed.date_phrases if p.options and p.options[0].window]
    named_months = len(windows) > 1 and all(window_shape(w) == "month" for w in windows) and \
        len({w.start.month for w in windows}) == len(windows)
    if grains[0] == "month" and (parts.usable or named_months):
        return Option(option.weight, (("dimensions", (parts.month, *grains[1:])),), option.distinction)
    if grains[0] == "day" and parts.usable and parts.day:
        return Option(option.weight, (("dimensions", (parts.month, parts.day, *grains[1:])),), option.distinction)
    return option


def _grain_options(parsed: ParsedQuestion) -> list[Option]:
    if parsed.grain:
        return [Option(1.0, (("dimensions", (parsed.grain,)),))]
    separating = _separating_grain(parsed)
    if separating:
        return [Option(1.0, (("dimensions", (separating,)),))]
    if parsed.when and not parsed.dimensions:  # "when did we spend the most?": which period
        return [Option(w, (("dimensions", (g,)),), f"which {g}")
                for w, g in zip(weights().ladder("when_grains"), ("month", "week", "day"), strict=False)]
    if not parsed.auto_grain:
        return [Option(1.0, ())]
    days = _window_days(parsed)
    window = next((p.options[0].window for p in parsed.date_phrases if p.options and p.options[0].window), None)
    month_aligned = window is not None and window.start.day == 1 and (window.end + dt.timedelta(days=1)).day == 1
    order = ["month", "week", "day"] if month_aligned and 45 < days <= 366 else \
        ["day", "week", "month"] if days <= 45 else \
        ["week", "month", "day"] if days <= 200 else ["month", "week", "quarter"]
    return [Option(w, (("dimensions", (g,)),), f"{g}ly points" if g != "day" else "daily points")
            for w, g in zip(weights().ladder("trend_grains"), order, strict=False)]


def _separating_grain(parsed: ParsedQuestion) -> str | None:
    """With two or more periods named ("2025 vs 2024"), the coarsest grain that tells them apart."""
    windows = [p.options[0].window for p in parsed.date_phrases if p.options and p.options[0].window]
    if len(windows) < 2:
        return None
    shapes = {window_shape(w) for w in windows}
    if len(shapes) == 1 and None not in shapes:
        return shapes.pop()
    for grain, key in (("year", lambda d: d.year), ("quarter", lambda d: (d.year, (d.month - 1) // 3)),
                       ("month", lambda d: (d.year, d.month)), ("week", lambda d: d.isocalendar()[:2])):
        keys = [{key(w.start), key(w.end)} for w in windows]
        if all(len(k) == 1 for k in keys) and len({next(iter(k)) for k in keys}) == len(keys):
            return grain
    return "day"


def window_shape(window: DateRange) -> str | None:
    """'year', 'quarter', 'month' or 'day' when the window is exactly one such calendar period."""
    start, end = window.start, window.end
    if start == end:
        return "day"
    if (end - start).days == 6 and start.weekday() == 0:
        return "week"
    if start.day != 1:
        return None
    following = (end + dt.timedelta(days=1))
    months = (following.year - start.year) * 12 + following.month - start.month
    if following.day != 1:
        return "year" if start.month == 1 and end.month == 12 and end.day == 31 else None
    return {1: "month", 3: "quarter", 12: "year"}.get(months)


def _window_days(parsed: ParsedQuestion) -> int:
    for phrase in parsed.date_phrases:
        if phrase.options and phrase.options[0].window:
            window = phrase.options[0].window
            return (window.end - window.start).days + 1
    return 10_000


def metric_axis(parsed: ParsedQuestion, model: SemanticModel) -> list[Option]:
    """The metrics and their order: those named, or each metric that 'best' or 'top performing' could mean."""
    if parsed.metrics or parsed.weak_metrics:
        return _explicit_metric_options(parsed, model)
    group = parsed.metric_group or ("higher" if parsed.polarity else None)
    has_grouping = bool(parsed.dimensions or parsed.total_dimensions or parsed.qualifier_dimensions
                        or parsed.grain or parsed.auto_grain)
    if group and has_grouping:
        listed = model.performance_metrics.get(group) or model.performance_metrics.get("higher", ())
        names = [m for m in listed if m in model.metrics]
        return [Option(w, _ranking(parsed, model, m, best_words=True), f"performance = {model.metric(m).label}")
                for w, m in zip(RANK_WEIGHTS, names, strict=False)]
    if group:
        overview_names = tuple(dict.fromkeys(("spend", *model.performance_metrics.get(group, ()))))
        return [Option(1.0, (("metrics", tuple(m for m in overview_names if m in model.metrics)),))]
    overview = (("metrics", model.default_metrics),)
    if (parsed.dimensions or parsed.qualifier_dimensions) and not parsed.grain and not parsed.auto_grain:
        likely, other = weights().pair("likely")
        return [Option(likely, (("metrics", ()),), "a list, no figures"),
                Option(other, overview, "key figures for each")]
    return [Option(1.0, overview)]


def _explicit_metric_options(parsed: ParsedQuestion, model: SemanticModel) -> list[Option]:
    names = parsed.metrics or parsed.weak_metrics[:1]
    alternatives = parsed.metric_alternatives.get(names[0], ())
    if len(alternatives) > 1:  # "the most expensive channel": by spend, or by CPA, or by CPC
        shares = RANK_WEIGHTS if len(alternatives) > 2 else weights().pair("likely")
        return [Option(w, _ranking(parsed, model, alt, parsed.extreme is None, [alt, *names[1:]]),
                       f"by {model.metric(alt).label}")
                for w, alt in zip(shares, alternatives, strict=False)]
    choices = parsed.metric_choices.get(names[0], ())
    if len(choices) > 1:
        shares = RANK_WEIGHTS if len(choices) > 2 else weights().pair("likely")
        return [Option(w, _ranking(parsed, model, alt, parsed.extreme is None, [alt, *names[1:]]),
                       f"as {model.metric(alt).label}: {_metric_source(model.metric(alt))}")
                for w, alt in zip(shares, choices, strict=False)]
    first = model.metric(names[0])
    top_named = "top" in [t.key for t in parsed.tokens]
    if parsed.polarity == "best" and first.direction == "lower" and parsed.extreme is None and top_named:
        likely, other = weights().pair("likely")
        return [Option(likely, _ranking(parsed, model, names[0], True, names), f"top = lowest {first.label} (best)"),
                Option(other, _ranking(parsed, model, names[0], False, names), f"top = highest {first.label}")]
    return [Option(1.0, _ranking(parsed, model, names[0], parsed.extreme is None, names))]


def _metric_source(metric: Any) -> str:
    """How a metric is computed, in a few words: its column, or its description."""
    return f"the column '{metric.column}'" if metric.column else metric.description.rstrip(".") or metric.label


def _ranking(parsed: ParsedQuestion, model: SemanticModel, metric: str, best_words: bool,
             names: list[str] | None = None) -> tuple[tuple[str, Any], ...]:
    """Metrics (with a ratio's parts alongside), and the sort and limit the question's wording asks for."""
    metrics = _with_parts(names or [metric], model)
    changes: list[tuple[str, Any]] = [("metrics", metrics)]
    descending = _descending(parsed, model.metric(metric).direction, best_words)
    ranked_periods = bool((parsed.grain or parsed.when) and (parsed.polarity or parsed.extreme)
                          and not parsed.dimensions)
    grouped = parsed.dimensions or parsed.total_dimensions or parsed.qualifier_dimensions or ranked_periods
    if descending is not None and grouped:
        changes.append(("order_by", (OrderBy(metric, descending),)))
    # One row for "which channel ...", "when did ...", and "the best campaign by ROAS" (a named metric and a
    # singular noun); "worst performing channel" names no metric, so it stays a ranking across readings.
    one = parsed.singular_which or parsed.when or (parsed.singular_dimension and bool(parsed.metrics) and
                                                   (parsed.polarity is not None or parsed.extreme is not None))
    limit = parsed.limit or (1 if one and descending is not None else None)
    if limit and grouped:
        changes.append(("limit", limit))
        if parsed.per_group and descending is not None:
            changes.append(("limit_per", parsed.per_group))
    return tuple(changes)


def _descending(parsed: ParsedQuestion, direction: str, best_words: bool) -> bool | None:
    if parsed.extreme and not (best_words and parsed.polarity and direction == "lower"):
        return parsed.extreme == "max"
    if parsed.polarity:
        best = parsed.polarity == "best"
        if not best_words:
            return best
        return best if direction != "lower" else not best
    return True if parsed.metric_group == "size" else None  # "our main channels": the largest first


def _with_parts(names: list[str], model: SemanticModel) -> tuple[str, ...]:
    out: list[str] = []
    for name in names:
        out.append(name)
    for name in names:
        if model.metric(name).is_derived:
            out.extend(m.name for m in model.measures_of(name) if m.name not in out)
    return tuple(dict.fromkeys(out))


Extra = TypeVar("Extra")


def merged_by_sql(candidates: Iterable[tuple[float, QuerySpec, Extra]],
                  model: SemanticModel) -> list[tuple[float, QuerySpec, Extra]]:
    """The candidate readings that compile, one per SQL: those that compile to the same SQL are one reading, the
    first's spec and notes with every weight added."""
    seen: dict[str, int] = {}
    merged: list[tuple[float, QuerySpec, Extra]] = []
    for weight, spec, extra in candidates:
        try:
            sql = compile_spec(spec, model).sql
        except ClarifyError:
            continue
        if sql in seen:
            w, s, e = merged[seen[sql]]
            merged[seen[sql]] = (w + weight, s, e)
            continue
        seen[sql] = len(merged)
        merged.append((weight, spec, extra))
    return merged

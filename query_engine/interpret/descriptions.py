"""One-line, plain-English descriptions of what a query spec computes."""
from __future__ import annotations

from query_engine.semantics.model import SemanticModel
from query_engine.semantics.profile import DataProfile
from query_engine.spec.query import Filter, QuerySpec
from query_engine.spec.result_columns import plural_label


def describe_spec(spec: QuerySpec, model: SemanticModel, profile: DataProfile) -> str:
    """E.g. 'ROAS (revenue / spend) by campaign, Q3 2025 (2025-07-01 to 2025-09-30), highest first.'"""
    if spec.change and len(spec.periods) == 2 and spec.metrics:
        return _change(spec, model)
    parts = [_what(spec, model), _grouping(spec, model), _filters(spec, model),
             _thresholds(spec, model), _window(spec, model, profile)]
    order = _order(spec, model)
    text = " ".join(p for p in parts if p) + _scenario(spec, model) + _step(spec, model)
    return f"{text}, {order}." if order else f"{text}."


def _change(spec: QuerySpec, model: SemanticModel) -> str:
    """'Change in Revenue by channel, year to date (...) against the same days a year before (...), largest rise in
    percent first.'"""
    earlier, later = spec.periods
    rising = bool(spec.order_by and spec.order_by[0].descending)
    measure = "in percent" if spec.change == "pct" else "in value"
    order = (f"the largest {'rise' if rising else 'fall'} {measure}" + (" only" if spec.limit == 1 else " first"))
    grouping = " ".join(p for p in (_grouping(spec, model), _filters(spec, model)) if p)
    return (f"Change in {model.metric(spec.metrics[0]).label} {grouping}: {later.describe()} against "
            f"{earlier.describe()}, {order}.")


def _step(spec: QuerySpec, model: SemanticModel) -> str:
    grain = next((d for d in spec.dimensions if d in model.time_grains), None)
    if spec.change != "step" or grain is None:
        return ""
    return f"; each {model.time_grains[grain].label.lower()} against the one before, with the change in value and %"


def _scenario(spec: QuerySpec, model: SemanticModel) -> str:
    if not spec.scaled:
        return ""
    measure, factor = spec.scaled
    return (f"; and each summed figure if {model.metric(measure).label.lower()} changed {(factor - 1) * 100:+.0f}% "
            "at today's rates (arithmetic on these figures, not a forecast)")


def _what(spec: QuerySpec, model: SemanticModel) -> str:
    if spec.count_of:
        return f"Number of {plural_label(_label(spec.count_of, model))}"
    if not spec.metrics:
        names = [plural_label(model.dimensions[d].label.lower()) if d in model.dimensions else d
                 for d in spec.dimensions]
        return f"List of {', '.join(names) or 'rows'}"
    first = model.metric(spec.metrics[0])
    definition = first.description.rstrip(".")
    head = f"{first.label} ({definition})" if definition else first.label
    head = " ".join(p for p in (head, _part(spec, model)) if p)
    others = [model.metric(m).label for m in spec.metrics[1:]]
    if spec.whole:
        others.append(f"{first.label} as a share of {model.metric(spec.whole).label}")
    elif spec.part and not first.is_derived and any(f.dimension not in spec.dimensions for f in spec.part):
        others.append(f"its share of all {first.label.lower()}")
    elif spec.share and spec.dimensions and not first.is_derived:
        others.append("each row's share of the total")
    return head + (f", with {', '.join(others)}" if others else "")


def _part(spec: QuerySpec, model: SemanticModel) -> str:
    """'from network Syndicated search partners', or, in a breakdown by that column, which rows come first."""
    if not spec.part:
        return ""
    grouped = all(f.dimension in spec.dimensions for f in spec.part)
    text = " and ".join(_filter_text(f, model) for f in spec.part)
    return f"({text} first)" if grouped else f"from {text}"


def _grouping(spec: QuerySpec, model: SemanticModel) -> str:
    if not spec.metrics and not spec.count_of:
        return ""
    labels = [_label(d, model) for d in spec.dimensions if d != spec.count_of]
    return f"by {' and '.join(labels)}" if labels else "" if spec.count_of else "in total"


def _label(name: str, model: SemanticModel) -> str:
    for group in (model.dimensions, model.time_grains, model.date_fields):
        if name in group:
            return group[name].label.lower()
    return name


def _filters(spec: QuerySpec, model: SemanticModel) -> str:
    parts = [_filter_text(f, model) for f in spec.filters]
    text = " and ".join(parts)
    return ("" if text.startswith("excluding ") else "for ") + text if parts else ""


def _filter_text(f: Filter, model: SemanticModel) -> str:
    if f.dimension in model.time_grains:  # 'weekends': a part of the calendar, not a column
        return ("excluding " if f.op == "not_in" else "") + " or ".join(v.lower() + "s" for v in f.values)
    label = model.dimension(f.dimension).label.lower()
    values = " or ".join(f.values[:3]) + (f" (+{len(f.values) - 3} more)" if len(f.values) > 3 else "")
    return f"{label} not {values}" if f.op == "not_in" else f"{label} {values}"


def _thresholds(spec: QuerySpec, model: SemanticModel) -> str:
    from query_engine.spec.value_format import format_value

    parts = [f"{model.metric(t.metric).label} {t.op} {format_value(t.value, model.metric(t.metric).format)}"
             for t in spec.thresholds]
    return "where " + " and ".join(parts) if parts else ""


def _window(spec: QuerySpec, model: SemanticModel, profile: DataProfile) -> str:
    window = spec.date_range
    if spec.periods:
        return "in " + " and in ".join(w.describe() for w in spec.periods)
    if window is None:
        return f"over all time ({profile.window_label()})"
    if window.field != "date" and window.field in model.date_fields:
        return f"with {model.date_fields[window.field].label.lower()} in {window.describe()}"
    note = ""
    if profile.as_of and window.end > profile.as_of >= window.start:
        note = f", data through {profile.as_of.isoformat()}"
    elif profile.as_of and window.start > profile.as_of or profile.first_date and window.end < profile.first_date:
        note = f", outside the data ({profile.window_label()})"
    return f"{'' if window.label.startswith('since ') else 'in '}{window.describe()}{note}"


def _order(spec: QuerySpec, model: SemanticModel) -> str:
    if not spec.order_by:
        return f"first {spec.limit} rows" if spec.limit else ""
    first = spec.order_by[0]
    direction = "highest first" if first.descending else "lowest first"
    name = model.metrics[first.field].label if first.field in model.metrics else first.field
    if spec.limit and spec.limit_per:
        per = model.dimensions[spec.limit_per].label.lower() if spec.limit_per in model.dimensions else spec.limit_per
        return f"top {spec.limit} by {name} within each {per}, {direction}"
    if spec.limit == 1:
        return f"only the {'highest' if first.descending else 'lowest'} {name}"
    if spec.limit:
        return f"top {spec.limit} by {name}, {direction}"
    return f"ranked by {name}, {direction}"

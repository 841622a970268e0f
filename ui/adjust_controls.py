"""Controls that adjust a picked reading (metric, grouping, dates, filters, top N) into a new spec."""
from __future__ import annotations

import datetime as dt
import json
from typing import Any

import streamlit as st

from query_engine.semantics.model import SemanticModel
from query_engine.semantics.profile import DataProfile
from query_engine.spec.codec import spec_to_dict
from query_engine.spec.query import DateRange, Filter, OrderBy, QuerySpec
from query_engine.spec.safe_text import escape_markdown
from ui.state import ADJUST_PREFIX as PREFIX
from ui.state import content_key


def spec_changes(before: QuerySpec, after: QuerySpec) -> list[dict[str, Any]]:
    """What the analyst changed, field by field: [{"field", "from", "to"}] in spec_to_dict form."""
    old, new = spec_to_dict(before), spec_to_dict(after)
    return [{"field": name, "from": old[name], "to": new[name]} for name in old if old[name] != new[name]]


def with_metric(spec: QuerySpec, metric: str, model: SemanticModel) -> QuerySpec:
    """The spec led by another metric; a sort on the old lead metric now sorts on the new one."""
    if spec.metrics and spec.metrics[0] == metric:
        return spec
    old = spec.metrics[0] if spec.metrics else None
    metrics = (metric, *(m for m in spec.metrics[1:] if m != metric))
    descending = model.metric(metric).direction != "lower"
    order = tuple(OrderBy(metric, descending) if o.field == old else o for o in spec.order_by)
    return spec.with_changes(metrics=metrics, order_by=order)


def with_grouping(spec: QuerySpec, dimensions: tuple[str, ...]) -> QuerySpec:
    """The spec grouped by other dimensions; sorts on dropped dimensions go too."""
    kept = set(spec.metrics) | set(dimensions)
    return spec.with_changes(dimensions=dimensions, order_by=tuple(o for o in spec.order_by if o.field in kept))


def with_filters(spec: QuerySpec, chosen: dict[str, list[str]]) -> QuerySpec:
    """The spec with 'is one of' filters replaced by the chosen values (others are kept)."""
    excluded = tuple(f for f in spec.filters if f.op == "not_in" or f.dimension not in chosen)
    included = tuple(Filter(dim, tuple(values)) for dim, values in chosen.items() if values)
    return spec.with_changes(filters=included + excluded)


def with_dates(spec: QuerySpec, picked: Any, profile: DataProfile) -> QuerySpec:
    """The spec with the picked date window; the whole span means no window."""
    if not isinstance(picked, (tuple, list)) or len(picked) != 2:
        return spec  # the analyst picked only one end so far
    start, end = picked
    current = spec.date_range
    if current and (current.start, current.end) == (start, end):
        return spec
    if current is None and (start, end) == (profile.first_date, profile.as_of):
        return spec
    field = current.field if current else "date"
    return spec.with_changes(date_range=DateRange(start, end, "", field))


def adjust_form(spec: QuerySpec, model: SemanticModel, profile: DataProfile) -> QuerySpec | None:
    """Show the adjust form for `spec`; returns the adjusted spec on the run where it was applied."""
    # Widget keys carry the spec they edit: another question or reading gets fresh controls, never the
    # values a browser still holds for the previous one.
    tag = content_key(PREFIX, json.dumps(spec_to_dict(spec), sort_keys=True)) + "."
    with st.form(key=f"{tag}form", border=False):
        left, right = st.columns(2)
        with left:
            metric = _metric_box(spec, model, tag)
            grouping = _grouping_box(spec, model, tag)
            top_n = st.number_input("Top N rows (0 = all)", min_value=0, max_value=10_000, step=1,
                                    value=int(spec.limit or 0), key=f"{tag}top_n")
        with right:
            dates = _date_box(spec, profile, tag)
            chosen = _filter_boxes(spec, model, profile, tag)
        applied = st.form_submit_button("Apply changes", type="primary", key=f"{tag}apply")
    if not applied:
        return None
    adjusted = with_grouping(with_metric(spec, metric, model), tuple(grouping))
    adjusted = with_dates(with_filters(adjusted, chosen), dates, profile)
    return adjusted.with_changes(limit=int(top_n) or None)


def _metric_box(spec: QuerySpec, model: SemanticModel, tag: str) -> str:
    names = list(model.metrics)
    current = spec.metrics[0] if spec.metrics else names[0]
    return st.selectbox("Metric", names, index=names.index(current), key=f"{tag}metric",
                        format_func=lambda n: f"{model.metrics[n].label} — {model.metrics[n].description}")


def _grouping_box(spec: QuerySpec, model: SemanticModel, tag: str) -> list[str]:
    labels = {**{n: d.label for n, d in model.dimensions.items()},
              **{n: f"{g.label} (time)" for n, g in model.time_grains.items()},
              **{n: f"{d.label} (date)" for n, d in model.date_fields.items() if n in spec.dimensions}}
    return st.multiselect("Group by", list(labels), default=[d for d in spec.dimensions if d in labels],
                          key=f"{tag}grouping", format_func=labels.__getitem__)


def _date_box(spec: QuerySpec, profile: DataProfile, tag: str) -> Any:
    if not profile.first_date or not profile.as_of:
        return None
    window = spec.date_range
    value = (window.start, window.end) if window else (profile.first_date, profile.as_of)
    label = f"Dates ({escape_markdown(window.label)})" if window and window.label else "Dates"  # this spec's window
    return st.date_input(label, value=value, min_value=min(value[0], profile.first_date),
                         max_value=max(value[1], profile.as_of, dt.date.today()), key=f"{tag}dates")


def _filter_boxes(spec: QuerySpec, model: SemanticModel, profile: DataProfile, tag: str) -> dict[str, list[str]]:
    current = {f.dimension: list(f.values) for f in spec.filters if f.op == "in"}
    chosen: dict[str, list[str]] = {}
    for name, dim in model.dimensions.items():
        options = list(profile.values.get(name, ()))
        if not options:
            continue
        default = [v for v in current.get(name, []) if v in options]
        label = f"Only these {escape_markdown(dim.label.lower())} values"
        chosen[name] = st.multiselect(label, options, default=default, key=f"{tag}filter.{name}", placeholder="All")
    return chosen

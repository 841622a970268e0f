"""'How many <things> ...': a count metric of those things, or the number of groups that pass a threshold."""
from __future__ import annotations

from query_engine.interpret.parser import ParsedQuestion
from query_engine.semantics.model import SemanticModel
from query_engine.spec.query import QuerySpec


def settle_count(parsed: ParsedQuestion, model: SemanticModel) -> None:
    """Answer 'how many campaigns' with the model's own count of campaigns where one exists and nothing is
    compared; else keep the grouping counted ('how many ad groups spent over $5k': count the groups that pass)."""
    if parsed.thresholds:
        _counts_as_groups(parsed, model)
    name = parsed.counted
    if name is None or parsed.thresholds:
        return
    counter = count_metric(model, name)
    if counter is None:
        return
    parsed.counted = None
    if name in parsed.dimensions:
        parsed.dimensions.remove(name)
    if counter not in parsed.metrics:
        parsed.metrics.append(counter)


def _counts_as_groups(parsed: ParsedQuestion, model: SemanticModel) -> None:
    """'How many campaigns had ROAS above 3', with 'how many campaigns' a count metric's own phrase: ROAS is
    each campaign's, so the campaigns that pass are counted, not all campaigns under a grand-total test."""
    for metric in list(parsed.metrics):
        name = next((d for d in model.dimensions if count_metric(model, d) == metric), None)
        if name is None or parsed.counted not in (None, name):
            continue
        parsed.metrics.remove(metric)
        parsed.counted = name
        if name not in parsed.dimensions:
            parsed.dimensions.append(name)


def count_metric(model: SemanticModel, name: str) -> str | None:
    """A count metric that counts this grouping's values: one on its column, or the count of a table of such things."""
    dim = model.dimensions.get(name)
    if dim is None or not dim.entity:
        return None
    own_table = dim.table != model.base_table  # a table of campaigns: any distinct key of it counts campaigns
    return next((m.name for m in model.metrics.values()
                 if m.aggregation in ("count", "count_distinct") and m.table == dim.table
                 and (m.column == dim.column or own_table)), None)


def counted_spec(spec: QuerySpec, parsed: ParsedQuestion) -> QuerySpec:
    """A reading that counts groups keeps only what decides which groups pass: grouping, filters, window, thresholds."""
    if not spec.count_of:
        return spec
    counted = spec.count_of
    if counted not in spec.dimensions:  # a word two columns share: count the column this reading groups by
        counted = next((d for d in parsed.dimension_choices.get(counted, ()) if d in spec.dimensions), counted)
    return spec.with_changes(count_of=counted, metrics=(), order_by=(), limit=None, limit_per=None, share=False)

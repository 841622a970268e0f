"""Share questions: which part of which whole ("what share of clicks came from mobile", "... from other SKUs")."""
from __future__ import annotations

from query_engine.interpret.parser import ParsedQuestion
from query_engine.interpret.reading_axes import Option
from query_engine.interpret.reading_weights import weights
from query_engine.semantics.model import SemanticModel
from query_engine.spec.query import Filter

# Words that introduce the part of a share: "came FROM organic search", "WENT TO Meta", "WERE outbound clicks".
PART_CUES = frozenset({"from", "via", "through", "to", "were", "was", "is", "are", "went"})
DETERMINERS = frozenset({"the", "our", "a", "an", "my", "their", "its", "all"})
# "what share came from mobile": the one share first, the whole breakdown (mobile first) second
BREAKDOWN_WEIGHT = weights().share_breakdown


def read_share(parsed: ParsedQuestion, model: SemanticModel) -> None:
    """Settle what a share question divides: one measure by another, one value's part by the whole, or each row
    by the total (a filter on a dimension then becomes the split, as 'share of spend by channel' asks)."""
    if parsed.share and not parsed.metrics and not parsed.weak_metrics:  # "mobile's share this year": of what
        summed = [m for m in model.default_metrics if m in model.metrics and _summed(model.metric(m))]
        parsed.metrics = summed[:1]
        if len(summed) > 1:
            parsed.metric_alternatives[summed[0]] = summed
    if not parsed.share or not parsed.metrics:
        return
    if _read_whole(parsed, model):
        return
    keys = [t.key for t in parsed.tokens]
    cued = [n for n in parsed.filters if after_cue(keys, parsed.filter_starts.get(n, -1))]
    plain = [n for n, (_, op) in parsed.filters.items() if op == "in"]
    for name in cued:  # "from the video pins campaign": the word names the part's column, not a split
        if name in parsed.dimensions:
            parsed.dimensions.remove(name)
    # Per period the part is still the part ("from email each month"); a split by a dimension keeps the old reading.
    parts = [] if parsed.dimensions else cued if parsed.grain or parsed.auto_grain else cued or plain
    for name in parts:
        parsed.part[name] = parsed.filters.pop(name)
        for named in (parsed.qualifier_dimensions, parsed.total_dimensions):  # "the spring sale campaign"
            if name in named:
                named.remove(name)
    if parts:
        return
    for name, (_values, op) in list(parsed.filters.items()):
        if op == "in" and not model.dimensions[name].entity:
            del parsed.filters[name]
            if name not in parsed.dimensions:
                parsed.dimensions.append(name)


def _read_whole(parsed: ParsedQuestion, model: SemanticModel) -> bool:
    """'What share of sales came from other SKU sales': a second summed measure named as the part of the first."""
    keys = [t.key for t in parsed.tokens]
    whole = model.metric(parsed.metrics[0])
    for start, _end, name in parsed.metric_spans:
        part = model.metric(name)
        if name == whole.name or not after_cue(keys, start) or name not in parsed.metrics:
            continue
        if _summed(part) and _summed(whole) and part.format == whole.format:
            parsed.whole = whole.name
            parsed.metrics = [name, whole.name, *(m for m in parsed.metrics if m not in (name, whole.name))]
            return True
    return False


def _summed(metric) -> bool:  # noqa: ANN001 - a semantics Metric
    return not metric.is_derived and metric.aggregation == "sum"


def after_cue(keys: list[str], start: int) -> bool:
    """True when the words before position `start` end with a part cue ('from', 'from the', 'was on our')."""
    i = start - 1
    while i >= 0 and keys[i] in DETERMINERS:
        i -= 1
    return start > 0 and i >= 0 and keys[i] in PART_CUES


def share_axis(parsed: ParsedQuestion) -> list[Option]:
    """The part's share of the whole as one figure, or the breakdown by the part's dimension with the part first."""
    if not parsed.part:
        return [Option(1.0, ())]
    part = tuple(Filter(d, tuple(v), op) for d, (v, op) in parsed.part.items())
    split = tuple(d for d in parsed.part if d not in parsed.dimensions)
    # "from mobile and desktop" asks for each one's share, unless "combined" says the sum of them.
    several = any(len(v) > 1 for v, _ in parsed.part.values()) and not parsed.combined
    weight = 1.0 - BREAKDOWN_WEIGHT if several else BREAKDOWN_WEIGHT
    one = Option(1.0 - weight, (("part", part),), "the part's share of the whole")
    breakdown = Option(weight, (("part", part), ("dimensions", split), ("share", True)),
                       "every row's share, the part first")
    return [one, breakdown] if split else [one]

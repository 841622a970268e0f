"""Follow-ups: a question asked of the last answer refines its reading instead of starting again.

"Now split that by device", "only for Meta", "same for last year", "what about revenue", "top 5 only": each
names one or two parts to change (metric, grouping, grain, filters, window, ranking); everything else of the
last reading stays. Each refined reading says what it changed. The words are the lexicon's `follow_ups`.
"""
from __future__ import annotations

import datetime as dt
import itertools

from query_engine.interpret.date_parts import DateParts
from query_engine.interpret.descriptions import describe_spec
from query_engine.interpret.follow_up_windows import LEADING, OTHER, Change, stepped_back, window_change
from query_engine.interpret.parser import ParsedQuestion
from query_engine.interpret.question_lexicon import FollowUpWords, Phrase, find_phrases, follow_up_words
from query_engine.interpret.reading_axes import merged_by_sql
from query_engine.interpret.reading_weights import weights
from query_engine.interpret.thresholds import read_amounts
from query_engine.semantics.model import SemanticModel
from query_engine.semantics.profile import DataProfile
from query_engine.spec.query import Filter, Interpretation, OrderBy, QuerySpec, Refusal, Threshold

QUESTION_WORDS = frozenset({"which", "what", "how", "who", "when", "where", "why", "is", "are", "did", "does", "do",
                            "list", "give", "compare", "rank"})
FOLLOW_UP_EXAMPLES = ("now split that by device", "only for one value, e.g. 'only Meta'", "same for last year",
                      "what about revenue", "top 5 only")


def reads_as_follow_up(parsed: ParsedQuestion, previous: QuerySpec | None = None) -> bool:
    """Whether a question refines the last answer: it opens or is marked like a follow-up, points at the last answer
    ('split that'), names only what to change (a grouping, a value, a window, a limit) and no figure, or only a
    condition on what the last answer already shows ('keep only campaigns with spend above 50k')."""
    words = follow_up_words()
    keys = [t.key for t in parsed.tokens]
    if _opens_with(keys, words.openers) or find_phrases(keys, words.anywhere) or _refers(keys, words):
        return True
    if previous is not None and (parsed.thresholds and _only_conditions(parsed, previous)
                                 or stepped_back(parsed, previous) is not None and not parsed.metrics):
        return True
    figure = parsed.metrics or parsed.weak_metrics or parsed.metric_group or parsed.counted
    if figure:
        return False
    if _opens_with(keys, words.weak_openers):
        return True
    changes = (parsed.dimensions or parsed.filters or parsed.date_phrases or parsed.grain or parsed.limit
               or parsed.total_dimensions)
    return bool(changes) and not (keys and keys[0] in QUESTION_WORDS) and not (parsed.polarity and parsed.dimensions)


def _only_conditions(parsed: ParsedQuestion, previous: QuerySpec) -> bool:
    """The figures it names are its conditions' and its groupings the last answer's: it narrows that answer."""
    conditioned = {t.metric for t in parsed.thresholds}
    return set(parsed.metrics) <= conditioned and set(parsed.dimensions) <= set(previous.dimensions) \
        and not parsed.date_phrases


def _opens_with(keys: list[str], table: frozenset[Phrase]) -> bool:
    return any(tuple(keys[:n]) in table for n in range(1, min(5, len(keys)) + 1))


def _refers(keys: list[str], words: FollowUpWords) -> bool:
    """'split that', 'show it weekly', 'break those down': a word for the last answer right after a verb."""
    return any((keys[i],) in words.verbs and any(tuple(keys[i + 1:i + 1 + n]) in words.referring for n in (1, 2, 3))
               for i in range(len(keys) - 1))


def follow_up_changes(parsed: ParsedQuestion, previous: QuerySpec, model: SemanticModel, as_of: dt.date,
                      parts: DateParts | None = None) -> list[list[Change]]:
    """The parts the follow-up changes, each a list of alternatives (an empty list: it changes nothing)."""
    keys = [t.key for t in parsed.tokens]
    words = follow_up_words()
    adds = bool(find_phrases(keys, words.add)) or _opens_with(keys, words.add_openers)
    replaces = bool(find_phrases(keys, words.replace))
    removes = bool(find_phrases(keys, words.remove))
    found = [_metric_change(parsed, previous, model, adds and not replaces),
             _grouping_change(parsed, previous, model, replaces and not adds, removes),
             _filter_change(parsed, previous, model, adds, removes),
             window_change(parsed, previous, model, as_of, parts),
             _threshold_change(parsed, previous, model),
             _ranking_change(parsed, model) if not parsed.thresholds else []]
    return [part for part in found if part]


def _metric_change(parsed: ParsedQuestion, previous: QuerySpec, model: SemanticModel, adds: bool) -> list[Change]:
    named = tuple(dict.fromkeys(parsed.metrics or parsed.weak_metrics[:1]))
    if not named or named == previous.metrics:
        return []
    if all(any(t.metric == m for t in parsed.thresholds) for m in named):  # 'which of those had ROAS under 1'
        joined = tuple(dict.fromkeys((*previous.metrics, *named)))
        return [Change(1.0, lambda s: s.with_changes(metrics=joined), "")] if joined != previous.metrics else []
    labels = " and ".join(model.metric(m).label for m in named)
    old = " and ".join(model.metric(m).label for m in previous.metrics) or "the list"
    swap = Change(OTHER if adds else LEADING, lambda s: _with_metrics(s, named, model), f"{labels} in place of {old}")
    joined = tuple(dict.fromkeys((*previous.metrics, *named)))
    if not previous.metrics or joined == named:
        return [Change(1.0, swap.apply, swap.said)]
    both = Change(LEADING if adds else OTHER, lambda s: _with_metrics(s, joined, model), f"{labels} added")
    return sorted((swap, both), key=lambda c: -c.weight)


def _with_metrics(spec: QuerySpec, metrics: tuple[str, ...], model: SemanticModel) -> QuerySpec:
    """The spec with other metrics; a ranking on a metric that went ranks the first new one, best first as before."""
    order = spec.order_by
    if order and order[0].field not in metrics and order[0].field in spec.metrics:
        order = (OrderBy(metrics[0], _same_sense(order[0], model, metrics[0])), *order[1:])
    return spec.with_changes(metrics=metrics, order_by=order, whole=None if spec.whole in metrics else spec.whole)


def _same_sense(order: OrderBy, model: SemanticModel, metric: str) -> bool:
    """Descending or not, so that the new metric's order means what the old one's did (best first, or worst)."""
    best_first = order.descending == (model.metric(order.field).direction != "lower")
    return best_first == (model.metric(metric).direction != "lower")


def _grouping_change(parsed: ParsedQuestion, previous: QuerySpec, model: SemanticModel, replaces: bool,
                     removes: bool) -> list[Change]:
    grains = set(model.time_grains)
    keys = [t.key for t in parsed.tokens]
    dropped = [d for d in parsed.dimensions if removes and d in previous.dimensions and not _filtered(previous, d)]
    if dropped or find_phrases(keys, follow_up_words().totals):  # "drop the device split", "just the total"
        kept = tuple(d for d in previous.dimensions if d not in dropped) if dropped else ()
        said = f"no split by {' and '.join(_label(model, d) for d in dropped)}" if dropped else "one total, no split"
        return [Change(1.0, lambda s: s.with_changes(dimensions=kept, order_by=_kept_order(s, kept), limit=None
                                                     if not kept else s.limit), said)]
    named = [d for d in parsed.dimensions if d not in parsed.filters and d not in previous.dimensions
             and not (removes and _filtered(previous, d))]
    changes = [_grain_change(parsed.grain, previous, grains)] if parsed.grain else []
    if not named:
        return [c for c in changes if c]
    kept = tuple(d for d in previous.dimensions if d not in grains)
    grain = tuple(d for d in previous.dimensions if d in grains)
    labels = " and ".join(_label(model, d) for d in named)
    added = Change(OTHER if replaces else LEADING, lambda s: s.with_changes(dimensions=(*s.dimensions, *named)),
                   f"split by {labels} as well")
    if not kept:
        return [Change(1.0, added.apply, f"split by {labels}")]
    swapped = Change(LEADING if replaces else OTHER, lambda s: s.with_changes(dimensions=(*named, *grain)),
                     f"by {labels} in place of {' and '.join(_label(model, d) for d in kept)}")
    return sorted((added, swapped), key=lambda c: -c.weight)


def _kept_order(spec: QuerySpec, kept: tuple[str, ...]) -> tuple[OrderBy, ...]:
    return tuple(o for o in spec.order_by if o.field in kept or o.field in spec.metrics) if kept else ()


def _grain_change(grain: str, previous: QuerySpec, grains: set[str]) -> Change | None:
    old = [d for d in previous.dimensions if d in grains]
    if old == [grain]:
        return None
    others = tuple(d for d in previous.dimensions if d not in grains)
    said = f"{grain} by {grain} in place of {old[0]} by {old[0]}" if old else f"split {grain} by {grain}"
    return Change(1.0, lambda s: s.with_changes(dimensions=(grain, *others)), said)


def _filtered(spec: QuerySpec, dimension: str) -> bool:
    return any(f.dimension == dimension for f in spec.filters)


def _filter_change(parsed: ParsedQuestion, previous: QuerySpec, model: SemanticModel, adds: bool,
                   removes: bool) -> list[Change]:
    widened = _widened(parsed) | _restored(parsed, previous) | _removed_values(parsed)
    named = {d: found for d, found in parsed.filters.items() if d not in widened}
    dropped = [d for d in (*parsed.total_dimensions, *(parsed.dimensions if removes else ()), *widened)
               if _filtered(previous, d) and d not in named]
    if removes and not named and not dropped and _says_filters(parsed):
        dropped = [f.dimension for f in previous.filters]
    if not named and not dropped:
        return []
    kept = tuple(f for f in previous.filters if f.dimension not in named and f.dimension not in dropped)
    new = tuple(_merged(previous, d, values, op, adds) for d, (values, op) in named.items())
    said = [_said_filter(f, model) for f in new] + [f"every {_label(model, d)}, unfiltered" for d in dropped]
    return [Change(1.0, lambda s: s.with_changes(filters=kept + new), "; ".join(said))]


def _widened(parsed: ParsedQuestion) -> set[str]:
    """Groupings whose filter goes because its values come right after a widening word ('not just Meta')."""
    return _values_after(parsed, follow_up_words().widen, the=False)


def _removed_values(parsed: ParsedQuestion) -> set[str]:
    """'remove the meta filter', 'drop email': values right after a remove word stop filtering."""
    return _values_after(parsed, follow_up_words().remove, the=True)


def _values_after(parsed: ParsedQuestion, table: frozenset[Phrase], the: bool) -> set[str]:
    """Groupings whose named values start right after a phrase of `table` (or after it and 'the', with `the`)."""
    keys = [t.key for t in parsed.tokens]
    ends = {end for _, end in find_phrases(keys, table)}
    return {d for d, start in parsed.filter_starts.items()
            if start in ends or (the and start - 1 in ends and keys[start - 1] == "the")}


def _restored(parsed: ParsedQuestion, previous: QuerySpec) -> set[str]:
    """'include email again' after 'exclude email': the values the last answer left out come back."""
    if not find_phrases([t.key for t in parsed.tokens], follow_up_words().restore):
        return set()
    return {d for d, (values, op) in parsed.filters.items() if op == "in" and any(
        f.dimension == d and f.op == "not_in" and set(values) & set(f.values) for f in previous.filters)}


def _says_filters(parsed: ParsedQuestion) -> bool:
    return any(t.key in ("filter", "filters", "unfiltered") for t in parsed.tokens)


def _merged(previous: QuerySpec, dimension: str, values: list[str], op: str, adds: bool) -> Filter:
    """The follow-up's filter on a grouping; 'also Meta' joins the last answer's values of the same kind."""
    old = next((f for f in previous.filters if f.dimension == dimension), None)
    if adds and old is not None and old.op == op:
        return Filter(dimension, tuple(dict.fromkeys((*old.values, *values))), old.op)
    return Filter(dimension, tuple(values), "not_in" if op == "not_in" else "in")


def _said_filter(found: Filter, model: SemanticModel) -> str:
    values = ", ".join(found.values)
    return f"{'without' if found.op == 'not_in' else 'only'} {values} ({_label(model, found.dimension)})"


def _threshold_change(parsed: ParsedQuestion, previous: QuerySpec, model: SemanticModel) -> list[Change]:
    """'Which of those had ROAS under 1': a condition joins the last answer's (one on the same metric is replaced);
    'make that 50k', 'over 5k instead': a new amount for its condition, or one on its first metric."""
    named = list(parsed.thresholds)
    if not named:
        amounts = read_amounts([t.key for t in parsed.tokens]) if not parsed.limit else []
        if len(amounts) != 1 or not (previous.thresholds or (amounts[0][0] and previous.metrics)):
            return []
        op, value = amounts[0]
        last = previous.thresholds[-1] if previous.thresholds else Threshold(previous.metrics[0], op or ">", value)
        named = [Threshold(last.metric, op or last.op, value)]
    kept = tuple(t for t in previous.thresholds if all(t.metric != n.metric for n in named))
    said = "; ".join(f"{model.metric(t.metric).label} {t.op} {t.value:g}" for t in named)
    return [Change(1.0, lambda s: s.with_changes(thresholds=kept + tuple(named)), f"only where {said}")]


def _ranking_change(parsed: ParsedQuestion, model: SemanticModel) -> list[Change]:
    if not parsed.limit and not parsed.polarity and not parsed.extreme:
        return []
    worst = parsed.polarity == "worst" or parsed.extreme == "min"
    said = (f"{'bottom' if worst else 'top'} {parsed.limit}" if parsed.limit else
            "worst first" if worst else "best first")
    return [Change(1.0, lambda s: _ranked(s, model, parsed.limit, worst), said)]


def _ranked(spec: QuerySpec, model: SemanticModel, limit: int | None, worst: bool) -> QuerySpec:
    if not spec.metrics or not spec.dimensions:
        return spec
    field = spec.order_by[0].field if spec.order_by and spec.order_by[0].field in spec.metrics else spec.metrics[0]
    higher = model.metric(field).direction != "lower"
    return spec.with_changes(order_by=(OrderBy(field, higher != worst),), limit=limit or spec.limit)


def _label(model: SemanticModel, name: str) -> str:
    if name in model.dimensions:
        return model.dimensions[name].label.lower()
    return model.time_grains[name].label.lower() if name in model.time_grains else name


def refined_specs(previous: QuerySpec, parts: list[list[Change]]) -> list[tuple[float, QuerySpec, str]]:
    """Every combination of one alternative per part, applied to the last reading: (weight, spec, what changed)."""
    out = []
    for combo in itertools.product(*parts):
        spec, weight = previous, 1.0
        for change in combo:
            spec, weight = change.apply(spec), weight * change.weight
        out.append((weight, spec, "; ".join(c.said for c in combo if c.said)))
    return out


def follow_up_readings(parsed: ParsedQuestion, previous: QuerySpec, model: SemanticModel, profile: DataProfile,
                       as_of: dt.date, certainty: float) -> list[Interpretation] | Refusal:
    """Up to five refinements of the last reading, best first, each saying what it changed; or why there are none."""
    parts = follow_up_changes(parsed, previous, model, as_of, DateParts.of(model, profile))
    if not parts:
        return Refusal("This reads as a follow-up to the last answer, but I could not tell what to change in it.",
                       FOLLOW_UP_EXAMPLES)
    weighed = merged_by_sql(refined_specs(previous, parts), model)
    if not weighed:
        return Refusal("That change does not fit the last answer's reading.", FOLLOW_UP_EXAMPLES)
    weighed.sort(key=lambda r: -r[0])
    return [Interpretation(spec, describe_spec(spec, model, profile), f"changed: {said}",
                           round(min(weight * certainty, weights().certainty.cap), 3), rank)
            for rank, (weight, spec, said) in enumerate(weighed[:5], start=1)]


def unplaced_words(parsed: ParsedQuestion) -> list[str]:
    """Words of a follow-up that neither the parser nor the follow-up lexicon could place."""
    words = follow_up_words()
    known = {w for table in (words.openers, words.weak_openers, words.anywhere, words.referring, words.verbs,
                             words.add, words.replace, words.remove, words.again) for phrase in table for w in phrase}
    return [w for w in parsed.unknown if w.lower() not in known]

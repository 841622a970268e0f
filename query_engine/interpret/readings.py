"""Interpret a question into up to five ranked, runnable readings, or a refusal."""
from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from query_engine.interpret.cues import Cue
from query_engine.interpret.date_parts import DateParts
from query_engine.interpret.date_phrases import mentions_future
from query_engine.interpret.descriptions import describe_spec
from query_engine.interpret.follow_ups import follow_up_readings, reads_as_follow_up, unplaced_words
from query_engine.interpret.group_averages import DROPPED_DIMENSIONS, per_group_axis
from query_engine.interpret.group_counts import counted_spec, settle_count
from query_engine.interpret.live_counts import live_count_axis
from query_engine.interpret.name_choices import name_axis
from query_engine.interpret.parser import ParsedQuestion, parse_question
from query_engine.interpret.period_changes import change_axis, change_direction, step_axis
from query_engine.interpret.question_limits import SCENARIO_REASON, definition, is_scenario, read_scenario
from query_engine.interpret.question_text import clean_question, in_figure_slot
from query_engine.interpret.reading_axes import (
    ADDED_FILTERS,
    Option,
    date_axis,
    grouping_axis,
    merged_by_sql,
    metric_axis,
)
from query_engine.interpret.reading_weights import weights
from query_engine.interpret.refusals import (
    covered_words,
    future_refusal,
    impossible_date_refusal,
    input_refusal,
    refusal_for,
    undated_refusal,
    unknown_subject,
)
from query_engine.interpret.shares import read_share, share_axis
from query_engine.interpret.special_readings import (
    forecast_readings,
    is_why_question,
    why_readings,
)
from query_engine.interpret.suggestions import suggestions
from query_engine.interpret.verb_figures import read_rate_verbs
from query_engine.interpret.vocabulary import Vocabulary
from query_engine.interpret.week_parts import per_day_too
from query_engine.semantics.asked_ratios import period_name, with_asked_ratios
from query_engine.semantics.model import SemanticModel
from query_engine.semantics.profile import DataProfile
from query_engine.spec.query import (
    Filter,
    Interpretation,
    QuerySpec,
    Refusal,
    Understanding,
)

MAX_READINGS = 5
PREPOSITIONS = {"in", "for", "from", "at", "on", "about", "within", "inside"}
# A reading before ranking: its weight, spec, what sets it apart and the (ambiguity, option) choices made.
_Weighed = tuple[float, QuerySpec, str, tuple[tuple[str, str], ...]]


@dataclass(frozen=True)
class DatasetContext:
    """What interpretation needs to know about one dataset."""

    model: SemanticModel
    profile: DataProfile
    vocabulary: Vocabulary

    @property
    def as_of(self) -> dt.date:
        """The latest date in the data (today when the data has no dates)."""
        return self.profile.as_of or dt.date.today()


def build_context(model: SemanticModel, profile: DataProfile) -> DatasetContext:
    """Index a model and a profile's values for interpretation."""
    return DatasetContext(model, profile, Vocabulary(model, profile))


def interpret(question: str, context: DatasetContext, as_of: dt.date | None = None,
              preferences: Mapping[str, str] | None = None, previous: QuerySpec | None = None) -> Understanding:
    """Up to five ranked interpretations of `question`, or a refusal that says why and what to ask.

    `preferences` maps an ambiguity (see `ambiguity_key`) to the option a team keeps picking; that
    option is ranked first. `previous` is the reading of the last answer: a follow-up ('now split that by
    device') refines it.
    """
    as_of = as_of or context.as_of
    cleaned = clean_question(question)
    refusal = input_refusal(cleaned, context.model) or refusal_for(cleaned, context.model, context.vocabulary)
    if refusal:
        return Understanding(cleaned, as_of, refusal=refusal)
    parsed = parse_question(cleaned, context.model, context.vocabulary, as_of)
    per_day_too(parsed, context.model)
    read_rate_verbs(parsed, context.model)
    context = _with_asked_ratios(context, parsed)
    named = covered_words(cleaned, context.vocabulary, values_only=True)  # the words of the data's own names
    asks_what_if = is_scenario(cleaned, named)
    parsed.scenario = read_scenario(parsed, context.model) if asks_what_if else None
    if asks_what_if and parsed.scenario is None:
        return Understanding(cleaned, as_of, refusal=Refusal(SCENARIO_REASON, suggestions(context.model)))
    if parsed.scenario:
        parsed.cues.discard(Cue.TREND)  # 'if spend rose 20%' moves a figure; it asks for no series over time
    if previous is not None and reads_as_follow_up(parsed, previous):
        return _follow_up(cleaned, parsed, previous, context, as_of)
    future = mentions_future(parsed.tokens) or any(p.future for p in parsed.date_phrases)
    refusal = _parsed_refusal(parsed, context, future)
    if refusal:
        return Understanding(cleaned, as_of, refusal=refusal)
    special = _special_readings(cleaned, parsed, context, as_of, future)
    if special:
        return Understanding(cleaned, as_of, tuple(special[1]), intent=special[0])
    readings = _readings(parsed, context, as_of, preferences or {}, named)
    if not readings and parsed.date_phrases and not context.model.time_column and not parsed.unknown:
        return Understanding(cleaned, as_of, refusal=undated_refusal(context.model))
    if not readings:
        return Understanding(cleaned, as_of, refusal=unknown_subject(parsed.unknown, context.model, False))
    notes = tuple(f"Read '{a}' as '{b}'." for a, b in parsed.corrections) + tuple(
        f"Read '{words}' as where this data comes from ({platform}); no column of it filters by platform."
        for words, platform in parsed.scope)
    defined = definition(cleaned, parsed.metrics, context.model) or ""
    return Understanding(cleaned, as_of, tuple(readings), notes=notes, definition=defined)


def _follow_up(text: str, parsed: ParsedQuestion, previous: QuerySpec, context: DatasetContext,
               as_of: dt.date) -> Understanding:
    """A follow-up's refinements of the last reading, with a note of what it refines and any word left unplaced."""
    if parsed.impossible_dates:
        return Understanding(text, as_of, refusal=impossible_date_refusal(parsed.impossible_dates[0], context.model))
    found = follow_up_readings(parsed, previous, context.model, context.profile, as_of, _certainty(parsed))
    if isinstance(found, Refusal):
        return Understanding(text, as_of, refusal=found)
    shown = describe_spec(previous, context.model, context.profile)
    unplaced = unplaced_words(parsed)
    notes = (f"Read as a follow-up to the last answer: {shown}",
             *(f"I couldn't place '{w}'." for w in unplaced),
             *(f"Read '{a}' as '{b}'." for a, b in parsed.corrections))
    return Understanding(text, as_of, tuple(found), notes=notes, intent="follow_up")


def _with_asked_ratios(context: DatasetContext, parsed: ParsedQuestion) -> DatasetContext:
    """The context whose model holds the ratios the question named ('revenue per session')."""
    choices = (*parsed.metric_choices.values(), *parsed.metric_alternatives.values())
    names = [*parsed.metrics, *(m for named in choices for m in named),
             *(period_name(m, d) for m in parsed.metrics for d in parsed.per_dimensions)]
    model = with_asked_ratios(context.model, names)
    return context if model is context.model else replace(context, model=model)


def _certainty(parsed: ParsedQuestion) -> float:
    return weights().certainty.of(len(parsed.corrections), len(parsed.unknown))


def _special_readings(text: str, parsed: ParsedQuestion, context: DatasetContext, as_of: dt.date,
                      future: bool) -> tuple[str, list[Interpretation]] | None:
    """Forecast and why questions get their own kinds of readings."""
    model, profile = context.model, context.profile
    if is_why_question(text):
        return "investigate", why_readings(parsed, model, profile, as_of, _certainty(parsed))
    if future:
        if not model.time_column:
            return None
        return "forecast", forecast_readings(parsed, model, profile, as_of, _certainty(parsed))
    return None


def _parsed_refusal(parsed: ParsedQuestion, context: DatasetContext, future: bool) -> Refusal | None:
    if parsed.impossible_dates:
        return impossible_date_refusal(parsed.impossible_dates[0], context.model)
    if future and not context.model.time_column:
        return future_refusal(context.as_of.isoformat(), context.model)
    if parsed.unknown_groupings:
        return unknown_subject(parsed.unknown_groupings, context.model, grouping=True)
    keys = [t.key for t in parsed.tokens]
    placed = [t.text for t in parsed.tokens if t.text in parsed.unknown and t.index > 0
              and keys[t.index - 1] in PREPOSITIONS]
    placed = placed or _unknown_figure(parsed, keys)
    if placed or not (parsed.recognised or future):
        words = placed or parsed.unknown or [t.text for t in parsed.tokens if t.text.isalpha()][:3]
        return unknown_subject(words, context.model, grouping=False)
    return None


def _unknown_figure(parsed: ParsedQuestion, keys: list[str]) -> list[str]:
    """Unknown words where the figure goes, when no figure was recognised: 'story opens by campaign', 'how many
    story opens': answering with a list of campaigns or a count of rows would answer another question."""
    if parsed.metrics or parsed.weak_metrics or parsed.counted or parsed.thresholds:
        return []
    unknown = [t for t in parsed.tokens if t.text in parsed.unknown]
    slotted = any(in_figure_slot(keys, t.index, t.index + 1) for t in unknown)
    return [t.text for t in unknown] if slotted else []


def ambiguity_key(options: list[Option]) -> str:
    """A stable name for one ambiguity: its options' distinctions, sorted."""
    return " | ".join(sorted(o.distinction for o in options))


def _prefer(axis: list[Option], preferences: Mapping[str, str]) -> list[Option]:
    favourite = preferences.get(ambiguity_key(axis)) if len(axis) > 1 else None
    if not favourite or all(o.distinction != favourite for o in axis):
        return axis
    top = max(o.weight for o in axis) + weights().learned_preference
    total = top + sum(o.weight for o in axis if o.distinction != favourite)
    return [Option((top if o.distinction == favourite else o.weight) / total, o.changes, o.distinction) for o in axis]


def _readings(parsed: ParsedQuestion, context: DatasetContext, as_of: dt.date,
              preferences: Mapping[str, str], named: set[str]) -> list[Interpretation]:
    model = context.model
    read_share(parsed, model)
    settle_count(parsed, model)
    _past_activity(parsed, as_of)
    parts = DateParts.of(model, context.profile)
    direction = change_direction(parsed, named) if model.time_column else None
    changes = change_axis(parsed, as_of, direction) if direction else None
    if changes and not (parsed.metrics or parsed.weak_metrics or parsed.metric_group):
        parsed.metric_group = "higher"  # "which campaigns are declining": by each performance metric
    dates = date_axis(parsed, as_of, parts, model) if changes is None else [Option(1.0, ())]
    axes = [dates, grouping_axis(parsed, model, parts), metric_axis(parsed, model), name_axis(parsed, model),
            share_axis(parsed), per_group_axis(parsed, model), live_count_axis(parsed, model, context.profile),
            step_axis(parsed, model),
            *([changes] if changes else [])]
    axes = [_prefer(axis, preferences) for axis in axes]
    base = QuerySpec(filters=tuple(Filter(d, tuple(v), op) for d, (v, op) in parsed.filters.items()),
                     thresholds=tuple(parsed.thresholds), share=parsed.share, count_of=parsed.counted,
                     whole=parsed.whole, scaled=parsed.scenario)
    readings = _weighed_combinations(base, axes, parsed, context, as_of)
    readings.sort(key=lambda r: -r[0])
    return [Interpretation(spec, describe_spec(spec, model, context.profile), distinction or "the most direct reading",
                           round(min(weight, weights().certainty.cap), 3), rank, choices=choices)
            for rank, (weight, spec, distinction, choices) in enumerate(readings[:MAX_READINGS], start=1)]


def _weighed_combinations(base: QuerySpec, axes: list[list[Option]], parsed: ParsedQuestion,
                          context: DatasetContext, as_of: dt.date) -> list[_Weighed]:
    """One option from each axis, for every combination that makes sense and compiles, with its weight;
    combinations that compile to the same SQL are one reading with their weights added."""
    keys = [ambiguity_key(axis) for axis in axes]
    certainty = _certainty(parsed)
    candidates = []
    for combo in itertools.product(*axes):
        spec = _finish(_apply(base, combo), parsed, context, as_of)
        if spec is None:
            continue
        weight = certainty
        for option in combo:
            weight *= option.weight
        distinction = "; ".join(o.distinction for o, axis in zip(combo, axes, strict=False)
                                if o.distinction and len(axis) > 1)
        choices = tuple((key, o.distinction) for o, key, axis in zip(combo, keys, axes, strict=False) if len(axis) > 1)
        candidates.append((weight, spec, (distinction, choices)))
    return [(w, s, d, c) for w, s, (d, c) in merged_by_sql(candidates, context.model)]


def _past_activity(parsed: ParsedQuestion, as_of: dt.date) -> None:
    """'Campaigns active in September 2025': active then, not the status they have today."""
    windows = [p.options[0].window for p in parsed.date_phrases if p.options and p.options[0].window]
    status = parsed.filters.get("status")
    if windows and status and status[1] == "in" and set(status[0]) == {"active"} and \
            all(w.end < as_of for w in windows):
        del parsed.filters["status"]


def _apply(base: QuerySpec, combo: tuple[Option, ...]) -> QuerySpec:
    changes: dict[str, Any] = {}
    added: tuple[Filter, ...] = ()  # filters an axis adds to the question's own (a month column, a named day)
    for option in combo:
        for key, value in option.changes:
            if key == "dimensions":
                changes[key] = tuple(changes.get(key, ())) + tuple(value)
            elif key == ADDED_FILTERS:
                added += tuple(value)
            else:
                changes[key] = value
    if added:
        changes["filters"] = tuple(changes.get("filters", base.filters)) + added
    dropped = changes.pop(DROPPED_DIMENSIONS, ())
    if dropped:  # "the average per campaign": campaigns are what it averages over, not a grouping
        changes["dimensions"] = tuple(d for d in changes.get("dimensions", base.dimensions) if d not in dropped)
    return base.with_changes(**changes)


def _finish(spec: QuerySpec, parsed: ParsedQuestion, context: DatasetContext, as_of: dt.date) -> QuerySpec | None:
    """Drop readings that make no sense: a listing grouped by time, a limit with no grouping."""
    if spec.count_of:
        return counted_spec(spec, parsed)
    if not spec.metrics and not spec.dimensions:
        return None
    if not spec.metrics and any(d in context.model.time_grains for d in spec.dimensions):
        return None
    if spec.limit and not spec.dimensions:
        spec = spec.with_changes(limit=None)
    return spec

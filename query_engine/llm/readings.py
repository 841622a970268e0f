"""Readings from a model as structured output, validated against the semantic model and merged with the offline ones."""
from __future__ import annotations

import datetime as dt
import json
from collections.abc import Container
from dataclasses import dataclass, replace
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from query_engine.errors import ClarifyError
from query_engine.interpret.descriptions import describe_spec
from query_engine.llm.access import LLMAccess, LLMCallFailed, call_model
from query_engine.llm.prompts import INTERPRETATION_SYSTEM, interpretation_prompt
from query_engine.semantics.model import SemanticModel
from query_engine.semantics.profile import DataProfile
from query_engine.spec.query import (
    DateRange,
    Filter,
    Interpretation,
    OrderBy,
    QuerySpec,
    Threshold,
    Understanding,
)
from query_engine.sql.compiler import compile_spec
from query_engine.sql.guard import GuardPolicy, guard_sql
from router import TaskType

MAX_READINGS = 5
MAX_LIMIT = 1_000


class _Strict(BaseModel):
    model_config = ConfigDict(extra="ignore")

    @classmethod
    def model_json_schema(cls, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """The JSON schema without titles or docstrings: it is sent with every call, and they only cost tokens."""
        return _without_titles(super().model_json_schema(*args, **kwargs))


def _without_titles(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _without_titles(v) for k, v in node.items()
                if not (k in ("title", "description") and isinstance(v, str))}
    if isinstance(node, list):
        return [_without_titles(v) for v in node]
    return node


class FilterOut(_Strict):
    """A filter as the model writes it."""

    dimension: str
    values: list[str]
    op: Literal["in", "not_in"] = "in"


class DateRangeOut(_Strict):
    """A date window as the model writes it."""

    start: dt.date
    end: dt.date
    field: str = "date"


class OrderOut(_Strict):
    """A sort as the model writes it."""

    field: str
    descending: bool = True


class ThresholdOut(_Strict):
    """A threshold as the model writes it."""

    metric: str
    op: Literal[">", ">=", "<", "<="]
    value: float


class ReadingOut(_Strict):
    """One reading as the model writes it; its description is rendered locally from the spec, so it cannot lie."""

    metrics: list[str] = Field(default_factory=list)
    dimensions: list[str] = Field(default_factory=list)
    filters: list[FilterOut] = Field(default_factory=list)
    date_range: DateRangeOut | None = None
    order_by: list[OrderOut] = Field(default_factory=list)
    limit: int | None = None
    thresholds: list[ThresholdOut] = Field(default_factory=list)
    distinction: str = ""
    confidence: float = 0.5


class ReadingsOut(_Strict):
    """The structured output of the interpretation call."""

    readings: list[ReadingOut]


@dataclass(frozen=True)
class ModelReadings:
    """What the model's readings came to: the valid ones as specs, what was dropped and why, and the cost."""

    readings: tuple[Interpretation, ...]
    dropped: tuple[str, ...]
    model: str
    cost_usd: float


def model_readings(llm: LLMAccess, question: str, model: SemanticModel, profile: DataProfile,
                   policy: GuardPolicy, offline: tuple[Interpretation, ...], as_of: dt.date,
                   question_id: str) -> ModelReadings:
    """Ask the model for readings and keep those that validate, compile and pass the guard."""
    prompt = interpretation_prompt(question, model, profile, offline)
    reply = call_model(llm, TaskType.QUERY_INTERPRETATION, prompt, system=INTERPRETATION_SYSTEM,
                       question_id=question_id, response_format=ReadingsOut)
    parsed = parse_readings(reply.text)
    kept: list[Interpretation] = []
    dropped: list[str] = []
    for index, raw in enumerate(parsed.readings[:MAX_READINGS * 2], start=1):
        try:
            spec = spec_from_reading(raw, model, profile, as_of)
            guard_sql(compile_spec(spec, model).sql, policy)
        except (ClarifyError, ValueError) as exc:
            dropped.append(f"reading {index}: {exc}")
            continue
        kept.append(Interpretation(spec, describe_spec(spec, model, profile), raw.distinction.strip()[:120],
                                   round(min(max(raw.confidence, 0.0), 0.99), 3), len(kept) + 1, reply.model))
    return ModelReadings(tuple(kept), tuple(dropped), reply.model, reply.cost_usd)


def parse_readings(text: str) -> ReadingsOut:
    """The model's JSON (bare, or inside a code fence) as ReadingsOut; raises ValueError for prose or bad shape."""
    body = text.strip()
    if body.startswith("```"):
        body = body.strip("`").removeprefix("json").strip()
    try:
        data = json.loads(body)
        if isinstance(data, list):
            data = {"readings": data}
        return ReadingsOut.model_validate(data)
    except (json.JSONDecodeError, ValidationError) as exc:
        raise ValueError(f"the model's readings were not the JSON asked for ({type(exc).__name__})") from None


def spec_from_reading(raw: ReadingOut, model: SemanticModel, profile: DataProfile, as_of: dt.date) -> QuerySpec:
    """The QuerySpec for a model reading, with every name and value checked; raises ValueError naming the problem."""
    metrics = tuple(dict.fromkeys(_known(m, model.metrics, "metric") for m in raw.metrics))
    groupings = {*model.dimensions, *model.time_grains, *model.date_fields}
    dimensions = tuple(dict.fromkeys(_known(d, groupings, "grouping") for d in raw.dimensions))
    filters = tuple(_filter(f, model, profile) for f in raw.filters)
    window = _window(raw.date_range, model, as_of) if raw.date_range else None
    names = {*metrics, *dimensions}
    order = tuple(OrderBy(_known(o.field, names, "sort field"), o.descending) for o in raw.order_by)
    thresholds = tuple(Threshold(_known(t.metric, model.metrics, "metric"), t.op, t.value) for t in raw.thresholds)
    if raw.limit is not None and not 1 <= raw.limit <= MAX_LIMIT:
        raise ValueError(f"limit {raw.limit} is out of range")
    if not metrics and not dimensions:
        raise ValueError("the reading computes nothing")
    return QuerySpec(metrics, dimensions, filters, window, order, raw.limit if dimensions else None, thresholds)


def _known(name: str, known: Container[str], kind: str) -> str:
    key = str(name).strip().lower()
    if key not in known:
        raise ValueError(f"unknown {kind} {str(name)[:40]!r}")
    return key


def _filter(raw: FilterOut, model: SemanticModel, profile: DataProfile) -> Filter:
    dimension = _known(raw.dimension, model.dimensions, "dimension")
    by_lower = {v.lower(): v for v in profile.values.get(dimension, ())}
    values = []
    for value in raw.values:
        canonical = by_lower.get(str(value).strip().lower())
        if canonical is None:
            raise ValueError(f"{dimension} has no value {str(value)[:40]!r}")
        values.append(canonical)
    if not values:
        raise ValueError(f"the {dimension} filter lists no values")
    return Filter(dimension, tuple(dict.fromkeys(values)), raw.op)


def _window(raw: DateRangeOut, model: SemanticModel, as_of: dt.date) -> DateRange:
    field = _known(raw.field, model.date_fields, "date field")
    if raw.start > raw.end:
        raise ValueError("the date range ends before it starts")
    if raw.start > as_of:
        raise ValueError("the date range is after the data ends")
    return DateRange(raw.start, raw.end, "", field)


def merge_readings(offline: Understanding, found: ModelReadings, policy: GuardPolicy,
                   model: SemanticModel) -> Understanding:
    """The model's readings first, then the offline engine's, without duplicate SQL, up to five, re-ranked."""
    merged: list[Interpretation] = []
    seen: set[str] = set()
    for reading in (*found.readings, *offline.interpretations):
        try:
            sql = guard_sql(compile_spec(reading.spec, model).sql, policy).sql
        except ClarifyError:
            continue
        if sql in seen:
            continue
        seen.add(sql)
        merged.append(replace(reading, rank=len(merged) + 1))
        if len(merged) == MAX_READINGS:
            break
    notes = list(offline.notes)
    from_model = sum(r.engine != "offline" for r in merged)
    notes.append(f"{from_model} of {len(merged)} readings proposed by {found.model}; "
                 f"{len(merged) - from_model} by the offline engine.")
    if found.dropped:
        notes.append(f"Dropped {len(found.dropped)} of the model's readings that did not fit the data "
                     f"({found.dropped[0]}).")
    return replace(offline, interpretations=tuple(merged), refusal=None, notes=tuple(notes),
                   cost_usd=offline.cost_usd + found.cost_usd)


def offline_note(offline: Understanding, failure: LLMCallFailed | ValueError) -> Understanding:
    """The offline understanding, noting why the model's readings are not used."""
    return replace(offline, notes=(*offline.notes, f"Readings from the offline engine: the model's could not be "
                                                   f"used ({str(failure)[:160]})."))

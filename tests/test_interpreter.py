"""Interpretation: specs, confidences, merging, typo notes and refusals, on the tiny fixture database."""
from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from query_engine.interpret.readings import build_context, interpret
from query_engine.semantics.model import load_semantic_model
from query_engine.semantics.profile import profile_database
from query_engine.sql.compiler import compile_spec

MODEL = load_semantic_model()


@pytest.fixture
def context(tiny_db):
    con = duckdb.connect(str(tiny_db), read_only=True)
    profile = profile_database(con, MODEL)
    con.close()
    return build_context(MODEL, profile)


def top(question, context, **kw):
    understanding = interpret(question, context, **kw)
    assert understanding.refusal is None, understanding.refusal
    return understanding.interpretations[0]


def test_interpret_as_of_is_the_latest_date(context):
    assert interpret("spend", context).as_of == dt.date(2025, 2, 1)


@pytest.mark.parametrize("question, metrics, dimensions", [
    ("spend by channel", ("spend",), ("channel",)),
    ("ad spend per platform", ("spend",), ("channel",)),
    ("sales by geo", ("revenue",), ("region",)),
    ("purchases by device", ("conversions",), ("device",)),
    ("cost per click by network", ("cpc", "spend", "clicks"), ("channel",)),
    ("monthly revenue", ("revenue",), ("month",)),
    ("weekly clicks by region", ("clicks",), ("week", "region")),
    ("number of campaigns per objective", ("campaign_count",), ("objective",)),
])
def test_interpret_metrics_and_groupings(context, question, metrics, dimensions):
    spec = top(question, context).spec
    assert (spec.metrics, spec.dimensions) == (metrics, dimensions)


@pytest.mark.parametrize("question, dimension, values, op", [
    ("spend on facebook", "channel", ("Meta",), "in"),
    ("revenue in Europe", "region", ("Europe",), "in"),
    ("clicks on phones", "device", ("mobile",), "in"),
    ("revenue excluding meta", "channel", ("Meta",), "not_in"),
    ("spend for Search Brand", "campaign", ("Search Brand",), "in"),
])
def test_interpret_filters_from_values_and_synonyms(context, question, dimension, values, op):
    filters = {f.dimension: f for f in top(question, context).spec.filters}
    assert filters[dimension].values == values and filters[dimension].op == op


@pytest.mark.parametrize("question, corrected", [
    ("spnd by chanel", ("spend", "channel")), ("impresions by regoin", ("impressions", "region")),
    ("revnue by devise", ("revenue", "device")),
])
def test_interpret_misspellings_resolve_with_a_note(context, question, corrected):
    understanding = interpret(question, context)
    spec = understanding.interpretations[0].spec
    assert (spec.metrics[0], spec.dimensions[0]) == corrected
    assert understanding.notes and understanding.interpretations[0].confidence < 0.95


def test_interpret_clear_question_has_one_dominant_reading(context):
    readings = interpret("CTR by channel in 2024", context).interpretations
    assert len(readings) == 1 and readings[0].confidence >= 0.9


def test_interpret_high_performing_spreads_confidence(context):
    readings = interpret("Show me high performing campaigns", context).interpretations
    assert [r.spec.metrics[0] for r in readings] == ["roas", "conversions", "revenue", "cpa", "conversion_rate"]
    assert readings[0].confidence < 0.5 and readings[0].confidence > readings[-1].confidence
    cpa = readings[3].spec.order_by[0]
    assert cpa.field == "cpa" and cpa.descending is False  # best CPA is the lowest


def test_interpret_last_month_offers_both_readings_with_explicit_dates(context):
    readings = interpret("revenue last month", context).interpretations
    assert [r.spec.date_range.start for r in readings] == [dt.date(2025, 1, 1), dt.date(2025, 1, 3)]
    assert "2025-01-01 to 2025-01-31" in readings[0].description
    assert readings[0].distinction != readings[1].distinction


def test_interpret_as_of_override_moves_relative_dates(context):
    reading = top("spend last month", context, as_of=dt.date(2024, 3, 15))
    assert reading.spec.date_range.start == dt.date(2024, 2, 1)


def test_interpret_which_singular_with_superlative_gives_one_row(context):
    spec = top("Which device had the lowest CPC?", context).spec
    assert spec.limit == 1 and spec.order_by[0].descending is False


def test_interpret_top_n(context):
    spec = top("top 2 campaigns by revenue", context).spec
    assert spec.limit == 2 and spec.order_by[0].field == "revenue" and spec.order_by[0].descending


def test_interpret_readings_are_distinct_sql(context):
    readings = interpret("best campaigns last quarter", context).interpretations
    sqls = [compile_spec(r.spec, MODEL).sql for r in readings]
    assert len(set(sqls)) == len(sqls) <= 5
    assert [r.rank for r in readings] == list(range(1, len(readings) + 1))


def test_interpret_descriptions_state_definition_window_and_grouping(context):
    text = top("ROAS by region in 2024", context).description
    assert "revenue / spend" in text and "2024-01-01 to 2024-12-31" in text and "by region" in text


@pytest.mark.parametrize("question, reason_word", [
    ("", "Type a question"), ("   \t ", "Type a question"), ("x" * 10_000, "characters"),
    ("\x00\x01\x02", "question"), ("!!! ??? 123", "question"),
    ("Update all budgets to zero", "only reads"), ("DROP TABLE campaigns", "only reads"),
    ("give me the admin password", "passwords"), ("customer emails", "customer"),
    ("weather in Paris", "weather"), ("revenue by zodiac sign", "group by"),
    ("какая выручка", "couldn't find"), ("🙂🙂🙂", "question"),
])
def test_interpret_refusals_say_why(context, question, reason_word):
    understanding = interpret(question, context)
    assert understanding.refusal is not None and not understanding.interpretations
    assert reason_word in understanding.refusal.reason


def test_interpret_readings_record_their_choices(context):
    readings = interpret("Show me high performing campaigns", context).interpretations
    keys = {key for r in readings for key, _ in r.choices}
    assert len(keys) == 1 and "performance = ROAS" in next(iter(keys))
    assert readings[3].choices[0][1] == "performance = CPA"


def test_interpret_preferences_rank_the_usual_pick_first(context):
    plain = interpret("Show me high performing campaigns", context).interpretations
    key, cpa = plain[3].choices[0]
    learned = interpret("Show me high performing campaigns", context, preferences={key: cpa}).interpretations
    assert learned[0].spec.metrics[0] == "cpa" and learned[0].confidence > plain[0].confidence
    assert [r.spec.metrics[0] for r in learned[1:]] == ["roas", "conversions", "revenue", "conversion_rate"]
    unrelated = interpret("Show me high performing campaigns", context, preferences={"other": "x"}).interpretations
    assert [r.spec for r in unrelated] == [r.spec for r in plain]

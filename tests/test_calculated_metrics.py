"""Calculated metrics: parsing and refusals, formats, persistence, values on the tiny db and the interpreter
finding them."""
from __future__ import annotations

import json
from dataclasses import replace

import pytest

from query_engine.interpret.readings import build_context, interpret
from query_engine.llm.access import LLMText
from query_engine.llm.metric_draft import draft_from_words
from query_engine.pipeline import Pipeline
from query_engine.semantics.calculated_metrics import (
    CalculatedMetric,
    CalculatedMetricError,
    apply_calculated_metrics,
    load_definitions,
    parse_definition,
    save_definitions,
)
from query_engine.semantics.model import load_semantic_model
from query_engine.semantics.profile import profile_database
from query_engine.settings import Settings
from query_engine.sql.executor import open_connection
from router import TaskType

# The shared model may gain metrics of these names; the tests define them themselves.
_LOADED = load_semantic_model()
MODEL = replace(_LOADED, metrics={k: v for k, v in _LOADED.metrics.items() if k not in ("aov", "profit")})


@pytest.mark.parametrize("text, key, label, formula, fmt, direction", [
    ("profit = revenue - spend", "profit", "Profit", "revenue - spend", "currency", "higher"),
    ("AOV = revenue / conversions", "aov", "AOV", "revenue / conversions", "currency", "higher"),
    ("Cost per lead = cost / leads", "cost_per_lead", "Cost per lead", "spend / conversions", "currency", "lower"),
    ("return on spend 2 = (sales - spend) / spend", "return_on_spend_2", "Return on spend 2",
     "(revenue - spend) / spend", "ratio", "higher"),
    ("total actions = clicks + conversions", "total_actions", "Total actions", "clicks + conversions", "integer",
     "higher"),
])
def test_parse_definition_reads_name_formula_format_and_direction(text, key, label, formula, fmt, direction):
    definition = parse_definition(text, MODEL)
    assert (definition.name, definition.label, definition.formula) == (key, label, formula)
    assert (definition.format, definition.direction) == (fmt, direction)
    assert label.lower() in definition.synonyms or label.lower() == key


@pytest.mark.parametrize("text, reason", [
    ("blended CAC = spend / new customers", "The data has no 'new customers'"),
    ("profit", "is not a definition"),
    ("= revenue - spend", "is not a definition"),
    ("roas = revenue / spend", "already a metric"),
    ("channel = clicks", "already a dimension"),
    ("x = revenue; DROP TABLE campaigns", "not a formula|has no"),
    ("y = sum(revenue)", "has no 'sum|SUM"),
    ("z = 2 + 3", "uses no measure"),
    ("w = revenue / 0", "divides by zero"),
    ("1st = revenue", "cannot be a metric name"),
])
def test_parse_definition_refuses_with_a_reason(text, reason):
    with pytest.raises(CalculatedMetricError, match=reason):
        parse_definition(text, MODEL)


def test_parse_definition_new_customers_reason_lists_the_measures():
    with pytest.raises(CalculatedMetricError) as caught:
        parse_definition("blended CAC = spend / new customers", MODEL)
    assert "conversions" in caught.value.hint and "spend" in caught.value.hint


def answer_rows(tiny_db, definition_text: str):
    """{channel: value} for one calculated metric on the tiny database, through the pipeline."""
    from query_engine.spec.query import QuerySpec

    definition = parse_definition(definition_text, MODEL)
    pipeline = Pipeline.open(Settings(), tiny_db)
    try:
        pipeline.model = apply_calculated_metrics(MODEL, (definition,))
        answer = pipeline.answer(QuerySpec(metrics=(definition.name,), dimensions=("channel",)))
    finally:
        pipeline.close()
    assert answer.error is None, answer.error
    assert answer.columns[1].format == "currency"
    return {r[0]: r[1] for r in answer.result.rows}


def test_calculated_metrics_profit_values_on_tiny_db(tiny_db):
    rows = answer_rows(tiny_db, "profit = revenue - spend")
    # Google Search: revenue 500+250+1500, spend 50+50+150; Meta 40 - 20; LinkedIn 200+100 - (40+60)
    assert rows == pytest.approx({"Google Search": 2000.0, "Meta": 20.0, "LinkedIn": 200.0})


def test_calculated_metrics_divided_values_on_tiny_db(tiny_db):
    rows = answer_rows(tiny_db, "AOV = revenue / conversions")
    assert rows == pytest.approx({"Google Search": 2250.0 / 45, "Meta": 40.0 / 2, "LinkedIn": 300.0 / 3})


def test_interpreter_finds_profit_by_channel(tiny_db):
    model = apply_calculated_metrics(MODEL, (parse_definition("profit = revenue - spend", MODEL, ("net gain",)),
                                             parse_definition("blended ROI = revenue / spend", MODEL)))
    con = open_connection(tiny_db)
    try:
        context = build_context(model, profile_database(con, model))
    finally:
        con.close()
    top = interpret("profit by channel", context).interpretations[0].spec
    assert top.metrics[0] == "profit" and top.dimensions == ("channel",)
    assert interpret("net gain by region", context).interpretations[0].spec.metrics[0] == "profit"
    assert interpret("blended ROI by device", context).interpretations[0].spec.metrics[0] == "blended_roi"
    assert "profit" not in MODEL.metrics  # the loaded model is untouched


def test_definitions_persist_under_home(clarify_home):
    definitions = (parse_definition("profit = revenue - spend", MODEL, ("net gain",)),)
    path = save_definitions(clarify_home, definitions)
    assert path == clarify_home / "calculated_metrics.yaml"
    assert load_definitions(clarify_home, MODEL) == definitions
    path.write_text(path.read_text() + "- {name: bad, label: Bad, formula: 'revenue - newcust'}\n")
    assert load_definitions(clarify_home, MODEL) == definitions  # a stale definition is skipped


def test_parse_definition_refuses_a_name_the_model_already_has():
    with_aov = apply_calculated_metrics(MODEL, (parse_definition("AOV = revenue / conversions", MODEL),))
    with pytest.raises(CalculatedMetricError, match="'aov' is already a metric|'AOV' is already a metric"):
        parse_definition("AOV = revenue / clicks", with_aov)


def test_apply_calculated_metrics_keeps_existing_names():
    clash = CalculatedMetric("roas", "ROAS", "revenue - spend")
    assert apply_calculated_metrics(MODEL, (clash,)).metrics["roas"].is_ratio


class FakeLLM:
    def __init__(self, text):
        self.text, self.tasks = text, []

    def available(self, task):
        return True

    def complete(self, task, prompt, *, system="", question_id=None, response_format=None):
        self.tasks.append((task, response_format.__name__ if response_format else None))
        return LLMText(self.text, "openai/gpt-5.1", 0.003)


def test_draft_from_words_checks_the_models_definition():
    llm = FakeLLM(json.dumps({"name": "profit", "formula": "revenue - spend", "synonyms": ["net"],
                              "explanation": "what we make minus what we spend"}))
    definition, why, cost = draft_from_words(llm, "profit is what we make minus what we spend", MODEL)
    assert (definition.name, definition.formula, definition.synonyms) == ("profit", "revenue - spend", ("net",))
    assert why.startswith("what we make") and cost == 0.003
    assert llm.tasks == [(TaskType.DATA_PROCESSING, "MetricDraft")]


def test_draft_from_words_refuses_a_formula_over_missing_data():
    llm = FakeLLM(json.dumps({"name": "blended CAC", "formula": "spend / new_customers"}))
    with pytest.raises(CalculatedMetricError, match="no 'new_customers'"):
        draft_from_words(llm, "CAC is spend per new customer", MODEL)


def test_calculated_metrics_saved_definitions_answer_questions_through_the_pipeline(tiny_db, clarify_home):
    from query_engine.pipeline import Pipeline
    from query_engine.semantics.model import load_semantic_model
    from query_engine.settings import Settings

    base = load_semantic_model()
    save_definitions(clarify_home, [parse_definition("net return = revenue - spend", base)])
    pipeline = Pipeline.open(Settings(home=clarify_home), tiny_db)
    try:
        reading = pipeline.understand("net return by channel").interpretations[0]
        rows = {row[0]: row[1] for row in pipeline.answer(reading).result.rows}
    finally:
        pipeline.close()
    assert reading.spec.metrics[0] == "net_return"
    assert rows["Google Search"] == pytest.approx(2250 - 250) and rows["LinkedIn"] == pytest.approx(300 - 100)

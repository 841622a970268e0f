"""The semantic model loads, is consistent, and rejects broken files with a clear message."""
from __future__ import annotations

import pytest
import yaml

from query_engine.errors import SemanticModelError
from query_engine.semantics.model import DEFAULT_MODEL_PATH, load_semantic_model


@pytest.fixture(scope="module")
def model():
    return load_semantic_model()


def test_semantic_model_has_the_contract_dimensions_and_metrics(model):
    assert {"channel", "objective", "status", "region", "device", "campaign"} <= set(model.dimensions)
    assert {"day", "week", "month", "quarter", "year", "day_of_week"} <= set(model.time_grains)
    assert {"impressions", "clicks", "spend", "conversions", "revenue", "campaign_count", "daily_budget",
            "ctr", "cpc", "cpm", "conversion_rate", "cpa", "roas"} <= set(model.metrics)


@pytest.mark.parametrize("metric, numerator, denominator, multiplier", [
    ("ctr", "clicks", "impressions", 1), ("cpc", "spend", "clicks", 1), ("cpm", "spend", "impressions", 1000),
    ("conversion_rate", "conversions", "clicks", 1), ("cpa", "spend", "conversions", 1),
    ("roas", "revenue", "spend", 1),
])
def test_semantic_model_ratios_are_ratios_of_sums(model, metric, numerator, denominator, multiplier):
    m = model.metric(metric)
    assert (m.numerator, m.denominator, m.multiplier) == (numerator, denominator, multiplier)
    assert [p.aggregation for p in model.measures_of(metric)] == ["sum", "sum"]


@pytest.mark.parametrize("metric, direction, fmt", [
    ("roas", "higher", "ratio"), ("cpa", "lower", "currency"), ("ctr", "higher", "percent"),
    ("spend", "neutral", "currency"),
])
def test_semantic_model_direction_and_format(model, metric, direction, fmt):
    assert (model.metric(metric).direction, model.metric(metric).format) == (direction, fmt)


@pytest.mark.parametrize("word, kind, name", [
    ("ad spend", "metric", "spend"), ("cost", "metric", "spend"), ("sales", "metric", "revenue"),
    ("purchases", "metric", "conversions"), ("platform", "dimension", "channel"), ("network", "dimension", "channel"),
    ("market", "dimension", "region"), ("geo", "dimension", "region"),
])
def test_semantic_model_synonyms(model, word, kind, name):
    items = model.metrics if kind == "metric" else model.dimensions
    assert word in items[name].synonyms


def test_semantic_model_guard_columns_cover_both_tables(model):
    cols = model.columns_by_table()
    assert {"date", "campaign_id", "spend", "region"} <= cols["campaign_daily"]
    assert {"campaign_name", "channel", "end_date", "daily_budget"} <= cols["campaigns"]


def test_semantic_model_missing_file_says_so(tmp_path):
    with pytest.raises(SemanticModelError, match="No semantic model"):
        load_semantic_model(tmp_path / "nope.yaml")


def test_semantic_model_invalid_yaml_is_reported(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("tables: [unclosed", encoding="utf-8")
    with pytest.raises(SemanticModelError, match="not valid YAML"):
        load_semantic_model(path)


def test_semantic_model_ratio_over_unknown_measure_is_inconsistent(tmp_path):
    raw = yaml.safe_load(DEFAULT_MODEL_PATH.read_text(encoding="utf-8"))
    raw["metrics"]["roas"]["ratio"]["numerator"] = "profit"
    path = tmp_path / "model.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    with pytest.raises(SemanticModelError, match="unknown measure 'profit'"):
        load_semantic_model(path)

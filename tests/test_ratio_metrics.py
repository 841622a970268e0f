"""'A per B' over two measures of the file: one ratio of their sums, the model's own where it has one, and
'per' before a grouping still a grouping; cost words; short metric names misspelt; asked ratios in the pipeline."""
from __future__ import annotations

import argparse
import csv
import datetime as dt
from pathlib import Path

import pytest

from query_engine import QuerySpec, cli
from query_engine.semantics.asked_ratios import parts_of, ratio_name, with_asked_ratios
from query_engine.semantics.model import load_semantic_model

CHANNELS = ("Email", "Search", "Social")


def _rows() -> list[dict[str, float | str]]:
    return [{"day": (dt.date(2025, 4, 1) + dt.timedelta(days=i)).isoformat(), "channel": c,
             "sessions": 300 + 45 * i * (j + 1), "revenue": round(410.5 + 61 * i - 90 * j * (i % 2), 2),
             "spend": round(50.0 + 9 * i + 20 * j, 2), "clicks": 90 + 7 * i + 15 * j, "outbound": 31 + 2 * i + 9 * j,
             "conversions": 2 + (i * (j + 1)) % 6}
            for i in range(10) for j, c in enumerate(CHANNELS)]


@pytest.fixture
def export(tmp_path: Path) -> Path:
    path = tmp_path / "traffic.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Date", "Channel", "Sessions", "Total revenue", "Cost", "Link clicks", "Outbound clicks",
                         "Conversions"])
        writer.writerows([[r["day"], r["channel"], r["sessions"], r["revenue"], r["spend"], r["clicks"],
                           r["outbound"], r["conversions"]] for r in _rows()])
    return path


@pytest.fixture
def pipeline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, export: Path):
    monkeypatch.setenv("CLARIFY_HOME", str(tmp_path / "home"))
    settings = cli._settings({"CLARIFY_HOME": str(tmp_path / "home"), "LITELLM_OFFLINE_MODE": "true"})
    opened, _ = cli._open(settings, argparse.Namespace(url=None, data=export, dataset=None, replace=False, db=None))
    yield opened
    opened.close()


def _ratio(top: str, bottom: str) -> dict[str, float]:
    out = {}
    for channel in CHANNELS:
        rows = [r for r in _rows() if r["channel"] == channel]
        out[channel] = sum(float(r[top]) for r in rows) / sum(float(r[bottom]) for r in rows)
    return out


def _first(pipeline, question: str):
    """The first reading and its rows as {channel: {column: value}}."""
    reading = pipeline.understand(question, None).interpretations[0]
    answer = pipeline.answer(reading)
    assert answer.error is None, answer.error
    names = [c.name for c in answer.columns]
    return reading, {r[0]: dict(zip(names, r, strict=True)) for r in answer.result.rows}


@pytest.mark.parametrize("question", [
    "revenue per session by channel", "revenue / session by channel", "revenue for each session by channel",
    "sales per visit by channel", "What is the revenue per sesion for each channel?",
])
def test_a_measure_per_a_measure_is_the_ratio_of_their_sums(pipeline, question):
    reading, rows = _first(pipeline, question)
    name = reading.spec.metrics[0]
    assert name == ratio_name("revenue", "sessions")
    assert pipeline.model.metric(name).label == "Revenue per session"
    assert pipeline.model.metric(name).format == "currency"
    for channel, expected in _ratio("revenue", "sessions").items():
        assert rows[channel][name] == pytest.approx(expected)


def test_which_group_brings_the_most_ratio_is_one_row_ranked_by_it(pipeline):
    reading, rows = _first(pipeline, "Which channel brings in the most revenue per session?")
    expected = _ratio("revenue", "sessions")
    assert list(rows) == [max(expected, key=expected.__getitem__)]
    assert reading.spec.limit == 1 and reading.spec.order_by[0].descending


@pytest.mark.parametrize("question, top, bottom", [
    ("cost per outbound click by channel", "spend", "outbound"),
    ("conversions per session by channel", "conversions", "sessions"),
    ("spend / conversion by channel", "spend", "conversions"),
])
def test_any_two_summed_measures_divide(pipeline, question, top, bottom):
    reading, rows = _first(pipeline, question)
    name = reading.spec.metrics[0]
    for channel, expected in _ratio(top, bottom).items():
        assert rows[channel][name] == pytest.approx(expected)


@pytest.mark.parametrize("question, metric", [("spend per click by channel", "cpc"),
                                              ("revenue per conversion by channel", "aov"),
                                              ("cost per conversion by channel", "cpa")])
def test_the_models_own_ratio_is_used_where_it_has_one(pipeline, question, metric):
    reading, _ = _first(pipeline, question)
    assert reading.spec.metrics[0] == metric


@pytest.mark.parametrize("question", ["spend per channel", "sessions per day", "revenue per channel per day"])
def test_per_before_a_grouping_still_groups(pipeline, question):
    reading, _ = _first(pipeline, question)
    assert not any("_per_" in m for m in reading.spec.metrics)
    assert reading.spec.dimensions


@pytest.mark.parametrize("question, descending", [("most expensive channel per conversion", True),
                                                  ("cheapest channel per click", False)])
def test_cost_words_divide_the_cost_measure(pipeline, question, descending):
    reading, rows = _first(pipeline, question)
    metric = pipeline.model.metric(reading.spec.metrics[0])
    assert metric.numerator == "spend"
    ratios = _ratio("spend", "conversions" if "conversion" in question else "clicks")
    pick = max if descending else min
    assert list(rows)[0] == pick(ratios, key=ratios.__getitem__)


def test_a_threshold_on_a_ratio_filters_by_the_ratio(pipeline):
    expected = _ratio("revenue", "sessions")
    cut = sorted(expected.values())[1]
    reading, rows = _first(pipeline, f"channels with revenue per session above {cut:.4f}")
    assert reading.spec.thresholds[0].metric == ratio_name("revenue", "sessions")
    assert set(rows) == {c for c, v in expected.items() if v > round(cut, 4)}


@pytest.mark.parametrize("typo, metric", [("aocs", "acos"), ("raos", "roas"), ("pcc", "cpc"), ("pca", "cpa")])
def test_short_metric_names_with_swapped_letters_are_read_as_the_metric(pipeline, typo, metric):
    understanding = pipeline.understand(f"{typo} by channel", None)
    assert understanding.interpretations[0].spec.metrics[0] == metric
    assert any(metric in note.lower() for note in understanding.notes)


def test_a_fresh_pipeline_runs_a_stored_asked_ratio(tmp_path, monkeypatch, export):
    monkeypatch.setenv("CLARIFY_HOME", str(tmp_path / "home2"))
    settings = cli._settings({"CLARIFY_HOME": str(tmp_path / "home2"), "LITELLM_OFFLINE_MODE": "true"})
    fresh, _ = cli._open(settings, argparse.Namespace(url=None, data=export, dataset=None, replace=False, db=None))
    try:
        name = ratio_name("conversions", "clicks")
        assert name not in fresh.model.metrics
        answer = fresh.answer(QuerySpec(metrics=(name,), dimensions=("channel",)))
        assert answer.error is None and name in fresh.model.metrics
        bad = fresh.answer(QuerySpec(metrics=(ratio_name("revenue", "cpc"),), dimensions=("channel",)))
        assert bad.error and "Unknown metric" in bad.error  # a rate is not divided again: an error, not a crash
    finally:
        fresh.close()


def test_asked_ratio_names_resolve_on_the_demo_model():
    model = load_semantic_model()
    assert parts_of(model, ratio_name("revenue", "clicks")) == ("revenue", "clicks", 1)
    assert parts_of(model, ratio_name("clicks", "impressions", 1000)) == ("clicks", "impressions", 1000)
    assert parts_of(model, ratio_name("roas", "clicks")) is None
    assert parts_of(model, "spend") is None
    extended = with_asked_ratios(model, [ratio_name("revenue", "clicks"), "spend"])
    assert extended.metric(ratio_name("revenue", "clicks")).direction == "higher"
    assert with_asked_ratios(model, ["spend"]) is model


def test_a_short_word_inside_a_name_is_not_read_as_a_metric(tmp_path, monkeypatch):
    path = tmp_path / "caps.csv"
    rows = [[f"2025-04-{d:02d}", name, 10.0 + d, 5 + d, 1 + d % 3] for d in range(1, 11)
            for name in ("Cap Ferrat Promo", "Summer")]
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([["Date", "Campaign", "Cost", "Clicks", "Conversions"], *rows])
    monkeypatch.setenv("CLARIFY_HOME", str(tmp_path / "home"))
    settings = cli._settings({"CLARIFY_HOME": str(tmp_path / "home"), "LITELLM_OFFLINE_MODE": "true"})
    opened, _ = cli._open(settings, argparse.Namespace(url=None, data=path, dataset=None, replace=False, db=None))
    try:
        spec = opened.understand("spend for cap", None).interpretations[0].spec
        assert spec.metrics[0] == "spend" and "cpa" not in spec.metrics
        assert [f.values for f in spec.filters] == [("Cap Ferrat Promo",)]
    finally:
        opened.close()


def test_an_investigation_of_an_asked_ratio_runs_every_step(pipeline):
    from query_engine.investigate.planner import pipeline_runner, propose_plan, run_plan

    plan = propose_plan("why did revenue per session drop last week", pipeline.model, pipeline.profile)
    assert plan.metric == ratio_name("revenue", "sessions")
    assert "mix_rate" in [s.tool for s in plan.steps]  # a ratio: mix against rate
    outcome = run_plan(plan, pipeline.model, pipeline_runner(pipeline))
    assert [o.error for o in outcome.steps] == [None] * len(plan.steps)


@pytest.mark.parametrize("question, multiplier", [("conversions per 1000 clicks by channel", 1000),
                                                  ("conversions per thousand clicks by channel", 1000),
                                                  ("conversions per 100 clicks by channel", 100)])
def test_a_ratio_per_a_number_of_units_is_scaled(pipeline, question, multiplier):
    reading, rows = _first(pipeline, question)
    name = reading.spec.metrics[0]
    assert name == ratio_name("conversions", "clicks", multiplier)
    assert pipeline.model.metric(name).label == f"Conversions per {multiplier:,} clicks"
    for channel, expected in _ratio("conversions", "clicks").items():
        assert rows[channel][name] == pytest.approx(expected * multiplier)


def test_revenue_per_dollar_spent_is_the_return_on_spend(pipeline):
    reading, rows = _first(pipeline, "revenue per dollar spent by channel")
    assert reading.spec.metrics[0] == "roas"
    for channel, expected in _ratio("revenue", "spend").items():
        assert rows[channel]["roas"] == pytest.approx(expected)

"""Questions beyond the data get an honest answer: definitions from the model; scenarios, advice and other
attribution models refused with what the data can show instead."""
from __future__ import annotations

import json

import pytest

from query_engine.cli import main as cli_main


@pytest.mark.parametrize(("question", "label", "formula"), [
    ("what is ROAS", "ROAS", "revenue / spend"), ("what does CPA mean", "CPA", "spend / conversions"),
    ("define ctr", "CTR", "clicks / impressions"), ("how is cpm calculated?", "CPM", "x 1000"),
    ("what's cost per click", "CPC", "spend / clicks"),
])
def test_a_definition_comes_from_the_model_with_the_value_still_offered(pipeline, question, label, formula):
    found = pipeline.understand(question)
    assert found.definition.startswith(f"{label}:") and formula in found.definition
    assert "ratio of sums" in found.definition
    assert found.interpretations  # the figure itself is one click away


@pytest.mark.parametrize("question", ["what is our ROAS", "What is our CPM on Display?", "what is the ctr in 2024",
                                      "ROAS by channel"])
def test_asking_for_a_value_is_no_definition(pipeline, question):
    assert pipeline.understand(question).definition == ""


@pytest.mark.parametrize(("question", "reason"), [
    ("what if we moved 20% of budget to Search", "scenario"),
    ("suppose we doubled spend on TikTok", "scenario"),
    ("imagine we paused display, what happens to revenue", "scenario"),
    ("what should I do to improve ROAS", "recommend"),
    ("which audience should we target on tiktok?", "recommend"),
    ("how should we allocate budget next quarter", "recommend"),
    ("any recommendations for our meta campaigns?", "recommend"),
    ("what would revenue by channel look like under last-click attribution", "re-attribute"),
    ("conversions with a linear attribution model", "re-attribute"),
])
def test_beyond_the_data_is_refused_with_what_it_can_show(pipeline, question, reason):
    found = pipeline.understand(question)
    assert found.refusal is not None and reason in found.refusal.reason
    assert found.refusal.suggestions and not found.interpretations


@pytest.mark.parametrize("question", ["email open rate last month", "unsubscribes by campaign",
                                      "show me the images of our best performing creatives"])
def test_figures_and_media_the_data_lacks_are_refused(pipeline, question):
    found = pipeline.understand(question)
    assert found.refusal is not None and not found.interpretations


def test_the_cli_prints_the_definition(demo_db, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CLARIFY_HOME", str(tmp_path))
    assert cli_main(["ask", "what does ROAS mean", "--db", str(demo_db), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["definition"].startswith("ROAS:")
    assert cli_main(["ask", "what does ROAS mean", "--db", str(demo_db)]) == 0
    assert "definition: ROAS:" in capsys.readouterr().out


@pytest.mark.parametrize(("question", "measure", "factor"), [
    ("if spend rose 20% at the same ROAS, what would revenue be", "spend", 1.2),
    ("what would revenue be if we increased spend by 10%", "spend", 1.1),
    ("if we cut spend by 15% at the same CPA, how many conversions", "spend", 0.85),
    ("what if we doubled spend on tiktok", "spend", 2.0),
])
def test_a_simple_what_if_is_arithmetic_on_todays_figures(pipeline, question, measure, factor):
    reading = pipeline.understand(question).interpretations[0]
    assert reading.spec.scaled == (measure, factor)
    assert "not a forecast" in reading.description and "dimensions" not in reading.spec.dimensions
    answer = pipeline.answer(reading)
    row = dict(zip(answer.result.columns, answer.result.rows[0], strict=True))
    assert row["spend_if"] == pytest.approx(row["spend"] * factor)
    for name in ("revenue", "conversions"):
        if name in row:  # every summed figure moves with it, at today's rates
            assert row[f"{name}_if"] == pytest.approx(row[name] * factor)
    assert any(c.label.startswith("Spend if spend") for c in answer.columns)


@pytest.mark.parametrize("question", ["spend by channel if we exclude email", "clicks if any on christmas day"])
def test_if_without_a_scenario_is_an_ordinary_question(pipeline, question):
    found = pipeline.understand(question)
    assert found.interpretations and found.interpretations[0].spec.scaled is None


def test_limit_words_inside_the_datas_own_names_ask_nothing(tmp_path):
    """A campaign called 'What If Sale' is a name, not a scenario; 'last-click' is still an attribution model."""
    from tests.tiny_exports import open_export, write_export

    path = write_export(tmp_path, "odd", ["campaign", "date", "spend", "clicks"], [["What If Sale"], ["Brand"]],
                        [10.5, 2])
    pipeline = open_export(tmp_path / "home", path)
    try:
        found = pipeline.understand("spend for the What If Sale campaign", None)
        assert found.interpretations and found.interpretations[0].spec.filters[0].values == ("What If Sale",)
        assert pipeline.understand("clicks under last-click attribution", None).refusal is not None
    finally:
        pipeline.close()

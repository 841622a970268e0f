"""A one-row answer ('which channel had the most conversions') also shows the ranking it came from, winner first."""
from __future__ import annotations

import json

import pytest

from query_engine.cli import main as cli_main
from query_engine.pipeline import RANKING_ROWS


@pytest.mark.parametrize("question", ["which channel had the most conversions in 2024", "the best campaign by ROAS",
                                      "which region had the lowest CPA in 2024"])
def test_a_one_row_answer_carries_its_ranking(pipeline, question):
    reading = pipeline.understand(question).interpretations[0]
    assert reading.spec.limit == 1
    answer = pipeline.answer(reading)
    assert len(answer.result.rows) == 1 and answer.ranking is not None
    assert answer.ranking.rows[0] == answer.result.rows[0]  # the winner leads its own ranking
    assert 1 < len(answer.ranking.rows) <= RANKING_ROWS
    at = answer.result.columns.index(reading.spec.order_by[0].field)
    values = [row[at] for row in answer.ranking.rows if row[at] is not None]
    assert values == sorted(values, reverse=reading.spec.order_by[0].descending)
    assert answer.insights[0].startswith(f"{answer.result.rows[0][0]} ranks first by ")


@pytest.mark.parametrize("question", ["conversions by channel in 2024", "top 3 channels by revenue", "total spend"])
def test_a_ranking_or_a_total_carries_none(pipeline, question):
    reading = pipeline.understand(question).interpretations[0]
    assert pipeline.answer(reading).ranking is None


def test_the_cli_prints_and_returns_the_ranking(demo_db, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CLARIFY_HOME", str(tmp_path))
    assert cli_main(["ask", "which channel had the most conversions in 2024", "--db", str(demo_db), "--json"]) == 0
    top = json.loads(capsys.readouterr().out)["interpretations"][0]
    assert len(top["rows"]) == 1 and top["ranking"][0] == top["rows"][0] and len(top["ranking"]) > 1
    assert cli_main(["ask", "which channel had the most conversions in 2024", "--db", str(demo_db)]) == 0
    assert "The ranking it came from" in capsys.readouterr().out

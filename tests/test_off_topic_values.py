"""An off-topic word inside a name the dataset holds is that name: 'rain' of the search term 'rain jacket women'.

The same word outside such a name stays off topic ('will it rain tomorrow')."""
from __future__ import annotations

import csv
from pathlib import Path

import pytest

from tests.tiny_exports import open_export


@pytest.fixture
def search_terms(tmp_path: Path) -> Path:
    path = tmp_path / "terms.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Date", "Customer Search Term", "Clicks", "Spend"])
        for term, clicks in (("rain jacket women", 40), ("weather proof boots", 25), ("sports bra", 10)):
            writer.writerow(["2024-11-01", term, clicks, clicks / 2])
    return path


def _understand(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, data: Path, question: str):
    home = tmp_path / "home"
    monkeypatch.setenv("CLARIFY_HOME", str(home))
    pipeline = open_export(home, data)
    try:
        return pipeline.understand(question, None)
    finally:
        pipeline.close()


@pytest.mark.parametrize(("question", "term"), [("clicks for 'rain jacket women'", "rain jacket women"),
                                                ("spend on weather proof boots", "weather proof boots"),
                                                ("how many clicks did sports bra get", "sports bra")])
def test_a_name_holding_an_off_topic_word_is_answered(tmp_path, monkeypatch, search_terms, question, term):
    understood = _understand(tmp_path, monkeypatch, search_terms, question)
    assert understood.refusal is None
    assert [f.values for f in understood.interpretations[0].spec.filters] == [(term,)]


@pytest.mark.parametrize("question", ["will it rain tomorrow", "what's the weather like", "who won the sports game"])
def test_the_word_alone_is_still_off_topic(tmp_path, monkeypatch, search_terms, question):
    understood = _understand(tmp_path, monkeypatch, search_terms, question)
    assert understood.refusal is not None and "nothing about" in understood.refusal.reason
    assert not understood.interpretations

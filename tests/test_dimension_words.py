"""The words a column is asked by, derived from its header: an id is also a 'number', a gerund names its thing."""
from __future__ import annotations

import csv
from pathlib import Path

import pytest

from tests.tiny_exports import open_export


@pytest.fixture
def sponsored(tmp_path: Path) -> Path:
    path = tmp_path / "sp.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Date", "Campaign ID", "Campaign Name", "Targeting", "Spend", "Sales"])
        for day in ("2024-10-01", "2024-10-02"):
            for cid, name, target, spend, sales in ((101, "Kettles", "electric kettle", 5, 40),
                                                    (102, "Kettles", "close-match", 3, 10),
                                                    (103, "Teapots", "glass teapot", 2, 30)):
                writer.writerow([day, cid, name, target, spend, sales])
    return path


def _first(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, data: Path, question: str):
    home = tmp_path / "home"
    monkeypatch.setenv("CLARIFY_HOME", str(home))
    pipeline = open_export(home, data)
    try:
        top = pipeline.understand(question, None).interpretations
        answer = pipeline.answer(top[0])
        assert answer.error is None and answer.result is not None
        return top[0].spec.dimensions, answer.result.rows
    finally:
        pipeline.close()


@pytest.mark.parametrize("question", ["spend by campaign number", "spend per campaign number", "spend by campaign id",
                                      "spend for each campaign code"])
def test_an_id_is_asked_by_its_number(tmp_path, monkeypatch, sponsored, question):
    dims, rows = _first(tmp_path, monkeypatch, sponsored, question)
    assert dims == ("campaign_id",)
    assert sorted(rows) == [(101, 10), (102, 6), (103, 4)]


@pytest.mark.parametrize("question", ["top 2 targets by sales", "sales by target", "which target had the most sales"])
def test_a_gerund_column_is_asked_by_its_thing(tmp_path, monkeypatch, sponsored, question):
    dims, rows = _first(tmp_path, monkeypatch, sponsored, question)
    assert dims == ("targeting",)
    assert rows[0] == ("electric kettle", 80)

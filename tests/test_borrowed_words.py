"""The demo's words reach an upload only where no column of the file names them itself.

A GA4 export has both a channel group and a "Session source / medium" column: "sources" is the latter there, while
on a file with a channel column alone the demo's "source" still finds the channel."""
from __future__ import annotations

import csv
from pathlib import Path

import pytest

from tests.tiny_exports import open_export

ROWS = [("Paid Search", "google / cpc", 300), ("Organic Search", "google / organic", 200),
        ("Organic Search", "bing / organic", 150), ("Email", "klaviyo / email", 100)]


def _write(path: Path, with_source: bool) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Date", "Session primary channel group", *(["Session source / medium"] * with_source),
                         "Sessions"])
        for day in ("2025-06-01", "2025-06-02"):
            for channel, source, sessions in ROWS:
                writer.writerow([day, channel, *([source] * with_source), sessions])
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


@pytest.mark.parametrize("question", ["top 3 sources by sessions", "sessions by source", "sessions per medium",
                                      "which source brought the most sessions"])
def test_the_files_own_column_takes_its_words(tmp_path, monkeypatch, question):
    dims, rows = _first(tmp_path, monkeypatch, _write(tmp_path / "ga4.csv", True), question)
    assert dims == ("session_source_medium",)
    assert rows[0][:2] == ("google / cpc", 600)


def test_a_borrowed_word_still_applies_where_nothing_else_claims_it(tmp_path, monkeypatch):
    dims, rows = _first(tmp_path, monkeypatch, _write(tmp_path / "ga4.csv", False), "sessions by source")
    assert dims == ("channel",)
    assert dict(rows)["Organic Search"] == 700


@pytest.mark.parametrize(("question", "sessions"), [("sessions from google", 1000),
                                                    ("how many sessions came from klaviyo", 200),
                                                    ("sessions with medium cpc", 600)])
def test_each_side_of_a_compound_value_names_it(tmp_path, monkeypatch, question, sessions):
    _, rows = _first(tmp_path, monkeypatch, _write(tmp_path / "ga4.csv", True), question)
    assert rows[0][-1] == sessions


def test_a_compound_value_said_without_its_slash(tmp_path, monkeypatch):
    question = "google organic vs google cpc sessions"
    _, rows = _first(tmp_path, monkeypatch, _write(tmp_path / "ga4.csv", True), question)
    assert sorted(rows) == [("google / cpc", 600), ("google / organic", 400)]

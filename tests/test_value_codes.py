"""Short numbers that are values (category codes, days of the month) filter only the column named before them.

A number alone is a count ("top 3") or a threshold; "interest 17" is a filter on the interest column, never on
another column that also holds a 17 (a day of the month)."""
from __future__ import annotations

import csv
from pathlib import Path

import pytest

from tests.tiny_exports import open_export

INTERESTS = (2, 3, 17, 38)


@pytest.fixture
def coded_export(tmp_path: Path) -> Path:
    """A Snapchat-shaped file: month name, day of the month, an interest code, spend and swipes."""
    path = tmp_path / "snap.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Month of the year", "Day of the month", "Interest ID", "Spend", "Swipe Ups"])
        for day in range(1, 21):
            for interest in INTERESTS:
                writer.writerow(["May", day, interest, f"{interest + day / 10:.2f}", interest * day])
    return path


def _spend(interests: tuple[int, ...]) -> float:
    return round(sum(i + d / 10 for d in range(1, 21) for i in interests), 2)


def _first_rows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, data: Path, question: str):
    home = tmp_path / "home"
    monkeypatch.setenv("CLARIFY_HOME", str(home))
    pipeline = open_export(home, data)
    try:
        top = pipeline.understand(question, None).interpretations
        assert top, f"no reading for {question!r}"
        answer = pipeline.answer(top[0])
        assert answer.error is None and answer.result is not None
        return top[0], answer.result.rows
    finally:
        pipeline.close()


@pytest.mark.parametrize(("question", "interests"), [
    ("total spend for interest 17", (17,)),
    ("how much did we spend on interest 38", (38,)),
    ("spend for interest id 3", (3,)),
    ("total spend for interests 2 and 38", (2, 38)),
    ("overall spend across interest 2 or 17", (2, 17)),
])
def test_a_code_after_its_column_filters_that_column(tmp_path, monkeypatch, coded_export, question, interests):
    reading, rows = _first_rows(tmp_path, monkeypatch, coded_export, question)
    filters = {f.dimension: sorted(f.values) for f in reading.spec.filters}
    assert list(filters) == ["interest"], filters  # never the day of the month that also holds the number
    assert filters["interest"] == sorted(str(i) for i in interests)
    assert rows[0][-1] == pytest.approx(_spend(interests))


@pytest.mark.parametrize("question", ["top 3 interests by spend", "best 2 interests by swipe ups",
                                      "which 3 interests spent the most"])
def test_a_count_is_never_read_as_a_value(tmp_path, monkeypatch, coded_export, question):
    reading, rows = _first_rows(tmp_path, monkeypatch, coded_export, question)
    assert not reading.spec.filters, reading.spec.filters
    assert len(rows) in (2, 3)
    assert [r[0] for r in rows][0] == 38  # the largest interest leads on spend and on swipes


def test_a_day_of_the_month_filters_when_named(tmp_path, monkeypatch, coded_export):
    reading, rows = _first_rows(tmp_path, monkeypatch, coded_export, "spend on day of the month 3")
    assert {f.dimension: list(f.values) for f in reading.spec.filters} == {"day_of_month": ["3"]}
    assert rows[0][-1] == pytest.approx(round(sum(i + 0.3 for i in INTERESTS), 2))

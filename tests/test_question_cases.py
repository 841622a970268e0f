"""Questions with asserted answers: each reading's rows are compared with reference SQL on the demo data."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.result_matching import ranking_matches, rows_match

CASES_PATH = Path(__file__).parent / "fixtures" / "question_cases.jsonl"
CASES = [json.loads(line) for line in CASES_PATH.read_text().splitlines() if line.strip()]


@pytest.fixture(scope="module")
def reference_con(pipeline):
    """Reference SQL runs on the same file; DuckDB allows one configuration per file in a process."""
    con = pipeline.con.cursor()
    yield con
    con.close()


def _matches(case: dict, reference_rows: list, answer) -> bool:
    if answer.result is None:
        return False
    compare = ranking_matches if case["match"] == "prefix" else rows_match
    return compare(reference_rows, answer.result.rows)


def test_question_cases_cover_every_kind():
    kinds = {c["kind"] for c in CASES}
    assert len(CASES) >= 40 and kinds == {"clear", "ambiguous", "refuse"}


@pytest.mark.parametrize("case", [c for c in CASES if c["kind"] == "clear"], ids=lambda c: c["id"])
def test_question_clear_top_reading_returns_reference_rows(case, pipeline, reference_con):
    understanding = pipeline.understand(case["q"])
    assert understanding.refusal is None, understanding.refusal
    top = understanding.interpretations[0]
    answer = pipeline.answer(top)
    assert answer.error is None, answer.error
    reference = reference_con.execute(case["refs"][0]).fetchall()
    assert _matches(case, reference, answer), f"{top.description}\n{answer.sql}\n{answer.result.rows[:5]}"


@pytest.mark.parametrize("case", [c for c in CASES if c["kind"] == "ambiguous"], ids=lambda c: c["id"])
def test_question_ambiguous_offers_every_reference_reading(case, pipeline, reference_con):
    understanding = pipeline.understand(case["q"])
    readings = understanding.interpretations
    assert 2 <= len(readings) <= 5
    answers = [pipeline.answer(r) for r in readings]
    for index, sql in enumerate(case["refs"]):
        reference = reference_con.execute(sql).fetchall()
        assert any(_matches(case, reference, a) for a in answers), f"reference {index} missing: {sql}"
    assert readings[0].confidence < 0.75, "an ambiguous question must not look certain"


@pytest.mark.parametrize("case", [c for c in CASES if c["kind"] == "refuse"], ids=lambda c: c["id"])
def test_question_refused_with_reason_and_suggestions(case, pipeline):
    understanding = pipeline.understand(case["q"])
    assert understanding.refusal is not None
    assert not understanding.interpretations
    assert len(understanding.refusal.reason) > 20 and understanding.refusal.suggestions

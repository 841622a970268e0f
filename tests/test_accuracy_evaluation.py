"""The evaluation runner on question sets with known outcomes (some references deliberately wrong), and its CLI."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from query_engine.evaluate.accuracy import (
    EvaluationError,
    QuestionCase,
    evaluate_question_set,
    failure_table,
    load_cases,
    main,
    parse_cases,
    prefix_match,
    set_match,
)
from query_engine.llm.access import LLMText
from query_engine.pipeline import Pipeline
from query_engine.settings import Settings
from router import TaskType

FIXTURE = Path(__file__).parent / "fixtures" / "eval_questions.jsonl"
TINY_SPEND = [["Google Search", 250.0], ["Meta", 20.0], ["LinkedIn", 100.0]]


@pytest.fixture(scope="module")
def demo_pipeline(demo_db, tmp_path_factory):
    pipeline = Pipeline.open(Settings(home=tmp_path_factory.mktemp("home")), demo_db)
    yield pipeline
    pipeline.close()


@pytest.fixture
def tiny_pipeline(tiny_db, clarify_home):
    pipeline = Pipeline.open(Settings(home=clarify_home), tiny_db)
    yield pipeline
    pipeline.close()


@pytest.fixture(scope="module")
def demo_report(demo_pipeline):
    return evaluate_question_set(demo_pipeline, load_cases(FIXTURE))


def test_evaluate_fixture_summary_has_the_known_scores(demo_report):
    summary = demo_report.summary
    assert (summary["questions"], summary["passed"], summary["failed"]) == (9, 6, 3)
    assert summary["top1_accuracy"] == 0.75            # e04's reference sums impressions, not clicks
    assert summary["intended_in_five"] == round(5 / 6, 4)
    assert summary["ambiguity_recall"] == 0.75         # e06's second reference (clicks) is never offered
    assert summary["refusal_accuracy"] == round(2 / 3, 4)  # e09 is answerable, so marking it refuse fails
    assert summary["false_refusals"] == 0
    assert summary["by_kind"] == {"clear": 4, "ambiguous": 2, "refuse": 3}
    assert summary["total_cost_usd"] == 0.0 and summary["cost_per_question_usd"] == 0.0
    assert summary["mean_latency_ms"] > 0


def test_evaluate_fixture_failures_say_what_went_wrong_and_what_was_offered(demo_report):
    failures = {o.id: o for o in demo_report.failures}
    assert set(failures) == {"e04", "e06", "e09"}
    assert failures["e04"].problem == "the intended reading was not offered"
    assert failures["e04"].offered[0].startswith("#1 Clicks")
    assert (failures["e06"].problem, failures["e06"].refs_found, failures["e06"].intended_rank) == (
        "offered 1 of 2 acceptable readings", 1, 1)
    assert failures["e09"].problem == "ran a query instead of refusing"
    table = failure_table(demo_report)
    assert "e04" in table and "problem: the intended reading was not offered" in table and "e01 " not in table


def test_evaluate_ambiguous_intended_reading_found_at_its_rank(demo_report):
    outcome = next(o for o in demo_report.outcomes if o.id == "e05")
    assert (outcome.passed, outcome.intended_rank, outcome.refs_found, outcome.refs_total) == (True, 1, 2, 2)


def cases(*items: dict[str, Any]) -> list[QuestionCase]:
    return parse_cases([json.dumps(item) for item in items])


def test_evaluate_expected_rows_replace_reference_sql(tiny_pipeline):
    report = evaluate_question_set(tiny_pipeline, cases(
        {"id": "ok", "q": "Total spend by channel", "kind": "clear", "expected_rows": TINY_SPEND},
        {"id": "wrong", "q": "Total spend by channel", "kind": "clear", "expected_rows": [["Meta", 21.0]]},
    ))
    assert [(o.id, o.passed, o.top1) for o in report.outcomes] == [("ok", True, True), ("wrong", False, False)]
    assert report.summary["top1_accuracy"] == 0.5


def test_evaluate_reference_the_guard_refuses_is_a_failure_not_a_crash(tiny_pipeline):
    report = evaluate_question_set(tiny_pipeline, cases(
        {"id": "bad", "q": "Total spend by channel", "kind": "clear", "refs": ["DROP TABLE campaigns"]}))
    [outcome] = report.outcomes
    assert not outcome.passed and outcome.problem.startswith("the reference could not run:")


def test_evaluate_refused_answerable_question_counts_as_false_refusal(tiny_pipeline):
    report = evaluate_question_set(tiny_pipeline, cases(
        {"id": "r", "q": "Update all budgets to zero", "kind": "clear", "expected_rows": [[1]]}))
    assert report.summary["false_refusals"] == 1
    assert report.outcomes[0].problem.startswith("refused: Clarify only reads data")


class PricedInsights:
    """An LLMAccess whose only model stage is insights; each call costs $0.002 and adds one finding."""

    def __init__(self) -> None:
        self.calls = 0

    def available(self, task: TaskType) -> bool:
        return task == TaskType.INSIGHTS_GENERATION

    def complete(self, task, prompt, *, system="", question_id=None, response_format=None) -> LLMText:
        self.calls += 1
        return LLMText("- Google Search spent 250.", "fake/insights", cost_usd=0.002)


def test_evaluate_llm_argument_routes_the_run_and_costs_are_counted(tiny_pipeline):
    llm = PricedInsights()
    report = evaluate_question_set(tiny_pipeline, cases(
        {"id": "a", "q": "Total spend by channel", "kind": "clear", "expected_rows": TINY_SPEND},
        {"id": "b", "q": "Delete all campaigns", "kind": "refuse"}), llm=llm)
    assert llm.calls == 1 and tiny_pipeline.llm is None
    assert report.summary["total_cost_usd"] == 0.002
    assert report.summary["cost_per_question_usd"] == 0.001
    assert [o.cost_usd for o in report.outcomes] == [0.002, 0.0]


@pytest.mark.parametrize("line, problem", [
    ('{"id": "x", "q": "a", "kind": "vague", "refs": ["SELECT 1"]}', "kind must be one of"),
    ('{"id": "x", "q": "a", "kind": "clear"}', "give refs or expected_rows"),
    ('{"id": "x", "q": "a", "kind": "clear", "refs": ["SELECT 1"], "match": "fuzzy"}', "match must be set or prefix"),
    ('{"id": "x", "kind": "refuse"}', "q (the question) is missing"),
    ('{"id": "x", "q": "  ", "kind": "clear", "refs": ["SELECT 1"]}', "q (the question) is missing"),
    ('not json', "Expecting value"),
])
def test_parse_cases_names_the_bad_line(line, problem):
    with pytest.raises(EvaluationError) as caught:
        parse_cases(['{"id": "ok", "q": "Delete it", "kind": "refuse"}', line])
    assert caught.value.message.startswith("Line 2 of the question set") and problem in caught.value.message


def test_parse_cases_blank_question_may_be_a_refuse_case():
    [case] = parse_cases(['{"id": "blank", "q": "   ", "kind": "refuse"}'])
    assert (case.q, case.kind, case.refs) == ("   ", "refuse", ())


def test_parse_cases_empty_set_is_an_error():
    with pytest.raises(EvaluationError, match="empty"):
        parse_cases(["", "  "])


@pytest.mark.parametrize("reference, answer, expected", [
    ([("a", 1.0), ("b", 2.0)], [("b", 2.0000000001), ("a", 1)], True),
    ([("a", 1.0)], [("a", 1.0, 99)], True),                     # extra answer columns are tolerated
    ([("a", 1.0)], [(99, 1.0, "A")], True),                     # columns in another order, text case-folded
    ([("a", 1.0)], [("a", 1.1)], False),
    ([("a", 1.0)], [("a", 1.0), ("b", 2.0)], False),
    ([("2025-01-01", 5)], [("2025-01", 5.0)], True),            # month starts compare as YYYY-MM
    ([], [], True),
])
def test_set_match(reference, answer, expected):
    assert set_match(reference, answer) is expected


@pytest.mark.parametrize("reference, answer, expected", [
    ([("a",), ("b",)], [("a", 3), ("b", 2), ("c", 1)], True),
    ([("a",), ("b",)], [("b", 3), ("a", 2)], False),
    ([("a",), ("b",)], [("a", 3)], False),
])
def test_prefix_match(reference, answer, expected):
    assert prefix_match(reference, answer) is expected


def write_set(tmp_path: Path, *items: dict[str, Any]) -> Path:
    path = tmp_path / "questions.jsonl"
    path.write_text("\n".join(json.dumps(i) for i in items) + "\n", encoding="utf-8")
    return path


def test_main_json_summary_holds_top1_accuracy(tiny_db, tmp_path, clarify_home, capsys):
    path = write_set(tmp_path,
                     {"id": "ok", "q": "Total spend by channel", "kind": "clear", "expected_rows": TINY_SPEND},
                     {"id": "no", "q": "Total spend by channel", "kind": "clear", "expected_rows": [["x", 1]]})
    code = main([str(path), "--db", str(tiny_db), "--json"], settings=Settings(home=clarify_home))
    payload = json.loads(capsys.readouterr().out)
    assert code == 0
    assert payload["summary"]["top1_accuracy"] == 0.5
    assert [f["id"] for f in payload["failures"]] == ["no"]
    assert payload["failures"][0]["offered"][0].startswith("#1 Spend")


def test_main_text_prints_failures_then_metrics(tiny_db, tmp_path, clarify_home, capsys):
    path = write_set(tmp_path,
                     {"id": "no", "q": "Total spend by channel", "kind": "clear", "expected_rows": [["x", 1]]})
    assert main([str(path), "--db", str(tiny_db)], settings=Settings(home=clarify_home)) == 0
    out = capsys.readouterr().out
    assert out.index("problem: the intended reading was not offered") < out.index("top1 accuracy: 0.0%")


def test_main_missing_file_is_an_error_message(tmp_path, clarify_home, capsys):
    assert main([str(tmp_path / "none.jsonl"), "--db", str(tmp_path)], settings=Settings(home=clarify_home)) == 1
    assert "cannot be read" in capsys.readouterr().err

"""Follow-ups refine the last answer's reading: each kind of change in several phrasings, and what stays."""
from __future__ import annotations

import datetime as dt
import json

import pytest

from query_engine.cli import main as cli_main
from query_engine.evaluate.accuracy import evaluate_question_set, parse_cases
from query_engine.spec.query import Filter, Threshold


def _refine(pipeline, earlier: str, question: str):
    previous = pipeline.understand(earlier).interpretations[0].spec
    return previous, pipeline.understand(question, previous=previous)


@pytest.mark.parametrize("question", ["now split that by device", "break it down by device", "and by device?",
                                      "split by device too"])
def test_follow_up_adds_a_grouping_and_keeps_the_rest(pipeline, question):
    previous, found = _refine(pipeline, "spend by channel last month", question)
    top = found.interpretations[0]
    assert found.intent == "follow_up"
    assert top.spec.dimensions == ("channel", "device")
    assert top.spec.metrics == previous.metrics and top.spec.date_range == previous.date_range
    assert top.distinction.startswith("changed: split by device")
    assert any(i.spec.dimensions == ("device",) for i in found.interpretations[1:])  # the other reading


@pytest.mark.parametrize("question", ["by region instead", "switch to region instead", "region instead"])
def test_follow_up_replaces_a_grouping(pipeline, question):
    _previous, found = _refine(pipeline, "conversions by channel in 2024", question)
    assert found.interpretations[0].spec.dimensions == ("region",)


@pytest.mark.parametrize(("question", "expected"), [
    ("only for Meta", Filter("channel", ("Meta",))),
    ("just facebook", Filter("channel", ("Meta",))),
    ("exclude email", Filter("channel", ("Email",), "not_in")),
    ("for mobile only", Filter("device", ("mobile",))),
])
def test_follow_up_adds_a_filter(pipeline, question, expected):
    previous, found = _refine(pipeline, "spend by region last month", question)
    spec = found.interpretations[0].spec
    assert expected in spec.filters
    assert spec.dimensions == previous.dimensions == ("region",)


@pytest.mark.parametrize("question", ["remove the region filter", "across all regions", "all regions, not just europe",
                                      "clear filters"])
def test_follow_up_removes_a_filter(pipeline, question):
    _previous, found = _refine(pipeline, "spend by channel in europe", question)
    assert found.interpretations, found.refusal
    assert found.interpretations[0].spec.filters == ()


def test_follow_up_replaces_the_values_of_a_filter(pipeline):
    _previous, found = _refine(pipeline, "spend on meta by region", "what about tiktok?")
    assert found.interpretations[0].spec.filters == (Filter("channel", ("TikTok",)),)
    _previous, found = _refine(pipeline, "spend on meta by region", "also tiktok")
    assert found.interpretations[0].spec.filters == (Filter("channel", ("Meta", "TikTok")),)


@pytest.mark.parametrize("question", ["same for last year", "and the same for last year?", "last year again"])
def test_same_for_last_year_moves_a_whole_month_back_a_year(pipeline, question):
    _previous, found = _refine(pipeline, "revenue in October 2025", question)
    windows = [i.spec.date_range for i in found.interpretations]
    assert (windows[0].start, windows[0].end) == (dt.date(2024, 10, 1), dt.date(2024, 10, 31))
    assert any((w.start, w.end) == (dt.date(2024, 1, 1), dt.date(2024, 12, 31)) for w in windows[1:])


def test_same_for_last_year_after_a_to_date_window_is_last_year_first(pipeline):
    _previous, found = _refine(pipeline, "ROAS by channel this year", "same for last year")
    first = found.interpretations[0].spec.date_range
    assert (first.start, first.end) == (dt.date(2024, 1, 1), dt.date(2024, 12, 31))
    assert any(i.spec.date_range.end == dt.date(2024, 11, 15) for i in found.interpretations[1:])  # like for like


@pytest.mark.parametrize("question", ["in Q3 instead", "what about Q3 2025?", "for Q3 2025"])
def test_follow_up_changes_the_window(pipeline, question):
    previous, found = _refine(pipeline, "cpa by channel in Q2 2025", question)
    spec = found.interpretations[0].spec
    assert (spec.date_range.start, spec.date_range.end) == (dt.date(2025, 7, 1), dt.date(2025, 9, 30))
    assert spec.metrics == previous.metrics and spec.dimensions == previous.dimensions


@pytest.mark.parametrize(("question", "first"), [("what about revenue", ("revenue",)),
                                                 ("how about clicks instead", ("clicks",)),
                                                 ("also show clicks", ("spend", "clicks")),
                                                 ("add clicks", ("spend", "clicks")),
                                                 ("and clicks?", ("spend", "clicks"))])
def test_follow_up_changes_or_adds_a_metric(pipeline, question, first):
    _previous, found = _refine(pipeline, "spend by channel in 2024", question)
    assert found.interpretations[0].spec.metrics[:len(first)] == first
    assert len(found.interpretations) == 2  # the other of replace and add is offered


def test_a_new_metric_keeps_the_ranking_sense(pipeline):
    """Best first by ROAS (highest) becomes best first by CPA (lowest)."""
    _previous, found = _refine(pipeline, "top 5 campaigns by ROAS", "what about CPA")
    order = found.interpretations[0].spec.order_by[0]
    assert (order.field, order.descending) == ("cpa", False)


@pytest.mark.parametrize(("question", "grain"), [("show it weekly", "week"), ("monthly instead", "month"),
                                                 ("by quarter", "quarter")])
def test_follow_up_changes_the_grain(pipeline, question, grain):
    _previous, found = _refine(pipeline, "daily spend in october 2025", question)
    assert found.interpretations[0].spec.dimensions == (grain,)


@pytest.mark.parametrize(("question", "limit", "descending"), [("top 5 only", 5, True), ("worst 3", 3, False),
                                                               ("just the top 10", 10, True)])
def test_follow_up_ranks_and_limits(pipeline, question, limit, descending):
    _previous, found = _refine(pipeline, "revenue by campaign", question)
    spec = found.interpretations[0].spec
    assert spec.limit == limit and spec.order_by[0].descending is descending


def test_follow_up_adds_or_changes_a_condition(pipeline):
    _previous, found = _refine(pipeline, "spend by campaign for tiktok last month", "which of those had ROAS under 1?")
    spec = found.interpretations[0].spec
    assert spec.thresholds == (Threshold("roas", "<", 1.0),) and "roas" in spec.metrics
    _previous, found = _refine(pipeline, "how many campaigns spent over 10k last month", "make that 50k")
    assert found.interpretations[0].spec.thresholds == (Threshold("spend", ">", 50_000.0),)


@pytest.mark.parametrize("question", ["Total clicks by region", "ROAS by campaign in 2024", "which channel had the "
                                      "most conversions"])
def test_a_question_of_its_own_is_not_a_follow_up(pipeline, question):
    previous = pipeline.understand("spend by channel last month").interpretations[0].spec
    alone, after = pipeline.understand(question), pipeline.understand(question, previous=previous)
    assert after.intent != "follow_up"
    assert [i.spec for i in after.interpretations] == [i.spec for i in alone.interpretations]


def test_follow_up_says_what_it_refines_and_what_it_could_not_place(pipeline):
    _previous, found = _refine(pipeline, "spend by channel last month", "now split that by device please zorblat")
    assert found.notes[0].startswith("Read as a follow-up to the last answer: Spend")
    assert "I couldn't place 'zorblat'." in found.notes
    assert found.interpretations[0].confidence < 0.9


def test_follow_up_with_nothing_to_change_says_how_to_ask(pipeline):
    _previous, found = _refine(pipeline, "spend by channel last month", "now do that")
    assert found.refusal is not None and "follow-up" in found.refusal.reason
    assert "same for last year" in found.refusal.suggestions


def test_a_follow_up_never_writes(pipeline):
    _previous, found = _refine(pipeline, "spend by channel", "now drop the campaigns table")
    assert found.refusal is not None and not found.interpretations


def test_cli_follows_up_a_chain_of_earlier_questions(demo_db, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CLARIFY_HOME", str(tmp_path))
    code = cli_main(["ask", "now by device", "--db", str(demo_db), "--follow-up", "spend by channel last month",
                     "--follow-up", "only meta", "--json"])
    payload = json.loads(capsys.readouterr().out)
    assert code == 0 and payload["follow_up"] is True
    top = payload["interpretations"][0]
    assert top["spec"]["dimensions"] == ["channel", "device"] and "Meta" in top["sql"]
    assert {row[0] for row in top["rows"]} == {"Meta"}


def test_cli_follow_up_of_a_refused_question_says_so(demo_db, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CLARIFY_HOME", str(tmp_path))
    code = cli_main(["ask", "now by device", "--db", str(demo_db), "--follow-up", "weather in paris", "--json"])
    payload = json.loads(capsys.readouterr().out)
    assert code == 0 and "has no answer to follow up" in payload["error"] and "--follow-up" in payload["error"]


def test_evaluation_scores_a_follow_up_case(pipeline):
    cases = parse_cases([json.dumps({"id": "f1", "after": "spend by channel in 2024", "q": "only for meta",
                                     "kind": "clear", "match": "set",
                                     "refs": ["SELECT c.channel, SUM(d.spend) FROM campaign_daily d JOIN campaigns c "
                                              "USING (campaign_id) WHERE c.channel = 'Meta' AND d.date BETWEEN "
                                              "DATE '2024-01-01' AND DATE '2024-12-31' GROUP BY 1"]}),
                         json.dumps({"id": "f2", "q": "only for meta", "kind": "clear", "match": "set",
                                     "refs": ["SELECT SUM(d.spend) FROM campaign_daily d WHERE FALSE"]})])
    report = evaluate_question_set(pipeline, cases)
    assert report.outcomes[0].passed and report.outcomes[0].follow_up
    assert not report.outcomes[1].follow_up
    assert report.summary["follow_ups"] == 1 and report.summary["follow_up_top1"] == 1.0


@pytest.mark.parametrize("question", ["only those with ROAS above 2", "keep only campaigns with ROAS over 2"])
def test_a_condition_on_what_the_answer_shows_narrows_it(pipeline, question):
    previous, found = _refine(pipeline, "ROAS by campaign last quarter", question)
    spec = found.interpretations[0].spec
    assert found.intent == "follow_up" and spec.thresholds == (Threshold("roas", ">", 2.0),)
    assert spec.dimensions == previous.dimensions and spec.date_range == previous.date_range


@pytest.mark.parametrize(("earlier", "question", "left"), [
    ("spend on meta by region last month", "remove the meta filter", ()),
    ("spend by channel excluding email", "include email again", ()),
    ("spend by region on meta", "only tiktok and youtube", (Filter("channel", ("TikTok", "YouTube")),)),
])
def test_a_filter_is_removed_restored_or_replaced(pipeline, earlier, question, left):
    _previous, found = _refine(pipeline, earlier, question)
    assert found.interpretations[0].spec.filters == left


@pytest.mark.parametrize(("question", "dimensions"), [("drop the device split", ("channel",)),
                                                      ("just the total", ()), ("remove device", ("channel",))])
def test_a_grouping_is_removed(pipeline, question, dimensions):
    _previous, found = _refine(pipeline, "spend by channel and device", question)
    assert found.interpretations, found.refusal
    assert found.interpretations[0].spec.dimensions == dimensions


def test_same_for_last_year_after_a_comparison_moves_the_comparison(pipeline):
    _previous, found = _refine(pipeline, "spend by channel this month vs last month", "same for last year")
    periods = found.interpretations[0].spec.periods
    assert [(p.start, p.end) for p in periods] == [(dt.date(2024, 10, 1), dt.date(2024, 10, 15)),
                                                   (dt.date(2024, 11, 1), dt.date(2024, 11, 15))]
    assert all(i.spec.periods == () or len(i.spec.periods) == 2 for i in found.interpretations)


@pytest.mark.parametrize(("earlier", "question", "window"), [
    ("conversions by region in october 2025", "previous month", (dt.date(2025, 9, 1), dt.date(2025, 9, 30))),
    ("conversions by region in october 2025", "and the month before?", (dt.date(2025, 9, 1), dt.date(2025, 9, 30))),
    ("spend by channel in Q3 2025", "the prior quarter", (dt.date(2025, 4, 1), dt.date(2025, 6, 30))),
    ("spend by channel last week", "the week before", (dt.date(2025, 10, 27), dt.date(2025, 11, 2))),
])
def test_the_period_before_the_last_answers(pipeline, earlier, question, window):
    _previous, found = _refine(pipeline, earlier, question)
    assert found.interpretations, found.refusal
    spec = found.interpretations[0].spec
    assert (spec.date_range.start, spec.date_range.end) == window

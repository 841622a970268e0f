"""'How many <things> <threshold>': the number of things whose own total passes, not a test on the grand total."""
from __future__ import annotations

import duckdb
import pytest

from query_engine.semantics.model import load_semantic_model
from query_engine.spec.codec import spec_from_dict, spec_to_dict
from query_engine.spec.query import QuerySpec, Threshold
from query_engine.sql.compiler import compile_spec
from query_engine.sql.guard import guard_sql, policy_for_model
from tests.share_count_data import answer_rows, open_export, totals

MODEL = load_semantic_model()


@pytest.fixture(scope="module")
def export(tmp_path_factory):
    pipeline = open_export(tmp_path_factory.mktemp("group_counts"))
    yield pipeline
    pipeline.close()


def _passing(by: str, test, *measures: str, month: int | None = None) -> int:
    return sum(1 for sums in totals(by, *measures, month=month).values() if test(*sums))


SPEND_OVER_300 = _passing("Ad group name", lambda s: s > 300, "Spend")


@pytest.mark.parametrize("question", [
    "How many ad groups spent more than $300?",
    "number of ad groups with spend over 300",
    "how many ad groups have spent above $300 so far",
    "How many ad groups had spend greater than 300 dollars?",
])
def test_group_count_counts_the_ad_groups_that_pass(export, question):
    rows, reading = answer_rows(export, question)
    assert rows == [(SPEND_OVER_300,)] and SPEND_OVER_300 == 2
    assert reading.spec.count_of == "ad_group" and reading.description.startswith("Number of ad groups")


@pytest.mark.parametrize("question, by, test, measures, month", [
    ("How many campaigns had a ROAS above 3?", "Campaign name", lambda r, s: r / s > 3, ("Total sales", "Spend"), None),
    ("How many keywords drove more than 10 conversions in March?", "Keyword", lambda c: c > 10,
     ("Post-click conversions",), 3),
    ("how many keywords had a CTR below 5%", "Keyword", lambda c, i: c / i < 0.05, ("Clicks", "Impressions"), None),
    ("How many days did we spend more than $200?", "Date", lambda s: s > 200, ("Spend",), None),
])
def test_group_count_applies_the_threshold_to_each_group(export, question, by, test, measures, month):
    expected = _passing(by, test, *measures, month=month)
    rows, _ = answer_rows(export, question)
    assert rows == [(expected,)]


def test_group_count_is_not_the_distinct_count_under_a_grand_total_test(export):
    # The grand ROAS is under 3 (a HAVING on the grand total keeps no row), yet 2 campaigns are above 3 on their own.
    sales, spend = (sum(v[k] for v in totals("Campaign name", "Total sales", "Spend").values()) for k in (0, 1))
    assert sales / spend < 3
    rows, reading = answer_rows(export, "How many campaigns had a ROAS above 3?")
    assert rows == [(2,)] and "campaign_count" not in reading.spec.metrics


def test_group_count_per_other_grouping(export):
    rows, reading = answer_rows(export, "how many ad groups per campaign spent more than $300?")
    assert rows == [("Spring Sale", 2)] and reading.spec.dimensions == ("ad_group", "campaign")


@pytest.mark.parametrize("question, expected", [
    ("How many campaigns do we have?", 3),  # the model's own count of campaigns
    ("How many ad groups do we have?", 6),  # no count metric of ad groups: the ad groups are counted
    ("how many keywords are there", len(totals("Keyword", "Clicks"))),
])
def test_group_count_without_threshold_counts_the_named_things(export, question, expected):
    rows, _ = answer_rows(export, question)
    assert rows == [(expected,)]


def test_group_count_cue_needs_the_thing_right_after_it(export):
    rows, reading = answer_rows(export, "how many conversions per campaign")
    assert reading.spec.count_of is None and "campaign_count" not in reading.spec.metrics
    assert dict(rows) == {k: v[0] for k, v in totals("Campaign name", "Post-click conversions").items()}


def test_compile_count_of_groups_on_a_joined_model(tiny_db):
    spec = QuerySpec(dimensions=("campaign",), thresholds=(Threshold("roas", ">", 4.5),), count_of="campaign")
    compiled = compile_spec(spec, MODEL)
    guard_sql(compiled.sql, policy_for_model(MODEL))  # the guard accepts the grouped subquery
    con = duckdb.connect(str(tiny_db), read_only=True)
    try:
        # Search Brand: 2250 / 250 = 9; Meta Prospecting 40 / 20 = 2; LinkedIn B2B 300 / 100 = 3.
        assert con.execute(compiled.sql).fetchall() == [(1,)]
    finally:
        con.close()
    assert [c.name for c in compiled.columns] == ["campaign_count"]


def test_compile_count_of_must_be_a_grouping():
    from query_engine.errors import SpecError

    with pytest.raises(SpecError):
        compile_spec(QuerySpec(dimensions=("channel",), count_of="campaign"), MODEL)


def test_codec_keeps_count_of():
    spec = QuerySpec(dimensions=("campaign",), thresholds=(Threshold("spend", ">", 10.0),), count_of="campaign")
    assert spec_from_dict(spec_to_dict(spec)) == spec

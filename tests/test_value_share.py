"""The share of one value ('what % of clicks came from mobile'), of one measure in another, and two measures
said with one head word ('post-view vs post-click conversions')."""
from __future__ import annotations

import duckdb
import pytest

from query_engine.semantics.model import load_semantic_model
from query_engine.spec.codec import spec_from_dict, spec_to_dict
from query_engine.spec.query import Filter, QuerySpec
from query_engine.sql.compiler import compile_spec
from query_engine.sql.guard import guard_sql, policy_for_model
from tests.conftest import TINY_DAILY
from tests.share_count_data import answer_rows, open_export, totals

MODEL = load_semantic_model()


@pytest.fixture(scope="module")
def export(tmp_path_factory):
    pipeline = open_export(tmp_path_factory.mktemp("value_share"))
    yield pipeline
    pipeline.close()


def _share(by: str, value: str, measure: str, month: int | None = None) -> float:
    sums = {k: v[0] for k, v in totals(by, measure, month=month).items()}
    return sums[value] / sum(sums.values())


@pytest.mark.parametrize("question, by, value, measure, month", [
    ("What percentage of our clicks came from mobile?", "Device", "mobile", "Clicks", None),
    ("what share of clicks came from mobile", "Device", "mobile", "Clicks", None),
    ("What % of clicks were on mobile?", "Device", "mobile", "Clicks", None),
    ("mobile share of clicks", "Device", "mobile", "Clicks", None),
    ("what proportion of our spend went to the spring sale campaign?", "Campaign name", "Spring Sale", "Spend", None),
    ("What share of spend came from partners in March?", "Network", "Partners", "Spend", 3),
])
def test_value_share_is_the_part_over_the_whole(export, question, by, value, measure, month):
    rows, reading = answer_rows(export, question)
    assert len(rows) == 1 and reading.spec.part and not reading.spec.filters
    part, whole, share = rows[0]
    assert share == pytest.approx(_share(by, value, measure, month)) and 0 < share < 1
    assert part / whole == pytest.approx(share)


def test_value_share_offers_the_breakdown_with_the_part_first(export):
    rows, reading = answer_rows(export, "What percentage of our clicks came from mobile?", rank=2)
    assert reading.spec.dimensions == ("device",) and rows[0][0] == "mobile"
    assert rows[0][2] == pytest.approx(_share("Device", "mobile", "Clicks"))
    assert sum(r[2] for r in rows) == pytest.approx(1.0)


def test_value_share_of_several_values_is_each_ones_share(export):
    rows, reading = answer_rows(export, "what share of spend came from mobile and desktop")
    assert reading.spec.dimensions == ("device",)
    assert {r[0]: r[2] for r in rows} == pytest.approx({v: _share("Device", v, "Spend") for v in ("mobile", "desktop")})


def test_value_share_per_period(export):
    rows, _ = answer_rows(export, "what share of clicks came from mobile each month")
    assert [r[-1] for r in rows] == pytest.approx([_share("Device", "mobile", "Clicks", m) for m in (3, 4)])


def test_share_by_a_grouping_is_still_each_rows_share(export):
    rows, reading = answer_rows(export, "share of spend by campaign")
    assert reading.spec.share and not reading.spec.part
    assert {r[0]: r[2] for r in rows} == pytest.approx(
        {c: _share("Campaign name", c, "Spend") for c in ("Brand Search", "Spring Sale", "Retargeting")})


@pytest.mark.parametrize("question", [
    "what share of sales came from other SKUs",
    "what percentage of total sales were other SKU sales",
    "What % of our sales came from other SKU sales?",
])
def test_measure_share_is_one_measure_over_another(export, question):
    rows, reading = answer_rows(export, question)
    other, total = (sum(v[k] for v in totals("Device", "Other SKU sales", "Total sales").values()) for k in (0, 1))
    assert reading.spec.whole == "revenue" and rows == [pytest.approx((other, total, other / total))]


@pytest.mark.parametrize("question, grouped", [
    ("post-view vs post-click conversions", False),
    ("post-click vs post-view conversions", False),
    ("post-view and post-click conversions by campaign", True),
])
def test_two_measures_with_one_head_word_are_one_reading(export, question, grouped):
    rows, reading = answer_rows(export, question)
    assert set(reading.spec.metrics) == {"conversions", "post_view_conversions"}
    if not grouped:
        assert sorted(rows[0]) == sorted(sum(v[k] for v in totals("Device", "Post-click conversions",
                                                                    "Post-view conversions").values()) for k in (0, 1))
    else:
        assert len(rows) == 3 and len(rows[0]) == 3


def _tiny(tiny_db, spec):
    compiled = compile_spec(spec, MODEL)
    guard_sql(compiled.sql, policy_for_model(MODEL))
    con = duckdb.connect(str(tiny_db), read_only=True)
    try:
        return compiled, con.execute(compiled.sql).fetchall()
    finally:
        con.close()


def test_compile_part_share_counts_the_part_inside_the_whole(tiny_db):
    mobile = sum(r[5] for r in TINY_DAILY if r[3] == "mobile")
    clicks = sum(r[5] for r in TINY_DAILY)
    compiled, rows = _tiny(tiny_db, QuerySpec(metrics=("clicks",), part=(Filter("device", ("mobile",)),)))
    assert rows == [(mobile, clicks, pytest.approx(mobile / clicks))]
    assert compiled.columns[0].label == "Clicks (mobile)" and compiled.columns[2].format == "percent"


def test_compile_part_share_per_group_and_part_first_in_a_breakdown(tiny_db):
    _, rows = _tiny(tiny_db, QuerySpec(metrics=("clicks",), dimensions=("channel",),
                                       part=(Filter("device", ("mobile",)),)))
    assert dict((r[0], r[3]) for r in rows) == pytest.approx({"Google Search": 100 / 500, "Meta": 1.0, "LinkedIn": 0.0})
    _, rows = _tiny(tiny_db, QuerySpec(metrics=("clicks",), dimensions=("device",), share=True,
                                       part=(Filter("device", ("tablet",)),)))
    assert rows[0][0] == "tablet" and rows[0][2] == pytest.approx(20 / 580)


def test_codec_keeps_part_and_whole():
    spec = QuerySpec(metrics=("clicks", "impressions"), part=(Filter("device", ("mobile", "tablet")),),
                     whole="impressions")
    assert spec_from_dict(spec_to_dict(spec)) == spec

"""Compiled SQL runs on a tiny hand-made database and gives hand-computed answers."""
from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from query_engine.errors import SpecError
from query_engine.semantics.model import load_semantic_model
from query_engine.spec.query import DateRange, Filter, OrderBy, QuerySpec, Threshold
from query_engine.sql.compiler import compile_spec

MODEL = load_semantic_model()
Y2024 = DateRange(dt.date(2024, 1, 1), dt.date(2024, 12, 31), "2024")


def run(tiny_db, spec):
    con = duckdb.connect(str(tiny_db), read_only=True)
    try:
        return con.execute(compile_spec(spec, MODEL).sql).fetchall()
    finally:
        con.close()


def test_compile_ratio_is_ratio_of_sums(tiny_db):
    rows = run(tiny_db, QuerySpec(metrics=("ctr",), dimensions=("channel",), order_by=(OrderBy("channel", False),)))
    # Google Search: clicks 100+100+300 over impressions 1000+2000+3000, not the mean of daily CTRs.
    assert dict(rows)["Google Search"] == pytest.approx(500 / 6000)
    assert dict(rows)["Meta"] == pytest.approx(50 / 10000)


def test_compile_cpm_multiplies_by_thousand(tiny_db):
    rows = run(tiny_db, QuerySpec(metrics=("cpm",), filters=(Filter("channel", ("LinkedIn",)),)))
    assert rows[0][0] == pytest.approx((40 + 60) / (500 + 400) * 1000)


def test_compile_date_window_and_filter(tiny_db):
    spec = QuerySpec(metrics=("spend",), filters=(Filter("channel", ("Google Search",)),), date_range=Y2024)
    assert run(tiny_db, spec) == [(100.0,)]


def test_compile_not_in_filter(tiny_db):
    spec = QuerySpec(metrics=("revenue",), filters=(Filter("channel", ("Google Search",), "not_in"),))
    assert run(tiny_db, spec)[0][0] == pytest.approx(40 + 200 + 100)


def test_compile_month_grain_orders_by_time(tiny_db):
    rows = run(tiny_db, QuerySpec(metrics=("spend",), dimensions=("month",)))
    assert [r[0] for r in rows] == sorted(r[0] for r in rows)
    assert rows[0] == (dt.date(2024, 1, 1), 100.0)


def test_compile_campaign_count_reads_campaigns_only(tiny_db):
    spec = QuerySpec(metrics=("campaign_count",), dimensions=("status",))
    sql = compile_spec(spec, MODEL).sql
    assert "campaign_daily" not in sql
    assert dict(run(tiny_db, spec)) == {"active": 1, "ended": 1, "paused": 1}


def test_compile_budget_over_a_window_means_campaigns_live_during_it(tiny_db):
    window = DateRange(dt.date(2024, 7, 1), dt.date(2024, 12, 31))
    # Meta Prospecting ended 2024-06-30, so only Search Brand (100) and LinkedIn B2B (80) were live in H2 2024.
    assert run(tiny_db, QuerySpec(metrics=("daily_budget",), date_range=window)) == [(180.0,)]


def test_compile_campaign_count_over_a_window_counts_those_that_delivered(tiny_db):
    window = DateRange(dt.date(2024, 1, 1), dt.date(2024, 2, 28))
    # January and February 2024 have rows for Search Brand and Meta Prospecting; LinkedIn B2B starts in March.
    assert run(tiny_db, QuerySpec(metrics=("campaign_count",), date_range=window)) == [(2,)]


def test_compile_listing_by_end_date(tiny_db):
    spec = QuerySpec(dimensions=("campaign",),
                     date_range=DateRange(dt.date(2024, 1, 1), dt.date(2024, 12, 31), field="end_date"))
    rows = run(tiny_db, spec)
    assert [r[0] for r in rows] == ["Meta Prospecting"]


def test_compile_top_n_and_order(tiny_db):
    spec = QuerySpec(metrics=("revenue",), dimensions=("campaign",), order_by=(OrderBy("revenue", True),), limit=2)
    assert [r[0] for r in run(tiny_db, spec)] == ["Search Brand", "LinkedIn B2B"]


def test_compile_threshold_becomes_having(tiny_db):
    spec = QuerySpec(metrics=("roas",), dimensions=("channel",), thresholds=(Threshold("roas", ">", 3.0),))
    rows = run(tiny_db, spec)
    assert [r[0] for r in rows] == ["Google Search"]  # 2250/250 = 9; LinkedIn 300/100 = 3 is not > 3


def test_compile_day_of_week_sorted_monday_first(tiny_db):
    rows = run(tiny_db, QuerySpec(metrics=("clicks",), dimensions=("day_of_week",)))
    order = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
    names = [r[0] for r in rows]
    assert names == sorted(names, key=order.index)


def test_compile_quotes_values_safely(tiny_db):
    spec = QuerySpec(metrics=("spend",), filters=(Filter("channel", ("x'); DROP TABLE campaigns; --",)),))
    assert run(tiny_db, spec) == [(None,)]
    assert run(tiny_db, QuerySpec(metrics=("campaign_count",))) == [(3,)]


def test_compile_budget_split_by_device_is_refused():
    with pytest.raises(SpecError, match="cannot be split"):
        compile_spec(QuerySpec(metrics=("daily_budget",), dimensions=("device",)), MODEL)


def test_compile_unknown_names_are_refused():
    with pytest.raises(SpecError):
        compile_spec(QuerySpec(metrics=("spend",), dimensions=("zodiac",)), MODEL)


def _with_formula(name, formula):
    import yaml

    from query_engine.semantics.model import (
        DEFAULT_MODEL_PATH,
        semantic_model_from_dict,
    )

    raw = yaml.safe_load(DEFAULT_MODEL_PATH.read_text(encoding="utf-8"))
    raw["metrics"][name] = {"label": name.title(), "formula": formula, "format": "currency", "direction": "higher"}
    return semantic_model_from_dict(raw)


def test_compile_calculated_metric_profit(tiny_db):
    model = _with_formula("profit", "revenue - spend")
    sql = compile_spec(QuerySpec(metrics=("profit",), dimensions=("channel",)), model).sql
    con = duckdb.connect(str(tiny_db), read_only=True)
    rows = dict(con.execute(sql).fetchall())
    con.close()
    assert rows["Google Search"] == pytest.approx(2250 - 250) and rows["Meta"] == pytest.approx(40 - 20)


def test_compile_calculated_metric_division_is_zero_safe(tiny_db):
    model = _with_formula("revenue_per_click", "revenue / clicks")
    sql = compile_spec(QuerySpec(metrics=("revenue_per_click",), dimensions=("channel",)), model).sql
    assert "NULLIF(SUM(d.clicks), 0)" in sql
    con = duckdb.connect(str(tiny_db), read_only=True)
    rows = dict(con.execute(sql).fetchall())
    con.close()
    assert rows["Google Search"] == pytest.approx(2250 / 500) and rows["Meta"] == pytest.approx(40 / 50)


@pytest.mark.parametrize("formula, message", [
    ("revenue - customers", "not a measure"), ("revenue; DROP TABLE campaigns", "only"),
    ("read_csv('/etc/passwd')", "only"), ("ctr * 2", "not a measure"),
])
def test_compile_bad_formulas_are_refused(formula, message):
    from query_engine.errors import SemanticModelError

    with pytest.raises(SemanticModelError, match=message):
        _with_formula("bad", formula)

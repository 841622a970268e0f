"""Model inference: roles and meanings from names and values; derived metrics; ambiguities; valid YAML."""
from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from query_engine.datasets.column_roles import measure_meaning, normalise_name
from query_engine.datasets.inference import infer_model, model_yaml
from query_engine.semantics.model import load_semantic_model


@pytest.mark.parametrize("header, meaning", [
    ("Spent", "spend"), ("cost", "spend"), ("amount_spent", "spend"), ("Amount spent (USD)", "spend"),
    ("Cost (EUR)", "spend"), ("displays", "impressions"), ("Impressions", "impressions"), ("Impr.", "impressions"),
    ("Total_Conversion", "conversions"), ("purchases", "conversions"), ("post_click_conversions", "conversions"),
    ("Results", "conversions"), ("Conversions", "conversions"), ("post_click_sales_amount", "revenue"),
    ("revenue", "revenue"), ("Purchase conversion value", "revenue"), ("Total conversion value", "revenue"),
    ("Conv. value", "revenue"), ("Link clicks", "clicks"), ("Clicks (all)", "clicks"), ("clicks", "clicks"),
    ("CTR (all)", "ctr"), ("CPC (cost per link click)", "cpc"), ("Cost per result", "cpa"),
    ("CPM (cost per 1,000 impressions)", "cpm"), ("Conv. rate", "conversion_rate"), ("Purchase ROAS", "roas"),
    ("Frequency", "frequency"), ("Reach", "reach"), ("Video plays", "video_views"), ("Budget", None),
])
def test_measure_meaning_from_header(header, meaning):
    assert measure_meaning(header) == meaning


def test_normalise_name_splits_camel_case_and_drops_currency():
    assert normalise_name("AmountSpent_(USD)") == "amount spent"


def _table(rows: list[tuple], columns: str) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute(f"CREATE TABLE export ({columns})")
    con.executemany(f"INSERT INTO export VALUES ({', '.join('?' * len(rows[0]))})", rows)
    return con


def _criteo_like() -> duckdb.DuckDBPyConnection:
    rows = [(dt.date(2025, 1, 1) + dt.timedelta(days=i % 20), 1_000_000 + i, f"Campaign {i % 4}", i % 12 + 1,
             100.0 + i, 1000 + i, 30 + i, 3, 2, 50.0 + i, 60.0 + i, 2.5) for i in range(80)]
    return _table(rows, "day DATE, campaign_id BIGINT, campaign VARCHAR, day_of_month BIGINT, Spent DOUBLE, "
                        "displays BIGINT, clicks BIGINT, Total_Conversion BIGINT, approved_conversions BIGINT, "
                        "revenue DOUBLE, post_click_sales_amount DOUBLE, frequency DOUBLE")


def test_infer_model_roles_and_meanings():
    raw = infer_model(_criteo_like(), "export")
    roles = {name: (c["role"], c.get("meaning", "")) for name, c in raw["columns"].items()}
    assert roles == {
        "day": ("time", "date"), "campaign_id": ("identifier", "campaign"), "campaign": ("dimension", "campaign"),
        "day_of_month": ("dimension", "day_of_month"), "Spent": ("measure", "spend"),
        "displays": ("measure", "impressions"), "clicks": ("measure", "clicks"),
        "Total_Conversion": ("measure", "conversions"), "approved_conversions": ("measure", "conversions"),
        "revenue": ("measure", "revenue"), "post_click_sales_amount": ("measure", "revenue"),
        "frequency": ("measure", "frequency")}
    metrics = raw["metrics"]
    assert {n: metrics[n]["column"] for n in ("spend", "impressions", "clicks", "conversions", "revenue")} == {
        "spend": "Spent", "impressions": "displays", "clicks": "clicks", "conversions": "Total_Conversion",
        "revenue": "revenue"}
    # frequency without reach: weighted by impressions, the plain mean the other reading
    assert (metrics["frequency"]["aggregation"], metrics["frequency"]["weight"]) == ("weighted_avg", "displays")
    assert metrics["frequency_mean"]["aggregation"] == "avg"
    assert "campaign_id" not in {m.get("column") for m in metrics.values()}
    assert raw["tables"]["export"]["time_column"] == "day"


def test_infer_model_records_ambiguities_as_distinct_metrics():
    raw = infer_model(_criteo_like(), "export")
    assert raw["ambiguities"] == [
        {"meaning": "conversions", "phrase": "conversions", "metrics": ["conversions", "approved_conversions"],
         "columns": ["Total_Conversion", "approved_conversions"]},
        {"meaning": "revenue", "phrase": "revenue", "metrics": ["revenue", "post_click_sales_amount"],
         "columns": ["revenue", "post_click_sales_amount"]},
        {"meaning": "frequency", "phrase": "frequency", "metrics": ["frequency", "frequency_mean"],
         "columns": ["frequency", "frequency"]}]
    assert "revenue" in raw["metrics"]["post_click_sales_amount"]["synonyms"]
    assert raw["metrics"]["revenue"]["alternatives"] == ["post_click_sales_amount"]


@pytest.mark.parametrize("columns, present, absent", [
    ({"clicks", "impressions"}, {"ctr"}, {"cpc", "cpm", "roas", "cpa", "conversion_rate"}),
    ({"spend", "clicks"}, {"cpc"}, {"ctr", "cpm", "roas"}),
    ({"spend", "impressions", "revenue"}, {"cpm", "roas"}, {"ctr", "cpc", "cpa"}),
    ({"spend", "conversions", "clicks"}, {"cpa", "cpc", "conversion_rate"}, {"ctr", "roas"}),
])
def test_infer_model_enables_derived_metrics_only_with_their_inputs(columns, present, absent):
    names = sorted(columns)
    con = _table([(dt.date(2025, 1, 1), "A", *range(1, len(names) + 1))],
                 "day DATE, campaign VARCHAR, " + ", ".join(f"{n} BIGINT" for n in names))
    metrics = infer_model(con, "export")["metrics"]
    assert present <= set(metrics)
    assert not absent & set(metrics)


def test_infer_model_time_parts_without_dates_are_dimensions():
    con = _table([("January", 5, 2025, "A", 10.0), ("March", 6, 2025, "B", 3.0)],
                 "month VARCHAR, day BIGINT, year BIGINT, channel VARCHAR, cost DOUBLE")
    con.execute("CREATE TYPE month_name AS ENUM ('January', 'February', 'March')")
    con.execute("CREATE TABLE export2 AS SELECT CAST(month AS month_name) AS month, * EXCLUDE (month) FROM export")
    raw = infer_model(con, "export2")
    assert {n: d["column"] for n, d in raw["dimensions"].items()} == {
        "month": "month", "day_of_month": "day", "year": "year", "channel": "channel"}
    assert raw["dimensions"]["month"]["time_part"] == "month"
    assert set(raw["metrics"]) == {"spend"}
    assert raw["time_grains"] == {} and "time_column" not in raw["tables"]["export2"]


def test_infer_model_identifier_becomes_entity_without_a_name_column():
    rows = [(1_000_000 + i, dt.date(2025, 1, 1), 5.0) for i in range(60)]
    raw = infer_model(_table(rows, "ad_id BIGINT, date DATE, spend DOUBLE"), "export")
    assert raw["dimensions"]["ad"]["column"] == "ad_id"
    assert raw["columns"]["ad_id"]["role"] == "dimension"
    assert raw["metrics"]["ad_count"]["aggregation"] == "count_distinct"


def test_infer_model_uses_reported_rate_only_without_inputs():
    con = _table([(dt.date(2025, 1, 1), "A", 0.02, 3.5)], "day DATE, campaign VARCHAR, ctr DOUBLE, cpc DOUBLE")
    metrics = infer_model(con, "export", kinds={"ctr": "percent", "cpc": "currency"})["metrics"]
    assert (metrics["ctr"]["aggregation"], metrics["ctr"]["format"]) == ("avg", "percent")
    assert (metrics["cpc"]["aggregation"], metrics["cpc"]["format"]) == ("avg", "currency")


def test_infer_model_drops_synonyms_that_name_other_columns():
    rows = [(dt.date(2025, 1, 1), "A", 1000, 800, 10)]
    raw = infer_model(_table(rows, "day DATE, campaign VARCHAR, impressions BIGINT, reach BIGINT, clicks BIGINT"),
                      "export")
    assert "reach" not in raw["metrics"]["impressions"]["synonyms"]
    assert raw["metrics"]["reach"]["aggregation"] == "sum"


def test_inferred_yaml_loads_and_validates(tmp_path):
    raw = infer_model(_criteo_like(), "export", title="Criteo export")
    path = tmp_path / "model.yaml"
    path.write_text(model_yaml(raw), encoding="utf-8")
    model = load_semantic_model(path)
    assert model.name == "Criteo export"
    assert model.default_metrics == ("spend", "conversions", "revenue", "roas", "cpa")
    demo = load_semantic_model()
    assert model.performance_metrics["higher"] == tuple(m for m in demo.performance_metrics["higher"]
                                                        if m in model.metrics)
    assert "roas" in model.performance_metrics["higher"]
    assert model.metric("roas").numerator == "revenue"
    assert model.columns_by_table()["export"] >= {"Spent", "displays", "day", "campaign"}

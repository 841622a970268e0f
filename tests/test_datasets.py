"""Dataset catalogue: uploads become datasets with models; questions over them get the right answers."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from query_engine.datasets.catalogue import DatasetCatalog
from query_engine.errors import IngestError, SemanticModelError
from query_engine.interpret.readings import build_context, interpret
from query_engine.semantics.profile import profile_database
from query_engine.sql.compiler import compile_spec
from query_engine.sql.executor import execute, open_connection
from query_engine.sql.guard import guard_sql, policy_for_model

CAMPAIGNS = ("Brand Search", "Prospecting", "Retargeting")


def _meta_rows() -> list[tuple]:
    """60 days x 3 campaigns with values whose sums are easy to state."""
    rows = []
    for d in range(60):
        day = dt.date(2025, 1, 1) + dt.timedelta(days=d)
        for i, name in enumerate(CAMPAIGNS, start=1):
            rows.append((name, day, 10.5 * i, 1000 * i, 20 * i, i, 40.0 * i * i))
    return rows


def _eu(value: float) -> str:
    return f"{value:,.2f}".replace(",", " ").replace(".", ",").replace(" ", ".")


def write_meta_export(path: Path) -> Path:
    """A Meta-style export: BOM, semicolons, CRLF, euro amounts, European decimals, a total row."""
    lines = ["Campaign name;Day;Amount spent (EUR);Impressions;Link clicks;Results;Purchase conversion value"]
    for name, day, spend, impressions, clicks, results, value in _meta_rows():
        lines.append(f"{name};{day.isoformat()};€{_eu(spend)};{impressions:,}".replace(",", ".") +
                     f";{clicks};{results};\"{_eu(value)} €\"")
    lines.append("Total;;;;;;")
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("utf-8-sig"))
    return path


def _ask(catalog: DatasetCatalog, name: str, question: str, reading: int = 0):
    dataset = catalog.get(name)
    model = catalog.load_model(name)
    con = open_connection(dataset.database)
    try:
        understanding = interpret(question, build_context(model, profile_database(con, model)))
        assert understanding.refusal is None, understanding.refusal
        spec = understanding.interpretations[reading].spec
        result = execute(con, guard_sql(compile_spec(spec, model).sql, policy_for_model(model)))
    finally:
        con.close()
    return spec, result


@pytest.fixture
def catalog(clarify_home) -> DatasetCatalog:
    return DatasetCatalog(clarify_home)


@pytest.fixture
def meta(catalog, tmp_path) -> str:
    added = catalog.add_file(write_meta_export(tmp_path / "Meta Ads export.csv"))
    return added.dataset.name


def test_catalog_lists_demo_then_uploads(catalog, meta):
    datasets = catalog.list()
    assert [(d.name, d.kind) for d in datasets] == [("demo", "demo"), ("meta_ads_export", "upload")]
    assert datasets[1].tables == ("meta_ads_export",) and datasets[1].rows == 180


def test_spend_by_campaign_over_an_uploaded_export(catalog, meta):
    spec, result = _ask(catalog, meta, "spend by campaign")
    assert spec.metrics == ("spend",) and spec.dimensions == ("campaign",)
    assert [(r[0], round(r[1], 2)) for r in result.rows] == [
        ("Retargeting", 1890.0), ("Prospecting", 1260.0), ("Brand Search", 630.0)]


def test_roas_by_campaign_last_month_over_an_uploaded_export(catalog, meta):
    spec, result = _ask(catalog, meta, "ROAS by campaign last month")
    assert spec.date_range is not None
    assert (spec.date_range.start, spec.date_range.end) == (dt.date(2025, 2, 1), dt.date(2025, 2, 28))
    roas = {r[0]: round(r[1], 4) for r in result.rows}
    assert roas == {"Retargeting": round(360 / 31.5, 4), "Prospecting": round(160 / 21, 4),
                    "Brand Search": round(40 / 10.5, 4)}


def test_ctr_by_day_over_an_uploaded_export(catalog, meta):
    spec, result = _ask(catalog, meta, "CTR by day")
    assert spec.dimensions == ("day",) and spec.metrics[0] == "ctr"
    assert len(result.rows) == 60
    assert result.rows[0][:2] == (dt.date(2025, 1, 1), pytest.approx(120 / 6000))


def test_how_many_campaigns_counts_distinct_names(catalog, meta):
    _, result = _ask(catalog, meta, "how many campaigns")
    assert result.rows == ((3,),)


def test_add_existing_name_needs_confirmation_and_keeps_data(catalog, meta, tmp_path):
    other = tmp_path / "meta_ads_export.csv"
    other.write_text("Campaign,Cost\nOnly one,5\n", encoding="utf-8")
    with pytest.raises(IngestError, match="already exists"):
        catalog.add_file(other, name="meta_ads_export")
    assert catalog.get(meta).rows == 180
    added = catalog.add_file(other, name="meta_ads_export", replace=True)
    assert added.replaced and catalog.get(meta).rows == 1


def test_failed_replacement_keeps_the_old_dataset(catalog, meta, tmp_path):
    broken = tmp_path / "broken.csv"
    broken.write_text("a,b\n1,2\n1,2,3\n", encoding="utf-8")
    with pytest.raises(IngestError, match="line 3"):
        catalog.add_file(broken, name=meta, replace=True)
    _, result = _ask(catalog, meta, "how many campaigns")
    assert result.rows == ((3,),)
    assert [p.name for p in catalog.root.iterdir()] == ["meta_ads_export"]


def test_remove_deletes_upload_but_never_demo(catalog, meta):
    catalog.remove(meta)
    assert catalog.names() == ("demo",)
    with pytest.raises(IngestError, match="cannot be removed"):
        catalog.remove("demo")


def test_save_model_validates_and_questions_use_the_edit(catalog, meta):
    raw = catalog.load_model_dict(meta)
    raw["metrics"]["spend"]["synonyms"].append("burn")
    catalog.save_model(meta, raw)
    spec, result = _ask(catalog, meta, "burn by campaign")
    assert spec.metrics == ("spend",) and round(result.rows[0][1], 2) == 1890.0
    raw["metrics"]["spend"]["column"] = "no_such_column"
    with pytest.raises(SemanticModelError, match="no_such_column"):
        catalog.save_model(meta, raw)
    assert catalog.load_model(meta).metric("spend").column == "Amount_spent_EUR"


def test_ambiguous_revenue_columns_are_both_offered(catalog, tmp_path):
    frame = pd.DataFrame({"day": [f"2025-01-{d:02d}" for d in range(1, 11)], "campaign": ["A", "B"] * 5,
                          "Spent": ["10"] * 10, "displays": ["100"] * 10, "revenue": ["30"] * 10,
                          "post_click_sales_amount": ["20"] * 10})
    frame.to_csv(tmp_path / "criteo.csv", index=False)
    added = catalog.add_file(tmp_path / "criteo.csv")
    model = catalog.load_model(added.dataset.name)
    assert {"revenue", "post_click_sales_amount"} <= set(model.metrics)
    assert "revenue" in model.metric("post_click_sales_amount").synonyms
    _, result = _ask(catalog, added.dataset.name, "post click sales amount by campaign")
    assert result.rows == (("A", 100.0), ("B", 100.0))


def test_excel_and_parquet_uploads_answer_questions(catalog, tmp_path):
    frame = pd.DataFrame({"Campaign": ["A", "B", "A"],
                          "Date": pd.to_datetime(["2025-03-01", "2025-03-01", "2025-03-02"]),
                          "Cost": [1.5, 2.0, 3.0], "Clicks": [3, 4, 5]})
    frame.to_excel(tmp_path / "google.xlsx", index=False, engine="openpyxl")
    duckdb.connect().execute(f"COPY (SELECT * FROM frame) TO '{tmp_path / 'tiktok.parquet'}' (FORMAT parquet)")
    for file in ("google.xlsx", "tiktok.parquet"):
        name = catalog.add_file(tmp_path / file).dataset.name
        spec, result = _ask(catalog, name, "cpc by campaign")
        assert spec.metrics[0] == "cpc"
        assert {r[0]: round(r[1], 4) for r in result.rows} == {"A": round(4.5 / 8, 4), "B": 0.5}


def test_datasets_save_refuses_a_text_column_as_a_measure(tmp_path):
    from query_engine.datasets.catalogue import DatasetCatalog

    path = tmp_path / "mini.csv"
    path.write_text("campaign,label,spend\nA,x1,10\nB,x2,20\n", encoding="utf-8")
    catalog = DatasetCatalog(tmp_path / "home")
    catalog.add_file(path)
    raw = catalog.load_model_dict("mini")
    raw["metrics"]["label_total"] = {"label": "Label total", "table": "mini", "aggregation": "sum", "column": "label",
                                     "format": "number", "direction": "higher"}
    with pytest.raises(SemanticModelError, match="not numbers"):
        catalog.save_model("mini", raw)
    assert "label_total" not in catalog.load_model("mini").metrics


def test_profile_leaves_values_too_long_for_a_question_out_of_the_vocabulary(tmp_path):
    from query_engine.semantics.model import semantic_model_from_dict
    from query_engine.semantics.profile import MAX_VALUE_CHARS, profile_database

    path = tmp_path / "long_values.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE t (campaign VARCHAR, spend DOUBLE)")
    con.execute("INSERT INTO t VALUES ('Brand', 1), (?, 2)", [("x" * (MAX_VALUE_CHARS + 1))])
    model = semantic_model_from_dict({"name": "t", "tables": {"t": {"description": "t"}},
                                      "dimensions": {"campaign": {"table": "t", "column": "campaign"}},
                                      "metrics": {"spend": {"table": "t", "column": "spend", "aggregation": "sum"}}})
    profile = profile_database(con, model)
    con.close()
    assert profile.values["campaign"] == ("Brand",)

"""Column-role rules on small uploads: ids and codes grouped, rates never summed, each dataset its own words."""
from __future__ import annotations

import argparse
import csv
import datetime as dt
from pathlib import Path

import duckdb
import pytest

from query_engine import cli
from query_engine.datasets.column_lexicon import header_synonyms, measure_meaning
from query_engine.datasets.inference import infer_model


def _csv(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _ask(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, data: Path, question: str):
    monkeypatch.setenv("CLARIFY_HOME", str(tmp_path / "home"))
    settings = cli._settings({"CLARIFY_HOME": str(tmp_path / "home"), "LITELLM_OFFLINE_MODE": "true"})
    pipeline, _ = cli._open(settings, argparse.Namespace(url=None, data=data, dataset=None, replace=False, db=None))
    try:
        top = pipeline.understand(question, None).interpretations
        answer = pipeline.answer(top[0])
        assert answer.error is None, answer.error
        assert answer.result is not None
        return pipeline.model, top, answer.result.rows
    finally:
        pipeline.close()


def _days(n: int) -> list[str]:
    return [(dt.date(2025, 3, 1) + dt.timedelta(days=i)).isoformat() for i in range(n)]


@pytest.fixture
def ctr_export(tmp_path: Path) -> Path:
    rows = []
    for i, day in enumerate(_days(10)):
        for campaign, imps, clicks in (("Alpha", 1000 + 10 * i, 10 + i), ("Beta", 50 + i, 5)):
            rows.append([day, campaign, 626744129087 if campaign == "Alpha" else 626744129099, imps, clicks,
                         round(100 * clicks / imps, 2), 12.5])
    return _csv(tmp_path / "ads.csv", ["Day", "Campaign name", "Campaign ID", "Impressions", "Clicks", "CTR",
                                       "Engagement"], rows)


def test_stored_ctr_beside_its_inputs_answers_the_ratio_of_sums(tmp_path, monkeypatch, ctr_export):
    model, _, rows = _ask(tmp_path, monkeypatch, ctr_export, "CTR by campaign")
    assert model.metric("ctr").is_ratio
    got = {r[0]: r[1] for r in rows}
    imps = {"Alpha": sum(1000 + 10 * i for i in range(10)), "Beta": sum(50 + i for i in range(10))}
    clicks = {"Alpha": sum(10 + i for i in range(10)), "Beta": 50}
    for name in imps:
        assert got[name] == pytest.approx(clicks[name] / imps[name])


@pytest.mark.parametrize("question", ["clicks for campaign 626744129087", "clicks by campaign id"])
def test_numeric_campaign_id_is_grouped_and_filtered(tmp_path, monkeypatch, ctr_export, question):
    model, _, rows = _ask(tmp_path, monkeypatch, ctr_export, question)
    assert model.dimension("campaign_id").column == "Campaign_ID"
    alpha = sum(10 + i for i in range(10))
    assert alpha in [r[-1] for r in rows]
    assert all(r[-1] != alpha + 50 for r in rows)  # never the two campaigns added up


@pytest.mark.parametrize("question", ["engagement by campaign", "total engagement"])
def test_an_uploads_own_engagement_column_beats_borrowed_words(tmp_path, monkeypatch, ctr_export, question):
    _, top, rows = _ask(tmp_path, monkeypatch, ctr_export, question)
    assert top[0].spec.metrics[0] == "engagements"
    assert sum(r[-1] for r in rows) == pytest.approx(12.5 * 20)


@pytest.mark.parametrize("header", ["Interest ID", "interest", "Tranche d'âge", "age_band"])
def test_low_cardinality_codes_are_grouped_never_summed(tmp_path, monkeypatch, header):
    rows = [[day, 2 + 7 * (i % 5), 100 + i] for i, day in enumerate(_days(40))]
    data = _csv(tmp_path / "codes.csv", ["Date", header, "Impressions"], rows)
    model, _, result = _ask(tmp_path, monkeypatch, data, "impressions by " + header_synonyms(header)[-1])
    assert "impressions" in model.metrics and not any(m.column == header for m in model.metrics.values())
    assert len(result) == 5 and sum(r[-1] for r in result) == sum(100 + i for i in range(40))


def test_rate_without_inputs_is_the_weighted_mean_with_the_plain_mean_second(tmp_path, monkeypatch):
    rows = [[day, "Site A" if i % 2 else "Site B", 1000 if i % 2 else 10, 80.0 if i % 2 else 20.0]
            for i, day in enumerate(_days(20))]
    data = _csv(tmp_path / "dv.csv", ["Date", "Site_Name", "Impressions", "Viewability %"], rows)
    model, top, result = _ask(tmp_path, monkeypatch, data, "viewability")
    assert top[0].spec.metrics == ("viewability",)
    assert model.metric("viewability").weight == "Impressions"
    assert result[0][-1] == pytest.approx((80 * 10000 + 20 * 100) / 10100 / 100)  # percent read as a fraction
    assert any(i.spec.metrics == ("viewability_mean",) for i in top[1:])


def test_site_name_is_asked_for_as_site(tmp_path, monkeypatch):
    rows = [[day, "Site A" if i % 2 else "Site B", 10 + i] for i, day in enumerate(_days(6))]
    data = _csv(tmp_path / "sites.csv", ["Date", "Site_Name", "Impressions"], rows)
    _, top, _ = _ask(tmp_path, monkeypatch, data, "impressions by site")
    assert top[0].spec.dimensions == ("site",)


@pytest.mark.parametrize("header, meaning, money", [
    ("7 Day Total Sales", "revenue", True), ("Net sales", "revenue", True), ("Orders", "conversions", False),
    ("Cost / conv.", "cpa", True), ("Conv. value / cost", "roas", True), ("Revenue (Adv Currency)", "spend", True),
    ("Post-click conversions", "conversions", False), ("Reach", "reach", False), ("Leads", "leads", False),
    ("Key events", "key_events", False), ("Checkouts", "checkouts", False), ("eCPSwipe", "cost_per_swipe_up", True),
    ("Active View: % Viewable Impressions", "viewability", True), ("Search impr. share", "impression_share", True),
    ("Quality Score", "quality_score", False), ("Average engagement time per session", "engagement_time", True),
])
def test_measure_meanings_from_real_headers(header, meaning, money):
    assert measure_meaning(header, money) == meaning


def test_header_synonyms_drop_qualifiers_and_keep_the_bracketed_name():
    words = header_synonyms("Session primary channel group (Default Channel Group)")
    assert {"channel group", "default channel group"} <= set(words)


def _table(columns: str, rows: list[tuple]) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute(f"CREATE TABLE export ({columns})")
    con.executemany(f"INSERT INTO export VALUES ({', '.join('?' * len(rows[0]))})", rows)
    return con


def test_personal_columns_are_recorded_and_audience_columns_are_dimensions():
    rows = [(dt.date(2025, 1, 1), f"u{i}@x.com", "25-34", "female", "Engineering", 10) for i in range(30)]
    raw = infer_model(_table("day DATE, email VARCHAR, age VARCHAR, gender VARCHAR, job_function VARCHAR, "
                             "impressions BIGINT", rows), "export")
    assert raw["personal_columns"] == ["email"]
    assert "email" in raw["personal_words"] and "age" not in raw["personal_words"]
    assert {"age", "gender", "job_function"} <= set(raw["dimensions"])
    assert "email" not in {d["column"] for d in raw["dimensions"].values()}


def test_several_dates_pick_the_reporting_day_and_keep_the_other_as_a_reading():
    rows = [(dt.date(2025, 1, 1), dt.date(2025, 1, 1 + i), "A", 10) for i in range(5)]
    raw = infer_model(_table("campaign_start_date DATE, day DATE, campaign VARCHAR, impressions BIGINT", rows),
                      "export")
    assert raw["tables"]["export"]["time_column"] == "day"
    assert raw["columns"]["campaign_start_date"]["doubt"] == "a second date column"
    assert "campaign_start_date" in raw["date_fields"]


def test_several_revenue_columns_pick_one_and_record_the_others():
    rows = [(dt.date(2025, 1, 1), 5.0, 3.0, 1.0)]
    raw = infer_model(_table("day DATE, web_order_value DOUBLE, total_order_value DOUBLE, spend DOUBLE", rows),
                      "export")
    assert raw["metrics"]["revenue"]["column"] == "total_order_value"
    assert raw["metrics"]["revenue"]["alternatives"] == ["web_order_value"]


def test_doubts_are_listed_for_review_and_cleared_when_confirmed():
    from query_engine.datasets.model_edits import confirm_columns, doubtful_columns

    rows = [(dt.date(2025, 1, 1 + i % 5), 100 + i % 3, "A", 10, 0.5) for i in range(30)]
    raw = infer_model(_table("day DATE, campaign_id BIGINT, site VARCHAR, impressions BIGINT, quality_score DOUBLE",
                             rows), "export")
    assert doubtful_columns(raw) == ["campaign_id", "quality_score"]
    assert doubtful_columns(confirm_columns(raw, ["campaign_id"])) == ["quality_score"]

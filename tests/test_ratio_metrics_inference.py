"""Rates an upload's model builds from its own measures: which columns a stored rate divides (read from its rows),
rates whose inputs depend on the file (declared in the column lexicon in order of preference), one-minus rates,
key events standing for conversions, and the phrases a header can be asked by."""
from __future__ import annotations

import argparse
import csv
import datetime as dt
from pathlib import Path

import duckdb
import pytest

from query_engine import cli
from query_engine.datasets.column_lexicon import header_synonyms
from query_engine.datasets.inference import infer_model
from query_engine.datasets.model_edits import apply_column_roles
from query_engine.datasets.rate_inputs import input_fits
from query_engine.semantics.model import semantic_model_from_dict

CAMPAIGNS = ("Alpha", "Beta")


def _csv(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _day(i: int) -> str:
    return (dt.date(2025, 3, 1) + dt.timedelta(days=i)).isoformat()


def _ask(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, data: Path, question: str):
    """The model, the readings and the first reading's rows as {first column: last column}."""
    monkeypatch.setenv("CLARIFY_HOME", str(tmp_path / "home"))
    settings = cli._settings({"CLARIFY_HOME": str(tmp_path / "home"), "LITELLM_OFFLINE_MODE": "true"})
    pipeline, _ = cli._open(settings, argparse.Namespace(url=None, data=data, dataset=None, replace=False, db=None))
    try:
        readings = pipeline.understand(question, None).interpretations
        answer = pipeline.answer(readings[0])
        assert answer.error is None, answer.error
        assert answer.result is not None
        columns = [c.name for c in answer.columns]
        return pipeline.model, readings, {r[0]: dict(zip(columns, r, strict=True)) for r in answer.result.rows}
    finally:
        pipeline.close()


def _ratio(rows: list[dict[str, float]], top: str, bottom: str, key: str = "campaign") -> dict[str, float]:
    sums: dict[str, list[float]] = {}
    for row in rows:
        pair = sums.setdefault(str(row[key]), [0.0, 0.0])
        pair[0] += row[top]
        pair[1] += row[bottom]
    return {k: a / b for k, (a, b) in sums.items()}


# ------------------------------------------------------------------ a stored rate's inputs, read from its rows
def _clicks_rows() -> list[dict[str, float]]:
    rows = []
    for i in range(12):
        for j, campaign in enumerate(CAMPAIGNS):
            spend, link, outbound = 20.0 + 7 * i + 30 * j, 40 + 3 * i + 25 * j * (i % 3), 11 + i + 9 * j
            rows.append({"day": i, "campaign": campaign, "spend": spend, "link": link, "outbound": outbound,
                         "conversions": 1 + (i * (j + 2)) % 5})
    return rows


@pytest.fixture
def clicks_export(tmp_path: Path) -> Path:
    rows = [[_day(r["day"]), r["campaign"], r["spend"], 1000 + 50 * r["day"], r["link"], r["outbound"],
             round(r["spend"] / r["outbound"], 2), round(r["spend"] / r["link"], 2), r["conversions"],
             round(r["spend"] / r["conversions"], 2)] for r in _clicks_rows()]
    return _csv(tmp_path / "pins.csv", ["Date", "Campaign name", "Spend in account currency", "Impressions",
                                        "Link clicks", "Outbound clicks", "eCPC in account currency", "CPC",
                                        "Conversions", "Cost / conv."], rows)


def test_a_stored_rate_over_a_second_column_gets_its_own_ratio(tmp_path, monkeypatch, clicks_export):
    model, readings, rows = _ask(tmp_path, monkeypatch, clicks_export, "ecpc by campaign")
    ecpc = model.metric(readings[0].spec.metrics[0])
    assert (ecpc.label, ecpc.numerator, ecpc.denominator) == ("eCPC", "spend", "outbound_clicks")
    for campaign, expected in _ratio(_clicks_rows(), "spend", "outbound").items():
        assert rows[campaign][ecpc.name] == pytest.approx(expected)


def test_a_stored_rate_over_the_preferred_columns_stays_the_lexicon_rate(tmp_path, monkeypatch, clicks_export):
    model, readings, rows = _ask(tmp_path, monkeypatch, clicks_export, "cpc by campaign")
    assert readings[0].spec.metrics[0] == "cpc"
    assert (model.metric("cpc").numerator, model.metric("cpc").denominator) == ("spend", "clicks")
    for campaign, expected in _ratio(_clicks_rows(), "spend", "link").items():
        assert rows[campaign]["cpc"] == pytest.approx(expected)


@pytest.mark.parametrize("question", ["cost / conv by campaign", "cost/conv by campaign", "cost per conv by campaign",
                                      "Cost / conv. for each campaign"])
def test_a_stored_rate_header_asks_for_the_ratio_of_sums(tmp_path, monkeypatch, clicks_export, question):
    _, readings, rows = _ask(tmp_path, monkeypatch, clicks_export, question)
    assert readings[0].spec.metrics[0] == "cpa"
    for campaign, expected in _ratio(_clicks_rows(), "spend", "conversions").items():
        assert rows[campaign]["cpa"] == pytest.approx(expected)  # never the mean of the stored column


# ------------------------------------------------------------------ bracketed qualifiers: checkout value and ROAS
def _checkout_rows() -> list[dict[str, float]]:
    return [{"day": i, "campaign": c, "spend": 30.0 + 5 * i + 40 * j, "value": 90.0 + 17 * i * (j + 1),
             "checkouts": 1 + (i + j) % 4} for i in range(10) for j, c in enumerate(CAMPAIGNS)]


@pytest.fixture
def checkout_export(tmp_path: Path) -> Path:
    rows = [[_day(r["day"]), r["campaign"], r["spend"], r["checkouts"], r["value"], round(r["value"] / r["spend"], 2)]
            for r in _checkout_rows()]
    return _csv(tmp_path / "checkout.csv", ["Date", "Campaign name", "Spend in account currency", "Checkouts",
                                            "Total order value (Checkout)", "Checkout ROAS"], rows)


@pytest.mark.parametrize("question", ["checkout roas by campaign", "checkout ROAS per campaign", "roas by campaign"])
def test_checkout_roas_is_value_over_spend_summed(tmp_path, monkeypatch, checkout_export, question):
    _, readings, rows = _ask(tmp_path, monkeypatch, checkout_export, question)
    assert readings[0].spec.metrics[0] == "roas"
    for campaign, expected in _ratio(_checkout_rows(), "value", "spend").items():
        assert rows[campaign]["roas"] == pytest.approx(expected)


def test_a_bracketed_qualifier_asks_for_its_column(tmp_path, monkeypatch, checkout_export):
    _, readings, rows = _ask(tmp_path, monkeypatch, checkout_export, "amount spent and checkout value by campaign")
    assert readings[0].spec.metrics[:2] == ("spend", "revenue")
    assert rows["Alpha"]["revenue"] == pytest.approx(sum(r["value"] for r in _checkout_rows()
                                                         if r["campaign"] == "Alpha"))


@pytest.mark.parametrize("question", ["AOV by campaign", "average order value by campaign"])
def test_aov_divides_by_checkouts_when_the_file_has_no_conversions(tmp_path, monkeypatch, checkout_export, question):
    model, _, rows = _ask(tmp_path, monkeypatch, checkout_export, question)
    assert model.metric("aov").denominator == "checkouts"
    for campaign, expected in _ratio(_checkout_rows(), "value", "checkouts").items():
        assert rows[campaign]["aov"] == pytest.approx(expected)


# ------------------------------------------------------------------ rates whose inputs depend on the file
def _traffic(tmp_path: Path, name: str, header: list[str], make) -> Path:
    rows = [[_day(i), channel, *make(i, j)] for i in range(8) for j, channel in enumerate(("Email", "Search"))]
    return _csv(tmp_path / name, ["Date", "Channel", *header], rows)


def _sums(path: Path, key: str, top: str, bottom: str) -> dict[str, float]:
    with path.open(encoding="utf-8") as handle:
        rows = [{k: (v if k == key else float(v)) for k, v in r.items() if k != "Date"} for r in csv.DictReader(handle)]
    return _ratio(rows, top, bottom, key)  # type: ignore[arg-type]


@pytest.mark.parametrize("header, top, bottom", [
    (["Sessions", "Key events", "Total revenue"], "Key events", "Sessions"),  # an analytics export
    (["Sessions", "Orders", "Net sales"], "Orders", "Sessions"),  # a shop's sales sheet
    (["Clicks", "Sessions", "Conversions"], "Conversions", "Clicks"),  # clicks come first where both are there
])
def test_conversion_rate_takes_the_first_input_pair_the_file_has(tmp_path, monkeypatch, header, top, bottom):
    data = _traffic(tmp_path, "traffic.csv", header,
                    lambda i, j: [500 + 40 * i + 300 * j, 10 + i * (j + 1) + j, round(200.5 + 33 * i * (j + 2), 2)])
    _, readings, rows = _ask(tmp_path, monkeypatch, data, "conversion rate by channel")
    assert readings[0].spec.metrics[0] == "conversion_rate"
    for channel, expected in _sums(data, "Channel", top, bottom).items():
        assert rows[channel]["conversion_rate"] == pytest.approx(expected)


@pytest.mark.parametrize("question", ["conversions by channel", "total conversions for each channel"])
def test_key_events_stand_for_conversions_where_no_column_has_them(tmp_path, monkeypatch, question):
    data = _traffic(tmp_path, "ga.csv", ["Sessions", "Key events"], lambda i, j: [100 + i, 2 + i * j])
    _, readings, rows = _ask(tmp_path, monkeypatch, data, question)
    assert readings[0].spec.metrics[0] == "key_events"
    assert rows["Search"]["key_events"] == sum(2 + i for i in range(8))


def test_key_events_keep_their_own_name_beside_a_conversions_column(tmp_path):
    con = duckdb.connect()
    con.execute("CREATE TABLE t AS SELECT DATE '2025-01-01' + CAST(i AS INTEGER) AS day, i % 3 AS sessions, "
                "i AS key_events, i % 2 AS conversions FROM range(30) r(i)")
    raw = infer_model(con, "t")
    assert "conversions" not in raw["metrics"]["key_events"]["synonyms"]


@pytest.mark.parametrize("question", ["bounce rate by channel", "bounce rate for each channel", "bounces by channel"])
def test_bounce_rate_is_one_minus_engaged_sessions_over_sessions(tmp_path, monkeypatch, question):
    data = _traffic(tmp_path, "ga.csv", ["Sessions", "Engaged sessions"], lambda i, j: [200 + 30 * i * j, 90 + i])
    _, readings, rows = _ask(tmp_path, monkeypatch, data, question)
    assert readings[0].spec.metrics[0] == "bounce_rate"
    for channel, engaged in _sums(data, "Channel", "Engaged sessions", "Sessions").items():
        assert rows[channel]["bounce_rate"] == pytest.approx(1 - engaged)


def test_bounce_rate_from_a_stored_engagement_rate_is_one_minus_its_weighted_mean(tmp_path, monkeypatch):
    data = _traffic(tmp_path, "ga.csv", ["Sessions", "Engagement rate"],
                    lambda i, j: [100 + 50 * i * j, round(0.4 + 0.05 * i - 0.1 * j, 4)])
    _, _, rows = _ask(tmp_path, monkeypatch, data, "bounce rate by channel")
    sessions = [100 + 50 * i for i in range(8)]
    rates = [0.4 + 0.05 * i - 0.1 for i in range(8)]
    weighted = sum(s * r for s, r in zip(sessions, rates, strict=True)) / sum(sessions)
    assert rows["Search"]["bounce_rate"] == pytest.approx(1 - weighted, abs=1e-6)


def test_removing_an_input_of_bounce_rate_drops_it_and_keeps_the_model_valid():
    con = duckdb.connect()
    con.execute("CREATE TABLE t AS SELECT DATE '2025-01-01' + CAST(i AS INTEGER) AS day, 100 + i AS sessions, "
                "40 + i AS engaged_sessions FROM range(20) r(i)")
    raw = infer_model(con, "t")
    assert raw["metrics"]["bounce_rate"]["formula"] == "1 - engaged_sessions / sessions"
    edited = apply_column_roles(raw, {"engaged_sessions": ("ignored", "")})
    assert "bounce_rate" not in edited["metrics"]
    semantic_model_from_dict(edited)


# ------------------------------------------------------------------ header phrases and the row check
@pytest.mark.parametrize("header, phrase", [
    ("Total order value (Checkout)", "checkout value"), ("ROAS (Checkout)", "checkout roas"),
    ("Clicks (destination)", "destination clicks"), ("Cost / conv.", "cost / conv"),
    ("Chiffre d'affaires (€)", "ca"), ("Session source / medium", "session source / medium"),
])
def test_header_phrases_include_qualifier_first_slashes_and_short_forms(header, phrase):
    assert phrase in header_synonyms(header)


def test_short_forms_only_join_headers_that_hold_their_words():
    assert "ca" not in header_synonyms("Revenue")
    assert "ca" not in header_synonyms("Country")


def test_input_fits_tells_which_pair_a_stored_rate_divides():
    con = duckdb.connect()
    con.execute("CREATE TABLE t AS SELECT 10.0 + i AS spend, 20 + i AS clicks, 7 + i % 4 AS outbound, "
                "round((10.0 + i) / (7 + i % 4), 2) AS ecpc, round(100 * (7 + i % 4) / (1000.0 + i), 2) AS ctr_points, "
                "round((10.0 + i) / (1000.0 + i) * 1000, 2) AS cpm, 1000 + i AS impressions FROM range(40) r(i)")
    assert input_fits(con, "t", "ecpc", [("spend", "clicks"), ("spend", "outbound")]) == [0.0, 1.0]
    assert input_fits(con, "t", "ctr_points", [("outbound", "impressions")]) == [1.0]  # percent points
    assert input_fits(con, "t", "cpm", [("spend", "impressions")], 1000) == [1.0]
    assert input_fits(con, "t", "ecpc", []) == []


def test_input_fits_says_nothing_from_too_few_rows():
    con = duckdb.connect()
    con.execute("CREATE TABLE t AS SELECT 2.0 AS a, 1 AS b, 2.0 AS r FROM range(3)")
    assert input_fits(con, "t", "r", [("a", "b")]) == [0.0]

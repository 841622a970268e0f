"""AppTests of bringing your own data: upload on the Data page, the dataset selector, model review and edits."""
from __future__ import annotations

import datetime as dt

import pytest
from streamlit.testing.v1 import AppTest

from query_engine.datasets.catalogue import DatasetCatalog
from query_engine.datasets.model_edits import (
    apply_column_roles,
    apply_item_edit,
    parse_synonyms,
)
from query_engine.errors import SemanticModelError
from query_engine.semantics.model import semantic_model_from_dict
from tests.app_driving import ask
from ui.dataset_picker import example_questions

CAMPAIGNS = ("Brand Search", "Prospecting", "Retargeting")
DATASET = "meta_ads_export"


def _eu(value: float) -> str:
    """1234.5 -> '1.234,50' (European thousands and decimals)."""
    return f"{value:,.2f}".replace(",", " ").replace(".", ",").replace(" ", ".")


def meta_rows(days: int = 60) -> list[tuple]:
    """(campaign, day, spend, impressions, clicks, results, value) with sums that are easy to state."""
    start = dt.date(2025, 1, 1)
    return [(name, start + dt.timedelta(days=d), 10.5 * i + d % 3, 1000 * i, 20 * i, i, 40.0 * i * i)
            for d in range(days) for i, name in enumerate(CAMPAIGNS, start=1)]


def meta_export(rows: list[tuple]) -> bytes:
    """A Meta-style export: BOM, semicolons, CRLF, '€1.234,50' amounts, European decimals and a total row."""
    lines = ["Campaign name;Day;Amount spent (EUR);Impressions;Link clicks;Results;Purchase conversion value"]
    for name, day, spend, impressions, clicks, results, value in rows:
        lines.append(f"{name};{day:%Y-%m-%d};€{_eu(spend)};{_eu(impressions)[:-3]};{clicks};{results};"
                     f"\"{_eu(value)} €\"")
    lines.append("Total;;;;;;")
    return ("\r\n".join(lines) + "\r\n").encode("utf-8-sig")


def spend_by_campaign(rows: list[tuple]) -> dict[str, float]:
    totals: dict[str, float] = {}
    for name, _, spend, *_ in rows:
        totals[name] = totals.get(name, 0.0) + spend
    return totals


@pytest.fixture
def catalog(clarify_home, demo_db) -> DatasetCatalog:
    return DatasetCatalog(clarify_home, demo_db)


@pytest.fixture
def added(catalog, tmp_path) -> str:
    """The Meta export already added as a dataset (as an earlier upload would have)."""
    path = tmp_path / "Meta Ads export.csv"
    path.write_bytes(meta_export(meta_rows()))
    return catalog.add_file(path).dataset.name


def upload(at: AppTest, name: str, data: bytes) -> AppTest:
    at = at.switch_page("pages/data.py").run()
    assert not at.exception
    uploader = next(u for u in at.file_uploader if u.key.startswith("data.upload."))
    return uploader.set_value((name, data, "text/csv")).run()


def answer_rows(at: AppTest) -> dict[str, float]:
    frames = [d.value for d in at.dataframe]
    assert len(frames) == 1, [list(f.columns) for f in frames]
    return {row[0]: round(row[1], 2) for row in frames[0].itertuples(index=False)}


def texts(elements) -> str:
    return " ".join(e.value for e in elements)


def test_upload_shows_the_load_report_and_selects_the_dataset(app, catalog):
    at = upload(app, "Meta Ads export.csv", meta_export(meta_rows()))
    assert not at.exception
    assert f"Added dataset **{DATASET}** from Meta Ads export.csv" in texts(at.success)
    assert {m.label: m.value for m in at.metric}["Rows loaded"] == "180"
    report = next(d.value for d in at.dataframe if "Header in the file" in d.value.columns)
    columns = dict(zip(report["Header in the file"], report["Column in the table"], strict=False))
    assert columns["Amount spent (EUR)"] == "Amount_spent_EUR"
    assert dict(zip(report["Header in the file"], report["Type"], strict=False))["Amount spent (EUR)"] == "DOUBLE"
    captions = texts(at.caption)
    assert "Renamed “Link clicks” to `Link_clicks`" in captions
    assert "Dropped row: line 182: 'Total'" in captions
    assert "Note: columns separated by semicolons" in captions
    assert catalog.get(DATASET).rows == 180
    assert at.selectbox(key="data.dataset").value == DATASET
    roles = next(d.value for d in at.dataframe if "Role" in d.value.columns)
    assert dict(zip(roles["Column"], roles["Role"], strict=False))["Day"] == "time"
    assert dict(zip(roles["Column"], roles["Meaning"], strict=False))["Purchase_conversion_value"] == "revenue"


def test_uploaded_dataset_answers_spend_by_campaign_on_the_ask_page(app):
    rows = meta_rows()
    at = upload(app, "Meta Ads export.csv", meta_export(rows))
    at = at.switch_page("pages/ask.py").run()
    assert not at.exception
    assert at.selectbox(key="ask.dataset").value == DATASET
    scope = texts(at.caption)
    assert f"(dataset `{DATASET}`)" in scope and f"{DATASET} 180 rows" in scope
    assert "2025-01-01 to 2025-03-01" in scope
    assert [b.label for b in at.button if b.key.startswith("ask.example.")][0] == "Spend by campaign"
    at = ask(at, "spend by campaign")
    assert not at.exception
    assert answer_rows(at) == {k: round(v, 2) for k, v in spend_by_campaign(rows).items()}


def test_switching_dataset_clears_the_question_and_demo_stays_default(app, added):
    assert app.selectbox(key="ask.dataset").value == "demo"
    at = ask(app, "spend by channel")
    assert not at.exception and at.dataframe
    at = at.selectbox(key="ask.dataset").set_value(added).run()
    assert not at.exception
    assert at.text_input(key="ask.question").value == ""
    assert not at.dataframe and not [b for b in at.button if b.key.startswith("ask.pick.")]
    at = at.selectbox(key="ask.dataset").set_value("demo").run()
    assert not at.exception
    assert "Campaign performance" in texts(at.caption)


def test_edited_synonym_answers_a_question_at_once(app, added):
    rows = meta_rows()
    at = app.switch_page("pages/data.py").run()
    at = at.selectbox(key="data.dataset").set_value(added).run()
    assert not at.exception
    assert at.selectbox(key=f"data.model.{added}.metric").value == "spend"
    box = at.text_area(key=f"data.model.{added}.metric.spend.synonyms")
    box.input(box.value + "\nburn")
    at = at.button(key=f"data.model.{added}.metric.spend.save").click().run()
    assert not at.exception
    assert "Saved the metric 'spend'" in texts(at.success)
    at = ask(at.switch_page("pages/ask.py").run(), "burn by campaign")
    assert not at.exception
    assert answer_rows(at) == {k: round(v, 2) for k, v in spend_by_campaign(rows).items()}


def test_invalid_model_edit_shows_an_error_and_saves_nothing(app, added, catalog):
    before = catalog.get(added).model_path.read_text(encoding="utf-8")
    at = app.switch_page("pages/data.py").run()
    at = at.selectbox(key="data.dataset").set_value(added).run()
    at.text_input(key=f"data.model.{added}.metric.spend.label").input("  ")
    at = at.button(key=f"data.model.{added}.metric.spend.save").click().run()
    assert not at.exception
    assert "The metric 'spend' needs a label." in texts(at.error)
    assert catalog.get(added).model_path.read_text(encoding="utf-8") == before


def test_malformed_file_names_the_row_and_adds_nothing(app, catalog):
    at = upload(app, "broken.csv", b"Campaign,Cost\nA,1\nB,2,3\n")
    assert not at.exception
    assert "broken.csv has 3 values on line 3 but 2 columns in the header." in texts(at.error)
    assert catalog.names() == ("demo",)
    assert [o for o in at.selectbox(key="data.dataset").options] == ["Campaign performance (demo)"]


def test_reupload_needs_confirmation_before_replacing(app, added, catalog):
    smaller = meta_rows(days=2)
    at = upload(app, "Meta Ads export.csv", meta_export(smaller))
    assert not at.exception
    assert f"A dataset called '{added}' already exists" in texts(at.warning)
    assert catalog.get(added).rows == 180  # nothing replaced yet
    confirm = at.checkbox(key="data.replace.0")
    assert confirm.label == f"Replace the existing table '{added}'"
    at = confirm.check().run()
    assert not at.exception
    assert f"Replaced dataset **{added}**" in texts(at.success)
    assert catalog.get(added).rows == 6


def test_remove_dataset_after_confirmation_and_demo_is_not_editable(app, added, catalog):
    at = app.switch_page("pages/data.py").run()
    assert "not edited here" in texts(at.caption) and not [b for b in at.button if b.key == "data.remove"]
    at = at.selectbox(key="data.dataset").set_value(added).run()
    at = at.button(key="data.remove").click().run()
    assert not at.exception and catalog.exists(added)
    at = at.button(key="data.remove.confirm").click().run()
    assert not at.exception
    assert catalog.names() == ("demo",)
    assert at.selectbox(key="data.dataset").value == "demo"


def test_ambiguity_is_shown_for_two_revenue_columns(app, catalog, tmp_path):
    path = tmp_path / "shop.csv"
    path.write_text("date,campaign,cost,revenue,post_click_sales_amount\n"
                    "2025-01-01,A,10,50,40\n2025-01-02,B,20,70,60\n", encoding="utf-8")
    name = catalog.add_file(path).dataset.name
    at = app.switch_page("pages/data.py").run()
    at = at.selectbox(key="data.dataset").set_value(name).run()
    assert not at.exception
    assert "“revenue” could be `revenue` or `post_click_sales_amount`" in texts(at.warning)


def test_example_questions_come_from_the_uploaded_model(catalog, added):
    assert example_questions(catalog.load_model_dict(added)) == (
        "Spend by campaign", "Monthly conversions trend", "Which campaign has the best ROAS?",
        "Total conversions last month")


@pytest.mark.parametrize("text, expected", [
    ("burn, Outlay\nburn", ["burn", "outlay"]),
    ("\n , ", []),
    ("money out", ["money out"]),
])
def test_parse_synonyms_splits_trims_and_dedupes(text, expected):
    assert parse_synonyms(text) == expected


def test_column_roles_identifier_drops_its_metric_and_the_ratios_built_on_it(catalog, added):
    raw = apply_column_roles(catalog.load_model_dict(added), {"Results": ("identifier", "")})
    assert "conversions" not in raw["metrics"]
    assert {"cpa", "conversion_rate"}.isdisjoint(raw["metrics"]) and {"ctr", "roas"} <= set(raw["metrics"])
    assert "conversions" not in raw["default_metrics"]
    model = catalog.save_model(added, raw)
    assert "conversions" not in model.metrics


def test_column_roles_measure_with_a_meaning_adds_the_metric_and_its_ratios(catalog, added):
    raw = catalog.load_model_dict(added)
    without = apply_column_roles(raw, {"Amount_spent_EUR": ("ignored", "")})
    assert {"spend", "roas", "cpc", "cpa"}.isdisjoint(without["metrics"])
    back = apply_column_roles(without, {"Amount_spent_EUR": ("measure", "spend")})
    assert back["metrics"]["spend"]["column"] == "Amount_spent_EUR"
    assert {"roas", "cpc", "cpm", "cpa"} <= set(back["metrics"])
    semantic_model_from_dict(back)


def test_column_roles_time_needs_a_date_column(catalog, added):
    with pytest.raises(SemanticModelError, match="not dates"):
        apply_column_roles(catalog.load_model_dict(added), {"Campaign_name": ("time", "")})


def test_item_edit_replaces_label_synonyms_and_format(catalog, added):
    raw = apply_item_edit(catalog.load_model_dict(added), "metrics", "spend", label="Ad cost",
                          synonyms="burn", format="number", direction="lower")
    assert {k: raw["metrics"]["spend"][k] for k in ("label", "synonyms", "format", "direction")} == {
        "label": "Ad cost", "synonyms": ["burn"], "format": "number", "direction": "lower"}

"""The CLI over uploaded files: --data loads once and reuses, --replace confirms, --dataset reopens, tables listed."""
from __future__ import annotations

import json

from tests.test_cli import cli

META_EXPORT = (
    "Campaign name;Day;Amount spent (EUR);Impressions;Link clicks;Results;Purchase conversion value\r\n"
    'Spring Sale;2025-03-01;"1.234,56 €";10.000;250;12;"2.500,00 €"\r\n'
    'Spring Sale;2025-03-02;"1.000,00 €";9.000;200;10;"2.000,00 €"\r\n'
    'Brand Awareness;2025-03-01;"500,00 €";50.000;100;1;"50,00 €"\r\n'
    'Brand Awareness;2025-03-02;"#N/A";40.000;90;0;"0,00 €"\r\n'
)
TWO_MEANINGS = ("campaign_name,date,spend,clicks,revenue,post_click_sales_amount\n"
                "A,2025-01-01,100,50,500,450\nB,2025-01-01,200,90,900,700\nA,2025-01-02,150,60,600,500\n")


def ask(home, question, *args):
    proc = cli("ask", question, "--json", "--all", *args, env_home=home)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout), proc.stderr


def test_cli_data_loads_a_messy_export_and_answers(tmp_path, clarify_home):
    path = tmp_path / "meta_export.csv"
    path.write_bytes(META_EXPORT.encode("utf-8-sig"))
    out, stderr = ask(clarify_home, "spend by campaign", "--data", str(path))
    assert out["tables"] == ["meta_export"] and "Loaded meta_export.csv" in stderr
    rows = {r[0]: r[1] for r in out["interpretations"][0]["rows"]}
    assert rows == {"Spring Sale": 2234.56, "Brand Awareness": 500.0}
    roas, stderr = ask(clarify_home, "ROAS by campaign", "--data", str(path))
    assert "Loaded" not in stderr  # the same bytes are reused, not loaded again
    first = {r[0]: r[1] for r in roas["interpretations"][0]["rows"]}
    assert abs(first["Spring Sale"] - 4500 / 2234.56) < 1e-9


def test_cli_data_changed_file_needs_replace(tmp_path, clarify_home):
    path = tmp_path / "meta_export.csv"
    path.write_bytes(META_EXPORT.encode("utf-8"))
    ask(clarify_home, "spend", "--data", str(path))
    path.write_bytes(META_EXPORT.replace("Spring Sale", "Autumn Sale").encode("utf-8"))
    refused, _ = ask(clarify_home, "spend by campaign", "--data", str(path))
    assert "already exists" in refused["error"]
    replaced, _ = ask(clarify_home, "spend by campaign", "--data", str(path), "--replace")
    assert {r[0] for r in replaced["interpretations"][0]["rows"]} == {"Autumn Sale", "Brand Awareness"}
    reopened, _ = ask(clarify_home, "spend by campaign", "--dataset", "meta_export")
    assert {r[0] for r in reopened["interpretations"][0]["rows"]} == {"Autumn Sale", "Brand Awareness"}


def test_cli_data_two_columns_with_one_meaning_become_two_readings(tmp_path, clarify_home):
    path = tmp_path / "sales.csv"
    path.write_text(TWO_MEANINGS, encoding="utf-8")
    out, _ = ask(clarify_home, "revenue by campaign", "--data", str(path))
    totals = [{r[0]: r[1] for r in i["rows"]} for i in out["interpretations"]]
    assert {"A": 1100.0, "B": 900.0} in totals and {"A": 950.0, "B": 700.0} in totals


def test_cli_data_missing_file_is_a_clear_error(tmp_path, clarify_home):
    out, _ = ask(clarify_home, "spend", "--data", str(tmp_path / "nope.csv"))
    assert "no file" in out["error"]


def test_cli_data_month_names_keep_calendar_order(tmp_path, clarify_home):
    path = tmp_path / "months.csv"
    path.write_text("Month,Spend,Clicks\nMarch,30,3\nJanuary,50,5\nFebruary,10,1\n", encoding="utf-8")
    out, _ = ask(clarify_home, "spend by month", "--data", str(path))
    assert [r[0] for r in out["interpretations"][0]["rows"]] == ["January", "February", "March"]

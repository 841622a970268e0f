"""File ingest: messy exports load with the right values and types; malformed files fail whole and clearly."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from query_engine.datasets.cell_rules import (
    number_convention,
    parse_number,
    sanitize_identifier,
)
from query_engine.datasets.ingest import ingest_file, table_name_for
from query_engine.errors import IngestError


def _load_column(tmp_path: Path, cells: list[str], delimiter: str = ",") -> tuple[list, str, str]:
    """Write a two-column CSV with `cells` in column 'value'; return its loaded values, kind and type."""
    quoted = [f'"{c}"' if delimiter in c else c for c in cells]
    body = "\n".join(f"r{i}{delimiter}{c}" for i, c in enumerate(quoted))
    source = tmp_path / "cells.csv"
    source.write_text(f"key{delimiter}value\n{body}\n", encoding="utf-8")
    report = ingest_file(source, tmp_path / "cells.duckdb")
    con = duckdb.connect(str(tmp_path / "cells.duckdb"), read_only=True)
    values = [r[0] for r in con.execute("SELECT value FROM cells ORDER BY key").fetchall()]
    con.close()
    column = next(c for c in report.columns if c.name == "value")
    return values, column.kind, column.type


@pytest.mark.parametrize("cells, delimiter, expected, kind", [
    (["€1.234,56", "€2,50", "€0,99"], ";", [1234.56, 2.5, 0.99], "currency"),
    (["$1,234.56", "$(12.00)", "$3"], ",", [1234.56, -12.0, 3.0], "currency"),
    (["USD 12.50", "7 USD", "£4"], ",", [12.5, 7.0, 4.0], "currency"),
    (["1 234,5 €", "2,25 €", "-3,00 €"], ";", [1234.5, 2.25, -3.0], "currency"),
    (["2,5%", "10%", "0,5%"], ";", [0.025, 0.1, 0.005], "percent"),
    (["2.5%", "0.1%", "100%"], ",", [0.025, 0.001, 1.0], "percent"),
    (["1,234", "5", "12,000"], ",", [1234, 5, 12000], "integer"),
    (["1.234", "5", "12.000", "7.500", "1.000.000"], ";", [1234, 5, 12000, 7500, 1000000], "integer"),
    (["12,345", "1,000", "2,500", "3,000", "9,999"], ";", [12345, 1000, 2500, 3000, 9999], "integer"),
    (["1.5", "2.25", "3"], ",", [1.5, 2.25, 3.0], "number"),
    (["#N/A", "N/A", "-", "--", "null", "5", ""], ",", [None, None, None, None, None, 5, None], "integer"),
    (["007", "123", "042"], ",", ["007", "123", "042"], "text"),
    (["12", "abc", "7"], ",", ["12", "abc", "7"], "text"),
])
def test_ingest_converts_number_cells(tmp_path, cells, delimiter, expected, kind):
    values, got_kind, _ = _load_column(tmp_path, cells, delimiter)
    assert got_kind == kind
    assert values == pytest.approx(expected) if kind not in ("text",) and None not in expected else values == expected


@pytest.mark.parametrize("cells, delimiter, expected", [
    (["31/12/2025", "01/02/2025", "15/06/2025"], ",",
     [dt.date(2025, 12, 31), dt.date(2025, 2, 1), dt.date(2025, 6, 15)]),
    (["12/31/2025", "01/02/2025", "06/15/2025"], ",",
     [dt.date(2025, 12, 31), dt.date(2025, 1, 2), dt.date(2025, 6, 15)]),
    (["Jan 5, 2025", "Feb 10, 2025", "Dec 31, 2025"], ";",
     [dt.date(2025, 1, 5), dt.date(2025, 2, 10), dt.date(2025, 12, 31)]),
    (["2025-01-05 00:00:00", "2025-01-06 00:00:00", "2025-01-07 00:00:00"], ",",
     [dt.date(2025, 1, 5), dt.date(2025, 1, 6), dt.date(2025, 1, 7)]),
    (["2025-01-05", "Jan 6, 2025", "2025-01-07"], ";", [dt.date(2025, 1, 5), dt.date(2025, 1, 6), dt.date(2025, 1, 7)]),
    (["05.01.2025", "06.01.2025", "31.01.2025"], ";", [dt.date(2025, 1, 5), dt.date(2025, 1, 6), dt.date(2025, 1, 31)]),
])
def test_ingest_reads_date_formats_by_their_values(tmp_path, cells, delimiter, expected):
    values, kind, column_type = _load_column(tmp_path, cells, delimiter)
    assert (kind, column_type) == ("date", "DATE")
    assert values == expected


def test_ingest_keeps_times_when_they_are_not_midnight(tmp_path):
    values, kind, _ = _load_column(tmp_path, ["2025-01-05 10:30:00", "2025-01-05 00:00:00"])
    assert kind == "timestamp"
    assert values == [dt.datetime(2025, 1, 5, 10, 30), dt.datetime(2025, 1, 5)]


def test_ingest_orders_month_names_by_the_calendar(tmp_path):
    _load_column(tmp_path, ["March", "jan", "Feb"])
    con = duckdb.connect(str(tmp_path / "cells.duckdb"), read_only=True)
    assert [r[0] for r in con.execute("SELECT value FROM cells ORDER BY value").fetchall()] == \
        ["January", "February", "March"]


def test_ingest_meta_style_export_with_bom_semicolons_crlf_and_totals(tmp_path):
    text = ("Campaign name;Day;Amount spent (EUR);Impressions;Link clicks;Results;Purchase conversion value;;\r\n"
            "Brand;2025-01-05;€1.234,56;12.000;300;10;\"2.500,00\";;\r\n"
            "Prospecting;2025-01-06;99,10;5.500;#N/A;-;0;;\r\n"
            "Total;;1.333,66;17.500;300;10;2.500;;\r\n")
    source = tmp_path / "Meta export (Jan 2025).csv"
    source.write_bytes(text.encode("utf-8-sig"))
    report = ingest_file(source, tmp_path / "meta.duckdb")
    assert report.table == "meta_export_jan_2025"
    assert report.rows == 2
    assert report.renamed == {"Campaign name": "Campaign_name", "Amount spent (EUR)": "Amount_spent_EUR",
                              "Link clicks": "Link_clicks", "Purchase conversion value": "Purchase_conversion_value"}
    assert report.dropped_rows == ("line 4: 'Total' (a report total, not data)",)
    assert len(report.dropped_columns) == 2
    con = duckdb.connect(str(tmp_path / "meta.duckdb"), read_only=True)
    rows = con.execute("SELECT * FROM meta_export_jan_2025 ORDER BY Day").fetchall()
    assert rows == [("Brand", dt.date(2025, 1, 5), 1234.56, 12000, 300, 10, 2500.0),
                    ("Prospecting", dt.date(2025, 1, 6), 99.1, 5500, None, None, 0.0)]


def test_ingest_google_ads_style_utf16_tabs_preamble_and_footer(tmp_path):
    text = ("Campaign report\r\nJanuary 1, 2025 - January 31, 2025\r\n"
            "Campaign\tDay\tCost\tImpr.\tClicks\tConversions\tConv. value\r\n"
            "Search – Brand\tJan 5, 2025\t1,234.50\t10,000\t500\t12.5\t3,000.00\r\n"
            "Display\tJan 6, 2025\t10.00\t2,000\t20\t0.00\t0.00\r\n"
            "Total: Account\t --\t1,244.50\t12,000\t520\t12.5\t3,000.00\r\n")
    source = tmp_path / "google.csv"
    source.write_bytes(text.encode("utf-16"))
    report = ingest_file(source, tmp_path / "g.duckdb")
    assert report.notes[:2] == ("read as utf-16", "skipped 2 line(s) above the header")
    assert report.dropped_rows == ("line 6: 'Total: Account' (a report total, not data)",)
    con = duckdb.connect(str(tmp_path / "g.duckdb"), read_only=True)
    assert con.execute("SELECT * FROM google ORDER BY Day").fetchall() == [
        ("Search – Brand", dt.date(2025, 1, 5), 1234.5, 10000, 500, 12.5, 3000.0),
        ("Display", dt.date(2025, 1, 6), 10.0, 2000, 20, 0.0, 0.0)]
    assert report.renamed == {"Impr.": "Impr", "Conv. value": "Conv_value"}


def test_ingest_falls_back_to_cp1252(tmp_path):
    source = tmp_path / "legacy.csv"
    source.write_bytes("Campaign,Spend\nCafé Crème,€5\nNaïve,€7\n".encode("cp1252"))
    report = ingest_file(source, tmp_path / "l.duckdb")
    con = duckdb.connect(str(tmp_path / "l.duckdb"), read_only=True)
    assert con.execute("SELECT * FROM legacy ORDER BY Spend").fetchall() == [("Café Crème", 5.0), ("Naïve", 7.0)]
    assert "read as cp1252" in report.notes


def test_ingest_reads_tsv_parquet_excel_and_json_lines(tmp_path):
    frame = pd.DataFrame({"Campaign": ["A", "B"], "Date": ["2025-01-01", "2025-01-02"], "Spend": ["$1,000.50", "$2"]})
    frame.to_csv(tmp_path / "tabbed.tsv", sep="\t", index=False)
    con = duckdb.connect()
    con.execute(f"COPY (SELECT 'A' AS campaign, DATE '2025-01-01' AS day, 12.5 AS spend, 3 AS clicks) "
                f"TO '{tmp_path / 'typed.parquet'}' (FORMAT parquet)")
    (tmp_path / "rows.jsonl").write_text('{"campaign": "A", "spend": "€3,50", "clicks": 4}\n'
                                         '{"campaign": "B", "spend": "€1,25", "clicks": 1}\n', encoding="utf-8")
    with pd.ExcelWriter(tmp_path / "sheet.xlsx", engine="openpyxl") as writer:
        pd.DataFrame([["Report title", None, None]]).to_excel(writer, header=False, index=False, startrow=0)
        pd.DataFrame({"Campaign": ["A", "B"], "Day": [dt.datetime(2025, 1, 1), dt.datetime(2025, 1, 2)],
                      "Cost": [1.5, 2.25]}).to_excel(writer, index=False, startrow=2)
    results = {}
    for name in ("tabbed.tsv", "typed.parquet", "rows.jsonl", "sheet.xlsx"):
        report = ingest_file(tmp_path / name, tmp_path / f"{name}.duckdb")
        db = duckdb.connect(str(tmp_path / f"{name}.duckdb"), read_only=True)
        results[name] = db.execute(f"SELECT * FROM {report.table} ORDER BY 1").fetchall()
    assert results["tabbed.tsv"] == [("A", dt.date(2025, 1, 1), 1000.5), ("B", dt.date(2025, 1, 2), 2.0)]
    assert results["typed.parquet"] == [("A", dt.date(2025, 1, 1), 12.5, 3)]
    assert results["rows.jsonl"] == [("A", 3.5, 4), ("B", 1.25, 1)]
    assert results["sheet.xlsx"] == [("A", dt.date(2025, 1, 1), 1.5), ("B", dt.date(2025, 1, 2), 2.25)]


@pytest.mark.parametrize("content, message", [
    (b"a,b,c\n1,2,3\n4,5,6,7\n8,9,10\n", "has 4 values on line 3 but 3 columns"),
    (b"a,b,c\n1,2,3\n4,5\n", "has 2 values on line 3 but 3 columns"),
    (bytes(range(256)) * 40, "does not look like a text file"),
    (b"", "is empty"),
    (b"campaign,spend\r\n", "header row but no data rows"),
    (b"\n\n\n", "has no text"),
])
def test_ingest_refuses_malformed_files_and_loads_nothing(tmp_path, content, message):
    folder = tmp_path / "upload"
    folder.mkdir()
    source = folder / "bad.csv"
    source.write_bytes(content)
    with pytest.raises(IngestError, match=message):
        ingest_file(source, folder / "bad.duckdb")
    assert sorted(p.name for p in folder.iterdir()) == ["bad.csv"]


def test_ingest_refuses_unknown_extension_and_existing_target(tmp_path):
    (tmp_path / "x.pdf").write_bytes(b"%PDF")
    with pytest.raises(IngestError, match="cannot read '.pdf' files"):
        ingest_file(tmp_path / "x.pdf", tmp_path / "x.duckdb")
    source = tmp_path / "x.csv"
    source.write_text("a,b\n1,2\n", encoding="utf-8")
    ingest_file(source, tmp_path / "x.duckdb")
    with pytest.raises(IngestError, match="already exists"):
        ingest_file(source, tmp_path / "x.duckdb")


def test_ingest_failed_replacement_keeps_the_old_table(tmp_path):
    good, bad = tmp_path / "data.csv", tmp_path / "broken.csv"
    good.write_text("a,b\n1,2\n", encoding="utf-8")
    bad.write_text("a,b\n1,2\n3,4,5\n", encoding="utf-8")
    target = tmp_path / "data.duckdb"
    ingest_file(good, target)
    with pytest.raises(IngestError):
        ingest_file(bad, target, table="data", replace=True)
    con = duckdb.connect(str(target), read_only=True)
    assert con.execute("SELECT * FROM data").fetchall() == [(1, 2)]


@pytest.mark.parametrize("header, expected", [
    ("Clicks", "Clicks"), ("Amount spent (USD)", "Amount_spent_USD"), ("CTR (all)", "CTR_all"),
    ("1st day", "c_1st_day"), ("order", "order_"), ("Coût", "Cout"), ("", "column_"),
])
def test_sanitize_identifier_changes_only_invalid_names(header, expected):
    assert sanitize_identifier(header) == expected


def test_table_name_for_uses_the_file_stem():
    assert table_name_for("/x/My Report - 2025.CSV") == "my_report_2025"


@pytest.mark.parametrize("text, convention, expected", [
    ("€1.234,56", "eu", 1234.56), ("2,5%", "eu", 0.025), ("(1,200.00)", "us", -1200.0), ("12 USD", "us", 12.0),
    ("1.234,56", "us", None), ("abc", "us", None),
])
def test_parse_number_rules(text, convention, expected):
    assert parse_number(text, convention) == (pytest.approx(expected) if expected is not None else None)


@pytest.mark.parametrize("values, hint, expected", [
    (["1,5", "2"], False, "eu"), (["1.5", "2"], True, "us"), (["1,234", "2"], True, "eu"),
    (["1,234", "2"], False, "us"), (["abc"], False, None), (["0012"], False, None),
])
def test_number_convention_decided_by_values(values, hint, expected):
    assert number_convention(values, hint) == expected


def test_ingest_total_row_in_a_later_column_is_dropped_and_amounts_parse(tmp_path):
    """Meta exports put 'Total' under the campaign column, after empty date cells, with dot decimals."""
    path = tmp_path / "meta_totals.csv"
    path.write_text("\ufeffReporting starts;Reporting ends;Campaign name;Impressions;Amount spent (EUR)\r\n"
                    "2025-09-01;2025-09-01;Retargeting DPA;60.915;€656,41\r\n"
                    "2025-09-02;2025-09-02;Retargeting DPA;1.020;€1.330,33\r\n"
                    ";;Total;61935;€1986.74\r\n", encoding="utf-8")
    report = ingest_file(path, tmp_path / "out.duckdb")
    assert report.rows == 2 and report.dropped_rows == ("line 4: 'Total' (a report total, not data)",)
    con = duckdb.connect(str(tmp_path / "out.duckdb"), read_only=True)
    totals = con.execute("SELECT round(SUM(Amount_spent_EUR), 2), SUM(Impressions) FROM meta_totals").fetchone()
    assert totals == (1986.74, 61935)
    con.close()


def test_ingest_symbols_missing_from_the_sample_still_parse(tmp_path):
    """The first plan strips only the currency marks the sample holds; a row with another falls back to all."""
    amounts = [f"€{i},{i % 100:02d}" for i in range(7_000)] + ["£3,00", "$(4,50)"]
    path = tmp_path / "amounts.csv"
    path.write_text("campaign;spend\n" + "".join(f"C{i};{a}\n" for i, a in enumerate(amounts)), encoding="utf-8")
    report = ingest_file(path, tmp_path / "amounts.duckdb")
    assert report.kinds()["spend"] == "currency"
    con = duckdb.connect(str(tmp_path / "amounts.duckdb"), read_only=True)
    got = dict(con.execute("SELECT campaign, spend FROM amounts WHERE campaign IN ('C5', 'C7000', 'C7001')").fetchall())
    assert got == {"C5": pytest.approx(5.05), "C7000": pytest.approx(3.0), "C7001": pytest.approx(-4.5)}


@pytest.mark.parametrize("values, kind", [
    ([f"Campaign {i}" for i in range(300)], "text"),
    ([f"{i}.{i % 10}" for i in range(300)] + ["n/a x"], "text"),
    (["2025-01-05", "Jan 6, 2025", "06/01/2025"], "date"),
])
def test_plan_column_stops_early_only_when_no_rule_can_read_every_value(values, kind):
    from query_engine.datasets.cell_rules import plan_column

    assert plan_column("c", values)[0].kind == kind


def test_ingest_report_survives_the_trip_through_json(tmp_path):
    import json

    from query_engine.datasets.ingest import IngestReport

    path = tmp_path / "trip.csv"
    path.write_text("Campaign name,Spend,\n A ,$5,\nTotal,$5,\n", encoding="utf-8")
    report = ingest_file(path, tmp_path / "trip.duckdb", memory_limit="256MB")
    assert report.dropped_rows and report.dropped_columns and report.renamed
    assert IngestReport.from_dict(json.loads(json.dumps(report.as_dict()))) == report

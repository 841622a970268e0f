"""The History page: every run, newest first, with re-run and delete (after a confirmation)."""
from __future__ import annotations

import json

import streamlit as st

from query_engine.pipeline import Answer, Pipeline
from query_engine.spec.safe_text import escape_markdown
from query_engine.spec.value_format import format_value
from query_engine.stores.history import HistoryEntry, QuestionHistory
from ui.answer_view import show_answer, show_stages, timings_text
from ui.error_messages import friendly_errors
from ui.resources import (
    answer_spec,
    answer_sql,
    get_history,
    get_pipeline,
    load_settings,
)
from ui.state import HistoryState, history_state

PAGE_SIZE = 200


def render_history_page() -> None:
    """The whole History page."""
    settings = load_settings()
    history = get_history(settings)
    state = history_state()
    st.title("History")
    entries = history.list(PAGE_SIZE)
    if not entries:
        st.info("No questions yet. Ask one on the Ask page and it will be listed here.")
        return
    runs = format_value(history.count(), "integer")
    st.caption(escape_markdown(f"{runs} runs, newest first · kept in {history.path}"))
    for entry in entries:
        with st.container(border=True, key=f"history.entry.{entry.id}"):
            _show_entry(entry)
            _show_actions(entry, state, history)
            if state.rerun_id == entry.id:
                with friendly_errors("re-running this question"):
                    _show_rerun(entry, get_pipeline(settings, entry.dataset))


def rerun(pipeline: Pipeline, entry: HistoryEntry) -> Answer:
    """Run a stored entry again: its edited SQL as written, otherwise its stored spec."""
    if entry.sql_source == "edited by the analyst" or not entry.spec_json:
        return answer_sql(pipeline, entry.sql)
    return answer_spec(pipeline, entry.spec_json)


def describe_change(change: dict) -> str:
    """One adjustment in words: 'metric spend → clicks', 'only channel Meta, Google Search', 'top 3'."""
    field, before, after = change.get("field"), change.get("from"), change.get("to")
    if field == "sql":
        return "SQL edited by the analyst"
    if field == "metrics":
        return f"metric {(before or ['—'])[0]} → {(after or ['—'])[0]}"
    if field == "dimensions":
        return f"grouped by {', '.join(before or []) or 'nothing'} → {', '.join(after or []) or 'nothing'}"
    if field == "filters":
        kept = [f"{f['dimension']} {'not ' if f.get('op') == 'not_in' else ''}{', '.join(f['values'])}"
                for f in after or []]
        return "only " + "; ".join(kept) if kept else "no filters"
    if field == "date_range":
        return "dates " + (f"{after['start']} to {after['end']}" if after else "all time")
    if field == "limit":
        return f"top {after}" if after else "all rows"
    if field == "order_by":
        first = (after or [{}])[0]
        return f"sorted by {first.get('field', '—')}, {'highest' if first.get('descending', True) else 'lowest'} first"
    return f"{str(field).replace('_', ' ')} changed"


def _show_entry(entry: HistoryEntry) -> None:
    """One stored run; every field was typed by someone or written by a model, so all of it is escaped."""
    when = entry.asked_at.strftime("%Y-%m-%d %H:%M") if entry.asked_at else ""
    st.markdown(f"**{escape_markdown(entry.question)}**")
    if entry.refusal:
        st.caption(escape_markdown(f"{when} · engine {entry.engine} · refused: {entry.refusal}"))
        return
    outcome = f"error: {entry.error}" if entry.error else f"{format_value(entry.row_count, 'integer')} rows"
    st.caption(escape_markdown(f"{when} · engine {entry.engine} · reading {entry.picked_rank} · "
                               f"{entry.sql_source} · {outcome}"))
    st.markdown(escape_markdown(entry.reading_text))
    changes = json.loads(entry.adjustments_json or "[]")
    if changes:
        st.caption(escape_markdown("Adjusted: " + "; ".join(describe_change(c) for c in changes)))
    with st.expander("SQL and timings"):
        st.code(entry.sql, language="sql")
        st.caption(timings_text(json.loads(entry.timings_json or "{}")))


def _show_actions(entry: HistoryEntry, state: HistoryState, history: QuestionHistory) -> None:
    left, right, _ = st.columns([1, 1, 4])
    if not entry.refusal:
        left.button("Re-run", key=f"history.rerun.{entry.id}", icon=":material/replay:",
                    on_click=_set, args=(state, "rerun_id", entry.id))
    right.button("Delete", key=f"history.delete.{entry.id}", icon=":material/delete:",
                 on_click=_set, args=(state, "confirm_delete_id", entry.id))
    if state.confirm_delete_id != entry.id:
        return
    st.warning("Delete this entry from the history? This cannot be undone.")
    yes, no, _ = st.columns([1, 1, 4])
    yes.button("Yes, delete", key=f"history.confirm_delete.{entry.id}", type="primary",
               on_click=_delete, args=(state, history, entry.id))
    no.button("Cancel", key=f"history.cancel_delete.{entry.id}", on_click=_set, args=(state, "confirm_delete_id", None))


def _set(state: HistoryState, name: str, value: int | None) -> None:
    setattr(state, name, value)


def _delete(state: HistoryState, history: QuestionHistory, entry_id: int) -> None:
    history.delete(entry_id)
    state.confirm_delete_id = None
    if state.rerun_id == entry_id:
        state.rerun_id = None


def _show_rerun(entry: HistoryEntry, pipeline: Pipeline) -> None:
    answer = rerun(pipeline, entry)
    show_stages(answer, None)
    show_answer(answer, key=f"history.answer.{entry.id}")

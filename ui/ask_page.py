"""The Ask page: scope and as-of, the question, readings to pick, adjustments, the answer and edited SQL."""
from __future__ import annotations

import json

import streamlit as st

from query_engine.descriptions import describe_spec
from query_engine.pipeline import Answer, Pipeline
from query_engine.query_spec import Interpretation, QuerySpec, Understanding
from query_engine.spec_codec import spec_from_dict, spec_to_dict
from query_engine.value_format import format_value
from ui.adjust_controls import PREFIX as ADJUST_PREFIX, adjust_form, spec_changes
from ui.answer_view import escape_markdown, show_answer, show_stages
from ui.error_messages import friendly_errors
from ui.reading_cards import show_readings
from ui.resources import answer_spec, answer_sql, get_history, get_pipeline, load_settings, understand
from ui.run_record import answer_entry, record_once, refusal_entry, run_key
from ui.state import AskState, ask_state, clear_widgets

EXAMPLE_QUESTIONS = (
    "Show me high performing campaigns",
    "Revenue by channel last month",
    "Monthly spend trend this year",
    "Which region has the best CTR?",
)
SQL_EDITOR_KEY = "ask.sql_editor"


def render_ask_page() -> None:
    """The whole Ask page."""
    settings = load_settings()
    pipeline = get_pipeline(settings)
    state = ask_state()
    st.title("Ask")
    _show_scope(pipeline, state)
    _show_question_box(state)
    if not state.question:
        st.info("Ask a question about your campaigns, or press one of the examples above.")
        return
    understanding, interpreting_ms = understand(pipeline, state.question, state.as_of)
    if understanding.refusal is not None:
        _show_refusal(understanding, state)
        return
    if not understanding.interpretations:
        st.info("Clarify found nothing to measure in that question. Try naming a metric, such as spend or ROAS.")
        return
    for note in understanding.notes:
        st.caption(note)
    readings = understanding.interpretations
    if state.picked_rank is None and readings[0].confidence >= settings.confident_threshold:
        state.picked_rank = readings[0].rank  # confident: answer at once, other readings stay one click away
    show_readings(readings, state.picked_rank, on_pick=lambda rank: _pick(state, rank))
    picked = next((r for r in readings if r.rank == state.picked_rank), None)
    if picked is None:
        st.info("Pick the reading you mean; its answer appears here.")
        return
    with friendly_errors("answering this reading"):
        _show_picked(pipeline, state, understanding, picked, interpreting_ms)


def ask(state: AskState, question: str) -> None:
    """Ask `question` from scratch (used by the box, the examples and refusal suggestions)."""
    st.session_state["ask.question"] = question
    state.ask(question)
    clear_widgets(ADJUST_PREFIX)
    clear_widgets(SQL_EDITOR_KEY)


def _pick(state: AskState, rank: int) -> None:
    state.pick(rank)
    clear_widgets(ADJUST_PREFIX)
    clear_widgets(SQL_EDITOR_KEY)


def _show_scope(pipeline: Pipeline, state: AskState) -> None:
    profile, model = pipeline.profile, pipeline.model
    counts = " · ".join(f"{table} {format_value(n, 'integer')} rows" for table, n in profile.row_counts.items())
    as_of = state.as_of or profile.as_of
    st.caption(f"**{model.name}** · {counts} · data from {profile.window_label()} · "
               f"dates like “last month” count back from **{as_of}**")
    with st.expander("Change the as-of date"):
        picked = st.date_input("As of", value=as_of, key="ask.as_of",
                               help="Relative dates in questions are resolved against this day.")
        if picked != as_of:
            state.as_of = picked
            state.pick(None)
            st.rerun()


def _show_question_box(state: AskState) -> None:
    st.markdown("**Try:**")
    buttons = st.columns(len(EXAMPLE_QUESTIONS))
    for number, (column, example) in enumerate(zip(buttons, EXAMPLE_QUESTIONS)):
        column.button(example, key=f"ask.example.{number}", on_click=ask, args=(state, example), width="stretch")
    box, go = st.columns([6, 1], vertical_alignment="bottom")
    box.text_input("Your question", key="ask.question", placeholder="e.g. Which channel had the best ROAS last quarter?",
                   on_change=lambda: ask(state, st.session_state["ask.question"]))
    go.button("Ask", key="ask.submit", type="primary", width="stretch",
              on_click=lambda: ask(state, st.session_state.get("ask.question", "")))


def _show_refusal(understanding: Understanding, state: AskState) -> None:
    refusal = understanding.refusal
    st.warning(f"**Clarify can't answer this.** {escape_markdown(refusal.reason)}", icon=":material/do_not_disturb_on:")
    if refusal.suggestions:
        st.markdown("Questions it can answer:")
        for number, suggestion in enumerate(refusal.suggestions):
            st.button(suggestion, key=f"ask.suggest.{number}", on_click=ask, args=(state, suggestion))
    history = get_history(load_settings())
    key = run_key(understanding.question, understanding.as_of, "refused")
    record_once(history, state, key, refusal_entry(understanding.question, understanding.as_of, refusal.reason))


def _show_picked(pipeline: Pipeline, state: AskState, understanding: Understanding, picked: Interpretation,
                 interpreting_ms: float) -> None:
    spec = spec_from_dict(json.loads(state.adjusted_spec_json)) if state.adjusted_spec_json else picked.spec
    with st.expander("Adjust this reading", expanded=state.adjusted_spec_json is not None):
        adjusted = adjust_form(spec, pipeline.model, pipeline.profile)
    if adjusted is not None and adjusted != spec:
        spec = adjusted
        state.adjusted_spec_json = _spec_json(spec)
        state.edited_sql = None
        clear_widgets(SQL_EDITOR_KEY)
    answer = answer_sql(pipeline, state.edited_sql) if state.edited_sql else answer_spec(pipeline, _spec_json(spec))
    if state.adjusted_spec_json:
        st.caption("Adjusted: " + describe_spec(spec, pipeline.model, pipeline.profile))
    show_stages(answer, interpreting_ms)
    show_answer(answer, key="ask.answer")
    _show_sql_editor(state, answer)
    _record(state, understanding, picked, spec, answer, interpreting_ms, pipeline)


def _show_sql_editor(state: AskState, answer: Answer) -> None:
    with st.expander("Edit SQL", expanded=state.edited_sql is not None):
        st.caption("Your SQL goes through the same check as Clarify's: one read-only SELECT over the campaign tables.")
        st.text_area("SQL", value=state.edited_sql or answer.sql, key=SQL_EDITOR_KEY, height=160)
        run, back = st.columns(2)
        run.button("Run SQL", key="ask.run_sql", type="primary", on_click=_run_edited, args=(state,))
        if state.edited_sql is not None:
            back.button("Back to the reading's SQL", key="ask.reset_sql", on_click=_reset_sql, args=(state,))


def _run_edited(state: AskState) -> None:
    state.edited_sql = (st.session_state.get(SQL_EDITOR_KEY) or "").strip() or None


def _reset_sql(state: AskState) -> None:
    state.edited_sql = None
    clear_widgets(SQL_EDITOR_KEY)


def _record(state: AskState, understanding: Understanding, picked: Interpretation, spec: QuerySpec,
            answer: Answer, interpreting_ms: float, pipeline: Pipeline) -> None:
    changes = spec_changes(picked.spec, spec)
    if state.edited_sql:
        changes.append({"field": "sql", "from": "compiled", "to": "edited by the analyst"})
    text = describe_spec(spec, pipeline.model, pipeline.profile) if changes else picked.description
    key = run_key(understanding.question, understanding.as_of, picked.rank, _spec_json(spec), state.edited_sql)
    entry = answer_entry(understanding.question, understanding.as_of, picked.rank, text, spec, answer, changes,
                         interpreting_ms)
    record_once(get_history(load_settings()), state, key, entry)


def _spec_json(spec: QuerySpec) -> str:
    return json.dumps(spec_to_dict(spec), sort_keys=True)

"""The Ask page below the question box: scope and as-of, readings to pick, adjustments, the answer, edited SQL."""
from __future__ import annotations

import json
from dataclasses import replace

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from query_engine.datasets.catalogue import Dataset
from query_engine.interpret.descriptions import describe_spec
from query_engine.pipeline import Answer, Pipeline
from query_engine.spec.codec import spec_from_dict, spec_to_dict
from query_engine.spec.query import Interpretation, QuerySpec, Refusal, Understanding
from query_engine.spec.safe_text import code_span, escape_markdown
from query_engine.spec.value_format import format_value
from ui.adjust_controls import adjust_form, spec_changes
from ui.answer_view import show_answer, show_stages
from ui.dataset_picker import render_dataset_picker
from ui.error_messages import friendly_errors
from ui.reading_cards import show_readings
from ui.report_actions import render_report_actions
from ui.resources import (
    answer_spec,
    answer_sql,
    get_history,
    get_learning,
    get_pipeline,
    load_settings,
    understand,
)
from ui.run_record import answer_entry, record_once, refusal_entry, run_key
from ui.state import (
    SQL_EDITOR_KEY,
    AskState,
    ask_question,
    clear_widgets,
    content_key,
    pick_reading,
)


def render_ask_page(state: AskState, scope_slot: DeltaGenerator) -> None:
    """Everything below the question box: the dataset and its scope (into `scope_slot`), readings and the answer."""
    settings = load_settings()
    with scope_slot:
        dataset = render_dataset_picker(state, "ask.dataset")
        pipeline = get_pipeline(settings, dataset.name)
        _show_scope(pipeline, state, dataset)
    if not state.question:
        st.info("Ask a question about your campaigns, or press one of the examples above.")
        return
    follows = state.follows
    understanding, interpreting_ms = understand(pipeline, state.question, state.as_of,
                                                follows[1] if follows else None)
    if understanding.intent == "follow_up" and follows:
        _show_follow_up(state, follows[0])
    if understanding.refusal is not None:
        _show_refusal(understanding, understanding.refusal, state)
        return
    if not understanding.interpretations:
        st.info("Clarify found nothing to measure in that question. Try naming a metric, such as spend or ROAS.")
        return
    if understanding.definition:
        st.info(escape_markdown(understanding.definition), icon=":material/menu_book:")
    for note in understanding.notes[1 if understanding.intent == "follow_up" else 0:]:
        st.caption(escape_markdown(note))
    if understanding.intent == "investigate":
        _offer_investigation(understanding.question)
    elif understanding.intent == "forecast":
        st.caption("A forecast: each reading projects the history with a different method; the band is a 90% "
                   "interval and the backtested error says how far past projections were off.")
    readings = understanding.interpretations
    if state.picked_rank is None and readings[0].confidence >= settings.confident_threshold:
        state.picked_rank = readings[0].rank  # confident: answer at once, other readings stay one click away
    show_readings(readings, state.picked_rank, on_pick=lambda rank: pick_reading(state, rank))
    picked = next((r for r in readings if r.rank == state.picked_rank), None)
    if picked is None:
        st.info("Pick the reading you mean; its answer appears here.")
        return
    with friendly_errors("answering this reading"):
        _show_picked(pipeline, state, understanding, picked, interpreting_ms)


def _show_follow_up(state: AskState, earlier: str) -> None:
    """Say which answer the question refines, with a way to ask it on its own."""
    left, right = st.columns([3, 1])
    left.info(f"A follow-up to “{escape_markdown(earlier)}”: each reading says what it changed in that answer.",
              icon=":material/subdirectory_arrow_right:")
    if right.button("Ask it on its own", key="ask.alone", help="Read the question as new, not as a follow-up."):
        state.ask_alone()
        st.rerun()


def _offer_model_insights(pipeline: Pipeline, answer: Answer, question: str, rank: int) -> None:
    """Economy mode: the insights model writes only when asked, and its numbers are checked like always."""
    if not st.button("Explain with the insights model", key=f"ask.explain.{rank}", icon=":material/auto_awesome:"):
        return
    with st.spinner("Asking the insights model…"):
        explained = pipeline.explain(answer, question)
    if explained.insights_source == "offline":
        st.info("The insights model added nothing that could be checked against the table; the insights above stand.")
        return
    st.markdown("**Model insights** (" + escape_markdown(explained.insights_source) + ")")
    st.markdown("\n".join(f"- {escape_markdown(line)}" for line in explained.insights))


def _offer_investigation(question: str) -> None:
    left, right = st.columns([3, 1])
    left.info("A why question: the readings below compare the period with the one before. A guided investigation "
              "breaks the change down by every dimension and ranks what drove it.", icon=":material/troubleshoot:")
    if right.button("Investigate step by step", key="ask.investigate", icon=":material/query_stats:"):
        st.session_state["investigate.question"] = question
        st.switch_page("pages/investigate.py")


def _show_scope(pipeline: Pipeline, state: AskState, dataset: Dataset) -> None:
    profile, model = pipeline.profile, pipeline.model
    counts = " · ".join(f"{escape_markdown(table)} {format_value(n, 'integer')} rows"
                        for table, n in profile.row_counts.items())
    as_of = state.as_of or profile.as_of
    named = "" if dataset.kind == "demo" else f" (dataset {code_span(dataset.name)})"
    st.caption(f"**{escape_markdown(model.name)}**{named} · {counts} · data from {profile.window_label()} · "
               f"dates like “last month” count back from **{as_of}**")
    with st.expander("Change the as-of date"):
        picked = st.date_input("As of", value=as_of, key=content_key("ask.as_of.", dataset.name),
                               help="Relative dates in questions are resolved against this day.")
        if picked != as_of:
            state.as_of = picked
            state.pick(None)
            st.rerun()


def _show_refusal(understanding: Understanding, refusal: Refusal, state: AskState) -> None:
    st.warning(f"**Clarify can't answer this.** {escape_markdown(refusal.reason)}",
               icon=":material/do_not_disturb_on:")
    if refusal.suggestions:
        st.markdown("Questions it can answer:")
        for number, suggestion in enumerate(refusal.suggestions):
            st.button(escape_markdown(suggestion), key=f"ask.suggest.{number}", on_click=ask_question,
                      args=(state, suggestion))
    history = get_history(load_settings())
    key = run_key(understanding.question, understanding.as_of, "refused")
    entry = replace(refusal_entry(understanding.question, understanding.as_of, refusal.reason),
                    dataset=state.dataset or "demo")
    record_once(history, state, key, entry)


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
    if state.edited_sql:
        st.caption("Your SQL, checked by the same guard as Clarify's; the reading above no longer describes it.")
    elif state.adjusted_spec_json:
        st.caption("Adjusted: " + escape_markdown(describe_spec(spec, pipeline.model, pipeline.profile)))
    show_stages(answer, interpreting_ms)
    show_answer(answer, key="ask.answer")
    if load_settings().economy and pipeline.can_explain(answer):
        _offer_model_insights(pipeline, answer, understanding.question, picked.rank)
    if answer.result is not None and not answer.error:
        render_report_actions(answer, question=understanding.question, reading=picked, database=pipeline.database,
                              key=f"ask.actions.{picked.rank}", llm=pipeline.llm)
    _show_sql_editor(state, answer)
    _record(state, understanding, picked, spec, answer, interpreting_ms, pipeline)


def _show_sql_editor(state: AskState, answer: Answer) -> None:
    with st.expander("Edit SQL", expanded=state.edited_sql is not None):
        st.caption("Your SQL goes through the same check as Clarify's: one read-only SELECT over the campaign tables.")
        key = _sql_key(answer)
        st.text_area("SQL", value=state.edited_sql or answer.sql, key=key, height=160)
        run, back = st.columns(2)
        run.button("Run SQL", key="ask.run_sql", type="primary", on_click=_run_edited, args=(state, key))
        if state.edited_sql is not None:
            back.button("Back to the reading's SQL", key="ask.reset_sql", on_click=_reset_sql, args=(state,))


def _sql_key(answer: Answer) -> str:
    """The editor's key names the SQL it starts from, so a new reading never shows the last one's edit."""
    return content_key(f"{SQL_EDITOR_KEY}.", answer.sql)


def _run_edited(state: AskState, key: str) -> None:
    state.edited_sql = (st.session_state.get(key) or "").strip() or None


def _reset_sql(state: AskState) -> None:
    state.edited_sql = None
    clear_widgets(SQL_EDITOR_KEY)


def _record(state: AskState, understanding: Understanding, picked: Interpretation, spec: QuerySpec,
            answer: Answer, interpreting_ms: float, pipeline: Pipeline) -> None:
    changes = spec_changes(picked.spec, spec)
    if state.edited_sql:
        changes.append({"field": "sql", "from": "compiled", "to": "edited by the analyst"})
    text = ("SQL edited by the analyst" if state.edited_sql else
            describe_spec(spec, pipeline.model, pipeline.profile) if changes else picked.description)
    key = run_key(understanding.question, understanding.as_of, picked.rank, _spec_json(spec), state.edited_sql)
    entry = answer_entry(understanding.question, understanding.as_of, picked.rank, text, spec, answer, changes,
                         interpreting_ms, engine=picked.engine)
    entry = replace(entry, dataset=state.dataset or "demo")
    state.answered(understanding.question, _spec_json(spec))
    if record_once(get_history(load_settings()), state, key, entry) is not None and picked.choices:
        get_learning(load_settings()).record(picked.choices, understanding.question)


def _spec_json(spec: QuerySpec) -> str:
    return json.dumps(spec_to_dict(spec), sort_keys=True)

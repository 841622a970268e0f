"""The top of the Ask page: title, a slot for the data scope, example questions and the question box.

It imports nothing heavy, so the box is on screen before pandas, plotly and DuckDB have loaded.
"""
from __future__ import annotations

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from query_engine.spec.safe_text import escape_markdown
from ui.state import DEMO_DATASET, QUESTION_KEY, AskState, ask_question

EXAMPLE_QUESTIONS = (
    "Show me high performing campaigns",
    "Revenue by channel last month",
    "Monthly spend trend this year",
    "Which region has the best CTR?",
)


def render_question_box(state: AskState) -> DeltaGenerator:
    """Title, examples and the question box; returns the empty slot where the dataset selector and scope go."""
    st.title("Ask")
    scope_slot = st.container()
    examples = example_questions(state)
    st.markdown("**Try:**")
    buttons = st.columns(len(examples))
    for number, (column, example) in enumerate(zip(buttons, examples, strict=False)):
        # An upload's examples are built from its column headers, which Markdown in a label would render.
        column.button(escape_markdown(example), key=f"ask.example.{number}", on_click=ask_question,
                      args=(state, example), width="stretch")
    box, go = st.columns([6, 1], vertical_alignment="bottom")
    box.text_input("Your question", key=QUESTION_KEY, placeholder="e.g. Which channel had the best ROAS last quarter?",
                   on_change=lambda: ask_question(state, st.session_state[QUESTION_KEY]))
    go.button("Ask", key="ask.submit", type="primary", width="stretch",
              on_click=lambda: ask_question(state, st.session_state.get(QUESTION_KEY, "")))
    return scope_slot


def example_questions(state: AskState) -> tuple[str, ...]:
    """The demo's examples, or questions built from an uploaded dataset's own metrics and dimensions."""
    if state.dataset == DEMO_DATASET:
        return EXAMPLE_QUESTIONS
    from ui.dataset_picker import (
        example_questions_for,  # DuckDB loads only once an upload is chosen
    )

    return example_questions_for(state.dataset) or EXAMPLE_QUESTIONS

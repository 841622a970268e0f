"""Calculated metrics: define 'name = formula', see why a definition is refused, keep or remove saved ones."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from query_engine.semantics.calculated_metrics import (
    CalculatedMetricError,
    describe,
    load_definitions,
    parse_definition,
    save_definitions,
)
from query_engine.semantics.model import SemanticModel
from query_engine.settings import Settings
from query_engine.spec.safe_text import escape_markdown

PREFIX = "metrics."


def render_calculated_metrics(settings: Settings, model: SemanticModel) -> None:
    """The definition box, the saved definitions and a remove button per definition."""
    saved = list(load_definitions(settings.home, model))
    measures = ", ".join(sorted(model.base_measures()))
    st.caption(escape_markdown(f"Formulas use + - * / and parentheses over: {measures}. Saved under {settings.home}."))
    text = st.text_input("Definition", placeholder="profit = revenue - spend", key=PREFIX + "definition")
    synonyms = st.text_input("Other names (comma separated, optional)", key=PREFIX + "synonyms")
    if st.button("Add metric", key=PREFIX + "add", icon=":material/add:"):
        try:
            definition = parse_definition(text, _with(model, saved), tuple(s for s in synonyms.split(",") if s.strip()))
        except CalculatedMetricError as exc:
            st.error(escape_markdown(f"Refused: {exc}"), icon=":material/block:")
        else:
            saved.append(definition)
            save_definitions(settings.home, saved)
            st.success(escape_markdown(f"Added {definition.label} = {definition.formula} ({definition.format}). "
                                       f"Ask e.g. '{definition.label} by channel'."))
    if not saved:
        st.caption("No calculated metrics yet.")
        return
    st.dataframe(pd.DataFrame([describe(d) for d in saved]), hide_index=True, key=PREFIX + "table")
    for definition in list(saved):
        if st.button(f"Remove {escape_markdown(definition.label)}", key=f"{PREFIX}remove.{definition.name}"):
            save_definitions(settings.home, [d for d in saved if d.name != definition.name])
            st.rerun()


def _with(model: SemanticModel, saved: list) -> SemanticModel:
    from query_engine.semantics.calculated_metrics import apply_calculated_metrics

    return apply_calculated_metrics(model, tuple(saved))

"""The dataset selector shared by the Ask and Data pages, and example questions that fit the chosen dataset."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import streamlit as st

from query_engine.datasets.catalogue import DEMO_NAME, Dataset
from query_engine.errors import ClarifyError
from query_engine.interpret.suggestions import example_questions as model_examples
from query_engine.semantics.model import semantic_model_from_dict
from ui.resources import get_catalog, load_settings
from ui.state import AskState, use_dataset


def render_dataset_picker(state: AskState, key: str) -> Dataset:
    """A selectbox over the catalogue (demo first); switching clears the current question's readings."""
    datasets = {d.name: d for d in get_catalog(load_settings()).list()}
    if state.dataset not in datasets:
        state.use_dataset(DEMO_NAME)
    # The state is the source of truth (an upload may have selected a new dataset), so the widget follows it.
    st.session_state[key] = state.dataset
    st.selectbox("Dataset", list(datasets), key=key, format_func=lambda name: dataset_label(datasets[name]),
                 on_change=lambda: use_dataset(state, st.session_state[key]),
                 help="The bundled demo data, or a file you added on the Data page.")
    return datasets[state.dataset]


def dataset_label(dataset: Dataset) -> str:
    """How a dataset is named in the selector: its label, and the file it came from for uploads."""
    if dataset.kind == "demo":
        return dataset.label
    rows = f", {dataset.rows:,} rows" if dataset.rows is not None else ""
    return f"{dataset.name} (from {dataset.source or dataset.label}{rows})"


def example_questions_for(name: str) -> tuple[str, ...]:
    """Example questions built from an uploaded dataset's own metrics and dimensions."""
    try:
        raw = get_catalog(load_settings()).load_model_dict(name)
    except (ClarifyError, OSError):
        return ()
    return example_questions(raw)


def example_questions(raw: Mapping[str, Any]) -> tuple[str, ...]:
    """Up to four questions the offline reader answers over this model (built where refusals build theirs)."""
    try:
        model = semantic_model_from_dict(dict(raw))
    except (ClarifyError, KeyError, TypeError, ValueError):
        return ()
    return model_examples(model)

"""The Data page: add a file, pick a dataset, its tables (columns, types, rows, samples) and its semantic model."""
from __future__ import annotations

import pandas as pd
import streamlit as st
from sqlglot import exp

from query_engine.datasets.catalogue import Dataset, DatasetCatalog
from query_engine.pipeline import Pipeline
from query_engine.spec.safe_text import escape_markdown
from query_engine.spec.value_format import format_value
from ui.dataset_picker import render_dataset_picker
from ui.dataset_upload import render_upload
from ui.error_messages import friendly_errors
from ui.glossary_view import render_glossary
from ui.model_editor import render_model_editor
from ui.resources import (
    get_catalog,
    get_learning,
    get_pipeline,
    load_settings,
    pipeline_key,
)
from ui.state import (
    DEMO_DATASET,
    AskState,
    DataState,
    ask_state,
    data_state,
    use_dataset,
)

SAMPLE_ROWS = 10
DIRECTIONS = {"higher": "higher is better", "lower": "lower is better", "neutral": "neither"}


def render_data_page() -> None:
    """The whole Data page."""
    settings, state, ask = load_settings(), data_state(), ask_state()
    catalog = get_catalog(settings)
    st.title("Data")
    with st.container(border=True):
        st.subheader("Add your own data")
        render_upload(catalog, state, ask)
    dataset = render_dataset_picker(ask, "data.dataset")
    pipeline = get_pipeline(settings, dataset.name)
    model, profile = pipeline.model, pipeline.profile
    st.markdown(f"**{escape_markdown(model.name)}** — {escape_markdown(model.description)}")
    first, as_of, tables = st.columns(3)
    first.metric("First date", str(profile.first_date or "—"))
    as_of.metric("As of (latest date)", str(profile.as_of or "—"))
    tables.metric("Tables", len(model.tables))
    st.caption(escape_markdown(f"Database: {pipeline.database}"))
    tab_tables, tab_metrics, tab_dims, tab_glossary = st.tabs(["Tables", "Metrics", "Dimensions and time",
                                                               "Learned glossary"])
    with tab_tables:
        _show_tables(pipeline)
    with tab_metrics:
        st.dataframe(metrics_frame(pipeline), hide_index=True, key="data.metrics")
    with tab_dims:
        st.dataframe(dimensions_frame(pipeline), hide_index=True, key="data.dimensions")
        grains = pd.DataFrame([{"Grain": g.label, "Name": n, "Also called": ", ".join(g.synonyms)}
                               for n, g in model.time_grains.items()])
        st.dataframe(grains, hide_index=True, key="data.grains")
    with tab_glossary:
        st.caption("When analysts keep picking the same reading of an ambiguous phrase, Clarify ranks it first "
                   "for everyone here. Review, change or reset what it learned.")
        render_glossary(get_learning(load_settings()))
    _review(catalog, dataset, state, ask)


def _review(catalog: DatasetCatalog, dataset: Dataset, state: DataState, ask: AskState) -> None:
    st.header("Review the model")
    if dataset.kind == "demo":
        st.caption("The demo dataset's model is part of Clarify and is not edited here. Add your own file to "
                   "review and edit what Clarify inferred about its columns.")
        return
    with friendly_errors("showing the model"):
        render_model_editor(catalog, dataset)
    _remove(catalog, dataset, state, ask)


def _remove(catalog: DatasetCatalog, dataset: Dataset, state: DataState, ask: AskState) -> None:
    if state.confirm_remove != dataset.name:
        if st.button(f"Remove dataset '{escape_markdown(dataset.name)}'", key="data.remove", icon=":material/delete:"):
            state.confirm_remove = dataset.name
            st.rerun()
        return
    st.warning(f"Remove '{escape_markdown(dataset.name)}'? Its table and its edited model are deleted; the file you "
               "uploaded is not touched.", icon=":material/warning:")
    yes, no = st.columns(2)
    if yes.button(f"Yes, remove '{escape_markdown(dataset.name)}'", key="data.remove.confirm", type="primary"):
        with friendly_errors("removing the dataset"):
            catalog.remove(dataset.name)
            state.confirm_remove = None
            state.last_added = None
            use_dataset(ask, DEMO_DATASET)
            st.rerun()
    if no.button("Cancel", key="data.remove.cancel"):
        state.confirm_remove = None
        st.rerun()


def metrics_frame(pipeline: Pipeline) -> pd.DataFrame:
    """One row per metric: label, name, definition, synonyms, format and direction."""
    return pd.DataFrame([{"Metric": m.label, "Name": m.name, "Definition": m.description,
                          "Also called": ", ".join(m.synonyms), "Format": m.format,
                          "Direction": DIRECTIONS.get(m.direction, m.direction)}
                         for m in pipeline.model.metrics.values()])


def dimensions_frame(pipeline: Pipeline) -> pd.DataFrame:
    """One row per dimension: label, name, description, synonyms and its values."""
    values = pipeline.profile.values
    return pd.DataFrame([{"Dimension": d.label, "Name": d.name, "Description": d.description,
                          "Also called": ", ".join(d.synonyms), "Values": len(values.get(n, ())),
                          "Examples": ", ".join(values.get(n, ())[:8])}
                         for n, d in pipeline.model.dimensions.items()])


def _show_tables(pipeline: Pipeline) -> None:
    for name, table in pipeline.model.tables.items():
        columns, sample = _table_details(pipeline_key(pipeline), name, pipeline)
        rows = format_value(pipeline.profile.row_counts.get(name, 0), "integer")
        st.subheader(f"{escape_markdown(name)} · {rows} rows")
        st.caption(escape_markdown(table.description))
        left, right = st.columns([1, 3])
        left.dataframe(columns, hide_index=True, key=f"data.columns.{name}")
        right.dataframe(sample, hide_index=True, key=f"data.sample.{name}")


@st.cache_data(show_spinner=False, max_entries=16)
def _table_details(key: str, table: str, _pipeline: Pipeline) -> tuple[pd.DataFrame, pd.DataFrame]:
    # Table names come from the semantic model, never from the analyst; quoted all the same.
    ident = exp.to_identifier(table, quoted=True).sql("duckdb")
    cursor = _pipeline.con.cursor()
    try:
        described = cursor.execute(f"DESCRIBE {ident}").fetchall()
        sample = cursor.execute(f"SELECT * FROM {ident} LIMIT {SAMPLE_ROWS}").df()
    finally:
        cursor.close()
    columns = pd.DataFrame([{"Column": row[0], "Type": row[1]} for row in described])
    for name, kind in ((row[0], row[1]) for row in described):
        if kind == "DATE" and name in sample:  # pandas would show dates as midnight timestamps
            sample[name] = pd.to_datetime(sample[name]).dt.date
    return columns, sample

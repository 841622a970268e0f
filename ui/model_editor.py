"""Review and edit an uploaded dataset's inferred model: column roles, metrics, dimensions, recorded ambiguities.

Edits change the model's YAML dict; DatasetCatalog.save_model validates it against the model rules and
the table's columns before anything is written, so a rejected edit leaves the saved model as it was.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd
import streamlit as st

from query_engine.datasets.catalogue import Dataset, DatasetCatalog
from query_engine.datasets.model_edits import (
    DIRECTIONS,
    FORMATS,
    ROLES,
    apply_column_roles,
    apply_item_edit,
    confirm_columns,
    doubtful_columns,
)
from query_engine.spec.safe_text import code_span, escape_markdown
from ui.error_messages import friendly_errors


def render_model_editor(catalog: DatasetCatalog, dataset: Dataset) -> None:
    """Ambiguities, then tabs to edit column roles, metrics and dimensions; each tab saves on its own."""
    raw = catalog.load_model_dict(dataset.name)
    show_ambiguities(raw)
    st.caption(escape_markdown(f"Saved as YAML beside the data ({dataset.model_path}); questions use a saved model "
                               "at once."))
    roles_tab, metrics_tab, dims_tab = st.tabs(["Column roles", "Edit a metric", "Edit a dimension"])
    with roles_tab:
        _edit_roles(catalog, dataset, raw)
    with metrics_tab:
        _edit_metric(catalog, dataset, raw)
    with dims_tab:
        _edit_dimension(catalog, dataset, raw)


def show_ambiguities(raw: Mapping[str, Any]) -> None:
    """Each meaning two or more columns could carry; questions using it get one reading per column."""
    for ambiguity in raw.get("ambiguities") or ():
        columns = " or ".join(code_span(c) for c in ambiguity.get("columns", ()))
        phrase = escape_markdown(ambiguity.get("phrase", ambiguity.get("meaning", "")))
        st.warning(f"“{phrase}” could be {columns}. Questions that "
                   "say it get one reading per column to choose from; rename a metric or change a column's "
                   "role to settle it.", icon=":material/call_split:")


def columns_frame(raw: Mapping[str, Any]) -> pd.DataFrame:
    """One row per column of the table: header, type, role, meaning, why, and what to check (with a tick to confirm)."""
    return pd.DataFrame([{"Column": name, "Header in the file": c.get("source", name), "Type": c.get("type", ""),
                          "Role": c.get("role", "ignored"), "Meaning": c.get("meaning", ""),
                          "Why": c.get("note", ""), "Check": c.get("doubt", ""), "Confirm": False}
                         for name, c in (raw.get("columns") or {}).items()],
                        columns=["Column", "Header in the file", "Type", "Role", "Meaning", "Why", "Check", "Confirm"])


def _save(catalog: DatasetCatalog, dataset: Dataset, raw: dict[str, Any], what: str) -> None:
    with friendly_errors(f"saving the {what}"):
        catalog.save_model(dataset.name, raw)
        st.success(escape_markdown(f"Saved the {what}. The next question on '{dataset.name}' uses it."),
                   icon=":material/check_circle:")


def _edit_roles(catalog: DatasetCatalog, dataset: Dataset, raw: dict[str, Any]) -> None:
    st.caption("Roles: time (the table's date), date (another date), dimension (to group by), measure (to add "
               "up), identifier (never summed) or ignored. For a measure, the meaning is spend, impressions, "
               "clicks, conversions or revenue, or any other word.")
    unsure = doubtful_columns(raw)
    if unsure:
        st.info(escape_markdown(f"{len(unsure)} readings to check ({', '.join(unsure)}): see the Check column; "
                                "tick Confirm to keep a reading, or change its role or meaning."),
                icon=":material/fact_check:")
    edited = st.data_editor(
        columns_frame(raw), hide_index=True, key=f"data.model.{dataset.name}.roles",
        disabled=["Column", "Header in the file", "Type", "Why", "Check"],
        column_config={"Role": st.column_config.SelectboxColumn("Role", options=list(ROLES), required=True),
                       "Meaning": st.column_config.TextColumn("Meaning")})
    if st.button("Save column roles", key=f"data.model.{dataset.name}.save_roles", type="primary"):
        with friendly_errors("changing the column roles"):
            rows = edited.to_dict("records")
            changes = {row["Column"]: (row["Role"], "" if pd.isna(row["Meaning"]) else str(row["Meaning"]).strip())
                       for row in rows}
            confirmed = [row["Column"] for row in rows if row.get("Confirm")]
            _save(catalog, dataset, confirm_columns(apply_column_roles(raw, changes), confirmed), "column roles")


def _edit_metric(catalog: DatasetCatalog, dataset: Dataset, raw: dict[str, Any]) -> None:
    metrics = raw.get("metrics") or {}
    name = st.selectbox("Metric", list(metrics), key=f"data.model.{dataset.name}.metric",
                        format_func=lambda m: f"{metrics[m].get('label', m)} ({m})")
    if name is None:
        return
    metric, prefix = metrics[name], f"data.model.{dataset.name}.metric.{name}"
    label = st.text_input("Label", value=metric.get("label", name), key=f"{prefix}.label")
    synonyms = st.text_area("Also called (one per line or comma-separated)", key=f"{prefix}.synonyms",
                            value="\n".join(metric.get("synonyms", ())))
    left, right = st.columns(2)
    fmt = left.selectbox("Format", FORMATS, index=_index(FORMATS, metric.get("format", "number")),
                         key=f"{prefix}.format")
    direction = right.selectbox("Better when", DIRECTIONS, index=_index(DIRECTIONS, metric.get("direction", "neutral")),
                                key=f"{prefix}.direction")
    if st.button("Save metric", key=f"{prefix}.save", type="primary"):
        _save(catalog, dataset, apply_item_edit(raw, "metrics", name, label=label, synonyms=synonyms, format=fmt,
                                                direction=direction), f"metric '{name}'")


def _edit_dimension(catalog: DatasetCatalog, dataset: Dataset, raw: dict[str, Any]) -> None:
    dimensions = raw.get("dimensions") or {}
    name = st.selectbox("Dimension", list(dimensions), key=f"data.model.{dataset.name}.dimension",
                        format_func=lambda d: f"{dimensions[d].get('label', d)} ({d})")
    if name is None:
        st.caption("This dataset has no dimensions; give a column the role 'dimension' to group by it.")
        return
    dim, prefix = dimensions[name], f"data.model.{dataset.name}.dimension.{name}"
    label = st.text_input("Label", value=dim.get("label", name), key=f"{prefix}.label")
    synonyms = st.text_area("Also called (one per line or comma-separated)", key=f"{prefix}.synonyms",
                            value="\n".join(dim.get("synonyms", ())))
    if st.button("Save dimension", key=f"{prefix}.save", type="primary"):
        _save(catalog, dataset, apply_item_edit(raw, "dimensions", name, label=label, synonyms=synonyms),
              f"dimension '{name}'")


def _index(options: tuple[str, ...], value: str) -> int:
    return options.index(value) if value in options else 0

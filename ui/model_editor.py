"""Review and edit an uploaded dataset's inferred model: column roles, metrics, dimensions, recorded ambiguities.

Edits change the model's YAML dict; DatasetCatalog.save_model validates it against the model rules and
the table's columns before anything is written, so a rejected edit leaves the saved model as it was.
"""
from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from typing import Any

import pandas as pd
import streamlit as st
import yaml

from query_engine.datasets.catalogue import Dataset, DatasetCatalog
from query_engine.datasets.inference import BASE_MEANINGS, RATIO_INPUTS
from query_engine.errors import SemanticModelError
from query_engine.semantics.model import DEFAULT_MODEL_PATH
from query_engine.spec.safe_text import code_span, escape_markdown
from ui.error_messages import friendly_errors

ROLES = ("time", "date", "dimension", "measure", "identifier", "ignored")
FORMATS = ("currency", "integer", "number", "percent", "ratio")
DIRECTIONS = ("higher", "lower", "neutral")
DATE_TYPES = ("DATE", "TIMESTAMP")


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
    """One row per column of the table: header in the file, type, role, meaning and why."""
    return pd.DataFrame([{"Column": name, "Header in the file": c.get("source", name), "Type": c.get("type", ""),
                          "Role": c.get("role", "ignored"), "Meaning": c.get("meaning", ""),
                          "Why": c.get("note", "")} for name, c in (raw.get("columns") or {}).items()],
                        columns=["Column", "Header in the file", "Type", "Role", "Meaning", "Why"])


def _save(catalog: DatasetCatalog, dataset: Dataset, raw: dict[str, Any], what: str) -> None:
    with friendly_errors(f"saving the {what}"):
        catalog.save_model(dataset.name, raw)
        st.success(escape_markdown(f"Saved the {what}. The next question on '{dataset.name}' uses it."),
                   icon=":material/check_circle:")


def _edit_roles(catalog: DatasetCatalog, dataset: Dataset, raw: dict[str, Any]) -> None:
    st.caption("Roles: time (the table's date), date (another date), dimension (to group by), measure (to add "
               "up), identifier (never summed) or ignored. For a measure, the meaning is spend, impressions, "
               "clicks, conversions or revenue, or any other word.")
    edited = st.data_editor(
        columns_frame(raw), hide_index=True, key=f"data.model.{dataset.name}.roles",
        disabled=["Column", "Header in the file", "Type", "Why"],
        column_config={"Role": st.column_config.SelectboxColumn("Role", options=list(ROLES), required=True),
                       "Meaning": st.column_config.TextColumn("Meaning")})
    if st.button("Save column roles", key=f"data.model.{dataset.name}.save_roles", type="primary"):
        with friendly_errors("changing the column roles"):
            changes = {row["Column"]: (row["Role"], "" if pd.isna(row["Meaning"]) else str(row["Meaning"]).strip())
                       for row in edited.to_dict("records")}
            _save(catalog, dataset, apply_column_roles(raw, changes), "column roles")


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
    fmt = left.selectbox("Format", FORMATS, index=_index(FORMATS, metric.get("format", "number")), key=f"{prefix}.format")
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


def parse_synonyms(text: str) -> list[str]:
    """Phrases from a text box: one per line or comma-separated, trimmed, lowercased, without repeats."""
    return list(dict.fromkeys(p.strip().lower() for p in re.split(r"[\n,]", text) if p.strip()))


def apply_item_edit(raw: Mapping[str, Any], section: str, name: str, *, label: str, synonyms: str,
                    **fields: str) -> dict[str, Any]:
    """A copy of the model with one metric's or dimension's label, synonyms and other fields replaced."""
    out = copy.deepcopy(dict(raw))
    item = out[section][name]
    if not label.strip():
        raise SemanticModelError(f"The {section[:-1]} '{name}' needs a label.", hint="Type the name analysts use.")
    item["label"] = label.strip()
    item["synonyms"] = parse_synonyms(synonyms)
    item.update(fields)
    return out


def apply_column_roles(raw: Mapping[str, Any], changes: Mapping[str, tuple[str, str]]) -> dict[str, Any]:
    """A copy of the model where each changed column plays its new role (metrics built on it follow)."""
    out = copy.deepcopy(dict(raw))
    columns = out.setdefault("columns", {})
    original = raw.get("columns") or {}  # compared with the model as loaded: a new time column demotes the old
    for column, (role, meaning) in changes.items():
        before = columns.get(column, {})
        was = original.get(column, {})
        if (was.get("role"), was.get("meaning", "")) == (role, meaning):
            continue
        if role not in ROLES:
            raise SemanticModelError(f"'{role}' is not a column role.", hint="Pick one of: " + ", ".join(ROLES) + ".")
        _drop_uses(out, column)
        _place(out, column, before, role, meaning)
        columns[column] = {**before, "role": role, "note": "set by the analyst",
                           **({"meaning": meaning} if meaning else {})}
        if not meaning:
            columns[column].pop("meaning", None)
    _drop_dangling(out)
    return out


def _drop_uses(raw: dict[str, Any], column: str) -> None:
    for section in ("metrics", "dimensions", "date_fields"):
        items = raw.get(section) or {}
        for name in [n for n, item in items.items() if item.get("column") == column]:
            del items[name]
    for table in (raw.get("tables") or {}).values():
        if table.get("time_column") == column:
            del table["time_column"]


def _place(raw: dict[str, Any], column: str, facts: Mapping[str, Any], role: str, meaning: str) -> None:
    table, source = raw["base_table"], facts.get("source", column)
    if role in ("time", "date") and not str(facts.get("type", "")).startswith(DATE_TYPES):
        raise SemanticModelError(f"'{column}' holds {facts.get('type', 'values')}, not dates, so it cannot be a "
                                 f"{role} column.", hint="Choose a column loaded as DATE or TIMESTAMP.")
    if role == "time":
        _make_time_column(raw, column, source)
    elif role == "date":
        raw.setdefault("date_fields", {})[_key(column)] = {"table": table, "column": column, "label": source}
    elif role == "dimension":
        dims = raw.setdefault("dimensions", {})
        name = _free_name(dims, _key(meaning or column))
        dims[name] = {"table": table, "column": column, "label": meaning.capitalize() if meaning else source,
                      "synonyms": parse_synonyms(f"{source},{meaning}")}
    elif role == "measure":
        _add_measure(raw, column, source, meaning)


def _make_time_column(raw: dict[str, Any], column: str, source: str) -> None:
    table = raw["base_table"]
    fields = raw.setdefault("date_fields", {})
    previous = fields.pop("date", None)
    if previous is not None:  # the old time column stays available as another date
        fields[_key(previous["column"])] = {**previous, "synonyms": parse_synonyms(previous.get("label", ""))}
        raw["columns"].get(previous["column"], {})["role"] = "date"
    fields["date"] = {"table": table, "column": column, "label": source}
    raw["tables"][table]["time_column"] = column
    if not raw.get("time_grains"):
        raw["time_grains"] = _demo()["time_grains"]


def _add_measure(raw: dict[str, Any], column: str, source: str, meaning: str) -> None:
    metrics, demo = raw.setdefault("metrics", {}), _demo()["metrics"]
    name = meaning.lower() if meaning.lower() in BASE_MEANINGS and meaning.lower() not in metrics else \
        _free_name(metrics, _key(source))
    template = demo.get(meaning.lower(), {}) if meaning.lower() in BASE_MEANINGS else {}
    # A reported rate (CTR, CPA, "rate") is averaged per row: summing percentages gives nonsense.
    rate = meaning.lower() in RATIO_INPUTS or meaning.lower() == "rate"
    metrics[name] = {"label": template.get("label", source), "table": raw["base_table"],
                     "aggregation": "avg" if rate else "sum", "column": column,
                     "format": template.get("format", "percent" if rate else "number"),
                     "direction": template.get("direction", "neutral"),
                     "description": f"{'Average' if rate else 'Sum'} of the column '{source}'.",
                     "synonyms": parse_synonyms(",".join([source, meaning, *template.get("synonyms", ())]))}
    for ratio, (numerator, denominator) in RATIO_INPUTS.items():
        if ratio not in metrics and numerator in metrics and denominator in metrics:
            metrics[ratio] = copy.deepcopy(demo[ratio])
            metrics[ratio]["description"] = metrics[ratio].get("description", "").replace(" in USD", "")


def _drop_dangling(raw: dict[str, Any]) -> None:
    """Remove ratios whose inputs are gone, and every reference to a removed metric."""
    metrics = raw.get("metrics") or {}
    while dangling := [n for n, m in metrics.items() if "ratio" in m and not
                       {m["ratio"].get("numerator"), m["ratio"].get("denominator")} <= set(metrics)]:
        for name in dangling:
            del metrics[name]
    raw["default_metrics"] = [m for m in raw.get("default_metrics") or () if m in metrics] or \
        [m for m, v in metrics.items() if "ratio" not in v][:4]
    groups = {k: [m for m in v if m in metrics] for k, v in (raw.get("performance_metrics") or {}).items()}
    raw["performance_metrics"] = {k: v for k, v in groups.items() if v}
    kept = []
    for ambiguity in raw.get("ambiguities") or ():
        names = [m for m in ambiguity.get("metrics", ()) if m in metrics]
        if len(names) > 1:
            kept.append({**ambiguity, "metrics": names,
                         "columns": [metrics[m]["column"] for m in names if "column" in metrics[m]]})
    raw["ambiguities"] = kept
    for name, metric in metrics.items():
        if "alternatives" in metric:
            metric["alternatives"] = [a for a in metric["alternatives"] if a in metrics]
            if not metric["alternatives"]:
                del metric["alternatives"]


def _free_name(items: Mapping[str, Any], name: str) -> str:
    candidate, number = name, 2
    while candidate in items:
        candidate, number = f"{name}_{number}", number + 1
    return candidate


def _key(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", name).strip("_").lower() or "column"


def _demo() -> dict[str, Any]:
    return yaml.safe_load(DEFAULT_MODEL_PATH.read_text(encoding="utf-8"))

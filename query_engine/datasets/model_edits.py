"""Edits to an inferred model: a column's new role, a metric's or dimension's label and synonyms.

The rules live here, beside the inference, so the Data page's editor and the inference agree on what a
role means; an edit returns a new model dict, which DatasetCatalog.save_model validates before writing.
"""
from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from typing import Any

import yaml

from query_engine.datasets.column_lexicon import lexicon
from query_engine.datasets.column_roles import ColumnFacts
from query_engine.datasets.rate_rules import derived_rates, volume_metrics
from query_engine.datasets.stored_rates import StoredRates
from query_engine.errors import FormulaError, SemanticModelError
from query_engine.semantics.formula import formula_measures
from query_engine.semantics.model import DEFAULT_MODEL_PATH

ROLES = ("time", "date", "dimension", "measure", "identifier", "ignored")
FORMATS = ("currency", "integer", "number", "percent", "ratio")
DIRECTIONS = ("higher", "lower", "neutral")
DATE_TYPES = ("DATE", "TIMESTAMP")


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


def doubtful_columns(raw: Mapping[str, Any]) -> list[str]:
    """The columns whose reading inference was unsure of (a numeric id, a rate without inputs, a second date)."""
    return [name for name, c in (raw.get("columns") or {}).items() if c.get("doubt")]


def confirm_columns(raw: Mapping[str, Any], names: list[str]) -> dict[str, Any]:
    """A copy of the model where the analyst has confirmed these columns' readings (their doubts cleared)."""
    out = copy.deepcopy(dict(raw))
    for name in names:
        column = out.get("columns", {}).get(name)
        if column and column.pop("doubt", None):
            column["note"] = (column.get("note", "") + " (confirmed by the analyst)").strip()
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
    """The column as a measure of `meaning`, by the same rules as inference: volumes summed, rates never."""
    metrics, demo = raw.setdefault("metrics", {}), _demo()["metrics"]
    rule = next((r for r in lexicon().measures if r.key == meaning.lower()), None) or lexicon().rule(meaning.lower())
    facts = ColumnFacts(column, source, str(raw.get("columns", {}).get(column, {}).get("type", "DOUBLE")),
                        "number", 0, 1, 1)
    table = raw["base_table"]
    if rule is not None and rule.kind == "rate":
        stored = StoredRates(table, metrics, {})
        stored.add(facts, rule)
        raw["ambiguities"] = [*(raw.get("ambiguities") or ()), *stored.ambiguities]
    else:
        volume = rule if rule is not None else lexicon().rule("spend")
        taken = volume is None or rule is None or rule.meaning in metrics
        found = {rule.meaning if rule else "": [facts]}
        new, _ = volume_metrics(table, found if not taken else {}, demo)
        if taken:
            new = {_free_name(metrics, _key(source)): {
                "label": source, "table": table, "aggregation": "sum", "column": column, "format": "number",
                "direction": "neutral", "description": f"Sum of the column '{source}'.",
                "synonyms": parse_synonyms(f"{source},{meaning}")}}
        metrics.update(new)
    metrics.update(derived_rates(metrics, demo))


def _drop_dangling(raw: dict[str, Any]) -> None:
    """Remove ratios whose inputs are gone, and every reference to a removed metric."""
    metrics = raw.get("metrics") or {}
    while dangling := [n for n, m in metrics.items() if _uses_missing(m, metrics)]:
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
    for _name, metric in metrics.items():
        if "alternatives" in metric:
            metric["alternatives"] = [a for a in metric["alternatives"] if a in metrics]
            if not metric["alternatives"]:
                del metric["alternatives"]


def _uses_missing(metric: Mapping[str, Any], metrics: Mapping[str, Any]) -> bool:
    """A ratio or a formula (bounce rate = 1 - engaged sessions / sessions) over a measure that is gone."""
    if "ratio" in metric:
        return not {metric["ratio"].get("numerator"), metric["ratio"].get("denominator")} <= set(metrics)
    if metric.get("formula"):
        try:
            formula_measures(str(metric["formula"]), set(metrics))
        except FormulaError:
            return True
    return False


def _free_name(items: Mapping[str, Any], name: str) -> str:
    candidate, number = name, 2
    while candidate in items:
        candidate, number = f"{name}_{number}", number + 1
    return candidate


def _key(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", name).strip("_").lower() or "column"


def _demo() -> dict[str, Any]:
    return yaml.safe_load(DEFAULT_MODEL_PATH.read_text(encoding="utf-8"))

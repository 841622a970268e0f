"""Infer a semantic model (YAML form) from one table, or a fact table and its lookups, from each column's role.

The result is the dict that semantic_model_from_dict reads, plus `columns` (every column's role, for review) and
`ambiguities` (meanings two columns could both carry), which the loader ignores. `column_roles` says what each
column is.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import duckdb
import yaml

from query_engine.datasets.column_roles import (
    BASE_MEANINGS,
    ENTITIES,
    RATIO_INPUTS,
    ClassifiedColumn,
    ColumnFacts,
    classify_columns,
    column_facts,
)
from query_engine.interpret.question_text import phrase_key
from query_engine.semantics.model import DEFAULT_MODEL_PATH, semantic_model_from_dict

_SECONDARY = r"\b(approved|pending|post view|view ?through|assisted|unique|estimated|attributed|offline)\b"
_PRIMARY = {"spend": r"(amount )?spen[dt]|(total |media )?cost",
            "conversions": r"(total |all )?conv(ersion)?s?|results|purchases",
            "revenue": r"(total )?revenue|(total |purchases? )?conv(ersion)?s? value|purchase value",
            "impressions": r"impr(ession)?s?", "clicks": r"(link )?clicks( all)?"}
GRAIN_WORDS = ("day", "week", "month", "quarter", "year", "day_of_week", "weekday")


def infer_model(con: duckdb.DuckDBPyConnection, table: str, *, kinds: Mapping[str, str] | None = None,
                sources: Mapping[str, str] | None = None, title: str | None = None) -> dict[str, Any]:
    """The semantic model of one table, as the YAML dict semantic_model_from_dict reads (validated)."""
    return model_from_facts(table, column_facts(con, table, kinds, sources), title=title)


def model_from_facts(table: str, facts: list[ColumnFacts], *, title: str | None = None,
                     lookups: Mapping[str, tuple[list[ColumnFacts], tuple[str, ...]]] | None = None) -> dict[str, Any]:
    """The model of a fact table, plus lookup tables joined on shared columns whose text columns become dimensions."""
    elsewhere = frozenset(r.meaning for lf, _ in (lookups or {}).values() for r in classify_columns(lf)
                          if r.role == "dimension" and r.meaning)
    roles = classify_columns(facts, elsewhere)
    builder = _ModelBuilder(table, title or table, facts[0].rows if facts else 0,
                            any(r.role == "time" for r in roles))
    for role in roles:
        builder.add(role)
    for name, (lookup_facts, using) in (lookups or {}).items():
        builder.add_lookup(name, lookup_facts, using)
    raw = builder.finish()
    semantic_model_from_dict(raw)
    return raw


def model_yaml(raw: Mapping[str, Any]) -> str:
    """The model dict as readable YAML (insertion order kept)."""
    return yaml.safe_dump(dict(raw), sort_keys=False, allow_unicode=True, width=110)


def _demo_raw() -> dict[str, Any]:
    return yaml.safe_load(DEFAULT_MODEL_PATH.read_text(encoding="utf-8"))


class _ModelBuilder:
    """Accumulates tables, dimensions, date fields and metrics, then resolves names and synonyms."""

    def __init__(self, table: str, title: str, rows: int, has_dates: bool) -> None:
        self.table, self.title, self.rows, self.has_dates = table, title, rows, has_dates
        self.demo = _demo_raw()
        self.time_column: str | None = None
        self.dimensions: dict[str, dict[str, Any]] = {}
        self.date_fields: dict[str, dict[str, Any]] = {}
        self.measures: dict[str, list[tuple[ColumnFacts, int]]] = {}
        self.plain: dict[str, dict[str, Any]] = {}
        self.reported: dict[str, ColumnFacts] = {}
        self.columns: dict[str, dict[str, Any]] = {}
        self.entity_column: tuple[str, str, str] | None = None
        self.lookups: dict[str, tuple[str, ...]] = {}

    def add(self, role: ClassifiedColumn) -> None:
        """Place one classified column in the model."""
        f = role.facts
        self.columns[f.name] = {"source": f.source, "type": f.type, "role": role.role,
                                **({"meaning": role.meaning} if role.meaning else {}),
                                **({"note": role.note} if role.note else {})}
        if role.role == "time":
            self.time_column = f.name
            self.date_fields["date"] = {"table": self.table, "column": f.name, "label": f.source}
        elif role.role == "date":
            self.date_fields[_key(f.name)] = {"table": self.table, "column": f.name, "label": f.source,
                                             "synonyms": [f.words]}
        elif role.role == "dimension":
            self._dimension(role)
        elif role.role == "measure":
            self._measure(role)

    def add_lookup(self, table: str, facts: list[ColumnFacts], using: tuple[str, ...]) -> None:
        """A table joined to the fact table: its text and date columns become dimensions and date fields."""
        self.lookups[table] = using
        for role in classify_columns(facts):
            if role.facts.name in using:
                continue
            if role.role == "dimension" or (role.role == "identifier" and role.meaning):
                self._dimension(role, table)
            elif role.role in ("date", "time"):
                self.date_fields.setdefault(_key(role.facts.name), {
                    "table": table, "column": role.facts.name, "label": role.facts.source,
                    "synonyms": [role.facts.words]})

    def _dimension(self, role: ClassifiedColumn, table: str | None = None) -> None:
        f = role.facts
        table = table or self.table
        name = role.meaning if role.meaning and role.meaning not in self.dimensions else _key(f.name)
        if self.has_dates and name in GRAIN_WORDS:
            name = f"{name}_{'name' if f.kind in ('month', 'weekday') else 'number'}"
        demo = self.demo["dimensions"].get(name, {})
        entity = bool(role.meaning) and role.meaning in dict(ENTITIES)
        dim: dict[str, Any] = {"table": table, "column": f.name,
                               "label": name.replace("_", " ").capitalize() if entity or name != _key(f.name)
                               else f.source,
                               "synonyms": _unique([f.words, f"{f.words}s", name.replace("_", " ") + "s",
                                                    *demo.get("synonyms", ())])}
        if self.has_dates:
            dim["synonyms"] = [s for s in dim["synonyms"] if s.rstrip("s") not in GRAIN_WORDS]
        if entity or f.distinct > 50:
            dim["entity"] = True
        if role.note.startswith("time part"):
            dim["time_part"] = (role.meaning or f.kind)
        self.dimensions[name] = dim
        if dim.get("entity") and self.entity_column is None:
            self.entity_column = (name, f.name, table)

    def _measure(self, role: ClassifiedColumn) -> None:
        f = role.facts
        meaning = role.meaning
        if meaning in BASE_MEANINGS:
            rank = 0 if re.fullmatch(_PRIMARY[meaning], f.words) else 2 if re.search(_SECONDARY, f.words) else 1
            self.measures.setdefault(meaning, []).append((f, rank))
        elif meaning in RATIO_INPUTS or meaning == "rate":
            self.reported[_key(f.name) if meaning == "rate" else meaning] = f
        else:
            self.plain[_key(f.name)] = _plain_metric(self.table, f, meaning)

    def finish(self) -> dict[str, Any]:
        """The complete model dict with derived metrics, defaults and deconflicted synonyms."""
        metrics, ambiguities = self._base_metrics()
        metrics.update({k: v for k, v in self.plain.items() if k not in metrics})
        metrics.update(self._ratios(metrics))
        if self.entity_column:
            name, column, table = self.entity_column
            metrics.setdefault(f"{name}_count", _count_metric(table, name, column))
        metrics.update(self._reported_rates(metrics))
        if not metrics:
            raise_no_measures(self.title)
        _deconflict(metrics, self.dimensions, ambiguities)
        defaults: list[str] = [m for m in ("spend", "conversions", "revenue", "roas", "cpa") if m in metrics] or \
            [m for m, v in metrics.items() if "ratio" not in v][:4]
        raw: dict[str, Any] = {
            "name": self.title, "description": f"Uploaded data: {self.rows:,} rows in table {self.table}.",
            "tables": {self.table: {"alias": "t", "description": f"One row per line of {self.title}.",
                                    **({"time_column": self.time_column} if self.time_column else {})},
                       **{t: {"alias": f"l{i + 1}", "description": f"Joined on {', '.join(u)}."}
                          for i, (t, u) in enumerate(self.lookups.items())}},
            "base_table": self.table,
            "joins": [{"table": t, "to": self.table, "using": list(u)} for t, u in self.lookups.items()],
            "dimensions": self.dimensions, "date_fields": self.date_fields,
            "time_grains": self.demo["time_grains"] if self.time_column else {},
            "metrics": metrics, "performance_metrics": self._performance(metrics, defaults),
            "default_metrics": defaults, "ambiguities": ambiguities, "columns": self.columns}
        return raw

    def _base_metrics(self) -> tuple[dict[str, dict[str, Any]], list[dict[str, Any]]]:
        metrics: dict[str, dict[str, Any]] = {}
        ambiguities = []
        for meaning in BASE_MEANINGS:
            found = sorted(self.measures.get(meaning, []), key=lambda item: item[1])
            for i, (f, _) in enumerate(found):
                demo = self.demo["metrics"][meaning]
                name = meaning if i == 0 else _key(f.name).lower()
                metric = {"label": demo["label"] if i == 0 else f.source, "table": self.table,
                          "aggregation": "sum", "column": f.name, "format": _format(f, demo["format"]),
                          "direction": demo["direction"],
                          "description": f"{demo['label']}: the column '{f.source}'.",
                          "synonyms": _unique([f.words, *(demo.get("synonyms", ()) if i == 0 else (meaning,))])}
                if i == 0 and demo.get("weak_synonyms"):
                    metric["weak_synonyms"] = list(demo["weak_synonyms"])
                metrics[name] = metric
            if len(found) > 1:
                names = [meaning, *(_key(f.name).lower() for f, _ in found[1:])]
                ambiguities.append({"meaning": meaning, "phrase": meaning, "metrics": names,
                                    "columns": [f.name for f, _ in found]})
                for name in names:
                    metrics[name]["alternatives"] = [n for n in names if n != name]
        return metrics, ambiguities

    def _ratios(self, metrics: dict[str, Any]) -> dict[str, dict[str, Any]]:
        out = {}
        for name, (numerator, denominator) in RATIO_INPUTS.items():
            if numerator in metrics and denominator in metrics:
                demo = dict(self.demo["metrics"][name])
                demo["description"] = demo["description"].replace(" in USD", "")
                out[name] = demo
        return out

    def _reported_rates(self, metrics: dict[str, Any]) -> dict[str, dict[str, Any]]:
        out = {}
        for name, f in self.reported.items():
            if name in metrics:
                self.columns[f.name]["note"] = f"a reported rate; {name.upper()} is computed from its parts instead"
                continue
            demo = self.demo["metrics"].get(name, {})
            out[name] = {"label": demo.get("label", f.source) if demo else f.source, "table": self.table,
                         "aggregation": "avg", "column": f.name, "format": _format(f, demo.get("format", "number")),
                         "direction": demo.get("direction", "neutral"),
                         "description": f"Average of the reported '{f.source}' per row (a rate: not summed).",
                         "synonyms": _unique([f.words, *demo.get("synonyms", ())])}
        return out

    def _performance(self, metrics: dict[str, Any], defaults: list[str]) -> dict[str, list[str]]:
        groups = {k: [m for m in v if m in metrics] for k, v in self.demo["performance_metrics"].items()}
        if not groups["higher"]:
            groups["higher"] = defaults[:3]
        return {k: v for k, v in groups.items() if v}


def raise_no_measures(title: str) -> None:
    """No numeric column: nothing to add up, so no question could be answered."""
    from query_engine.errors import IngestError

    raise IngestError(f"{title} has no numeric columns to measure.",
                      hint="Check that the numbers loaded (see the column report) or upload a report with metrics.")


def _plain_metric(table: str, f: ColumnFacts, meaning: str) -> dict[str, Any]:
    averaged = meaning == "frequency"
    return {"label": f.source, "table": table, "aggregation": "avg" if averaged else "sum", "column": f.name,
            "format": _format(f, "number"), "direction": "neutral",
            "description": f"{'Average' if averaged else 'Sum'} of the column '{f.source}'.",
            "synonyms": _unique([f.words])}


def _count_metric(table: str, entity: str, column: str) -> dict[str, Any]:
    word = entity.replace("_", " ")
    return {"label": f"Number of {word}s", "table": table, "aggregation": "count_distinct", "column": column,
            "format": "integer", "direction": "neutral", "description": f"Number of distinct {word}s.",
            "synonyms": [f"number of {word}s", f"{word} count", f"count of {word}s", f"how many {word}s"]}


def _format(f: ColumnFacts, default: str) -> str:
    if f.kind == "percent":
        return "percent"
    if default in ("currency", "percent", "ratio"):
        return default
    return {"currency": "currency", "integer": "integer"}.get(f.kind, default)


def _key(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", name).strip("_").lower() or "column"


def _unique(phrases: list[str]) -> list[str]:
    return list(dict.fromkeys(p.strip().lower() for p in phrases if p and p.strip()))


def _deconflict(metrics: dict[str, Any], dimensions: dict[str, Any], ambiguities: list[dict[str, Any]]) -> None:
    """Drop a synonym that is another item's own name or label, unless the ambiguity is recorded."""
    owned: dict[tuple[str, ...], str] = {}
    for kind, items in (("metric", metrics), ("dimension", dimensions)):
        for name, item in items.items():
            for phrase in (name.replace("_", " "), item.get("label", "")):
                owned.setdefault(phrase_key(phrase), f"{kind}:{name}")
    shared = {(phrase_key(a["phrase"]), f"metric:{m}") for a in ambiguities for m in a["metrics"]}
    for kind, items in (("metric", metrics), ("dimension", dimensions)):
        for name, item in items.items():
            me = f"{kind}:{name}"
            item["synonyms"] = [s for s in item.get("synonyms", ())
                                if owned.get(phrase_key(s), me) == me or (phrase_key(s), me) in shared]

"""Infer a semantic model (YAML form) from one table, or a fact table and its lookups, from each column's role.

The result is the dict that semantic_model_from_dict reads, plus `columns` (every column's role, for review) and
`ambiguities` (meanings two columns could both carry), which the loader ignores. `column_roles` says what each
column is.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import partial
from typing import Any

import duckdb
import yaml

from query_engine.datasets.column_lexicon import (
    MeasureRule,
    audience_of,
    entity_of,
    header_synonyms,
    lexicon,
    normalise_name,
)
from query_engine.datasets.column_roles import ClassifiedColumn, ColumnFacts, classify_columns, column_facts
from query_engine.datasets.rate_inputs import input_fits
from query_engine.datasets.rate_rules import complement_rates, derived_rates, key_of, unique, volume_metrics
from query_engine.datasets.stored_rates import RateCheck, StoredRates
from query_engine.interpret.question_text import STOPWORDS, phrase_key
from query_engine.semantics.model import DEFAULT_MODEL_PATH, semantic_model_from_dict

GRAIN_WORDS = ("day", "week", "month", "quarter", "year", "day_of_week", "weekday")


def infer_model(con: duckdb.DuckDBPyConnection, table: str, *, kinds: Mapping[str, str] | None = None,
                sources: Mapping[str, str] | None = None, title: str | None = None) -> dict[str, Any]:
    """The semantic model of one table, as the YAML dict semantic_model_from_dict reads (validated)."""
    return model_from_facts(table, column_facts(con, table, kinds, sources), title=title,
                            check=partial(input_fits, con, table))


def model_from_facts(table: str, facts: list[ColumnFacts], *, title: str | None = None,
                     lookups: Mapping[str, tuple[list[ColumnFacts], tuple[str, ...]]] | None = None,
                     check: RateCheck | None = None) -> dict[str, Any]:
    """The model of a fact table, plus lookup tables joined on shared columns whose text columns become dimensions;
    `check` reads a stored rate's rows to tell which columns it is computed from."""
    elsewhere = frozenset(r.meaning for lf, _ in (lookups or {}).values() for r in classify_columns(lf)
                          if r.role == "dimension" and r.meaning)
    roles = classify_columns(facts, elsewhere)
    builder = _ModelBuilder(table, title or table, facts[0].rows if facts else 0,
                            any(r.role == "time" for r in roles), [f.source for f in facts], check)
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


_GENERIC_HEADS = {"group", "set", "type", "name", "title", "text", "level", "format", "id", "status", "label"}


def _ad_heads(synonyms: list[str]) -> list[str]:
    """The thing an 'ad ...' header names, asked without 'ad': 'Ad Squad Name' is asked as 'squad' and 'squads'
    (never 'set' or 'group', which name other things)."""
    heads = {s.split()[1].removesuffix("s") for s in synonyms if len(s.split()) == 2 and s.split()[0] == "ad"}
    return [w for head in sorted(heads) if len(head) >= 5 and head not in _GENERIC_HEADS for w in (head, f"{head}s")]


def _thing_words(word: str) -> list[str]:
    """The thing a gerund column names: 'Targeting' is asked as 'target' and 'targets'."""
    head, _, last = word.rpartition(" ")
    if not last.endswith("ing") or len(last) < 7:
        return []
    stem = last[:-3]
    stem = stem[:-1] if len(stem) > 3 and stem[-1] == stem[-2] else stem  # 'bidding' -> 'bid'
    if stem in STOPWORDS:
        return []
    thing = f"{head} {stem}".strip()
    return [thing, f"{thing}s"]


class _ModelBuilder:
    """Accumulates tables, dimensions, date fields and metrics, then resolves names and synonyms."""

    def __init__(self, table: str, title: str, rows: int, has_dates: bool, headers: Sequence[str] = (),
                 check: RateCheck | None = None) -> None:
        self.table, self.title, self.rows, self.has_dates, self.check = table, title, rows, has_dates, check
        # Each header's own words: a word borrowed from the demo never goes to one column when another names it.
        self.header_words = {h: " " + " ".join(w.rstrip("s") for w in normalise_name(h).split()) + " " for h in headers}
        self.demo = _demo_raw()
        self.time_column: str | None = None
        self.dimensions: dict[str, dict[str, Any]] = {}
        self.date_fields: dict[str, dict[str, Any]] = {}
        self.volumes: dict[str, list[tuple[ColumnFacts, int]]] = {}
        self.rates: list[tuple[ColumnFacts, MeasureRule]] = []
        self.plain: dict[str, dict[str, Any]] = {}
        self.columns: dict[str, dict[str, Any]] = {}
        self.personal: list[str] = []
        self.entity_column: tuple[str, str, str] | None = None
        self.lookups: dict[str, tuple[str, ...]] = {}

    def add(self, role: ClassifiedColumn) -> None:
        """Place one classified column in the model."""
        f = role.facts
        self.columns[f.name] = {"source": f.source, "type": f.type, "role": role.role,
                                **({"meaning": role.meaning} if role.meaning else {}),
                                **({"note": role.note} if role.note else {}),
                                **({"doubt": role.doubt} if role.doubt else {})}
        if role.personal:
            self.personal.append(f.name)
        if role.role == "time":
            self.time_column = f.name
            self.date_fields["date"] = {"table": self.table, "column": f.name, "label": f.source}
        elif role.role == "date":
            self.date_fields[key_of(f.name)] = {"table": self.table, "column": f.name, "label": f.source,
                                                "synonyms": header_synonyms(f.source)}
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
                self.date_fields.setdefault(key_of(role.facts.name), {
                    "table": table, "column": role.facts.name, "label": role.facts.source,
                    "synonyms": header_synonyms(role.facts.source)})

    def _dimension(self, role: ClassifiedColumn, table: str | None = None) -> None:
        f = role.facts
        table = table or self.table
        name = role.meaning if role.meaning and role.meaning not in self.dimensions else key_of(f.name)
        if self.has_dates and name in GRAIN_WORDS:
            name = f"{name}_{'name' if f.kind in ('month', 'weekday') else 'number'}"
        word = name.replace("_", " ")
        named = bool(role.meaning) and not role.note.startswith("time part")
        label = (word.replace(" id", " ID").capitalize() if named else f.source)
        dim: dict[str, Any] = {"table": table, "column": f.name, "label": label,
                               "synonyms": unique([*header_synonyms(f.source), *_plurals(header_synonyms(f.source)),
                                                   word, f"{word}s", *self._borrowed_dimension_words(name, f.source)])}
        dim["synonyms"] = unique([*dim["synonyms"], *_thing_words(word), *_ad_heads(dim["synonyms"])])
        if name.endswith("_id"):  # "campaign number" for a campaign id
            thing = name[:-3].replace("_", " ")
            spellings = [f"{thing} {w}" for w in lexicon().raw.get("id_spellings", ())]
            dim["synonyms"] = unique([*dim["synonyms"], *spellings, *(f"{s}s" for s in spellings)])
        if self.has_dates:
            dim["synonyms"] = [s for s in dim["synonyms"] if s.rstrip("s") not in GRAIN_WORDS]
        entity = bool(role.meaning) and role.meaning in lexicon().entities
        if entity or f.distinct > 50:
            dim["entity"] = True
        if role.note.startswith("time part"):
            dim["time_part"] = (role.meaning or f.kind)
        self.dimensions[name] = dim
        if entity and self.entity_column is None:
            self.entity_column = (name, f.name, table)

    def _borrowed_dimension_words(self, name: str, source: str) -> list[str]:
        """The demo's words for a dimension of the same name, where the lexicon reads them as it (or as nothing)
        and no other column of the file names them ('source' is a GA4 file's source / medium, not its channel)."""
        words = self.demo["dimensions"].get(name, {}).get("synonyms", ())
        others = [w for h, w in self.header_words.items() if h != source]
        return [w for w in words if entity_of(w) in (None, name) and audience_of(w) in (None, name)
                and not any(" " + " ".join(p.rstrip("s") for p in w.split()) + " " in o for o in others)]

    def _measure(self, role: ClassifiedColumn) -> None:
        f = role.facts
        rule = lexicon().rule(role.meaning) if role.meaning else None
        rule = next((r for r in lexicon().measures if r.key == role.meaning), rule)
        if rule is None:
            self.plain[key_of(f.name)] = _plain_metric(self.table, f)
        elif rule.kind == "volume":
            main = lexicon().rule(rule.meaning) or rule
            self.volumes.setdefault(rule.meaning, []).append((f, main.rank(f.words)))
        else:
            self.rates.append((f, rule))

    def finish(self) -> dict[str, Any]:
        """The complete model dict with derived metrics, defaults and deconflicted synonyms."""
        found = {m: [f for f, _ in sorted(cols, key=lambda item: item[1])] for m, cols in self.volumes.items()}
        metrics, ambiguities = volume_metrics(self.table, found, self.demo["metrics"])
        metrics.update({k: v for k, v in self.plain.items() if k not in metrics})
        metrics.update(derived_rates(metrics, self.demo["metrics"]))
        if self.entity_column:
            name, column, table = self.entity_column
            metrics.setdefault(f"{name}_count", _count_metric(table, name, column))
        stored = StoredRates(self.table, metrics, found, self.check)
        for f, rule in self.rates:
            stored.add(f, rule)
        metrics.update(complement_rates(metrics))
        for column, (note, doubt) in stored.notes.items():
            self.columns[column].update({"note": note, **({"doubt": doubt} if doubt else {})})
        ambiguities += stored.ambiguities
        if not metrics:
            raise_no_measures(self.title)
        _deconflict(metrics, self.dimensions, ambiguities, self._header_owners(metrics))
        return self._raw(metrics, ambiguities)

    def _header_owners(self, metrics: dict[str, Any]) -> dict[str, set[str]]:
        """Each phrase of a column's own header, and the metrics summed from that column: 'sign ups' belongs to
        'Sign Up (Click)', so no other metric keeps it as a word borrowed from the demo."""
        owners: dict[str, set[str]] = {}
        for name, item in metrics.items():
            column = self.columns.get(str(item.get("column") or ""))
            if column and item.get("aggregation") == "sum":
                for phrase in header_synonyms(column["source"]):
                    owners.setdefault(_loose_key(phrase), set()).add(name)
        return owners

    def _raw(self, metrics: dict[str, Any], ambiguities: list[dict[str, Any]]) -> dict[str, Any]:
        defaults: list[str] = [m for m in ("spend", "conversions", "revenue", "roas", "cpa") if m in metrics] or \
            [m for m, v in metrics.items() if "ratio" not in v][:4]
        return {
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
            "default_metrics": defaults, "ambiguities": ambiguities, "columns": self.columns,
            "personal_columns": self.personal,
            "personal_words": unique([*lexicon().raw["personal_words"],
                                      *(w for c in self.personal for w in header_synonyms(self.columns[c]["source"]))])}

    def _performance(self, metrics: dict[str, Any], defaults: list[str]) -> dict[str, list[str]]:
        groups = {k: [m for m in v if m in metrics] for k, v in self.demo["performance_metrics"].items()}
        if not groups["higher"]:
            groups["higher"] = defaults[:3]
        return {k: v for k, v in groups.items() if v}


def _plurals(phrases: list[str]) -> list[str]:
    return [p + "s" for p in phrases if not p.endswith("s")]


def raise_no_measures(title: str) -> None:
    """No numeric column: nothing to add up, so no question could be answered."""
    from query_engine.errors import IngestError

    raise IngestError(f"{title} has no numeric columns to measure.",
                      hint="Check that the numbers loaded (see the column report) or upload a report with metrics.")


def _plain_metric(table: str, f: ColumnFacts) -> dict[str, Any]:
    return {"label": f.source, "table": table, "aggregation": "sum", "column": f.name,
            "format": {"currency": "currency", "integer": "integer"}.get(f.kind, "number"), "direction": "neutral",
            "description": f"Sum of the column '{f.source}'.", "synonyms": unique(header_synonyms(f.source))}


def _count_metric(table: str, entity: str, column: str) -> dict[str, Any]:
    word = entity.replace("_", " ")
    return {"label": f"Number of {word}s", "table": table, "aggregation": "count_distinct", "column": column,
            "format": "integer", "direction": "neutral", "description": f"Number of distinct {word}s.",
            "synonyms": [f"number of {word}s", f"{word} count", f"count of {word}s", f"how many {word}s"]}


def _deconflict(metrics: dict[str, Any], dimensions: dict[str, Any], ambiguities: list[dict[str, Any]],
                header_owners: Mapping[str, set[str]]) -> None:
    """Drop a synonym that is another item's own name or label, or a phrase of another column's own header that is
    none of this item's, unless the ambiguity is recorded."""
    owned: dict[tuple[str, ...], str] = {}
    for kind, items in (("metric", metrics), ("dimension", dimensions)):
        for name, item in items.items():
            for phrase in (name.replace("_", " "), item.get("label", "")):
                owned.setdefault(phrase_key(phrase), f"{kind}:{name}")
    shared = {(phrase_key(a["phrase"]), f"metric:{m}") for a in ambiguities for m in a["metrics"]}
    for kind, items in (("metric", metrics), ("dimension", dimensions)):
        for name, item in items.items():
            me = f"{kind}:{name}"
            kept = [s for s in item.get("synonyms", ()) if owned.get(phrase_key(s), me) == me
                    or (phrase_key(s), me) in shared]
            item["synonyms"] = [s for s in kept if (phrase_key(s), me) in shared
                                or _header_free(s, name, kind, header_owners)]
            for synonym in set(kept) - set(item["synonyms"]):  # 'signups' goes to the 'Sign Up' column's metric
                owner = next(iter(header_owners[_loose_key(synonym)]))
                if len(header_owners[_loose_key(synonym)]) == 1 and synonym not in metrics[owner]["synonyms"]:
                    metrics[owner]["synonyms"] = [*metrics[owner]["synonyms"], synonym]


def _loose_key(phrase: str) -> str:
    """A phrase with its spaces and plural endings gone: 'sign ups', 'signups' and 'Sign Up' are one."""
    return "".join(word.removesuffix("s") for word in phrase_key(phrase))


def _header_free(synonym: str, name: str, kind: str, header_owners: Mapping[str, set[str]]) -> bool:
    """Whether a metric may keep `synonym`: no other column's header says it, or its own header does too."""
    owners = header_owners.get(_loose_key(synonym))
    return kind != "metric" or not owners or name in owners

"""What each column of a table is: its facts (type, counts, range, a few values), then its role (the date, a
dimension, a measure, an identifier) and a measure's standard meaning, from its name and values.

Meanings come from a column's name (its words, in any export's spelling) and its values (type, range,
cardinality). `inference` assembles the semantic model from the roles.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import duckdb

from query_engine.datasets.column_lexicon import (
    audience_of,
    entity_of,
    is_personal,
    lexicon,
    measure_meaning,
    measure_rule,
    normalise_name,
)
from query_engine.datasets.date_columns import PART_KINDS

__all__ = ["ClassifiedColumn", "ColumnFacts", "classify_columns", "column_facts", "measure_meaning", "normalise_name"]
BASE_MEANINGS = ("spend", "impressions", "clicks", "conversions", "revenue")
TIME_PARTS = (("day_of_month", r"^(day|day of (the )?month|dom|jour)$", 1, 31),
              ("week_number", r"^(week|week number|wk|semaine)$", 1, 53),
              ("month_number", r"^(month|month number|month of (the )?year|mois)$", 1, 12),
              ("year", r"^(year|yr|annee|an)$", 1990, 2100), ("hour", r"^(hour|hour of day|heure)$", 0, 23))
MAX_SAMPLE_VALUES = 25


@dataclass(frozen=True)
class ColumnFacts:
    """What one column holds: type, kind from the loader, distinct count, range and a few values."""

    name: str
    source: str
    type: str
    kind: str
    rows: int
    non_null: int
    distinct: int
    low: Any = None
    high: Any = None
    values: tuple[str, ...] = ()

    @property
    def numeric(self) -> bool:
        """True for integer and floating columns."""
        return self.type in ("BIGINT", "INTEGER", "SMALLINT", "TINYINT", "HUGEINT", "DOUBLE", "FLOAT", "UBIGINT",
                             "UINTEGER") or self.type.startswith("DECIMAL")

    @property
    def words(self) -> str:
        """The header in lowercase words, without currency codes: 'Amount spent (EUR)' -> 'amount spent'."""
        return normalise_name(self.source)


def column_facts(con: duckdb.DuckDBPyConnection, table: str, kinds: Mapping[str, str] | None = None,
                 sources: Mapping[str, str] | None = None) -> list[ColumnFacts]:
    """Profile every column of `table` with one aggregate query and a few LIMITed samples."""
    cols = con.execute("SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = ? "
                       "ORDER BY column_index", [table]).fetchall()
    parts = ["count(*)"]
    for name, dtype in cols:
        q = '"' + name.replace('"', '""') + '"'
        ranged = dtype not in ("VARCHAR", "BOOLEAN") and not dtype.startswith(("ENUM", "STRUCT", "MAP"))
        parts += [f"count({q})", f"approx_count_distinct({q})",
                  f"min({q})" if ranged else "NULL", f"max({q})" if ranged else "NULL"]
    [stats] = con.execute(f'SELECT {", ".join(parts)} FROM "{table}"').fetchall()  # an aggregate: one row
    facts = []
    for i, (name, dtype) in enumerate(cols):
        non_null, distinct, low, high = stats[1 + 4 * i: 5 + 4 * i]
        q = '"' + name.replace('"', '""') + '"'
        values: tuple[str, ...] = ()
        if dtype == "VARCHAR" or dtype.startswith("ENUM"):
            values = tuple(str(r[0]) for r in con.execute(
                f'SELECT DISTINCT {q} FROM "{table}" WHERE {q} IS NOT NULL LIMIT {MAX_SAMPLE_VALUES}').fetchall())
        kind = (kinds or {}).get(name) or _kind_of(dtype)
        facts.append(ColumnFacts(name, (sources or {}).get(name, name), dtype, kind, stats[0], non_null,
                                 min(distinct, non_null), low, high, values))
    return facts


def _kind_of(dtype: str) -> str:
    if dtype == "DATE":
        return "date"
    if dtype.startswith("TIMESTAMP"):
        return "timestamp"
    if "INT" in dtype:
        return "integer"
    if dtype in ("DOUBLE", "FLOAT") or dtype.startswith("DECIMAL"):
        return "number"
    return "month" if dtype.startswith("ENUM('January'") else "weekday" if dtype.startswith("ENUM('Monday'") else "text"


@dataclass(frozen=True)
class ClassifiedColumn:
    """A column's role in the model (a measure's meaning, a dimension's entity), a note and any doubt, for review."""

    facts: ColumnFacts
    role: str  # time | date | dimension | measure | identifier | ignored
    meaning: str = ""
    note: str = ""
    doubt: str = ""  # why the analyst should confirm this reading ("" when sure)
    personal: bool = False

    def but(self, **changes: Any) -> ClassifiedColumn:
        """A copy with some fields changed."""
        return ClassifiedColumn(**{**self.__dict__, **changes})


def classify_columns(facts: list[ColumnFacts], named_elsewhere: frozenset[str] = frozenset()) -> list[ClassifiedColumn]:
    """Each column's role (and a measure's meaning) from its name and values."""
    roles = _pick_reporting_date([_classify(f) for f in facts])
    named = {r.meaning for r in roles if r.role == "dimension" and r.meaning and not r.note.startswith("the id")}
    named |= named_elsewhere
    return [_id_role(r, named) if r.note.startswith("the id") else
            _id_role(r.but(role="dimension"), named) if r.role == "identifier" and r.meaning and r.meaning not in named
            else r for r in roles]


def _pick_reporting_date(roles: list[ClassifiedColumn]) -> list[ClassifiedColumn]:
    dated = [r for r in roles if r.role == "date"]
    if not dated:
        return roles
    best = min(dated, key=lambda r: (_date_rank(r.facts.words), -r.facts.distinct))
    others = len(dated) > 1
    out = []
    for r in roles:
        if r is best:
            note = "the reporting date" + (" (chosen over " + ", ".join(
                f"'{d.facts.source}'" for d in dated if d is not best) + ")" if others else "")
            out.append(r.but(role="time", meaning="date", note=note, doubt="several date columns" if others else ""))
        elif r.role == "date":
            out.append(r.but(note="another date: a reading when asked by name", doubt="a second date column"))
        else:
            out.append(r)
    return out


def _date_rank(words: str) -> int:
    preferred = lexicon().raw["reporting_dates"]
    rank = next((i for i, p in enumerate(preferred) if re.search(p, words)), len(preferred))
    return rank + (100 if re.search(lexicon().pattern("secondary_dates"), words) else 0)


def _classify(f: ColumnFacts) -> ClassifiedColumn:
    words = f.words
    if f.non_null == 0:
        return ClassifiedColumn(f, "ignored", note="no values")
    if is_personal(words):
        return ClassifiedColumn(f, "identifier", note="a person-level identifier: never shown", personal=True)
    if f.kind in ("date", "timestamp"):
        return ClassifiedColumn(f, "date")
    if f.kind in ("month", "weekday"):
        return ClassifiedColumn(f, "dimension", note=f"time part: {f.kind} names, in calendar order")
    part = f.kind if f.kind in PART_KINDS.values() else _time_part(f, words)  # parts left without a year
    if part:
        return ClassifiedColumn(f, "dimension", part, f"time part: {part.replace('_', ' ')}")
    entity, audience = entity_of(words), audience_of(words)
    if re.search(lexicon().pattern("id_words"), words) and not _volume_named(f):
        return _id_column(f, entity, audience)
    if f.numeric:
        return _numeric_role(f, words, audience)
    if entity or audience:
        what = entity or audience or ""
        return ClassifiedColumn(f, "dimension", what, "names the rows' " + what.replace("_", " "))
    return ClassifiedColumn(f, "dimension", note=f"{f.distinct} distinct values")


def _time_part(f: ColumnFacts, words: str) -> str | None:
    for part, pattern, low, high in TIME_PARTS:
        if re.fullmatch(pattern, words) and f.kind == "integer" and f.low is not None \
                and low <= f.low and f.high <= high:
            return part
    return None


def _volume_named(f: ColumnFacts) -> bool:
    rule = measure_rule(f.source, _money(f))
    return f.numeric and rule is not None and rule.kind == "volume" and not re.search(r"(^| )(id|ids|key)$", f.words)


def _money(f: ColumnFacts) -> bool:
    return f.kind == "currency" or f.type in ("DOUBLE", "FLOAT") or f.type.startswith("DECIMAL")


def _row_unique(f: ColumnFacts) -> bool:
    return f.distinct >= 0.98 * f.non_null and f.non_null > 20


def _id_column(f: ColumnFacts, entity: str | None, audience: str | None) -> ClassifiedColumn:
    """An id, key or code column: a dimension of what it names, unless it is a row-unique key."""
    if audience and not entity:
        return ClassifiedColumn(f, "dimension", audience, f"{audience.replace('_', ' ')} codes: grouped, never summed",
                                doubt="numeric codes read as a dimension" if f.numeric else "")
    if entity and not _row_unique(f):
        return ClassifiedColumn(f, "dimension", entity, "the id of the rows' " + entity.replace("_", " "),
                                doubt="a numeric id read as a dimension" if f.numeric else "")
    return ClassifiedColumn(f, "identifier", entity or "", "an identifier: never summed")


def _id_role(role: ClassifiedColumn, named: set[str]) -> ClassifiedColumn:
    """An entity's id: the entity itself without a name column, else a second dimension to filter by."""
    if role.meaning in named:
        return role.but(meaning=f"{role.meaning}_id", note=f"the {role.meaning.replace('_', ' ')}'s id: "
                        "a second dimension, to filter or group by")
    return role.but(note=f"the {role.meaning.replace('_', ' ')} (an id: no name column)")


def _numeric_role(f: ColumnFacts, words: str, audience: str | None) -> ClassifiedColumn:
    rule = measure_rule(f.source, _money(f))
    if audience and (rule is None or f.kind == "integer" and f.distinct <= 200):
        return ClassifiedColumn(f, "dimension", audience, f"{audience.replace('_', ' ')} codes: grouped, never summed",
                                doubt="numeric codes read as a dimension")
    if rule is None and f.kind == "integer" and re.search(lexicon().pattern("code_words"), words):
        return ClassifiedColumn(f, "dimension", note="numeric codes: grouped, never summed",
                                doubt="numeric codes read as a dimension")
    if rule is None and re.fullmatch(r"(date|day|jour)", words) and f.kind == "integer":
        return ClassifiedColumn(f, "dimension", note="whole numbers named like a date", doubt="dates as numbers")
    if rule is None and f.kind == "integer" and f.distinct >= 0.95 * f.non_null > 50 and (f.low or 0) >= 100_000:
        return ClassifiedColumn(f, "identifier", "", "distinct large whole numbers: an identifier, never summed")
    if rule is None and f.kind == "percent":
        rule = lexicon().rule("rate")
    if rule is None:
        return ClassifiedColumn(f, "measure", "", "summed (no known meaning)", doubt="a number of unknown meaning")
    return ClassifiedColumn(f, "measure", rule.key, "a stored rate: never summed" if rule.kind == "rate" else "")

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

_CURRENCY_WORDS = r"\b(usd|eur|gbp|cad|aud|chf|jpy|inr|brl|mxn|sek|nok|dkk|pln|currency)\b"
# (meaning, pattern on the normalised name); first match wins, so rates come before their parts.
MEANINGS: tuple[tuple[str, str], ...] = (
    ("ctr", r"\bctr\b|click ?through rate"),
    ("cpc", r"\bcpc\b|cost per (link )?click"),
    ("cpm", r"\bcpm\b|cost per (1 ?000|thousand|mille)"),
    ("cpa", r"\bcpa\b|cost per (result|conversion|purchase|acquisition|action|lead)"),
    ("roas", r"\broas\b|return on ad spend"),
    ("conversion_rate", r"\b(cvr|conv(ersion)? rate|conversion rate|results? rate)\b"),
    ("rate", r"\brate\b|\bper\b|\bavg\b|\baverage\b|\bratio\b|\bshare\b|%"),
    ("revenue", r"\brevenue\b|\bconv(ersion)?s? value|\bpurchases? (conversion )?value|\bsales? amount|"
                r"\bsales value|\bgmv\b|\bincome\b|\bturnover\b|\bvalue\b"),
    ("conversions", r"\bconv(ersion)?s?\b|\bpurchases?\b|\bresults?\b|\bleads?\b|\borders?\b|"
                    r"\bacquisitions?\b|\bsign ?ups?\b|\binstalls?\b|\bsales\b"),
    ("spend", r"\bspen[dt]\b|\bspending\b|\bcosts?\b|\bexpenses?\b|\binvestment\b"),
    ("impressions", r"\bimpr(ession)?s?\b|\bimps\b|\bdisplays?\b|\bimpressions served\b"),
    ("clicks", r"\bclicks?\b"),
    ("frequency", r"\bfrequency\b"),
)
BASE_MEANINGS = ("spend", "impressions", "clicks", "conversions", "revenue")
RATIO_INPUTS = {"ctr": ("clicks", "impressions"), "cpc": ("spend", "clicks"), "cpm": ("spend", "impressions"),
                "conversion_rate": ("conversions", "clicks"), "cpa": ("spend", "conversions"),
                "roas": ("revenue", "spend")}
ENTITIES = (("campaign", r"\bcampaigns?( name)?$"), ("ad_set", r"\bad ?sets?( name)?$"),
            ("ad_group", r"\bad ?groups?( name)?$"), ("ad", r"^ads?( name)?$"), ("creative", r"\bcreatives?( name)?$"),
            ("keyword", r"\bkeywords?( text)?$"), ("line_item", r"\bline items?( name)?$"),
            ("insertion_order", r"\binsertion orders?( name)?$"), ("advertiser", r"\badvertisers?( name)?$"))
TIME_PARTS = (("day_of_month", r"^(day|day of month|dom)$", 1, 31), ("week_number", r"^(week|week number|wk)$", 1, 53),
              ("month_number", r"^(month|month number)$", 1, 12), ("year", r"^(year|yr)$", 1990, 2100),
              ("hour", r"^(hour|hour of day)$", 0, 23))
TIME_COLUMN_NAMES = ("day", "date", "reporting starts", "date start", "day date", "report date", "time", "period")
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


def normalise_name(header: str) -> str:
    """A header as plain lowercase words: camelCase, underscores, brackets and currency codes removed."""
    text = re.sub(r"([a-z])([A-Z])", r"\1 \2", header).lower()
    text = re.sub(r"[^a-z0-9%]+", " ", text)
    return re.sub(r"\s+", " ", re.sub(_CURRENCY_WORDS, " ", text)).strip()


def measure_meaning(header: str) -> str | None:
    """The standard meaning of a measure's header ('Amount spent (USD)' -> 'spend'), or None."""
    words = normalise_name(header)
    for meaning, pattern in MEANINGS:
        if re.search(pattern, words):
            return meaning
    return None


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
    """A column's role in the model (and a measure's meaning, an identifier's entity), with a note for review."""

    facts: ColumnFacts
    role: str  # time | date | dimension | measure | identifier | ignored
    meaning: str = ""
    note: str = ""


def classify_columns(facts: list[ColumnFacts], named_elsewhere: frozenset[str] = frozenset()) -> list[ClassifiedColumn]:
    """Each column's role (and a measure's meaning) from its name and values."""
    roles = [_classify(f) for f in facts]
    dated = [r for r in roles if r.role == "date"]
    if dated:
        best = max(dated, key=lambda r: (r.facts.words in TIME_COLUMN_NAMES, r.facts.distinct))
        roles = [ClassifiedColumn(r.facts, "time", "date", "the table's date") if r is best else r for r in roles]
    named = {r.meaning for r in roles if r.role == "dimension" and r.meaning} | named_elsewhere
    return [_identifier_as_dimension(r) if r.role == "identifier" and r.meaning and r.meaning not in named else r
            for r in roles]


def _classify(f: ColumnFacts) -> ClassifiedColumn:
    words = f.words
    if f.non_null == 0:
        return ClassifiedColumn(f, "ignored", note="no values")
    if f.kind in ("date", "timestamp"):
        return ClassifiedColumn(f, "date")
    if f.kind in ("month", "weekday"):
        return ClassifiedColumn(f, "dimension", note=f"time part: {f.kind} names, in calendar order")
    entity = _entity_of(words)
    if re.search(r"(^| )id$|^id( |$)|(^| )(ids|key|number|no)$", words) and not _meaning_ok(f):
        return ClassifiedColumn(f, "identifier", entity or "", "an identifier: never summed")
    if f.numeric:
        return _numeric_role(f, words)
    if entity:
        return ClassifiedColumn(f, "dimension", entity, "names the rows' " + entity.replace("_", " "))
    return ClassifiedColumn(f, "dimension", note=f"{f.distinct} distinct values")


def _meaning_ok(f: ColumnFacts) -> bool:
    return f.numeric and measure_meaning(f.source) in BASE_MEANINGS and not f.words.endswith(" id")


def _numeric_role(f: ColumnFacts, words: str) -> ClassifiedColumn:
    for part, pattern, low, high in TIME_PARTS:
        if re.fullmatch(pattern, words) and f.kind == "integer" and f.low is not None \
                and low <= f.low and f.high <= high:
            return ClassifiedColumn(f, "dimension", part, f"time part: {part.replace('_', ' ')}")
    meaning = measure_meaning(f.source)
    if meaning is None and f.kind == "integer" and f.distinct >= 0.95 * f.non_null > 50 and (f.low or 0) >= 100_000:
        return ClassifiedColumn(f, "identifier", "", "distinct large whole numbers: an identifier, never summed")
    if f.kind == "percent" and meaning not in RATIO_INPUTS and meaning != "rate":
        meaning = "rate"
    return ClassifiedColumn(f, "measure", meaning or "", "")


def _entity_of(words: str) -> str | None:
    base = re.sub(r"( id| ids| key)$", "", words)
    return next((name for name, pattern in ENTITIES if re.search(pattern, base)), None)


def _identifier_as_dimension(role: ClassifiedColumn) -> ClassifiedColumn:
    return ClassifiedColumn(role.facts, "dimension", role.meaning, "an identifier used as the entity (no name column)")

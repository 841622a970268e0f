"""The explicit rules that turn an export's text cells into typed values, decided per column from its values.

Each rule is judged in Python on a sample of a column's distinct values and applied in DuckDB SQL over every
row; a rule that fails on any row is abandoned for the next (the last is always text, which keeps the data).
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

from query_engine.datasets.date_cells import compact_date_sql, date_plan_sql, parses
from query_engine.datasets.export_lexicon import (
    CURRENCY_EDGE,
    CURRENCY_MARK,
    MISSING_TOKENS,
    SYMBOL_CHARS,
)
from query_engine.spec.calendar import (
    EXPORT_MONTH_SPELLINGS,
    MONTH_NAMES,
    WEEKDAY_NAMES,
    WEEKDAY_SPELLINGS,
)

MISSING_SQL = "{c} IS NULL OR lower(trim({c})) IN (" + ", ".join(
    "'" + t.replace("'", "''") + "'" for t in MISSING_TOKENS) + ")"
_SPACES = " \t\u00a0\u202f"
CURRENCY_STRIP = rf"{CURRENCY_EDGE}|[{re.escape(SYMBOL_CHARS)}\s" + "\u00a0\u202f]"
_CURRENCY_MARK = CURRENCY_MARK
_STRIP = re.compile(CURRENCY_STRIP, re.IGNORECASE)
US_NUMBER = r"[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:[eE][-+]?\d+)?|[-+]?\.\d+"
EU_NUMBER = r"[-+]?(?:\d{1,3}(?:\.\d{3})+|\d+)(?:,\d+)?"
_US, _EU = re.compile(US_NUMBER), re.compile(EU_NUMBER)
_INTEGRAL = {"us": re.compile(r"[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)"),
             "eu": re.compile(r"[-+]?(?:\d{1,3}(?:\.\d{3})+|\d+)")}
_LEADING_ZERO = re.compile(r"[-+]?0\d")

RESERVED = frozenset("""all and any as asc between both by case cast check collate column constraint create cross
 default desc distinct do else end except false fetch for foreign from full grant group having in inner intersect
 into is join lateral leading left like limit natural not null offset on only or order outer over partition
 pivot primary qualify references right select some symmetric table then to trailing true union unique using
 when where window with""".split())


@dataclass(frozen=True)
class ColumnPlan:
    """How to convert one text column: the kind it becomes, the SQL that converts it, and a note."""

    kind: str
    sql: str
    note: str = ""


ENUM_TYPES = tuple(f"CREATE TYPE {name} AS ENUM ({', '.join(repr(v) for v in values)})"
                   for name, values in (("month_name", MONTH_NAMES), ("weekday_name", WEEKDAY_NAMES)))


def sanitize_identifier(name: str, fallback: str = "column") -> str:
    """`name` unchanged when it is a plain identifier; otherwise its letters, digits and underscores."""
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name) and name.lower() not in RESERVED:
        return name
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    clean = re.sub(r"[^A-Za-z0-9]+", "_", ascii_name).strip("_") or fallback
    if clean[0].isdigit():
        clean = f"c_{clean}"
    return f"{clean}_" if clean.lower() in RESERVED else clean


def unique_names(headers: list[str]) -> list[str]:
    """Sanitised, case-insensitively unique column names, in order."""
    seen: set[str] = set()
    out: list[str] = []
    for i, header in enumerate(headers):
        base = sanitize_identifier(header.strip(), fallback=f"column_{i + 1}")
        name, n = base, 2
        while name.lower() in seen:
            name, n = f"{base}_{n}", n + 1
        seen.add(name.lower())
        out.append(name)
    return out


def clean_number_text(text: str) -> tuple[str, bool, bool]:
    """The text without currency marks and spaces, '(x)' as '-x', no '%'; and whether it was currency/percent."""
    currency = bool(_CURRENCY_MARK.search(text.strip()))
    cleaned = _STRIP.sub("", text.strip())
    cleaned = re.sub(r"^\((.*)\)$", r"-\1", cleaned)
    return cleaned.replace("%", ""), currency, "%" in cleaned


def parse_number(text: str, convention: str) -> float | None:
    """A cell as a number under the 'us' (1,234.5) or 'eu' (1.234,5) convention; percents as fractions."""
    cleaned, _, percent = clean_number_text(text)
    pattern = _US if convention == "us" else _EU
    if not pattern.fullmatch(cleaned):
        return None
    plain = cleaned.replace(",", "") if convention == "us" else cleaned.replace(".", "").replace(",", ".")
    value = float(plain)
    return value / 100 if percent else value


def number_convention(values: list[str], european_hint: bool = False) -> str | None:
    """'us' or 'eu' when every value is a number under that convention; None when they are not numbers."""
    return _convention_of([clean_number_text(v)[0] for v in values], european_hint)


def _convention_of(cleaned: list[str], european_hint: bool) -> str | None:
    if any(_LEADING_ZERO.match(c) and not re.search(r"[.,]", c) for c in cleaned):
        return None  # codes such as 007 or zip codes keep their leading zeros as text
    us_ok = all(_US.fullmatch(c) for c in cleaned)
    eu_ok = all(_EU.fullmatch(c) for c in cleaned)
    if us_ok and eu_ok:
        return _ambiguous_convention(cleaned, european_hint)
    return "us" if us_ok else "eu" if eu_ok else None


def _ambiguous_convention(cleaned: list[str], european_hint: bool) -> str:
    """Values such as '12,345' or '1.234' read both ways: many all-three-digit groups mean thousands."""
    separated = [c for c in cleaned if re.search(r"[.,]", c)]
    if not separated:
        return "us"
    char = "," if "," in separated[0] else "."
    grouped = all(re.fullmatch(r"[-+]?\d{1,3}(?:[.,]\d{3})+", c) for c in separated)
    if grouped and len(separated) >= 5:
        return "us" if char == "," else "eu"
    return "eu" if european_hint else "us"


def plan_column(column: str, values: list[str], european_hint: bool = False) -> list[ColumnPlan]:
    """Candidate conversions for a text column, most specific first, always ending with text."""
    missing = MISSING_SQL.format(c=column)
    text = ColumnPlan("text", f"CASE WHEN {missing} THEN NULL ELSE trim({column}) END")
    if not values:
        return [text]
    plans = _name_plans(column, values) or _date_plans(column, values, european_hint) \
        or _number_plans(column, values, european_hint)
    return [ColumnPlan(p.kind, f"CASE WHEN {missing} THEN NULL ELSE {p.sql} END", p.note)
            for p in plans] + [text]


def _name_plans(column: str, values: list[str]) -> list[ColumnPlan]:
    for kind, names, type_name in (("month", MONTH_NAMES, "month_name"), ("weekday", WEEKDAY_NAMES, "weekday_name")):
        numbers = EXPORT_MONTH_SPELLINGS if kind == "month" else WEEKDAY_SPELLINGS
        first = 1 if kind == "month" else 0
        spellings = {word: names[n - first] for word, n in numbers.items()}
        if all(v.lower().rstrip(".") in spellings for v in values):
            cases = " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in spellings.items())
            return [ColumnPlan(kind, f"CAST(CASE rtrim(lower(trim({column})), '.') {cases} END AS {type_name})",
                               f"{kind} names without a year, kept in calendar order")]
    return []


def _date_plans(column: str, values: list[str], european_hint: bool) -> list[ColumnPlan]:
    compact = compact_date_sql(column, values)
    if compact:  # the integers stay the fallback should some row not be a date
        return [ColumnPlan("date", compact, "dates written as YYYYMMDD"), *_number_plans(column, values, False)]
    found = date_plan_sql(column, values, european_hint)
    if found is None:
        return []
    stamp, formats = found
    note = "dates read as " + " or ".join(formats)
    timed = any(dt.datetime.strptime(v, f).time() != dt.time() for v in values[:500] for f in formats
                if parses(v, f))
    as_date = ColumnPlan("date", f"CASE WHEN {stamp} = date_trunc('day', {stamp}) THEN CAST({stamp} AS DATE) END",
                         note)
    as_timestamp = ColumnPlan("timestamp", f"CAST({stamp} AS TIMESTAMP)", note)
    return [as_timestamp] if timed else [as_date, as_timestamp]


def _number_plans(column: str, values: list[str], european_hint: bool) -> list[ColumnPlan]:
    first = clean_number_text(values[0])[0]
    if not (_US.fullmatch(first) or _EU.fullmatch(first)):
        return []  # every value must be a number; the first one that is not ends the search at once
    marks = [clean_number_text(v) for v in values]
    convention = _convention_of([m[0] for m in marks], european_hint)
    if convention is None:
        return []
    currency, percent = any(m[1] for m in marks), any(m[2] for m in marks)
    style = "1.234,56" if convention == "eu" else "1,234.56"
    if percent:
        kind, note = "percent", f"percentages as fractions ({style} style)"
    else:
        kind = "currency" if currency else "number"
        note = f"{'amounts with currency marks' if currency else 'numbers'} in {style} style"
    # The cleaning the sample needs runs first (fast); every cleaning step runs if some row needs more.
    seen = _cleaning_seen(values)
    plans = []
    integral = not currency and not percent and all(_INTEGRAL[convention].fullmatch(m[0]) for m in marks)
    for steps in dict.fromkeys((seen, frozenset(_CLEANING))):
        if integral:
            plans.append(ColumnPlan("integer", _number_sql(column, convention, steps, whole=True), note))
        plans.append(ColumnPlan(kind, _number_sql(column, convention, steps, percent=percent), note))
    return plans


_CLEANING = ("codes", "symbols", "parens", "percent")
_SYMBOLS = SYMBOL_CHARS + _SPACES
_SYMBOL_SET = frozenset(_SYMBOLS)


def _cleaning_seen(values: list[str]) -> frozenset[str]:
    steps = set()
    for v in values:
        if re.search(CURRENCY_EDGE, v, re.IGNORECASE):
            steps.add("codes")
        steps.update(f"symbol:{ch}" for ch in set(v) & _SYMBOL_SET)
        if v.startswith("(") and v.endswith(")"):
            steps.add("parens")
        if "%" in v:
            steps.add("percent")
    return frozenset(steps)


def _strip_characters(sql: str, characters: str) -> str:
    # One or two marks (the usual '€' or '$ ') cost far less to replace than translate() over the full set.
    if len(characters) > 2:
        return f"translate({sql}, '{characters}', '')"
    for ch in characters:
        sql = f"replace({sql}, '{ch}', '')"
    return sql


def _number_sql(column: str, convention: str, steps: frozenset[str], *, whole: bool = False,
                percent: bool = False) -> str:
    cleaned = f"trim({column})"
    if "codes" in steps:
        cleaned = f"regexp_replace({cleaned}, '{CURRENCY_STRIP}', '', 'gi')"
    symbols = _SYMBOLS if "symbols" in steps else "".join(sorted(s[7:] for s in steps if s.startswith("symbol:")))
    if symbols:
        cleaned = _strip_characters(cleaned, symbols)
    if "parens" in steps:
        cleaned = f"regexp_replace({cleaned}, '^\\((.*)\\)$', '-\\1')"
    if "percent" in steps:
        cleaned = f"replace({cleaned}, '%', '')"
    pattern = _INTEGRAL[convention].pattern if whole else (US_NUMBER if convention == "us" else EU_NUMBER)
    plain = f"replace({cleaned}, ',', '')" if convention == "us" else \
        f"replace(replace({cleaned}, '.', ''), ',', '.')"
    value = (f"CASE WHEN regexp_full_match({cleaned}, '{pattern}') "
             f"THEN TRY_CAST({plain} AS {'BIGINT' if whole else 'DOUBLE'}) END")
    return f"({value}) / 100" if percent else value

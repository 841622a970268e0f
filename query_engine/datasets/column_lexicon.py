"""The column lexicon (data/column_lexicon.yaml): what a header means, read as normalised words.

One table holds every fact about column names (measure meanings, rate inputs and weights, entities, audience and
person-level words); this module reads it once and answers questions about one header.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

LEXICON_PATH = Path(__file__).resolve().parents[2] / "data" / "column_lexicon.yaml"
_CURRENCY_WORDS = r"\b(usd|eur|gbp|cad|aud|chf|jpy|inr|brl|mxn|sek|nok|dkk|pln|currency|in account currency|" \
                  r"account currency|in utc|utc)\b"


@dataclass(frozen=True)
class MeasureRule:
    """One row of the lexicon's measures: the meaning a header pattern gives, and how that meaning aggregates."""

    key: str
    meaning: str
    kind: str  # volume | rate
    pattern: str
    when: str = ""  # money | count | ""
    inputs: tuple[tuple[str, str], ...] = ()
    multiplier: float = 1.0
    label: str = ""
    format: str = "number"
    direction: str = "neutral"
    weight: tuple[str, ...] = ()
    synonyms: tuple[str, ...] = ()
    prefer: tuple[str, ...] = ()
    secondary: str = ""
    complement: str = ""  # a rate that is one minus another ("bounce rate" = 1 - engagement rate)
    stands_for: str = ""  # a volume that takes another meaning's words where no column has it (key events)

    def rank(self, words: str) -> int:
        """How likely a column of this meaning is the one analysts mean: 0 first; a qualified name after."""
        first = next((i for i, p in enumerate(self.prefer) if re.search(p, words)), len(self.prefer))
        return first + (100 if self.secondary and re.search(self.secondary, words) else 0)


@dataclass(frozen=True)
class Lexicon:
    """The parsed lexicon."""

    measures: tuple[MeasureRule, ...]
    entities: dict[str, str]
    audience: dict[str, str]
    raw: dict[str, Any]

    def rule(self, meaning: str) -> MeasureRule | None:
        """The lexicon's rule for a meaning (its first row), or None."""
        return next((r for r in self.measures if r.meaning == meaning), None)

    def pattern(self, name: str) -> str:
        """One of the lexicon's named patterns (id_words, code_words, personal, ...)."""
        return str(self.raw.get(name) or r"(?!x)x")


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    """The column lexicon, read once."""
    raw = yaml.safe_load(LEXICON_PATH.read_text(encoding="utf-8"))
    measures = tuple(_rule(key, row) for key, row in raw["measures"].items())
    return Lexicon(measures, dict(raw["entities"]), dict(raw["audience"]), raw)


def _rule(key: str, row: dict[str, Any]) -> MeasureRule:
    return MeasureRule(
        key=key, meaning=row.get("meaning", key), kind=row["kind"], pattern=row["pattern"], when=row.get("when", ""),
        inputs=tuple((a, b) for a, b in row.get("inputs") or ()), multiplier=float(row.get("multiplier", 1.0)),
        label=row.get("label", ""), format=row.get("format", "number"), direction=row.get("direction", "neutral"),
        weight=tuple(row.get("weight") or ()), synonyms=tuple(row.get("synonyms") or ()),
        prefer=tuple(row.get("prefer") or ()), secondary=row.get("secondary", ""),
        complement=row.get("complement", ""), stands_for=row.get("stands_for", ""))


def normalise_name(header: str) -> str:
    """A header as plain lowercase words: camelCase split, accents folded, brackets, units and currency removed."""
    text = unicodedata.normalize("NFKD", header)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = re.sub(r"([a-z])([A-Z])", r"\1 \2", text).lower().replace("(#)", " ").replace("€", " ").replace("$", " ")
    text = re.sub(r"[^a-z0-9%]+", " ", text)
    return re.sub(r"\s+", " ", re.sub(_CURRENCY_WORDS, " ", text)).strip()


def measure_words(header: str) -> str:
    """A measure's header as words, with '/' read as 'per' ('Cost / conv.' -> 'cost per conv')."""
    return normalise_name(header.replace("/", " per "))


def measure_rule(header: str, money: bool | None = None) -> MeasureRule | None:
    """The lexicon's rule for a measure's header; `money` says whether its values are fractional (None: unknown)."""
    words = measure_words(header)
    for rule in lexicon().measures:
        if rule.when == "money" and not money or rule.when == "count" and money is not False:
            continue
        if re.search(rule.pattern, words):
            return rule
    return None


def measure_meaning(header: str, money: bool | None = None) -> str | None:
    """The standard meaning of a measure's header ('Amount spent (USD)' -> 'spend'), or None."""
    rule = measure_rule(header, money)
    return rule.meaning if rule else None


def entity_of(words: str) -> str | None:
    """The thing analysts group by that a header names ('Ad group ID' -> 'ad_group'), or None."""
    base = re.sub(lexicon().pattern("id_words"), " ", words).strip()
    base = re.sub(lexicon().pattern("name_tails"), "", base)
    return next((name for name, pattern in lexicon().entities.items() if re.search(pattern, base)), None)


def audience_of(words: str) -> str | None:
    """The audience breakdown a header names ('Member Job Function' -> 'job_function'), or None."""
    return next((name for name, pattern in lexicon().audience.items() if re.search(pattern, words)), None)


def is_personal(words: str) -> bool:
    """Whether a header names a person-level identifier (an email, a user id, a phone number)."""
    return bool(re.search(lexicon().pattern("personal"), words))


def header_synonyms(header: str) -> list[str]:
    """The phrases a header can be asked by: its words, without brackets, the bracketed words, without qualifiers,
    the bracketed word before the name ('Total order value (Checkout)': 'checkout value'), the analyst's short
    forms of its words and, for 'Cost / conv.', the words around the slash."""
    whole = normalise_name(header)
    outside = normalise_name(re.sub(r"\([^)]*\)", " ", header))
    inside = [normalise_name(m) for m in re.findall(r"\(([^)]*)\)", header)]
    phrases = [whole, outside, *inside]
    for phrase in list(phrases):
        shorter = re.sub(lexicon().pattern("name_tails"), "", phrase)
        phrases += [shorter, re.sub(lexicon().pattern("qualifier_prefixes"), "", shorter)]
    phrases += _qualified_first(outside, inside) + _slashed(header) + _short_forms(whole)
    return list(dict.fromkeys(p.strip() for p in phrases if p.strip() and not p.strip().isdigit()))


def _qualified_first(outside: str, inside: list[str]) -> list[str]:
    """'order value' qualified by '(Checkout)' is asked as 'checkout value' and 'checkout order value'."""
    core = re.sub(lexicon().pattern("qualifier_prefixes"), "", outside).strip()
    words = [q for q in inside if q and len(q.split()) <= 2 and q.replace(" ", "").isalpha()]
    return [p for q in words if core for p in (f"{q} {core.split()[-1]}", f"{q} {core}")]


def _slashed(header: str) -> list[str]:
    """'Cost / conv.' as typed in a question: 'cost / conv'."""
    parts = [normalise_name(p) for p in header.split("/")]
    return [" / ".join(parts)] if len(parts) > 1 and all(parts) else []


def _short_forms(words: str) -> list[str]:
    """The lexicon's short forms of a header's words ('chiffre d affaires' -> 'ca')."""
    forms = lexicon().raw.get("short_forms") or {}
    return [short for phrase, shorts in forms.items() if re.search(rf"\b{phrase}\b", words) for short in shorts]

"""The words exports write around and inside their data (data/export_lexicon.yaml), as the loader uses them.

Totals-row words, footer markers, null markers, currency marks and date-part column names live in that one
file; this module only compiles them into the regular expressions and sets the readers and cell rules apply.
"""
from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

import yaml

LEXICON_PATH = Path(__file__).resolve().parents[2] / "data" / "export_lexicon.yaml"


@cache
def _lexicon() -> dict[str, Any]:
    with LEXICON_PATH.open(encoding="utf-8") as fh:
        return dict(yaml.safe_load(fh))


def _words(key: str) -> list[str]:
    return [str(w).strip().lower() for w in _lexicon()[key]]


def _alternation(words: list[str]) -> str:
    """Words as one regular-expression alternation, longest first, spaces matching any run of spaces."""
    return "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in sorted(set(words), key=len, reverse=True))


MISSING_TOKENS: tuple[str, ...] = tuple(dict.fromkeys(_words("null_markers")))
# Full-match pattern (RE2 and Python alike) for the first filled cell of a totals row.
TOTAL_ROW = (rf"(?i)(?:(?:{_alternation(_words('total_words'))})(?:\s*:.*)?"
             rf"|{'|'.join(f'(?:{p})' for p in _words('total_patterns'))})")
_TOTAL = re.compile(TOTAL_ROW)
_FOOTER = re.compile("|".join(f"(?:{p})" for p in _words("footer_patterns")), re.IGNORECASE)

_SYMBOLS = _words("currency_symbols")
_CODES = _words("currency_codes")
# Single-character marks are stripped anywhere; words and codes only at either end of the cell.
SYMBOL_CHARS = "".join(sorted({s for s in _SYMBOLS if len(s) == 1}))
_WORD_MARKS = _alternation([*_CODES, *(s for s in _SYMBOLS if len(s) > 1)])
CURRENCY_EDGE = rf"^(?:{_WORD_MARKS})|(?:{_WORD_MARKS})$"
CURRENCY_MARK = re.compile(rf"{CURRENCY_EDGE}|[{re.escape(SYMBOL_CHARS)}]", re.IGNORECASE)

DATE_PART_NAMES: dict[str, frozenset[str]] = {
    part: frozenset(str(n).lower() for n in names) for part, names in _lexicon()["date_part_names"].items()}
WEEK_NAMES = frozenset(_words("week_names"))


def is_total_label(text: str) -> bool:
    """Whether a cell says its row is a report total ('Total', 'Total: Account', 'Total of 540 results')."""
    return bool(_TOTAL.fullmatch(text.strip()))


def is_footer_label(text: str) -> bool:
    """Whether a line's first cell marks report metadata or a footer ('©2025 ...', 'Report Time:')."""
    return bool(_FOOTER.match(text.strip().lstrip("\ufeff")))


def date_part(header: str) -> str | None:
    """'year', 'month' or 'day' when a column's name says it holds that part of a date, else None."""
    name = re.sub(r"\s+", " ", header.strip().lower())
    return next((part for part, names in DATE_PART_NAMES.items() if name in names), None)


def is_week_name(header: str) -> bool:
    """Whether a column's name says it holds week starts ('Week', 'Week of', 'Week starting')."""
    return re.sub(r"\s+", " ", header.strip().lower()) in WEEK_NAMES

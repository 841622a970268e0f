"""Check every number in a model's text against a result: cells, or sums, shares, differences, ratios and
changes of them."""
from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from query_engine.spec.numbers import SCALE_WORDS, scale_of
from query_engine.spec.query import QueryResult

MAX_PAIRWISE_ROWS = 60  # pairwise differences and ratios over more rows would accept almost any number
NUMBER = re.compile(
    r"(?<![\w.])(?P<minus>[-−])?(?P<cur>\$)?(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)"
    r"(?:\s?(?P<scale>" + SCALE_WORDS + r"|[KMB])(?![a-zA-Z]))?"
    r"(?P<suffix>\s?%|\s?(?:x|×)(?![a-zA-Z])|\s?(?:pp|percentage points?)\b)?")


@dataclass(frozen=True)
class NumberMention:
    """A number as written in text, its value, the half-unit of its last shown digit, and its kind."""

    text: str
    value: float
    tolerance: float
    kind: str  # "plain", "percent" or "ratio"


@dataclass(frozen=True)
class CheckedStatement:
    """A statement and the numbers in it that nothing in the result explains."""

    text: str
    unverified: tuple[str, ...]

    @property
    def verified(self) -> bool:
        """True when every number in the statement traces back to the result."""
        return not self.unverified


def extract_numbers(text: str) -> tuple[NumberMention, ...]:
    """Every number in `text`: 1,234 · $1.2M · 3.4% · 2.1x · 12k; years and dates are numbers too."""
    found = []
    for match in NUMBER.finditer(text):
        digits = match.group("num").replace(",", "")
        scale = scale_of(match.group("scale"))
        decimals = len(digits.split(".")[1]) if "." in digits else 0
        value = float(digits) * scale * (-1 if match.group("minus") else 1)
        suffix = (match.group("suffix") or "").strip().lower()
        kind = "percent" if suffix in ("%", "pp") or suffix.startswith("percentage") else \
            "ratio" if suffix in ("x", "×") else "plain"
        found.append(NumberMention(match.group(0).strip(), value, 0.5 * 10 ** -decimals * scale, kind))
    return tuple(found)


def candidate_values(result: QueryResult) -> list[float]:
    """Numbers the result supports: cells, date parts, column totals, means, shares, differences, ratios, changes."""
    columns = list(zip(*result.rows, strict=False)) if result.rows else []
    values: list[float] = [float(len(result.rows)), float(len(result.columns))]
    numeric_columns = []
    for column in columns:
        numbers = [n for n in (_number(v) for v in column) if n is not None]
        values.extend(numbers)
        values.extend(_date_parts(column))
        if numbers:
            numeric_columns.append(numbers)
    for numbers in numeric_columns:
        values.extend(_column_figures(numbers))
    for row in result.rows[:MAX_PAIRWISE_ROWS]:
        cells = [n for n in (_number(v) for v in row) if n is not None]
        values.extend(_pair_figures(cells))
    return values


def _column_figures(numbers: list[float]) -> list[float]:
    total = sum(numbers)
    figures = [total, total / len(numbers), float(len(numbers))]
    if total:
        figures.extend(n / total * 100 for n in numbers)
    figures.extend(_pair_figures(numbers[:MAX_PAIRWISE_ROWS]))
    ordered = sorted(numbers, reverse=True)
    for k in range(2, min(len(ordered), 10) + 1):  # "the top 3 make up 80%"
        top = sum(ordered[:k])
        figures.append(top)
        if total:
            figures.append(top / total * 100)
    return figures


def _pair_figures(numbers: list[float]) -> list[float]:
    figures: list[float] = []
    for i, a in enumerate(numbers):
        for b in numbers[i + 1:]:
            figures.extend((a - b, b - a, a + b))
            if b:
                figures.extend((a / b, (a - b) / b * 100))
            if a:
                figures.extend((b / a, (b - a) / a * 100))
    return figures


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float, Decimal)):
        number = float(value)
        return number if math.isfinite(number) else None
    return None


def _date_parts(column: Iterable[Any]) -> list[float]:
    parts: list[float] = []
    for value in column:
        if isinstance(value, (dt.date, dt.datetime)):
            parts.extend((value.year, value.month, value.day, (value.month - 1) // 3 + 1))
        elif isinstance(value, str):
            parts.extend(float(n) for n in re.findall(r"\d+", value)[:4])
    return parts


def matches(mention: NumberMention, candidates: Iterable[float]) -> bool:
    """Whether some candidate rounds to the mention as written (percent also against fractions x 100)."""
    tolerance = mention.tolerance * 1.001 + 1e-9
    targets = [abs(mention.value)]
    for candidate in candidates:
        options = (candidate, candidate * 100) if mention.kind == "percent" else (candidate,)
        for option in options:
            if any(abs(abs(option) - t) <= tolerance for t in targets):
                return True
    return False


def check_statement(text: str, candidates: list[float]) -> CheckedStatement:
    """The statement with the numbers in it that the result does not support."""
    unverified = tuple(m.text for m in extract_numbers(text) if not matches(m, candidates))
    return CheckedStatement(text, unverified)

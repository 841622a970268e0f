"""Numbers as analysts write them: scale words ("10k", "2.5 million", "1bn") and values that are numbers.

The one home for them: thresholds, targets, uploads and the check of a model's numbers all read scales here.
"""
from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

# Scale words after a number, lowercase. "m" is a million (as in "$2m"); "mm" too, as finance writes it.
NUMBER_SCALES: dict[str, float] = {
    "k": 1e3, "thousand": 1e3, "m": 1e6, "mm": 1e6, "mn": 1e6, "million": 1e6, "b": 1e9, "bn": 1e9, "billion": 1e9,
}
# The scale words as a regular-expression alternation (no group of its own), longest first.
SCALE_WORDS = "|".join(sorted(NUMBER_SCALES, key=len, reverse=True))


def scale_of(word: str | None) -> float:
    """The multiplier a scale word stands for (1.0 for none or an unknown word)."""
    return NUMBER_SCALES.get((word or "").strip().lower(), 1.0)


def as_number(value: Any) -> float | None:
    """The value as a float, or None when it is missing, NaN or not a number (bools are not numbers)."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float, Decimal)):
        number = float(value)
        return None if math.isnan(number) else number
    return None

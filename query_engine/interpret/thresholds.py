"""Thresholds in a question: a metric compared with a number ('ROAS above 3', 'CTR over 2%', 'zero clicks')."""
from __future__ import annotations

import re

from query_engine.spec.numbers import SCALE_WORDS, scale_of
from query_engine.spec.query import Threshold, ThresholdOp

_COMPARATORS: dict[str, ThresholdOp] = {
    "above": ">", "over": ">", "greater than": ">", "more than": ">", "higher than": ">", "exceeding": ">",
    "exceeds": ">", "at least": ">=", "minimum of": ">=", "below": "<", "under": "<", "less than": "<",
    "lower than": "<", "fewer than": "<", "at most": "<=", "maximum of": "<=", ">": ">", ">=": ">=", "<": "<",
    "<=": "<="}
_THRESHOLD = re.compile(r"(?<!\S)(" + "|".join(sorted(map(re.escape, _COMPARATORS), key=len, reverse=True))
                        + r") (?:\$ )?(\d[\d,]*(?:\.\d+)?)(%?)(?: (x|percent|pct|" + SCALE_WORDS + r"))?(?!\S)")
_UNIT_WORDS = {"day", "week", "month", "quarter", "year", "days", "weeks", "months", "quarters", "years"}


def read_thresholds(keys: list[str], metric_spans: list[tuple[int, int, str]]) -> tuple[list[Threshold], set[int]]:
    """'ROAS above 3', 'more than 100 conversions', 'CTR over 2%': filters on aggregated metrics, and the
    tokens they cover."""
    found: list[Threshold] = []
    text = " ".join(keys)
    starts = [sum(len(k) + 1 for k in keys[:i]) for i in range(len(keys))]
    used: set[int] = set()
    for start, _end, name in metric_spans:  # "campaigns with no conversions", "zero clicks"
        if start > 0 and keys[start - 1] in ("zero", "no", "without", "0"):
            found.append(Threshold(name, "<=", 0.0))
            used.update(range(start - 1, start))
    for m in _THRESHOLD.finditer(text):
        first = starts.index(m.start()) if m.start() in starts else None
        last = max(i for i, st in enumerate(starts) if st < m.end()) + 1
        if first is None or (last < len(keys) and keys[last] in _UNIT_WORDS):
            continue
        metric = _threshold_metric(metric_spans, first, last, keys)
        if metric is None:
            continue
        value = float(m.group(2).replace(",", ""))
        scale = scale_of(m.group(4))
        percent = m.group(3) == "%" or m.group(4) in ("percent", "pct")
        amount = value / 100 if percent else value * scale
        found.append(Threshold(metric, _COMPARATORS[m.group(1)], amount))
        used.update(range(first, last))
    return found, used


def _threshold_metric(metric_spans: list[tuple[int, int, str]], first: int, last: int,
                      keys: list[str] | None = None) -> str | None:
    """The metric a comparison binds to: the one right before it ('ROAS above 3'), else the one right after it
    ('more than 100 conversions'), else one a word after it unless that word joins another condition ('ROAS above
    3 and spend over 10k': 'and' starts the next one), else one shortly before it."""
    touching = [name for _, end, name in metric_spans if end == first]
    if touching:
        return touching[-1]
    right_after = [name for start, _, name in metric_spans if start == last]
    if right_after:
        return right_after[0]
    joined = keys is not None and last < len(keys) and keys[last] in ("and", "or", "but")
    after = [name for start, _, name in metric_spans if start == last + 1 and not joined]
    before = [name for _, end, name in metric_spans if first - 3 <= end <= first]
    if after:
        return after[0]
    return before[-1] if before else None


_AMOUNT = re.compile(r"(?<!\S)(?:(" + "|".join(sorted(map(re.escape, _COMPARATORS), key=len, reverse=True))
                     + r") )?(?:\$ )?(\d[\d,]*(?:\.\d+)?)(%?)(?: (x|percent|pct|" + SCALE_WORDS + r"))?(?!\S)")


def read_amounts(keys: list[str]) -> list[tuple[ThresholdOp | None, float]]:
    """Amounts a question names with no metric ('make that 50k', 'over 5k instead'): (comparison or None, value)."""
    found: list[tuple[ThresholdOp | None, float]] = []
    for m in _AMOUNT.finditer(" ".join(keys)):
        value = float(m.group(2).replace(",", ""))
        percent = m.group(3) == "%" or m.group(4) in ("percent", "pct")
        found.append((_COMPARATORS[m.group(1)] if m.group(1) else None,
                      value / 100 if percent else value * scale_of(m.group(4))))
    return found

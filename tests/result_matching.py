"""Compare an answer's rows with reference rows: same rows as a set, or the same ranking prefix."""
from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Sequence
from typing import Any


def normalise(value: Any) -> Any:
    """One comparable form: numbers as floats, dates as ISO text, text case-folded."""
    if value is None:
        return None
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, (int, float)):
        return None if isinstance(value, float) and math.isnan(value) else float(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip().casefold()


def _equal(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-9)
    return a == b


def _column(rows: Sequence[Sequence[Any]], index: int) -> list[Any]:
    return sorted((normalise(r[index]) for r in rows),
                  key=lambda v: (v is None, str(type(v)), v if v is not None else 0))


def rows_match(reference: Sequence[Sequence[Any]], answer: Sequence[Sequence[Any]]) -> bool:
    """True when some choice of the answer's columns reproduces the reference rows (order ignored)."""
    if len(reference) != len(answer):
        return False
    if not reference:
        return True
    width = len(answer[0])
    candidates = [[k for k in range(width)
                   if all(_equal(a, b) for a, b in zip(_column(reference, j), _column(answer, k), strict=False))]
                  for j in range(len(reference[0]))]
    ref = sorted((tuple(normalise(v) for v in r) for r in reference), key=repr)
    for choice in itertools.product(*candidates):
        if len(set(choice)) != len(choice):
            continue
        got = sorted((tuple(normalise(r[k]) for k in choice) for r in answer), key=repr)
        if all(all(_equal(x, y) for x, y in zip(p, q, strict=False)) for p, q in zip(got, ref, strict=False)):
            return True
    return False


def ranking_matches(reference: Sequence[Sequence[Any]], answer: Sequence[Sequence[Any]], k: int = 5) -> bool:
    """True when the first k reference keys appear in the same order in some column of the answer."""
    n = min(k, len(reference))
    if n == 0 or len(answer) < n:
        return False
    want = [normalise(r[0]) for r in reference[:n]]
    return any(all(_equal(w, normalise(r[c])) for w, r in zip(want, answer[:n], strict=False))
               for c in range(len(answer[0])))

"""Metric names whose head word is said once for two: 'post-view vs post-click conversions' names post-view
conversions too, and 'sales that came from other SKUs' names other-SKU sales."""
from __future__ import annotations

from query_engine.interpret.vocabulary import Match, Vocabulary

CONJUNCTIONS = frozenset({"vs", "versus", "and", "or", "against"})
# "sales came FROM other SKUs", "clicks that WERE outbound": the modifier of a head said before.
HEAD_BEFORE_CUES = frozenset({"from", "were", "was", "are", "is"})
SKIPPED = frozenset({"the", "our", "a", "an", "my", "their"})
MAX_MODIFIER = 3


def elided_heads(matches: list[Match], keys: list[str], vocabulary: Vocabulary, taken: set[int]) -> list[Match]:
    """The matches, with a modifier run whose head word the question says only once read as that metric."""
    found = list(matches)
    for i, key in enumerate(keys):
        if key in CONJUNCTIONS:
            right = _metric_at(found, i + 1)
            if right is not None:
                heads = [tuple(keys[s:right.end]) for s in range(right.start + 1, right.end)]
                found = _read_modifier(found, keys, range(i - 1, max(-1, i - 1 - MAX_MODIFIER), -1), heads,
                                       vocabulary, taken, right)
        elif key in HEAD_BEFORE_CUES:
            left = next((m for m in reversed(found) if m.end <= i and _names_metric(m)), None)
            start = i + 1
            while start < len(keys) and keys[start] in SKIPPED:
                start += 1
            if left is not None:
                heads = [tuple(keys[s:left.end]) for s in range(left.start, left.end)]
                ends = range(start + 1, min(len(keys), start + MAX_MODIFIER) + 1)
                found = _read_modifier(found, keys, ends, heads, vocabulary, taken, left, start)
    return sorted(found, key=lambda m: m.start)


def _read_modifier(found: list[Match], keys: list[str], bounds: range, heads: list[tuple[str, ...]],
                   vocabulary: Vocabulary, taken: set[int], named: Match, start: int | None = None) -> list[Match]:
    """Try modifier runs (longest first) joined to each head; the first that names another metric is read as it.

    Without `start`, runs end just before the conjunction and `bounds` are their starts; with it, runs begin at
    `start` and `bounds` are their ends."""
    spans = [(b, bounds.start + 1) for b in bounds] if start is None else [(start, b) for b in bounds]
    for a, b in sorted(spans, key=lambda s: s[0] - s[1]):
        if a < 0 or b > len(keys) or any(j in taken for j in range(a, b)) or not _free(found, a, b):
            continue
        for head in heads:
            terms = [t for modifier in _forms(keys[a:b]) for t in vocabulary.index.get((*modifier, *head), ())
                     if t.kind == "metric"]
            if terms and all(t not in named.terms for t in terms):
                inside = [m for m in found if not (m.end <= a or m.start >= b)]
                return [m for m in found if m not in inside] + [Match(a, b, tuple(terms), " ".join(keys[a:b]))]
    return found


def _forms(words: list[str]) -> list[tuple[str, ...]]:
    """The modifier as said, and with a plural its folding kept ('other SKUs' modifies 'SKU sales')."""
    singular = tuple(w[:-1] if len(w) > 3 and w.endswith("s") and w.isalpha() else w for w in words)
    return [tuple(words)] + ([singular] if singular != tuple(words) else [])


def _free(found: list[Match], a: int, b: int) -> bool:
    """The run holds no value, grouping or date word, only unmatched words or metric words inside it."""
    return all(m.start >= a and m.end <= b and _names_metric(m) for m in found if not (m.end <= a or m.start >= b))


def _names_metric(match: Match) -> bool:
    return all(t.kind == "metric" for t in match.terms)


def _metric_at(found: list[Match], start: int) -> Match | None:
    return next((m for m in found if m.start == start and _names_metric(m)), None)


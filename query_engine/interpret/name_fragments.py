"""Leftover words of a question that appear inside the data's names ('black friday' inside campaign names) filter
to those names, except where a grouping goes: after 'by' ('by customer segment' is not the 'New Customers'
campaigns) and as the things a question ranks ('which pin' is not the 'Kitchen Pins' ad group)."""
from __future__ import annotations

from typing import Protocol

from query_engine.interpret.question_text import Token
from query_engine.interpret.unknown_groupings import GROUPING_WORDS, ranks_a_delivery_unit
from query_engine.interpret.vocabulary import Vocabulary
from query_engine.spec.query import FilterOp


class Parsed(Protocol):
    """What the parser has read that name fragments add to (interpret.parser.ParsedQuestion)."""

    tokens: list[Token]
    filters: dict[str, tuple[list[str], FilterOp]]
    filter_starts: dict[str, int]


def read_name_fragments(parsed: Parsed, vocabulary: Vocabulary, taken: set[int], plain: frozenset[str]) -> None:
    """Runs of leftover words that appear inside entity names ("black friday" campaigns) filter to them.

    Words right after "by", "per", "each" or "across" name a grouping, so they never filter by a name that
    happens to contain them ("by customer segment" is not the "New Customers" campaigns)."""
    keys = [t.key for t in parsed.tokens]
    i = 0
    while i < len(keys):
        hit = None
        if (i > 0 and keys[i - 1] in GROUPING_WORDS) or ranks_a_delivery_unit(keys, i):
            i += 1
            continue
        for size in range(min(4, len(keys) - i), 0, -1):
            span = range(i, i + size)
            if any(j in taken for j in span) or (size == 1 and keys[i] in plain):
                continue
            fragment_values = vocabulary.fragment_values(tuple(keys[i:i + size]))
            if fragment_values:
                hit = (size, fragment_values)
                break
        if not hit:
            i += 1
            continue
        for dim, value in sorted(hit[1]):
            parsed.filter_starts.setdefault(dim, i)
            values, op = parsed.filters.setdefault(dim, ([], "in"))
            if value not in values:
                values.append(value)
        taken.update(range(i, i + hit[0]))
        i += hit[0]

"""'the brand campaign' when several campaigns' names hold 'brand': all of them, or each one on its own.

A singular name ("the X campaign") means one thing; when the words fit several, each is a reading of its own,
after the reading that takes them all."""
from __future__ import annotations

from query_engine.interpret.parser import ParsedQuestion
from query_engine.interpret.reading_axes import Option
from query_engine.interpret.reading_weights import weights
from query_engine.semantics.model import SemanticModel
from query_engine.spec.query import Filter

MAX_SINGLE_READINGS = 4
ALL_WEIGHT = weights().every_name


def name_axis(parsed: ParsedQuestion, model: SemanticModel) -> list[Option]:
    """The filter for a singular name that fits several values: all of them first, then each alone."""
    choices = {d: v for d, v in parsed.name_choices.items() if d in parsed.filters and len(v) > 1}
    if not choices:
        return [Option(1.0, ())]
    dimension, values = next(iter(choices.items()))
    label = model.dimensions[dimension].label.lower()
    singles = values[:MAX_SINGLE_READINGS]
    return [Option(ALL_WEIGHT, _filters(parsed, dimension, values), f"every {label} whose name fits"),
            *(Option((1 - ALL_WEIGHT) / len(singles), _filters(parsed, dimension, [v]), f"only {v}")
              for v in singles)]


def _filters(parsed: ParsedQuestion, dimension: str, chosen: list[str]) -> tuple[tuple[str, object], ...]:
    filters = tuple(Filter(d, tuple(chosen if d == dimension else values), op)
                    for d, (values, op) in parsed.filters.items())
    return (("filters", filters),)

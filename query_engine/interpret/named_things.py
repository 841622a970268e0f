"""'the traffic campaign', 'our brand ad groups': words from the names of the things named right after them.

The thing's own name beats a metric's word ('traffic' is also a word for clicks), not another column's value
('Meta campaigns' are the Meta channel's)."""
from __future__ import annotations

from dataclasses import dataclass

from query_engine.interpret.question_text import STOPWORDS, Token
from query_engine.interpret.vocabulary import Vocabulary
from query_engine.semantics.model import SemanticModel

MAX_NAME_WORDS = 3


@dataclass(frozen=True)
class NamedThing:
    """Values of `dimension` named by the words from `start`; `singular` when one thing is meant ('the X campaign')."""

    dimension: str
    values: tuple[str, ...]
    start: int
    used: tuple[int, ...]
    singular: bool


def named_things(tokens: list[Token], vocabulary: Vocabulary, model: SemanticModel, taken: set[int],
                 plain: frozenset[str]) -> list[NamedThing]:
    """Each run of words just before an entity's name ('campaign') that comes from that entity's values."""
    keys = [t.key for t in tokens]
    found: list[NamedThing] = []
    used: set[int] = set()
    for j in range(1, len(keys)):
        heads = [t.name for t in vocabulary.index.get((keys[j],), ())
                 if t.kind == "dimension" and model.dimensions[t.name].entity]
        thing = _before_head(keys, j, heads, vocabulary, taken | used, plain) if heads else None
        if thing:
            dimension, values, size = thing
            singular = not tokens[j].is_plural  # "brand campaigns": those campaigns, still grouped as usual
            span = tuple(range(j - size, j + 1 if singular else j))
            found.append(NamedThing(dimension, values, j - size, span, singular))
            used.update(span)
    return found


def _before_head(keys: list[str], j: int, heads: list[str], vocabulary: Vocabulary, taken: set[int],
                 plain: frozenset[str]) -> tuple[str, tuple[str, ...], int] | None:
    for size in range(min(MAX_NAME_WORDS, j), 0, -1):
        words = tuple(keys[j - size:j])
        if any(t.kind == "value" for t in vocabulary.index.get(words, ())):  # a whole value: matched as such
            return None
        if any(i in taken for i in range(j - size, j + 1)) or (size == 1 and words[0] in plain | STOPWORDS):
            continue
        named = sorted((heads.index(d), v) for d, v in vocabulary.fragment_values(words) if d in heads)
        if named:
            dimension = heads[named[0][0]]
            return dimension, tuple(v for i, v in named if heads[i] == dimension), size
    return None

"""A holiday that also names things in the data: 'the Black Friday campaign' is a campaign, and perhaps the day;
and 'since the X campaign launched', which starts a window on the first day X has data.

When a holiday's words (spec/calendar.HOLIDAYS) are a whole entity name ('Black Friday 2024') or part of some
('Black Friday - Eclairage', 'Black Friday Woche'), the question has two readings: the things so named, or the
day itself. The things come first when the question calls them by their noun ('the Black Friday campaign'),
the day first otherwise ('Black Friday 2024 revenue by channel', 'sales on Black Friday').
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Protocol

from query_engine.interpret.date_phrases import DatePhrase, bracketed, find_date_phrases
from query_engine.interpret.date_windows import DateOption
from query_engine.interpret.question_text import Token
from query_engine.interpret.vocabulary import Match, Vocabulary
from query_engine.semantics.model import SemanticModel
from query_engine.spec.query import DateRange, FilterOp

LAUNCH_WORDS = frozenset({"launched", "launch", "started", "start", "began", "begun", "debuted", "introduced"})
LAUNCH_PAIRS = frozenset({("went", "live"), ("go", "live"), ("gone", "live"), ("kicked", "off"), ("rolled", "out")})
# Words that end the name of a period given in brackets, read backwards: 'spend on | prime big deal days (oct 8-9)'.
PERIOD_NAME_STOPS = frozenset({"on", "during", "for", "in", "over", "through", "throughout", "around", "at", "from",
                               "of", "since", "across", "between", "within", "and", "vs", "by", "per"})
MAX_NAME_TOKENS = 8  # words between 'since' and the verb: 'since the Black Friday campaign launched'


@dataclass(frozen=True)
class NamedDay:
    """A holiday phrase that also names entity values, and which reading comes first."""

    phrase: DatePhrase
    dimension: str
    values: tuple[str, ...]
    name_first: bool  # the question calls them by their noun: 'the Black Friday campaign'
    noun: int | None = None  # the token of that noun, which names the things rather than a grouping


class ParsedDates(Protocol):
    """What these readers take from, and leave in, a parsed question."""

    text: str
    tokens: list[Token]
    date_phrases: list[DatePhrase]
    named_day: NamedDay | None
    filters: dict[str, tuple[list[str], FilterOp]]
    dimensions: list[str]
    qualifier_dimensions: list[str]
    total_dimensions: list[str]
    corrections: list[tuple[str, str]]


def read_named_days(parsed: ParsedDates, as_of: dt.date, matches: list[Match], vocabulary: Vocabulary,
                    model: SemanticModel, taken: set[int]) -> set[int]:
    """Holidays that name things, 'since X launched', and periods named before bracketed dates; the tokens taken."""
    named = named_day(parsed.tokens, as_of, parsed.date_phrases, matches, vocabulary, model)
    parsed.named_day = since_launch(parsed.tokens, as_of, named, matches, vocabulary, model) or named
    used = _use_named_day(parsed)
    return used | _read_period_names(parsed, taken | used)


def _use_named_day(parsed: ParsedDates) -> set[int]:
    """A holiday that names things ('the Black Friday campaign'): its readings are the date axis's, not filters."""
    named = parsed.named_day
    if named is None:
        return set()
    values, op = parsed.filters.get(named.dimension, ([], "in"))
    kept = [v for v in values if v not in named.values]
    if kept:
        parsed.filters[named.dimension] = (kept, op)
    else:
        parsed.filters.pop(named.dimension, None)
    if named.noun is not None:  # 'the Black Friday campaign': the noun names them, it groups nothing
        for names in (parsed.dimensions, parsed.qualifier_dimensions, parsed.total_dimensions):
            if named.dimension in names:
                names.remove(named.dimension)
    taken = set(range(named.phrase.start, named.phrase.end))
    parsed.date_phrases = [p for p in parsed.date_phrases if not taken & set(range(p.start, p.end))]
    return taken | ({named.noun} if named.noun is not None else set())


def _read_period_names(parsed: ParsedDates, taken: set[int]) -> set[int]:
    """'during Prime Big Deal Days (Oct 8-9)': the words before dates in brackets name them; they are no subject."""
    phrases, named = period_names(parsed.text, parsed.tokens, parsed.date_phrases, taken)
    texts = {parsed.tokens[j].text for j in named}
    parsed.date_phrases = phrases
    parsed.corrections = [c for c in parsed.corrections if c[0] not in texts]  # a name is no misspelling
    return named


def named_day(tokens: list[Token], as_of: dt.date, phrases: list[DatePhrase], matches: list[Match],
              vocabulary: Vocabulary, model: SemanticModel) -> NamedDay | None:
    """The first holiday in the question that is (part of) an entity name the data holds, else None."""
    for phrase in find_date_phrases(tokens, as_of):
        if phrase.kind != "holiday":
            continue
        whole = next((m for m in matches if m.start <= phrase.start and phrase.end <= m.end
                      and _entity_values(m, model)), None)
        named = _entity_values(whole, model) if whole is not None else None
        if whole is not None and named is not None:
            return _ordered(phrase, named[0], named[1], whole.end, tokens, vocabulary)
        if phrase not in phrases:
            continue
        keys = tuple(t.key for t in tokens[phrase.start:phrase.end] if not t.is_number)
        found = sorted(vocabulary.fragment_values(keys))
        dimensions = sorted({d for d, _ in found})
        if len(dimensions) == 1:
            values = tuple(v for _, v in found)
            return _ordered(phrase, dimensions[0], values, phrase.end, tokens, vocabulary)
    return None


def _entity_values(match: Match, model: SemanticModel) -> tuple[str, tuple[str, ...]] | None:
    """The entity column a match names values of, and those values."""
    terms = [t for t in match.terms if t.kind == "value" and model.dimensions[t.name].entity]
    if not terms:
        return None
    return terms[0].name, tuple(t.value or "" for t in terms if t.name == terms[0].name)


def _ordered(phrase: DatePhrase, dimension: str, values: tuple[str, ...], end: int, tokens: list[Token],
             vocabulary: Vocabulary) -> NamedDay:
    """Names first when the word after them is the noun of their column ('... campaign')."""
    if end < len(tokens):
        terms = vocabulary.index.get((tokens[end].key,), ())
        if any(t.kind == "dimension" and t.name == dimension for t in terms):
            return NamedDay(phrase, dimension, values, True, end)
    return NamedDay(phrase, dimension, values, False)


def since_launch(tokens: list[Token], as_of: dt.date, named: NamedDay | None, matches: list[Match],
                 vocabulary: Vocabulary, model: SemanticModel) -> NamedDay | None:
    """'since the Black Friday campaign launched': every row from the first day those things have data.

    The things' own figures are the second reading; their first days come from the data's profile."""
    keys = [t.key for t in tokens]
    for i, key in enumerate(keys):
        end = _launch_word_end(keys, i + 1) if key == "since" else None
        if end is None:
            continue
        between = range(i + 1, end)
        if named is not None and named.phrase.start in between:
            dimension, values = named.dimension, named.values
        else:
            found = next((v for m in matches if m.start in between and (v := _entity_values(m, model))), None)
            if found is None:
                continue
            dimension, values = found
        firsts = [d for v in values if (d := vocabulary.first_dates.get(dimension, {}).get(v))]
        if not firsts or min(firsts) > as_of:
            continue
        label = f"since {' / '.join(values[:2])} started"
        phrase = DatePhrase(i, end, (DateOption(DateRange(min(firsts), as_of, label)),), kind="since_launch")
        noun = next((j for j in between if any(t.kind == "dimension" and t.name == dimension
                                                 for t in vocabulary.index.get((keys[j],), ()))), None)
        return NamedDay(phrase, dimension, values, False, noun)
    return None


def _launch_word_end(keys: list[str], start: int) -> int | None:
    """The token after the verb that says things began ('launched', 'went live'), within a few words."""
    for j in range(start + 1, min(len(keys), start + MAX_NAME_TOKENS + 1)):
        if keys[j] in LAUNCH_WORDS:
            return j + 1
        if tuple(keys[j:j + 2]) in LAUNCH_PAIRS:
            return j + 2
    return None


def period_names(text: str, tokens: list[Token], phrases: list[DatePhrase],
                 taken: set[int]) -> tuple[list[DatePhrase], set[int]]:
    """'Prime Big Deal Days (Oct 8-9)': the words before dates in brackets, back to a preposition or a word the
    data knows, name those dates; a holiday among them gives way to the dates. The phrases, and the name's tokens."""
    keys, named = [t.key for t in tokens], set()
    for phrase in bracketed(text, tokens, phrases):
        others = {i for p in phrases if p is not phrase for i in range(p.start, p.end)}
        i = phrase.start - 1
        while i >= 0 and keys[i] not in PERIOD_NAME_STOPS and (i not in taken or i in others) and not keys[i].isdigit():
            i -= 1
        words = set(range(i + 1, phrase.start))
        if not words:
            continue
        named |= words
        name = " ".join(tokens[j].text for j in sorted(words) if keys[j] not in ("the", "our", "this"))
        options = tuple(replace(o, window=replace(o.window, label=name)) if o.window else o for o in phrase.options)
        phrases = [replace(p, options=options) if p is phrase else p for p in phrases
                   if p is phrase or not set(range(p.start, p.end)) <= named]
    return phrases, named

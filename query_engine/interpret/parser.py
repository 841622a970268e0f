"""Parse a question into what it names: metrics, groupings, filters, dates, ranking and limits."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from query_engine.interpret.cues import Cue, question_words, sentence_cues
from query_engine.interpret.date_phrases import DatePhrase, find_date_phrases
from query_engine.interpret.elided_heads import elided_heads
from query_engine.interpret.metric_ratios import read_ratios
from query_engine.interpret.name_fragments import read_name_fragments
from query_engine.interpret.named_days import NamedDay, read_named_days
from query_engine.interpret.named_things import named_things
from query_engine.interpret.period_averages import read_period_averages
from query_engine.interpret.platform_names import scope_spans
from query_engine.interpret.question_lexicon import lexicon
from query_engine.interpret.question_text import (
    STOPWORDS,
    Token,
    clean_question,
    number_value,
    tokenize,
)
from query_engine.interpret.thresholds import read_thresholds
from query_engine.interpret.unknown_groupings import (
    GROUPING_WORDS,
    filler_grouping,
    names_a_grouping,
)
from query_engine.interpret.vocabulary import Match, Vocabulary
from query_engine.interpret.week_parts import read_week_parts
from query_engine.semantics.model import SemanticModel
from query_engine.spec.query import FilterOp, Threshold

_WORDS = question_words()  # the parser's own words, by role: the lexicon's question_words
COUNT_CUES = _WORDS.count_cues  # and "how many", "many"
BEST_WORDS, WORST_WORDS, PERFORMANCE_WORDS = _WORDS.best, _WORDS.worst, _WORDS.performance
EFFICIENCY_WORDS, ENGAGEMENT_WORDS, QUALITY_ADJECTIVES = _WORDS.efficiency, _WORDS.engagement, _WORDS.quality_adjectives
MAX_WORDS, MIN_WORDS, RANK_CUES = _WORDS.max, _WORDS.min, _WORDS.rank_cues
GROUP_CUES, NEGATIONS, COMPARE_WORDS = _WORDS.grouping_cues, _WORDS.negations, _WORDS.compare
TREND_WORDS, SHARE_PHRASES, UNIT_GRAINS, FILLER = _WORDS.trend, _WORDS.share, _WORDS.unit_grains, _WORDS.filler


@dataclass
class ParsedQuestion:
    """Everything recognised in one question; the interpreter turns it into readings."""

    text: str
    tokens: list[Token]
    metrics: list[str] = field(default_factory=list)
    weak_metrics: list[str] = field(default_factory=list)
    dimensions: list[str] = field(default_factory=list)
    total_dimensions: list[str] = field(default_factory=list)
    filters: dict[str, tuple[list[str], FilterOp]] = field(default_factory=dict)
    date_phrases: list[DatePhrase] = field(default_factory=list)
    impossible_dates: list[str] = field(default_factory=list)  # "'may 32': May 2025 has no day 32"
    named_day: NamedDay | None = None  # a holiday that also names things: 'the Black Friday campaign'
    date_field: str | None = None
    grain: str | None = None
    polarity: str | None = None  # best | worst
    extreme: str | None = None  # max | min
    metric_group: str | None = None  # higher | efficiency | engagement
    limit: int | None = None
    thresholds: list[Threshold] = field(default_factory=list)
    qualifier_dimensions: list[str] = field(default_factory=list)
    metric_spans: list[tuple[int, int, str]] = field(default_factory=list)
    metric_choices: dict[str, list[str]] = field(default_factory=dict)
    dimension_choices: dict[str, list[str]] = field(default_factory=dict)  # "channel": two columns share the word
    name_choices: dict[str, list[str]] = field(default_factory=dict)  # "the brand campaign": several fit the name
    per_dimensions: list[str] = field(default_factory=list)  # "conversions per campaign": a split, or an average
    # "the most expensive channel": the figure read first, and the other figures the words could mean (CPA, CPC)
    metric_alternatives: dict[str, list[str]] = field(default_factory=dict)
    scope: list[tuple[str, str]] = field(default_factory=list)  # (words, platform) that no column filters
    per_group: str | None = None  # "in each region": a grouping the limit applies within
    unknown: list[str] = field(default_factory=list)
    unknown_groupings: list[str] = field(default_factory=list)
    corrections: list[tuple[str, str]] = field(default_factory=list)
    counted: str | None = None  # "how many ad groups ...": the grouping whose members are counted
    filter_starts: dict[str, int] = field(default_factory=dict)  # where each filter's first value is named
    part: dict[str, tuple[list[str], FilterOp]] = field(default_factory=dict)  # "share ... from mobile": the part
    whole: str | None = None  # "share of sales from other SKUs": the metric the first one is a part of
    cues: set[Cue] = field(default_factory=set)  # what the words say about the reading (interpret.cues)
    scenario: tuple[str, float] | None = None  # "if spend rose 20%": the measure a simple what-if moves, and how

    @property
    def compare(self) -> bool:
        """'vs', 'compared with': values or periods side by side."""
        return Cue.COMPARE in self.cues

    @property
    def share(self) -> bool:
        """'share', '% of': a part of a whole."""
        return Cue.SHARE in self.cues

    @property
    def when(self) -> bool:
        """'when did we spend the most': which period."""
        return Cue.WHEN in self.cues

    @property
    def combined(self) -> bool:
        """'Meta and Google combined': one total, not a split."""
        return Cue.COMBINED in self.cues

    @property
    def separately(self) -> bool:
        """'spend for A and B separately': the split leads; otherwise the one total does."""
        return Cue.SEPARATELY in self.cues

    @property
    def listing(self) -> bool:
        """'list all campaigns': the things themselves."""
        return Cue.LISTING in self.cues

    @property
    def auto_grain(self) -> bool:
        """'trend', 'over time' with no grain named: a series whose grain is chosen."""
        return Cue.TREND in self.cues

    @property
    def singular_which(self) -> bool:
        """'which campaign' (singular): one row is asked."""
        return Cue.WHICH_ONE in self.cues

    @property
    def singular_dimension(self) -> bool:
        """'the best campaign' names one row; 'the best campaigns' or 'sorted highest first' a ranking."""
        return Cue.ONE_ROW in self.cues and Cue.SORTING not in self.cues

    @property
    def recognised(self) -> bool:
        """True when the question names anything the data has."""
        return bool(self.metrics or self.weak_metrics or self.dimensions or self.filters or self.date_phrases
                    or self.metric_group or self.total_dimensions or self.grain or self.qualifier_dimensions
                    or self.named_day)


_OWN_WORDS = frozenset(FILLER | BEST_WORDS | WORST_WORDS | PERFORMANCE_WORDS | MAX_WORDS | MIN_WORDS | NEGATIONS
                       | GROUP_CUES | COMPARE_WORDS | RANK_CUES | QUALITY_ADJECTIVES | set(UNIT_GRAINS)
                       | {w for phrase in (*TREND_WORDS, *EFFICIENCY_WORDS, *ENGAGEMENT_WORDS) for w in phrase.split()})


def parse_question(question: str, model: SemanticModel, vocabulary: Vocabulary, as_of: dt.date) -> ParsedQuestion:
    """Tokenise, correct spelling, find dates, phrases, rankings and limits."""
    raw_tokens = tokenize(clean_question(question))
    # Words this parser reads itself ("change", "best") are never "corrected" into vocabulary.
    tokens = [t if t.key in _OWN_WORDS else vocabulary.correct(t) for t in raw_tokens]
    parsed = ParsedQuestion(question, tokens)
    parsed.corrections = [(a.text, b.text if b.text != a.text else b.key)  # a short name keeps its spelling
                          for a, b in zip(raw_tokens, tokens, strict=False)
                          if a.key != b.key and b.key not in STOPWORDS]  # fixed plain words need no note
    names = _entity_names(tokens, vocabulary, model)
    parsed.date_phrases = find_date_phrases(tokens, as_of, names, parsed.impossible_dates)
    taken = {i for p in parsed.date_phrases for i in range(p.start, p.end)}
    if vocabulary.platform_scope:  # before columns: "tiktok ads" is the platform, not an 'ads' grouping
        taken |= _read_scope(parsed, taken)
    taken |= _read_named_things(parsed, vocabulary, model, taken)
    matches = elided_heads(vocabulary.match(tokens, taken, _OWN_WORDS), [t.key for t in tokens], vocabulary, taken)
    _read_matches(parsed, matches, model)
    taken |= read_ratios(parsed, model)  # "revenue per session": one ratio, not two measures
    taken |= read_period_averages(parsed, model, {i for p in parsed.date_phrases for i in range(p.start, p.end)})
    taken |= {i for m in matches for i in range(m.start, m.end)}
    taken |= read_named_days(parsed, as_of, matches, vocabulary, model, taken)
    read_name_fragments(parsed, vocabulary, taken, STOPWORDS | FILLER)
    taken |= _read_thresholds(parsed)
    taken |= read_week_parts(parsed, model, taken, frozenset(NEGATIONS))
    _read_words(parsed, taken)
    return parsed


def _read_scope(parsed: ParsedQuestion, taken: set[int]) -> set[int]:
    """Platform names no column holds ("spend on TikTok" in a TikTok export): the file's scope, read as such."""
    keys = [t.key for t in parsed.tokens]
    spans = scope_spans(keys, set(range(len(keys))) - taken)
    for start, end, platform in spans:
        parsed.scope.append((" ".join(t.text for t in parsed.tokens[start:end]), platform))
    return {i for start, end, _ in spans for i in range(start, end)}


def _entity_names(tokens: list[Token], vocabulary: Vocabulary, model: SemanticModel) -> set[int]:
    """Tokens that spell out a whole entity name of two or more words; dates inside a name are not dates."""
    spans: set[int] = set()
    for match in vocabulary.match(tokens, set(), _OWN_WORDS):
        if match.end - match.start >= 2 and any(t.kind == "value" and model.dimensions[t.name].entity
                                                for t in match.terms):
            spans.update(range(match.start, match.end))
    return spans


def _read_matches(parsed: ParsedQuestion, matches: list[Match], model: SemanticModel) -> None:
    keys = [t.key for t in parsed.tokens]
    has_window = any(p.options for p in parsed.date_phrases)
    previous: Match | None = None
    for n, match in enumerate(matches):
        kinds = {t.kind for t in match.terms}
        if _modifies_a_figure(keys, match, matches[n + 1:n + 2]):
            continue  # "ad cost by platform": 'ad' says whose cost, it groups nothing
        before = keys[max(0, match.start - 3):match.start]
        if "date_field" in kinds and has_window:
            parsed.date_field = next(t.name for t in match.terms if t.kind == "date_field")
            continue
        term = _preferred(match)
        if term.kind == "metric":
            parsed.metric_spans.append((match.start, match.end, term.name))
        if term.kind == "metric" and term.name not in parsed.metrics:
            parsed.metrics.append(term.name)
            named = [t.name for t in match.terms if t.kind == "metric"]
            if len(named) > 1:  # two columns carry this meaning: each is a reading of its own
                parsed.metric_choices[term.name] = named
        elif term.kind == "weak_metric":
            parsed.weak_metrics.append(term.name)
        elif term.kind == "grain":
            parsed.grain = term.name
            if _counting_cue(keys, match.start, parsed.metric_spans):
                parsed.counted = term.name
            singular = not parsed.tokens[match.start].is_plural
            if singular and set(before) & {"which", "what"}:
                parsed.cues.add(Cue.WHICH_ONE)
            if singular and not parsed.dimensions:
                parsed.cues.add(Cue.ONE_ROW)
        elif term.kind == "value":
            negated = bool(set(before[-2:]) & NEGATIONS)
            values, op = parsed.filters.get(term.name, ([], "not_in" if negated else "in"))
            parsed.filter_starts.setdefault(term.name, match.start)
            for value in (t.value or "" for t in match.terms if t.kind == "value" and t.name == term.name):
                if value not in values:
                    values.append(value)
            parsed.filters[term.name] = (values, op)
        elif term.kind == "dimension":
            _read_dimension(parsed, term.name, match, before, model, previous)
            named = [t.name for t in match.terms if t.kind == "dimension"]
            if len(named) > 1 and term.name in parsed.dimensions:
                parsed.dimension_choices[term.name] = named
        previous = match


def _modifies_a_figure(keys: list[str], match: Match, following: list[Match]) -> bool:
    """A filler word ('ad', 'campaign') right before a figure and after no grouping cue ('ad cost', 'campaign
    spend by channel') qualifies that figure; it is no grouping."""
    words, cues = keys[match.start:match.end], set(keys[max(0, match.start - 2):match.start]) & GROUP_CUES
    return bool(following) and following[0].start == match.end and not cues \
        and all(w in lexicon().grouping_fillers for w in words) and any(t.kind == "metric" for t in following[0].terms)


def _preferred(match: Match):
    order = {"metric": 0, "weak_metric": 1, "dimension": 2, "value": 3, "grain": 4, "date_field": 5}
    return min(match.terms, key=lambda t: order.get(t.kind, 9))


def _read_dimension(parsed: ParsedQuestion, name: str, match: Match, before: list[str],
                    model: SemanticModel, previous: Match | None) -> None:
    token = parsed.tokens[match.end - 1]
    dim = model.dimensions[name]
    if _counting_cue([t.key for t in parsed.tokens], match.start, parsed.metric_spans) and not parsed.counted:
        parsed.counted = name  # whether a count metric or a count of groups answers it is settled with the thresholds
        if name not in parsed.dimensions:
            parsed.dimensions.append(name)
        return
    listing = parsed.tokens[0].key in ("list", "name", "enumerate", "show")
    if before[-1:] in (["all"], ["total"]) and not set(before[-3:-1]) & {"by", "per", "each", "which"} and not listing:
        parsed.total_dimensions.append(name)
        return
    # "how much did X campaigns spend", "how many clicks did TikTok campaigns get", "total spend of meta campaigns"
    asked_amount = [t.key for t in parsed.tokens[:2]] in (["how", "much"], ["how", "many"]) or \
        parsed.tokens[0].key == "total"
    if dim.entity and asked_amount and not set(before) & GROUP_CUES:
        parsed.total_dimensions.append(name)
        return
    qualified = previous is not None and previous.end == match.start and any(t.kind == "value" for t in previous.terms)
    if dim.entity and qualified and not set(before) & GROUP_CUES:
        parsed.qualifier_dimensions.append(name)
        return
    if name not in parsed.dimensions:
        parsed.dimensions.append(name)
    if before[-1:] == ["per"]:
        parsed.per_dimensions.append(name)
    if set(before[-2:]) & {"each", "every", "per"} and parsed.dimensions[:-1]:
        parsed.per_group = name
        return
    if set(before) & {"which", "what"} and not token.is_plural:
        parsed.cues.add(Cue.WHICH_ONE)
    # "the best campaign" is one row; "by campaign", "per campaign" group, whatever their number.
    if not token.is_plural and name == parsed.dimensions[0] and before[-1:] not in (["by"], ["per"], ["each"],
                                                                                 ["across"], ["every"]):
        parsed.cues.add(Cue.ONE_ROW)


def _counting_cue(keys: list[str], start: int, metric_spans: list[tuple[int, int, str]]) -> bool:
    """'how many campaigns', 'number of ad groups': a count cue right before the thing, no metric in between."""
    for i in range(start - 1, max(-1, start - 4), -1):
        if keys[i] in GROUPING_WORDS or any(s <= i < e for s, e, _ in metric_spans):
            return False
        pair = " ".join(keys[max(0, i - 1):i + 1])
        if keys[i] == "many" or pair in COUNT_CUES:
            return True
    return False


def _read_named_things(parsed: ParsedQuestion, vocabulary: Vocabulary, model: SemanticModel,
                       taken: set[int]) -> set[int]:
    """Things named by words from their names ('the traffic campaign'): filters, and a choice when one is meant."""
    used: set[int] = set()
    for thing in named_things(parsed.tokens, vocabulary, model, taken, _OWN_WORDS):
        parsed.filter_starts.setdefault(thing.dimension, thing.start)
        values, _ = parsed.filters.setdefault(thing.dimension, ([], "in"))
        values.extend(v for v in thing.values if v not in values)
        if thing.singular:
            parsed.name_choices[thing.dimension] = list(values)
        used.update(thing.used)
    return used


def _read_thresholds(parsed: ParsedQuestion) -> set[int]:
    """'ROAS above 3', 'more than 100 conversions', 'CTR over 2%': filters on aggregated metrics."""
    found, used = read_thresholds([t.key for t in parsed.tokens], parsed.metric_spans)
    parsed.thresholds.extend(found)
    return used


def _read_words(parsed: ParsedQuestion, taken: set[int]) -> None:
    text = " " + " ".join(t.key for t in parsed.tokens) + " "
    keys = [t.key for t in parsed.tokens]
    for i, _token in enumerate(parsed.tokens):
        if i in taken:
            continue
        _read_word(parsed, i, keys)
    if any(f" {w} " in text for w in EFFICIENCY_WORDS):
        parsed.metric_group = "efficiency"
    elif any(f" {w} " in text for w in ENGAGEMENT_WORDS):
        parsed.metric_group = "engagement"
    elif set(keys) & _WORDS.size and not parsed.metrics and not parsed.weak_metrics:
        parsed.metric_group = "size"  # "the biggest campaigns": by spend, revenue or impressions
    parsed.cues |= sentence_cues(keys, bool(parsed.grain))


def _read_word(parsed: ParsedQuestion, i: int, keys: list[str]) -> None:
    word, before = keys[i], keys[max(0, i - 2):i]
    after = keys[i + 1] if i + 1 < len(keys) else ""
    if word in ("top", "bottom", "best", "worst", "first", "last") and after:
        n = number_value(parsed.tokens[i + 1])
        if n and n < 10_000 and not parsed.limit:
            parsed.limit = n
    if word in ("which", "what") and after:
        n = number_value(parsed.tokens[i + 1])
        if n and 1 < n < 1000 and not parsed.limit:
            parsed.limit = n
    if word.isdigit() and before[-1:] and before[-1] in ("top", "bottom", "best", "worst", "first", "which", "what"):
        return
    if word in BEST_WORDS and not (word == "top" and parsed.polarity):
        parsed.polarity = parsed.polarity or "best"
    if word in WORST_WORDS:
        parsed.polarity = "worst"
    if word in ("most", "least") and after in QUALITY_ADJECTIVES:
        parsed.polarity = "best" if word == "most" else "worst"
    elif word in MAX_WORDS and word != "top":
        parsed.extreme = parsed.extreme or "max"
    elif word in MIN_WORDS and word != "bottom":
        parsed.extreme = parsed.extreme or "min"
    if word in PERFORMANCE_WORDS and not parsed.metric_group:
        parsed.metric_group = "higher"
    counted = word in UNIT_GRAINS and _counting_cue(keys, i, parsed.metric_spans)  # "how many days ..."
    if word in UNIT_GRAINS and (set(before) & (GROUP_CUES | RANK_CUES) or word in ("weekday",) or counted):
        parsed.grain = UNIT_GRAINS[word]
        parsed.counted = parsed.counted or (parsed.grain if counted else None)
        if set(keys[max(0, i - 4):i]) & {"which", "what"} and not parsed.tokens[i].is_plural:
            parsed.cues.add(Cue.WHICH_ONE)
        return
    _note_unknown(parsed, i, keys)


def _note_unknown(parsed: ParsedQuestion, i: int, keys: list[str]) -> None:
    word = keys[i]
    named = filler_grouping(keys, i)  # "spend by ad", "which campaign spent most": no column holds them
    if named:
        parsed.unknown.append(named)
        parsed.unknown_groupings.append(named)
        return
    known = (word in STOPWORDS or word in FILLER or word in PERFORMANCE_WORDS or word in BEST_WORDS
             or word in _WORDS.size
             or word in WORST_WORDS or word in MAX_WORDS or word in MIN_WORDS or word in NEGATIONS
             or word in UNIT_GRAINS or not word.isalpha() or len(word) < 2)
    if known or any(word in w.split() for w in (*TREND_WORDS, *EFFICIENCY_WORDS, *ENGAGEMENT_WORDS)):
        return
    parsed.unknown.append(parsed.tokens[i].text)
    if names_a_grouping(parsed.tokens, i, parsed.metric_spans):
        parsed.unknown_groupings.append(parsed.tokens[i].text)

"""The words of a dataset: every phrase that names a metric, grouping, value or date field, with typo tolerance."""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from functools import cache

from rapidfuzz import process
from rapidfuzz.distance import OSA

from query_engine.interpret.platform_names import platform_values
from query_engine.interpret.question_lexicon import known_words, lexicon
from query_engine.interpret.question_text import STOPWORDS, Token, fold, phrase_key
from query_engine.interpret.value_words import words_for
from query_engine.semantics.model import SemanticModel
from query_engine.semantics.profile import DataProfile
from query_engine.spec.calendar import MONTH_NAMES

DATE_WORDS = tuple(name.lower() for name in MONTH_NAMES) + ("yesterday", "today", "quarter", "month", "week", "year",
                                                            "weekly", "monthly", "daily", "quarterly", "yearly",
                                                            "previous", "trailing", "between")
MAX_PHRASE_TOKENS = 6
COMPOUND_SEPARATOR = re.compile(r"\s+[/|>]\s+")  # 'google / cpc', 'Meta | Prospecting'
CODE_JOINERS = frozenset({"and", "or", "&", "nor"})  # between codes: "interests 2 and 38"
MAX_CODE_DIGITS = 4  # a longer number (an id) is specific enough to match on its own
GENERIC_VALUES = frozenset({"total", "all", "other", "none", "unknown", "na", "n", "a", "misc", "overall", "sum"})
# Short forms too short for edit distance to find safely.
SHORT_FORMS = {"las": "last", "lst": "last", "yr": "year", "yrs": "year", "mth": "month", "mnth": "month",
               "mo": "month", "wk": "week", "wks": "week", "qtr": "quarter", "yday": "yesterday", "tdy": "today",
               "rev": "revenue", "conv": "conversion", "imps": "impression", "cnv": "conversion"}


@dataclass(frozen=True)
class Term:
    """What a phrase names: kind is metric, weak_metric, dimension, value, grain or date_field."""

    kind: str
    name: str
    value: str | None = None


@dataclass(frozen=True)
class Match:
    """A phrase found in a question: the tokens it covers and what it may name."""

    start: int
    end: int
    terms: tuple[Term, ...]
    text: str


_PLAIN_WORDS = sorted(w for w in STOPWORDS if len(w) >= 4 and w.isalpha())


class Vocabulary:
    """Phrase index over a semantic model and a data profile."""

    def __init__(self, model: SemanticModel, profile: DataProfile) -> None:
        self.index: dict[tuple[str, ...], list[Term]] = defaultdict(list)
        self._shown: dict[tuple[str, ...], str] = {}  # a phrase key as first written ("acos" for ("aco",))
        self.fragments: dict[tuple[str, ...], set[tuple[str, str]]] = defaultdict(set)
        # Runs of a column's main words ("job function" of "Member Job Function"): found when nothing exact is.
        self.partial: dict[tuple[str, ...], list[Term]] = defaultdict(list)
        # Short numbers that are values (interest 17, day 3): they match only right after their column's name.
        self.codes: dict[str, list[Term]] = defaultdict(list)
        self._labels: dict[str, tuple[str, ...]] = {}
        self._add_model_terms(model)
        self._add_main_words(model)
        self._add_values(model, profile)
        self.first_dates = profile.first_dates  # an entity value's first day: "since the X campaign launched"
        platforms = platform_values(model, profile)
        for key, found in platforms.items():  # "meta" filters a source column's facebook and instagram rows
            if key not in self.index:
                self.index[key] = [Term("value", name, value) for name, value in sorted(found)]
        # With no column naming platforms, a platform in a question is the file's own scope, not a filter.
        self.platform_scope = not platforms
        # Spelling is corrected towards the model's words, not towards words inside campaign names.
        self.words = sorted({w for key, terms in self.index.items() if not all(self._entity(t, model) for t in terms)
                             for w in key if len(w) >= 4 and not w.isdigit()} | {fold(w) for w in DATE_WORDS})
        self._word_set = frozenset(self.words)
        # Metric short names ("acos", "cpc"): too short for edit distance, but a swap of two letters is still them.
        self._short_names = {key[0]: shown for key, shown in sorted(self._shown.items()) if len(key) == 1
                             and len(key[0]) == 3 and key[0].isalpha() and any(t.kind == "metric"
                                                                               for t in self.index[key])}

    @staticmethod
    def _entity(term: Term, model: SemanticModel) -> bool:
        return term.kind == "value" and model.dimensions[term.name].entity

    def _add(self, phrase: str, term: Term) -> None:
        key = phrase_key(phrase)
        self._shown.setdefault(key, phrase.lower())
        if key and term not in self.index[key]:
            self.index[key].append(term)

    def _add_model_terms(self, model: SemanticModel) -> None:
        for name, metric in model.metrics.items():
            for phrase in (name.replace("_", " "), metric.label, *metric.synonyms):
                self._add(phrase, Term("metric", name))
            for phrase in metric.weak_synonyms:
                self._add(phrase, Term("weak_metric", name))
        for name, dim in model.dimensions.items():
            for phrase in (name.replace("_", " "), dim.label, *dim.synonyms):
                self._add(phrase, Term("dimension", name))
        for name, grain in model.time_grains.items():
            for phrase in (*grain.synonyms, *((grain.label,) if " " in grain.label else ())):
                self._add(phrase, Term("grain", name))
        for name, field in model.date_fields.items():
            for phrase in field.synonyms:
                self._add(phrase, Term("date_field", name))

    def _add_main_words(self, model: SemanticModel) -> None:
        named = [(Term("metric", n), (n.replace("_", " "), m.label)) for n, m in model.metrics.items()]
        named += [(Term("dimension", n), (n.replace("_", " "), d.label)) for n, d in model.dimensions.items()]
        sizes: dict[Term, int] = {}
        for term, phrases in named:
            for phrase in phrases:
                words = _without_noise(phrase_key(phrase))
                if words and term not in self.index.get(words, ()):  # "Site_Name" is exactly "site"
                    self.index[words].append(term)
                for run in _main_runs(words):
                    if term not in self.partial[run]:
                        self.partial[run].append(term)
                sizes[term] = min(sizes.get(term, 99), len(words))
        for terms in self.partial.values():  # the column whose name says least else comes first
            terms.sort(key=lambda t: sizes.get(t, 99))

    def _add_values(self, model: SemanticModel, profile: DataProfile) -> None:
        for name, dim in model.dimensions.items():
            values = profile.values.get(name, ())
            for value in values:
                generic = set(phrase_key(value)) <= GENERIC_VALUES
                if _is_code(value):
                    self.codes[value.strip()].append(Term("value", name, value))
                elif dim.value_matches_bare(value) and not generic:  # a value named "Total" is no filter word
                    self._add(value, Term("value", name, value))
                    for word in words_for(value) if not dim.value_synonyms else ():  # a model's own words win
                        self._add(word, Term("value", name, value))
                if dim.entity:
                    self._add_fragments(name, value)
            self._labels[name] = _without_noise(phrase_key(dim.label)) + phrase_key(name.replace("_", " "))
            for value, synonyms in dim.value_synonyms.items():
                if value in values or not values:
                    for phrase in synonyms:
                        self._add(phrase, Term("value", name, value))
        self._add_value_parts(model, profile)

    def _add_value_parts(self, model: SemanticModel, profile: DataProfile) -> None:
        """Each side of a compound value ('klaviyo / email', a source / medium) names the values that hold it,
        where no value has that name of its own ('direct' stays the Direct channel)."""
        parts: dict[tuple[str, ...], list[Term]] = defaultdict(list)
        for name, dim in model.dimensions.items():
            for value in profile.values.get(name, ()) if not dim.entity else ():
                sides = COMPOUND_SEPARATOR.split(value) if COMPOUND_SEPARATOR.search(value) else []
                if sides:  # 'google organic' is 'google / organic' said without the slash
                    self._add(" ".join(sides), Term("value", name, value))
                for part in sides:
                    key = phrase_key(part)
                    if key and not set(key) <= GENERIC_VALUES | STOPWORDS:
                        parts[key].append(Term("value", name, value))
        for key, terms in parts.items():
            if not any(t.kind == "value" for t in self.index.get(key, ())):
                self.index[key].extend(t for t in terms if t not in self.index[key])

    def _add_fragments(self, dimension: str, value: str) -> None:
        key = phrase_key(value)
        for size in range(1, min(len(key), 4) + 1):
            for i in range(len(key) - size + 1):
                gram = key[i:i + size]
                if any(w not in STOPWORDS and any(ch.isalpha() for ch in w) for w in gram):  # "1%" alone: a number
                    self.fragments[gram].add((dimension, value))

    def correct(self, token: Token) -> Token:
        """The token with a misspelt key replaced by the closest vocabulary word, when one is close."""
        key = token.key
        if key in SHORT_FORMS and key not in self._word_set:
            return Token(token.text, SHORT_FORMS[key], token.index)
        if len(key) == 3 and key not in STOPWORDS and key.isalpha() and key not in self.index \
                and (key,) not in self.fragments:  # "cap" inside a campaign's name is not a misspelt CPA
            swapped = next((w for w in self._short_names if sorted(w) == sorted(key) and OSA.distance(w, key) == 1),
                           None)
            return Token(self._short_names[swapped], swapped, token.index) if swapped else token
        if len(key) < 4 or key in self._word_set or key in STOPWORDS or key in known_words() or not key.isalpha() \
                or (key,) in self.fragments:  # "bedding" in 'Generic - Bedding' is no misspelt "pending"
            return token
        limit = 1 if len(key) <= 6 else 2
        close = process.extract(key, self.words, scorer=OSA.distance, score_cutoff=limit, limit=8)
        best = next((c for c in close if keeps_meaning(key, c[0])), None) or _known_word(key, limit)
        if best is None:
            # "waht", "totla": a plain word misspelt is a plain word, not an unknown subject.
            plain = process.extractOne(key, _PLAIN_WORDS, scorer=OSA.distance, score_cutoff=1)
            if plain and sorted(plain[0]) == sorted(key):  # letters swapped, not another word ("hour" is not "your")
                return Token(token.text, plain[0], token.index)
            return token
        return Token(token.text, best[0], token.index)

    def match(self, tokens: list[Token], taken: set[int], plain: frozenset[str] = frozenset()) -> list[Match]:
        """Longest phrases first, left to right, skipping tokens already taken by date phrases.

        A run of a column's main words counts where no exact phrase of that length does; a single word in
        `plain` (words the parser reads itself) never names a column on its own."""
        keys = [t.key for t in tokens]
        found: list[Match] = []
        i = 0
        while i < len(tokens):
            hit = None if i in taken else self._longest_at(keys, i, taken, plain)
            if hit:
                hit = self._with_codes(hit, keys, taken)
                found.append(hit)
                i = hit.end
            else:
                i += 1
        return found

    def _longest_at(self, keys: list[str], i: int, taken: set[int], plain: frozenset[str]) -> Match | None:
        for size in range(min(MAX_PHRASE_TOKENS, len(keys) - i), 0, -1):
            span = range(i, i + size)
            if any(j in taken for j in span):
                continue
            key = tuple(keys[i:i + size])
            terms = self.index.get(key) or (None if size == 1 and key[0] in plain else self.partial.get(key))
            if terms:
                return Match(i, i + size, tuple(terms), " ".join(keys[i:i + size]))
        return None

    def _with_codes(self, hit: Match, keys: list[str], taken: set[int]) -> Match:
        """A column's name followed by short numbers that are its values ("interest 17", "jour 2 and 3"): a filter."""
        named = [t.name for t in hit.terms if t.kind == "dimension"]
        if not named:
            return hit
        terms: list[Term] = []
        j, end = hit.end, hit.end
        while j < len(keys) and j not in taken:
            if keys[j] in CODE_JOINERS and terms:
                j += 1
                continue
            own = [t for t in self.codes.get(keys[j], ()) if self._goes_with(t.name, named, hit.text)]
            if not own:
                break
            chosen = min(own, key=lambda t: t.name not in named)
            if terms and chosen.name != terms[0].name:
                break
            terms.append(chosen)
            j = end = j + 1
        if not terms:
            return hit
        return Match(hit.start, end, tuple(terms), " ".join(keys[hit.start:end]))

    def _goes_with(self, dimension: str, named: list[str], words: str) -> bool:
        """Whether a code's column is the one just named: the same column, or one whose name holds those words."""
        return dimension in named or set(words.split()) <= set(self._labels.get(dimension, ()))

    def fragment_values(self, keys: tuple[str, ...]) -> set[tuple[str, str]]:
        """Entity values (e.g. campaign names) that contain this run of words."""
        return set(self.fragments.get(keys, set()))


def _is_code(value: str) -> bool:
    """A short whole number as a value: a category code, a day of the month, an interest id."""
    text = value.strip()
    return text.isdigit() and len(text) <= MAX_CODE_DIGITS


def _without_noise(words: tuple[str, ...]) -> tuple[str, ...]:
    """A column name's words without tags that name no subject ('name', currency codes, 'in UTC')."""
    noise = lexicon().name_noise
    out = list(words)
    for size in (2, 1):
        i = 0
        while i + size <= len(out):
            if tuple(out[i:i + size]) in noise and len(out) > size:
                del out[i:i + size]
            else:
                i += 1
    return tuple(out)


def _main_runs(words: tuple[str, ...]) -> set[tuple[str, ...]]:
    """Every run of a name's words that starts and ends on a main word and holds one that is not weak."""
    weak = lexicon().weak_heads
    content = [w for w in words if w not in STOPWORDS]
    runs: set[tuple[str, ...]] = set()
    for seq in (words, tuple(content)):
        for a in range(len(seq)):
            for b in range(a + 1, min(len(seq), a + MAX_PHRASE_TOKENS) + 1):
                run = seq[a:b]
                if run[0] in STOPWORDS or run[-1] in STOPWORDS or \
                        all(w in weak or w in STOPWORDS or w.isdigit() or len(w) < 2 for w in run):
                    continue
                if len(run) == 1 and (len(run[0]) < 3 or not run[0].isalpha()):
                    continue
                runs.add(run)
    runs.discard(words)
    return runs


@cache
def _known_words() -> tuple[str, ...]:
    """The lexicon's own domain words, in a fixed order for the spelling corrector; status words ('rejected',
    'approved') are never a correction, or 'projected' and 'improved' would become them."""
    states = {word for phrase in lexicon().status_words for word in phrase}
    return tuple(sorted(known_words() - states))


def _known_word(key: str, limit: int) -> tuple[str, float, int] | None:
    """The lexicon's domain word a misspelt key stands for ('gruop' is 'group'); a short key only with its letters
    swapped ('bnad' is 'band', but 'tent' is no 'sent')."""
    close = process.extract(key, _known_words(), scorer=OSA.distance, score_cutoff=limit, limit=8)
    best = next((c for c in close if keeps_meaning(key, c[0])), None)
    return best if best and (len(key) > 4 or sorted(best[0]) == sorted(key)) else None


def keeps_meaning(key: str, word: str) -> bool:
    """Whether reading `key` as `word` is a typo fixed, not a meaning changed: typists keep the first letter
    ('morning' is no 'earning', 'targeting' no 'marketing'), and a short word with one letter replaced is another
    word or code ('ecpa' is no 'ecpm'), unless its letters are only swapped."""
    if key[:1] != word[:1] and sorted(key[:2]) != sorted(word[:2]):
        return False
    return len(key) > 4 or len(key) != len(word) or sorted(key) == sorted(word)

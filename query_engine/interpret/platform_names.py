"""Ad platform and source names in a question: a filter where a column holds the platform, else the file's scope."""
from __future__ import annotations

from collections import defaultdict

from query_engine.interpret.question_lexicon import Phrase, find_phrases, lexicon
from query_engine.interpret.question_text import phrase_key
from query_engine.semantics.model import SemanticModel
from query_engine.semantics.profile import DataProfile

Value = tuple[str, str]  # (dimension, value)


def platform_of(value: str) -> tuple[Phrase, str] | None:
    """The platform a value starts with ('google / cpc' -> Google Ads, 'Facebook Ads' -> Meta), or None."""
    key = phrase_key(value)
    table = lexicon().platforms
    size = next((n for n in range(min(4, len(key)), 0, -1) if key[:n] in table), 0)
    return (key[:size], table[key[:size]]) if size else None


def platform_values(model: SemanticModel, profile: DataProfile) -> dict[Phrase, set[Value]]:
    """Every platform phrase mapped to the values it filters: a value's own name first ('instagram' finds
    'instagram.com / referral'), else every value of that platform ('meta' finds facebook and instagram)."""
    own: dict[Phrase, set[Value]] = defaultdict(set)
    by_platform: dict[str, set[Value]] = defaultdict(set)
    for name, dim in model.dimensions.items():
        if dim.entity or dim.time_part:
            continue
        for value in profile.values.get(name, ()):
            found = platform_of(value)
            if found:
                own[found[0]].add((name, value))
                by_platform[found[1]].add((name, value))
    out: dict[Phrase, set[Value]] = {key: set(values) for key, values in own.items()}
    for key, platform in lexicon().platforms.items():
        if key not in out and platform in by_platform:
            out[key] = set(by_platform[platform])
    return out


def source_platform(model: SemanticModel) -> str | None:
    """The one platform a dataset comes from: the platform its name names ('snapchat_ads_report_2025'), else the
    platform whose own headers it has (`platform_headers`: 'Swipe Ups' is Snapchat's), else None."""
    table = lexicon().platforms
    named = {table[tuple(key)] for key in _spans(phrase_key(model.name.replace("_", " ")), table)}
    if len(named) == 1:
        return named.pop()
    if named:
        return None
    columns = [phrase_key(str(c).replace("_", " ")) for c in _columns(model)]
    found = {platform for platform, headers in lexicon().platform_headers.items()
             if any(_contains(column, header) for column in columns for header in headers)}
    return found.pop() if len(found) == 1 else None


def _spans(keys: Phrase, table: dict[Phrase, str]) -> list[Phrase]:
    return [keys[a:b] for a, b in find_phrases(list(keys), table)]


def _columns(model: SemanticModel) -> list[str]:
    return [c for c in (*(m.column for m in model.metrics.values()), *(d.column for d in model.dimensions.values()))
            if c]


def _contains(words: Phrase, part: Phrase) -> bool:
    return any(words[i:i + len(part)] == part for i in range(len(words) - len(part) + 1))


def scope_spans(keys: list[str], free: set[int]) -> list[tuple[int, int, str]]:
    """(start, end, platform) for each platform name among the `free` tokens of a question."""
    return [(a, b, lexicon().platforms[tuple(keys[a:b])]) for a, b in find_phrases(keys, lexicon().platforms)
            if all(i in free for i in range(a, b))]

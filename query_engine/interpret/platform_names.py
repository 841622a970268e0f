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


def scope_spans(keys: list[str], free: set[int]) -> list[tuple[int, int, str]]:
    """(start, end, platform) for each platform name among the `free` tokens of a question."""
    return [(a, b, lexicon().platforms[tuple(keys[a:b])]) for a, b in find_phrases(keys, lexicon().platforms)
            if all(i in free for i in range(a, b))]

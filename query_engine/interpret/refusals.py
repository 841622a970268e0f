"""Questions that get no query: code or markup, changes to data, secrets or people, things the data lacks."""
from __future__ import annotations

import re

from query_engine.interpret.absent_breakdowns import absent_breakdown
from query_engine.interpret.absent_metrics import AbsentMetric, absent_metric
from query_engine.interpret.attribution_windows import absent_window
from query_engine.interpret.change_requests import is_change_request
from query_engine.interpret.dataset_words import in_a_value
from query_engine.interpret.personal_data import person_identifier
from query_engine.interpret.platform_names import source_platform
from query_engine.interpret.question_lexicon import find_phrases, lexicon
from query_engine.interpret.question_limits import limit_refusal
from query_engine.interpret.question_text import MAX_QUESTION_CHARS, clean_question, code_shape, phrase_key, tokenize
from query_engine.interpret.status_words import absent_status
from query_engine.interpret.suggestions import held_figures, suggestions
from query_engine.interpret.vocabulary import Vocabulary
from query_engine.semantics.model import SemanticModel
from query_engine.spec.query import Refusal

SECRET = re.compile(
    r"\b(?:passwords?|passwd|credentials?|api[ _-]?keys?|secret|secrets|tokens?|ssn|social security|credit cards?|"
    r"card numbers?|admin|administrator|logins?|private keys?|access keys?|connection strings?|env(?:ironment)? vars?|"
    r"/etc/|system files?|root access|\.env)\b", re.IGNORECASE)
OFF_TOPIC = re.compile(
    r"\b(?:weather|temperature|rain|stock price|stock market|share price|bitcoin|crypto|news|"
    r"recipe|sports?|football|election|president|capital of|population|translate|poem|joke|song|movie|"
    r"inventory|stock levels?|warehouse|shipping|returns? rate|refunds?|churn|retention|lifetime value|ltv|nps|"
    r"profit margin|margin|cogs|payroll|headcount|world cup|ceo|chief executive|prime minister|who won|"
    r"who is|who was|who are|who invented|stock ticker|competitors?|competition|rivals?|market share|"
    r"audience overlap|overlap rate|auction insights?|outranking share|overlap between (?:the )?audiences|"
    r"images?|thumbnails?|screenshots?|ad previews?|mock-?ups?|artwork)\b",
    re.IGNORECASE)


def refusal_for(question: str, model: SemanticModel, vocabulary: Vocabulary | None = None) -> Refusal | None:
    """A refusal when the question must not or cannot be answered from the data, else None.

    With the dataset's `vocabulary`, a person-level word the dataset holds itself is no refusal, and a well-known
    metric the dataset does not hold is one."""
    text = question.strip()
    shape = code_shape(text)
    if shape:
        return Refusal(f"That looks like code or markup ({shape}), not a question, so Clarify did not read it. "
                       "Ask in plain words about your campaigns, for example one of these.", suggestions(model))
    if is_change_request(text, vocabulary):
        return Refusal("Clarify only reads data: it can't change, delete or create budgets, campaigns or tables.",
                       suggestions(model))
    if SECRET.search(text):
        return Refusal("Clarify has no access to passwords, keys or system settings; it only answers questions "
                       "about campaign performance.", suggestions(model))
    person = person_identifier(text, vocabulary, getattr(model, "personal_words", ()))
    if person:
        return Refusal(f"'{person}' would identify individual people. Clarify answers from aggregated campaign "
                       "figures and shows no customer- or person-level identifiers (emails, names, phone numbers, "
                       "user ids); breakdowns such as age or location are fine where the data has them.",
                       suggestions(model))
    covered, value_words = _covered_both(text, vocabulary)  # the words that spell the data's own names, found once
    limit = limit_refusal(text, model, suggestions(model), value_words)
    if limit:
        return limit
    other = _other_platform(text, model, vocabulary, covered) if vocabulary is not None else None
    if other:
        own, asked, platform = other
        named = platform if asked == platform.lower() else f"{asked} ({platform})"
        article = "an" if own[:1].upper() in "AEIOUX" else "a"  # an Amazon export, an X export
        return Refusal(f"This data is {article} {own} export, so it holds nothing on {named}. Ask about its {own} "
                       f"figures, or upload a {platform} export and ask there.", suggestions(model))
    window = absent_window(text, model) if vocabulary is not None else None
    if window:
        return window_refusal(*window, model)
    absent = absent_metric(text, model, vocabulary) if vocabulary is not None else None
    if absent:
        return absent_metric_refusal(absent, model)
    split = absent_breakdown(text, vocabulary, covered) if vocabulary is not None else None
    if split:
        return breakdown_refusal(*split, model)
    status = absent_status(text, covered) if vocabulary is not None else None
    if status:
        return status_refusal(status, model)
    found = _off_topic(text, vocabulary, covered)
    if found:
        return Refusal(f"The data has nothing about '{found}'; it holds ad-campaign delivery and results only.",
                       suggestions(model))
    return None


def covered_words(text: str, vocabulary: Vocabulary | None, values_only: bool = False) -> set[str]:
    """The words of `text` that spell out a name, value or column of the dataset (only its values' names, with
    `values_only`: a 'What If Sale' campaign, not the word 'click')."""
    every, values = _covered_both(text, vocabulary)
    return values if values_only else every


def _covered_both(text: str, vocabulary: Vocabulary | None) -> tuple[set[str], set[str]]:
    """The words that spell any of the dataset's names, and those that spell its values, from one match."""
    every: set[str] = set()
    values: set[str] = set()
    if vocabulary is not None:
        tokens = tokenize(clean_question(text))
        for match in vocabulary.match(tokens, set()):
            words = {t.key for t in tokens[match.start:match.end]}
            every |= words
            if all(term.kind == "value" for term in match.terms):
                values |= words
    return every, values


def _other_platform(text: str, model: SemanticModel, vocabulary: Vocabulary,
                    covered: set[str]) -> tuple[str, str, str] | None:
    """(the file's platform, the words asked, the other platform they name), when a one-platform export is asked about
    another platform ('spend on facebook' in a Snapchat report) by words that are none of the file's own names."""
    own = source_platform(model) if vocabulary.platform_scope else None
    if own is None:
        return None
    table, keys = lexicon().platforms, [t.key for t in tokenize(clean_question(text))]
    for start, end in find_phrases(keys, table):
        words = tuple(keys[start:end])
        if (table[words] != own and words not in lexicon().weak_platform_words and not set(words) <= covered
                and not in_a_value(words, vocabulary)):
            return own, " ".join(words), table[words]
    return None


def _off_topic(text: str, vocabulary: Vocabulary | None, covered: set[str]) -> str | None:
    """The first off-topic word that is not part of a name the question spells out from the dataset ('rain' in
    the search term 'rain jacket women' is that search term; 'will it rain' stays off topic)."""
    for found in OFF_TOPIC.finditer(text):
        words = phrase_key(found.group(0))
        named = vocabulary is not None and in_a_value(words, vocabulary) and _before_a_thing(text[found.end():])
        if not set(words) <= covered and not named:
            return found.group(0)
    return None


def _before_a_thing(rest: str) -> bool:
    """Whether the next word names things a file holds ('competitor keywords', 'competitor campaigns'): then an
    off-topic word inside the file's names qualifies them ('will it rain tomorrow' stays off topic)."""
    following = [t.key for t in tokenize(clean_question(rest))][:1]
    table = lexicon()
    return bool(following) and ((following[0],) in table.delivery_units or following[0] in table.grouping_fillers
                                or following[0] in ("term", "terms", "group", "groups"))


def absent_metric_refusal(absent: AbsentMetric, model: SemanticModel) -> Refusal:
    """The refusal for a well-known metric the data does not hold: which one, and what the data holds instead."""
    label = absent.metric.label
    named = label if any(ch.isupper() for ch in label[1:]) else label.lower()
    asked = "" if absent.words == label.lower() else f" (asked as '{absent.words}')"
    needs = f" {absent.metric.needs}" if absent.metric.needs else ""
    dims = [d.label.lower() for d in model.dimensions.values() if not d.time_part and d.column != model.time_column]
    by = f" by {', '.join(dims[:6])}" if dims else ""
    return Refusal(f"This data has no {named}{asked}.{needs} Clarify will not answer with another figure instead; "
                   f"the data holds {', '.join(held_figures(model))}{by}"
                   f"{' and date' if model.time_column else ''}.", suggestions(model))


def window_refusal(asked: str, held: set[tuple[str, str]], model: SemanticModel) -> Refusal:
    """The refusal for an attribution window the data's figures are not counted on."""
    shown = ", ".join(sorted(f"{d}-day {k}".strip() if d else f"{k}-through" for d, k in held))
    stated = f"its figures are counted on a {shown} window" if held else "its headers do not say which attribution " \
        "window its conversions use"
    return Refusal(f"This data has no '{asked}' figures: {stated}, and Clarify will not relabel them as another "
                   f"window. Ask for {', '.join(held_figures(model)[:3])} as exported.", suggestions(model))


def _groupings(model: SemanticModel) -> str:
    """The data's groupings as a refusal names them: 'channel, region, device'."""
    return ", ".join(d.label.lower() for d in model.dimensions.values())


def _group_by_instead(model: SemanticModel) -> str:
    return f"You can group by {_groupings(model)}, or by day, week, month, quarter or year."


def breakdown_refusal(breakdown: str, asked: str, model: SemanticModel) -> Refusal:
    """The refusal for a breakdown value ('android') over data with no such breakdown."""
    return Refusal(f"The data has no {breakdown} to split by (asked as '{asked}'), so Clarify can't compare or filter "
                   f"by it. {_group_by_instead(model)}", suggestions(model))


def status_refusal(status: str, model: SemanticModel) -> Refusal:
    """The refusal for a delivery state ('paused') over data that records none."""
    return Refusal(f"This data records no delivery status (asked as '{status}'), so Clarify can't tell what is active, "
                   f"paused or rejected. It holds {', '.join(held_figures(model))} by {_groupings(model)}; ask about "
                   "those, for example which campaigns spent in the latest period.", suggestions(model))


def unknown_subject(words: list[str], model: SemanticModel, grouping: bool) -> Refusal:
    """The refusal for a question whose subject the data does not have."""
    shown = ", ".join(f"'{w}'" for w in words[:4]) or "that"
    if grouping:
        return Refusal(f"The data has no {shown} to group by. {_group_by_instead(model)}", suggestions(model))
    return Refusal(f"I couldn't find {shown} in the campaign data. It holds "
                   + ", ".join(m.label for m in list(model.metrics.values())[:8])
                   + f" by {_groupings(model)} and date.", suggestions(model))


def undated_refusal(model: SemanticModel) -> Refusal:
    """The refusal for a period over data without a full date: it may hold months and days, but no year."""
    parts = [d.label for d in model.dimensions.values() if d.time_part]
    if not parts:
        return Refusal("This data has no date column, so Clarify cannot filter it by a period; ask without one.",
                       suggestions(model))
    return Refusal(f"This data has no full date, only {' and '.join(parts)} (no year), so Clarify can read whole "
                   "months and days within one month ('spend in May', 'the first half of May', 'April vs May') "
                   "but not that period.", suggestions(model))


def impossible_date_refusal(problem: str, model: SemanticModel) -> Refusal:
    """The refusal for a day the calendar does not have: Clarify does not widen it to the month around it."""
    return Refusal(f"That date does not exist ({problem}), so Clarify did not guess another. Ask again with a real "
                   "day, such as the last day of that month, or ask for the whole month.", suggestions(model))


def future_refusal(as_of_text: str, model: SemanticModel) -> Refusal:
    """The refusal for questions about the future over data that has no dates to forecast from."""
    return Refusal(f"This data has no date column, so Clarify cannot forecast it (data as of {as_of_text}).",
                   suggestions(model))


def input_refusal(cleaned: str, model: SemanticModel) -> Refusal | None:
    """The refusal for text that is no question at all: empty, too long, or without a letter."""
    if not cleaned:
        return Refusal("Type a question about your campaigns to get started.", suggestions(model))
    if len(cleaned) > MAX_QUESTION_CHARS:
        return Refusal(f"That question is {len(cleaned):,} characters long; please ask in under "
                       f"{MAX_QUESTION_CHARS} characters.", suggestions(model))
    if not any(ch.isalpha() for ch in cleaned):
        return Refusal("That doesn't look like a question. Ask about spend, revenue, conversions or other "
                       "campaign metrics.", suggestions(model))
    return None

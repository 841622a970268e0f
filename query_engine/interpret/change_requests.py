"""Requests to change a platform's settings, which Clarify never does: 'pause squad A', 'raise the bid',
'put $500 into Brand', 'turn off Traffic - Hashtag Hiking'. Questions that start like one ('increase in spend by
channel', 'lower cpc campaigns', 'create a chart') are not."""
from __future__ import annotations

import re

from query_engine.interpret.question_text import clean_question, tokenize
from query_engine.interpret.vocabulary import Vocabulary

_POLITE = r"^(?:(?:please|pls|kindly|hey|ok|okay|now|then|also|just|go ahead and|can you|could you|would you|" \
          r"will you|i want to|i'd like to|i would like to|i need to|help me|let's|lets|we should|we need to)\s+)*"
_ALWAYS_WRITE = r"(?:drop|delete|remove|truncate|update|insert|alter|modify|wipe|erase|overwrite|rename|grant|revoke|" \
                r"purge|destroy|deactivate|archive|unpause|upsert|merge into|replace|bump|cancel|stop spending|" \
                r"scale (?:up|down|back))"
_WRITE_WITH_OBJECT = r"(?:set|change|increase|decrease|raise|lower|cut|reduce|pause|resume|stop|start|launch|add|" \
                     r"reset|double|halve|boost|edit|move|shift|reallocate|allocate|assign|turn off|turn on|" \
                     r"kill|end|restart|disable|enable|switch off|switch on|shut off|shut down|unpause|reactivate|" \
                     r"activate)"
# What a write verb acts on: a determiner, a thing a platform runs, an amount ('allocate $1000 to') or something's
# own setting ('lower squad A's spend'), with no preposition before it ('increase in Brand's spend' is a question).
_THINGS = r"(?:budgets?|bids?|campaigns?|ad sets?|ad groups?|ad squads?|squads?|ads|line items?|keywords?|creatives?)"
_NOT_A_PREPOSITION = r"(?!in\b|of\b|by\b|for\b|per\b|on\b|over\b|vs\b|from\b|to\b)"
_AMOUNT = r"\$\s?\d[\d,.]*k?"
_OBJECT = r"(?:all|the|every|each|our|my|a|an|this|that|these|those|new|tables?|rows?|data|database|records?|" \
          r"anything|everything|whatever|any|them|it|" \
          rf"status|spend|channels?|\w+ (?:campaigns?|budgets?)|{_THINGS}|{_AMOUNT}|" \
          rf"(?:{_NOT_A_PREPOSITION}\w+\s+){{0,2}}\w+'s)\b"
# Making a platform's things, handing out money, moving a setting: 'duplicate the best ad squad', 'put $500 into
# squad A', 'give squad C more money', 'make squad D's bid higher'.
_OTHER_WRITES = (
    rf"(?:create|duplicate|clone|set up)\s+(?:(?:a|an|the|our|new|another|best|worst|top|this|that|\w+'s)\s+){{0,3}}"
    rf"{_THINGS}\b"
    rf"|(?:put|spend|move|shift|allocate|add|invest)\s+(?:another\s+|an extra\s+|extra\s+)?{_AMOUNT}"
    r"|give\s+(?!me\b|us\b)\S.{0,40}?\b(?:more|less|extra)\s+(?:money|budget|spend|cash)\b"
    r"|make\s+.{0,40}?\b(?:bids?|budgets?|spend)\s+(?:higher|lower|bigger|smaller|larger)\b")
MUTATION = re.compile(
    _POLITE + rf"(?:{_ALWAYS_WRITE}\b|{_WRITE_WITH_OBJECT}\s+{_OBJECT}|{_OTHER_WRITES})"
    r"|\b(?:drop|truncate|alter|create)\s+(?:table|database|schema|view|index)\b|\bdelete\s+from\b"
    r"|\binsert\s+into\b|\bupdate\s+\w+\s+set\b"
    # The engine's own commands, where a command stands or with a command's object; elsewhere "ad copy", "cost per
    # install", "page load time" and "this export" are things analysts ask about.
    r"|" + _POLITE + r"(?:attach|detach|copy|install|load|pragma|export)\s+(?!rates?\b|times?\b|speeds?\b)\w"
    r"|\b(?:install|load)\s+(?:httpfs|extensions?\b|\w+\s+extension\b)|\bcopy\s+\S+\s+(?:to|from)\s"
    r"|\bexport\s+(?:database|to)\b|\bpragma\s+\w|\b(?:attach|detach)\s+(?:database\b|')"
    r"|^(?:please\s+|pls\s+|can you\s+|could you\s+)?set\b.{1,60}\bto\s+(?:zero|nothing|\$?\d)",
    re.IGNORECASE)
_WRITE_THEN_NAME = re.compile(_POLITE + rf"{_WRITE_WITH_OBJECT}\s+{_NOT_A_PREPOSITION}", re.IGNORECASE)


def _writes_a_held_name(text: str, vocabulary: Vocabulary) -> bool:
    """A write verb whose object is one of the data's own names: 'pause Site Retargeting - 30d', 'turn off
    Traffic - Hashtag Hiking'. A metric after the verb ('lower cpc campaigns') is a question, not a change."""
    named = _named_after(_WRITE_THEN_NAME, text, vocabulary, {"value"})
    return named is not None


# Verbs that are only ever commands at the start of a request, whatever follows ('please pause Site Retargeting').
_COMMAND_FIRST = re.compile(
    _POLITE + r"(?:pause|unpause|resume|turn off|turn on|switch off|switch on|shut off|shut down|kill|disable|enable|"
    r"activate|deactivate|reactivate|restart|reallocate|halve)\b(?!\s+(?:of|in|rate)\b)", re.IGNORECASE)
# 'lower cpc campaigns': a comparative and a metric before the things it ranks, a question.
_COMPARATIVE = re.compile(
    r"^(?:show(?: me)?\s+|list\s+|find\s+)?lower\s+(?P<figure>[\w ]{2,30}?)\s+"
    r"(?:campaigns|ads|ad groups|ad sets|ad squads|squads|keywords|creatives|line items)\b(?!')", re.IGNORECASE)


# Changes to the answer's view, not to the data: 'remove the region filter', 'drop the limit', 'clear filters'.
_VIEW_EDIT = re.compile(
    _POLITE + r"(?:drop|remove|clear|reset|undo|cancel|delete)\s+(?:the\s+|that\s+|this\s+|all\s+|any\s+)?"
    r"(?:[a-z]+\s+){0,2}?(?:filters?|grouping|split|breakdown|limit|sorting|sort order)\s*(?:please|pls)?\W*$",
    re.IGNORECASE)


_HIDE = re.compile(_POLITE + r"(?:remove|drop|hide|exclude|take out|leave out)\s+(?:the\s+)?", re.IGNORECASE)


def _hides_a_grouping(text: str, vocabulary: Vocabulary) -> bool:
    """'remove device', 'drop the region split': what follows the verb is only one of the data's groupings or values,
    a change to the answer on screen, never to the data."""
    rest = _named_after(_HIDE, text, vocabulary, {"dimension", "value", "grain"})
    return rest is not None and all(key in ("split", "grouping", "breakdown", "column", "filter", "please")
                                    for key in rest)


def _named_after(verb: re.Pattern[str], text: str, vocabulary: Vocabulary, kinds: set[str]) -> list[str] | None:
    """When `text` opens with `verb` and then one of the data's names of these kinds, the words after that name;
    else None."""
    found = verb.match(text)
    if not found:
        return None
    tokens = tokenize(clean_question(text[found.end():]))
    hits = vocabulary.match(tokens, set()) if tokens else []
    if not hits or hits[0].start != 0 or any(term.kind not in kinds for term in hits[0].terms):
        return None
    return [t.key for t in tokens[hits[0].end:]]


def is_change_request(text: str, vocabulary: Vocabulary | None) -> bool:
    """Whether `text` asks Clarify to change, create or delete something rather than to read it."""
    text = text.strip()
    if _VIEW_EDIT.match(text) or (vocabulary is not None and (_ranks_by_a_lower_figure(text, vocabulary)
                                                             or _hides_a_grouping(text, vocabulary))):
        return False
    return bool(MUTATION.search(text) or _COMMAND_FIRST.match(text)
                or (vocabulary is not None and _writes_a_held_name(text, vocabulary)))


def _ranks_by_a_lower_figure(text: str, vocabulary: Vocabulary) -> bool:
    found = _COMPARATIVE.match(text)
    if not found:
        return False
    tokens = tokenize(clean_question(found.group("figure")))
    hits = vocabulary.match(tokens, set())
    return bool(hits) and hits[0].start == 0 and hits[-1].end == len(tokens) and \
        any(term.kind in ("metric", "weak_metric") for term in hits[0].terms)

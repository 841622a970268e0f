"""Whether an unknown word of a question names a grouping: then the data lacks it, and the question is refused with
what it can group by ('no lens to group by'), instead of answered with the grouping dropped."""
from __future__ import annotations

from query_engine.interpret.question_lexicon import known_words, lexicon
from query_engine.interpret.question_text import STOPWORDS, Token, number_value

GROUPING_WORDS = ("by", "per", "each", "across")  # the words after these name a grouping
FINER_THAN_DAYS = {"hour", "hourly", "minute", "second", "intraday", "morning", "mornings", "afternoon", "evening",
                   "evenings", "night", "nights", "daypart", "dayparts", "dayparting"}  # the finest grain is a day
RANKING_WORDS = {"which", "what", "top", "bottom", "best", "worst", "most", "least", "highest", "lowest", "each",
                 "every"}


def ranks_a_delivery_unit(keys: list[str], i: int) -> bool:
    """Whether keys[i] is a delivery unit ('pin', 'sites') asked for as the things ranked: right after 'which',
    'top 10', 'best' or 'our top'. Then it names a grouping, never a word inside some name."""
    word = keys[i]
    if (word,) not in lexicon().delivery_units and tuple(keys[i:i + 2]) not in lexicon().delivery_units:
        return False
    return after_a_ranking_word(keys, i)


def after_a_ranking_word(keys: list[str], i: int) -> bool:
    """Whether keys[i] follows 'which', 'top 10', 'our best' and the like: the place of the things ranked."""
    before = [k for k in keys[max(0, i - 3):i] if not k.isdigit() and k not in ("the", "our", "my", "your")]
    return bool(before) and before[-1] in RANKING_WORDS


def names_a_grouping(tokens: list[Token], i: int, metric_spans: list[tuple[int, int, str]]) -> bool:
    """Whether the unknown word tokens[i] names a grouping: after 'by' ('spend by lens'), after 'which' ('which
    lens'), after a grouping named by 'by' ('by campaign objective'), finer than days, or an audience breakdown.
    Numbers ('each one') and verbs ('which grew', 'why did spend by channel drop') never do."""
    keys, word, audience = [t.key for t in tokens], tokens[i].key, lexicon().audience_breakdowns
    if number_value(tokens[i]) is not None or keys[i + 1:i + 2] in (["date"], ["dates"]):
        return False  # 'by start date': a qualifier of the date the data is by, not a grouping of its own
    if (i > 0 and keys[i - 1] in GROUPING_WORDS) or word in FINER_THAN_DAYS or (word,) in audience \
            or tuple(keys[i:i + 2]) in audience or ranks_a_delivery_unit(keys, i):
        return True
    if word in lexicon().grouping_verbs or word.endswith("ed"):
        return False
    qualifies = (i > 1 and keys[i - 2] in GROUPING_WORDS and keys[i - 1] not in STOPWORDS
                 and word not in known_words()  # not "by age group" where the data has an age
                 and not any(a <= i - 1 < b for a, b, _ in metric_spans))  # nor "revenue per session drop"
    return qualifies or (i > 0 and keys[i - 1] == "which")


_UNIT_HEADS = {"group", "groups", "set", "sets", "squad", "squads"}  # "ad group", not "ad"


def filler_grouping(keys: list[str], i: int) -> str | None:
    """The grouping a filler word names where a grouping goes ('spend by ad', 'which campaign spent the most',
    'which ad group'), else None; elsewhere 'ad' and 'campaign' are filler ('ad spend')."""
    if keys[i] not in lexicon().grouping_fillers or not ((i > 0 and keys[i - 1] in GROUPING_WORDS)
                                                         or after_a_ranking_word(keys, i)):
        return None
    return " ".join(keys[i:i + 2]) if keys[i + 1:i + 2] and keys[i + 1] in _UNIT_HEADS else keys[i]

"""Question text: cleaning, tokens, plural folding and number words."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from query_engine.spec.calendar import MONTH_WORDS

MAX_QUESTION_CHARS = 500

NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "single": 1, "two": 2, "couple": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20,
    "thirty": 30, "fifty": 50, "hundred": 100,
}

# Words a question is made of that never name data; they are never spelling-corrected.
STOPWORDS = frozenset("""
a about above after again against all also am among an and any are as at be been before being below between
both but by can could did do does doing done down during each either else ever every few for from further
get gets getting give go going got had has have having he her here hers how i if in into is it its just
let lets like me more most much my near no nor not now of off on once only or other our ours out over own
please per same she should show shown shows so some such tell than that the their them then there these they
this those through to too under until up upon us very via was we were what when where which while who whom
whose why will with would you your yours see view display list find get give want need know look looking
compare compared comparing versus vs vs. against broken breakdown split each across total totals overall
sum amount number count many much value values report results data figures numbers stats statistics metric
metrics kpi kpis perform performance performing performed performer performers best worst top bottom
highest lowest most least biggest largest smallest cheapest greatest poorest strongest weakest better worse
good bad great high low higher lower did does do was were been had make makes made get got run ran running
time times trend trends trending over period periods date dates day days week weeks month months quarter
quarters year years today yesterday ago since until till through last past previous prior next this current
so far to-date full whole entire ytd mtd qtd wtd came come comes bring brings drive drives generate generates
expensive cheap cheaper cheapest pricey priciest costly combined together altogether
contribute contributed contributes deliver delivered delivers achieve achieved gain gained lose lost take took
taken spend spent got gotten brought driven produced yielded return returned today's ours theirs its it's
""".split())

_TOKEN = re.compile(r"\d{4}-\d{2}-\d{2}|\d+(?:[.,]\d+)*%?|[a-z][a-z0-9']*|[$%&+/<>=]", re.UNICODE)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


_TAGS = ("script|style|iframe|frame|frameset|img|image|svg|math|a|div|span|p|b|i|u|em|strong|br|hr|body|html|head|"
         "meta|link|base|object|embed|applet|form|input|button|textarea|select|option|table|tr|td|th|ul|ol|li|"
         "h[1-6]|marquee|video|audio|source|track|template|details|dialog|xml|xss|title|noscript")
# Code or markup typed (or pasted) into the question box: what it looks like, by the first rule that matches.
CODE_SHAPES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("an HTML tag", re.compile(rf"</?(?:{_TAGS})\b[^<>]*>|<(?:script|iframe|svg|img|object|embed|style)\b|"
                               r"</[a-z][a-z0-9-]*\s*>|<!--|<!\[CDATA\[|<\?php|<%", re.IGNORECASE)),
    ("an HTML event handler", re.compile(r"<[a-z][^<>]*\bon[a-z]+\s*=", re.IGNORECASE)),
    ("a script link", re.compile(r"\b(?:javascript|vbscript|livescript)\s*:|\bdata\s*:\s*text/html", re.IGNORECASE)),
    ("a template expression", re.compile(r"\{\{.*?\}\}|\$\{[^}]*\}|#\{[^}]*\}|\{%.*?%\}")),
    ("a script call", re.compile(r"\b(?:alert|eval|exec|__import__)\s*\(|\bdocument\.(?:cookie|write|location)\b|"
                                 r"\bwindow\.location\b|\bos\.system\b|\bsubprocess\.\w+", re.IGNORECASE)),
)


def code_shape(text: str) -> str | None:
    """What kind of code or markup `text` contains ('an HTML tag', 'a script link', ...), or None for plain words."""
    return next((name for name, pattern in CODE_SHAPES if pattern.search(text)), None)


@dataclass(frozen=True)
class Token:
    """One word or number of a question, with its folded form for matching."""

    text: str
    key: str
    index: int

    @property
    def is_number(self) -> bool:
        """True for plain integers such as 2024 or 5."""
        return self.text.isdigit()

    @property
    def is_plural(self) -> bool:
        """True when folding removed a plural ending."""
        return self.key != self.text and self.text.endswith("s")


def clean_question(question: str) -> str:
    """Unicode-normalise, drop control characters and collapse whitespace."""
    text = unicodedata.normalize("NFKC", question or "")
    text = _CONTROL.sub(" ", text)
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"').replace("\u201d", '"')
    return re.sub(r"\s+", " ", text).strip()


_MONTH_WORD = rf"(?:{MONTH_WORDS})[a-z]*"
_MONTH_DASH = re.compile(rf"\b({_MONTH_WORD})\s*[-–]\s*({_MONTH_WORD})\b", re.IGNORECASE)
_US = re.compile(r"\bU\.?S\.?(?:A\.?)?(?![a-zA-Z])")
# A dash between days of a month is 'to': "Oct 8-9", "Oct 8 - Oct 9", "8-9 October", "8 Oct - 9 Nov".
_DAY = r"\d{1,2}(?:st|nd|rd|th)?"
_MONTH_SPELT = rf"(?:{MONTH_WORDS})\.?"
_DAY_DASH = re.compile(rf"\b({_MONTH_SPELT}\s+{_DAY}|{_DAY}\s+{_MONTH_SPELT})\s*[-–]\s*"
                       rf"(?=(?:{_MONTH_SPELT}\s+)?{_DAY}\b)|\b({_DAY})\s*[-–]\s*(?={_DAY}\s+{_MONTH_SPELT}\b)",
                       re.IGNORECASE)


def tokenize(text: str) -> list[Token]:
    """Lower-case word and number tokens, each with a plural-folded key."""
    text = _US.sub("USA", _MONTH_DASH.sub(r"\1 to \2", text))
    text = _DAY_DASH.sub(lambda m: f"{m.group(1) or m.group(2)} to ", text)  # "the US" is a country, "us" a pronoun
    lowered = re.sub(r"(?<!\d)-|-(?!\d)", " ", text.lower()).replace("_", " ")
    lowered = re.sub(r"(?<=\d)(st|nd|rd|th)\b", "", lowered)
    words = [w.strip("'") for w in _TOKEN.findall(lowered)]
    words = [w[:-2] if w.endswith("'s") else w for w in words if w]
    return [Token(w, fold(w), i) for i, w in enumerate(words)]


def fold(word: str) -> str:
    """A crude singular: 'campaigns' -> 'campaign', 'categories' -> 'category'; used on both sides."""
    if len(word) <= 3 or not word.isalpha():
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "ches", "shes", "xes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def phrase_key(phrase: str) -> tuple[str, ...]:
    """The folded token keys of a vocabulary phrase."""
    return tuple(t.key for t in tokenize(phrase))


FIGURE_CUES = ("how many", "number of", "total", "count of", "sum of")  # right before the figure asked
GROUPING_CUES = ("by", "per", "each", "across", "for each", "for every", "in each", "of each", "of every")  # after it


def in_figure_slot(keys: list[str], start: int, end: int) -> bool:
    """Whether keys[start:end] stand where a question names its figure: right after a count cue ('how many
    installs') or right before a grouping ('installs by campaign')."""
    before = " ".join(keys[max(0, start - 2):start])
    after = keys[end:end + 2]
    return before.endswith(FIGURE_CUES) or bool(after) and (after[0] in GROUPING_CUES or " ".join(after) in
                                                            GROUPING_CUES)


def number_value(token: Token) -> int | None:
    """The integer a token stands for ('5', 'five'), or None."""
    if token.is_number:
        return int(token.text)
    return NUMBER_WORDS.get(token.text) if token.text not in ("a", "an") else None


def blanked(keys: list[str], words: set[str] | frozenset[str]) -> list[str]:
    """The token keys with `words` blanked out: words of the data's own names ('What If Sale') mark nothing."""
    return [key if key not in words else "" for key in keys]

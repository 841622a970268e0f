"""Attribution windows a question names ('7-day click conversions', '14 day sales', 'view-through conversions').
An export counts its conversions on one window, which its headers may name ('7 Day Total Sales'); a window the
headers do not name is refused by name, never answered with the file's own figures relabelled."""
from __future__ import annotations

import re

from query_engine.interpret.question_text import clean_question, tokenize
from query_engine.semantics.model import SemanticModel

_KINDS = r"click|view|swipe|engaged view|engaged|post click|post view|click through|view through"
WINDOW = re.compile(rf"\b(?P<days>\d{{1,2}}) (?:day|days|d)\b(?: (?P<kind>{_KINDS})\b)?|"
                    r"\b(?P<through>click|view) through (?=conversion|conv|purchase|sale|order|revenue|roa|window)")


def _window(found: re.Match[str]) -> tuple[str, str]:
    """(days, kind) of one window found; '' where the text leaves one out ('7 Day Total Sales': ('7', ''))."""
    kind = found.group("kind") or found.group("through") or ""
    return found.group("days") or "", kind.split()[0] if kind else ""


def _windows(text: str) -> set[tuple[str, str]]:
    """The windows of text already folded to keys."""
    return {_window(m) for m in WINDOW.finditer(text)}


def held_windows(model: SemanticModel) -> set[tuple[str, str]]:
    """The windows the dataset's own metric names state ('7 Day Total Sales': ('7', ''))."""
    names = [phrase for metric in model.metrics.values() for phrase in (metric.label, *metric.synonyms)]
    return {w for name in names for w in _windows(" ".join(t.key for t in tokenize(clean_question(name))))}


def absent_window(question: str, model: SemanticModel) -> tuple[str, set[tuple[str, str]]] | None:
    """(the window asked, the windows held) when the question names a window none of the data's figures is on."""
    keys = " ".join(t.key for t in tokenize(clean_question(question)))
    asked = [m for m in WINDOW.finditer(keys) if not _a_period(keys, m)
             and (m.group("kind") or m.group("through") or _before_a_figure(keys, m))]
    if not asked:
        return None
    held = held_windows(model)
    for found in asked:
        days, kind = _window(found)
        if not any((days in ("", d)) and (kind in ("", k) or k == "") and (days or kind == k) for d, k in held):
            return found.group(0).strip(), held
    return None


_PERIOD_WORDS = ("last", "past", "next", "first", "previous", "prior", "trailing", "over", "rolling", "in", "for")
_FIGURES = ("sale", "sales", "conversion", "conversions", "purchase", "purchases", "order", "orders", "roa", "roas",
            "revenue", "total", "attributed", "aco", "acos", "value")


def _a_period(keys: str, found: re.Match[str]) -> bool:
    """'the last 7 days clicks': a period of days, not a window."""
    before = keys[:found.start()].split()[-1:]
    return bool(before) and before[0] in _PERIOD_WORDS


def _before_a_figure(keys: str, found: re.Match[str]) -> bool:
    """'14 day sales': a bare 'N day' right before a conversion or sales figure names a window."""
    after = keys[found.end():].split()[:1]
    return bool(after) and after[0] in _FIGURES

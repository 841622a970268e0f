"""Text from questions, files, models and history made inert before a person sees it (Markdown and HTML).

Streamlit renders Markdown in st.markdown, captions, alerts and most widget labels, and Markdown reports are
opened in viewers that fetch images. Escaped text reads exactly as written there, but forms no image, link,
HTML tag, LaTeX formula, heading, list or table.
"""
from __future__ import annotations

import html
import re

WORD_JOINER = "\u2060"  # invisible, so a web address reads as written but is no longer linked
# Markdown punctuation escaped wherever it stands: code, emphasis, strikethrough, links and images,
# Streamlit's :color[...] directives, GFM tables and (Streamlit's) $ LaTeX.
_INLINE = re.compile(r"([\\`*~\[\]|$])")
# '_' opens emphasis only beside a non-word character; inside a word (Q4_Sale, spend_usd) it is inert.
_LONE_UNDERSCORE = re.compile(r"(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")
# At the start of a line: headings, list items, setext underlines and ordered lists (1. or 1)).
_LINE_START = re.compile(r"^([ \t]*)([#+\-=])", re.MULTILINE)
_ORDERED = re.compile(r"^([ \t]*\d{1,9})([.)])", re.MULTILINE)
# GFM links bare web addresses and e-mail addresses after escapes are read, so escaping cannot stop it.
_WEB_ADDRESS = re.compile(r"(?i)\b(https?|www)(?=://|\.)|(@)(?=[-\w])")
_LINE_BREAKS = re.compile(r"\s*[\r\n]+\s*")


def escape_markdown(text: object, *, multiline: bool = False) -> str:
    """Text that Markdown (Streamlit's or a report viewer's) shows as written; line breaks kept only if multiline."""
    value = str(text)
    value = value.replace("\r\n", "\n") if multiline else _LINE_BREAKS.sub(" ", value)
    value = _INLINE.sub(r"\\\1", value)
    value = _LONE_UNDERSCORE.sub(r"\\_", value)
    value = _LINE_START.sub(r"\1\\\2", value)
    value = _ORDERED.sub(r"\1\\\2", value)
    value = _WEB_ADDRESS.sub(lambda m: (m.group(1) or m.group(2)) + WORD_JOINER, value)
    return escape_html(value, quote=False)


def escape_html(text: object, *, quote: bool = True) -> str:
    """Text safe inside HTML elements (and, with quote, inside quoted attributes)."""
    return html.escape(str(text), quote=quote)


def code_span(text: object) -> str:
    """Inline code showing `text` verbatim (nothing inside a code span is read as Markdown or HTML)."""
    value = _LINE_BREAKS.sub(" ", str(text))
    fence = "`" * (_longest_backtick_run(value) + 1)
    padded = f" {value} " if value.startswith("`") or value.endswith("`") else value
    return f"{fence}{padded}{fence}"


def code_fence(text: str, language: str = "") -> list[str]:
    """Lines of a fenced code block that holds `text` verbatim, its fence longer than any backtick run inside."""
    fence = "`" * max(3, _longest_backtick_run(text) + 1)
    return [fence + language, text, fence]


def _longest_backtick_run(text: str) -> int:
    return max((len(run) for run in re.findall(r"`+", text)), default=0)

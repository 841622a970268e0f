"""Keys out of text and logs: every configured key, any 8+ character piece of one, and the shapes keys take.

Providers echo part of a rejected key ("Incorrect API key provided: sk-abc...wxyz"), and litellm logs that
text; its own redaction knows key shapes but not our keys, so a piece without a known prefix got through.
"""
from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable

REDACTED = "[redacted]"
FRAGMENT_CHARS = 8  # a piece of a key at least this long is treated as the key
MIN_KEY_CHARS = 4  # shorter values are not keys (and replacing them would garble text)
LITELLM_LOGGERS = ("LiteLLM", "LiteLLM Router", "LiteLLM Proxy", "litellm")
ROUTER_LOGGER = "router"
# OpenAI and Anthropic (sk-, sk-proj-, sk-ant-), Google (AIza), AWS access key ids, Groq, xAI, bearer tokens.
KEY_SHAPES = re.compile(
    r"(?<![A-Za-z0-9])(?:sk-[A-Za-z0-9_-]{8,}|AIza[0-9A-Za-z_-]{8,}|(?:AKIA|ASIA)[0-9A-Z]{12,}|gsk_[A-Za-z0-9]{8,}"
    r"|xai-[A-Za-z0-9]{8,})|(?i:\bbearer\s+[A-Za-z0-9._~+/-]{8,}=*)")

_lock = threading.Lock()
_known: frozenset[str] = frozenset()
_known_pieces: frozenset[str] = frozenset()


def remember_secrets(values: Iterable[str]) -> None:
    """Add key values to those scrubbed from every router and litellm log line from now on."""
    global _known, _known_pieces
    fresh = {str(v).strip() for v in values if v and len(str(v).strip()) >= MIN_KEY_CHARS}
    with _lock:
        if fresh <= _known:
            return
        _known = _known | fresh
        _known_pieces = frozenset(_pieces(_known))


def scrub_secrets(text: str, secrets: Iterable[str] = ()) -> str:
    """`text` with remembered and given keys, any 8+ character piece of one and key-shaped strings redacted."""
    extra = {str(v).strip() for v in secrets if v and len(str(v).strip()) >= MIN_KEY_CHARS}
    keys, pieces = _known | extra, _known_pieces | (_pieces(extra) if extra else frozenset())
    for value in sorted(keys, key=len, reverse=True):
        text = text.replace(value, REDACTED)
    if pieces:
        text = _without_pieces(text, pieces)
    return KEY_SHAPES.sub(REDACTED, text)


def _pieces(keys: Iterable[str]) -> set[str]:
    return {k[i:i + FRAGMENT_CHARS] for k in keys for i in range(len(k) - FRAGMENT_CHARS + 1)}


def _without_pieces(text: str, pieces: frozenset[str]) -> str:
    """Mask every run of text covered by 8-character windows that occur in some key."""
    covered = [False] * len(text)
    for i in range(len(text) - FRAGMENT_CHARS + 1):
        if text[i:i + FRAGMENT_CHARS] in pieces:
            covered[i:i + FRAGMENT_CHARS] = [True] * FRAGMENT_CHARS
    if not any(covered):
        return text
    out, i = [], 0
    while i < len(text):
        if covered[i]:
            while i < len(text) and covered[i]:
                i += 1
            out.append(REDACTED)
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


class SecretScrubber(logging.Filter):
    """A logging filter that rewrites each record's message, traceback and stack without keys."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Scrub the record in place; never drops it."""
        try:
            message = record.getMessage()
        except Exception:  # a bad format string is the caller's bug; logging reports it when it formats
            return True
        clean = scrub_secrets(message)
        if clean != message or record.args:
            record.msg, record.args = clean, ()
        if record.exc_info:
            record.exc_text = record.exc_text or logging.Formatter().formatException(record.exc_info)
            record.exc_info = None  # formatters then print the scrubbed exc_text instead of the raw exception
        if record.exc_text:
            record.exc_text = scrub_secrets(record.exc_text)
        if record.stack_info:
            record.stack_info = scrub_secrets(record.stack_info)
        return True


_scrubber = SecretScrubber()


def install_log_scrubber() -> None:
    """Put the scrubber on litellm's and the router's loggers, their child loggers and their handlers (idempotent)."""
    names = (*LITELLM_LOGGERS, ROUTER_LOGGER)
    existing = [n for n in list(logging.Logger.manager.loggerDict) if any(n.startswith(p + ".") for p in names)]
    for name in (*names, *existing):
        logger = logging.getLogger(name)
        _add(logger)
        for handler in list(logger.handlers):
            _add(handler)


def _add(target: logging.Filterer) -> None:
    if _scrubber not in target.filters:
        target.addFilter(_scrubber)

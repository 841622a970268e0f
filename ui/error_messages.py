"""The one place where errors become messages for the analyst; no traceback is ever shown."""
from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st

from query_engine.errors import ClarifyError
from query_engine.spec.safe_text import escape_markdown
from router import RouterError

LOG = logging.getLogger("clarify.ui")
GENERIC_NEXT_STEP = ("Try again, rephrase the question, or pick another reading. If it keeps happening, "
                     "reload the page; your history is kept.")


def message_for(exc: BaseException, doing: str) -> str:
    """The text shown for an error raised while `doing` something."""
    if isinstance(exc, ClarifyError):
        return f"{exc.message} {exc.hint}".strip()
    if isinstance(exc, RouterError):  # the router's messages are written for the analyst too
        return exc.message
    return f"Something went wrong while {doing}. {GENERIC_NEXT_STEP}"


@contextmanager
def friendly_errors(doing: str) -> Iterator[None]:
    """Show any error raised inside the block as a friendly st.error; the rest of the app keeps working."""
    try:
        yield
    except ClarifyError as exc:  # messages quote names and values from files and questions: escaped
        st.error(escape_markdown(message_for(exc, doing)), icon=":material/error:")
    except Exception as exc:  # the analyst gets a next step; the log keeps the traceback for us
        LOG.exception("Unexpected error while %s", doing)
        st.error(escape_markdown(message_for(exc, doing)), icon=":material/error:")

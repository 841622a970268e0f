"""Notices about Clarify's own files: a damaged history, preferences store or usage ledger that was moved aside."""
from __future__ import annotations

import streamlit as st

from query_engine.spec.safe_text import escape_markdown
from router import LLMRouter
from ui.resources import get_history, get_learning, load_settings

_CHECKED = "stores.checked"


def render_store_notices() -> None:
    """In the sidebar, say which damaged file was moved where; each store is opened once per session to find out."""
    settings = load_settings()
    history, learning, ledger = get_history(settings), get_learning(settings), LLMRouter.ledger()
    if not st.session_state.get(_CHECKED):
        st.session_state[_CHECKED] = True
        history.schema_version()  # opening a store is what finds (and moves aside) a damaged file
        learning.schema_version()
        ledger.applied_migrations()
    for notice in (history.damage_notice, learning.damage_notice, ledger.damage_notice):
        if notice:
            st.sidebar.warning(escape_markdown(notice), icon=":material/build:")

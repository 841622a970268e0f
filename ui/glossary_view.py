"""The learned-preferences glossary: which reading the team means by a phrase; review, set and reset entries."""
from __future__ import annotations

import streamlit as st

from query_engine.spec.safe_text import escape_markdown
from query_engine.stores.preferences import ChoiceLearning, GlossaryEntry
from ui.error_messages import friendly_errors

KEY = "data.glossary"


def render_glossary(store: ChoiceLearning) -> None:
    """The glossary section: one row per ambiguity with its counts, a preferred-reading selector and resets."""
    st.subheader("Learned preferences")
    with friendly_errors("reading the learned preferences"):
        entries = store.glossary()
        if not entries:
            st.info(f"Nothing learned yet. When the same reading is picked {store.min_picks} times for a phrase "
                    "(and more often than any other), Clarify ranks it first from then on.")
            return
        st.caption(f"A reading becomes the team's preference after {store.min_picks} picks, when it is picked "
                   "more often than any other. Setting one here overrides what was learned.")
        for number, entry in enumerate(entries):
            with st.container(border=True, key=f"{KEY}.entry.{number}"):
                _entry(store, entry, number)
        st.button("Reset all learned preferences", key=f"{KEY}.reset_all", icon=":material/restart_alt:",
                  on_click=store.reset)


def _entry(store: ChoiceLearning, entry: GlossaryEntry, number: int) -> None:
    preferred = escape_markdown(entry.preferred) if entry.preferred else "_no preference yet_"
    st.markdown(f"**“{escape_markdown(entry.phrase or entry.ambiguity_key)}”** → {preferred}")
    counts = ", ".join(f"{option}: {n}" for option, n in entry.counts) or "no picks"
    st.caption(escape_markdown(f"{entry.source} · picks: {counts}"))
    left, right = st.columns([3, 1])
    current = entry.options.index(entry.preferred) if entry.preferred in entry.options else None
    # The key carries the current preference, so a reset or a new pick redraws the box with the new value.
    widget_key = f"{KEY}.option.{number}.{current}"
    left.selectbox("Preferred reading", entry.options, index=current, key=widget_key,
                   placeholder="Choose the reading this phrase means", on_change=_set,
                   args=(store, entry.ambiguity_key, widget_key))
    right.button("Reset", key=f"{KEY}.reset.{number}", on_click=store.reset, args=(entry.ambiguity_key,))


def _set(store: ChoiceLearning, ambiguity_key: str, widget_key: str) -> None:
    option = st.session_state.get(widget_key)
    if option:
        store.set_preference(ambiguity_key, option)

"""The readings of a question as selectable cards: description, what differs, a confidence bar."""
from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from query_engine.spec.query import Interpretation
from query_engine.spec.safe_text import escape_markdown


def show_card(reading: Interpretation, *, picked: bool, suggested: bool, on_pick: Callable[[int], None]) -> None:
    """One reading as a bordered card with a 'Use this reading' button."""
    with st.container(border=True, key=f"ask.reading.{reading.rank}"):
        text, action = st.columns([5, 1], vertical_alignment="center")
        with text:
            tag = " · in use" if picked else (" · suggested" if suggested else "")
            st.markdown(f"**Reading {reading.rank}{tag}** — {escape_markdown(reading.description)}")
            if reading.distinction:
                st.caption(f"What makes it different: {escape_markdown(reading.distinction)}")
            st.progress(min(max(reading.confidence, 0.0), 1.0), text=f"Confidence {reading.confidence:.0%}")
        with action:
            st.button("In use" if picked else "Use this reading", key=f"ask.pick.{reading.rank}",
                      type="primary" if picked or suggested else "secondary", disabled=picked,
                      on_click=on_pick, args=(reading.rank,), width="stretch")


def show_readings(readings: tuple[Interpretation, ...], picked_rank: int | None,
                  on_pick: Callable[[int], None]) -> None:
    """All cards before a pick; after it, the picked card with the others one click away."""
    if picked_rank is None:
        st.markdown(f"**{len(readings)} ways to read this — pick the one you mean:**")
        for reading in readings:
            show_card(reading, picked=False, suggested=reading.rank == readings[0].rank, on_pick=on_pick)
        return
    others = [r for r in readings if r.rank != picked_rank]
    for reading in readings:
        if reading.rank == picked_rank:
            show_card(reading, picked=True, suggested=False, on_pick=on_pick)
    if others:
        with st.expander(f"Other readings ({len(others)})"):
            for reading in others:
                show_card(reading, picked=False, suggested=False, on_pick=on_pick)

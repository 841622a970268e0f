"""Chart vision: ask about a screenshot of a chart or dashboard (needs a multimodal model's key)."""
import streamlit as st

from ui.error_messages import friendly_errors
from ui.router_setup import setup_router

st.title("Chart vision")
with friendly_errors("reading the image"):
    setup_router()
    from ui.vision_view import render_vision

    render_vision()

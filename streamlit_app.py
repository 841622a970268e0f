"""Clarify: page config, navigation over pages/ and the shared sidebar."""
from pathlib import Path

import streamlit as st

from ui.router_setup import engine_summary, setup_router

PAGES_DIR = Path(__file__).resolve().parent / "pages"

st.set_page_config(page_title="Clarify", page_icon=":material/manage_search:", layout="wide")

pages = [
    st.Page("pages/ask.py", title="Ask", icon=":material/chat:", default=True),
    st.Page("pages/history.py", title="History", icon=":material/history:"),
    st.Page("pages/data.py", title="Data", icon=":material/table_view:"),
]
# Cost & usage arrives with the model router as pages/cost_usage.py; it is listed only once the file
# exists, so the app never points at a missing page.
if (PAGES_DIR / "cost_usage.py").is_file():
    pages.append(st.Page("pages/cost_usage.py", title="Cost & usage", icon=":material/payments:"))

page = st.navigation(pages)
st.sidebar.caption("Clarify asks before it answers: pick the reading you mean, then check the SQL it ran.")
st.sidebar.caption(engine_summary(setup_router()))
page.run()

"""Clarify: page config, navigation over pages/ and the shared sidebar."""
from pathlib import Path

import streamlit as st

from ui.router_setup import engine_summary, setup_router
from ui.store_notices import render_store_notices

PAGES_DIR = Path(__file__).resolve().parent / "pages"

st.set_page_config(page_title="Clarify", page_icon=":material/manage_search:", layout="wide")

pages = [
    st.Page("pages/ask.py", title="Ask", icon=":material/chat:", default=True),
    st.Page("pages/history.py", title="History", icon=":material/history:"),
    st.Page("pages/data.py", title="Data", icon=":material/table_view:"),
]
OPTIONAL_PAGES = (
    ("investigate.py", "Investigate & forecast", ":material/query_stats:"),
    ("evaluation.py", "Evaluation", ":material/fact_check:"),
    ("vision.py", "Chart vision", ":material/image_search:"),
    ("cost_usage.py", "Cost & usage", ":material/payments:"),
)
# Listed only when the page file exists, so the app never points at a missing page.
pages += [st.Page(f"pages/{name}", title=title, icon=icon) for name, title, icon in OPTIONAL_PAGES
          if (PAGES_DIR / name).is_file()]

page = st.navigation(pages)
st.sidebar.caption("Clarify asks before it answers: pick the reading you mean, then check the SQL it ran.")
st.sidebar.caption(engine_summary(setup_router()))
render_store_notices()
page.run()

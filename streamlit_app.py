"""Clarify: page config, navigation over pages/ and the shared sidebar."""
import streamlit as st

from ui.error_messages import friendly_errors
from ui.router_setup import engine_summary, setup_router
from ui.store_notices import render_store_notices

st.set_page_config(page_title="Clarify", page_icon=":material/manage_search:", layout="wide")

pages = [
    st.Page("pages/ask.py", title="Ask", icon=":material/chat:", default=True),
    st.Page("pages/history.py", title="History", icon=":material/history:"),
    st.Page("pages/data.py", title="Data", icon=":material/table_view:"),
]
MORE_PAGES = (
    ("investigate.py", "Investigate & forecast", ":material/query_stats:"),
    ("evaluation.py", "Evaluation", ":material/fact_check:"),
    ("vision.py", "Chart vision", ":material/image_search:"),
    ("cost_usage.py", "Cost & usage", ":material/payments:"),
)
pages += [st.Page(f"pages/{name}", title=title, icon=icon) for name, title, icon in MORE_PAGES]

page = st.navigation(pages)
st.sidebar.caption("Clarify asks before it answers: pick the reading you mean, then check the SQL it ran.")
with friendly_errors("reading the model settings"):  # a malformed routes file or budget is explained, not raised
    st.sidebar.caption(engine_summary(setup_router()))
render_store_notices()
page.run()

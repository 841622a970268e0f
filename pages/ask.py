"""Ask: a question becomes readings to pick from, then a checked, explained answer."""
from ui.ask_page import render_ask_page
from ui.error_messages import friendly_errors

with friendly_errors("answering your question"):
    render_ask_page()

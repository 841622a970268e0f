"""History: every question asked, with its reading, adjustments, SQL and timings; re-run or delete."""
from ui.error_messages import friendly_errors
from ui.history_page import render_history_page

with friendly_errors("showing the history"):
    render_history_page()

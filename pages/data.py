"""Data: the tables, their columns and sample rows, and the semantic model behind the answers."""
from ui.data_page import render_data_page
from ui.error_messages import friendly_errors

with friendly_errors("showing the data"):
    render_data_page()

"""Investigate & forecast: guided 'why' investigations, forecasts with intervals and calculated metrics."""
from ui.error_messages import friendly_errors
from ui.investigate_page import render_investigate_page

with friendly_errors("preparing the page"):
    render_investigate_page()

"""Evaluation: how Clarify is used (query-log analytics, a checked summary) and how accurate it is (question sets)."""
from ui.error_messages import friendly_errors
from ui.evaluation_page import render_evaluation_page

with friendly_errors("showing the evaluation"):
    render_evaluation_page()

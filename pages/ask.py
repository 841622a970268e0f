"""Ask: a question becomes readings to pick from, then a checked, explained answer."""
from ui.error_messages import friendly_errors
from ui.question_box import render_question_box
from ui.state import ask_state

with friendly_errors("answering your question"):
    state = ask_state()
    scope_slot = render_question_box(state)
    # Imported once the box is on screen: pandas, plotly and DuckDB take about a second on a cold start.
    from ui.ask_page import render_ask_page
    from ui.report_actions import render_pinned_report

    render_ask_page(state, scope_slot)
    render_pinned_report()

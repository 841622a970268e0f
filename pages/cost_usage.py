"""Cost & usage: what every model call cost, the routes in use, budgets and an estimate calculator."""
from ui.cost_usage_view import render_cost_usage_page
from ui.error_messages import friendly_errors

with friendly_errors("showing cost and usage"):
    render_cost_usage_page()

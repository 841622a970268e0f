"""The Investigate & forecast page: three tabs over the dataset picked on the Ask page."""
from __future__ import annotations

import streamlit as st

from ui.error_messages import friendly_errors
from ui.resources import get_pipeline, load_settings
from ui.state import ask_state


def render_investigate_page() -> None:
    """Investigations, forecasts and calculated metrics, each loaded only when the page opens."""
    st.title("Investigate & forecast")
    settings = load_settings()
    pipeline = get_pipeline(settings, ask_state().dataset)  # the dataset picked on the Ask page
    investigate_tab, forecast_tab, metrics_tab = st.tabs(["Investigate", "Forecast", "Calculated metrics"])
    with investigate_tab:
        from ui.investigation_view import render_investigation

        with friendly_errors("investigating"):
            render_investigation(pipeline)
    with forecast_tab:
        from ui.forecast_view import render_forecast_section

        with friendly_errors("forecasting"):
            render_forecast_section(pipeline)
    with metrics_tab:
        from ui.calculated_metrics_view import render_calculated_metrics

        with friendly_errors("defining a metric"):
            render_calculated_metrics(settings, pipeline.model)

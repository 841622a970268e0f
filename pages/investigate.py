"""Investigate & forecast: guided 'why' investigations, forecasts with intervals and calculated metrics."""
import streamlit as st

from ui.error_messages import friendly_errors
from ui.resources import get_pipeline, load_settings
from ui.state import ask_state

st.title("Investigate & forecast")
with friendly_errors("preparing the page"):
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

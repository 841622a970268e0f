"""Forecast controls and the forecast answer: the chart with its band, the projection, the method and its error."""
from __future__ import annotations

import datetime as dt

import streamlit as st

from query_engine.answer.forecast import (
    ForecastOutcome,
    forecast,
    forecast_figure,
    is_additive,
)
from query_engine.pipeline import Pipeline
from query_engine.spec.query import DateRange, Forecast, ForecastMethod, QuerySpec
from query_engine.spec.safe_text import escape_markdown
from ui.result_table import column_config, result_frame

HISTORY_DAYS = {"day": 365, "week": 730, "month": 730}
PREFIX = "forecast."


def run_forecast(pipeline: Pipeline, spec: QuerySpec) -> ForecastOutcome:
    """Run a forecast spec: its history query through the pipeline (guarded), then forecasting.forecast."""
    if spec.forecast is None:
        raise ValueError("run_forecast needs a spec with a forecast")
    answer = pipeline.answer(spec.with_changes(forecast=None))
    if answer.error or answer.result is None:
        from query_engine.errors import ClarifyError

        raise ClarifyError(answer.error or "The history query returned nothing.", hint="Widen the history window.")
    additive = is_additive(pipeline.model.metric(spec.metrics[0]))
    as_of = pipeline.profile.as_of or dt.date.today()
    return forecast(answer.result, answer.columns, spec.forecast, as_of, additive=additive)


def forecast_spec_from_controls(pipeline: Pipeline) -> QuerySpec | None:
    """The history spec with its forecast, from the controls; None until the analyst presses Forecast."""
    model, as_of = pipeline.model, pipeline.profile.as_of or dt.date.today()
    metrics = [n for n in model.metrics if n in model.base_measures() or model.metrics[n].is_derived]
    left, middle, right = st.columns(3)
    metric = left.selectbox("Metric", metrics, index=metrics.index("spend") if "spend" in metrics else 0,
                            format_func=lambda n: model.metrics[n].label, key=PREFIX + "metric")
    grain = middle.selectbox("By", ["day", "week", "month"], key=PREFIX + "grain")
    split = right.selectbox("Split by", ["(none)", *[d for d, v in model.dimensions.items() if not v.entity]],
                            key=PREFIX + "split")
    left, middle, right = st.columns(3)
    days = left.number_input("Days ahead", min_value=1, max_value=365, value=30, key=PREFIX + "days")
    methods: list[ForecastMethod] = ["trend", "last_year"]
    method = middle.radio("Method", methods, horizontal=True, key=PREFIX + "method",
                          format_func=lambda m: "Trend (ETS, backtested)" if m == "trend" else "Same period last year")
    target = right.number_input("Target total (optional)", min_value=0.0, value=0.0, key=PREFIX + "target")
    if not st.button("Forecast", type="primary", key=PREFIX + "run", icon=":material/trending_up:"):
        return None
    history = DateRange(as_of - dt.timedelta(days=HISTORY_DAYS[grain] - 1), as_of, "history")
    window = Forecast(as_of + dt.timedelta(days=1), as_of + dt.timedelta(days=int(days)), method,
                      float(target) or None)
    dims = (grain,) if split == "(none)" else (grain, split)
    return QuerySpec(metrics=(metric,), dimensions=dims, date_range=history, forecast=window)


def show_forecast(outcome: ForecastOutcome, key: str = "forecast.answer") -> None:
    """The forecast: headline numbers, the chart with history, forecast and band, insights and the rows."""
    left, middle, right = st.columns(3)
    fmt_total = next(c for c in outcome.columns if c.role == "metric").format
    from query_engine.spec.value_format import format_value

    left.metric("Projection", format_value(outcome.total_forecast, fmt_total))
    mape = "n/a" if outcome.backtest_mape is None else f"{outcome.backtest_mape:.1f}%"
    middle.metric("Backtested error (MAPE)", mape)
    right.metric("Periods ahead", f"{outcome.horizon} {outcome.grain}s")
    if outcome.target_verdict:
        st.info(escape_markdown(outcome.target_verdict), icon=":material/flag:")
    st.plotly_chart(forecast_figure(outcome), key=f"{key}.chart", config={"displaylogo": False})
    st.markdown("\n".join(f"- {escape_markdown(line)}" for line in outcome.insights))
    with st.expander("Forecast rows"):
        st.dataframe(result_frame(outcome.result), hide_index=True, column_config=column_config(outcome.columns),
                     key=f"{key}.table")


def render_forecast_section(pipeline: Pipeline) -> None:
    """Controls, then the forecast they ask for (kept across reruns until the controls change)."""
    spec = forecast_spec_from_controls(pipeline)
    if spec is not None:
        with st.spinner("Fitting and backtesting…"):
            st.session_state[PREFIX + "outcome"] = run_forecast(pipeline, spec)
    outcome = st.session_state.get(PREFIX + "outcome")
    if outcome is None:
        st.caption("Pick a metric and a horizon, then press Forecast. Intervals are 90% prediction intervals.")
        return
    show_forecast(outcome)

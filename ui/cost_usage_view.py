"""Cost & usage: spend, calls and tokens from the usage ledger, routes, budgets, an estimate calculator and
CSV export."""
from __future__ import annotations

import pandas as pd
import plotly.express as px
import streamlit as st

from query_engine.reports.csv_export import safe_csv
from query_engine.spec.safe_text import escape_markdown
from router import LLMRouter, TaskType, UsageLedger
from router.usage_ledger import COLUMNS
from ui.router_setup import setup_router

CALL_STATUSES = ("ok", "fallback", "error")  # attempts that reached a provider


def render_cost_usage_page() -> None:
    """The whole page: totals, charts, quality, questions, budgets, routes, estimate and export."""
    st.title("Cost & usage")
    settings = setup_router()
    frame = ledger_frame()
    if not settings.present_keys():
        st.info("No provider key is set, so Clarify answers with its offline engine and spends nothing. "
                "Add a key in .streamlit/secrets.toml or the environment to route tasks to models.")
    _totals(frame)
    if frame.empty:
        st.caption("No model calls recorded yet.")
    else:
        _spend_charts(frame)
        _latency_and_failures(frame)
        _per_question(frame)
    _budgets()
    _routes()
    _estimate()
    _export(frame)


def ledger_frame() -> pd.DataFrame:
    """The ledger rows with a day column and total tokens; rows the offline engine served have model 'offline'."""
    frame = LLMRouter.ledger().rows_frame()
    frame["day"] = pd.to_datetime(frame["ts"], utc=True, errors="coerce").dt.date if not frame.empty else []
    frame["tokens"] = frame["input_tokens"] + frame["output_tokens"]
    return frame


def _calls(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[frame["status"].isin(CALL_STATUSES) & (frame["model"] != "offline")]


def _totals(frame: pd.DataFrame) -> None:
    calls = _calls(frame)
    spend, tokens = float(frame["actual_cost_usd"].sum()), int(frame["tokens"].sum())
    cols = st.columns(4)
    cols[0].metric("Total spend", f"${spend:,.4f}")
    cols[1].metric("Model calls", f"{len(calls):,}")
    cols[2].metric("Tokens", f"{tokens:,}", help="Input plus output tokens (output includes reasoning tokens).")
    cols[3].metric("Offline fallbacks", f"{int((frame['model'] == 'offline').sum()):,}",
                   help="Times the offline engine did a task because the model failed or its output was unusable.")


def _spend_charts(frame: pd.DataFrame) -> None:
    st.subheader("Spend")
    tabs = st.tabs(["By task", "By model", "By day"])
    for tab, column in zip(tabs, ("task", "model", "day"), strict=False):
        grouped = frame.groupby(column, as_index=False)["actual_cost_usd"].sum()
        chart = px.bar(grouped, x=column, y="actual_cost_usd", labels={"actual_cost_usd": "Spend (USD)", column: ""})
        tab.plotly_chart(chart, key=f"cost.spend_by_{column}")


def _latency_and_failures(frame: pd.DataFrame) -> None:
    st.subheader("Latency, errors and fallbacks")
    answered = frame[frame["status"].isin(("ok", "fallback")) & (frame["model"] != "offline")]
    left, right = st.columns(2)
    if not answered.empty:
        latency = answered.groupby("task", as_index=False)["latency_ms"].mean()
        left.plotly_chart(px.bar(latency, x="task", y="latency_ms", labels={"latency_ms": "Average latency (ms)",
                                                                           "task": ""}), key="cost.latency")
    failures = frame[frame["status"].isin(("error", "fallback", "budget-refused"))]
    table = (failures.groupby(["task", "model", "status", "error_class"], dropna=False).size()
             .reset_index(name="count"))
    right.dataframe(table, hide_index=True, key="cost.failures")


def _per_question(frame: pd.DataFrame) -> None:
    questions = frame.dropna(subset=["question_id"]).groupby("question_id")["actual_cost_usd"].sum()
    st.subheader("Cost per answered question")
    cols = st.columns(3)
    cols[0].metric("Questions with model calls", f"{len(questions):,}")
    cols[1].metric("Average cost per question", f"${questions.mean():,.5f}" if len(questions) else "$0")
    cols[2].metric("Most expensive question", f"${questions.max():,.5f}" if len(questions) else "$0")


def _budgets() -> None:
    st.subheader("Budgets")
    for status in LLMRouter.budget_statuses():
        if status.spend_unknown:
            st.warning(escape_markdown(f"{status.period.title()} budget: {status.spend_unknown} Model calls are "
                                       "refused for this period; the offline engine answers."))
        if status.budget_usd is None:
            st.caption(escape_markdown(f"{status.period.title()}: no budget set; ${status.spent_usd:,.4f} spent."))
            continue
        share = min(status.spent_usd / status.budget_usd, 1.0) if status.budget_usd else 1.0
        # Two dollar amounts in one Markdown text would otherwise render as a LaTeX formula.
        st.progress(share, text=escape_markdown(f"{status.period.title()}: ${status.spent_usd:,.4f} of "
                                                f"${status.budget_usd:,.2f}"))


def route_table() -> pd.DataFrame:
    """The active routes as shown: task, model, reason and key presence (the key's name, never its value)."""
    rows = [{"Task": r.task, "Model": r.model, "Reason": r.reason, "Key present": "yes" if r.key_present else "no",
             "Key needed": r.key_name or "none (local)", "Then": " → ".join(r.fallbacks)}
            for r in LLMRouter.active_routes()]
    return pd.DataFrame(rows)


def _routes() -> None:
    st.subheader("Routing")
    st.dataframe(route_table(), hide_index=True, key="cost.routes")


def _estimate() -> None:
    st.subheader("Estimate a call")
    with st.form("cost.estimate_form"):
        task = st.selectbox("Task", [t.value for t in TaskType], key="cost.estimate_task")
        left, right = st.columns(2)
        input_tokens = left.number_input("Input tokens", 0, 2_000_000, 1_000, step=100, key="cost.estimate_in")
        output_tokens = right.number_input("Output tokens", 0, 2_000_000, 500, step=100, key="cost.estimate_out")
        submitted = st.form_submit_button("Estimate")
    if submitted:  # litellm's price map is loaded only on request, so the page itself opens fast
        model = LLMRouter.route_for(task).model
        try:
            usd = LLMRouter.get_cost_estimate(task, int(input_tokens), int(output_tokens))
        except Exception as exc:  # PriceUnknown for models litellm has no price for
            st.warning(escape_markdown(exc))
            return
        st.metric(f"Estimated cost on {escape_markdown(model)}", f"${usd:,.6f}")


def ledger_csv(ledger: UsageLedger) -> str:
    """Every ledger row as CSV for download; text a spreadsheet would run as a formula is neutralised."""
    return safe_csv(ledger.rows(), COLUMNS)


def _export(frame: pd.DataFrame) -> None:
    st.download_button("Download the usage ledger (CSV)", ledger_csv(LLMRouter.ledger()), file_name="clarify_usage.csv",
                       mime="text/csv", key="cost.export", disabled=frame.empty)

"""The Evaluation page: how Clarify is used (query-log analytics, a checked summary) and how accurate it is."""
from __future__ import annotations

import json

import pandas as pd
import plotly.express as px
import streamlit as st

from query_engine.evaluate.accuracy import (
    EvaluationReport,
    evaluate_question_set,
    parse_cases,
)
from query_engine.evaluate.query_log import (
    LogStatistics,
    LogSummary,
    log_statistics,
    model_log_summary,
    read_query_log,
    statistical_summary,
)
from query_engine.llm.access import LLMAccess
from query_engine.settings import Settings
from query_engine.spec.safe_text import escape_markdown
from router import TaskType
from ui.error_messages import friendly_errors
from ui.resources import get_history, get_pipeline, load_settings
from ui.router_setup import router_llm
from ui.state import ask_state

REPORT_KEY = "evaluation.report"
SUMMARY_KEY = "evaluation.model_summary"


def show_overview(stats: LogStatistics) -> None:
    """Headline figures."""
    cols = st.columns(5)
    cols[0].metric("Questions", f"{stats.total_questions:,}")
    cols[1].metric("Top reading picked", "n/a" if stats.top_pick_rate is None else f"{stats.top_pick_rate:.0%}")
    cols[2].metric("Refused", f"{stats.refused:,}")
    cols[3].metric("Failed", f"{stats.failed:,}")
    cols[4].metric("Model cost", f"${stats.total_cost_usd:,.4f}")


def show_usage_charts(stats: LogStatistics) -> None:
    """Questions per day and the distribution of picked ranks."""
    left, right = st.columns(2)
    days = pd.DataFrame(stats.questions_per_day, columns=["day", "questions"])
    days_figure = px.bar(days, x="day", y="questions", title="Questions per day")
    days_figure.update_xaxes(type="category")  # one bar per calendar day, not a time axis with hour ticks
    left.plotly_chart(days_figure, key="evaluation.chart.days")
    ranks = pd.DataFrame(stats.rank_counts, columns=["picked rank", "runs"])
    if not ranks.empty:
        right.plotly_chart(px.bar(ranks.astype({"picked rank": str}), x="picked rank", y="runs",
                                  title="Which reading was picked"),
                           key="evaluation.chart.ranks")


def show_ambiguity(stats: LogStatistics) -> None:
    """The phrases that needed a choice and the readings that won, and the words behind them."""
    st.subheader("What makes questions ambiguous")
    if not stats.ambiguities:
        st.caption("No picks recorded yet: ambiguity statistics appear once analysts pick readings.")
        return
    rows = [{"phrase": a.phrase, "choices made": a.times, "winning reading": a.winners[0][0],
             "won": a.winners[0][1], "other readings": ", ".join(f"{o} ({n})" for o, n in a.winners[1:])}
            for a in stats.ambiguities]
    st.dataframe(pd.DataFrame(rows), hide_index=True, key="evaluation.ambiguities")
    words = pd.DataFrame(stats.ambiguous_words, columns=["word", "ambiguous questions"])
    st.plotly_chart(px.bar(words, x="word", y="ambiguous questions", title="Words in questions that needed a choice"),
                    key="evaluation.chart.words")


def show_problems(stats: LogStatistics) -> None:
    """Refusals and failures with their reasons."""
    left, right = st.columns(2)
    left.subheader("Refusals")
    if stats.refusals:
        left.dataframe(pd.DataFrame(stats.refusals, columns=["reason", "times"]), hide_index=True,
                       key="evaluation.refusals")
    else:
        left.caption("No refusals.")
    right.subheader("Failures")
    if stats.failures:
        right.dataframe(pd.DataFrame(stats.failures, columns=["error", "times"]), hide_index=True,
                        key="evaluation.failures")
    else:
        right.caption("No failures.")


def show_trends(stats: LogStatistics) -> None:
    """Latency of runs per day, and model calls, cost and latency from the usage ledger."""
    st.subheader("Latency and cost")
    left, right = st.columns(2)
    if stats.latency_by_day:
        latency = pd.DataFrame(stats.latency_by_day, columns=["day", "median ms"])
        left.plotly_chart(px.line(latency, x="day", y="median ms", markers=True, title="Median run time per day")
                          .update_xaxes(type="category"),
                          key="evaluation.chart.latency")
    if stats.ledger_by_day:
        ledger = pd.DataFrame([{"day": d.day, "cost (USD)": d.cost_usd, "calls": d.calls,
                                "mean model latency (ms)": d.mean_latency_ms} for d in stats.ledger_by_day])
        right.plotly_chart(px.bar(ledger, x="day", y="cost (USD)", hover_data=["calls", "mean model latency (ms)"],
                                  title="Model cost per day"), key="evaluation.chart.cost")
    else:
        right.caption("No model calls yet: Clarify has run offline, at no cost.")


def show_summary(stats: LogStatistics, entries: list, llm: LLMAccess | None) -> None:
    """The model's checked summary (on request) or the statistical one."""
    st.subheader("Summary")
    if llm is not None and llm.available(TaskType.EVALUATION):
        if st.button("Summarise the log with the evaluation model", key="evaluation.summarise",
                     icon=":material/auto_awesome:"):
            st.session_state[SUMMARY_KEY] = model_log_summary(llm, stats, entries)
    summary: LogSummary = st.session_state.get(SUMMARY_KEY) or statistical_summary(stats)
    # Statements quote phrases from logged questions, and a model may have written them: escaped.
    st.markdown("\n".join(f"- {escape_markdown(line)}" for line in summary.statements))
    st.caption(escape_markdown(f"Summary: {summary.source}."))
    for line, numbers in summary.flagged:
        st.warning(escape_markdown(f"Left out: “{line}” — {', '.join(numbers)} is not in the statistics."))


def show_accuracy(settings: Settings) -> None:
    """Upload a question set, score the engine on it and show the metrics and failures."""
    st.header("Accuracy evaluation")
    st.caption('JSON lines: {"id", "q", "kind": clear|ambiguous|refuse|hard, "refs": [SQL, ...] or '
               '"expected_rows": [[...]], "match": set|prefix}. The same as `python -m query_engine evaluate`.')
    uploaded = st.file_uploader("Question set (.jsonl)", type=["jsonl", "json", "txt"], key="evaluation.upload")
    if uploaded is not None and st.button("Run evaluation", key="evaluation.run", type="primary"):
        with friendly_errors("evaluating the question set"):
            cases = parse_cases(uploaded.getvalue().decode("utf-8", errors="replace").splitlines())
            bar = st.progress(0.0, text="Scoring")

            def show_progress(done: int, total: int) -> None:
                bar.progress(done / total, f"{done}/{total}")

            # The routed models (when keys exist) take part, so a team scores the engine it actually uses.
            st.session_state[REPORT_KEY] = evaluate_question_set(get_pipeline(settings, ask_state().dataset), cases,
                                                                 llm=router_llm(), progress=show_progress)
    report: EvaluationReport | None = st.session_state.get(REPORT_KEY)
    if report is not None:
        show_report(report)


def show_report(report: EvaluationReport) -> None:
    """The metrics and the failures table of an evaluation."""
    summary = report.summary
    cols = st.columns(5)
    for col, (name, label) in zip(cols, [("top1_accuracy", "Top-1 (clear)"), ("intended_in_five", "Intended in five"),
                                         ("ambiguity_recall", "Ambiguity recall"),
                                         ("refusal_accuracy", "Refusals right"), ("failed", "Failures")], strict=False):
        value = summary[name]
        col.metric(label, "n/a" if value is None else value if name == "failed" else f"{value:.0%}")
    st.caption(escape_markdown(f"{summary['questions']} questions · median {summary['median_latency_ms']} ms · "
                               f"${summary['cost_per_question_usd']:.4f} per question"))
    if report.failures:
        st.dataframe(pd.DataFrame([{"id": f.id, "kind": f.kind, "question": f.question, "problem": f.problem,
                                    "offered": "\n".join(f.offered)} for f in report.failures]),
                     hide_index=True, key="evaluation.failures_table")
    else:
        st.success("Every question passed.")
    st.download_button("Download JSON report", json.dumps(report.to_json(), default=str, indent=1),
                       file_name="clarify-evaluation.json", mime="application/json", key="evaluation.download",
                       on_click="ignore")


def render_evaluation_page() -> None:
    """The whole Evaluation page."""
    st.title("Evaluation")
    settings = load_settings()
    entries, ledger_rows, picks = read_query_log(settings, get_history(settings))
    stats = log_statistics(entries, ledger_rows, picks)
    if not stats.total_questions:
        st.info("No questions in the log yet. Ask some on the Ask page; their statistics appear here.")
    else:
        show_overview(stats)
        show_summary(stats, entries, router_llm())
        show_usage_charts(stats)
        show_ambiguity(stats)
        show_problems(stats)
        show_trends(stats)
    show_accuracy(settings)

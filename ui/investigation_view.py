"""Investigate: propose a plan for a 'why' question, let the analyst edit it, run it and explain the change."""
from __future__ import annotations

import json
from dataclasses import replace

import plotly.graph_objects as go
import streamlit as st

from query_engine.investigate.planner import (
    MAX_STEPS,
    TOOL_LABELS,
    InvestigationOutcome,
    InvestigationPlan,
    PlanStep,
    StepTable,
    pipeline_runner,
    propose_plan,
    run_plan,
)
from query_engine.pipeline import Pipeline
from query_engine.spec.safe_text import escape_html, escape_markdown
from query_engine.spec.value_format import axis_format
from ui.result_table import column_config, result_frame

PREFIX = "investigate."
EXAMPLE = "why did ROAS drop in October?"


def render_investigation(pipeline: Pipeline) -> None:
    """The whole flow: question -> proposed plan -> edits -> run -> explanation with tables and charts."""
    question = st.text_input("Why question", value=EXAMPLE, key=PREFIX + "question")
    if st.button("Propose a plan", key=PREFIX + "propose", icon=":material/checklist:"):
        st.session_state[PREFIX + "plan"] = _plan(question, pipeline)
        st.session_state.pop(PREFIX + "outcome", None)
    plan: InvestigationPlan | None = st.session_state.get(PREFIX + "plan")
    if plan is None:
        st.caption(f"Clarify proposes up to {MAX_STEPS} steps; you approve or edit them before anything runs.")
        return
    edited = edit_plan(plan)
    if st.button("Run the plan", type="primary", key=PREFIX + "run", icon=":material/play_arrow:",
                 disabled=not edited.steps):
        st.session_state[PREFIX + "outcome"] = run_plan(edited, pipeline.model, pipeline_runner(pipeline))
    outcome: InvestigationOutcome | None = st.session_state.get(PREFIX + "outcome")
    if outcome is not None:
        show_outcome(outcome)


def _plan(question: str, pipeline: Pipeline) -> InvestigationPlan:
    """The orchestration model's plan when its route has a key (checked, limited), else the drill-down."""
    from router import LLMRouter, TaskType

    if LLMRouter.is_available(TaskType.WORKFLOW_ORCHESTRATION):
        from query_engine.investigate.model_plan import model_plan
        from query_engine.llm.access import RouterLLM

        plan, _cost = model_plan(RouterLLM(), question, pipeline.model, pipeline.profile)
        return plan
    return propose_plan(question, pipeline.model, pipeline.profile)


def edit_plan(plan: InvestigationPlan) -> InvestigationPlan:
    """Each step with a keep box, an order number and its parameters as JSON; returns the plan as edited."""
    st.markdown("**Plan** · " + escape_markdown(f"{plan.metric} · {plan.period.describe()} against "
                                                f"{plan.baseline.describe()} · proposed by {plan.source}"))
    for note in plan.notes:
        st.caption(escape_markdown(note))
    kept: list[tuple[int, PlanStep]] = []
    for i, step in enumerate(plan.steps):
        keep_col, order_col, text_col = st.columns([1, 1, 6])
        keep = keep_col.checkbox("Keep", value=True, key=f"{PREFIX}keep.{i}")
        order = order_col.number_input("Order", 1, len(plan.steps), i + 1, key=f"{PREFIX}order.{i}")
        text_col.markdown(f"**{TOOL_LABELS[step.tool]}** — {escape_markdown(step.description)}")
        raw = text_col.text_input("Parameters (JSON)", json.dumps(dict(step.params)), key=f"{PREFIX}params.{i}",
                                  label_visibility="collapsed")
        if keep:
            kept.append((int(order), replace(step, params=_params(raw, step))))
    return replace(plan, steps=tuple(s for _, s in sorted(kept, key=lambda pair: pair[0])))


def _params(raw: str, step: PlanStep) -> dict:
    try:
        value = json.loads(raw)
    except json.JSONDecodeError:
        st.warning(escape_markdown(f"Parameters of '{TOOL_LABELS[step.tool]}' are not valid JSON; the proposed ones "
                                   "are used."))
        return dict(step.params)
    return value if isinstance(value, dict) else dict(step.params)


def show_outcome(outcome: InvestigationOutcome) -> None:
    """The explanation first, then each step's finding, tables, charts and SQL."""
    st.success(escape_markdown(outcome.explanation, multiline=True), icon=":material/lightbulb:")
    for number, found in enumerate(outcome.steps, 1):
        with st.expander(f"{number}. {TOOL_LABELS[found.step.tool]}", expanded=number <= 3):
            if found.error:
                st.error(escape_markdown(found.error))
                continue
            st.markdown(escape_markdown(found.summary, multiline=True))
            for n, table in enumerate(found.tables):
                _show_table(table, f"{PREFIX}out.{number}.{n}")
            for sql in found.sql:
                st.code(sql, language="sql")


def _show_table(table: StepTable, key: str) -> None:
    figure = step_figure(table)
    if figure is not None:
        st.plotly_chart(figure, key=f"{key}.chart", config={"displaylogo": False})
    st.dataframe(result_frame(table.result), hide_index=True, column_config=column_config(table.columns),
                 key=f"{key}.table")


def step_figure(table: StepTable) -> go.Figure | None:
    """Bars of each segment's contribution (top 12), or a line for a time series."""
    result, columns = table.result, table.columns
    if not result.rows:
        return None
    metric = next((c for c in columns if c.role == "metric"), None)
    label = next((c for c in columns if c.role in ("dimension", "time")), None)
    if metric is None or label is None:
        return None
    x, y = result.columns.index(label.name), result.columns.index(metric.name)
    rows = result.rows if table.chart == "line" else result.rows[:12]
    # plotly.js reads tags such as <a href> in labels and titles; escaped, a segment's name is shown as written.
    trace = (go.Scatter(x=[r[x] for r in rows], y=[r[y] for r in rows], mode="lines") if table.chart == "line"
             else go.Bar(x=[escape_html(r[x], quote=False) for r in rows], y=[r[y] for r in rows]))
    figure = go.Figure(trace)
    figure.update_layout(template="plotly_white", title={"text": escape_html(table.title, quote=False)},
                         margin={"l": 10, "r": 10, "t": 50, "b": 10}, height=320)
    figure.update_yaxes(title_text=metric.label, **axis_format(metric.format))
    return figure

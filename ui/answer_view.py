"""The answer: a formatted table, the plotly chart, insights, the SQL, stage timings and a CSV download."""
from __future__ import annotations

import streamlit as st

from query_engine.answer.chart import build_figure
from query_engine.pipeline import STAGES, Answer
from query_engine.reports.csv_export import safe_csv
from query_engine.spec.query import ColumnInfo, QueryResult
from query_engine.spec.safe_text import escape_markdown
from query_engine.spec.value_format import format_table, format_value
from ui.result_table import column_config, result_frame


def timings_text(timings_ms: dict[str, float]) -> str:
    """Stage times in pipeline order, e.g. 'interpreting 3 ms · writing SQL 1 ms · …'."""
    parts = [f"{stage} {timings_ms[stage]:,.0f} ms" for stage in STAGES if stage in timings_ms]
    return " · ".join(parts) + f" · total {sum(timings_ms.values()):,.0f} ms"


def show_stages(answer: Answer, interpreting_ms: float | None) -> None:
    """A completed st.status listing each stage with its time."""
    timings = dict(answer.timings_ms)
    if interpreting_ms is not None:
        timings = {"interpreting": interpreting_ms, **timings}
    failed = answer.error is not None
    label = ("Stopped: " if failed else "Answered · ") + timings_text(timings)
    with st.status(label, state="error" if failed else "complete", expanded=False):
        for stage in STAGES:
            if stage in timings:
                st.write(f"✓ {stage}: {timings[stage]:,.1f} ms")


def show_answer(answer: Answer, key: str) -> None:
    """Render one answer: its error, or the table, chart, insights, SQL and download."""
    if answer.error:
        st.error(escape_markdown(answer.error), icon=":material/block:")
        return
    result = answer.result
    if result is None:
        return
    if answer.forecast is not None:
        from ui.forecast_view import (
            show_forecast,  # statsmodels-backed charts load only for forecasts
        )

        show_forecast(answer.forecast, key=key + ".forecast")
        return
    figure = build_figure(answer.chart, result, answer.columns) if answer.chart else None
    # Side by side only while the table fits; wide tables (long names, many columns) go above the chart.
    wide = len(result.columns) > 3 or any(len(str(row[0])) > 24 for row in result.rows[:50])
    if figure is None:
        table_area, chart_area = st.container(), None
    elif wide:
        table_area, chart_area = st.container(), st.container()
    else:
        table_area, chart_area = st.columns([2, 3])
    with table_area:
        _show_table(result, answer.columns, key)
        if answer.ranking is not None:
            _show_ranking(answer.ranking, answer.columns)
    if figure is not None and chart_area is not None:
        with chart_area:
            st.plotly_chart(figure, key=f"{key}.chart", config={"displaylogo": False})
    if answer.insights:
        st.markdown("**Insights**\n\n" + "\n".join(f"- {escape_markdown(line)}" for line in answer.insights))
    _show_sql(answer, key)


def _show_ranking(ranking: QueryResult, columns: tuple[ColumnInfo, ...]) -> None:
    """The ranking a one-row answer came from, its winner marked."""
    labels = {c.name: c.label for c in columns}
    rows = format_table(ranking, columns or None)
    shown = [{"": "winner" if n == 0 else f"#{n + 1}", **{labels.get(k, k): v for k, v in row.items()}}
             for n, row in enumerate(rows)]
    st.caption(f"The ranking it came from (top {len(shown)}):")
    st.table(shown)


def _show_table(result: QueryResult, columns: tuple[ColumnInfo, ...], key: str) -> None:
    frame = result_frame(result)
    rows = format_value(len(result.rows), "integer")
    note = " (cut at the row cap; narrow the question for everything)" if result.truncated else ""
    st.caption(f"{rows} rows{note} · ran in {result.elapsed_ms:,.0f} ms")
    st.dataframe(frame, hide_index=True, column_config=column_config(columns), key=f"{key}.table")
    st.download_button("Download CSV", csv_bytes(frame, columns), file_name="clarify_result.csv",
                       mime="text/csv", key=f"{key}.csv", icon=":material/download:")


def csv_bytes(frame, columns: tuple[ColumnInfo, ...]) -> bytes:
    """The result as CSV: money to cents, other numbers to 6 significant digits, no cell a spreadsheet would run."""
    out = frame.copy()
    formats = {c.name: c.format for c in columns}
    for name in out.columns:
        if out[name].dtype.kind == "f":
            out[name] = out[name].round(2) if formats.get(name) == "currency" else out[name].map(
                lambda v: float(f"{v:.6g}") if v == v else v)
    return safe_csv(out).encode("utf-8")


def _show_sql(answer: Answer, key: str) -> None:
    with st.expander(f"SQL · {escape_markdown(answer.sql_source)}"):
        st.code(answer.sql, language="sql")
        st.caption(timings_text(answer.timings_ms))

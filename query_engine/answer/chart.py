"""Which chart fits a result's shape (a declarative ChartSpec), and the plotly figure drawn from it."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any, NamedTuple

import plotly.graph_objects as go

from query_engine.spec.numbers import as_number
from query_engine.spec.query import ColumnInfo, QueryResult
from query_engine.spec.result_columns import (
    infer_columns,
    is_weekday_column,
    period_sort_key,
)
from query_engine.spec.safe_text import escape_html
from query_engine.spec.value_format import axis_format, format_value

MAX_BARS = 30
MAX_SERIES = 10
MAX_GROUPED_VALUES = 8
LONG_LABEL = 14
MANY_BARS = 10
TEMPLATE = "plotly_white"
COLORWAY = ("#4C78A8", "#F58518", "#54A24B", "#E45756", "#72B7B2",
            "#EECA3B", "#B279A2", "#FF9DA6", "#9D755D", "#BAB0AC")


@dataclass(frozen=True)
class ChartSpec:
    """A chart described as data: kind, columns for x / y / colour, labels and the y value format.

    For a heatmap, `x` and `color` are the two dimensions (columns and rows) and `y` the metric shown as colour.
    """

    kind: str  # line | bar | grouped_bar | heatmap | metric | table
    x: str | None = None
    y: str | None = None
    color: str | None = None
    title: str = ""
    x_label: str = ""
    y_label: str = ""
    y_format: str = "number"
    x_format: str = ""  # month / quarter / week: how the time axis names its ticks
    horizontal: bool = False
    sort_descending: bool | None = None


class _View(NamedTuple):
    infos: dict[str, ColumnInfo]
    time: str | None
    dims: tuple[str, ...]
    metrics: tuple[str, ...]


def chart_spec(result: QueryResult, columns: tuple[ColumnInfo, ...]) -> ChartSpec:
    """The chart that suits the result: line over time, sorted bars, grouped bars, heatmap, metric card or table."""
    if not result.rows:
        return ChartSpec("table", title="No rows matched")
    view = _view(result, columns)
    if not view.metrics:
        return ChartSpec("table", title=f"{format_value(len(result.rows), 'integer')} rows")
    metric = view.infos[view.metrics[0]]
    if len(result.rows) == 1:
        if len(view.metrics) == 1:
            return ChartSpec("metric", y=metric.name, title=metric.label, y_label=metric.label, y_format=metric.format)
        return ChartSpec("table", title=", ".join(view.infos[name].label for name in view.metrics))
    if view.time is not None:
        return _time_spec(result, view, view.time, metric)
    if len(view.dims) >= 2:
        return _grouped_spec(result, view, view.dims[0], view.dims[1], metric)
    if view.dims:
        return _bar_spec(result, view, view.dims[0], metric)
    return ChartSpec("table", title=metric.label)


def _view(result: QueryResult, columns: tuple[ColumnInfo, ...]) -> _View:
    known = {info.name: info for info in (columns or infer_columns(result))}
    infos = {name: known.get(name, ColumnInfo(name, "detail", name, "text")) for name in result.columns}
    names = list(result.columns)
    times = [name for name in names if infos[name].role == "time"]
    dims = tuple(name for name in names if infos[name].role == "dimension")
    metrics = tuple(name for name in names if infos[name].role == "metric")
    return _View(infos, times[0] if times else None, dims, metrics)


def _distinct(result: QueryResult, name: str) -> int:
    index = result.columns.index(name)
    return len({row[index] for row in result.rows})


def _top_note(count: int, limit: int, noun: str) -> str:
    return f" (top {limit} of {count} {noun})" if count > limit else ""


def _time_spec(result: QueryResult, view: _View, time_name: str, metric: ColumnInfo) -> ChartSpec:
    time = view.infos[time_name]
    weekday = is_weekday_column([row[result.columns.index(time.name)] for row in result.rows])
    if weekday and view.dims:
        return _grouped_spec(result, view, time.name, view.dims[0], metric)
    if weekday:
        return ChartSpec("bar", x=time.name, y=metric.name, title=f"{metric.label} by {time.label}",
                         x_label=time.label, y_label=metric.label, y_format=metric.format,
                         x_format=time.format)
    if len(view.dims) > 1:
        return ChartSpec("table", title=f"{metric.label} by {time.label} and {len(view.dims)} dimensions")
    if not view.dims:
        return ChartSpec("line", x=time.name, y=metric.name, title=f"{metric.label} by {time.label}",
                         x_label=time.label, y_label=metric.label, y_format=metric.format,
                         x_format=time.format)
    dim = view.infos[view.dims[0]]
    note = _top_note(_distinct(result, dim.name), MAX_SERIES, "lines")
    return ChartSpec("line", x=time.name, y=metric.name, color=dim.name,
                     title=f"{metric.label} by {time.label} and {dim.label}{note}",
                     x_label=time.label, y_label=metric.label, y_format=metric.format,
                         x_format=time.format)


def _bar_spec(result: QueryResult, view: _View, dim_name: str, metric: ColumnInfo) -> ChartSpec:
    dim = view.infos[dim_name]
    index = result.columns.index(dim_name)
    longest = max(len(str(row[index])) for row in result.rows)
    count = _distinct(result, dim_name)
    return ChartSpec("bar", x=dim.name, y=metric.name,
                     title=f"{metric.label} by {dim.label}{_top_note(count, MAX_BARS, 'bars')}",
                     x_label=dim.label, y_label=metric.label, y_format=metric.format,
                     horizontal=longest > LONG_LABEL or count > MANY_BARS,
                     sort_descending=metric.higher_is_better is not False)


def _grouped_spec(result: QueryResult, view: _View, x_name: str, color_name: str, metric: ColumnInfo) -> ChartSpec:
    x, color = view.infos[x_name], view.infos[color_name]
    x_count, color_count = _distinct(result, x_name), _distinct(result, color_name)
    heatmap = max(x_count, color_count) > MAX_GROUPED_VALUES
    limit = MAX_BARS if heatmap else MAX_SERIES
    note = _top_note(x_count, MAX_BARS, x.label) + _top_note(color_count, limit, color.label)
    return ChartSpec("heatmap" if heatmap else "grouped_bar", x=x.name, y=metric.name, color=color.name,
                     title=f"{metric.label} by {x.label} and {color.label}{note}",
                     x_label=x.label, y_label=metric.label, y_format=metric.format,
                     sort_descending=metric.higher_is_better is not False)


def build_figure(spec: ChartSpec, result: QueryResult, columns: tuple[ColumnInfo, ...]) -> go.Figure | None:
    """The plotly figure for a spec (None for tables, empty results or columns the result lacks)."""
    needed = [name for name in (spec.x, spec.y, spec.color) if name]
    if spec.kind == "table" or not result.rows or any(name not in result.columns for name in needed):
        return None
    builders = {"metric": _metric_figure, "line": _line_figure, "bar": _bar_figure,
                "grouped_bar": _grouped_figure, "heatmap": _heatmap_figure}
    # plotly reads <a href>, <span style> and the like in every text it draws: names from the data are text
    spec = replace(spec, title=escape_html(spec.title, quote=False), x_label=escape_html(spec.x_label, quote=False),
                   y_label=escape_html(spec.y_label, quote=False))
    figure = builders[spec.kind](spec, result)
    if figure is None:
        return None
    figure.update_layout(template=TEMPLATE, colorway=list(COLORWAY), legend_title_text=_color_label(spec, columns),
                         title={"text": "" if spec.kind == "metric" else spec.title},
                         margin={"l": 10, "r": 10, "t": 60, "b": 10})
    if spec.kind == "heatmap":
        figure.update_yaxes(title_text=_color_label(spec, columns))
    return figure


def _color_label(spec: ChartSpec, columns: tuple[ColumnInfo, ...]) -> str:
    labels = {info.name: info.label for info in columns}
    return escape_html(labels.get(spec.color or "", spec.color or ""), quote=False)


def _column(result: QueryResult, name: str | None) -> list[Any]:
    """The values of a column the spec names (ValueError when the spec leaves it unset, as for a missing one)."""
    if name is None:
        raise ValueError("the chart spec names no column here")
    index = result.columns.index(name)
    return [row[index] for row in result.rows]


def _category(value: Any) -> str:
    return "(blank)" if value is None else escape_html(format_value(value, "date"), quote=False)


def _apply_value_axis(figure: go.Figure, spec: ChartSpec, values: list[float | None], axis: str) -> None:
    present = [abs(v) for v in values if v is not None]
    settings = axis_format(spec.y_format, max_abs=max(present, default=None))
    update = figure.update_xaxes if axis == "x" else figure.update_yaxes
    update(title_text=spec.y_label, **settings)


def _hover(values: list[float | None], fmt: str) -> list[str]:
    return [format_value(value, fmt) for value in values]


def _metric_figure(spec: ChartSpec, result: QueryResult) -> go.Figure | None:
    value = as_number(_column(result, spec.y)[0])
    if value is None:
        return None
    number = _indicator_number(spec.y_format, value)
    return go.Figure(go.Indicator(mode="number", value=value, number=number,
                                  title={"text": spec.title}))


def _indicator_number(fmt: str, value: float) -> dict[str, str]:
    big = abs(value) >= 1e6
    if fmt == "currency":
        return {"prefix": "$", "valueformat": ".3~s" if big else ",.2f"}
    if fmt == "integer":
        return {"valueformat": ".3~s" if big else ",d"}
    if fmt == "percent":
        return {"valueformat": ".2%"}
    if fmt == "ratio":
        return {"valueformat": ".2f", "suffix": "x"}
    return {"valueformat": ".3~s" if big else ",.4~g"}


def _series_order(result: QueryResult, by: str | None, metric: str | None, descending: bool = True) -> list[Any]:
    """Values of `by` ordered by their summed metric (only used to order and cap, never shown as a total)."""
    totals: dict[Any, float] = {}
    for key, value in zip(_column(result, by), _column(result, metric), strict=False):
        totals[key] = totals.get(key, 0.0) + (as_number(value) or 0.0)
    return sorted(totals, key=lambda k: (-totals[k] if descending else totals[k], period_sort_key(k)))


def _line_figure(spec: ChartSpec, result: QueryResult) -> go.Figure:
    rows = sorted(zip(_column(result, spec.x), _column(result, spec.y),
                      _column(result, spec.color) if spec.color else [None] * len(result.rows), strict=False),
                  key=lambda row: period_sort_key(row[0]))
    groups = _series_order(result, spec.color, spec.y)[:MAX_SERIES] if spec.color else [None]
    figure = go.Figure()
    for group in groups:
        points = [(x, as_number(y)) for x, y, c in rows if c == group or spec.color is None]
        ys = [y for _, y in points]
        figure.add_trace(go.Scatter(x=[x for x, _ in points], y=ys, mode="lines+markers",
                                    name=_category(group) if spec.color else spec.y_label,
                                    text=_hover(ys, spec.y_format), hovertemplate="%{x}: %{text}"))
    if not all(isinstance(x, (dt.date, dt.datetime)) for x, _, _ in rows):
        figure.update_xaxes(type="category")
    elif spec.x_format in ("month", "quarter") and len({x for x, _, _ in rows}) <= 36:
        # One tick per period, named like the table ("Oct 2025"), not daily ticks between two months.
        figure.update_xaxes(tickformat="%b %Y", dtick="M1" if spec.x_format == "month" else "M3")
    figure.update_xaxes(title_text=spec.x_label)
    _apply_value_axis(figure, spec, [y for trace in figure.data for y in trace.y], "y")
    return figure


def _bar_figure(spec: ChartSpec, result: QueryResult) -> go.Figure:
    pairs = [(x, as_number(y)) for x, y in zip(_column(result, spec.x), _column(result, spec.y), strict=False)]
    if is_weekday_column([x for x, _ in pairs]):
        pairs.sort(key=lambda pair: period_sort_key(pair[0]))
    else:
        present = sorted(((x, y) for x, y in pairs if y is not None), key=lambda p: p[1],
                         reverse=spec.sort_descending is not False)
        pairs = [*present, *(p for p in pairs if p[1] is None)][:MAX_BARS]
    labels, values = [_category(x) for x, _ in pairs], [y for _, y in pairs]
    text = _hover(values, spec.y_format)
    if spec.horizontal:
        figure = go.Figure(go.Bar(x=values, y=labels, orientation="h", text=text, hovertemplate="%{y}: %{text}"))
        figure.update_yaxes(autorange="reversed", title_text=spec.x_label, type="category")
        _apply_value_axis(figure, spec, values, "x")
    else:
        figure = go.Figure(go.Bar(x=labels, y=values, text=text, hovertemplate="%{x}: %{text}"))
        figure.update_xaxes(title_text=spec.x_label, type="category")
        _apply_value_axis(figure, spec, values, "y")
    figure.update_traces(textposition="none")
    return figure


def _matrix(spec: ChartSpec, result: QueryResult, x_limit: int,
            color_limit: int) -> tuple[list[Any], list[Any], dict[tuple[Any, Any], float | None]]:
    """(x categories, colour categories, {(x, colour): value}) with both capped and ordered."""
    xs = _column(result, spec.x)
    x_order = (sorted(set(xs), key=period_sort_key) if is_weekday_column(xs)
               else _series_order(result, spec.x, spec.y, spec.sort_descending is not False))[:x_limit]
    colors = _series_order(result, spec.color, spec.y, spec.sort_descending is not False)[:color_limit]
    cells = {(x, c): as_number(y)
             for x, c, y in zip(xs, _column(result, spec.color), _column(result, spec.y), strict=False)}
    return x_order, colors, cells


def _grouped_figure(spec: ChartSpec, result: QueryResult) -> go.Figure:
    x_order, colors, cells = _matrix(spec, result, MAX_BARS, MAX_SERIES)
    labels = [_category(x) for x in x_order]
    figure = go.Figure()
    for color in colors:
        values = [cells.get((x, color)) for x in x_order]
        figure.add_trace(go.Bar(x=labels, y=values, name=_category(color), text=_hover(values, spec.y_format),
                                hovertemplate="%{x}: %{text}", textposition="none"))
    figure.update_layout(barmode="group")
    figure.update_xaxes(title_text=spec.x_label, type="category")
    _apply_value_axis(figure, spec, [v for trace in figure.data for v in trace.y], "y")
    return figure


def _heatmap_figure(spec: ChartSpec, result: QueryResult) -> go.Figure:
    x_order, colors, cells = _matrix(spec, result, MAX_BARS, MAX_BARS)
    z = [[cells.get((x, color)) for x in x_order] for color in colors]
    text = [_hover(row, spec.y_format) for row in z]
    settings = axis_format(spec.y_format, max_abs=max((abs(v) for row in z for v in row if v is not None),
                                                      default=None))
    colorbar = {"title": {"text": spec.y_label}, "tickformat": settings["tickformat"],
                "tickprefix": settings["tickprefix"], "ticksuffix": settings["ticksuffix"]}
    figure = go.Figure(go.Heatmap(x=[_category(x) for x in x_order], y=[_category(c) for c in colors], z=z,
                                  text=text, hovertemplate="%{x} / %{y}: %{text}<extra></extra>",
                                  colorscale="Blues", reversescale=spec.sort_descending is False,
                                  colorbar=colorbar))
    figure.update_xaxes(title_text=spec.x_label, type="category")
    figure.update_yaxes(type="category", autorange="reversed")
    return figure

"""Chart choice by result shape, and the plotly figures drawn from a spec."""
from __future__ import annotations

import datetime as dt

import plotly.graph_objects as go
import pytest

from query_engine.answer.chart import (
    COLORWAY,
    MAX_BARS,
    MAX_SERIES,
    TEMPLATE,
    ChartSpec,
    build_figure,
    chart_spec,
)
from query_engine.spec.query import ColumnInfo, QueryResult

CHANNEL = ColumnInfo("channel", "dimension", "Channel", "text")
DEVICE = ColumnInfo("device", "dimension", "Device", "text")
CAMPAIGN = ColumnInfo("campaign", "dimension", "Campaign", "text")
MONTH = ColumnInfo("month", "time", "Month", "date")
YEAR = ColumnInfo("year", "time", "Year", "date")
WEEKDAY = ColumnInfo("day_of_week", "time", "Day of week", "date")
START = ColumnInfo("start_date", "detail", "Start date", "date")
REVENUE = ColumnInfo("revenue", "metric", "Revenue", "currency", True)
SPEND = ColumnInfo("spend", "metric", "Spend", "currency", None)
CPA = ColumnInfo("cpa", "metric", "CPA", "currency", False)
CTR = ColumnInfo("ctr", "metric", "CTR", "percent", True)
ROAS = ColumnInfo("roas", "metric", "ROAS", "ratio", True)
CLICKS = ColumnInfo("clicks", "metric", "Clicks", "integer", True)
MONTHS = [dt.date(2024, m, 1) for m in range(1, 5)]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def _result(columns: tuple[ColumnInfo, ...], rows, truncated: bool = False) -> QueryResult:
    return QueryResult(tuple(c.name for c in columns), tuple(tuple(r) for r in rows), 1.0, truncated)


SHAPES = {
    "empty": ((CHANNEL, REVENUE), []),
    "single value": ((REVENUE,), [(1234.0,)]),
    "single row, one dimension": ((CHANNEL, ROAS), [("Meta", 3.2)]),
    "single row, two metrics": ((REVENUE, SPEND), [(10.0, 5.0)]),
    "time series": ((MONTH, REVENUE), [(m, 1.0) for m in MONTHS]),
    "time by dimension": ((MONTH, CHANNEL, REVENUE), [(m, c, 1.0) for m in MONTHS for c in ("Meta", "Email")]),
    "time by two dimensions": ((MONTH, CHANNEL, DEVICE, REVENUE), [(m, "Meta", d, 1.0) for m in MONTHS
                                                                  for d in ("mobile", "desktop")]),
    "year series": ((YEAR, CLICKS), [(2024, 5), (2025, 7)]),
    "day of week": ((WEEKDAY, CLICKS), [(d, 3) for d in DAYS]),
    "day of week by dimension": ((WEEKDAY, CHANNEL, CLICKS), [(d, c, 3) for d in DAYS for c in ("Meta", "Email")]),
    "category": ((CHANNEL, REVENUE), [("Meta", 5.0), ("Email", 3.0)]),
    "two dimensions": ((CHANNEL, DEVICE, REVENUE), [("Meta", "mobile", 5.0), ("Email", "desktop", 3.0)]),
    "two dimensions, many values": ((CAMPAIGN, DEVICE, REVENUE), [(f"C{i}", "mobile", float(i)) for i in range(9)]),
    "campaign list": ((CAMPAIGN, CHANNEL, START), [("Spring", "Meta", dt.date(2024, 3, 1))]),
    "metric without dimension": ((START, REVENUE), [(dt.date(2024, 3, 1), 1.0), (dt.date(2024, 4, 1), 2.0)]),
}


@pytest.mark.parametrize(
    ("shape", "kind", "x", "color"),
    [
        ("empty", "table", None, None),
        ("single value", "metric", None, None),
        ("single row, one dimension", "metric", None, None),
        ("single row, two metrics", "table", None, None),
        ("time series", "line", "month", None),
        ("time by dimension", "line", "month", "channel"),
        ("time by two dimensions", "table", None, None),
        ("year series", "line", "year", None),
        ("day of week", "bar", "day_of_week", None),
        ("day of week by dimension", "grouped_bar", "day_of_week", "channel"),
        ("category", "bar", "channel", None),
        ("two dimensions", "grouped_bar", "channel", "device"),
        ("two dimensions, many values", "heatmap", "campaign", "device"),
        ("campaign list", "table", None, None),
        ("metric without dimension", "table", None, None),
    ],
)
def test_chart_spec_kind_by_shape(shape, kind, x, color):
    columns, rows = SHAPES[shape]
    spec = chart_spec(_result(columns, rows), columns)
    assert (spec.kind, spec.x, spec.color) == (kind, x, color)


def test_chart_spec_bar_labels_and_direction():
    spec = chart_spec(_result((CHANNEL, CPA), [("Meta", 5.0), ("Email", 3.0)]), (CHANNEL, CPA))
    assert spec == ChartSpec("bar", x="channel", y="cpa", title="CPA by Channel", x_label="Channel", y_label="CPA",
                             y_format="currency", horizontal=False, sort_descending=False)


@pytest.mark.parametrize(
    ("rows", "horizontal"),
    [
        ([("Meta", 1.0), ("Email", 2.0)], False),
        ([("Black Friday Retargeting 2024", 1.0), ("Email", 2.0)], True),
        ([(f"c{i}", float(i)) for i in range(11)], True),
    ],
)
def test_chart_spec_horizontal_for_long_labels_or_many_bars(rows, horizontal):
    assert chart_spec(_result((CHANNEL, REVENUE), rows), (CHANNEL, REVENUE)).horizontal is horizontal


def test_chart_spec_title_says_bars_are_capped():
    rows = [(f"c{i}", float(i)) for i in range(45)]
    assert chart_spec(_result((CAMPAIGN, REVENUE), rows), (CAMPAIGN, REVENUE)).title == (
        "Revenue by Campaign (top 30 of 45 bars)")


def test_chart_spec_infers_columns_for_edited_sql():
    result = QueryResult(("channel", "ctr"), (("Meta", 0.02), ("Email", 0.03)), 1.0)
    spec = chart_spec(result, ())
    assert (spec.kind, spec.x, spec.y, spec.y_format, spec.y_label) == ("bar", "channel", "ctr", "percent", "CTR")


def _figure(columns, rows) -> go.Figure:
    result = _result(columns, rows)
    figure = build_figure(chart_spec(result, columns), result, columns)
    assert isinstance(figure, go.Figure)
    return figure


def test_build_figure_bar_sorted_with_currency_axis():
    figure = _figure((CHANNEL, REVENUE), [("Meta", 5.0), ("Email", 9.0), ("TikTok", None), ("Display", 7.5)])
    (bar,) = figure.data
    assert list(bar.x) == ["Email", "Display", "Meta", "TikTok"]
    assert list(bar.y) == [9.0, 7.5, 5.0, None]
    assert list(bar.text) == ["$9.00", "$7.50", "$5.00", "—"]
    assert figure.layout.yaxis.tickformat == "$,.2f"
    assert figure.layout.yaxis.title.text == "Revenue" and figure.layout.xaxis.title.text == "Channel"
    assert figure.layout.template.layout.to_plotly_json() == go.Figure(
        layout={"template": TEMPLATE}).layout.template.layout.to_plotly_json()
    assert list(figure.layout.colorway) == list(COLORWAY)


def test_build_figure_lower_is_better_bars_put_the_best_first():
    figure = _figure((CHANNEL, CPA), [("Meta", 5.0), ("Email", 9.0), ("Display", 2.0)])
    assert list(figure.data[0].x) == ["Display", "Meta", "Email"]


def test_build_figure_horizontal_bars_cap_at_thirty():
    rows = [(f"Campaign number {i}", float(i)) for i in range(40)]
    figure = _figure((CAMPAIGN, CLICKS), rows)
    (bar,) = figure.data
    assert bar.orientation == "h" and len(bar.y) == MAX_BARS
    assert bar.y[0] == "Campaign number 39" and bar.x[0] == 39.0
    assert figure.layout.xaxis.tickformat == ",d" and figure.layout.yaxis.autorange == "reversed"


def test_build_figure_line_sorted_by_time_with_percent_axis():
    rows = [(MONTHS[2], 0.03), (MONTHS[0], 0.01), (MONTHS[1], 0.02)]
    figure = _figure((MONTH, CTR), rows)
    (line,) = figure.data
    assert list(line.x) == MONTHS[:3] and list(line.y) == [0.01, 0.02, 0.03]
    assert figure.layout.yaxis.tickformat == ".1%" and figure.layout.xaxis.title.text == "Month"


def test_build_figure_line_per_dimension_value_with_ratio_axis():
    rows = [(m, c, v * (i + 1)) for i, m in enumerate(MONTHS) for c, v in (("Meta", 1.0), ("Email", 2.0))]
    figure = _figure((MONTH, CHANNEL, ROAS), rows)
    assert [trace.name for trace in figure.data] == ["Email", "Meta"]
    assert list(figure.data[0].y) == [2.0, 4.0, 6.0, 8.0] and list(figure.data[1].x) == MONTHS
    assert (figure.layout.yaxis.tickformat, figure.layout.yaxis.ticksuffix) == (".2f", "x")
    assert figure.layout.legend.title.text == "Channel"


def test_build_figure_line_caps_series():
    rows = [(m, f"c{i:02d}", float(i)) for m in MONTHS for i in range(15)]
    figure = _figure((MONTH, CAMPAIGN, CLICKS), rows)
    assert len(figure.data) == MAX_SERIES and figure.data[0].name == "c14"
    assert figure.layout.title.text == "Clicks by Month and Campaign (top 10 of 15 lines)"


def test_build_figure_year_axis_is_categorical():
    figure = _figure((YEAR, CLICKS), [(2025, 7), (2024, 5)])
    assert list(figure.data[0].x) == [2024, 2025] and figure.layout.xaxis.type == "category"


def test_build_figure_weekday_bars_in_weekday_order():
    rows = [(d, i) for i, d in enumerate(reversed(DAYS))]
    figure = _figure((WEEKDAY, CLICKS), rows)
    assert list(figure.data[0].x) == DAYS and list(figure.data[0].y) == [6, 5, 4, 3, 2, 1, 0]


def test_build_figure_grouped_bars_align_values():
    rows = [("Meta", "mobile", 5.0), ("Meta", "desktop", 1.0), ("Email", "mobile", 2.0)]
    figure = _figure((CHANNEL, DEVICE, SPEND), rows)
    assert figure.layout.barmode == "group"
    by_name = {trace.name: (list(trace.x), list(trace.y)) for trace in figure.data}
    assert by_name == {"mobile": (["Meta", "Email"], [5.0, 2.0]), "desktop": (["Meta", "Email"], [1.0, None])}


def test_build_figure_heatmap_matrix_and_colorbar_format():
    rows = [(f"C{i}", d, float(i) + (0.5 if d == "mobile" else 0.0)) for i in range(9) for d in ("mobile", "desktop")]
    figure = _figure((CAMPAIGN, DEVICE, CTR), [(c, d, v / 100) for c, d, v in rows])
    (heat,) = figure.data
    assert list(heat.x[:2]) == ["C8", "C7"] and list(heat.y) == ["mobile", "desktop"]
    assert heat.z[0][0] == pytest.approx(0.085) and heat.z[1][0] == pytest.approx(0.08)
    assert heat.colorbar.tickformat == ".1%" and figure.layout.yaxis.title.text == "Device"


@pytest.mark.parametrize(
    ("column", "value", "number"),
    [
        (REVENUE, 1234.5, {"prefix": "$", "valueformat": ",.2f"}),
        (REVENUE, 2_500_000.0, {"prefix": "$", "valueformat": ".3~s"}),
        (CTR, 0.0235, {"valueformat": ".2%"}),
        (ROAS, 3.21, {"valueformat": ".2f", "suffix": "x"}),
        (CLICKS, 1234, {"valueformat": ",d"}),
    ],
)
def test_build_figure_metric_card(column, value, number):
    figure = _figure((column,), [(value,)])
    (indicator,) = figure.data
    assert indicator.type == "indicator" and indicator.value == value
    assert indicator.number.to_plotly_json() == number
    assert indicator.title.text == column.label


@pytest.mark.parametrize("shape", ["empty", "campaign list", "single row, two metrics"])
def test_build_figure_none_for_tables(shape):
    columns, rows = SHAPES[shape]
    result = _result(columns, rows)
    assert build_figure(chart_spec(result, columns), result, columns) is None


def test_build_figure_none_when_columns_are_missing():
    result = _result((CHANNEL, REVENUE), [("Meta", 1.0), ("Email", 2.0)])
    assert build_figure(ChartSpec("bar", x="campaign", y="revenue"), result, (CHANNEL, REVENUE)) is None


def test_build_figure_draws_names_from_the_data_as_text_not_markup():
    from query_engine.answer.chart import build_figure, chart_spec
    from query_engine.spec.query import ColumnInfo, QueryResult

    planted = '<a href="javascript:alert(1)">Sale</a>'
    result = QueryResult(("campaign", "spend"), ((planted, 10.0), ("Brand", 5.0)), 1.0)
    columns = (ColumnInfo("campaign", "dimension", "<b>Campaign</b>", "text"),
               ColumnInfo("spend", "metric", "Spend", "currency"))
    figure = build_figure(chart_spec(result, columns), result, columns)
    drawn = repr(figure.to_dict())
    assert "<a href" not in drawn and "<b>" not in drawn
    assert "&lt;a href=" in drawn and "Sale&lt;/a&gt;" in drawn

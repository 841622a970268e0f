"""QuerySpecs as plain JSON-ready dicts and back: for history, the CLI and model output."""
from __future__ import annotations

import datetime as dt
from typing import Any

from query_engine.errors import SpecError
from query_engine.spec.query import (
    DateRange,
    Filter,
    Forecast,
    ForecastMethod,
    OrderBy,
    QuerySpec,
    Threshold,
    ThresholdOp,
)

_THRESHOLD_OPS: dict[str, ThresholdOp] = {">": ">", ">=": ">=", "<": "<", "<=": "<="}


def spec_to_dict(spec: QuerySpec) -> dict[str, Any]:
    """A JSON-ready dict of a spec (dates as ISO strings)."""
    window = spec.date_range
    return {
        "metrics": list(spec.metrics),
        "dimensions": list(spec.dimensions),
        "filters": [_filter_dict(f) for f in spec.filters],
        "date_range": None if window is None else {"start": window.start.isoformat(), "end": window.end.isoformat(),
                                                   "label": window.label, "field": window.field},
        "order_by": [{"field": o.field, "descending": o.descending} for o in spec.order_by],
        "limit": spec.limit,
        "thresholds": [{"metric": t.metric, "op": t.op, "value": t.value} for t in spec.thresholds],
        "share": spec.share,
        "periods": [_window_dict(w) for w in spec.periods],
        "limit_per": spec.limit_per,
        "count_of": spec.count_of,
        "part": [_filter_dict(f) for f in spec.part],
        "whole": spec.whole,
        "scaled": list(spec.scaled) if spec.scaled else None,
        "change": spec.change,
        "forecast": None if spec.forecast is None else {
            "start": spec.forecast.start.isoformat(), "end": spec.forecast.end.isoformat(),
            "method": spec.forecast.method, "target": spec.forecast.target},
    }


def spec_from_dict(data: dict[str, Any]) -> QuerySpec:
    """Rebuild a spec from spec_to_dict's form; raises SpecError on malformed input."""
    try:
        window = data.get("date_range")
        return QuerySpec(
            metrics=tuple(str(m) for m in data.get("metrics") or ()),
            dimensions=tuple(str(d) for d in data.get("dimensions") or ()),
            filters=tuple(_filter(f) for f in data.get("filters") or ()),
            date_range=None if not window else _window(window),
            order_by=tuple(OrderBy(str(o["field"]), bool(o.get("descending", True)))
                           for o in data.get("order_by") or ()),
            limit=int(data["limit"]) if data.get("limit") else None,
            thresholds=tuple(_threshold(t) for t in data.get("thresholds") or ()),
            forecast=_forecast(data.get("forecast")),
            share=bool(data.get("share", False)),
            periods=tuple(_window(w) for w in data.get("periods") or ()),
            limit_per=str(data["limit_per"]) if data.get("limit_per") else None,
            count_of=str(data["count_of"]) if data.get("count_of") else None,
            part=tuple(_filter(f) for f in data.get("part") or ()),
            whole=str(data["whole"]) if data.get("whole") else None,
            scaled=(str(data["scaled"][0]), float(data["scaled"][1])) if data.get("scaled") else None,
            change=str(data["change"]) if data.get("change") else None,
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise SpecError(f"That query description is malformed: {exc!r}.", hint="Pick a reading again.") from exc


def _filter_dict(filt: Filter) -> dict[str, Any]:
    return {"dimension": filt.dimension, "values": list(filt.values), "op": filt.op}


def _filter(data: dict[str, Any]) -> Filter:
    return Filter(str(data["dimension"]), tuple(str(v) for v in data["values"]),
                  "not_in" if data.get("op") == "not_in" else "in")


def _threshold(data: dict[str, Any]) -> Threshold:
    text = str(data["op"])
    op = _THRESHOLD_OPS.get(text)
    if op is None:
        raise ValueError(f"unknown comparison {text!r}")
    return Threshold(str(data["metric"]), op, float(data["value"]))


def _forecast(data: dict[str, Any] | None) -> Forecast | None:
    if not data:
        return None
    method: ForecastMethod = "last_year" if data.get("method") == "last_year" else "trend"
    target = data.get("target")
    return Forecast(dt.date.fromisoformat(data["start"]), dt.date.fromisoformat(data["end"]), method,
                    None if target is None else float(target))


def _window_dict(window: DateRange) -> dict[str, str]:
    return {"start": window.start.isoformat(), "end": window.end.isoformat(), "label": window.label,
            "field": window.field}


def _window(data: dict[str, Any]) -> DateRange:
    return DateRange(dt.date.fromisoformat(data["start"]), dt.date.fromisoformat(data["end"]),
                     str(data.get("label", "")), str(data.get("field", "date")))

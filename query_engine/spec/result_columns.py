"""Column roles, labels and formats guessed from values and names, for results of analyst-edited SQL."""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from query_engine.spec.calendar import weekday_number
from query_engine.spec.query import ColumnInfo, ColumnRole, QueryResult

_SAMPLE_ROWS = 1000
_TIME_WORDS = {"year", "month", "week", "day", "date", "quarter", "period", "dow", "weekday", "hour", "yr", "mon"}
_LIFECYCLE_WORDS = {"start", "end", "created", "updated", "launch", "launched", "started", "ended"}
_RATIO_WORDS = {"roas"}
_PERCENT_WORDS = {"ctr", "rate", "pct", "percent", "percentage", "share", "cvr"}
_CURRENCY_WORDS = {"spend", "revenue", "cost", "cpc", "cpa", "cpm", "budget", "amount", "price", "sales", "usd"}
_LOWER_WORDS = {"cpa", "cpc", "cpm", "cost"}
_HIGHER_WORDS = {"ctr", "roas", "revenue", "conversions", "conversion", "clicks", "impressions", "rate", "cvr"}
_ACRONYMS = {"ctr", "cpc", "cpa", "cpm", "roas", "cvr", "id", "usd", "apac", "latam"}
_PERIOD_TEXT = re.compile(r"^\d{4}(-\d{2}(-\d{2})?|-?[Qq][1-4]|-?W\d{1,2})$")


def name_words(name: str) -> list[str]:
    """The lowercase words of a column name: "avg_CPC (usd)" -> ["avg", "cpc", "usd"]."""
    return [word for word in re.split(r"[^a-z0-9]+", name.lower()) if word]


def weekday_index(value: Any) -> int | None:
    """0 for Monday through 6 for Sunday when `value` names a weekday ("Tue", "tuesday"), else None."""
    return weekday_number(value) if isinstance(value, str) else None


def is_weekday_column(values: list[Any]) -> bool:
    """True when every non-missing value names a weekday (a day-of-week bucket)."""
    present = [value for value in values if value is not None]
    return bool(present) and all(weekday_index(value) is not None for value in present)


def period_sort_key(value: Any) -> tuple[int, Any]:
    """A sort key that orders weekdays Monday first, dates and datetimes by time, numbers, then text."""
    if (day := weekday_index(value)) is not None:
        return (0, day)
    if isinstance(value, (dt.date, dt.datetime)):
        return (1, value.isoformat())
    if _is_number(value) and value == value:
        return (2, float(value))
    return (3, str(value))


def plural_label(label: str) -> str:
    """A label in the plural for counts: "Channel" -> "Channels", "Day of week" -> "Days of week"."""
    head, sep, tail = label.partition(" of ")
    if sep:
        return plural_label(head) + sep + tail
    if label.endswith("s"):
        return label
    if label.endswith("y") and label[-2:-1] not in ("a", "e", "i", "o", "u"):
        return label[:-1] + "ies"
    return label + "s"


def column_label(name: str) -> str:
    """A label for people: "total_spend" -> "Total spend", "roas" -> "ROAS"."""
    words = [word.upper() if word in _ACRONYMS else word for word in name_words(name)]
    if not words:
        return name
    first = words[0]
    words[0] = first if first.isupper() else first[:1].upper() + first[1:]
    return " ".join(words)


def infer_columns(result: QueryResult) -> tuple[ColumnInfo, ...]:
    """A ColumnInfo per result column, from Python value types and column-name keywords."""
    infos: list[ColumnInfo] = []
    for index, name in enumerate(result.columns):
        values = [row[index] for row in result.rows[:_SAMPLE_ROWS] if row[index] is not None]
        has_time = any(info.role == "time" for info in infos)
        infos.append(_infer_column(name, values, has_time))
    return tuple(infos)


def _infer_column(name: str, values: list[Any], has_time: bool) -> ColumnInfo:
    words = set(name_words(name))
    label = column_label(name)
    if not values:
        return ColumnInfo(name, "detail", label, "text")
    if all(isinstance(value, (dt.date, dt.datetime)) for value in values):
        role: ColumnRole = "detail" if has_time or words & _LIFECYCLE_WORDS else "time"
        return ColumnInfo(name, role, label, "date")
    if all(isinstance(value, str) for value in values):
        return _infer_text_column(name, values, words, has_time)
    if all(_is_number(value) for value in values):
        return _infer_number_column(name, values, words, has_time)
    return ColumnInfo(name, "detail", label, "text")


def _infer_text_column(name: str, values: list[Any], words: set[str], has_time: bool) -> ColumnInfo:
    label = column_label(name)
    periodic = is_weekday_column(values) or all(_PERIOD_TEXT.match(value.strip()) for value in values)
    if periodic and (words & _TIME_WORDS or is_weekday_column(values)) and not has_time:
        return ColumnInfo(name, "time", label, "date")
    return ColumnInfo(name, "dimension", label, "text")


def _infer_number_column(name: str, values: list[Any], words: set[str], has_time: bool) -> ColumnInfo:
    label = column_label(name)
    integral = all(float(value).is_integer() for value in values)
    if integral and words & _TIME_WORDS and not has_time:
        return ColumnInfo(name, "time", label, "date")
    if "id" in words:
        return ColumnInfo(name, "dimension", label, "text")
    return ColumnInfo(name, "metric", label, _metric_format(words, integral), _direction(words))


def _metric_format(words: set[str], integral: bool) -> str:
    if words & _RATIO_WORDS:
        return "ratio"
    if words & _PERCENT_WORDS:
        return "percent"
    if words & _CURRENCY_WORDS:
        return "currency"
    return "integer" if integral else "number"


def _direction(words: set[str]) -> bool | None:
    if words & _LOWER_WORDS:
        return False
    if words & _HIGHER_WORDS:
        return True
    return None


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, Decimal)) and not isinstance(value, bool)

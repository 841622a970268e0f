"""The typed values that cross stages: query specs, interpretations, refusals, results."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Any, Literal

FilterOp = Literal["in", "not_in"]
ColumnRole = Literal["time", "dimension", "metric", "detail"]
ThresholdOp = Literal[">", ">=", "<", "<="]
ForecastMethod = Literal["trend", "last_year"]


@dataclass(frozen=True)
class Filter:
    """Keep rows whose dimension value is (or is not) one of `values`."""

    dimension: str
    values: tuple[str, ...]
    op: FilterOp = "in"


@dataclass(frozen=True)
class DateRange:
    """An inclusive date window on a date field (`date`, `start_date` or `end_date`)."""

    start: dt.date
    end: dt.date
    label: str = ""
    field: str = "date"

    def describe(self) -> str:
        """Plain-English window with explicit dates."""
        span = f"{self.start.isoformat()} to {self.end.isoformat()}"
        return f"{self.label} ({span})" if self.label else span


@dataclass(frozen=True)
class OrderBy:
    """Sort on a metric or dimension name of the spec."""

    field: str
    descending: bool = True


@dataclass(frozen=True)
class Threshold:
    """Keep groups whose metric compares to `value` (e.g. ROAS > 3); applied after aggregation."""

    metric: str
    op: ThresholdOp
    value: float


@dataclass(frozen=True)
class Forecast:
    """Project the spec's time series over `start`..`end` (after the as-of date).

    method: "trend" (a statistical model chosen by backtest) or "last_year" (the same period a year
    earlier, scaled by the recent year-over-year change). `target` is a total to test against
    ("will we hit 500k revenue this quarter?").
    """

    start: dt.date
    end: dt.date
    method: ForecastMethod = "trend"
    target: float | None = None


@dataclass(frozen=True)
class QuerySpec:
    """What to compute: the contract between interpretation, SQL compilation and the UI."""

    metrics: tuple[str, ...] = ()
    dimensions: tuple[str, ...] = ()
    filters: tuple[Filter, ...] = ()
    date_range: DateRange | None = None
    order_by: tuple[OrderBy, ...] = ()
    limit: int | None = None
    thresholds: tuple[Threshold, ...] = ()
    forecast: Forecast | None = None
    share: bool = False  # add each row's share of the total of the first (additive) metric
    periods: tuple[DateRange, ...] = ()  # "Q3 2025 vs Q3 2024": only rows in one of these windows
    limit_per: str | None = None  # "top 2 channels in each region": the limit applies within each value of this
    count_of: str | None = None  # "how many ad groups spent over $5k": the number of this grouping's values that pass
    part: tuple[Filter, ...] = ()  # "what share of clicks came from mobile": the rows whose part of the whole is asked
    whole: str | None = None  # "what share of sales came from other SKUs": the first metric as a part of this one
    change: str | None = None  # "which channel grew the most": the first metric's change between the two periods,
    # ranked by "pct" (percent) or "abs" (the difference)
    scaled: tuple[str, float] | None = None  # "if spend rose 20% at the same ROAS": (measure, 1.2), arithmetic on
    # today's figures: each summed metric also shown times the factor, every rate unchanged

    def with_changes(self, **changes: Any) -> QuerySpec:
        """A copy with some fields replaced (specs are immutable)."""
        return replace(self, **changes)


@dataclass(frozen=True)
class Interpretation:
    """One concrete, runnable reading of a question."""

    spec: QuerySpec
    description: str
    distinction: str = ""
    confidence: float = 1.0
    rank: int = 1
    engine: str = "offline"  # "offline", or the model (e.g. "anthropic/claude-sonnet-4-5") that proposed it
    choices: tuple[tuple[str, str], ...] = ()  # (ambiguity, option taken): what picking it teaches


@dataclass(frozen=True)
class Refusal:
    """Why a question gets no query, and what could be asked instead."""

    reason: str
    suggestions: tuple[str, ...] = ()


@dataclass(frozen=True)
class Understanding:
    """The interpreter's answer to a question: ranked readings, or a refusal."""

    question: str
    as_of: dt.date
    interpretations: tuple[Interpretation, ...] = ()
    refusal: Refusal | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)
    intent: str = "answer"  # "answer", "forecast" (about dates after the data), "investigate" (a why question) or
    # "follow_up" (a refinement of the last answer's reading)
    question_id: str = ""  # ties the question's model calls together in the usage ledger
    cost_usd: float = 0.0  # what interpreting it cost (0 offline)
    definition: str = ""  # 'what does CPA mean': the semantic model's definition of the metric asked about


@dataclass(frozen=True)
class ColumnInfo:
    """What a result column means: its role, a label for people and a display format."""

    name: str
    role: ColumnRole
    label: str
    format: str = "number"  # number | integer | currency | percent | ratio | date | text
    higher_is_better: bool | None = None


@dataclass(frozen=True)
class QueryResult:
    """Rows returned by the executor, with timing and whether the row cap cut them."""

    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
    elapsed_ms: float
    truncated: bool = False

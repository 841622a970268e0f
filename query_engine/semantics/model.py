"""The semantic model: tables, dimensions, metrics and the words analysts use for them."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml

from query_engine.errors import SemanticModelError
from query_engine.semantics.formula import FormulaError, formula_measures

Direction = Literal["higher", "lower", "neutral"]
DEFAULT_MODEL_PATH = Path(__file__).resolve().parents[2] / "data" / "semantic_model.yaml"
AGGREGATIONS = ("sum", "count", "count_distinct", "avg", "min", "max", "weighted_avg")


@dataclass(frozen=True)
class Table:
    """A table of the model, with its SQL alias."""

    name: str
    alias: str
    description: str = ""
    time_column: str | None = None
    lifecycle: tuple[str, str] | None = None  # (start column, end column)


@dataclass(frozen=True)
class Dimension:
    """A column to group or filter by."""

    name: str
    table: str
    column: str
    label: str
    description: str = ""
    synonyms: tuple[str, ...] = ()
    entity: bool = False
    details: tuple[str, ...] = ()
    value_synonyms: dict[str, tuple[str, ...]] = field(default_factory=dict)
    bare_values: tuple[str, ...] | None = None  # None: every value may match by its own name
    time_part: str | None = None  # month names, weekdays, day of month: ordered like a calendar, not by value

    def value_matches_bare(self, value: str) -> bool:
        """Whether a value's own name, alone in a question, means a filter on it."""
        return self.bare_values is None or value in self.bare_values


@dataclass(frozen=True)
class DateField:
    """A date column that a time window can apply to."""

    name: str
    table: str
    column: str
    label: str
    synonyms: tuple[str, ...] = ()


@dataclass(frozen=True)
class TimeGrain:
    """A way to bucket dates: day, week, month, quarter, year, day of week."""

    name: str
    label: str
    synonyms: tuple[str, ...] = ()


@dataclass(frozen=True)
class Metric:
    """A measure (an aggregate of a column) or a derived ratio of two measures' sums."""

    name: str
    label: str
    format: str
    direction: Direction
    description: str = ""
    synonyms: tuple[str, ...] = ()
    weak_synonyms: tuple[str, ...] = ()
    table: str | None = None
    aggregation: str | None = None
    column: str | None = None
    numerator: str | None = None
    denominator: str | None = None
    multiplier: float = 1.0
    formula: str | None = None  # calculated metrics: arithmetic over measures, e.g. "revenue - spend"
    weight: str | None = None  # weighted_avg: the column of the same table that weighs each row's value
    per_period: tuple[str, str] | None = None  # ("spend", "day"): average daily spend, a sum over the periods it spans

    @property
    def is_ratio(self) -> bool:
        """True for derived metrics such as CTR or ROAS."""
        return self.numerator is not None

    @property
    def is_derived(self) -> bool:
        """True for ratios, per-period averages and calculated metrics: computed from other measures."""
        return self.is_ratio or self.formula is not None or self.per_period is not None


@dataclass(frozen=True)
class Join:
    """How `table` joins `to` another table."""

    table: str
    to: str
    using: tuple[str, ...]


@dataclass(frozen=True)
class SemanticModel:
    """Everything the interpreter and compiler know about a dataset."""

    name: str
    tables: dict[str, Table]
    base_table: str
    joins: tuple[Join, ...]
    dimensions: dict[str, Dimension]
    date_fields: dict[str, DateField]
    time_grains: dict[str, TimeGrain]
    metrics: dict[str, Metric]
    performance_metrics: dict[str, tuple[str, ...]] = field(default_factory=dict)
    description: str = ""
    default_metrics: tuple[str, ...] = ()
    personal_columns: tuple[str, ...] = ()  # columns naming one person (email, user id): never shown
    personal_words: tuple[str, ...] = ()  # phrases that ask for those person-level identifiers

    def metric(self, name: str) -> Metric:
        """The metric called `name`, or a SemanticModelError naming the known ones."""
        return _lookup(self.metrics, name, "metric")

    def dimension(self, name: str) -> Dimension:
        """The dimension called `name`, or a SemanticModelError naming the known ones."""
        return _lookup(self.dimensions, name, "dimension")

    def measures_of(self, metric_name: str) -> tuple[Metric, ...]:
        """The base measures a metric is computed from (itself, or a ratio's two parts)."""
        metric = self.metric(metric_name)
        if metric.per_period:
            return (self.metric(metric.per_period[0]),)
        if metric.formula:
            return tuple(self.metric(n) for n in formula_measures(metric.formula, self.base_measures()))
        if not metric.is_ratio:
            return (metric,)
        return (self.metric(metric.numerator or ""), self.metric(metric.denominator or ""))

    def base_measures(self) -> set[str]:
        """Names of the metrics that aggregate a column (what ratios and formulas are built from)."""
        return {n for n, m in self.metrics.items() if not m.is_derived}

    def table_of(self, name: str) -> str:
        """The table that holds a dimension, date field or base measure."""
        for group in (self.dimensions, self.date_fields):
            if name in group:
                return group[name].table
        if name in self.time_grains:
            return self.time_table
        metric = self.metric(name)
        if metric.is_derived:
            raise SemanticModelError(f"'{name}' is derived and lives in no single table.")
        return metric.table or self.base_table

    @property
    def time_table(self) -> str:
        """The table whose time column the date grains bucket."""
        for table in self.tables.values():
            if table.time_column:
                return table.name
        return self.base_table

    @property
    def time_column(self) -> str | None:
        """The fact table's date column, if the model has one."""
        return self.tables[self.time_table].time_column

    def columns_by_table(self) -> dict[str, set[str]]:
        """Every column the model exposes, per table: what the SQL guard allows."""
        cols: dict[str, set[str]] = {name: set() for name in self.tables}
        for item in _columns(self):
            cols[item.table].add(item.column)
        for metric in self.metrics.values():
            if metric.column and metric.table:
                cols[metric.table].add(metric.column)
                if metric.weight:
                    cols[metric.table].add(metric.weight)
        for join in self.joins:
            cols[join.table].update(join.using)
            cols[join.to].update(join.using)
        for table in self.tables.values():
            if table.time_column:
                cols[table.name].add(table.time_column)
            if table.lifecycle:
                cols[table.name].update(table.lifecycle)
        return cols


def _lookup(items: dict[str, Any], name: str, kind: str) -> Any:
    if name not in items:
        known = ", ".join(sorted(items))
        raise SemanticModelError(f"Unknown {kind} '{name}'.", hint=f"Known {kind}s: {known}.")
    return items[name]


def load_semantic_model(path: str | Path = DEFAULT_MODEL_PATH) -> SemanticModel:
    """Read and validate a semantic model YAML file."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise SemanticModelError(f"No semantic model at {path}.", hint="Check the path.") from exc
    except yaml.YAMLError as exc:
        raise SemanticModelError(f"The semantic model {path.name} is not valid YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise SemanticModelError(f"The semantic model {path.name} must be a mapping.")
    return semantic_model_from_dict(raw)


def semantic_model_from_dict(raw: dict[str, Any]) -> SemanticModel:
    """Build and validate a SemanticModel from its parsed YAML form."""
    try:
        model = SemanticModel(
            name=str(raw.get("name", "dataset")),
            description=str(raw.get("description", "")),
            tables={n: _table(n, t) for n, t in raw["tables"].items()},
            base_table=raw.get("base_table") or next(iter(raw["tables"])),
            joins=tuple(Join(j["table"], j["to"], tuple(j["using"])) for j in raw.get("joins") or ()),
            dimensions={n: _dimension(n, d) for n, d in (raw.get("dimensions") or {}).items()},
            date_fields={n: _date_field(n, d) for n, d in (raw.get("date_fields") or {}).items()},
            time_grains={n: _grain(n, g) for n, g in (raw.get("time_grains") or {}).items()},
            metrics={n: _metric(n, m) for n, m in raw["metrics"].items()},
            performance_metrics={k: tuple(v) for k, v in (raw.get("performance_metrics") or {}).items()},
            default_metrics=tuple(raw.get("default_metrics") or tuple(raw["metrics"])[:4]),
            personal_columns=tuple(str(c) for c in raw.get("personal_columns") or ()),
            personal_words=tuple(str(w).lower() for w in raw.get("personal_words") or ()),
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise SemanticModelError(f"The semantic model is incomplete or malformed: {exc!r}.") from exc
    _validate(model)
    return model


def _synonyms(item: dict[str, Any]) -> tuple[str, ...]:
    return tuple(str(s).lower() for s in item.get("synonyms") or ())


def _table(name: str, t: dict[str, Any]) -> Table:
    life = t.get("lifecycle")
    return Table(name, t.get("alias", name[:1]), t.get("description", ""), t.get("time_column"),
                 (life["start"], life["end"]) if life else None)


def _dimension(name: str, d: dict[str, Any]) -> Dimension:
    values = {str(v): tuple(str(s).lower() for s in syns or ()) for v, syns in (d.get("value_synonyms") or {}).items()}
    bare = d.get("bare_values")
    return Dimension(name, d["table"], d["column"], d.get("label", name.title()), d.get("description", ""),
                     _synonyms(d), bool(d.get("entity", False)), tuple(d.get("details") or ()), values,
                     None if bare is None else tuple(str(b) for b in bare), d.get("time_part"))


def _date_field(name: str, d: dict[str, Any]) -> DateField:
    return DateField(name, d["table"], d["column"], d.get("label", name), _synonyms(d))


def _grain(name: str, g: dict[str, Any]) -> TimeGrain:
    return TimeGrain(name, (g or {}).get("label", name.title()), _synonyms(g or {}))


def _metric(name: str, m: dict[str, Any]) -> Metric:
    ratio = m.get("ratio") or {}
    return Metric(
        name=name, label=m.get("label", name), format=m.get("format", "number"),
        direction=m.get("direction", "neutral"), description=m.get("description", ""),
        synonyms=_synonyms(m), weak_synonyms=tuple(str(w).lower() for w in m.get("weak_synonyms") or ()),
        table=m.get("table"), aggregation=m.get("aggregation"),
        column=m.get("column"), numerator=ratio.get("numerator"), denominator=ratio.get("denominator"),
        multiplier=float(ratio.get("multiplier", m.get("multiplier", 1.0))), formula=m.get("formula"),
        weight=m.get("weight"),
    )


def _validate(model: SemanticModel) -> None:
    problems = [f"base table '{model.base_table}' is not a table"] if model.base_table not in model.tables else []
    for item in _columns(model):
        if item.table not in model.tables:
            problems.append(f"'{item.name}' refers to unknown table '{item.table}'")
    for metric in model.metrics.values():
        problems.extend(_metric_problems(model, metric))
    problems.extend(f"default metric '{m}' is not a metric" for m in model.default_metrics if m not in model.metrics)
    for words in model.performance_metrics.values():
        problems.extend(f"performance metric '{w}' is not a metric" for w in words if w not in model.metrics)
    if problems:
        details = "; ".join(p.rstrip(".") for p in problems)
        raise SemanticModelError(f"The semantic model is inconsistent: {details}.")


def _columns(model: SemanticModel) -> tuple[Dimension | DateField, ...]:
    """The model's dimensions and date fields: each names a column of a table."""
    return (*model.dimensions.values(), *model.date_fields.values())


def _metric_problems(model: SemanticModel, metric: Metric) -> list[str]:
    if metric.formula:
        try:
            formula_measures(metric.formula, model.base_measures())
        except FormulaError as exc:
            return [f"metric '{metric.name}': {exc}"]
        return []
    if metric.is_ratio:
        parts = (metric.numerator, metric.denominator)
        return [f"ratio '{metric.name}' uses unknown measure '{p}'" for p in parts
                if p not in model.metrics or model.metrics[p].is_ratio]
    if metric.aggregation not in AGGREGATIONS:
        return [f"metric '{metric.name}' has unknown aggregation '{metric.aggregation}'"]
    if metric.table not in model.tables or not metric.column:
        return [f"metric '{metric.name}' needs a known table and a column"]
    if (metric.aggregation == "weighted_avg") != bool(metric.weight):
        return [f"metric '{metric.name}': a weighted_avg needs a weight column, and only it takes one"]
    return []

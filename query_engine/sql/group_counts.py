"""Count the groups that pass: 'how many ad groups spent over $5k' is a count over the grouped, filtered rows."""
from __future__ import annotations

from sqlglot import exp

from query_engine.semantics.model import SemanticModel
from query_engine.spec.query import ColumnInfo
from query_engine.spec.result_columns import plural_label


def count_groups(grouped: exp.Select, columns: tuple[ColumnInfo, ...], counted: str,
                 model: SemanticModel) -> tuple[exp.Select, tuple[ColumnInfo, ...]]:
    """SELECT COUNT(counted) over `grouped` (one row per group, its HAVING already applied), per any other grouping.

    A blank value is no ad group, so it is not counted; the other groupings stay, each with its own count."""
    others = [c for c in columns if c.role in ("dimension", "time") and c.name != counted]
    name = f"{counted}_count"
    count = exp.alias_(exp.Count(this=exp.column(counted)), name)
    select = exp.select(*(exp.column(c.name) for c in others), count).from_(grouped.subquery("grouped"))
    if others:
        select = select.group_by(*(exp.column(c.name) for c in others))
        select = select.order_by(*(exp.Ordered(this=exp.column(c.name), desc=False) for c in others))
    info = ColumnInfo(name, "metric", f"Number of {plural_label(_label(counted, model).lower())}", "integer")
    return select, (*others, info)


def _label(name: str, model: SemanticModel) -> str:
    for group in (model.dimensions, model.time_grains, model.date_fields):
        if name in group:
            return group[name].label
    return name.replace("_", " ")

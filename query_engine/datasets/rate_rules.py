"""Metrics from measure columns, by the lexicon's rules: volumes summed, rates never.

A rate is the ratio of its inputs' sums wherever the inputs exist (a stored rate column is then only a second
reading); without inputs it is the mean weighted by its natural volume, with the plain mean as the other reading.
A stored percent is read in the unit of a computed fraction. Inference and the model editor both build metrics here.
"""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from query_engine.datasets.column_lexicon import MeasureRule, header_synonyms, lexicon, measure_meaning
from query_engine.datasets.column_roles import ColumnFacts

Candidates = Mapping[str, Sequence[ColumnFacts]]  # meaning -> its columns, the chosen one first


def key_of(name: str) -> str:
    """A column or phrase as a model name: 'Cost (€)' -> 'cost'."""
    return re.sub(r"[^A-Za-z0-9]+", "_", name).strip("_").lower() or "column"


def unique(phrases: Sequence[str]) -> list[str]:
    """Lowercased, trimmed phrases without repeats, in order."""
    return list(dict.fromkeys(p.strip().lower() for p in phrases if p and p.strip()))


def fitting(phrases: Sequence[str], meaning: str, money: bool) -> list[str]:
    """Borrowed phrases that the lexicon reads as this meaning or as none ('reach' never fits impressions)."""
    return [p for p in phrases if measure_meaning(p, money) in (None, meaning)]


def volume_metrics(table: str, found: Candidates, demo: Mapping[str, Any]) -> tuple[dict[str, Any], list[Any]]:
    """One summed metric per volume column; a meaning's first column takes its name, the others are readings."""
    metrics: dict[str, Any] = {}
    ambiguities = []
    for meaning, columns in found.items():
        rule = lexicon().rule(meaning)
        if rule is None or rule.kind != "volume":
            continue
        names = []
        for i, f in enumerate(columns):
            name = meaning if i == 0 else free_name(metrics, key_of(f.name))
            metrics[name] = _volume(table, f, rule, demo.get(meaning, {}), first=i == 0)
            names.append(name)
        if len(names) > 1:
            ambiguities.append({"meaning": meaning, "phrase": meaning.replace("_", " "), "metrics": names,
                                "columns": [f.name for f in columns]})
            for name in names:
                metrics[name]["alternatives"] = [n for n in names if n != name]
    _stand_ins(metrics, demo)
    return metrics, ambiguities


def _stand_ins(metrics: dict[str, Any], demo: Mapping[str, Any]) -> None:
    """A volume that stands for a meaning no column has (GA4's key events for conversions) takes its words."""
    for rule in lexicon().measures:
        other = rule.stands_for
        if rule.kind == "volume" and other and rule.key in metrics and other not in metrics:
            words = [other.replace("_", " "), *fitting(demo.get(other, {}).get("synonyms", ()), other, False)]
            metrics[rule.key]["synonyms"] = unique([*metrics[rule.key]["synonyms"], *words])
            metrics[rule.key]["description"] += f" It stands for {other.replace('_', ' ')} (no column of those)."


def _volume(table: str, f: ColumnFacts, rule: MeasureRule, demo: Mapping[str, Any], first: bool) -> dict[str, Any]:
    label = (demo.get("label") or rule.label or f.source) if first else f.source
    money = rule.format == "currency"
    borrowed = fitting(demo.get("synonyms", ()), rule.meaning, money) if first else []
    metric = {"label": label, "table": table, "aggregation": "sum", "column": f.name,
              "format": column_format(f, rule.format), "direction": demo.get("direction", rule.direction),
              "description": f"{rule.label or label}: the sum of the column '{f.source}'.",
              "synonyms": unique([*header_synonyms(f.source), *(rule.synonyms if first else (rule.meaning,)),
                                  *borrowed])}
    if first and demo.get("weak_synonyms"):
        metric["weak_synonyms"] = list(demo["weak_synonyms"])
    return metric


def derived_rates(metrics: Mapping[str, Any], demo: Mapping[str, Any]) -> dict[str, Any]:
    """Every lexicon rate whose inputs the model measures, as a ratio of their sums."""
    out: dict[str, Any] = {}
    for rule in lexicon().measures:
        pair = inputs_of(rule, metrics)
        if rule.kind == "rate" and pair and rule.key not in metrics and rule.key not in out:
            out[rule.key] = ratio_metric(rule, pair, demo.get(rule.key, {}))
    return out


def complement_rates(metrics: Mapping[str, Any]) -> dict[str, Any]:
    """Rates that are one minus another rate of the model ('bounce rate' = 1 - engagement rate), as formulas; only
    where the rate's own weight is held (a bounce rate is of sessions, never one minus engagements per impression)."""
    out: dict[str, Any] = {}
    for rule in lexicon().measures:
        base = metrics.get(rule.complement) if rule.complement else None
        if rule.weight and not any(w in metrics for w in rule.weight):
            continue
        formula = _one_minus(rule.complement, base) if base and rule.key not in metrics else None
        if formula and base:
            out[rule.key] = {"label": rule.label, "formula": formula, "format": rule.format,
                             "direction": rule.direction, "synonyms": unique([rule.key.replace("_", " "),
                                                                              *rule.synonyms]),
                             "description": f"{rule.label} = {formula.replace('_', ' ')}: one minus the "
                                            f"{str(base['label']).lower()}."}
    return out


def _one_minus(name: str, base: Mapping[str, Any]) -> str | None:
    """The formula of one minus a rate: its ratio of sums, or its stored values averaged as the model does."""
    ratio = base.get("ratio")
    if ratio:
        part, scale = f"{ratio['numerator']} / {ratio['denominator']}", float(ratio.get("multiplier", 1))
    elif base.get("aggregation") in ("avg", "weighted_avg"):
        part, scale = name, float(base.get("multiplier", 1))
    else:
        return None
    return f"1 - {part}" + (f" * {scale:g}" if scale != 1 else "")


def inputs_of(rule: MeasureRule, metrics: Mapping[str, Any]) -> tuple[str, str] | None:
    """The first pair of the rule's inputs that the model has as summed measures."""
    return next(((a, b) for a, b in rule.inputs if is_summed(metrics.get(a)) and is_summed(metrics.get(b))), None)


def is_summed(metric: Mapping[str, Any] | None) -> bool:
    """Whether a model metric (as a dict) sums a column."""
    return bool(metric) and metric.get("aggregation") == "sum"  # type: ignore[union-attr]


def ratio_metric(rule: MeasureRule, pair: tuple[str, str], demo: Mapping[str, Any], *, label: str = "",
                 synonyms: Sequence[str] = ()) -> dict[str, Any]:
    """A rate as the ratio of two summed measures (times the rule's multiplier)."""
    ratio: dict[str, Any] = {"numerator": pair[0], "denominator": pair[1]}
    if rule.multiplier != 1:
        ratio["multiplier"] = rule.multiplier
    own = list(synonyms) or [*rule.synonyms, *fitting(demo.get("synonyms", ()), rule.meaning, False)]
    name = label or rule.label
    return {"label": name, "ratio": ratio, "format": rule.format, "direction": rule.direction,
            "description": f"{name} = {pair[0].replace('_', ' ')} / {pair[1].replace('_', ' ')}"
                           + (f" x {rule.multiplier:g}" if rule.multiplier != 1 else "") + ", a ratio of sums.",
            "synonyms": unique([rule.key.replace("_", " "), *own])}


def column_format(f: ColumnFacts, default: str) -> str:
    """A measure's display format: a stored percent stays one; money, percent and ratio rules keep theirs."""
    if f.kind == "percent":
        return "percent"
    if default in ("currency", "percent", "ratio"):
        return default
    return {"currency": "currency", "integer": "integer"}.get(f.kind, default)


def free_name(items: Mapping[str, Any], name: str) -> str:
    """`name`, or `name_2`, `name_3`, ... when it is taken."""
    candidate, number = name, 2
    while candidate in items:
        candidate, number = f"{name}_{number}", number + 1
    return candidate

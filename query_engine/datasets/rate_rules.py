"""Metrics from measure columns, by the lexicon's rules: volumes summed, rates never.

A rate is the ratio of its inputs' sums wherever the inputs exist (a stored rate column is then only a second
reading); without inputs it is the mean weighted by its natural volume, with the plain mean as the other reading.
A stored percent is read in the unit of a computed fraction. Inference and the model editor both build metrics here.
"""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from query_engine.datasets.column_lexicon import MeasureRule, header_synonyms, lexicon, measure_meaning, measure_words
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
            name = meaning if i == 0 else _free(metrics, key_of(f.name))
            metrics[name] = _volume(table, f, rule, demo.get(meaning, {}), first=i == 0)
            names.append(name)
        if len(names) > 1:
            ambiguities.append({"meaning": meaning, "phrase": meaning.replace("_", " "), "metrics": names,
                                "columns": [f.name for f in columns]})
            for name in names:
                metrics[name]["alternatives"] = [n for n in names if n != name]
    return metrics, ambiguities


def _volume(table: str, f: ColumnFacts, rule: MeasureRule, demo: Mapping[str, Any], first: bool) -> dict[str, Any]:
    label = (demo.get("label") or rule.label or f.source) if first else f.source
    money = rule.format == "currency"
    borrowed = fitting(demo.get("synonyms", ()), rule.meaning, money) if first else []
    metric = {"label": label, "table": table, "aggregation": "sum", "column": f.name,
              "format": _format(f, rule.format), "direction": demo.get("direction", rule.direction),
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


def inputs_of(rule: MeasureRule, metrics: Mapping[str, Any]) -> tuple[str, str] | None:
    """The first pair of the rule's inputs that the model has as summed measures."""
    return next(((a, b) for a, b in rule.inputs if _summed(metrics.get(a)) and _summed(metrics.get(b))), None)


def _summed(metric: Mapping[str, Any] | None) -> bool:
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


class StoredRates:
    """Metrics for rate columns the export stores: a second reading beside the ratio, or a weighted mean."""

    def __init__(self, table: str, metrics: dict[str, Any], found: Candidates) -> None:
        self.table, self.metrics, self.found = table, metrics, found
        self.ambiguities: list[dict[str, Any]] = []
        self.notes: dict[str, tuple[str, str]] = {}  # column -> (note, doubt)

    def add(self, f: ColumnFacts, rule: MeasureRule) -> None:
        """Place one stored rate column."""
        pair = inputs_of(rule, self.metrics)
        if pair:
            name = self._ratio_for(f, rule, pair)
            self._reported(f, rule, name)
        else:
            self._mean(f, rule)

    def _ratio_for(self, f: ColumnFacts, rule: MeasureRule, pair: tuple[str, str]) -> str:
        """The ratio this column reports: the plain one, or one over a qualified input ('Outbound CTR')."""
        qualifier = " ".join(w for w in re.sub(rule.pattern, " ", measure_words(f.source)).split() if len(w) > 1)
        numerators = self.found.get(pair[0], ())
        wanted = set(qualifier.split())
        match = next((c for c in numerators if wanted and wanted <= set(c.words.split())), None)
        if match is None or match is numerators[0]:
            return rule.key
        numerator = next(n for n, m in self.metrics.items() if m.get("column") == match.name)
        name = _free(self.metrics, key_of(f"{qualifier} {rule.key}"))
        label = f"{qualifier.capitalize()} {rule.label}"
        self.metrics[name] = ratio_metric(rule, (numerator, pair[1]), {}, label=label,
                                          synonyms=header_synonyms(f.source))
        return name

    def _reported(self, f: ColumnFacts, rule: MeasureRule, ratio: str) -> None:
        name = _free(self.metrics, key_of(f.name) + "_reported")
        words = header_synonyms(f.source)
        self.metrics[name] = self._average(f, rule, f"{f.source} (as reported, averaged)",
                                           [*(f"reported {w}" for w in words), *(f"{w} as reported" for w in words)])
        label = self.metrics[ratio]["label"]
        self.notes[f.name] = (f"a stored rate: {label} is the ratio of sums; this column is a second reading "
                              f"('{name}')", "")

    def _mean(self, f: ColumnFacts, rule: MeasureRule) -> None:
        base = rule.key if rule.key != "rate" and rule.key not in self.metrics else key_of(f.name)
        name = _free(self.metrics, base)
        label = rule.label or f.source
        synonyms = unique([*header_synonyms(f.source), *rule.synonyms])
        weight = self._weight(rule)
        names = [name]
        if weight:
            self.metrics[name] = self._average(f, rule, f"{label} (weighted by {weight[1]})", synonyms, weight[0])
            plain = _free(self.metrics, f"{name}_mean")
            self.metrics[plain] = self._average(f, rule, f"{label} (plain average)", synonyms)
            names.append(plain)
            self.ambiguities.append({"meaning": rule.meaning, "phrase": name.replace("_", " "), "metrics": names,
                                     "columns": [f.name, f.name]})
            for n in names:
                self.metrics[n]["alternatives"] = [o for o in names if o != n]
        else:
            self.metrics[name] = self._average(f, rule, f"{label} (average)", synonyms)
        how = f"weighted by {weight[1]}, the plain mean a second reading" if weight else "the plain mean per row"
        self.notes[f.name] = (f"a stored rate without its inputs: {how}", "a rate without inputs")

    def _weight(self, rule: MeasureRule) -> tuple[str, str] | None:
        for meaning in rule.weight:
            metric = self.metrics.get(meaning)
            if _summed(metric) and metric and metric.get("table") == self.table:
                return str(metric["column"]), str(metric["label"]).lower()
        return None

    def _average(self, f: ColumnFacts, rule: MeasureRule, label: str, synonyms: Sequence[str],
                 weight: str | None = None) -> dict[str, Any]:
        metric: dict[str, Any] = {
            "label": label, "table": self.table, "aggregation": "weighted_avg" if weight else "avg",
            "column": f.name, "format": _format(f, rule.format), "direction": rule.direction,
            "description": f"The stored '{f.source}' averaged over rows"
                           + (f" weighted by the column {weight}" if weight else "") + " (a rate: not summed).",
            "synonyms": unique(list(synonyms))}
        if weight:
            metric["weight"] = weight
        if rule.format == "percent" and f.kind != "percent" and f.high is not None and float(f.high) > 1.5:
            metric["multiplier"] = 0.01  # percent points stored as plain numbers, shown as the computed fractions
        return metric


def _format(f: ColumnFacts, default: str) -> str:
    if f.kind == "percent":
        return "percent"
    if default in ("currency", "percent", "ratio"):
        return default
    return {"currency": "currency", "integer": "integer"}.get(f.kind, default)


def _free(items: Mapping[str, Any], name: str) -> str:
    candidate, number = name, 2
    while candidate in items:
        candidate, number = f"{name}_{number}", number + 1
    return candidate

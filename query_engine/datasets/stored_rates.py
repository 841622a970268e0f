"""Rate columns an export stores (CTR, Cost / conv., ROAS, eCPC): the ratio of sums they report, or a weighted mean.

A stored rate beside its inputs is read as the ratio of its inputs' sums and the column stays a second reading.
Which of the file's columns those inputs are comes from the stored values themselves where the data can be read
(Pinterest's eCPC is spend over outbound clicks, not pin clicks), else from the header's qualifier ('Outbound CTR').
The stored header's own words ('cost / conv', 'checkout roas') then ask for the ratio it reports.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from query_engine.datasets.column_lexicon import MeasureRule, header_synonyms, measure_rule, measure_words
from query_engine.datasets.column_roles import ColumnFacts
from query_engine.datasets.rate_rules import (
    Candidates,
    column_format,
    free_name,
    inputs_of,
    is_summed,
    key_of,
    ratio_metric,
    unique,
)

# (stored rate column, [(numerator column, denominator column)], multiplier) -> the share of rows each pair reproduces
RateCheck = Callable[[str, Sequence[tuple[str, str]], float], Sequence[float]]
FITS = 0.8  # a pair reproduces a stored rate when it gives the stored value on this share of the informative rows
TIE = 0.02  # pairs this close to the best fit count as fitting as well: the preferred one wins


class StoredRates:
    """Metrics for rate columns the export stores: a second reading beside the ratio, or a weighted mean."""

    def __init__(self, table: str, metrics: dict[str, Any], found: Candidates, check: RateCheck | None = None) -> None:
        self.table, self.metrics, self.found, self.check = table, metrics, found, check
        self.ambiguities: list[dict[str, Any]] = []
        self.notes: dict[str, tuple[str, str]] = {}  # column -> (note, doubt)

    def add(self, f: ColumnFacts, rule: MeasureRule) -> None:
        """Place one stored rate column."""
        pair = inputs_of(rule, self.metrics)
        if pair:
            name = self._ratio_for(f, rule, self._reproduced(f, rule) or self._qualified(f, rule, pair))
            self._reported(f, rule, name)
        else:
            self._mean(f, rule)

    def _reproduced(self, f: ColumnFacts, rule: MeasureRule) -> tuple[str, str] | None:
        """The pair of the file's summed measures whose ratio the stored values are, when the data says so."""
        pairs = [(n, d) for a, b in rule.inputs for n in self._columns_of(a) for d in self._columns_of(b) if n != d]
        if self.check is None or not pairs:
            return None
        shares = list(self.check(f.name, [(self.metrics[n]["column"], self.metrics[d]["column"]) for n, d in pairs],
                                 rule.multiplier))
        best = max(shares)
        return None if best < FITS else next(p for p, s in zip(pairs, shares, strict=True) if s >= best - TIE)

    def _columns_of(self, meaning: str) -> list[str]:
        """The summed metrics over this meaning's columns, the preferred column first."""
        by_column = {m.get("column"): n for n, m in self.metrics.items()
                     if is_summed(m) and m.get("table") == self.table}
        names = [by_column.get(c.name) for c in self.found.get(meaning, ())]
        return [n for n in names if n] or ([meaning] if is_summed(self.metrics.get(meaning)) else [])

    def _qualified(self, f: ColumnFacts, rule: MeasureRule, pair: tuple[str, str]) -> tuple[str, str]:
        """The pair a header's qualifier names ('Outbound CTR': outbound clicks), else the preferred one."""
        wanted = set(_qualifier(f, rule).split())
        numerators = self.found.get(pair[0], ())
        match = next((c for c in numerators if wanted and wanted <= set(c.words.split())), None)
        if match is None or match is numerators[0]:
            return pair
        return next(n for n, m in self.metrics.items() if m.get("column") == match.name), pair[1]

    def _ratio_for(self, f: ColumnFacts, rule: MeasureRule, pair: tuple[str, str]) -> str:
        """The ratio this column reports: the rule's own, or a ratio over another column of the same meanings."""
        own = self.metrics.get(rule.key) or {}
        current = ((own.get("ratio") or {}).get("numerator"), (own.get("ratio") or {}).get("denominator"))
        if current != pair and "ratio" in own and self._meanings(pair) != self._meanings(current):
            # The file's own rate says what the rate means here (conversions per session, not per click).
            self.metrics[rule.key] = ratio_metric(rule, pair, {}, synonyms=own.get("synonyms", ()))
        elif current != pair:
            return self._own_ratio(f, rule, pair)
        self._adopt_words(rule.key, f, rule)
        return rule.key

    def _meanings(self, pair: tuple[str | None, str | None]) -> tuple[str | None, ...]:
        """What a pair of measures means: the meanings their columns were found for."""
        columns = [(self.metrics.get(p or "") or {}).get("column") for p in pair]
        return tuple(next((m for m, found in self.found.items() if any(c.name == column for c in found)), p)
                     for p, column in zip(pair, columns, strict=True))

    def _own_ratio(self, f: ColumnFacts, rule: MeasureRule, pair: tuple[str, str]) -> str:
        """A ratio of its own for a column over qualified inputs: 'Outbound CTR', Pinterest's 'eCPC'."""
        qualifier = _qualifier(f, rule)
        label = f"{qualifier.capitalize()} {rule.label}" if qualifier else _shown_name(f.source)
        name = free_name(self.metrics, key_of(f"{qualifier} {rule.key}" if qualifier else label))
        self.metrics[name] = ratio_metric(rule, pair, {}, label=label, synonyms=header_synonyms(f.source))
        return name

    def _adopt_words(self, name: str, f: ColumnFacts, rule: MeasureRule) -> None:
        """The stored header's words that read as this rate ('cost / conv', 'checkout roas') ask for its ratio."""
        words = [w for w in (*header_synonyms(f.source), measure_words(f.source))
                 if getattr(measure_rule(measure_words(w)), "key", None) == rule.key]
        metric = self.metrics[name]
        metric["synonyms"] = unique([*metric.get("synonyms", ()), *words])

    def _reported(self, f: ColumnFacts, rule: MeasureRule, ratio: str) -> None:
        name = free_name(self.metrics, key_of(f.name) + "_reported")
        words = header_synonyms(f.source)
        self.metrics[name] = self._average(f, rule, f"{f.source} (as reported, averaged)",
                                           [*(f"reported {w}" for w in words), *(f"{w} as reported" for w in words)])
        label = self.metrics[ratio]["label"]
        self.notes[f.name] = (f"a stored rate: {label} is the ratio of sums; this column is a second reading "
                              f"('{name}')", "")

    def _mean(self, f: ColumnFacts, rule: MeasureRule) -> None:
        base = rule.key if rule.key != "rate" and rule.key not in self.metrics else key_of(f.name)
        name = free_name(self.metrics, base)
        label = rule.label or f.source
        synonyms = unique([*header_synonyms(f.source), *rule.synonyms])
        weight = self._weight(rule)
        names = [name]
        if weight:
            self.metrics[name] = self._average(f, rule, f"{label} (weighted by {weight[1]})", synonyms, weight[0])
            plain = free_name(self.metrics, f"{name}_mean")
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
            if is_summed(metric) and metric and metric.get("table") == self.table:
                return str(metric["column"]), str(metric["label"]).lower()
        return None

    def _average(self, f: ColumnFacts, rule: MeasureRule, label: str, synonyms: Sequence[str],
                 weight: str | None = None) -> dict[str, Any]:
        metric: dict[str, Any] = {
            "label": label, "table": self.table, "aggregation": "weighted_avg" if weight else "avg",
            "column": f.name, "format": column_format(f, rule.format), "direction": rule.direction,
            "description": f"The stored '{f.source}' averaged over rows"
                           + (f" weighted by the column {weight}" if weight else "") + " (a rate: not summed).",
            "synonyms": unique(list(synonyms))}
        if weight:
            metric["weight"] = weight
        if rule.format == "percent" and f.kind != "percent" and f.high is not None and float(f.high) > 1.5:
            metric["multiplier"] = 0.01  # percent points stored as plain numbers, shown as the computed fractions
        return metric


def _qualifier(f: ColumnFacts, rule: MeasureRule) -> str:
    """The header's words beside the rate's own ('outbound' of 'Outbound CTR')."""
    return " ".join(w for w in re.sub(rule.pattern, " ", measure_words(f.source)).split() if len(w) > 1)


def _shown_name(source: str) -> str:
    """A header without its currency tag or unit brackets: 'eCPC in account currency' -> 'eCPC'."""
    text = re.sub(r"\((?:[^)]*currency[^)]*|[A-Z]{3}|[€$£#%])\)", " ", source, flags=re.IGNORECASE)
    text = re.sub(r"\b(in )?(account )?currency\b", " ", text, flags=re.IGNORECASE)
    return " ".join(text.split()) or source

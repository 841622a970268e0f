"""Calculated metrics the analyst defines ("profit = revenue - spend"): parsed, checked, saved and added to the
model."""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml
from sqlglot import exp

from query_engine.errors import CalculatedMetricError
from query_engine.semantics.formula import FormulaError, formula_measures, parse_formula
from query_engine.semantics.model import Metric, SemanticModel

FILE_NAME = "calculated_metrics.yaml"
MAX_NAME_CHARS = 60
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9 _%-]*$")
_TERM = re.compile(r"[A-Za-z_][A-Za-z0-9_ ]*[A-Za-z0-9_]|[A-Za-z_]")




@dataclass(frozen=True)
class CalculatedMetric:
    """A metric defined by the analyst: a formula over the model's base measures."""

    name: str  # snake_case key
    label: str
    formula: str  # over measure names, e.g. "revenue - spend"
    format: str = "number"
    direction: str = "neutral"
    synonyms: tuple[str, ...] = ()
    description: str = ""

    def as_metric(self) -> Metric:
        """The semantic-model Metric for this definition."""
        return Metric(name=self.name, label=self.label, format=self.format, direction=self.direction,  # type: ignore[arg-type]
                      description=self.description or f"{self.label} = {self.formula} (defined by the analyst).",
                      synonyms=self.synonyms, formula=self.formula)


def parse_definition(text: str, model: SemanticModel, synonyms: tuple[str, ...] = ()) -> CalculatedMetric:
    """Read 'name = expression' over the model's measures (their names or synonyms), or refuse with a reason."""
    name_part, sep, expression = text.partition("=")
    label = " ".join(name_part.split())
    if not sep or not label or not expression.strip():
        raise CalculatedMetricError(f"'{text.strip()[:80]}' is not a definition.",
                                    hint="Write it as name = formula, e.g. profit = revenue - spend.")
    if len(label) > MAX_NAME_CHARS or not _NAME.match(label):
        raise CalculatedMetricError(f"'{label[:80]}' cannot be a metric name.",
                                    hint="Use letters, digits and spaces, starting with a letter.")
    key = snake_case(label)
    if key in model.metrics or key in model.dimensions:
        raise CalculatedMetricError(f"'{label}' is already a {'metric' if key in model.metrics else 'dimension'}.",
                                    hint="Pick another name.")
    formula = _measure_formula(expression, model)
    shown = label if label != label.lower() else label[:1].upper() + label[1:]  # "profit" -> "Profit"; "AOV" stays
    return CalculatedMetric(key, shown, formula, infer_format(formula, model), infer_direction(formula, model),
                            tuple(dict.fromkeys(s for s in (label.lower(), *(x.strip().lower() for x in synonyms))
                                                if s and s != key)))


def snake_case(label: str) -> str:
    """'Blended CAC' -> 'blended_cac'."""
    return re.sub(r"[^a-z0-9]+", "_", label.lower()).strip("_")


def _measure_formula(expression: str, model: SemanticModel) -> str:
    """The expression with each term (a measure's name or synonym, spaces allowed) replaced by its measure name."""
    measures = model.base_measures()
    words = {s: name for name in measures for s in (name, name.replace("_", " "), model.metrics[name].label.lower(),
                                                     *model.metrics[name].synonyms)}

    def to_measure(match: re.Match[str]) -> str:
        term = " ".join(match.group(0).lower().split())
        if term in words:
            return words[term]
        known = ", ".join(sorted(measures))
        raise CalculatedMetricError(f"The data has no '{term}', so this metric cannot be computed.",
                                    hint=f"Formulas can use: {known}.")

    formula = " ".join(_TERM.sub(to_measure, expression).split())
    try:
        used = formula_measures(formula, measures)
    except FormulaError as exc:
        raise CalculatedMetricError(str(exc), hint="Use + - * / and parentheses over the measures.") from None
    if not used:
        raise CalculatedMetricError("The formula uses no measure of the data.", hint="e.g. profit = revenue - spend.")
    if any(isinstance(n, exp.Div) and isinstance(n.expression, exp.Literal) and float(n.expression.this) == 0
           for n in parse_formula(formula, measures).find_all(exp.Div)):
        raise CalculatedMetricError("The formula divides by zero.", hint="Check the denominator.")
    return formula


def infer_format(formula: str, model: SemanticModel) -> str:
    """Currency for money (or money per unit), ratio for money over money, integer for counts, else number."""
    tree = parse_formula(formula, model.base_measures())
    division = next(tree.find_all(exp.Div), None)
    if division is None:
        formats = {model.metrics[c.name.lower()].format for c in tree.find_all(exp.Column)}
        return formats.pop() if len(formats) == 1 and formats <= {"currency", "integer"} else "number"
    top = _formats(division.this, model), _formats(division.expression, model)
    if top[0] == {"currency"}:
        return "ratio" if top[1] == {"currency"} else "currency"
    return "ratio"


def _formats(node: exp.Expr, model: SemanticModel) -> set[str]:
    return {model.metrics[c.name.lower()].format for c in node.find_all(exp.Column)}


def infer_direction(formula: str, model: SemanticModel) -> str:
    """Lower is better for cost per something, higher for revenue-led or count-led formulas, else neutral."""
    tree = parse_formula(formula, model.base_measures())
    division = next(tree.find_all(exp.Div), None)
    lead = division.this if division is not None else tree
    first = next(lead.find_all(exp.Column), None)
    name = first.name.lower() if first is not None else ""
    if name == "spend" or model.metrics[name].format == "currency" and model.metrics[name].direction == "neutral":
        return "lower" if division is not None else "neutral"
    return "higher" if model.metrics[name].direction == "higher" else "neutral"


def apply_calculated_metrics(model: SemanticModel, definitions: tuple[CalculatedMetric, ...] | list) -> SemanticModel:
    """A new model with the definitions added as metrics (each re-checked against this model's measures)."""
    added: dict[str, Metric] = {}
    for definition in definitions:
        if definition.name in model.metrics:
            continue  # a model that gained a metric of this name keeps its own
        formula_measures(definition.formula, model.base_measures())
        added[definition.name] = definition.as_metric()
    return replace(model, metrics={**model.metrics, **added}) if added else model


def definitions_path(home: Path) -> Path:
    """Where the analyst's definitions live: $CLARIFY_HOME/calculated_metrics.yaml."""
    return Path(home) / FILE_NAME


def load_definitions(home: Path, model: SemanticModel) -> tuple[CalculatedMetric, ...]:
    """The saved definitions that still fit the model (others are skipped)."""
    path = definitions_path(home)
    if not path.is_file():
        return ()
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    found = []
    for item in raw.get("metrics") or ():
        try:
            saved: dict[str, Any] = {k: tuple(v) if k == "synonyms" else v for k, v in item.items()}
            definition = CalculatedMetric(**saved)
            formula_measures(definition.formula, model.base_measures())
        except (TypeError, FormulaError):
            continue
        found.append(definition)
    return tuple(found)


def save_definitions(home: Path, definitions: tuple[CalculatedMetric, ...] | list) -> Path:
    """Write the definitions (replacing the file) and return its path."""
    path = definitions_path(home)
    path.parent.mkdir(parents=True, exist_ok=True)
    items = [{"name": d.name, "label": d.label, "formula": d.formula, "format": d.format, "direction": d.direction,
              "synonyms": list(d.synonyms), "description": d.description} for d in definitions]
    path.write_text(yaml.safe_dump({"metrics": items}, sort_keys=False), encoding="utf-8")
    return path


def describe(definition: CalculatedMetric) -> dict[str, Any]:
    """A row for the definitions table."""
    return {"name": definition.label, "formula": definition.formula, "format": definition.format,
            "direction": definition.direction, "synonyms": ", ".join(definition.synonyms)}

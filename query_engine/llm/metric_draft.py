"""A calculated metric drafted from a rule in words by the data-processing model, then checked like a typed one."""
from __future__ import annotations

import json

from pydantic import BaseModel, Field, ValidationError

from query_engine.llm.access import LLMAccess, call_model
from query_engine.semantics.calculated_metrics import (
    MAX_NAME_CHARS,
    CalculatedMetric,
    CalculatedMetricError,
    parse_definition,
)
from query_engine.semantics.model import SemanticModel
from router import TaskType


class MetricDraft(BaseModel):
    """A model's proposal for a rule in words: a name, a formula over measure names and synonyms."""

    name: str = Field(max_length=MAX_NAME_CHARS)
    formula: str = Field(max_length=300)
    synonyms: list[str] = Field(default_factory=list, max_length=10)
    explanation: str = ""


def draft_from_words(llm: LLMAccess, rule: str, model: SemanticModel, *,
                     question_id: str | None = None) -> tuple[CalculatedMetric, str, float]:
    """The data-processing model turns a rule in words into a checked definition: (definition, explanation, cost)."""
    measures = {n: model.metrics[n].description or model.metrics[n].label for n in sorted(model.base_measures())}
    prompt = json.dumps({"rule": rule, "measures": measures, "existing_metrics": sorted(model.metrics),
                         "reply_format": MetricDraft.model_json_schema()})
    system = ("Turn the analyst's business rule into one metric: a short name and an arithmetic formula over the "
              "measures given (+ - * / and parentheses only). Reply with JSON only.")
    reply = call_model(llm, TaskType.DATA_PROCESSING, prompt, system=system, question_id=question_id,
                       response_format=MetricDraft)
    try:
        draft = MetricDraft.model_validate_json(reply.text[reply.text.find("{"):reply.text.rfind("}") + 1])
    except ValidationError as exc:
        raise CalculatedMetricError("The model's answer was not a metric definition.",
                                    hint="Write the formula yourself, e.g. profit = revenue - spend.") from exc
    definition = parse_definition(f"{draft.name} = {draft.formula}", model, tuple(draft.synonyms))
    return definition, draft.explanation, reply.cost_usd

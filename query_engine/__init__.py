"""Clarify's engine: campaign analytics that asks before it answers.

One import for a script or a notebook::

    from query_engine import Pipeline, Settings

    pipeline = Pipeline.open(Settings())
    understanding = pipeline.understand("Show me high performing campaigns")
    answer = pipeline.answer(understanding.interpretations[0])

Names load on first use, so importing a single stage (the query worker imports only `sql`) stays cheap.
"""
from __future__ import annotations

import importlib
from typing import Any

_HOMES = {
    "Pipeline": "query_engine.pipeline", "Answer": "query_engine.pipeline",
    "QuerySpec": "query_engine.spec.query", "Interpretation": "query_engine.spec.query",
    "Understanding": "query_engine.spec.query", "QueryResult": "query_engine.spec.query",
    "Settings": "query_engine.settings", "SemanticModel": "query_engine.semantics.model",
    "DatasetCatalog": "query_engine.datasets.catalogue",
}
_ERRORS = (
    "ClarifyError", "SemanticModelError", "SqlRefused", "QueryTimeout", "QueryFailed", "ResourceLimit",
    "DatabaseMissing", "SpecError", "IngestError", "HistoryError", "PreferenceStoreError", "EvaluationError",
    "FormulaError", "CalculatedMetricError", "LLMCallFailed", "ImageRejected", "VisionUnavailable",
    "InvestigationError", "CodeExportError", "ForecastError",
)
_HOMES.update({name: "query_engine.errors" for name in _ERRORS})

__all__ = sorted(_HOMES)


def __getattr__(name: str) -> Any:
    """Load a public name from its module the first time it is asked for."""
    if name not in _HOMES:
        raise AttributeError(f"module 'query_engine' has no attribute {name!r}")
    value = getattr(importlib.import_module(_HOMES[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))

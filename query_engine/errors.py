"""Errors of the query engine; every message is written for the analyst and says what to do next."""
from __future__ import annotations


class ClarifyError(Exception):
    """Root of every error the query engine raises on purpose."""

    def __init__(self, message: str, *, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} {self.hint}".strip()


class SemanticModelError(ClarifyError):
    """The semantic model file is missing, malformed or inconsistent."""


class SqlRefused(ClarifyError):
    """The guard refused a statement; `reason` says what was refused and why."""


class QueryTimeout(ClarifyError):
    """A query ran past the time limit and was interrupted."""


class QueryFailed(ClarifyError):
    """The database rejected or failed a statement that passed the guard."""


class ResourceLimit(ClarifyError):
    """A query or an upload needed more memory than its worker process may use, and was stopped."""


class DatabaseMissing(ClarifyError):
    """The database file does not exist or cannot be opened."""


class SpecError(ClarifyError):
    """A query spec names something the semantic model does not have."""


class IngestError(ClarifyError):
    """An uploaded file could not be loaded; the message names the row and column where it can."""


class HistoryError(ClarifyError):
    """The history file could not be read or written."""


class PreferenceStoreError(ClarifyError):
    """The learned-preferences file could not be read or written."""


class EvaluationError(ClarifyError):
    """A question set could not be read or scored."""


class FormulaError(ClarifyError):
    """A formula that is not plain arithmetic over known measures."""


class CalculatedMetricError(ClarifyError):
    """A definition Clarify refuses; the message says why and what to write instead."""


class LLMCallFailed(ClarifyError):
    """No model could answer (no key, over budget, provider down); the stage falls back to the offline engine."""

    def __init__(self, message: str, *, error_class: str = "", hint: str = "") -> None:
        super().__init__(message, hint=hint)
        self.error_class = error_class


class ImageRejected(ClarifyError):
    """An upload that is not a PNG or JPEG Clarify will send (type, size or dimensions)."""


class VisionUnavailable(ClarifyError):
    """No multimodal model has its key; the message names the key that enables chart reading."""


class InvestigationError(ClarifyError):
    """A plan or step that cannot run as written."""


class CodeExportError(ClarifyError):
    """An answer could not be exported, or the code model could not adapt the script."""


class ForecastError(ClarifyError):
    """The history cannot be forecast as asked (too short, wrong shape, window already past)."""

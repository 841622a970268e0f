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

"""Errors of the router; every message is written for the analyst and says what to do next."""
from __future__ import annotations

from typing import Any


class RouterError(Exception):
    """Root of every error the router raises on purpose; `offline_available` tells the stage it may go offline."""

    def __init__(self, message: str, *, task: str = "", model: str = "", offline_available: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.task = task
        self.model = model
        self.offline_available = offline_available

    def __str__(self) -> str:
        return self.message


class RouteConfigError(RouterError):
    """The routes file or a route override is malformed or names an unknown task."""


class NoProviderConfigured(RouterError):
    """No model on the task's route has the key it needs; `key_name` says which key would enable it."""

    def __init__(self, message: str, *, key_name: str = "", **kwargs) -> None:
        super().__init__(message, **kwargs)
        self.key_name = key_name


class BudgetExceeded(RouterError):
    """The call would take spending past the daily or monthly budget, so it was refused."""

    def __init__(self, message: str, *, period: str = "", budget_usd: float = 0.0, **kwargs) -> None:
        super().__init__(message, **kwargs)
        self.period = period
        self.budget_usd = budget_usd


class ProviderFailed(RouterError):
    """Every model on the route failed (timeout, rate limit, server error, ...); `error_class` names the last."""

    def __init__(self, message: str, *, error_class: str = "", **kwargs) -> None:
        super().__init__(message, **kwargs)
        self.error_class = error_class


class PriceUnknown(RouterError):
    """litellm's price map has no price for the model, so no cost can be estimated."""


class LedgerError(RouterError):
    """The usage ledger file cannot be opened or written."""


class DamagedLedger(RouterError):
    """The ledger file is damaged; `seen` is the (device, inode) found damaged, `reason` what was wrong."""

    def __init__(self, seen: tuple[int, int] | None, reason: str) -> None:
        super().__init__(reason)
        self.seen = seen
        self.reason = reason


class ProviderCallError(RouterError):
    """Every deployment in the chain failed; `failed` lists what litellm reported, `error_class` the last error."""

    def __init__(self, error_class: str, message: str, failed: tuple[Any, ...]) -> None:
        super().__init__(message)
        self.error_class = error_class
        self.message = message
        self.failed = failed

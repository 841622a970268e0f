"""router: sends each task to its model through litellm (imported lazily), with budgets and a usage ledger."""
from __future__ import annotations

from router.budgets import BudgetStatus
from router.errors import (
                           BudgetExceeded,
                           LedgerError,
                           NoProviderConfigured,
                           PriceUnknown,
                           ProviderFailed,
                           RouteConfigError,
                           RouterError,
)
from router.llm_router import LLMReply, LLMRouter, active_routes, configure
from router.migrations import applied_version, apply_migrations
from router.performance_tracker import performance_tracker
from router.routes import Route, RouteStatus
from router.settings import RouterSettings, merged_sources
from router.store_files import file_identity, is_damaged_sqlite, set_aside_damaged
from router.task_types import TaskType
from router.usage_ledger import LedgerRow, UsageLedger

__all__ = [
    "BudgetExceeded", "BudgetStatus", "LLMReply", "LLMRouter", "LedgerError", "LedgerRow", "NoProviderConfigured",
    "PriceUnknown", "ProviderFailed", "Route", "RouteConfigError", "RouteStatus", "RouterError", "RouterSettings",
    "TaskType", "UsageLedger", "active_routes", "applied_version", "apply_migrations", "configure", "file_identity",
    "is_damaged_sqlite", "merged_sources", "performance_tracker", "set_aside_damaged",
]

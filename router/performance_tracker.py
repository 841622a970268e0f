"""performance_tracker: per-task calls, cost, tokens, latency, errors and fallbacks, read from the usage ledger."""
from __future__ import annotations

from datetime import datetime

from router.task_types import TaskType

_EMPTY = {"total_calls": 0, "total_cost": 0.0, "total_input_tokens": 0, "total_output_tokens": 0,
          "avg_latency_ms": 0.0, "errors": 0, "fallbacks": 0, "cache_hits": 0, "budget_refusals": 0}


class PerformanceTracker:
    """Reads the configured router's ledger; it keeps no numbers of its own, so every session sees the same."""

    def get_summary(self, since: datetime | None = None) -> dict[str, dict[str, float | int]]:
        """Per task (all ten, zeros when unused): total_calls, total_cost, tokens, avg_latency_ms, errors, fallbacks."""
        from router.llm_router import current

        found = current().ledger.summary_by_task(since)
        return {task.value: {**_EMPTY, **found.get(task.value, {})} for task in TaskType}


performance_tracker = PerformanceTracker()

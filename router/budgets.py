"""Daily and monthly USD budgets, enforced from the usage ledger before each call (litellm's does not stop chat calls)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from router.errors import BudgetExceeded
from router.settings import RouterSettings
from router.usage_ledger import UsageLedger

_WAIT = {"daily": "tomorrow (UTC)", "monthly": "next month"}
_SETTING = {"daily": "CLARIFY_DAILY_BUDGET_USD", "monthly": "CLARIFY_MONTHLY_BUDGET_USD"}


@dataclass(frozen=True)
class BudgetStatus:
    """One budget: its period, limit (None = unlimited) and what has been spent in the period so far."""

    period: str
    budget_usd: float | None
    spent_usd: float
    since: datetime

    @property
    def remaining_usd(self) -> float | None:
        """What is left before the budget refuses calls, or None when unlimited."""
        return None if self.budget_usd is None else max(self.budget_usd - self.spent_usd, 0.0)


def period_starts(now: datetime | None = None) -> dict[str, datetime]:
    """The UTC start of the current day and month."""
    now = (now or datetime.now(timezone.utc)).astimezone(timezone.utc)
    day = now.replace(hour=0, minute=0, second=0, microsecond=0)
    return {"daily": day, "monthly": day.replace(day=1)}


def budget_statuses(ledger: UsageLedger, settings: RouterSettings, now: datetime | None = None) -> list[BudgetStatus]:
    """The daily and monthly budgets with their spend so far, for budget bars."""
    limits = {"daily": settings.daily_budget_usd, "monthly": settings.monthly_budget_usd}
    return [BudgetStatus(period, limits[period], ledger.spend_since(start), start)
            for period, start in period_starts(now).items()]


def check_budget(ledger: UsageLedger, settings: RouterSettings, estimate_usd: float, *, task: str = "",
                 model: str = "", offline_available: bool = False, now: datetime | None = None) -> None:
    """Raise BudgetExceeded when spent + `estimate_usd` would pass the daily or monthly budget."""
    for status in budget_statuses(ledger, settings, now):
        if status.budget_usd is None or status.spent_usd + estimate_usd <= status.budget_usd:
            continue
        after = "Clarify answers with its offline engine meanwhile." if offline_available else ""
        raise BudgetExceeded(
            f"This call (about ${estimate_usd:.4f}) would take {status.period} spending to "
            f"${status.spent_usd + estimate_usd:.4f}, over the {status.period} budget of ${status.budget_usd:.2f}. "
            f"Raise {_SETTING[status.period]} or wait until {_WAIT[status.period]}. {after}".strip(),
            period=status.period, budget_usd=status.budget_usd, task=task, model=model,
            offline_available=offline_available)

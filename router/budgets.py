"""Daily and monthly USD budgets, enforced from the usage ledger before each call.

(litellm's own budget checks do not stop chat calls.)
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from router.errors import BudgetExceeded, LedgerError
from router.settings import RouterSettings
from router.usage_ledger import UsageLedger

_WAIT = {"daily": "tomorrow (UTC)", "monthly": "next month"}
_SETTING = {"daily": "CLARIFY_DAILY_BUDGET_USD", "monthly": "CLARIFY_MONTHLY_BUDGET_USD"}
_PERIOD_WORDS = {"daily": "today", "monthly": "this month"}


@dataclass(frozen=True)
class BudgetStatus:
    """One budget: its period, limit (None = unlimited) and what has been spent in the period so far.

    `spend_unknown` says why the spend is not fully known (a damaged ledger was moved aside in the
    period); the budget then refuses calls rather than starting again from zero.
    """

    period: str
    budget_usd: float | None
    spent_usd: float
    since: datetime
    spend_unknown: str = ""

    @property
    def remaining_usd(self) -> float | None:
        """What is left before the budget refuses calls, or None when unlimited."""
        if self.budget_usd is None:
            return None
        return 0.0 if self.spend_unknown else max(self.budget_usd - self.spent_usd, 0.0)


def period_starts(now: datetime | None = None) -> dict[str, datetime]:
    """The UTC start of the current day and month."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    day = now.replace(hour=0, minute=0, second=0, microsecond=0)
    return {"daily": day, "monthly": day.replace(day=1)}


def budget_statuses(ledger: UsageLedger, settings: RouterSettings, now: datetime | None = None) -> list[BudgetStatus]:
    """The daily and monthly budgets with their spend so far, for budget bars; LedgerError if it cannot be read."""
    limits = {"daily": settings.daily_budget_usd, "monthly": settings.monthly_budget_usd}
    return [BudgetStatus(period, limits[period], ledger.spend_since(start), start, _unknown(ledger, period, start))
            for period, start in period_starts(now).items()]


def _unknown(ledger: UsageLedger, period: str, start: datetime) -> str:
    moved = ledger.unknown_spend_since(start)
    if moved is None:
        return ""
    return (f"The usage ledger was damaged and moved to {moved}, so Clarify cannot tell what was spent "
            f"{_PERIOD_WORDS[period]} before that.")


def check_budget(ledger: UsageLedger, settings: RouterSettings, estimate_usd: float, *, task: str = "",
                 model: str = "", offline_available: bool = False, now: datetime | None = None) -> None:
    """Raise BudgetExceeded when spent + `estimate_usd` would pass a budget, or when the spend cannot be known."""
    after = "Clarify answers with its offline engine meanwhile." if offline_available else ""
    details = {"task": task, "model": model, "offline_available": offline_available}
    try:
        statuses = budget_statuses(ledger, settings, now)
    except LedgerError as exc:
        period = "daily" if settings.daily_budget_usd is not None else "monthly"
        limit = settings.daily_budget_usd if period == "daily" else settings.monthly_budget_usd
        if limit is None:
            raise  # no budget to keep: the ledger's own error says what is wrong with it
        raise BudgetExceeded(f"Clarify cannot read what has been spent, so model calls are refused to keep the "
                             f"{period} budget: {exc} {after}".strip(), period=period, budget_usd=limit,
                             **details) from None
    for status in statuses:
        if status.budget_usd is None:
            continue
        if status.spend_unknown:
            raise BudgetExceeded(
                f"{status.spend_unknown} Model calls are refused until {_WAIT[status.period]} so the "
                f"{status.period} budget of ${status.budget_usd:.2f} cannot be overrun; set "
                f"{_SETTING[status.period]}=off to allow them anyway. {after}".strip(),
                period=status.period, budget_usd=status.budget_usd, **details)
        if status.spent_usd + estimate_usd <= status.budget_usd:
            continue
        raise BudgetExceeded(
            f"This call (about ${estimate_usd:.4f}) would take {status.period} spending to "
            f"${status.spent_usd + estimate_usd:.4f}, over the {status.period} budget of ${status.budget_usd:.2f}. "
            f"Raise {_SETTING[status.period]} or wait until {_WAIT[status.period]}. {after}".strip(),
            period=status.period, budget_usd=status.budget_usd, **details)

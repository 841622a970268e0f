"""RouterSettings: keys, home, routes and budgets, built by the UI or CLI and passed to `configure`."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from router.errors import RouteConfigError
from router.provider_keys import KNOWN_KEY_NAMES
from router.task_types import TaskType

LEDGER_FILE_NAME = "usage.sqlite"
ROUTES_FILE_NAME = "routes.yaml"


@dataclass(frozen=True)
class RouterSettings:
    """Everything the router reads; packages never read the environment, so the caller fills this in."""

    home: Path = field(default_factory=lambda: Path("~/.clarify").expanduser())
    keys: Mapping[str, str] = field(default_factory=dict, repr=False)
    routes_file: Path | None = None  # None: $home/routes.yaml when it exists
    route_overrides: Mapping[str, Any] = field(default_factory=dict)  # task -> model string or route dict
    model_params: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)  # model -> litellm params
    daily_budget_usd: float | None = 5.0
    monthly_budget_usd: float | None = 50.0
    num_retries: int = 2
    timeout_s: float = 60.0
    cooldown_s: float = 30.0
    allowed_fails: int = 3
    cache_size: int = 128
    remote_price_map: bool = False

    def __repr__(self) -> str:
        # Key values must never reach a log or a traceback, so only their names are shown.
        shown = ", ".join(f"{f.name}={getattr(self, f.name)!r}" for f in fields(self) if f.name != "keys")
        return f"RouterSettings(keys=<{', '.join(sorted(self.present_keys()))}>, {shown})"

    @property
    def ledger_path(self) -> Path:
        """The SQLite usage ledger under home."""
        return Path(self.home) / LEDGER_FILE_NAME

    @property
    def user_routes_path(self) -> Path:
        """The routes file whose entries override the defaults (it may not exist)."""
        return Path(self.routes_file) if self.routes_file else Path(self.home) / ROUTES_FILE_NAME

    def present_keys(self) -> set[str]:
        """Names of the keys that have a non-empty value."""
        return {name for name, value in self.keys.items() if value and str(value).strip()}

    @classmethod
    def from_sources(cls, environ: Mapping[str, Any], secrets: Mapping[str, Any] | None = None) -> RouterSettings:
        """Settings from environment variables and st.secrets (see `merged_sources`: the environment wins)."""
        merged = merged_sources(environ, secrets)
        values: dict[str, Any] = {"keys": _keys_from(merged), "route_overrides": _route_overrides_from(merged)}
        if str(merged.get("CLARIFY_HOME", "")).strip():
            values["home"] = Path(str(merged["CLARIFY_HOME"])).expanduser()
        if str(merged.get("CLARIFY_ROUTES_FILE", "")).strip():
            values["routes_file"] = Path(str(merged["CLARIFY_ROUTES_FILE"])).expanduser()
        for name, var in (("daily_budget_usd", "CLARIFY_DAILY_BUDGET_USD"),
                          ("monthly_budget_usd", "CLARIFY_MONTHLY_BUDGET_USD")):
            raw = str(merged.get(var, "")).strip().lower()
            if raw:
                values[name] = None if raw in ("none", "off", "unlimited") else _budget(var, raw)
        flag = str(merged.get("CLARIFY_LITELLM_REMOTE_PRICES", "")).strip().lower()
        values["remote_price_map"] = flag in ("1", "true", "yes", "on")
        return cls(**values)


def merged_sources(environ: Mapping[str, Any], secrets: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The one statement of precedence: environment variables override st.secrets (so a shell or a test can
    override a developer's secrets.toml). Every setting, the engine's and the router's, is read this way."""
    return {**dict(secrets or {}), **dict(environ)}


def _budget(var: str, raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not value >= 0:  # also refuses nan
        raise RouteConfigError(f"{var} is {raw[:40]!r}, which is not an amount in US dollars. Set it to a number "
                               "such as 5 or 0.50, or to 'off' for no limit, and restart Clarify.")
    return value


def _keys_from(merged: Mapping[str, Any]) -> dict[str, str]:
    return {name: str(merged[name]) for name in KNOWN_KEY_NAMES if str(merged.get(name, "") or "").strip()}


def _route_overrides_from(merged: Mapping[str, Any]) -> dict[str, str]:
    overrides: dict[str, str] = {}
    for task in TaskType:
        raw = str(merged.get(f"CLARIFY_ROUTE_{task.value.upper()}", "") or "").strip()
        if raw:
            overrides[task.value] = raw
    return overrides

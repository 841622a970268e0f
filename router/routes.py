"""Routes: which model does each task, its params, reason and fallback chain, from routes.yaml plus overrides."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from router.errors import RouteConfigError
from router.provider_keys import credentials_for
from router.settings import RouterSettings
from router.task_types import TaskType

DEFAULT_ROUTES_PATH = Path(__file__).with_name("routes.yaml")
OFFLINE = "offline"
_ROUTE_KEYS = {"model", "params", "reason", "fallbacks"}


@dataclass(frozen=True)
class Route:
    """One task's route: the model, litellm params for it, why it was chosen, and what to try next."""

    task: TaskType
    model: str
    reason: str
    params: Mapping[str, Any] = field(default_factory=dict)
    fallbacks: tuple[str, ...] = ()
    source: str = "default"

    @property
    def models(self) -> tuple[str, ...]:
        """The model and its fallback models in the order they are tried (without 'offline')."""
        chain = (self.model, *self.fallbacks)
        return tuple(dict.fromkeys(m for m in chain if m != OFFLINE))

    @property
    def offline_fallback(self) -> bool:
        """Whether the deterministic engine takes over when every model fails."""
        return OFFLINE in self.fallbacks


@dataclass(frozen=True)
class RouteTable:
    """All routes, plus per-model litellm params and each task's expected output tokens."""

    routes: Mapping[TaskType, Route]
    expected_output_tokens: Mapping[TaskType, int]
    model_params: Mapping[str, Mapping[str, Any]]

    def route(self, task: TaskType) -> Route:
        """The route of one task."""
        return self.routes[task]


def load_routes(settings: RouterSettings) -> RouteTable:
    """The default routes, overridden by the user's routes file, then by per-task overrides in settings."""
    doc = _default_document()
    table = _table_from(doc, "default")
    user_path = settings.user_routes_path
    if user_path.is_file():
        table = _merge(table, _read_yaml(user_path), f"routes file {user_path.name}")
    overrides = {"routes": dict(settings.route_overrides), "model_params": dict(settings.model_params)}
    return _merge(table, overrides, "settings override")


@lru_cache(maxsize=1)
def _default_document() -> dict[str, Any]:
    return _read_yaml(DEFAULT_ROUTES_PATH)


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise RouteConfigError(f"The routes file {path} cannot be read ({exc}). Fix or remove it.") from None
    if not isinstance(doc, dict):
        raise RouteConfigError(f"The routes file {path} must be a mapping with a 'routes' section.")
    return doc


def _table_from(doc: Mapping[str, Any], source: str) -> RouteTable:
    routes = {}
    for task in TaskType:
        entry = (doc.get("routes") or {}).get(task.value)
        if not isinstance(entry, Mapping) or "model" not in entry:
            raise RouteConfigError(f"The default routes file has no route for {task.value}.")
        routes[task] = _route_from(task, dict(entry), None, source)
    tokens = {task: int((doc.get("expected_output_tokens") or {}).get(task.value, 500)) for task in TaskType}
    return RouteTable(routes, tokens, dict(doc.get("model_params") or {}))


def _merge(table: RouteTable, doc: Mapping[str, Any], source: str) -> RouteTable:
    routes = dict(table.routes)
    for name, entry in (doc.get("routes") or {}).items():
        task = _task_named(name, source)
        routes[task] = _route_from(task, entry, routes[task], source)
    tokens = dict(table.expected_output_tokens)
    for name, value in (doc.get("expected_output_tokens") or {}).items():
        tokens[_task_named(name, source)] = int(value)
    params = {**table.model_params, **{str(k): dict(v or {}) for k, v in (doc.get("model_params") or {}).items()}}
    return RouteTable(routes, tokens, params)


def _task_named(name: Any, source: str) -> TaskType:
    try:
        return TaskType(str(name).strip().lower())
    except ValueError:
        tasks = ", ".join(t.value for t in TaskType)
        raise RouteConfigError(f"The {source} names an unknown task {name!r}; the tasks are: {tasks}.") from None


def _route_from(task: TaskType, entry: Any, base: Route | None, source: str) -> Route:
    """A route from a model string or a mapping, keeping what `base` had for the parts not given."""
    if isinstance(entry, str):
        entry = {"model": entry}
    if not isinstance(entry, Mapping) or set(entry) - _ROUTE_KEYS:
        raise RouteConfigError(f"The {source} route for {task.value} must be a model string or a mapping with "
                               f"only {sorted(_ROUTE_KEYS)}; got {entry!r}.")
    model = str(entry.get("model") or (base.model if base else "")).strip()
    if not model:
        raise RouteConfigError(f"The {source} route for {task.value} has no model.")
    unchanged = base if base is not None and model == base.model else None  # the same model as before
    changed = unchanged is None
    params = entry.get("params", {} if unchanged is None else unchanged.params)
    # A new model without its own fallbacks keeps the old chain, with the model it replaced tried first.
    inherited = ((base.model,) if changed and base else ()) + (base.fallbacks if base else ())
    fallbacks = entry.get("fallbacks", inherited)
    if not isinstance(params, Mapping) or isinstance(fallbacks, str) or not all(isinstance(f, str) for f in fallbacks):
        raise RouteConfigError(f"The {source} route for {task.value} needs params as a mapping and fallbacks "
                               f"as a list of model strings.")
    reason = str(entry.get("reason") or (f"Chosen in the {source}." if unchanged is None else unchanged.reason))
    chain = tuple(dict.fromkeys(f.strip() for f in fallbacks if f.strip() and f.strip() != model))
    return Route(task, model, reason, dict(params), chain, source)


@dataclass(frozen=True)
class RouteStatus:
    """A route as the Cost & usage page shows it: whether its key is present and which key would enable it."""

    task: str
    model: str
    reason: str
    key_present: bool
    key_name: str  # empty for local providers that need no key
    fallbacks: tuple[str, ...]
    offline_fallback: bool
    usable_models: tuple[str, ...]
    params: Mapping[str, Any]
    source: str


_SECRET_WORDS = ("key", "secret", "token", "password")


def public_params(params: Mapping[str, Any]) -> dict[str, Any]:
    """Params safe to render: anything named like a key, secret, token or password is left out."""
    return {k: v for k, v in params.items() if not any(w in str(k).lower() for w in _SECRET_WORDS)}


def secret_values(table: RouteTable) -> list[str]:
    """Key-like values someone put into routes or model params, so they can be scrubbed like keys."""
    found = []
    for params in [*table.model_params.values(), *(r.params for r in table.routes.values())]:
        found += [str(v) for k, v in params.items() if any(w in str(k).lower() for w in _SECRET_WORDS) and v]
    return found


def route_statuses(table: RouteTable, keys: Mapping[str, str]) -> list[RouteStatus]:
    """Every task's route with key presence, in TaskType order."""
    statuses = []
    for task in TaskType:
        route = table.route(task)
        creds = credentials_for(route.model, keys)
        usable = tuple(m for m in route.models if credentials_for(m, keys).present)
        statuses.append(RouteStatus(task.value, route.model, route.reason, creds.present, creds.key_name,
                                    route.fallbacks, route.offline_fallback, usable,
                                    public_params(route.params), route.source))
    return statuses

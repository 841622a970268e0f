"""LLMRouter: send a task's prompt to its routed model through litellm, with budgets, a cache and a usage ledger."""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, replace
from typing import Any

from router import litellm_client
from router.budgets import BudgetStatus, budget_statuses, check_budget
from router.errors import (
    BudgetExceeded,
    LedgerError,
    NoProviderConfigured,
    PriceUnknown,
    ProviderFailed,
)
from router.provider_keys import credentials_for, provider_of, scrub, secret_key_values
from router.response_cache import ResponseCache, call_key
from router.routes import (
    Route,
    RouteStatus,
    RouteTable,
    load_routes,
    route_statuses,
    secret_values,
)
from router.secret_scrubbing import remember_secrets
from router.settings import RouterSettings
from router.task_types import TaskType, as_task
from router.usage_ledger import LedgerRow, UsageLedger

log = logging.getLogger("router")


@dataclass(frozen=True)
class LLMReply:
    """A model's answer with what it cost: the model that served it, tokens, USD, latency and how it got there."""

    text: str
    task: str
    model: str
    provider: str
    input_tokens: int
    output_tokens: int
    reasoning_tokens: int
    cost_usd: float
    estimated_cost_usd: float
    latency_ms: float
    fallback_used: bool
    cache_hit: bool = False


class ConfiguredRouter:
    """The router for one RouterSettings: its routes, ledger, cache and (built on first use) litellm.Router."""

    def __init__(self, settings: RouterSettings) -> None:
        self.settings = settings
        self.routes: RouteTable = load_routes(settings)
        self.ledger = UsageLedger(settings.ledger_path)
        self.cache: ResponseCache[LLMReply] = ResponseCache(settings.cache_size)
        self._secrets = {**dict(settings.keys), **{f"route-secret-{i}": v
                                                      for i, v in enumerate(secret_values(self.routes))}}
        remember_secrets(secret_key_values(self._secrets))  # litellm's log lines are scrubbed of them too
        self._litellm_router: Any = None
        self._build_lock = threading.Lock()

    def deployments(self, task: TaskType) -> list[litellm_client.Deployment]:
        """The route's models that have their keys, as litellm deployments, in the order they are tried."""
        route = self.routes.route(task)
        chain = []
        for model in route.models:
            creds = credentials_for(model, self.settings.keys)
            if not creds.present:
                log.info("Skipping %s for %s: %s is not set.", model, task.value, creds.key_name)
                continue
            params = {**self.routes.model_params.get(model, {}), **(route.params if model == route.model else {})}
            chain.append(litellm_client.Deployment(f"{task.value}::{model}", model, {**params, **creds.params}))
        return chain

    def is_available(self, task: TaskType | str) -> bool:
        """Whether any model on the task's route has its key, so a call can be tried at all."""
        return bool(self.deployments(as_task(task)))

    def active_routes(self) -> list[RouteStatus]:
        """Every task's route, with key presence and the key that would enable it."""
        return route_statuses(self.routes, self.settings.keys)

    def budget_statuses(self) -> list[BudgetStatus]:
        """The daily and monthly budgets with what has been spent so far."""
        return budget_statuses(self.ledger, self.settings)

    def estimate(self, task: TaskType | str, input_tokens: int, output_tokens: int, model: str | None = None) -> float:
        """USD for the token counts on the task's model (or `model`) from litellm's price map."""
        model = model or self.routes.route(as_task(task)).model
        litellm_client.load_litellm(self.settings.remote_price_map)
        cost = litellm_client.cost_for_tokens(model, input_tokens, output_tokens)
        if cost is None:
            raise PriceUnknown(f"litellm's price map has no price for {model}, so its cost cannot be estimated. "
                               "Costs for it are recorded as $0.", task=str(task), model=model)
        return cost

    def call(self, task_type: TaskType | str, prompt: str | list[dict[str, Any]], system_prompt: str = "",
             question_id: str | None = None, *, use_cache: bool = True, **litellm_kwargs: Any) -> LLMReply:
        """Send the prompt along the task's route; raise a RouterError when no model can answer."""
        task = as_task(task_type)
        route = self.routes.route(task)
        chain = self.deployments(task)
        if not chain:
            raise self._no_provider(route)
        messages = build_messages(prompt, system_prompt)
        key = call_key(task.value, tuple(d.model for d in chain), messages, litellm_kwargs)
        cached = self.cache.get(key) if use_cache else None
        if cached is not None:
            return self._record_cache_hit(cached, route, question_id)
        litellm_client.load_litellm(self.settings.remote_price_map)
        estimate = self._estimate_prompt(chain[0].model, messages, task)
        self._check_budget(route, chain[0].model, estimate, question_id)
        started = time.perf_counter()
        try:
            done = litellm_client.complete(self._router(), chain[0].name, messages, litellm_kwargs)
        except litellm_client.ProviderCallError as exc:
            # When every model is cooling down litellm attempts none, but the refusal still belongs in the ledger.
            failed = exc.failed or (litellm_client.FailedAttempt(chain[0].name, exc.error_class, "", 0.0),)
            self._record_failures(failed, route, chain, messages, question_id)
            raise self._provider_failed(route, exc) from None
        latency_ms = (time.perf_counter() - started) * 1000.0 - sum(f.latency_ms for f in done.failed)
        self._record_failures(done.failed, route, chain, messages, question_id)
        reply = self._record_success(done, route, chain, estimate, max(latency_ms, 0.0), question_id)
        if use_cache:
            self.cache.put(key, reply)
        return reply

    def _router(self) -> Any:
        with self._build_lock:
            if self._litellm_router is None:
                chains = {task.value: self.deployments(task) for task in TaskType}
                s = self.settings
                self._litellm_router = litellm_client.build_router(
                    {name: chain for name, chain in chains.items() if chain}, num_retries=s.num_retries,
                    timeout_s=s.timeout_s, cooldown_s=s.cooldown_s, allowed_fails=s.allowed_fails,
                    remote_price_map=s.remote_price_map)
            return self._litellm_router

    def _estimate_prompt(self, model: str, messages: list[dict[str, Any]], task: TaskType) -> float:
        tokens = litellm_client.count_tokens(model, messages)
        cost = litellm_client.cost_for_tokens(model, tokens, self.routes.expected_output_tokens[task])
        return cost or 0.0

    def _check_budget(self, route: Route, model: str, estimate: float, question_id: str | None) -> None:
        try:
            check_budget(self.ledger, self.settings, estimate, task=route.task.value, model=model,
                         offline_available=route.offline_fallback)
        except BudgetExceeded:
            try:
                self.ledger.record(LedgerRow(route.task.value, route.model, model, provider_of(model),
                                             "budget-refused", question_id, estimated_cost_usd=estimate,
                                             error_class="BudgetExceeded"))
            except LedgerError as exc:  # an unreadable ledger is why the call was refused; the refusal stands
                log.warning("Could not record the budget refusal: %s", exc)
            raise

    def _record_failures(self, failed, route: Route, chain, messages, question_id: str | None) -> None:
        by_name = {d.name: d.model for d in chain}
        for attempt in failed:
            model = by_name.get(attempt.deployment, attempt.deployment)
            log.warning("%s call to %s failed: %s", route.task.value, model, attempt.error_class)
            self.ledger.record(LedgerRow(
                route.task.value, route.model, model, provider_of(model), "error", question_id,
                estimated_cost_usd=self._estimate_prompt(model, messages, route.task) if model in by_name.values()
                else 0.0, latency_ms=attempt.latency_ms, error_class=attempt.error_class))

    def _record_success(self, done: litellm_client.Completion, route: Route, chain, estimate: float,
                        latency_ms: float, question_id: str | None) -> LLMReply:
        model = {d.name: d.model for d in chain}.get(done.deployment, done.model)
        cost = litellm_client.cost_for_tokens(model, done.input_tokens, done.output_tokens) or 0.0
        fallback_used = model != route.model
        row = LedgerRow(route.task.value, route.model, model, done.provider or provider_of(model),
                        "fallback" if fallback_used else "ok", question_id, done.input_tokens, done.output_tokens,
                        done.reasoning_tokens, estimate, cost, latency_ms)
        self.ledger.record(row)
        log.info("%s answered by %s in %.0f ms for $%.6f", route.task.value, model, latency_ms, cost)
        return LLMReply(done.text, route.task.value, model, row.provider, done.input_tokens, done.output_tokens,
                        done.reasoning_tokens, cost, estimate, latency_ms, fallback_used)

    def _record_cache_hit(self, cached: LLMReply, route: Route, question_id: str | None) -> LLMReply:
        self.ledger.record(LedgerRow(route.task.value, route.model, cached.model, cached.provider, "cache-hit",
                                     question_id))
        return replace(cached, cost_usd=0.0, estimated_cost_usd=0.0, latency_ms=0.0, cache_hit=True)

    def _no_provider(self, route: Route) -> NoProviderConfigured:
        creds = credentials_for(route.model, self.settings.keys)
        after = " Until then Clarify answers with its offline engine." if route.offline_fallback else ""
        return NoProviderConfigured(
            f"Set {creds.key_name} in .streamlit/secrets.toml or the environment to enable {route.task.label} "
            f"with {route.model}.{after}", key_name=creds.key_name, task=route.task.value, model=route.model,
            offline_available=route.offline_fallback)

    def _provider_failed(self, route: Route, exc: litellm_client.ProviderCallError) -> ProviderFailed:
        detail = scrub(exc.message, self._secrets).strip().splitlines()[0][:200] if exc.message.strip() else ""
        after = ("Clarify answers with its offline engine instead." if route.offline_fallback
                 else "Try again in a minute, or check the provider's status page.")
        return ProviderFailed(f"Every model on the {route.task.label} route failed ({exc.error_class}: {detail}). "
                              f"{after}", error_class=exc.error_class, task=route.task.value, model=route.model,
                              offline_available=route.offline_fallback)


def build_messages(prompt: str | list[dict[str, Any]], system_prompt: str = "") -> list[dict[str, Any]]:
    """Chat messages: an optional system message, then the prompt (text, or content parts for images)."""
    messages: list[dict[str, Any]] = [{"role": "system", "content": system_prompt}] if system_prompt else []
    return messages + [{"role": "user", "content": prompt}]


_current: ConfiguredRouter | None = None
_current_lock = threading.Lock()


def configure(settings: RouterSettings) -> ConfiguredRouter:
    """Use these settings (keys, home, routes, budgets) from now on; equal settings keep the current router."""
    global _current
    with _current_lock:
        if _current is not None and _current.settings == settings:
            return _current  # Streamlit reruns call this often; keep the cache and the built litellm.Router
    configured = ConfiguredRouter(settings)
    with _current_lock:
        _current = configured
    return configured


def current() -> ConfiguredRouter:
    """The configured router; the defaults (home ~/.clarify, no keys) until `configure` is called."""
    global _current
    with _current_lock:
        if _current is None:
            _current = ConfiguredRouter(RouterSettings())
        return _current


def active_routes() -> list[RouteStatus]:
    """Every task's route with key presence, for the Cost & usage page."""
    return current().active_routes()


class LLMRouter:
    """The router's public face, backed by the configured instance; every member is a classmethod."""

    @classmethod
    def configure(cls, settings: RouterSettings) -> ConfiguredRouter:
        """Use these settings from now on."""
        return configure(settings)

    @classmethod
    def call_llm(cls, task_type: TaskType | str, prompt: str | list[dict[str, Any]], system_prompt: str = "",
                 question_id: str | None = None, **litellm_kwargs: Any) -> str:
        """The routed model's answer text; extra keyword arguments go to litellm (e.g. mock_response)."""
        return cls.call_llm_detailed(task_type, prompt, system_prompt, question_id, **litellm_kwargs).text

    @classmethod
    def call_llm_detailed(cls, task_type: TaskType | str, prompt: str | list[dict[str, Any]],
                          system_prompt: str = "", question_id: str | None = None, *, use_cache: bool = True,
                          **litellm_kwargs: Any) -> LLMReply:
        """The routed model's answer with model, tokens, cost, latency and whether a fallback served it."""
        return current().call(task_type, prompt, system_prompt, question_id, use_cache=use_cache, **litellm_kwargs)

    @classmethod
    def get_cost_estimate(cls, task_type: TaskType | str, input_tokens: int = 1000, output_tokens: int = 500,
                          model: str | None = None) -> float:
        """USD for the token counts on the task's routed model, from litellm's price map."""
        return current().estimate(task_type, input_tokens, output_tokens, model)

    @classmethod
    def is_available(cls, task_type: TaskType | str) -> bool:
        """Whether any model on the task's route has its key (False means: go offline without calling)."""
        return current().is_available(task_type)

    @classmethod
    def route_for(cls, task_type: TaskType | str) -> Route:
        """The task's configured route."""
        return current().routes.route(as_task(task_type))

    @classmethod
    def active_routes(cls) -> list[RouteStatus]:
        """Every task's route with key presence."""
        return current().active_routes()

    @classmethod
    def budget_statuses(cls) -> list[BudgetStatus]:
        """The daily and monthly budgets with spend so far."""
        return current().budget_statuses()

    @classmethod
    def ledger(cls) -> UsageLedger:
        """The usage ledger of the configured router."""
        return current().ledger

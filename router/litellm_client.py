"""The only module that imports litellm, and only inside functions.

Importing litellm costs seconds, and the offline path never needs it.
"""
from __future__ import annotations

import os
import sys
import threading
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from router.errors import ProviderCallError
from router.secret_scrubbing import install_log_scrubber

_CALL_ID = "clarify_call_id"
_failures: dict[str, list[FailedAttempt]] = {}
_failures_lock = threading.Lock()
_setup_lock = threading.Lock()
_logger_installed = False


@dataclass(frozen=True)
class Deployment:
    """One model on one task's route, as a litellm.Router model_list entry; params hold credentials."""

    name: str
    model: str
    params: Mapping[str, Any] = field(repr=False, default_factory=dict)


@dataclass(frozen=True)
class FailedAttempt:
    """An attempt litellm reported as failed (retries and fallbacks each count once)."""

    deployment: str
    error_class: str
    message: str
    latency_ms: float


@dataclass(frozen=True)
class Completion:
    """A successful call: text, the deployment that served it, token usage, and the attempts that failed first."""

    text: str
    deployment: str
    model: str
    provider: str
    input_tokens: int
    output_tokens: int
    reasoning_tokens: int
    failed: tuple[FailedAttempt, ...]




def load_litellm(remote_price_map: bool = False) -> Any:
    """Import litellm (offline price map unless opted in) and install the failed-attempt logger once."""
    global _logger_installed
    if not remote_price_map and "litellm" not in sys.modules:
        os.environ.setdefault("LITELLM_OFFLINE_MODE", "true")  # the one sanctioned environment write
    import litellm

    with _setup_lock:
        if not _logger_installed:
            install_log_scrubber()  # providers echo pieces of rejected keys, and litellm logs them
            litellm.suppress_debug_info = True
            litellm.callbacks = [*litellm.callbacks, _make_failure_logger(litellm)]
            _logger_installed = True
    return litellm


def _make_failure_logger(litellm: Any) -> Any:
    from litellm.integrations.custom_logger import CustomLogger

    class FailedAttemptLogger(CustomLogger):
        """Collects each failed attempt of our calls; litellm runs failure callbacks in the calling thread."""

        def log_failure_event(self, kwargs, response_obj, start_time, end_time):  # noqa: ANN001
            metadata = (kwargs.get("litellm_params") or {}).get("metadata") or {}
            call_id = metadata.get(_CALL_ID)
            if not call_id:
                return
            error = kwargs.get("exception")
            attempt = FailedAttempt(str(metadata.get("model_group") or kwargs.get("model") or ""),
                                    type(error).__name__ if error is not None else "UnknownError",
                                    str(error or ""), _elapsed_ms(start_time, end_time))
            with _failures_lock:
                _failures.setdefault(call_id, []).append(attempt)

    return FailedAttemptLogger()


def _elapsed_ms(start: Any, end: Any) -> float:
    try:
        return max((end - start).total_seconds() * 1000.0, 0.0)
    except (TypeError, AttributeError):
        return 0.0


def count_tokens(model: str, messages: list[dict[str, Any]]) -> int:
    """Prompt tokens of `messages` for `model`, by litellm's token counter."""
    return int(load_litellm().token_counter(model=model, messages=messages))


def cost_for_tokens(model: str, input_tokens: int, output_tokens: int) -> float | None:
    """USD for the token counts from litellm's price map, or None when the model has no price there."""
    litellm = load_litellm()
    try:
        prompt_cost, completion_cost = litellm.cost_per_token(
            model=model, prompt_tokens=int(input_tokens), completion_tokens=int(output_tokens))
    except Exception:  # litellm raises a bare Exception for models missing from its price map
        return None
    return float(prompt_cost) + float(completion_cost)


def build_router(chains: Mapping[str, list[Deployment]], *, num_retries: int, timeout_s: float,
                 cooldown_s: float, allowed_fails: int, remote_price_map: bool = False) -> Any:
    """A litellm.Router whose fallbacks are keyed on real model_names: each chain's first deployment -> the rest."""
    litellm = load_litellm(remote_price_map)
    model_list = [{"model_name": d.name, "litellm_params": {"model": d.model, **d.params}}
                  for chain in chains.values() for d in chain]
    fallbacks = [{chain[0].name: [d.name for d in chain[1:]]} for chain in chains.values() if len(chain) > 1]
    return litellm.Router(model_list=model_list, fallbacks=fallbacks, num_retries=num_retries, timeout=timeout_s,
                          cooldown_time=cooldown_s, allowed_fails=allowed_fails)


def complete(router: Any, entry: str, messages: list[dict[str, Any]], kwargs: Mapping[str, Any]) -> Completion:
    """Run one chat completion through the router from deployment `entry`, following its fallbacks."""
    import openai
    from litellm.types.router import RouterRateLimitError, RouterRateLimitErrorBasic

    # Provider errors (mocked ones included) and the router's "every deployment is cooling down".
    expected = (openai.APIError, RouterRateLimitError, RouterRateLimitErrorBasic)
    call_id = uuid.uuid4().hex
    metadata = {**dict(kwargs.get("metadata") or {}), _CALL_ID: call_id}
    try:
        response = router.completion(model=entry, messages=messages, **{**kwargs, "metadata": metadata})
    except expected as exc:
        raise ProviderCallError(type(exc).__name__, str(exc), _take_failures(call_id)) from None
    failed = _take_failures(call_id)
    return _completion_from(response, entry, failed)


def _take_failures(call_id: str) -> tuple[FailedAttempt, ...]:
    with _failures_lock:
        return tuple(_failures.pop(call_id, ()))


def _completion_from(response: Any, entry: str, failed: tuple[FailedAttempt, ...]) -> Completion:
    hidden = getattr(response, "_hidden_params", None) or {}
    headers = hidden.get("additional_headers") or {}
    usage = getattr(response, "usage", None)
    details = getattr(usage, "completion_tokens_details", None)
    message = response.choices[0].message
    return Completion(
        text=str(getattr(message, "content", None) or ""),
        deployment=str(headers.get("x-litellm-model-group") or entry),
        model=str(hidden.get("litellm_model_name") or response.model or ""),
        provider=str(hidden.get("custom_llm_provider") or ""),
        input_tokens=int(getattr(usage, "prompt_tokens", 0) or 0),
        output_tokens=int(getattr(usage, "completion_tokens", 0) or 0),
        reasoning_tokens=int(getattr(details, "reasoning_tokens", 0) or 0),
        failed=failed,
    )

"""Injected LLM access: the Protocol the pipeline's model stages need, and its adapter over `router`."""
from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from typing import Any, Protocol

from query_engine.errors import LLMCallFailed
from router import LedgerRow, LLMRouter, RouterError, TaskType

log = logging.getLogger("query_engine.llm")


@dataclass(frozen=True)
class LLMText:
    """A model's answer text, the model that wrote it and what the call cost."""

    text: str
    model: str
    cost_usd: float = 0.0
    cache_hit: bool = False




class LLMAccess(Protocol):
    """What the model-backed stages need from an LLM provider; tests inject a fake with canned replies."""

    def available(self, task: TaskType) -> bool:
        """Whether a call for `task` can be tried at all (False: stay offline without calling)."""
        ...

    def complete(self, task: TaskType, prompt: str, *, system: str = "", question_id: str | None = None,
                 response_format: type[Any] | None = None) -> LLMText:
        """The model's answer; raises LLMCallFailed when no model could answer."""
        ...

    def record_fallback(self, task: TaskType, question_id: str | None, reason: str) -> None:
        """Note that the offline engine did the task's work (the model failed, or its output was unusable)."""
        ...


class RouterLLM:
    """LLMAccess over the configured `router` (call `router.configure(...)` first)."""

    def available(self, task: TaskType) -> bool:
        """Whether the task's route has a model with its key."""
        return LLMRouter.is_available(task)

    def complete(self, task: TaskType, prompt: str, *, system: str = "", question_id: str | None = None,
                 response_format: type[Any] | None = None) -> LLMText:
        """Send the prompt along the task's route; router errors become LLMCallFailed."""
        kwargs: dict[str, Any] = {"response_format": response_format} if response_format is not None else {}
        try:
            reply = LLMRouter.call_llm_detailed(task, prompt, system, question_id, **kwargs)
        except RouterError as exc:
            raise LLMCallFailed(str(exc), error_class=type(exc).__name__) from None
        return LLMText(reply.text, reply.model, reply.cost_usd, reply.cache_hit)

    def record_fallback(self, task: TaskType, question_id: str | None, reason: str) -> None:
        """A ledger row (model 'offline', status 'fallback', error_class = why) so the usage page shows it."""
        try:
            route = LLMRouter.route_for(task)
            LLMRouter.ledger().record(LedgerRow(task.value, route.model, "offline", "offline", "fallback",
                                                question_id, error_class=reason))
        except RouterError as exc:  # a ledger that cannot be written must not cost the analyst the answer
            log.warning("Could not record the offline fallback for %s: %s", task.value, exc)


def new_question_id() -> str:
    """A fresh id that ties one question's model calls together in the usage ledger."""
    return uuid.uuid4().hex[:16]


def call_model(llm: LLMAccess, task: TaskType, prompt: str, *, system: str = "", question_id: str | None = None,
               response_format: type[Any] | None = None) -> LLMText:
    """Call the model; anything unexpected is logged and becomes LLMCallFailed so the offline engine answers."""
    try:
        return llm.complete(task, prompt, system=system, question_id=question_id, response_format=response_format)
    except LLMCallFailed:
        raise
    except Exception as exc:  # a model stage is an enhancement: its bugs must not cost the analyst an answer
        log.exception("The %s call failed unexpectedly", task.value)
        raise LLMCallFailed(f"The model call failed unexpectedly ({type(exc).__name__}).",
                            error_class=type(exc).__name__) from exc

"""SQL written by a model for the chosen reading, through the same guard, with repair rounds and a compiled fallback."""
from __future__ import annotations

import re
from dataclasses import dataclass

from query_engine.errors import SqlRefused
from query_engine.llm.access import LLMAccess, LLMCallFailed, call_model
from query_engine.llm.prompts import SQL_SYSTEM, repair_prompt, sql_prompt
from query_engine.semantics.model import SemanticModel
from query_engine.spec.query import QuerySpec
from query_engine.sql.guard import GuardedSql, GuardPolicy, guard_sql
from router import TaskType

REPAIR_ROUNDS = 2
_FENCE = re.compile(r"^```[a-zA-Z]*\s*|\s*```$")


@dataclass(frozen=True)
class ModelSql:
    """The outcome: accepted SQL (or None to use the compiled SQL), how it came about, and what it cost."""

    guarded: GuardedSql | None
    source: str
    cost_usd: float
    attempts: int
    fallback_reason: str = ""  # why the compiled SQL is used: the error class, or "SqlRefused"


def model_sql(llm: LLMAccess, spec: QuerySpec, compiled_sql: str, output_columns: tuple[str, ...],
              model: SemanticModel, policy: GuardPolicy, question_id: str | None) -> ModelSql:
    """Ask the model for SQL; repair up to twice with the guard's message; None means: use the compiled SQL."""
    base = sql_prompt(spec, compiled_sql, model, output_columns)
    prompt, cost, problem, writer = base, 0.0, "", ""
    for attempt in range(1, REPAIR_ROUNDS + 2):
        try:
            reply = call_model(llm, TaskType.SQL_GENERATION, prompt, system=SQL_SYSTEM, question_id=question_id)
        except LLMCallFailed as exc:
            return ModelSql(None, f"compiled from the reading (model unavailable: {_short(str(exc))})", cost, attempt,
                            exc.error_class or "LLMCallFailed")
        cost += reply.cost_usd
        writer = reply.model
        sql = clean_sql(reply.text)
        try:
            guarded = guard_sql(sql, policy)
        except SqlRefused as exc:
            problem = _short(str(exc))
            prompt = base + "\n" + repair_prompt(sql[:2_000], problem)
            continue
        repaired = f" after {attempt - 1} repair{'s' if attempt > 2 else ''}" if attempt > 1 else ""
        return ModelSql(guarded, f"written by {writer}{repaired}", cost, attempt)
    return ModelSql(None, f"compiled from the reading ({writer} SQL refused: {problem})", cost, REPAIR_ROUNDS + 1,
                    "SqlRefused")


def clean_sql(text: str) -> str:
    """The SQL in a reply: code fences and a trailing semicolon removed (the guard judges the rest)."""
    body = _FENCE.sub("", text.strip()).strip()
    return body[:-1].rstrip() if body.endswith(";") else body


def _short(text: str) -> str:
    line = text.strip().splitlines()[0] if text.strip() else "no reason given"
    return line[:160]

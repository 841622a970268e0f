"""Insights written by a model from aggregates of a result (fenced as data), every number checked against the result."""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Any

from query_engine.llm.access import LLMAccess, LLMCallFailed, call_model
from query_engine.llm.number_check import candidate_values, check_statement
from query_engine.llm.prompts import INSIGHTS_SYSTEM, data_block, fenced
from query_engine.spec.numbers import as_number
from query_engine.spec.query import ColumnInfo, QueryResult
from router import TaskType

MAX_STATEMENTS = 3
SUMMARY_ROWS = 3  # top and bottom rows shown to the model; never the whole table
# A statement that tells someone to act on the system is an injected instruction, not a finding.
_INSTRUCTION = re.compile(r"\b(?:drop|delete|insert|update|alter|copy|attach|pragma|read_\w+|ignore (?:all |any )?"
                          r"(?:previous|prior|above)|system:|api[ _-]?keys?|password|https?://)", re.IGNORECASE)
_ADDITIVE_FORMATS = {"integer", "currency", "number"}


@dataclass(frozen=True)
class ModelInsights:
    """The statements that survived the checks (empty: use the offline ones), what was dropped, and the cost."""

    statements: tuple[str, ...]
    dropped: tuple[str, ...]
    source: str
    cost_usd: float
    fallback_reason: str = ""  # set when the offline insights are used instead


def model_insights(llm: LLMAccess, question: str, description: str, result: QueryResult,
                   columns: tuple[ColumnInfo, ...], question_id: str | None) -> ModelInsights:
    """Ask the model for findings and keep only those whose every number traces back to the result."""
    prompt = insights_prompt(question, description, result, columns)
    try:
        reply = call_model(llm, TaskType.INSIGHTS_GENERATION, prompt, system=INSIGHTS_SYSTEM, question_id=question_id)
    except LLMCallFailed as exc:
        return ModelInsights((), (), f"offline (model unavailable: {str(exc)[:120]})", 0.0,
                             exc.error_class or "LLMCallFailed")
    candidates = candidate_values(result)
    kept: list[str] = []
    dropped: list[str] = []
    for line in split_statements(reply.text)[:MAX_STATEMENTS * 2]:
        checked = check_statement(line, candidates)
        if _INSTRUCTION.search(line):
            dropped.append(f"{line[:80]} (reads as an instruction, not a finding)")
        elif not checked.verified:
            dropped.append(f"{line[:80]} (unverified: {', '.join(checked.unverified)})")
        elif len(kept) < MAX_STATEMENTS:
            kept.append(line)
    source = f"written by {reply.model}; every number checked against the result" if kept else \
        f"offline ({reply.model}'s findings failed the number check)"
    return ModelInsights(tuple(kept), tuple(dropped), source, reply.cost_usd, "" if kept else "UnverifiedFindings")


def split_statements(text: str) -> list[str]:
    """One statement per non-empty line, bullets and numbering removed."""
    lines = [re.sub(r"^\s*(?:[-*•]|\d+[.)])\s*", "", line).strip() for line in text.splitlines()]
    return [line for line in lines if line]


def insights_prompt(question: str, description: str, result: QueryResult, columns: tuple[ColumnInfo, ...]) -> str:
    """The user prompt: the question, the reading, and a small summary of the result inside the data fence."""
    infos = {c.name: c for c in columns}
    roles = ",".join(f"{n}({_role(infos.get(n))})" for n in result.columns)
    lines = [f"rows: {len(result.rows)}{' (capped)' if result.truncated else ''}; columns: {roles}"]
    metric_idx = [i for i, n in enumerate(result.columns) if infos.get(n) and infos[n].role == "metric"]
    for i in metric_idx:
        lines.append(_column_stats(result, i, infos[result.columns[i]]))
    lines.extend(_rows_shown(result, metric_idx[0] if metric_idx else None))
    return (f"question: {json.dumps(question, ensure_ascii=False)}\nreading: {description}\n"
            + data_block(lines))


def _role(info: ColumnInfo | None) -> str:
    if info is None:
        return "detail"
    unit = {"currency": " $", "percent": " fraction", "ratio": " x"}.get(info.format, "")
    return f"{info.role}{unit}"


def _column_stats(result: QueryResult, index: int, info: ColumnInfo) -> str:
    numbers = [n for n in (as_number(row[index]) for row in result.rows) if n is not None]
    if not numbers:
        return f"{info.name}: no values"
    stats = {"min": min(numbers), "max": max(numbers), "mean": sum(numbers) / len(numbers)}
    if info.format in _ADDITIVE_FORMATS:
        stats = {"total": sum(numbers), **stats}
    return f"{info.name}: " + ", ".join(f"{k} {_short_number(v)}" for k, v in stats.items())


def _rows_shown(result: QueryResult, metric: int | None) -> list[str]:
    rows = list(result.rows)
    if len(rows) <= SUMMARY_ROWS * 2:
        return ["rows:"] + [_row(r) for r in rows]
    if metric is not None:
        rows.sort(key=lambda r: as_number(r[metric]) or 0.0, reverse=True)
    return (["top rows:"] + [_row(r) for r in rows[:SUMMARY_ROWS]]
            + ["bottom rows:"] + [_row(r) for r in rows[-SUMMARY_ROWS:]])


def _row(row: tuple[Any, ...]) -> str:
    cells = [_short_number(v) if as_number(v) is not None and not isinstance(v, str) else fenced(v) for v in row]
    return "[" + ", ".join(cells) + "]"


def _short_number(value: Any) -> str:
    number = as_number(value)
    if number is None or not math.isfinite(number):
        return fenced(value)
    if number == int(number) and abs(number) < 1e15:
        return str(int(number))
    return f"{number:.4g}" if abs(number) < 1 else f"{number:.2f}"

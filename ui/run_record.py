"""Turn what the analyst confirmed on the Ask page into history entries (each run once)."""
from __future__ import annotations

import datetime as dt
import json
from typing import Any

from query_engine.pipeline import Answer
from query_engine.spec.codec import spec_to_dict
from query_engine.spec.query import QuerySpec
from query_engine.stores.history import HistoryEntry, QuestionHistory
from ui.state import AskState


def run_key(*parts: Any) -> str:
    """A stable key for one run, so a rerun of the page does not store it twice."""
    return json.dumps(parts, default=str, sort_keys=True)


def record_once(history: QuestionHistory, state: AskState, key: str, entry: HistoryEntry) -> int | None:
    """Store `entry` unless this session already stored the run named `key`; returns the new id."""
    if key in state.recorded_runs:
        return None
    entry_id = history.add(entry)
    state.recorded_runs.add(key)
    return entry_id


def refusal_entry(question: str, as_of: dt.date | None, reason: str) -> HistoryEntry:
    """The history entry of a refused question (refusals are always the offline engine's)."""
    return HistoryEntry(question=question, as_of=as_of, engine="offline", refusal=reason, sql_source="refused")


def answer_entry(question: str, as_of: dt.date | None, rank: int, reading_text: str, spec: QuerySpec,
                 answer: Answer, adjustments: list[dict[str, Any]], interpreting_ms: float,
                 engine: str = "offline") -> HistoryEntry:
    """The history entry of one answered (or failed) run of a picked reading."""
    rows = len(answer.result.rows) if answer.result is not None else None
    return HistoryEntry(
        question=question, as_of=as_of, engine=engine, picked_rank=rank, reading_text=reading_text,
        spec_json=json.dumps(spec_to_dict(spec), sort_keys=True),
        adjustments_json=json.dumps(adjustments, default=str), sql=answer.sql, sql_source=answer.sql_source,
        timings_json=json.dumps({"interpreting": interpreting_ms, **answer.timings_ms}),
        row_count=rows, error=answer.error,
    )

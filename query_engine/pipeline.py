"""The visible pipeline: question -> interpretations -> SQL -> guard -> DuckDB -> table, chart and insights."""
from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import duckdb

from query_engine.chart_spec import ChartSpec, chart_spec
from query_engine.data_profile import DataProfile, profile_database
from query_engine.errors import ClarifyError
from query_engine.executor import execute, open_connection
from query_engine.insights import insights
from query_engine.interpreter import DatasetContext, build_context, interpret
from query_engine.query_spec import ColumnInfo, Interpretation, QueryResult, QuerySpec, Understanding
from query_engine.result_columns import infer_columns
from query_engine.semantic_model import DEFAULT_MODEL_PATH, SemanticModel, load_semantic_model
from query_engine.settings import Settings
from query_engine.sql_compiler import compile_spec
from query_engine.sql_guard import GuardPolicy, guard_sql, policy_for_model

STAGES = ("interpreting", "writing SQL", "checking", "running", "summarizing")


@dataclass(frozen=True)
class Answer:
    """Everything shown for one run: the SQL, its rows, what the columns mean, a chart and insights."""

    sql: str
    columns: tuple[ColumnInfo, ...] = ()
    result: QueryResult | None = None
    insights: tuple[str, ...] = ()
    chart: ChartSpec | None = None
    error: str | None = None
    timings_ms: dict[str, float] = field(default_factory=dict)
    sql_source: str = "compiled from the reading"
    spec: QuerySpec | None = None


class Pipeline:
    """One dataset opened for questions: its model, a read-only connection and the guard policy."""

    def __init__(self, con: duckdb.DuckDBPyConnection, model: SemanticModel, settings: Settings,
                 database: Path) -> None:
        self.con = con
        self.model = model
        self.settings = settings
        self.database = database
        self.profile: DataProfile = profile_database(con, model)
        self.context: DatasetContext = build_context(model, self.profile)
        self.policy: GuardPolicy = policy_for_model(model, settings.row_cap)

    @classmethod
    def open(cls, settings: Settings, database: Path | None = None,
             model_path: Path = DEFAULT_MODEL_PATH) -> Pipeline:
        """Open a database read-only with its semantic model."""
        path = Path(database or settings.database_path).expanduser().resolve()
        con = open_connection(path, memory_limit=settings.memory_limit, threads=settings.threads)
        return cls(con, load_semantic_model(model_path), settings, path)

    def close(self) -> None:
        """Release the connection."""
        self.con.close()

    def understand(self, question: str, as_of: dt.date | None = None) -> Understanding:
        """Interpret a question into ranked readings (or a refusal)."""
        return interpret(question, self.context, as_of)

    def answer(self, reading: Interpretation | QuerySpec,
               progress: Callable[[str, float], None] | None = None) -> Answer:
        """Compile, check, run and summarise one reading; failures come back in Answer.error."""
        spec = reading.spec if isinstance(reading, Interpretation) else reading
        timings: dict[str, float] = {}
        try:
            with _timed(timings, "writing SQL", progress):
                compiled = compile_spec(spec, self.model)
        except ClarifyError as exc:
            return Answer("", error=str(exc), timings_ms=timings, spec=spec)
        return self._run(compiled.sql, compiled.columns, timings, progress, spec=spec)

    def answer_sql(self, sql: str, progress: Callable[[str, float], None] | None = None,
                   source: str = "edited by the analyst") -> Answer:
        """Check and run SQL that was not compiled from a spec (edited, or written by a model)."""
        return self._run(sql, None, {}, progress, source=source)

    def _run(self, sql: str, columns: tuple[ColumnInfo, ...] | None, timings: dict[str, float],
             progress: Callable[[str, float], None] | None, *, spec: QuerySpec | None = None,
             source: str = "compiled from the reading") -> Answer:
        try:
            with _timed(timings, "checking", progress):
                guarded = guard_sql(sql, self.policy)
            with _timed(timings, "running", progress):
                result = execute(self.con, guarded, time_limit_s=self.settings.time_limit_s,
                                 row_cap=self.settings.row_cap)
        except ClarifyError as exc:
            return Answer(sql, error=str(exc), timings_ms=timings, sql_source=source, spec=spec)
        with _timed(timings, "summarizing", progress):
            columns = columns if columns and len(columns) == len(result.columns) else infer_columns(result)
            notes = insights(result, columns)
            chart = chart_spec(result, columns)
        return Answer(sql, columns, result, notes, chart, None, timings, source, spec)


class _timed:
    """Adds a stage's wall time in ms to `timings` and reports the stage to `progress`."""

    def __init__(self, timings: dict[str, float], stage: str,
                 progress: Callable[[str, float], None] | None) -> None:
        self.timings, self.stage, self.progress = timings, stage, progress

    def __enter__(self) -> None:
        if self.progress:
            self.progress(self.stage, STAGES.index(self.stage) / len(STAGES))
        self.started = time.perf_counter()

    def __exit__(self, *exc: object) -> None:
        self.timings[self.stage] = round((time.perf_counter() - self.started) * 1000, 2)

"""The visible pipeline: question -> interpretations -> SQL -> guard -> DuckDB -> table, chart and insights."""
from __future__ import annotations

import datetime as dt
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

from query_engine.answer.chart import ChartSpec, chart_spec
from query_engine.answer.insights import insights
from query_engine.answer.period_notes import partial_period_note
from query_engine.errors import ClarifyError
from query_engine.interpret.descriptions import describe_spec
from query_engine.interpret.readings import DatasetContext, build_context, interpret
from query_engine.interpret.refusals import future_refusal, input_refusal, refusal_for
from query_engine.llm.access import LLMAccess, LLMCallFailed, new_question_id
from query_engine.llm.insights import model_insights
from query_engine.llm.readings import merge_readings, model_readings, offline_note
from query_engine.llm.sql import model_sql
from query_engine.semantics.asked_ratios import with_asked_ratios
from query_engine.semantics.calculated_metrics import (
    apply_calculated_metrics,
    load_definitions,
)
from query_engine.semantics.model import (
    DEFAULT_MODEL_PATH,
    SemanticModel,
    load_semantic_model,
    semantic_model_from_dict,
)
from query_engine.semantics.profile import DataProfile, profile_database
from query_engine.settings import Settings
from query_engine.spec.query import (
    ColumnInfo,
    Interpretation,
    QueryResult,
    QuerySpec,
    Understanding,
)
from query_engine.spec.result_columns import infer_columns
from query_engine.spec.value_format import format_value
from query_engine.sql.compiler import compile_spec
from query_engine.sql.executor import open_connection
from query_engine.sql.guard import GuardedSql, GuardPolicy, guard_sql, policy_for_model
from query_engine.sql.worker_pool import IsolatedDuckDB, IsolatedPostgres
from router import TaskType

STAGES = ("interpreting", "writing SQL", "checking", "running", "summarizing")


RANKING_ROWS = 10  # how much of the ranking a one-row answer shows beside it


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
    insights_source: str = "offline"
    cost_usd: float = 0.0  # model calls made for this answer (SQL and insights); 0 offline
    question_id: str = ""
    notes: tuple[str, ...] = ()  # what the model stages did: dropped statements, fallbacks
    forecast: Any = None  # a ForecastOutcome when the reading asked about the future
    checked_sql: str | None = None  # the statement that ran: the guard's rendering, row cap included
    ranking: QueryResult | None = None  # a one-row answer ('the best channel'): the ranking it came from, winner first


class Pipeline:
    """One dataset opened for questions: its model, a read-only connection, the guard policy and optional LLM access."""

    def __init__(self, con: duckdb.DuckDBPyConnection, model: SemanticModel, settings: Settings,
                 database: Path, llm: LLMAccess | None = None, *, profile: DataProfile | None = None,
                 runner: Callable[..., QueryResult] | None = None) -> None:
        self.con = con
        self.model = model
        self.settings = settings
        self.database = database
        self.llm = llm
        # DuckDB by default, each query in a worker process under OS limits; a PostgreSQL pipeline brings its
        # own profile and runner (same guard before it).
        self._runner = runner or IsolatedDuckDB(database, memory_limit=settings.memory_limit, threads=settings.threads,
                                                worker_memory=settings.worker_memory, workers=settings.workers)
        self.profile: DataProfile = profile or profile_database(con, model)
        self.context: DatasetContext = build_context(model, self.profile)
        self.policy: GuardPolicy = policy_for_model(model, settings.row_cap)
        self._asked = _AskedQuestions()

    @classmethod
    def open(cls, settings: Settings, database: Path | None = None,
             model_path: Path = DEFAULT_MODEL_PATH, llm: LLMAccess | None = None) -> Pipeline:
        """Open a database read-only with its semantic model; `llm` enables the model-backed stages."""
        path = Path(database or settings.database_path).expanduser().resolve()
        con = open_connection(path, memory_limit=settings.memory_limit, threads=settings.threads)
        model = load_semantic_model(model_path)
        # The analyst's calculated metrics ("profit = revenue - spend") join the model they were defined on.
        model = apply_calculated_metrics(model, load_definitions(settings.home, model))
        return cls(con, model, settings, path, llm)

    @classmethod
    def open_postgres(cls, settings: Settings, url: str, llm: LLMAccess | None = None) -> Pipeline:
        """Query a PostgreSQL database where it lives: introspected model, read-only transactions, a timeout."""
        from query_engine.datasets import (
            postgres as postgres_backend,  # psycopg loads only when used
        )
        from query_engine.sql.postgres import connect

        con = connect(url)
        model = semantic_model_from_dict(postgres_backend.introspect(con))
        profile = postgres_backend.profile(con, model)
        runner = IsolatedPostgres(url, worker_memory=settings.worker_memory, workers=settings.workers)
        # `con` is typed for the DuckDB pipelines the Data page reads tables through; a PostgreSQL pipeline
        # brings its profile and runner, so its psycopg connection is only ever closed.
        return cls(con, model, settings, Path(postgres_backend.display_url(url)), llm,  # type: ignore[arg-type]
                   profile=profile, runner=runner)

    def close(self) -> None:
        """Release the connection."""
        self.con.close()

    def run_guarded(self, guarded: GuardedSql) -> QueryResult:
        """Run a statement the guard accepted, bounded by the settings' time limit and row cap."""
        return self._runner(guarded, time_limit_s=self.settings.time_limit_s, row_cap=self.settings.row_cap)

    def understand(self, question: str, as_of: dt.date | None = None, *, question_id: str | None = None,
                   preferences: Mapping[str, str] | None = None, previous: QuerySpec | None = None) -> Understanding:
        """Interpret a question into ranked readings (or a refusal); a model's readings come first when it has a key.

        `preferences` (ambiguity -> the option a team keeps picking) rank learned choices first. `previous` is the
        last answer's reading, which a follow-up refines (offline: a model never sees the last answer).
        """
        offline = interpret(question, self.context, as_of, preferences, previous)
        self.adopt(*(i.spec for i in offline.interpretations))
        if self.llm is None or offline.intent == "follow_up":
            return offline
        offline = replace(offline, question_id=question_id or new_question_id())
        if not self._ready(TaskType.QUERY_INTERPRETATION) or self._final_refusal(offline) or (
                self.settings.economy and self._settled(offline)):
            return self._asked.remember(offline)
        try:
            found = model_readings(self.llm, offline.question, self.model, self.profile, self.policy,
                                   offline.interpretations, offline.as_of, offline.question_id)
        except (LLMCallFailed, ValueError) as exc:
            reason = exc.error_class if isinstance(exc, LLMCallFailed) else "MalformedOutput"
            self.llm.record_fallback(TaskType.QUERY_INTERPRETATION, offline.question_id, reason or "LLMCallFailed")
            return self._asked.remember(offline_note(offline, exc))
        if not found.readings:
            self.llm.record_fallback(TaskType.QUERY_INTERPRETATION, offline.question_id, "NoValidReading")
            unfit = ValueError("none of its readings fit the data" + (f": {found.dropped[0]}" if found.dropped else ""))
            return self._asked.remember(replace(offline_note(offline, unfit), cost_usd=found.cost_usd))
        return self._asked.remember(merge_readings(offline, found, self.policy, self.model))

    def adopt(self, *specs: QuerySpec) -> None:
        """Ratios a question named ('revenue per session') join the model, so every stage that reads it can use them."""
        model = with_asked_ratios(self.model, (m for spec in specs for m in spec.metrics))
        if model is not self.model:
            self.model, self.context = model, replace(self.context, model=model)

    def _settled(self, offline: Understanding) -> bool:
        """A question the offline engine read with confidence: a model would add cost and wait, not a better reading."""
        readings = offline.interpretations
        return bool(readings) and readings[0].confidence >= self.settings.confident_threshold

    def _ready(self, task: TaskType) -> bool:
        return self.llm is not None and self.llm.available(task)

    def _record_fallback(self, task: TaskType, question_id: str, reason: str) -> None:
        if self.llm is not None:
            self.llm.record_fallback(task, question_id, reason)

    def _final_refusal(self, offline: Understanding) -> bool:
        """Whether the offline result stands: refusals of changes, secrets, people, off-topic or unusable input."""
        if getattr(offline, "intent", "answer") != "answer":
            return True  # forecasts and why-questions have their own offline handling that readings cannot express
        if offline.refusal is None:
            return False
        text = offline.question
        if input_refusal(text, self.model) is not None:
            return True
        future = future_refusal(offline.as_of.isoformat(), self.model).reason
        return refusal_for(text, self.model, self.context.vocabulary) is not None or offline.refusal.reason == future

    def answer(self, reading: Interpretation | QuerySpec, progress: Callable[[str, float], None] | None = None, *,
               question: str | None = None, question_id: str | None = None) -> Answer:
        """Compile, check, run and summarise one reading; failures come back in Answer.error."""
        spec = reading.spec if isinstance(reading, Interpretation) else reading
        self.adopt(spec)
        if spec.forecast is not None:
            return self._answer_forecast(spec, progress)
        asked_question, asked_id = self._asked.lookup(spec)
        question = question or asked_question
        question_id = question_id or asked_id or (new_question_id() if self.llm is not None else "")
        timings: dict[str, float] = {}
        try:
            with _timed(timings, "writing SQL", progress):
                compiled = compile_spec(spec, self.model)
                llm = self.llm if self._ready(TaskType.SQL_GENERATION) and not self.settings.economy else None
                written = model_sql(llm, spec, compiled.sql, tuple(c.name for c in compiled.columns), self.model,
                                    self.policy, question_id) if llm is not None else None
        except ClarifyError as exc:
            return Answer("", error=str(exc), timings_ms=timings, spec=spec, question_id=question_id)
        answer = self._run(compiled.sql, compiled.columns, timings, progress, spec=spec)
        answer = self._with_ranking(answer, spec, timings)
        if answer.result is not None:
            note = partial_period_note(spec, answer.result, self.profile.as_of)
            answer = replace(answer, insights=(note, *answer.insights)[:5]) if note else answer
        if written is not None:
            answer = self._prefer_model_sql(answer, written.guarded, written.source, progress)
            answer = replace(answer, cost_usd=written.cost_usd)
            if not answer.sql_source.startswith("written by"):
                self._record_fallback(TaskType.SQL_GENERATION, question_id,
                                      written.fallback_reason or _reason_of(answer.sql_source))
        answer = replace(answer, question_id=question_id)
        if (answer.result is not None and answer.result.rows and self._ready(TaskType.INSIGHTS_GENERATION)
                and not self.settings.economy):
            answer = self._model_insights(answer, question, spec)
        return answer

    def _with_ranking(self, answer: Answer, spec: QuerySpec, timings: dict[str, float]) -> Answer:
        """A one-row answer ('which channel had the most conversions') also carries the ranking it came from."""
        ranked = spec.limit == 1 and spec.order_by and spec.dimensions and not spec.limit_per and not spec.count_of
        if answer.result is None or not ranked:
            return answer
        try:
            with _timed(timings, "ranking", None):
                wider = compile_spec(spec.with_changes(limit=RANKING_ROWS), self.model)
                ranking = self.run_guarded(guard_sql(wider.sql, self.policy))
        except ClarifyError:
            return answer  # the one row stands; the ranking is a courtesy
        if len(ranking.rows) < 2:
            return answer
        return replace(answer, ranking=ranking, insights=(*_runner_up(ranking, answer, spec), *answer.insights)[:5])

    def can_explain(self, answer: Answer) -> bool:
        """Whether the insights model could write about this answer now (economy mode leaves it to the analyst)."""
        return (answer.result is not None and bool(answer.result.rows) and answer.insights_source == "offline"
                and self._ready(TaskType.INSIGHTS_GENERATION))

    def explain(self, answer: Answer, question: str | None = None) -> Answer:
        """The answer with the insights model's checked findings, when the analyst asks for them."""
        if not self.can_explain(answer):
            return answer
        asked = self._asked.lookup(answer.spec)[0] if answer.spec is not None else ""
        return self._model_insights(answer, question or asked or "", answer.spec)

    def _answer_forecast(self, spec: QuerySpec, progress: Callable[[str, float], None] | None) -> Answer:
        """Run the history query like any reading, then project it with a backtested statistical model."""
        history = self.answer(spec.with_changes(forecast=None), progress)
        if history.error or history.result is None or spec.forecast is None:
            return replace(history, spec=spec)
        from query_engine.answer.forecast import (  # statsmodels loads only for forecasts
            forecast,
            is_additive,
        )

        started = time.perf_counter()
        try:
            outcome = forecast(history.result, history.columns, spec.forecast, self.profile.as_of or dt.date.today(),
                               additive=is_additive(self.model.metric(spec.metrics[0])))
        except ClarifyError as exc:
            return replace(history, error=str(exc), spec=spec)
        timings = {**history.timings_ms, "forecasting": round((time.perf_counter() - started) * 1000, 2)}
        return replace(history, columns=outcome.columns, result=outcome.result, insights=outcome.insights,
                       chart=None, timings_ms=timings, spec=spec, forecast=outcome)

    def _prefer_model_sql(self, compiled: Answer, guarded: Any, source: str,
                          progress: Callable[[str, float], None] | None) -> Answer:
        """The model's SQL answer when it ran and agrees with the compiled reading; otherwise the compiled one."""
        if guarded is None or compiled.result is None:
            return replace(compiled, sql_source=source if guarded is None else compiled.sql_source)
        timings = dict(compiled.timings_ms)
        written = self._run(guarded.sql, compiled.columns, timings, progress, spec=compiled.spec, source=source)
        writer = source.removeprefix("written by ").split(" after ")[0]
        if written.result is None:
            return replace(compiled, sql_source=f"compiled from the reading ({writer} SQL failed: {written.error})")
        problem = result_difference(compiled.result, written.result)
        if problem:
            return replace(compiled, sql_source=f"compiled from the reading ({writer} SQL {problem})")
        return replace(written, columns=compiled.columns, chart=compiled.chart, insights=compiled.insights)

    def _model_insights(self, answer: Answer, question: str, spec: QuerySpec | None) -> Answer:
        if self.llm is None or answer.result is None:
            return answer
        description = describe_spec(spec, self.model, self.profile) if spec else "SQL written or edited by the analyst"
        started = time.perf_counter()
        found = model_insights(self.llm, question, description, answer.result, answer.columns, answer.question_id)
        timings = dict(answer.timings_ms)
        timings["summarizing"] = round(timings.get("summarizing", 0.0) + (time.perf_counter() - started) * 1000, 2)
        notes = (*answer.notes, *(f"Dropped a model finding: {d}" for d in found.dropped))
        cost = answer.cost_usd + found.cost_usd
        if found.fallback_reason:
            self._record_fallback(TaskType.INSIGHTS_GENERATION, answer.question_id, found.fallback_reason)
        if not found.statements:
            return replace(answer, insights_source=found.source, notes=notes, cost_usd=cost, timings_ms=timings)
        return replace(answer, insights=found.statements, insights_source=found.source, notes=notes, cost_usd=cost,
                       timings_ms=timings)

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
                result = self.run_guarded(guarded)
        except ClarifyError as exc:
            return Answer(sql, error=str(exc), timings_ms=timings, sql_source=source, spec=spec)
        with _timed(timings, "summarizing", progress):
            columns = columns if columns and len(columns) == len(result.columns) else infer_columns(result)
            notes = insights(result, columns)
            chart = chart_spec(result, columns)
        return Answer(sql, columns, result, notes, chart, None, timings, source, spec, checked_sql=guarded.sql)


def _runner_up(ranking: QueryResult, answer: Answer, spec: QuerySpec) -> tuple[str, ...]:
    """'Meta ranks first by Conversions (23.8K), ahead of Google Search (8.44K).'"""
    field = spec.order_by[0].field
    info = next((c for c in answer.columns if c.name == field), None)
    if info is None or field not in ranking.columns:
        return ()
    at, names = ranking.columns.index(field), [ranking.columns.index(d) for d in spec.dimensions
                                               if d in ranking.columns]
    first, second = ranking.rows[0], ranking.rows[1]
    name = " / ".join(str(first[i]) for i in names)
    other = " / ".join(str(second[i]) for i in names)
    shown = [format_value(row[at], info.format) for row in (first, second)]
    return (f"{name} ranks first by {info.label} ({shown[0]}), ahead of {other} ({shown[1]}).",)


def _reason_of(source: str) -> str:
    """The ledger's error_class for a compiled-SQL fallback, from the answer's sql_source."""
    if "SQL failed" in source:
        return "SqlFailed"
    return "SqlDisagreed" if "SQL " in source else "LLMCallFailed"


def result_difference(expected: QueryResult, got: QueryResult) -> str:
    """How a model's result differs from the compiled reading's ('' when they agree, rows in any order)."""
    if [c.lower() for c in got.columns] != [c.lower() for c in expected.columns]:
        return f"returned columns {', '.join(got.columns)[:120]} instead of {', '.join(expected.columns)}"
    if len(got.rows) != len(expected.rows):
        return f"returned {len(got.rows)} rows instead of {len(expected.rows)}"
    if sorted(map(_row_key, got.rows)) != sorted(map(_row_key, expected.rows)):
        return "gave different numbers"
    return ""


def _row_key(row: tuple[Any, ...]) -> tuple[str, ...]:
    # Six significant digits: the same sum computed in another order may differ in the last bits.
    return tuple(f"{float(v):.6g}" if isinstance(v, (int, float, Decimal)) and not isinstance(v, bool) else repr(v)
                 for v in row)


class _AskedQuestions:
    """Recent questions by the specs of their readings, so answer() can tie a pick to its question's id."""

    def __init__(self, size: int = 512) -> None:
        self.size = size
        self._items: OrderedDict[QuerySpec, tuple[str, str]] = OrderedDict()
        self._lock = threading.Lock()

    def remember(self, understanding: Understanding) -> Understanding:
        """Index the understanding's readings; returns it unchanged."""
        with self._lock:
            for reading in understanding.interpretations:
                self._items[reading.spec] = (understanding.question, understanding.question_id)
                self._items.move_to_end(reading.spec)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return understanding

    def lookup(self, spec: QuerySpec) -> tuple[str, str]:
        """(question, question_id) of the latest question with this reading, or ('', '')."""
        with self._lock:
            return self._items.get(spec, ("", ""))


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

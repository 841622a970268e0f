"""Command line: `python -m query_engine ask "QUESTION"` and `python -m query_engine sql "SQL"`."""
from __future__ import annotations

import argparse
import datetime as dt
import errno
import json
import math
import os
import sqlite3
import sys
from collections.abc import Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any, NoReturn

import duckdb

from query_engine.datasets.catalogue import catalog_for
from query_engine.datasets.demo import ensure_demo_database
from query_engine.errors import ClarifyError, IngestError
from query_engine.llm.access import LLMAccess, RouterLLM
from query_engine.pipeline import Answer, Pipeline
from query_engine.settings import Settings
from query_engine.spec.codec import spec_to_dict
from query_engine.spec.query import Understanding
from query_engine.spec.value_format import format_table
from query_engine.sql.redaction import redact_text
from router import RouterError

ENGINE = "offline"


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for both subcommands."""
    parser = _Parser(prog="python -m query_engine",
                     description="Clarify: campaign analytics that asks before it answers.")
    sub = parser.add_subparsers(dest="command", required=True)
    ask = sub.add_parser("ask", help="interpret a question, list up to five readings and run the picked one")
    ask.add_argument("question")
    _add_source_arguments(ask)
    pick = ask.add_mutually_exclusive_group()
    pick.add_argument("--pick", type=int, default=1, help="run reading N (default 1)")
    pick.add_argument("--all", action="store_true", help="run every reading")
    ask.add_argument("--as-of", type=_date,
                     help="resolve relative dates against YYYY-MM-DD instead of the data's latest date")
    ask.add_argument("--follow-up", action="append", metavar="EARLIER", default=[],
                     help="read the question as a follow-up of EARLIER (its first reading); repeat for a chain, "
                          "oldest first: --follow-up 'spend by channel' --follow-up 'only Meta' 'now by device'")
    ask.add_argument("--json", action="store_true", help="print one JSON object")
    sub.add_parser("evaluate", help="score the engine on a question set: evaluate QUESTIONS.jsonl [--db PATH] [--json]")
    sql = sub.add_parser("sql", help="check and run one SQL statement (the path edited SQL takes)")
    sql.add_argument("sql")
    _add_source_arguments(sql)
    sql.add_argument("--json", action="store_true")
    return parser


def _add_source_arguments(parser: argparse.ArgumentParser) -> None:
    """Where the data comes from: the demo, a DuckDB file, an uploaded file, a saved dataset or PostgreSQL."""
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--db", type=Path, help="DuckDB file with the campaign schema (default: the demo database)")
    source.add_argument("--data", type=Path, help="a CSV, TSV, Parquet, Excel or JSON-lines file to load and query "
                        "(loaded once into $CLARIFY_HOME/datasets; the same file is reused)")
    source.add_argument("--dataset", help="a dataset loaded before, by name")
    source.add_argument("--url", help="a PostgreSQL URL (postgresql://user:password@host/db), queried read-only")
    parser.add_argument("--replace", action="store_true",
                        help="with --data: replace a dataset of the same name loaded from a different file")


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date; use YYYY-MM-DD") from exc


EXIT_FAILED, EXIT_USAGE, EXIT_STORAGE = 1, 2, 3  # 0: answered (with --json, also an answer whose "error" is set)


class _UsageError(Exception):
    """The arguments could not be parsed; argparse's message says why."""


class _Parser(argparse.ArgumentParser):
    """argparse that raises instead of exiting, so --json can still print one JSON object."""

    def error(self, message: str) -> NoReturn:
        raise _UsageError(f"{message}. Run `{self.prog} --help` for the options.")


class _SettingError(ValueError):
    """A CLARIFY_* environment variable holds a value of the wrong kind."""


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the process exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    wants_json = "--json" in argv
    try:
        return _run(argv)
    except (_UsageError, _SettingError) as exc:
        return _fail(wants_json, str(exc), EXIT_USAGE)
    except (ClarifyError, RouterError) as exc:
        return _fail(wants_json, str(exc), EXIT_FAILED)
    except (OSError, duckdb.IOException, sqlite3.OperationalError) as exc:
        return _fail(wants_json, storage_message(exc, _home_of(os.environ)), EXIT_STORAGE)
    except Exception as exc:  # a bug: stdout stays one JSON object, and the traceback goes to stderr
        if wants_json:
            _print_json({"error": f"Clarify hit an unexpected problem ({type(exc).__name__}); please report it with "
                                  "the details printed to stderr.", "refusal": None, "interpretations": []})
        raise


def _run(argv: list[str]) -> int:
    settings = _settings(os.environ)
    if argv[:1] == ["evaluate"]:  # `evaluate QUESTIONS.jsonl [--db PATH] [--json]` parses its own arguments
        from query_engine.evaluate.accuracy import main as evaluate

        return evaluate(argv[1:], settings=settings, llm=router_llm(os.environ))
    args = build_parser().parse_args(argv)
    try:
        pipeline, tables = _open(settings, args)
    except ClarifyError as exc:
        return _answer_failed(args, str(exc))
    args.tables = tables
    try:
        if args.command == "ask":
            return _ask(pipeline, args)
        return _sql(pipeline, args)
    finally:
        pipeline.close()


def _settings(environ: Mapping[str, str]) -> Settings:
    try:
        return Settings.from_environ(environ)
    except ValueError as exc:
        raise _SettingError(f"A CLARIFY_* setting in the environment is not valid ({exc}). "
                            "Fix or unset it; numbers are written like 10 or 2.5.") from None


def _home_of(environ: Mapping[str, str]) -> Path:
    raw = str(environ.get("CLARIFY_HOME", "") or "").strip()
    return Path(raw or "~/.clarify").expanduser()


def storage_message(exc: BaseException, home: Path) -> str:
    """What went wrong writing Clarify's files (a full disk, a read-only or unreadable folder) and what to do."""
    code = getattr(exc, "errno", None)
    where = getattr(exc, "filename", None) or home
    text = str(exc).strip()
    detail = redact_text(getattr(exc, "strerror", None) or (text.splitlines()[0] if text else type(exc).__name__))
    lowered = str(exc).lower()
    if code == errno.ENOSPC or "no space left" in lowered or "disk is full" in lowered:
        return (f"The disk is full: Clarify could not write {where} ({detail}). Free some space, or set "
                f"CLARIFY_HOME to a folder on a disk with room (now {home}).")
    if code in (errno.EROFS, errno.EACCES, errno.EPERM) or any(
            sign in lowered for sign in ("read-only", "readonly", "permission denied")):
        if not _inside(Path(where), home):
            return f"Clarify cannot read or write {where} ({detail}). Check the path and its permissions."
        return (f"Clarify cannot read or write its home folder {home} ({detail} at {where}). Set CLARIFY_HOME "
                "to a folder you can write to, e.g. CLARIFY_HOME=~/clarify, or fix the folder's permissions.")
    return (f"Clarify could not use {where} ({detail}). Check that {home} exists and is writable, or set "
            "CLARIFY_HOME to another folder.")


def _inside(path: Path, folder: Path) -> bool:
    try:
        return path.resolve() == folder.resolve() or folder.resolve() in path.resolve().parents
    except OSError:
        return False


def _open(settings: Settings, args: argparse.Namespace) -> tuple[Pipeline, list[str]]:
    """The pipeline over the data the arguments name, and the tables in scope."""
    llm = router_llm(os.environ)
    if args.url:
        pipeline = Pipeline.open_postgres(settings, args.url, llm=llm)
        return pipeline, sorted(pipeline.model.tables)
    if args.data or args.dataset:
        catalog = catalog_for(settings)
        if args.data:
            if not args.data.is_file():
                raise IngestError(f"There is no file at {args.data}.", hint="Check the path.")
            dataset, added = catalog.add_or_reuse(args.data, replace=args.replace)
            if added is not None:
                _stderr_progress(f"Loaded {args.data.name}: {added.report.rows:,} rows as '{dataset.name}'", 1.0)
        else:
            dataset = catalog.get(args.dataset)
        return Pipeline.open(settings, dataset.database, model_path=dataset.model_path, llm=llm), list(dataset.tables)
    if args.db is None:
        ensure_demo_database(settings.database_path, progress=_stderr_progress)
    pipeline = Pipeline.open(settings, args.db, llm=llm)
    return pipeline, sorted(pipeline.model.tables)


def router_llm(environ: Mapping[str, str]) -> LLMAccess | None:
    """LLM access through the router when some provider key is set; None keeps the CLI offline (no litellm import)."""
    from router import RouterSettings, configure

    router_settings = RouterSettings.from_sources(environ)
    if not router_settings.present_keys():
        return None
    configure(router_settings)
    return RouterLLM()


def _stderr_progress(message: str, fraction: float) -> None:
    print(f"[{fraction:4.0%}] {message}", file=sys.stderr, flush=True)


def _answer_failed(args: argparse.Namespace, message: str) -> int:
    """The question or its data could not be used: a JSON answer whose "error" says why (exit 0), or exit 1."""
    message = redact_text(message)  # a connection string in a message never shows its password
    if getattr(args, "json", False):
        _print_json({"error": message, "refusal": None, "interpretations": []})
        return 0
    print(f"Error: {message}", file=sys.stderr)
    return EXIT_FAILED


def _fail(wants_json: bool, message: str, code: int) -> int:
    """Clarify could not run at all: the message (as JSON with --json) and a non-zero exit code."""
    message = redact_text(message)
    if wants_json:
        _print_json({"error": message, "refusal": None, "interpretations": [], "exit_code": code})
    else:
        print(f"Error: {message}", file=sys.stderr)
    return code


def _print_json(payload: dict[str, Any]) -> None:
    """One JSON object on stdout; NaN and Infinity become null anywhere inside, so any JSON parser reads it."""
    print(json.dumps(json_safe(payload), default=str, allow_nan=False))


def json_safe(value: Any) -> Any:
    """`value` with dates as ISO text, decimals as floats and non-finite numbers as None, through lists and dicts."""
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [json_safe(v) for v in value]
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return value.isoformat()
    if isinstance(value, Decimal):
        value = float(value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _ask(pipeline: Pipeline, args: argparse.Namespace) -> int:
    previous = None
    for earlier in args.follow_up:
        prior = pipeline.understand(earlier, args.as_of, previous=previous)
        if not prior.interpretations:
            why = (prior.refusal.reason if prior.refusal else "it got no reading").rstrip(".")
            return _answer_failed(args, f"The earlier question '{earlier}' has no answer to follow up ({why}). "
                                        "Ask it on its own first, or drop --follow-up.")
        previous = prior.interpretations[0].spec
    understanding = pipeline.understand(args.question, args.as_of, previous=previous)
    chosen = set(range(1, 6)) if args.all else {args.pick}
    answers = {i.rank: pipeline.answer(i) for i in understanding.interpretations if i.rank in chosen}
    if args.json:
        _print_json(_ask_payload(pipeline, understanding, answers, args.tables))
    else:
        _print_ask(understanding, answers)
    return 0


def _ask_payload(pipeline: Pipeline, understanding: Understanding, answers: dict[int, Answer],
                 tables: list[str]) -> dict[str, Any]:
    refusal = understanding.refusal
    return {
        "question": understanding.question,
        "follow_up": understanding.intent == "follow_up",
        "as_of": understanding.as_of.isoformat(),
        "database": str(pipeline.database),
        "tables": tables,
        "engine": _engine(understanding),
        "question_id": understanding.question_id,
        "cost_usd": round(understanding.cost_usd + sum(a.cost_usd for a in answers.values()), 6),
        "refusal": refusal.reason if refusal else None,
        "suggestions": list(refusal.suggestions) if refusal else [],
        "notes": list(understanding.notes),
        "definition": understanding.definition or None,
        "interpretations": [_reading_payload(pipeline, i, answers.get(i.rank)) for i in understanding.interpretations],
    }


def _engine(understanding: Understanding) -> str:
    models = sorted({i.engine for i in understanding.interpretations if i.engine != ENGINE})
    return ENGINE if not models else "+".join([*models, ENGINE])


def _reading_payload(pipeline: Pipeline, reading: Any, answer: Answer | None) -> dict[str, Any]:
    from query_engine.sql.compiler import compile_spec

    result = answer.result if answer else None
    sql = answer.sql if answer else _safe_sql(compile_spec, reading.spec, pipeline)
    return {
        "rank": reading.rank, "text": reading.description, "distinction": reading.distinction,
        "confidence": reading.confidence, "engine": reading.engine, "sql": sql,
        "sql_source": answer.sql_source if answer else None,
        "insights_source": answer.insights_source if answer else None,
        "cost_usd": answer.cost_usd if answer else 0.0,
        "notes": list(answer.notes) if answer else [],
        "columns": list(result.columns) if result else [c.name for c in answer.columns] if answer else [],
        "rows": [list(row) for row in result.rows] if result else None,
        "truncated": result.truncated if result else False,
        "error": answer.error if answer else None,
        "ranking": [list(row) for row in answer.ranking.rows] if answer and answer.ranking else None,
        "insights": list(answer.insights) if answer else [],
        "timings_ms": answer.timings_ms if answer else {},
        "spec": spec_to_dict(reading.spec),
    }


def _safe_sql(compile_spec: Any, spec: Any, pipeline: Pipeline) -> str:
    try:
        return compile_spec(spec, pipeline.model).sql
    except ClarifyError:
        return ""


def _sql(pipeline: Pipeline, args: argparse.Namespace) -> int:
    answer = pipeline.answer_sql(args.sql)
    result = answer.result
    if args.json:
        _print_json({"sql": args.sql, "checked_sql": _checked_sql(answer), "tables": args.tables,
                     "columns": list(result.columns) if result else [],
                     "rows": [list(row) for row in result.rows] if result else None,
                     "truncated": result.truncated if result else False, "error": answer.error})
        return 0
    if answer.error:
        print(f"Refused or failed: {answer.error}", file=sys.stderr)
        return EXIT_FAILED
    _print_table(answer)
    return 0


def _checked_sql(answer: Answer) -> str | None:
    """The statement that ran: the guard's re-rendered, row-capped SQL; None when nothing ran."""
    return answer.checked_sql if answer.result is not None else None


def _print_ask(understanding: Understanding, answers: dict[int, Answer]) -> None:
    print(f"Question: {understanding.question}   (as of {understanding.as_of.isoformat()})")
    if understanding.refusal:
        print(f"\nCan't answer: {understanding.refusal.reason}")
        for s in understanding.refusal.suggestions:
            print(f"  try: {s}")
        return
    if understanding.definition:
        print(f"  definition: {understanding.definition}")
    for note in understanding.notes:
        print(f"  note: {note}")
    for reading in understanding.interpretations:
        print(f"\n#{reading.rank}  [{reading.confidence:.0%}]  {reading.description}")
        print(f"     different because: {reading.distinction}")
        answer = answers.get(reading.rank)
        if answer:
            _print_answer(answer)


def _print_answer(answer: Answer) -> None:
    print(f"\n  SQL: {answer.sql}")
    if answer.sql_source != "compiled from the reading":
        print(f"  SQL source: {answer.sql_source}")
    if answer.error:
        print(f"  Error: {answer.error}")
        return
    _print_table(answer)
    if answer.ranking is not None:
        print("  The ranking it came from (the winner first):")
        for n, row in enumerate(format_table(answer.ranking, answer.columns or None)):
            print(f"    {'winner' if n == 0 else f'#{n + 1}':<7}" + "  ".join(row.values()))
    for line in answer.insights:
        print(f"  * {line}")
    if answer.cost_usd:
        print(f"  Model calls for this answer: ${answer.cost_usd:.4f}; insights {answer.insights_source}")


def _print_table(answer: Answer) -> None:
    result = answer.result
    if result is None:
        return
    cells = format_table(result, answer.columns or None)
    shown = cells[-50:] if answer.forecast is not None else cells[:50]  # a forecast's news is at the end
    headers = list(result.columns)
    widths = [max([len(h)] + [len(row[h]) for row in shown]) for h in headers]
    print("  " + "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=False)))
    for row in shown:
        print("  " + "  ".join(row[h].ljust(w) for h, w in zip(headers, widths, strict=False)))
    if len(cells) > 50 or result.truncated:
        print(f"  ... {len(result.rows)} rows{' (capped)' if result.truncated else ''}")

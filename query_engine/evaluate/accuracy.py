"""Accuracy evaluation: score the engine (and its model routes) on a question set with known answers.

A question set is JSON lines: {"id", "q", "kind": clear|ambiguous|refuse|hard, "refs": [reference SQL, ...],
"match": "set"|"prefix"}, or "expected_rows": [[...], ...] (the intended reading's rows) in place of refs. A
follow-up case adds "after": the earlier question (or a list of them, oldest first) whose first reading it refines.
"""
from __future__ import annotations

import argparse
import copy
import datetime as dt
import decimal
import itertools
import json
import math
import re
import statistics
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from functools import partial
from pathlib import Path
from typing import Any

from query_engine.errors import ClarifyError, EvaluationError
from query_engine.llm.access import LLMAccess
from query_engine.pipeline import Answer, Pipeline
from query_engine.settings import Settings
from query_engine.spec.query import QuerySpec
from query_engine.sql.guard import guard_sql

KINDS = ("clear", "ambiguous", "refuse", "hard")
MATCHES = ("set", "prefix")
PREFIX_ROWS = 5




@dataclass(frozen=True)
class QuestionCase:
    """One question with what a correct answer looks like."""

    id: str
    q: str
    kind: str
    refs: tuple[str, ...] = ()
    match: str = "set"
    expected_rows: tuple[tuple[Any, ...], ...] | None = None
    after: tuple[str, ...] = ()  # a follow-up: the earlier questions, oldest first


@dataclass(frozen=True)
class CaseOutcome:
    """How the engine did on one question, and what it offered."""

    id: str
    question: str
    kind: str
    passed: bool
    top1: bool
    intended_rank: int | None  # rank of the first reading that returns the intended rows
    refs_found: int
    refs_total: int
    refusal: str | None
    offered: tuple[str, ...]
    latency_ms: float
    cost_usd: float
    problem: str = ""
    follow_up: bool = False


@dataclass(frozen=True)
class EvaluationReport:
    """Every question's outcome and the summary metrics."""

    outcomes: tuple[CaseOutcome, ...]
    summary: dict[str, Any]

    @property
    def failures(self) -> tuple[CaseOutcome, ...]:
        """The questions the engine got wrong."""
        return tuple(o for o in self.outcomes if not o.passed)

    def to_json(self) -> dict[str, Any]:
        """The report as a JSON-ready dict: summary, failures and every outcome."""
        return {"summary": self.summary, "failures": [asdict(o) for o in self.failures],
                "outcomes": [asdict(o) for o in self.outcomes]}


def parse_cases(lines: Iterable[str]) -> list[QuestionCase]:
    """Question cases from JSON lines; a malformed line raises EvaluationError naming the line."""
    cases = []
    for number, line in enumerate(lines, start=1):
        if line.strip():
            cases.append(_case(line, number))
    if not cases:
        raise EvaluationError("The question set is empty.", hint="Give one JSON object per line with id, q and kind.")
    return cases


def _case(line: str, number: int) -> QuestionCase:
    try:
        data = json.loads(line)
        kind, match = str(data.get("kind", "clear")), str(data.get("match", "set"))
        refs = tuple(str(r) for r in data.get("refs") or ())
        rows = data.get("expected_rows")
        problem = ("kind must be one of " + ", ".join(KINDS) if kind not in KINDS else
                   "match must be set or prefix" if match not in MATCHES else
                   "q (the question) is missing"
                   if "q" not in data or (kind != "refuse" and not str(data["q"]).strip()) else
                   "give refs or expected_rows" if kind != "refuse" and not refs and rows is None else "")
        if problem:
            raise ValueError(problem)
        expected = None if rows is None else tuple(tuple(r) for r in rows)
        after = data.get("after") or ()
        after = (str(after),) if isinstance(after, str) else tuple(str(a) for a in after)
        return QuestionCase(str(data.get("id", f"line{number}")), str(data["q"]), kind, refs, match, expected, after)
    except (ValueError, TypeError, AttributeError) as exc:
        raise EvaluationError(f"Line {number} of the question set is not a valid case: {exc}.",
                              hint='Each line is like {"id": "c1", "q": "Spend by channel", "kind": "clear", '
                                   '"refs": ["SELECT ..."], "match": "set"}.') from None


def load_cases(path: str | Path) -> list[QuestionCase]:
    """Question cases from a JSON-lines file."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise EvaluationError(f"The question set {path} cannot be read ({exc.strerror}).",
                              hint="Check the path.") from None
    return parse_cases(text.splitlines())


def evaluate_question_set(pipeline: Pipeline, cases: Sequence[QuestionCase], *, llm: LLMAccess | None = None,
                          progress: Callable[[int, int], None] | None = None) -> EvaluationReport:
    """Ask every question, run every reading and score them; `llm` replaces the pipeline's model access for the run."""
    if llm is not None:
        pipeline = copy.copy(pipeline)
        pipeline.llm = llm
    outcomes = []
    for index, case in enumerate(cases):
        outcomes.append(evaluate_case(pipeline, case))
        if progress:
            progress(index + 1, len(cases))
    return EvaluationReport(tuple(outcomes), summarize(outcomes))


def evaluate_case(pipeline: Pipeline, case: QuestionCase) -> CaseOutcome:
    """Score one question: refusal for refuse cases, otherwise which readings return which reference rows."""
    started = time.perf_counter()
    understanding = pipeline.understand(case.q, previous=_previous_reading(pipeline, case.after))
    answers = [pipeline.answer(r, question=case.q) for r in understanding.interpretations]
    latency = round((time.perf_counter() - started) * 1000, 2)
    cost = round(understanding.cost_usd + sum(a.cost_usd for a in answers), 6)
    offered = tuple(f"#{r.rank} {r.description}" for r in understanding.interpretations)
    refusal = understanding.refusal.reason if understanding.refusal else None
    outcome = partial(CaseOutcome, id=case.id, question=case.q, kind=case.kind, refusal=refusal, offered=offered,
                      latency_ms=latency, cost_usd=cost, follow_up=bool(case.after))
    if case.kind == "refuse":
        ran = any(a.result is not None for a in answers)
        problem = "" if refusal or not ran else "ran a query instead of refusing"
        return outcome(passed=not problem, top1=not problem, intended_rank=None, refs_found=0, refs_total=0,
                       problem=problem)
    try:
        references = reference_rows(pipeline, case)
    except ClarifyError as exc:
        return outcome(passed=False, top1=False, intended_rank=None, refs_found=0, refs_total=len(case.refs),
                       problem=f"the reference could not run: {exc}")
    hits = [[answer_matches(case.match, ref, a) for a in answers] for ref in references]
    intended = next((i + 1 for i, hit in enumerate(hits[0]) if hit), None)
    found = sum(any(h) for h in hits)
    top1 = intended == 1
    passed = top1 if case.kind == "clear" else intended is not None and (case.kind == "hard" or found == len(hits))
    return outcome(passed=passed, top1=top1, intended_rank=intended, refs_found=found, refs_total=len(hits),
                   problem="" if passed else _problem(case, refusal, intended, found, len(hits)))


def _previous_reading(pipeline: Pipeline, earlier: Sequence[str]) -> QuerySpec | None:
    """The first reading of a chain of earlier questions, each a follow-up of the one before (None: no chain)."""
    previous = None
    for question in earlier:
        found = pipeline.understand(question, previous=previous).interpretations
        previous = found[0].spec if found else previous
    return previous


def _problem(case: QuestionCase, refusal: str | None, intended: int | None, found: int, total: int) -> str:
    if refusal:
        return f"refused: {refusal}"
    if intended is None:
        return "the intended reading was not offered"
    if case.kind == "clear":
        return f"the intended reading was ranked {intended}, not first"
    return f"offered {found} of {total} acceptable readings"


def reference_rows(pipeline: Pipeline, case: QuestionCase) -> list[tuple[tuple[Any, ...], ...]]:
    """The rows of each reference: expected_rows as given, or each reference SQL checked by the guard and run."""
    if case.expected_rows is not None and not case.refs:
        return [case.expected_rows]
    policy = pipeline.policy
    return [pipeline.run_guarded(guard_sql(sql, policy)).rows for sql in case.refs]


def answer_matches(match: str, reference: Sequence[Sequence[Any]], answer: Answer) -> bool:
    """Whether an answer returns the reference rows (set) or starts with the reference ranking (prefix)."""
    if answer.result is None or answer.error:
        return False
    rows = answer.result.rows
    return prefix_match(reference, rows) if match == "prefix" else set_match(reference, rows)


def normalise(value: Any) -> Any:
    """One comparable form: numbers to 6 significant digits, dates as ISO text (month starts as YYYY-MM)."""
    if value is None or isinstance(value, bool):
        return None if value is None else float(value)
    if isinstance(value, (int, float, decimal.Decimal)):
        number = float(value)
        return None if math.isnan(number) else float(f"{number:.6g}")
    if isinstance(value, dt.datetime):
        value = value.date() if value.time() == dt.time(0) else value
        if isinstance(value, dt.datetime):
            return value.isoformat()
    if isinstance(value, dt.date):
        return value.strftime("%Y-%m") if value.day == 1 else value.isoformat()
    text = re.sub(r"[ T]00:00:00(?:\.0+)?$", "", str(value).strip())
    if re.fullmatch(r"\d{4}-\d{2}-01", text):
        return text[:7]
    try:
        return float(f"{float(text):.6g}")
    except ValueError:
        return text.casefold()


def _close(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-9)
    return a == b


def _sort_key(value: Any) -> tuple[bool, str, Any]:
    return value is None, str(type(value)), value if value is not None else 0


def set_match(reference: Sequence[Sequence[Any]], answer: Sequence[Sequence[Any]]) -> bool:
    """True when some one-to-one choice of the answer's columns reproduces the reference rows, order ignored."""
    if len(reference) != len(answer):
        return False
    if not reference:
        return True
    ref = [[normalise(v) for v in row] for row in reference]
    got = [[normalise(v) for v in row] for row in answer]
    columns = [sorted((r[k] for r in got), key=_sort_key) for k in range(len(got[0]))]
    candidates = []
    for j in range(len(ref[0])):
        wanted = sorted((r[j] for r in ref), key=_sort_key)
        candidates.append([k for k, col in enumerate(columns) if all(map(_close, wanted, col))])
    ref_rows = sorted((tuple(r) for r in ref), key=repr)
    for choice in itertools.product(*candidates):
        if len(set(choice)) == len(choice):
            projected = sorted((tuple(r[k] for k in choice) for r in got), key=repr)
            if all(all(map(_close, p, q)) for p, q in zip(projected, ref_rows, strict=False)):
                return True
    return False


def prefix_match(reference: Sequence[Sequence[Any]], answer: Sequence[Sequence[Any]], k: int = PREFIX_ROWS) -> bool:
    """True when the first k reference keys (first column) appear in the same order in some answer column."""
    n = min(k, len(reference))
    if n == 0 or len(answer) < n:
        return False
    want = [normalise(r[0]) for r in reference[:n]]
    return any(all(_close(w, normalise(r[c])) for w, r in zip(want, answer[:n], strict=False))
               for c in range(len(answer[0])))


def summarize(outcomes: Sequence[CaseOutcome]) -> dict[str, Any]:
    """The metrics: top-1 accuracy (clear), intended reading in the five, ambiguity recall, refusals, latency, cost."""
    def of(*kinds: str) -> list[CaseOutcome]:
        return [o for o in outcomes if o.kind in kinds]

    answerable = of("clear", "ambiguous", "hard")
    latencies = [o.latency_ms for o in outcomes]
    total_cost = round(sum(o.cost_usd for o in outcomes), 6)
    return {
        "questions": len(outcomes),
        "passed": sum(o.passed for o in outcomes),
        "failed": sum(not o.passed for o in outcomes),
        "top1_accuracy": _share(o.top1 for o in of("clear")),
        "intended_in_five": _share(o.intended_rank is not None for o in answerable),
        "ambiguity_recall": _mean(o.refs_found / o.refs_total for o in of("ambiguous") if o.refs_total),
        "refusal_accuracy": _share(o.passed for o in of("refuse")),
        "false_refusals": sum(o.refusal is not None for o in answerable),
        "hard_in_five": _share(o.intended_rank is not None for o in of("hard")),
        "follow_ups": sum(o.follow_up for o in outcomes),
        "follow_up_top1": _share(o.top1 for o in outcomes if o.follow_up and o.kind == "clear"),
        "by_kind": {kind: len(of(kind)) for kind in KINDS if of(kind)},
        "mean_latency_ms": round(statistics.fmean(latencies), 2) if latencies else None,
        "median_latency_ms": round(statistics.median(latencies), 2) if latencies else None,
        "total_cost_usd": total_cost,
        "cost_per_question_usd": round(total_cost / len(outcomes), 6) if outcomes else None,
    }


def _share(flags: Iterable[bool]) -> float | None:
    values = list(flags)
    return round(sum(values) / len(values), 4) if values else None


def _mean(values: Iterable[float]) -> float | None:
    found = list(values)
    return round(statistics.fmean(found), 4) if found else None


def failure_table(report: EvaluationReport) -> str:
    """The failures as a plain-text table: id, kind, what went wrong and what was offered."""
    if not report.failures:
        return "No failures."
    lines = [f"{'id':<8} {'kind':<9} problem / offered", "-" * 78]
    for outcome in report.failures:
        lines.append(f"{outcome.id:<8} {outcome.kind:<9} {outcome.question}")
        lines.append(f"{'':<18}problem: {outcome.problem}")
        lines.extend(f"{'':<18}{line[:150]}" for line in outcome.offered or ("(nothing offered)",))
    return "\n".join(lines)


def summary_text(summary: dict[str, Any]) -> str:
    """One line per metric, percentages for shares."""
    shares = ("top1_accuracy", "intended_in_five", "ambiguity_recall", "refusal_accuracy", "hard_in_five",
              "follow_up_top1")
    lines = []
    for name, value in summary.items():
        shown = "n/a" if value is None else f"{value:.1%}" if name in shares else value
        lines.append(f"{name.replace('_', ' ')}: {shown}")
    return "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    """Arguments of `python -m query_engine evaluate`."""
    parser = argparse.ArgumentParser(prog="python -m query_engine evaluate",
                                     description="Score the engine on a question set (JSON lines).")
    parser.add_argument("questions", type=Path,
                        help="question set: JSON lines with id, q, kind, refs or expected_rows, match")
    parser.add_argument("--db", type=Path, help="DuckDB file (default: the demo database in $CLARIFY_HOME)")
    parser.add_argument("--json", action="store_true", help="print one JSON report whose summary holds top1_accuracy")
    return parser


def main(argv: Sequence[str] | None = None, *, settings: Settings | None = None, llm: LLMAccess | None = None) -> int:
    """Run `evaluate QUESTIONS.jsonl [--db PATH] [--json]`; returns the exit code (0 when it ran, 1 on an error)."""
    args = build_parser().parse_args(argv)
    settings = settings or Settings()
    try:
        cases = load_cases(args.questions)
        if args.db is None:
            from query_engine.datasets.demo import ensure_demo_database

            ensure_demo_database(settings.database_path)
        pipeline = Pipeline.open(settings, args.db, llm=llm)
    except ClarifyError as exc:
        print(json.dumps({"error": str(exc)}) if args.json else f"Error: {exc}",
              file=sys.stdout if args.json else sys.stderr)
        return 1
    try:
        report = evaluate_question_set(pipeline, cases)
    finally:
        pipeline.close()
    if args.json:
        print(json.dumps(report.to_json(), default=str))
    else:
        print(failure_table(report))
        print()
        print(summary_text(report.summary))
    return 0

"""Score Clarify on the project's own export corpus (tests/fixtures/exports): questions asked of real-shaped uploads.

    python bench/score_exports.py                      # every file, every question
    python bench/score_exports.py --file amazon        # files whose name contains 'amazon'
    python bench/score_exports.py --only me07,gg11 --verbose
    python bench/score_exports.py --cli                # one `python -m query_engine ask ... --json` per question

Each file is loaded the way a user's upload is (`--data FILE`: the catalogue's ingest and model inference, in a
fresh temporary CLARIFY_HOME per file, reused for that file's questions) and each question is asked with all
readings run. By default this runs in process through the CLI's own functions (the same `--data` open and the
same JSON payload as `ask --all --json`); `--cli` runs the CLI as a subprocess instead. The reference SQL runs
on tests/fixtures/exports/load_reference.py's load, never on Clarify's table.

Rows are compared with tests/result_matching.py (rows_match for "set", ranking_matches for "prefix"), also
taking a fraction and x100 as equal (a stored percent against a computed fraction) and an ISO date-time at
midnight as its date, and an export's '-' / '--' as NULL (as the reference load reads them).
  clear_top1     clear questions whose first reading's rows match the first ref
  clear_cov5     clear questions where any of the (up to five) readings matches the first ref
  amb_intended5  ambiguous questions where the first ref is among the readings
  refuse         refuse questions answered with a refusal and no rows
  crashes        questions whose ask raised, printed no JSON or failed with Clarify's "unexpected problem"
  amb_recall     the share of all ambiguous questions' acceptable readings (refs) found among the five
  amb_recall_mean  the same per question, averaged (as bench/score_demo.py's ambiguity_recall)
Last line: SCORE clear_top1=.. clear_cov5=.. amb_intended5=.. refuse=.. crashes=N n=N amb_recall=..
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import subprocess
import sys
import tempfile
import traceback
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
EXPORTS = ROOT / "tests" / "fixtures" / "exports"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(EXPORTS))
os.environ.setdefault("LITELLM_OFFLINE_MODE", "true")

from load_reference import TABLES, load_reference  # noqa: E402

from tests.result_matching import ranking_matches, rows_match  # noqa: E402

ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}(?:[T ]00:00:00(?:\.0+)?)?$")


# ------------------------------------------------------------------------------------------- asking
class InProcess:
    """One file's dataset opened as `ask --data FILE` opens it; questions asked as `ask --all --json` asks them."""

    def __init__(self, path: Path, home: Path) -> None:
        from query_engine import cli

        self.cli = cli
        environ = {**os.environ, "CLARIFY_HOME": str(home)}
        os.environ["CLARIFY_HOME"] = str(home)
        self.settings = cli._settings(environ)
        args = argparse.Namespace(url=None, data=path, dataset=None, replace=False, db=None)
        self.pipeline, self.tables = cli._open(self.settings, args)

    def ask(self, question: str) -> dict[str, Any]:
        understanding = self.pipeline.understand(question, None)
        answers = {i.rank: self.pipeline.answer(i) for i in understanding.interpretations if i.rank in range(1, 6)}
        payload = self.cli._ask_payload(self.pipeline, understanding, answers, self.tables)
        return json.loads(json.dumps(self.cli.json_safe(payload), default=str))

    def close(self) -> None:
        self.pipeline.close()


class Subprocess:
    """`python -m query_engine ask Q --data FILE --all --json`, one process per question, one home per file."""

    def __init__(self, path: Path, home: Path, python: str) -> None:
        self.path, self.python = path, python
        self.env = {**os.environ, "CLARIFY_HOME": str(home), "LITELLM_OFFLINE_MODE": "true"}

    def ask(self, question: str) -> dict[str, Any]:
        done = subprocess.run([self.python, "-m", "query_engine", "ask", question, "--data", str(self.path), "--all",
                               "--json"], cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=600)
        lines = [ln for ln in done.stdout.splitlines() if ln.strip().startswith("{")]
        if not lines:
            raise RuntimeError(f"no JSON (exit {done.returncode}): {done.stderr.strip()[-400:]}")
        return json.loads(lines[-1])

    def close(self) -> None:
        pass


# ---------------------------------------------------------------------------------------- comparing
def _cell(value: Any) -> Any:
    if isinstance(value, str) and value.strip() in ("-", "--"):
        return None  # an export's "none" marker: the reference load reads it as NULL
    if isinstance(value, str) and ISO_DATE.match(value.strip()):
        return dt.date.fromisoformat(value.strip()[:10])
    return value


def _widened(rows: Sequence[Sequence[Any]]) -> list[list[Any]]:
    """The answer's rows with each numeric column also as x100 and /100, so a percent matches a fraction."""
    rows = [[_cell(v) for v in r] for r in rows]
    if not rows:
        return rows
    numeric = [k for k in range(len(rows[0]))
               if all(v is None or (isinstance(v, (int, float)) and not isinstance(v, bool))
                      for v in (r[k] for r in rows))
               and any(v is not None for v in (r[k] for r in rows))]
    out = []
    for r in rows:
        extra = []
        for k in numeric:
            v = r[k]
            extra += [None if v is None else v * 100.0, None if v is None else v / 100.0]
        out.append(list(r) + extra)
    return out


def matches(reference: Sequence[Sequence[Any]], answer: Sequence[Sequence[Any]] | None, match: str) -> bool:
    if not answer:
        return False
    got = _widened(answer)
    if len(reference[0]) > 6 or len(got[0]) > 24:  # keep rows_match's column search small
        got = [r[:24] for r in got]
    if match == "prefix":
        return ranking_matches(reference, got, k=5) or rows_match(reference, got)
    return rows_match(reference, got)


def readings(payload: dict[str, Any]) -> list[dict[str, Any]]:
    return sorted(payload.get("interpretations") or [], key=lambda r: r.get("rank", 99))


def any_rows(payload: dict[str, Any]) -> bool:
    return any(r.get("rows") for r in readings(payload))


def is_crash(payload: dict[str, Any]) -> bool:
    return "unexpected problem" in str(payload.get("error") or "")


# ------------------------------------------------------------------------------------------ scoring
def load_questions(path: Path, file_filter: str | None, only: set[str] | None) -> list[dict[str, Any]]:
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        q = json.loads(line)
        if file_filter and file_filter.lower() not in q["file"].lower():
            continue
        if only and q["id"] not in only:
            continue
        out.append(q)
    return out


def short(rows: Any, n: int = 3) -> str:
    if rows is None:
        return "None"
    text = json.dumps([list(r) for r in rows[:n]], default=str)
    return (text[:300] + "...") if len(text) > 300 else text + (f" (+{len(rows) - n} rows)" if len(rows) > n else "")


BLIND_SPLIT = EXPORTS / "blind_split.txt"


class _Tally:
    """A file's counts that also add each change to its split's counts (dev or blind)."""

    def __init__(self, primary: dict[str, int], also: dict[str, int]) -> None:
        self.primary, self.also = primary, also

    def __getitem__(self, key: str) -> int:
        return self.primary[key]

    def __setitem__(self, key: str, value: int) -> None:
        self.also[key] += value - self.primary[key]
        self.primary[key] = value


def blind_ids() -> set[str]:
    """The blind split: question ids never looked at while developing (chosen once, at random)."""
    if not BLIND_SPLIT.is_file():
        return set()
    return {line.strip() for line in BLIND_SPLIT.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")}


def score(questions: list[dict[str, Any]], folder: Path, use_cli: bool, python: str, verbose: bool) -> int:
    by_file: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for q in questions:
        by_file[q["file"]].append(q)
    reference = load_reference(folder, only=sorted(by_file))
    stats: dict[str, dict[str, int]] = {}
    splits: dict[str, dict[str, int]] = {"dev": defaultdict(int), "blind": defaultdict(int)}
    blind = blind_ids()
    for file, items in by_file.items():
        stats[file] = defaultdict(int)
        table = TABLES[file]
        with tempfile.TemporaryDirectory(prefix="clarify_score_") as home:
            asker: Any = None
            load_error = ""
            try:
                asker = (Subprocess(folder / file, Path(home), python) if use_cli
                         else InProcess(folder / file, Path(home)))
            except Exception as exc:  # noqa: BLE001 - a file that does not load: its questions all count as crashes
                load_error = f"{type(exc).__name__}: {exc}"
                LOAD_ERRORS[file] = load_error
                print(f"LOAD FAILED {file}: {load_error}", file=sys.stderr)
            for q in items:
                kind = q["kind"]
                s: Any = _Tally(stats[file], splits["blind" if q["id"] in blind else "dev"])
                s["n"] += 1
                s[f"n_{kind}"] += 1
                try:
                    if asker is None:
                        s["crashes"] += 1
                        s["load_failed"] += 1
                        continue
                    payload = asker.ask(q["q"])
                    if is_crash(payload):
                        raise RuntimeError(payload.get("error"))
                    ok, detail = judge(q, payload, reference, table, s)
                except Exception as exc:  # noqa: BLE001 - never stop on one bad answer
                    s["crashes"] += 1
                    print(f"CRASH {q['id']} {q['q']!r}: {type(exc).__name__}: {str(exc)[:300]}", file=sys.stderr)
                    if verbose:
                        traceback.print_exc(limit=3)
                    continue
                if verbose and not ok and q["id"] not in blind:  # a blind miss is counted, never shown
                    print(detail)
            if asker is not None:
                try:
                    asker.close()
                except Exception:  # noqa: BLE001
                    pass
    report(stats, splits)
    return 0


LOAD_ERRORS: dict[str, str] = {}


def judge(q: dict[str, Any], payload: dict[str, Any], reference: Any, table: str,
          s: dict[str, int]) -> tuple[bool, str]:
    kind, found = q["kind"], readings(payload)
    if kind == "refuse":
        ok = bool(payload.get("refusal")) and not any_rows(payload)
        s["refuse_ok"] += ok
        return ok, miss(q, payload, None, "expected a refusal and no rows")
    refs = [reference.execute(r.replace("{t}", table)).fetchall() for r in q["refs"]]
    hits = [[matches(ref, r.get("rows"), q["match"]) for r in found] for ref in refs]
    if kind == "clear":
        top1 = bool(hits[0]) and hits[0][0]
        cov5 = any(hits[0])
        s["clear_top1"] += top1
        s["clear_cov5"] += cov5
        return top1, miss(q, payload, refs[0], "first reading" if cov5 else "no reading")
    intended = any(hits[0])
    s["amb_intended5"] += intended
    s["amb_recall5"] += sum(any(h) for h in hits)
    s["amb_refs"] += len(refs)
    found_refs = sum(any(h) for h in hits)
    s["amb_recall_milli"] += round(1000 * found_refs / len(refs))  # this question's recall
    what = f"offered {found_refs} of {len(refs)} acceptable readings" if intended else \
        "intended reading not among the readings"
    return intended and found_refs == len(refs), miss(q, payload, refs[0], what)


def miss(q: dict[str, Any], payload: dict[str, Any], expected: Any, what: str) -> str:
    lines = [f"MISS {q['id']} [{q['kind']}] {q['q']!r} ({what})"]
    if payload.get("refusal"):
        lines.append(f"    refusal: {payload['refusal']}")
    if payload.get("error"):
        lines.append(f"    error: {payload['error']}")
    for r in readings(payload):
        lines.append(f"    #{r.get('rank')} {r.get('text')}  cols={r.get('columns')}  rows={short(r.get('rows'))}"
                     + (f"  error={r.get('error')}" if r.get("error") else ""))
    if expected is not None:
        lines.append(f"    expected ({q['match']}): {short(expected)}   ref: {q['refs'][0]}")
    return "\n".join(lines)


def rate(a: float, b: int) -> str:
    return f"{a / b:.3f}" if b else "n/a"


def score_line(t: dict[str, int], label: str = "SCORE") -> str:
    return (f"{label} clear_top1={rate(t['clear_top1'], t['n_clear'])} "
            f"clear_cov5={rate(t['clear_cov5'], t['n_clear'])} "
            f"amb_intended5={rate(t['amb_intended5'], t['n_ambiguous'])} refuse={rate(t['refuse_ok'], t['n_refuse'])} "
            f"crashes={t['crashes']} n={t['n']} amb_recall={rate(t['amb_recall5'], t['amb_refs'])} "
            f"amb_recall_mean={rate(t['amb_recall_milli'] / 1000, t['n_ambiguous'])}")


def report(stats: dict[str, dict[str, int]], splits: dict[str, dict[str, int]]) -> None:
    total: dict[str, int] = defaultdict(int)
    print(f"\n{'file':52} {'n':>4} {'top1':>7} {'cov5':>7} {'amb5':>7} {'refuse':>7} {'crash':>6}")
    for file, s in stats.items():
        for k, v in s.items():
            total[k] += v
        print(f"{file:52} {s['n']:>4} {rate(s['clear_top1'], s['n_clear']):>7} "
              f"{rate(s['clear_cov5'], s['n_clear']):>7} {rate(s['amb_intended5'], s['n_ambiguous']):>7} "
              f"{rate(s['refuse_ok'], s['n_refuse']):>7} {s['crashes']:>6}")
    t = total
    for file, why in LOAD_ERRORS.items():
        print(f"load failed (its {stats[file]['load_failed']} questions count as crashes): {file}: {why[:200]}")
    print(f"{'overall':52} {t['n']:>4} {rate(t['clear_top1'], t['n_clear']):>7} "
          f"{rate(t['clear_cov5'], t['n_clear']):>7} {rate(t['amb_intended5'], t['n_ambiguous']):>7} "
          f"{rate(t['refuse_ok'], t['n_refuse']):>7} {t['crashes']:>6}")
    print(f"clear {t['n_clear']}, ambiguous {t['n_ambiguous']} "
          f"(recall of all refs {rate(t['amb_recall5'], t['amb_refs'])}), refuse {t['n_refuse']}")
    for name, counts in splits.items():
        print(score_line(counts, f"SPLIT {name:5}"))
    print(score_line(t))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--file", help="only files whose name contains this")
    parser.add_argument("--only", help="comma-separated question ids")
    parser.add_argument("--verbose", action="store_true", help="print each miss: readings, expected and got rows")
    parser.add_argument("--cli", action="store_true", help="run `python -m query_engine ask` per question")
    parser.add_argument("--python", default=sys.executable, help="interpreter for --cli (default: this one)")
    parser.add_argument("--questions", type=Path, default=EXPORTS / "questions.jsonl")
    parser.add_argument("--folder", type=Path, default=EXPORTS, help="folder holding the export files")
    args = parser.parse_args(argv)
    only = {x.strip() for x in args.only.split(",") if x.strip()} if args.only else None
    questions = load_questions(args.questions, args.file, only)
    if not questions:
        print("no questions selected", file=sys.stderr)
        return 2
    missing = [f for f in {q["file"] for q in questions} if not (args.folder / f).is_file()]
    if missing:  # the files are checked in; regenerate them when absent
        subprocess.run([sys.executable, str(EXPORTS / "make_exports.py"), str(args.folder)], check=True)
    return score(questions, args.folder, args.cli, args.python, args.verbose)


if __name__ == "__main__":
    sys.exit(main())

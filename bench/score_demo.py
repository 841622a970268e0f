"""Score Clarify on the project's own demo question cases, development and blind splits apart.

    python bench/score_demo.py            # every case of the three files below
    python bench/score_demo.py --verbose  # also each development miss with what was offered

The cases: tests/fixtures/question_cases.jsonl (the first 73, tuned on), analyst_cases.jsonl (written by an
outside helper as analysts ask, without running Clarify) and follow_up_cases.jsonl (each refines the first
reading of its "after" question). tests/fixtures/demo_blind_split.txt names the blind fifth, chosen once at random:
its figures are printed, its misses never. Each case runs through `evaluate` on the demo database, offline.
  clear_top1        clear questions whose first reading returns the reference rows
  intended_in_five  clear and ambiguous questions whose intended reading is among the five
  ambiguity_recall  the share of an ambiguous question's acceptable readings that are offered, averaged
  refusals          refuse questions answered with a refusal and no rows
  follow_up_top1    clear follow-ups whose first reading returns the reference rows
Last line: SCORE dev ... | blind ... | all ...
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
FILES = ("question_cases.jsonl", "analyst_cases.jsonl", "follow_up_cases.jsonl")
sys.path.insert(0, str(ROOT))
os.environ.setdefault("LITELLM_OFFLINE_MODE", "true")

from query_engine.datasets.demo import ensure_demo_database  # noqa: E402
from query_engine.evaluate.accuracy import CaseOutcome, evaluate_question_set, load_cases, summarize  # noqa: E402
from query_engine.pipeline import Pipeline  # noqa: E402
from query_engine.settings import Settings  # noqa: E402

SHOWN = (("clear_top1", "top1_accuracy"), ("intended_in_five", "intended_in_five"),
         ("ambiguity_recall", "ambiguity_recall"), ("refusals", "refusal_accuracy"),
         ("follow_up_top1", "follow_up_top1"))


def blind_ids() -> set[str]:
    """The ids of the blind split."""
    lines = (FIXTURES / "demo_blind_split.txt").read_text(encoding="utf-8").splitlines()
    return {line.strip() for line in lines if line.strip() and not line.startswith("#")}


def figures(outcomes: list[CaseOutcome]) -> str:
    """The split's figures on one line."""
    summary = summarize(outcomes)
    shown = [f"{name}={'n/a' if summary[key] is None else format(summary[key], '.3f')}" for name, key in SHOWN]
    kinds = summary["by_kind"]
    return " ".join(shown) + f" n={len(outcomes)} ({', '.join(f'{k} {v}' for k, v in kinds.items())}; " \
                             f"follow-ups {summary['follow_ups']})"


def main(argv: list[str] | None = None) -> int:
    """Score every case and print the figures of each split."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--verbose", action="store_true", help="print each development miss with what was offered")
    args = parser.parse_args(argv)
    settings = Settings()
    ensure_demo_database(settings.database_path)
    cases = [case for name in FILES for case in load_cases(FIXTURES / name)]
    blind = blind_ids()
    pipeline = Pipeline.open(settings)
    try:
        outcomes = list(evaluate_question_set(pipeline, cases).outcomes)
    finally:
        pipeline.close()
    dev = [o for o in outcomes if o.id not in blind]
    held = [o for o in outcomes if o.id in blind]
    for outcome in dev:
        if not outcome.passed:
            print(f"MISS {outcome.id} {outcome.kind}: {outcome.question!r}: {outcome.problem}")
            if args.verbose:
                for line in outcome.offered:
                    print(f"      {line}")
    print(f"blind misses: {sum(not o.passed for o in held)} (never printed)")
    for name, split in (("dev", dev), ("blind", held), ("all", outcomes)):
        print(f"SPLIT {name}: {figures(split)}")
    print("SCORE " + " | ".join(f"{name} {figures(split).split(' n=')[0]}"
                                for name, split in (("dev", dev), ("blind", held), ("all", outcomes))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

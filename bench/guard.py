"""Prints the SQL guard's cost per statement and how fast a runaway query is stopped."""
from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from query_engine.errors import QueryTimeout  # noqa: E402
from query_engine.semantics.model import load_semantic_model  # noqa: E402
from query_engine.sql.executor import execute, open_connection  # noqa: E402
from query_engine.sql.guard import guard_sql, policy_for_model  # noqa: E402

VALID = ROOT / "tests" / "fixtures" / "valid_sql.txt"
RUNAWAY = "SELECT count(*) FROM range(100000000) a, range(100000000) b"


def guard_timings(rounds: int = 30) -> list[float]:
    """Milliseconds per guard_sql call over every valid corpus line, `rounds` times each."""
    policy = policy_for_model(load_semantic_model())
    lines = [line for line in VALID.read_text(encoding="utf-8").splitlines()
             if line.strip() and not line.startswith("#")]
    timings = []
    for _ in range(rounds):
        for sql in lines:
            started = time.perf_counter()
            guard_sql(sql, policy)
            timings.append((time.perf_counter() - started) * 1000)
    return timings


def interrupt_latency(limit_s: float = 1.0) -> float:
    """Seconds from the start of a runaway query until QueryTimeout reaches the caller."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.duckdb"
        duckdb.connect(str(path)).close()
        con = open_connection(path)
        started = time.perf_counter()
        try:
            execute(con, RUNAWAY, time_limit_s=limit_s)
        except QueryTimeout:
            return time.perf_counter() - started
        finally:
            con.close()
    raise RuntimeError("the runaway query finished before its time limit")


def main() -> None:
    """Print the figures."""
    timings = sorted(guard_timings())
    p95 = timings[int(len(timings) * 0.95) - 1]
    print(f"guard_sql over {len(timings)} calls: median {statistics.median(timings):.3f} ms, "
          f"p95 {p95:.3f} ms, max {timings[-1]:.3f} ms")
    for _ in range(3):
        took = interrupt_latency(1.0)
        print(f"runaway query, limit 1.0 s: QueryTimeout after {took:.3f} s "
              f"({(took - 1.0) * 1000:.0f} ms past the limit)")


if __name__ == "__main__":
    main()

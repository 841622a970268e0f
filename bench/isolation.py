"""Prints what process isolation costs and what it bounds.

1. Per-query overhead of running in a warm worker process instead of in the server's own process
   (median and p95 over small analyst queries; target <= 5 ms median).
2. The worst case of each reproduction from the security review, through the path an analyst's edited SQL
   takes (Pipeline.answer_sql) and, for statements the guard refuses, raw past the guard into a worker:
   how long until the analyst has an answer or a message, the server's peak memory, and the worker's.

Usage: python bench/isolation.py [--db PATH] [--rounds N]
"""
from __future__ import annotations

import argparse
import os
import resource
import signal
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("LITELLM_OFFLINE_MODE", "true")

from query_engine.datasets.demo import ensure_demo_database  # noqa: E402
from query_engine.errors import ClarifyError  # noqa: E402
from query_engine.pipeline import Pipeline  # noqa: E402
from query_engine.settings import Settings  # noqa: E402
from query_engine.sql.executor import execute, open_connection  # noqa: E402
from query_engine.sql.worker_pool import IsolatedDuckDB  # noqa: E402

SMALL = [
    "SELECT channel, COUNT(*) FROM campaigns GROUP BY 1",
    "SELECT SUM(spend) AS spend FROM campaign_daily WHERE date >= DATE '2025-10-01'",
    "SELECT c.channel, SUM(d.revenue) / NULLIF(SUM(d.spend), 0) AS roas FROM campaign_daily d JOIN campaigns c "
    "USING (campaign_id) GROUP BY 1 ORDER BY 2 DESC",
    "SELECT date_trunc('month', date) AS month, SUM(clicks) FROM campaign_daily GROUP BY 1 ORDER BY 1",
]


def doubling_chain(steps: int) -> str:
    """Each step reads the one before twice."""
    ctes = ["c0 AS (SELECT campaign_id FROM campaigns)"]
    ctes += [f"c{i} AS (SELECT * FROM c{i - 1} UNION ALL SELECT * FROM c{i - 1})" for i in range(1, steps + 1)]
    return f"WITH {', '.join(ctes)} SELECT count(*) FROM c{steps}"


REPRODUCTIONS = [
    ("30 chained self-UNION ALL steps", doubling_chain(30)),
    ("damerau_levenshtein on strftime strings",
     "SELECT max(damerau_levenshtein(strftime(date, '%Y-%m-%d %Y-%m-%d %Y-%m-%d'), strftime(date, '%d %m %Y'))) "
     "FROM campaign_daily"),
    ("levenshtein on doubled strings",
     "SELECT max(levenshtein(a.campaign_name || a.campaign_name || b.campaign_name, "
     "b.campaign_name || a.campaign_name)) FROM campaigns a, campaigns b"),
    ("repeat('x', 5000000)", "SELECT length(repeat('x', 5000000)) FROM campaign_daily"),
    ("one huge value", "SELECT length(repeat('x', 1500000000) || repeat('y', 1500000000)) FROM range(4)"),
    ("20-row self-join of huge values", "SELECT max(length(a.s || b.s)) FROM (SELECT repeat('x', 100000000) s "
     "FROM range(20)) a, (SELECT repeat('y', 100000000) s FROM range(20)) b"),
    ("runaway cross join", "SELECT count(*) FROM campaign_daily a, campaign_daily b, campaign_daily c"),
]


def overhead(database: Path, rounds: int) -> tuple[list[float], list[float]]:
    """Milliseconds per query: in a worker, and in this process on a locked connection."""
    runner = IsolatedDuckDB(database)
    con = open_connection(database)
    runner("SELECT 1")
    worker, local = [], []
    for _ in range(rounds):
        for sql in SMALL:
            started = time.perf_counter()
            runner(sql)
            worker.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            execute(con, sql)
            local.append((time.perf_counter() - started) * 1000)
    con.close()
    return worker, local


def _server_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _workers_mb(raw: IsolatedDuckDB) -> float:
    """The largest peak RSS of any worker: ended ones (rusage) and live ones (/proc)."""
    peaks = [resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024]
    for worker in list(raw.pool._idle):
        try:
            status = Path(f"/proc/{worker.proc.pid}/status").read_text()
            peaks.append(int(status.split("VmHWM:")[1].split()[0]) / 1024)
        except (OSError, IndexError, ValueError):
            continue
    return max(peaks)


def reproduce(pipeline: Pipeline, raw: IsolatedDuckDB, name: str, sql: str, limit_s: float) -> str:
    """One line: what the analyst got through the pipeline, and what the same SQL does past the guard."""
    started = time.perf_counter()
    answer = pipeline.answer_sql(sql)
    guarded = f"{time.perf_counter() - started:6.2f} s  " + ("refused" if answer.error and answer.error.startswith(
        "Refused") else ("stopped" if answer.error else "answered"))
    started = time.perf_counter()
    try:
        raw(sql, time_limit_s=limit_s)
        outcome = "answered"
    except ClarifyError as exc:
        outcome = type(exc).__name__
    elapsed = time.perf_counter() - started
    return (f"| {name} | {guarded} | {elapsed:6.2f} s {outcome} (limit {limit_s:g} s) | {_server_mb():,.0f} MB "
            f"| {_workers_mb(raw):,.0f} MB |")


def hung_worker(raw: IsolatedDuckDB, limit_s: float) -> str:
    """A worker that stops answering (SIGSTOP): how long past the limit until the kill frees the caller."""
    raw("SELECT 1")
    for worker in list(raw.pool._idle):
        os.kill(worker.proc.pid, signal.SIGSTOP)
    started = time.perf_counter()
    try:
        raw("SELECT 1", time_limit_s=limit_s)
    except ClarifyError as exc:
        return f"hung worker: {type(exc).__name__} after {time.perf_counter() - started:.2f} s (limit {limit_s:g} s)"
    return "hung worker: answered (no worker was stopped)"


def main() -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path)
    parser.add_argument("--rounds", type=int, default=50)
    args = parser.parse_args()
    settings = Settings.from_environ(os.environ)
    database = args.db or ensure_demo_database(settings.database_path)
    worker, local = overhead(database, args.rounds)
    diff = statistics.median(worker) - statistics.median(local)
    p95 = sorted(worker)[int(len(worker) * 0.95)]
    print(f"per query over {len(worker)} queries: worker median {statistics.median(worker):.2f} ms (p95 {p95:.2f}), "
          f"in-process median {statistics.median(local):.2f} ms, overhead {diff:.2f} ms (target <= 5 ms)")
    print(f"worker memory cap {settings.worker_memory}, DuckDB memory_limit {settings.memory_limit}, "
          f"time limit {settings.time_limit_s:g} s")
    pipeline = Pipeline.open(settings, database)
    raw = IsolatedDuckDB(database, memory_limit=settings.memory_limit, worker_memory=settings.worker_memory)
    print("| reproduction | through the guard | raw, past the guard | server peak RSS | worker peak RSS |")
    print("|---|---|---|---|---|")
    for name, sql in REPRODUCTIONS:
        print(reproduce(pipeline, raw, name, sql, settings.time_limit_s), flush=True)
    print(hung_worker(raw, 2.0))
    pipeline.close()


if __name__ == "__main__":
    main()

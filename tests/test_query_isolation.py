"""Statements that exhausted the machine: refused by the guard's shape rules, or, past the guard, stopped in
their worker process (memory cap, deadline) while the server and the other workers carry on."""
from __future__ import annotations

import os
import resource
import signal

import pytest

from query_engine.errors import QueryFailed, QueryTimeout, ResourceLimit, SqlRefused
from query_engine.pipeline import Pipeline
from query_engine.semantics.model import load_semantic_model
from query_engine.settings import Settings
from query_engine.sql.guard import guard_sql, policy_for_model
from query_engine.sql.worker_pool import IsolatedDuckDB, IsolatedPostgres, WorkerPool

POLICY = policy_for_model(load_semantic_model())


def doubling_chain(steps: int) -> str:
    """Each step reads the one before twice: 2**steps rows from one."""
    ctes = ["c0 AS (SELECT campaign_id FROM campaigns)"]
    ctes += [f"c{i} AS (SELECT * FROM c{i - 1} UNION ALL SELECT * FROM c{i - 1})" for i in range(1, steps + 1)]
    return f"WITH {', '.join(ctes)} SELECT count(*) FROM c{steps}"


@pytest.mark.parametrize("sql,phrase", [
    (doubling_chain(30), "WITH steps"),
    (doubling_chain(7), "reads its tables"),
    ("SELECT damerau_levenshtein(strftime(start_date, repeat('%Y', 999)), channel) FROM campaigns",
     "damerau_levenshtein"),
    ("SELECT damerau_levenshtein(campaign_name || campaign_name || campaign_name, channel || campaign_name) "
     "FROM campaigns", "damerau_levenshtein"),
    ("SELECT levenshtein(campaign_name || campaign_name, campaign_name || campaign_name) FROM campaigns",
     "levenshtein"),
    ("SELECT jaro_winkler_similarity(campaign_name, channel) FROM campaigns", "compares text character by character"),
    ("SELECT length(repeat('x', 5000000)) FROM campaigns", "repeat"),
    ("SELECT lpad(campaign_name, 100000000, 'x') FROM campaigns", "function pad"),
    ("SELECT rpad(campaign_name, 100000000, 'x') FROM campaigns", "function pad"),
    ("SELECT strftime(start_date, '" + "%Y" * 1500 + "') FROM campaigns", "characters long"),
    ("WITH " + ", ".join(f"s{i} AS (SELECT {i} AS n FROM campaigns)" for i in range(20))
     + " SELECT count(*) FROM s19", "WITH steps"),
    (" UNION ALL ".join("SELECT campaign_id FROM campaigns" for _ in range(20)), "UNION"),
])
def test_guard_refuses_statements_that_exhaust_the_machine(sql, phrase):
    with pytest.raises(SqlRefused) as refusal:
        guard_sql(sql, POLICY)
    assert phrase in refusal.value.message


def test_guard_still_accepts_ordinary_steps_and_unions():
    sql = ("WITH a AS (SELECT campaign_id, spend FROM campaign_daily), b AS (SELECT campaign_id, SUM(spend) s FROM a "
           "GROUP BY 1), c AS (SELECT * FROM b WHERE s > 0) SELECT * FROM c JOIN b USING (campaign_id) "
           "UNION ALL SELECT campaign_id, 0, 0 FROM campaigns")
    assert set(guard_sql(sql, POLICY).tables) == {"campaign_daily", "campaigns"}


@pytest.fixture
def small_worker(tiny_db):
    """A runner whose worker may use little memory, in a pool of its own."""
    return IsolatedDuckDB(tiny_db, memory_limit="256MB", worker_memory="2500MB", workers=1, threads=1)


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@pytest.mark.parametrize("sql", [
    # one huge value, past the guard: DuckDB's memory_limit does not bound it, the worker's cap does
    "SELECT length(repeat('x', 1500000000) || repeat('y', 1500000000)) FROM range(4)",
    "SELECT max(length(a.s || b.s)) FROM (SELECT repeat('x', 50000000) s FROM range(20)) a, "
    "(SELECT repeat('y', 50000000) s FROM range(20)) b",
])
def test_a_query_past_the_guard_that_exhausts_memory_stops_in_its_worker(small_worker, sql):
    before = _rss_mb()
    with pytest.raises((ResourceLimit, QueryFailed)) as stopped:
        small_worker(sql, time_limit_s=20)
    assert "memory" in str(stopped.value).lower()
    assert _rss_mb() - before < 200  # the server's own memory did not take the blow
    assert small_worker("SELECT COUNT(*) FROM campaigns", time_limit_s=5).rows == ((3,),)


def test_quadratic_text_work_past_the_guard_is_stopped(small_worker):
    sql = "SELECT levenshtein(repeat('a', 60000), repeat('b', 60000)) FROM range(50)"
    with pytest.raises((QueryTimeout, ResourceLimit)):
        small_worker(sql, time_limit_s=1)
    assert small_worker("SELECT COUNT(*) FROM campaign_daily", time_limit_s=5).rows == ((6,),)


def test_a_worker_that_stops_answering_is_killed_at_the_deadline(small_worker):
    small_worker("SELECT 1", time_limit_s=5)
    pool = small_worker.pool
    (worker,) = pool._idle
    os.kill(worker.proc.pid, signal.SIGSTOP)  # it can no longer interrupt itself; only the kill ends the wait
    with pytest.raises(QueryTimeout) as stopped:
        small_worker("SELECT COUNT(*) FROM campaigns", time_limit_s=0.5)
    assert "longer than 0.5 s" in stopped.value.message
    assert worker.proc.poll() == -signal.SIGKILL
    assert small_worker("SELECT COUNT(*) FROM campaign_daily", time_limit_s=5).rows == ((6,),)


def test_an_interruptible_runaway_is_stopped_and_the_worker_stays_warm(small_worker):
    pool = small_worker.pool
    with pytest.raises(QueryTimeout):
        small_worker("SELECT sum(hash(x)) FROM range(100000000000) t(x)", time_limit_s=0.5)
    assert pool._count == 1  # the worker interrupted its own query and went back to the pool
    assert small_worker("SELECT 1", time_limit_s=5).rows == ((1,),)


def test_a_dead_worker_is_replaced(small_worker):
    small_worker("SELECT 1", time_limit_s=5)
    pool = small_worker.pool
    for worker in list(pool._idle):
        worker.kill()
    assert small_worker("SELECT 2", time_limit_s=5).rows == ((2,),)


def test_pool_serves_more_callers_than_workers(tiny_db):
    from concurrent.futures import ThreadPoolExecutor

    runner = IsolatedDuckDB(tiny_db, workers=1)
    with ThreadPoolExecutor(max_workers=6) as threads:
        answers = list(threads.map(lambda n: runner(f"SELECT {n} + COUNT(*) FROM campaigns").rows[0][0], range(12)))
    assert answers == [n + 3 for n in range(12)]


def test_pipeline_queries_run_in_worker_processes(demo_db):
    pipeline = Pipeline.open(Settings(), demo_db)
    try:
        answer = pipeline.answer_sql("SELECT channel, SUM(spend) AS spend FROM campaign_daily JOIN campaigns USING "
                                     "(campaign_id) GROUP BY channel")
        assert answer.error is None and len(answer.result.rows) >= 5
        runner = pipeline._runner
        assert isinstance(runner, IsolatedDuckDB) and isinstance(runner.pool, WorkerPool)
        assert runner.pool._count >= 1 and all(w.proc.pid for w in runner.pool._idle)
    finally:
        pipeline.close()


def test_pipeline_turns_a_stopped_query_into_a_message(demo_db):
    pipeline = Pipeline.open(Settings(time_limit_s=0.5), demo_db)
    try:
        answer = pipeline.answer_sql("SELECT count(*) FROM campaign_daily a, campaign_daily b, campaign_daily c")
    finally:
        pipeline.close()
    assert answer.result is None and "longer than 0.5 s" in answer.error


def _doubling_columns(steps: int) -> str:
    ctes = ["a0 AS (SELECT NULL AS x)"] + [f"a{i} AS (SELECT * FROM a{i - 1}, a{i - 1} AS y{i})" for i in
                                           range(1, steps + 1)]
    return f"WITH {', '.join(ctes)} SELECT a{steps}.* FROM campaign_daily, a{steps}"


def test_a_result_too_wide_or_too_many_cells_is_refused_in_the_worker(demo_db):
    runner = IsolatedDuckDB(demo_db)
    with pytest.raises(ResourceLimit, match="columns"):
        runner(_doubling_columns(12), time_limit_s=10)  # 4,096 null columns: free for Arrow, not for the server
    with pytest.raises(ResourceLimit, match="values Clarify shows"):
        runner(_doubling_columns(8), time_limit_s=10)  # 256 columns x 10,000 rows
    assert len(runner(_doubling_columns(3), time_limit_s=10, row_cap=50).rows) == 50


def _growing_text(doublings: int, copies: int) -> str:
    ctes = ["a0 AS (SELECT '" + "x" * 2000 + "' AS v)"]
    ctes += [f"a{i} AS (SELECT v || v AS v FROM a{i - 1})" for i in range(1, doublings + 1)]
    values = ", ".join(f"v AS v{i}" for i in range(copies))
    return f"WITH {', '.join(ctes)} SELECT {values} FROM a{doublings}, campaign_daily"


def test_postgres_queries_run_in_a_worker_and_a_huge_result_stops_there(pg_demo):
    pytest.importorskip("psycopg")
    pipeline = Pipeline.open_postgres(Settings(time_limit_s=5), pg_demo)
    try:
        assert isinstance(pipeline._runner, IsolatedPostgres)
        ok = pipeline.answer_sql("SELECT channel, COUNT(*) AS n FROM campaigns GROUP BY channel")
        assert ok.error is None and len(ok.result.rows) >= 5
        before = _rss_mb()
        stopped = pipeline.answer_sql(_growing_text(7, 4))  # 256 KB values, 4 a row, 10,000 rows: 10 GB
        assert stopped.result is None
        assert any(word in stopped.error for word in ("memory", "MB", "longer than"))  # stopped, either way
        assert _rss_mb() - before < 200
        again = pipeline.answer_sql("SELECT COUNT(*) AS n FROM campaigns")
        assert again.error is None and again.result.rows[0][0] > 0
    finally:
        pipeline.close()

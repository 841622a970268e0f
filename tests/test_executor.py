"""The executor: a locked read-only connection that refuses files, writes and setting changes even
without the guard, with a row cap, a time limit, thread safety and clean errors."""
from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor

import pytest

from query_engine.errors import DatabaseMissing, QueryFailed, QueryTimeout, SqlRefused
from query_engine.semantics.model import load_semantic_model
from query_engine.sql.executor import execute, open_connection, run_guarded
from query_engine.sql.guard import guard_sql, policy_for_model
from tests.conftest import TINY_DAILY

RUNAWAY = "SELECT count(*) FROM range(100000000) a, range(100000000) b"


@pytest.fixture
def con(tiny_db):
    connection = open_connection(tiny_db, temp_dir=tiny_db.parent / "spill")
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def policy():
    return policy_for_model(load_semantic_model())


@pytest.mark.parametrize("sql,reason", [
    ("SELECT * FROM read_csv('/etc/passwd')", "disabled by configuration"),
    ("SELECT * FROM read_text('/etc/passwd')", "disabled by configuration"),
    ("SELECT * FROM glob('/*')", "disabled by configuration"),
    ("FROM '/etc/passwd'", "does not exist"),
    ("ATTACH '/tmp/clarify-attack.db' AS x", "disabled by configuration"),
    ("INSTALL httpfs", "disabled by configuration"),
    ("LOAD httpfs", "disabled"),
    ("CREATE TABLE stolen (a INTEGER)", "read-only"),
    ("INSERT INTO campaigns SELECT * FROM campaigns", "read-only"),
    ("DELETE FROM campaign_daily", "read-only"),
    ("SET enable_external_access = true", "locked"),
    ("SET memory_limit = '100GB'", "locked"),
    ("RESET threads", "locked"),
    ("SET lock_configuration = false", "locked"),
    ("PRAGMA threads = 64", "locked"),
])
def test_execute_engine_refuses_past_the_guard(con, sql, reason):
    with pytest.raises(QueryFailed) as failure:
        execute(con, sql)
    assert reason in failure.value.message
    assert "Traceback" not in str(failure.value) and "LINE 1" not in str(failure.value)


@pytest.mark.parametrize("statement", [
    "COPY campaigns TO '{path}'",
    "COPY (SELECT * FROM campaigns) TO '{path}' (FORMAT parquet)",
    "EXPORT DATABASE '{path}'",
])
def test_execute_engine_writes_no_file(con, tmp_path, statement):
    target = tmp_path / "leak.out"
    with pytest.raises(QueryFailed, match="disabled by configuration"):
        execute(con, statement.format(path=target))
    assert not target.exists()


def test_open_connection_settings_take_effect_and_stay_locked(con, tiny_db):
    names = ("enable_external_access", "autoload_known_extensions",
             "autoinstall_known_extensions", "lock_configuration", "threads",
             "python_enable_replacements", "temp_directory")
    sql = "SELECT " + ", ".join(f"current_setting('{n}')" for n in names)
    (row,) = execute(con, sql).rows
    assert row[:6] == (False, False, False, True, 2, False)
    assert row[6] == str(tiny_db.parent / "spill")


def test_open_connection_applies_memory_limit(tiny_db):
    con = open_connection(tiny_db, memory_limit="256MB", threads=1)
    try:
        (row,) = execute(con, "SELECT current_setting('memory_limit'), "
                              "current_setting('threads')").rows
    finally:
        con.close()
    assert row == ("244.1 MiB", 1)


def test_open_connection_missing_file_raises_database_missing(tmp_path):
    with pytest.raises(DatabaseMissing, match="does not exist"):
        open_connection(tmp_path / "nowhere.duckdb")


def test_execute_caps_rows_and_flags_truncation(con):
    capped = execute(con, "SELECT * FROM range(25)", row_cap=10)
    exact = execute(con, "SELECT * FROM range(25)", row_cap=25)
    assert capped.rows == tuple((i,) for i in range(10)) and capped.truncated
    assert len(exact.rows) == 25 and not exact.truncated
    assert capped.columns == ("range",)


def test_execute_returns_json_friendly_values(con):
    (row,) = execute(con, "SELECT 1.25::DECIMAL(10, 2), DATE '2024-01-15', "
                          "TIMESTAMP '2024-01-15 10:30:00', 'x'").rows
    assert row == (1.25, dt.date(2024, 1, 15), dt.datetime(2024, 1, 15, 10, 30), "x")
    assert isinstance(row[0], float)


def test_execute_stops_a_runaway_query_and_connection_still_works(con):
    with pytest.raises(QueryTimeout) as timeout:
        execute(con, RUNAWAY, time_limit_s=0.5)
    assert "longer than 0.5 s" in timeout.value.message
    assert "Narrow the date range" in timeout.value.hint
    assert execute(con, "SELECT COUNT(*) FROM campaign_daily").rows == ((len(TINY_DAILY),),)


def test_execute_threads_share_one_connection(con, policy):
    campaign_ids = sorted({row[1] for row in TINY_DAILY})
    expected = {cid: sum(r[6] for r in TINY_DAILY if r[1] == cid) for cid in campaign_ids}

    def spend_of(cid: int) -> float:
        guarded = guard_sql(f"SELECT SUM(spend) FROM campaign_daily WHERE campaign_id = {cid}",
                            policy)
        return execute(con, guarded).rows[0][0]

    jobs = [campaign_ids[i % len(campaign_ids)] for i in range(64)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(spend_of, jobs))
    assert answers == [expected[cid] for cid in jobs]


def test_execute_reports_a_failed_query_cleanly(con):
    with pytest.raises(QueryFailed) as failure:
        execute(con, "SELECT no_such_column FROM campaigns")
    assert "no_such_column" in failure.value.message
    assert failure.value.message.startswith("The database could not run this query")


def test_run_guarded_refuses_before_running(con, policy):
    with pytest.raises(SqlRefused, match="read_csv"):
        run_guarded(con, "SELECT * FROM read_csv('/etc/passwd')", policy, time_limit_s=1,
                    row_cap=10)


def test_run_guarded_returns_capped_rows(con, policy):
    result = run_guarded(con, "SELECT campaign_id FROM campaign_daily ORDER BY campaign_id",
                         policy, time_limit_s=5, row_cap=2)
    assert result.rows == ((1,), (1,)) and result.truncated

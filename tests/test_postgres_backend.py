"""PostgreSQL backend against a real, throwaway server: same answers as DuckDB, read-only, time-limited."""
from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path

import pytest

from query_engine.errors import QueryFailed, QueryTimeout, SqlRefused
from query_engine.interpret.readings import build_context, interpret
from query_engine.semantics.model import load_semantic_model, semantic_model_from_dict
from query_engine.semantics.profile import profile_database
from query_engine.sql.compiler import compile_spec
from query_engine.sql.executor import execute as duckdb_execute
from query_engine.sql.executor import open_connection
from query_engine.sql.guard import guard_sql, policy_for_model

psycopg = pytest.importorskip("psycopg")
from query_engine.datasets import postgres as pg_dataset  # noqa: E402  (needs psycopg)
from query_engine.sql import postgres as pg  # noqa: E402
from tests.postgres_server import _free_port  # noqa: E402

CASES = Path(__file__).parent / "fixtures" / "question_cases.jsonl"


@pytest.fixture
def pg_con(pg_demo):
    con = pg.connect(pg_demo)
    yield con
    con.close()


def _normal(rows) -> list[tuple]:
    def cell(v):
        if isinstance(v, float):
            return float(f"{v:.9g}") if math.isfinite(v) else str(v)
        if isinstance(v, dt.datetime) and v.time() == dt.time():
            return v.date()
        return v
    return sorted((tuple(cell(v) for v in row) for row in rows), key=repr)


def test_postgres_answers_match_duckdb_for_the_question_cases(pg_con, demo_db):
    model = load_semantic_model()
    policy = policy_for_model(model)
    duck = open_connection(demo_db)
    context = build_context(model, profile_database(duck, model))
    compared = 0
    for line in CASES.read_text(encoding="utf-8").splitlines():
        case = json.loads(line)
        understanding = interpret(case["q"], context)
        for reading in understanding.interpretations:
            guarded = guard_sql(compile_spec(reading.spec, model).sql, policy)
            expected = duckdb_execute(duck, guarded)
            got = pg.execute(pg_con, guarded)
            assert got.columns == expected.columns, case["q"]
            assert _normal(got.rows) == _normal(expected.rows), (case["q"], guarded.sql)
            compared += 1
    duck.close()
    assert compared >= 60


@pytest.mark.parametrize("sql", [
    "SELECT DAYNAME(d.date) AS dow, SUM(d.clicks) AS clicks FROM campaign_daily d GROUP BY 1 "
    "ORDER BY MIN(ISODOW(d.date))",
    "SELECT YEAR(d.date) AS y, SUM(d.revenue) / NULLIF(SUM(d.spend), 0) AS roas FROM campaign_daily d GROUP BY 1",
    "SELECT c.channel, COUNT(DISTINCT c.campaign_id) AS n FROM campaigns c WHERE c.end_date IS NULL GROUP BY 1",
])
def test_postgres_transpiles_duckdb_functions(pg_con, demo_db, sql):
    policy = policy_for_model(load_semantic_model())
    guarded = guard_sql(sql, policy)
    duck = open_connection(demo_db)
    expected = duckdb_execute(duck, guarded)
    duck.close()
    got = pg.execute(pg_con, guarded)
    assert _normal(got.rows) == _normal(expected.rows)
    assert len(got.rows) >= 1


def test_postgres_row_cap_sets_truncated(pg_con):
    policy = policy_for_model(load_semantic_model(), row_cap=5)
    result = pg.run_guarded(pg_con, "SELECT d.date, d.spend FROM campaign_daily d", policy, row_cap=5)
    assert (len(result.rows), result.truncated) == (5, True)


def test_postgres_guard_refuses_before_running(pg_con):
    policy = policy_for_model(load_semantic_model())
    with pytest.raises(SqlRefused, match="DROP"):
        pg.run_guarded(pg_con, "DROP TABLE campaigns", policy)
    with pytest.raises(SqlRefused, match="pg_catalog|does not know|outside"):
        pg.run_guarded(pg_con, "SELECT * FROM pg_catalog.pg_user", policy)


def test_postgres_transaction_is_read_only(pg_con):
    from query_engine.sql.guard import GuardedSql

    with pytest.raises(QueryFailed, match="read-only"):
        pg.execute(pg_con, GuardedSql("CREATE TABLE x AS SELECT 1 AS a", ()))


def test_postgres_statement_timeout_stops_slow_queries(pg_con):
    from query_engine.sql.guard import GuardedSql

    with pytest.raises(QueryTimeout):
        pg.execute(pg_con, GuardedSql("SELECT pg_sleep(5)", ()), time_limit_s=0.2)
    assert pg.execute(pg_con, GuardedSql("SELECT 1 AS one", ())).rows == ((1,),)


def test_postgres_introspection_infers_a_usable_model(pg_con, demo_db):
    raw = pg_dataset.introspect(pg_con)
    model = semantic_model_from_dict(raw)
    assert model.base_table == "campaign_daily"
    assert model.time_column == "date"
    assert [(j.table, j.using) for j in model.joins] == [("campaigns", ("campaign_id",))]
    assert {m: model.metrics[m].column for m in ("spend", "impressions", "clicks", "conversions", "revenue")} == \
        {"spend": "spend", "impressions": "impressions", "clicks": "clicks", "conversions": "conversions",
         "revenue": "revenue"}
    assert {"ctr", "cpc", "cpm", "conversion_rate", "cpa", "roas"} <= set(model.metrics)
    assert model.dimensions["campaign"].column == "campaign_name" and model.dimensions["campaign"].entity
    # a numeric campaign key beside the name column is a second, filterable grouping (issue 13), never a sum
    assert raw["columns"]["campaign_id"]["role"] == "dimension"
    assert "campaign_id" in {d.column for d in model.dimensions.values()}
    assert "campaign_id" not in {m.column for m in model.metrics.values() if m.aggregation == "sum"}


def test_postgres_question_over_introspected_model_matches_duckdb(pg_con, demo_db):
    model = semantic_model_from_dict(pg_dataset.introspect(pg_con))
    duck = open_connection(demo_db)
    context = build_context(model, profile_database(duck, model))
    reading = interpret("ROAS by channel in 2025", context).interpretations[0]
    guarded = guard_sql(compile_spec(reading.spec, model).sql, policy_for_model(model))
    expected = duckdb_execute(duck, guarded)
    duck.close()
    assert _normal(pg.execute(pg_con, guarded).rows) == _normal(expected.rows)
    assert reading.spec.metrics[0] == "roas" and reading.spec.dimensions == ("channel",)
    assert len(expected.rows) == 7


def test_connect_reports_an_unreachable_server():
    from query_engine.errors import DatabaseMissing

    with pytest.raises(DatabaseMissing, match="Could not connect"):
        pg.connect(f"postgresql://postgres@127.0.0.1:{_free_port()}/postgres", connect_timeout_s=2)


def test_postgres_profile_then_queries_still_run(pg_con, demo_db):
    model = load_semantic_model()
    profile = pg_dataset.profile(pg_con, model)
    assert (profile.first_date, profile.as_of) == (dt.date(2024, 1, 1), dt.date(2025, 11, 15))
    assert profile.values["channel"] == ("Display", "Email", "Google Search", "LinkedIn", "Meta", "TikTok", "YouTube")
    guarded = guard_sql("SELECT COUNT(*) AS n FROM campaigns c", policy_for_model(model))
    assert pg.execute(pg_con, guarded).rows[0][0] == profile.row_counts["campaigns"]


def test_postgres_through_the_cli_and_pipeline(pg_demo, demo_db, clarify_home):
    """`--url` asks PostgreSQL directly; the URL's password never appears in the output."""
    import json
    import subprocess
    import sys

    from tests.conftest import PROJECT_ROOT

    env = {"PATH": "/usr/bin:/bin", "LITELLM_OFFLINE_MODE": "true", "CLARIFY_HOME": str(clarify_home)}
    proc = subprocess.run([sys.executable, "-m", "query_engine", "ask", "spend by channel", "--url", pg_demo, "--json"],
                          cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120, env=env)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert set(out["tables"]) >= {"campaign_daily"} and out["interpretations"][0]["error"] is None
    rows = {r[0]: r[1] for r in out["interpretations"][0]["rows"]}
    source = open_connection(demo_db)
    expected = dict(source.execute("SELECT c.channel, SUM(d.spend) FROM campaign_daily d JOIN campaigns c "
                                   "USING (campaign_id) GROUP BY 1").fetchall())
    source.close()
    assert rows.keys() == expected.keys()
    assert all(abs(rows[k] - expected[k]) < 1e-6 * max(1.0, expected[k]) for k in expected)

"""Injection through every position where sqlglot takes a name: all refused, nothing changed on DuckDB or
PostgreSQL; and the round-trip property on random valid trees (what the guard accepts re-parses into
exactly the tree it checked)."""
from __future__ import annotations

import hashlib
import itertools
import string
from pathlib import Path

import pytest
import sqlglot
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlglot import exp

from query_engine.errors import QueryFailed, SqlRefused
from query_engine.semantics.model import load_semantic_model
from query_engine.sql.executor import open_connection, run_guarded
from query_engine.sql.guard import GuardedSql, guard_sql, policy_for_model
from query_engine.sql.render import same_tree
from query_engine.sql.worker_pool import IsolatedDuckDB

POLICY = policy_for_model(load_semantic_model(), row_cap=100)

# What an attacker puts inside a name: statement breaks, comments, quotes of every kind, and the very
# payloads that got through before (a `;` and `--` inside a type name, a unit, a type parameter).
PAYLOADS = [
    "x; DROP TABLE campaigns --",
    "oid) AS x; SELECT database_name, path FROM duckdb_databases() --",
    "x\"; DROP TABLE campaigns; --",
    "x'; DROP TABLE campaigns; --",
    "x */ ; DROP TABLE campaigns; /*",
    "x /* comment",
    "x -- comment",
    "x\n; DROP TABLE campaigns",
    "x\r\nCOMMIT; DROP TABLE campaigns",
    "x\\'; DROP TABLE campaigns; --",
    "x$$; DROP TABLE campaigns; $$",
    "x`; DROP TABLE campaigns; `",
    "x]; DROP TABLE campaigns; [",
    "2); COMMIT; BEGIN READ WRITE; DROP TABLE campaigns; --",
    "year) FROM x; SELECT current_setting('memory_limit') --",
    "x\x00; DROP TABLE campaigns",
    "x;",
    "--",
    "/*",
    "'",
    "\"",
    ";",
]


def _quoted(payload: str) -> str:
    return '"' + payload.replace('"', '""') + '"'


def _literal(payload: str) -> str:
    return "'" + payload.replace("'", "''") + "'"


# {q}: the payload as a quoted name; {s}: the payload as a string literal (where sqlglot turns it into a unit).
POSITIONS = {
    "cast type": "SELECT CAST(1 AS {q}) FROM campaigns",
    "try_cast type": "SELECT TRY_CAST(daily_budget AS {q}) FROM campaigns",
    ":: type": "SELECT daily_budget::{q} FROM campaigns",
    "decimal scale": "SELECT CAST(daily_budget AS DECIMAL(10, {q})) FROM campaigns",
    "decimal precision": "SELECT CAST(daily_budget AS DECIMAL({q}, 2)) FROM campaigns",
    "varchar length": "SELECT CAST(channel AS VARCHAR({q})) FROM campaigns",
    "extract unit": "SELECT EXTRACT({q} FROM start_date) FROM campaigns",
    "date_trunc unit": "SELECT date_trunc({s}, date) FROM campaign_daily",
    "date_diff unit": "SELECT date_diff({s}, start_date, end_date) FROM campaigns",
    "date_part unit": "SELECT date_part({s}, date) FROM campaign_daily",
    "column alias": "SELECT channel AS {q} FROM campaigns",
    "table alias": "SELECT t.channel FROM campaigns AS {q}",
    "subquery alias": "SELECT * FROM (SELECT channel FROM campaigns) AS {q}",
    "column list alias": "SELECT * FROM (SELECT channel FROM campaigns) AS t({q})",
    "cte name": "WITH {q} AS (SELECT channel FROM campaigns) SELECT * FROM {q}",
    "table name": "SELECT * FROM {q}",
    "column name": "SELECT {q} FROM campaigns",
    "column qualifier": "SELECT {q}.channel FROM campaigns",
    "function name": "SELECT {q}(channel) FROM campaigns",
    "order by name": "SELECT channel FROM campaigns ORDER BY {q}",
    "group by name": "SELECT channel, COUNT(*) FROM campaigns GROUP BY {q}",
    "window partition": "SELECT SUM(spend) OVER (PARTITION BY {q}) FROM campaign_daily",
    "join using": "SELECT * FROM campaign_daily JOIN campaigns USING ({q})",
    "schema name": "SELECT * FROM {q}.campaigns",
}
CORPUS = [(position, template.format(q=_quoted(p), s=_literal(p)))
          for (position, template), p in itertools.product(POSITIONS.items(), PAYLOADS)]


def test_injection_corpus_is_large_and_covers_every_position():
    assert len(CORPUS) >= 500
    assert len(POSITIONS) >= 20


@pytest.mark.parametrize("position,sql", CORPUS, ids=[f"{i:03d}" for i in range(len(CORPUS))])
def test_guard_refuses_injected_names(position, sql):
    with pytest.raises(SqlRefused):
        guard_sql(sql, POLICY)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_injection_corpus_changes_nothing_on_duckdb(tiny_db):
    before = _sha256(tiny_db)
    runner = IsolatedDuckDB(tiny_db)
    con = open_connection(tiny_db)
    try:
        for _position, sql in CORPUS:
            with pytest.raises(SqlRefused):
                run_guarded(con, sql, POLICY, time_limit_s=2, row_cap=10)
            with pytest.raises(SqlRefused):
                runner(guard_sql(sql, POLICY), time_limit_s=2)
        assert runner(guard_sql("SELECT COUNT(*) FROM campaigns", POLICY)).rows == ((3,),)
    finally:
        con.close()
    assert _sha256(tiny_db) == before


def test_injection_corpus_changes_nothing_on_postgres(pg_demo):
    psycopg = pytest.importorskip("psycopg")
    from query_engine.sql import postgres as pg

    def tables_and_rows() -> set[tuple[str, int]]:
        with psycopg.connect(pg_demo, autocommit=True) as admin:
            names = [r[0] for r in admin.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'").fetchall()]
            return {(n, admin.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0]) for n in names}

    before = tables_and_rows()
    con = pg.connect(pg_demo)
    try:
        for _position, sql in CORPUS:
            with pytest.raises(SqlRefused):
                pg.run_guarded(con, sql, POLICY, time_limit_s=2, row_cap=10)
        assert pg.run_guarded(con, "SELECT COUNT(*) FROM campaigns", POLICY).rows[0][0] > 0
    finally:
        con.close()
    assert tables_and_rows() == before


def test_a_second_statement_planted_after_the_guard_never_runs(tiny_db):
    planted = GuardedSql(sql="SELECT 1; SELECT database_name, path FROM duckdb_databases()", tables=())
    with pytest.raises(QueryFailed, match="2 statements"):
        IsolatedDuckDB(tiny_db)(planted, time_limit_s=2)
    con = open_connection(tiny_db)
    try:
        from query_engine.sql.executor import execute

        with pytest.raises(QueryFailed, match="2 statements"):
            execute(con, planted)
    finally:
        con.close()


def test_a_second_statement_planted_after_the_guard_never_runs_on_postgres(pg_demo):
    pytest.importorskip("psycopg")
    from query_engine.sql import postgres as pg

    con = pg.connect(pg_demo)
    try:
        planted = GuardedSql(sql="SELECT 1; DROP TABLE campaigns", tables=())
        with pytest.raises((QueryFailed, SqlRefused)):
            pg.execute(con, planted)
        assert pg.run_guarded(con, "SELECT COUNT(*) FROM campaigns", POLICY).rows[0][0] > 0
    finally:
        con.close()


def test_postgres_session_is_read_only_by_default(pg_demo):
    pytest.importorskip("psycopg")
    from query_engine.sql import postgres as pg

    con = pg.connect(pg_demo)
    try:
        assert con.execute("SHOW default_transaction_read_only").fetchone()[0] == "on"
    finally:
        con.close()


# --- the round-trip property on random valid trees

COLUMNS = ["spend", "clicks", "impressions", "revenue", "conversions", "region", "device", "date"]
SAFE_TEXT = st.text(alphabet=string.ascii_letters + string.digits + "_ ", min_size=1, max_size=12).filter(
    lambda s: s.strip() and not s[0].isdigit() and s[0] != " ")
ANY_TEXT = st.text(max_size=20)


def _leaf(names: st.SearchStrategy[str]) -> st.SearchStrategy[exp.Expression]:
    return st.one_of(
        st.sampled_from(COLUMNS).map(exp.column),
        st.integers(-10**6, 10**6).map(lambda n: exp.Literal.number(abs(n)) if n >= 0 else exp.Neg(
            this=exp.Literal.number(-n))),
        names.map(exp.Literal.string),
    )


def _expression(names: st.SearchStrategy[str]) -> st.SearchStrategy[exp.Expression]:
    def extend(children: st.SearchStrategy[exp.Expression]) -> st.SearchStrategy[exp.Expression]:
        return st.one_of(
            st.tuples(children, children).map(lambda ab: exp.Add(this=ab[0], expression=ab[1])),
            st.tuples(children, children).map(lambda ab: exp.Div(this=ab[0], expression=ab[1])),
            children.map(lambda c: exp.Coalesce(this=c, expressions=[exp.Literal.number(0)])),
            st.tuples(children, st.sampled_from(["DOUBLE", "VARCHAR", "BIGINT", "DATE", "DECIMAL(18, 2)"])).map(
                lambda ct: exp.cast(ct[0], ct[1])),
            st.tuples(children, st.sampled_from(["YEAR", "MONTH", "DAY", "QUARTER"])).map(
                lambda cu: exp.Extract(this=exp.var(cu[1]), expression=exp.column("date"))),
            st.tuples(children, children, children).map(lambda abc: exp.Case(
                ifs=[exp.If(this=exp.GT(this=abc[0], expression=abc[1]), true=abc[2])])),
            children.map(lambda c: exp.Lower(this=c)),
        )
    return st.recursive(_leaf(names), extend, max_leaves=8)


def _select(names: st.SearchStrategy[str]) -> st.SearchStrategy[exp.Expression]:
    item = st.tuples(_expression(names), names).map(lambda ea: exp.alias_(ea[0], ea[1], quoted=True))
    return st.tuples(st.lists(item, min_size=1, max_size=4), st.booleans(), st.integers(1, 500)).map(
        lambda parts: _build(parts[0], parts[1], parts[2]))


def _build(items: list[exp.Expression], grouped: bool, limit: int) -> exp.Expression:
    query = exp.select(*items).from_("campaign_daily").where(
        exp.GT(this=exp.column("spend"), expression=exp.Literal.number(0)))
    if grouped:
        query = query.group_by(exp.column("region"))
    return query.limit(limit)


ROUND_TRIP = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _assert_round_trip(guarded: GuardedSql) -> None:
    statements = [s for s in sqlglot.parse(guarded.sql, read="duckdb") if s is not None]
    assert len(statements) == 1
    assert guarded.tree is not None and same_tree(statements[0], guarded.tree)


@ROUND_TRIP
@given(_select(ANY_TEXT))
def test_guard_round_trip_holds_on_random_trees(tree):
    try:
        guarded = guard_sql(tree.sql(dialect="duckdb"), POLICY)
    except SqlRefused:
        return
    _assert_round_trip(guarded)


@ROUND_TRIP
@given(_select(SAFE_TEXT))
def test_guard_accepts_random_valid_trees_and_they_round_trip(tree):
    try:
        guarded = guard_sql(tree.sql(dialect="duckdb"), POLICY)
    except SqlRefused as refusal:
        raise AssertionError(f"refused a valid tree: {refusal}") from None
    _assert_round_trip(guarded)


def test_same_tree_tells_case_and_quoting_apart():
    def tree(sql: str) -> exp.Expression:
        return sqlglot.parse_one(sql, read="duckdb")

    assert same_tree(tree('SELECT "Spend" FROM t'), tree('SELECT "Spend" FROM t'))
    assert not same_tree(tree('SELECT "Spend" FROM t'), tree('SELECT "spend" FROM t'))
    assert not same_tree(tree('SELECT "a" FROM t'), tree("SELECT a FROM t"))
    assert not same_tree(tree("SELECT 1 FROM t"), tree("SELECT 1 FROM t LIMIT 1"))


@pytest.mark.parametrize("sql", [
    'SELECT "current_catalog" AS s FROM campaigns WHERE EXISTS (SELECT 1 AS "current_catalog") LIMIT 1',
    "SELECT current_schema AS s FROM campaign_daily WHERE EXISTS (SELECT 1 AS current_schema) LIMIT 1",
    "SELECT user FROM campaigns",
    "SELECT current_role AS current_role FROM campaigns",
    "SELECT s.json_agg FROM (SELECT * FROM campaigns) s, (SELECT 1 AS json_agg) z",
    "SELECT s.to_json FROM (SELECT * FROM campaigns) s, (SELECT 1 AS to_json) z",
    "SELECT s.row_to_json FROM (SELECT channel FROM campaigns) s, (SELECT 1 AS row_to_json) z",
    "SELECT x FROM campaigns WHERE EXISTS (SELECT 1 AS x)",
    "SELECT t.channel FROM (SELECT channel FROM campaigns) AS t(a)",
])
def test_guard_resolves_names_in_their_own_scope(sql):
    with pytest.raises(SqlRefused):
        guard_sql(sql, POLICY)


@pytest.mark.parametrize("sql", [
    "SELECT s.channel, z.n FROM (SELECT * FROM campaigns) s, (SELECT 1 AS n) z",
    "SELECT x FROM (SELECT channel AS x FROM campaigns) t WHERE x IN (SELECT channel FROM campaigns)",
    "SELECT t.a FROM (SELECT channel FROM campaigns) AS t(a)",
    "SELECT * FROM campaign_daily d WHERE d.spend > (SELECT AVG(spend) FROM campaign_daily x "
    "WHERE x.campaign_id = d.campaign_id)",
    "SELECT channel, COUNT(*) AS n FROM campaigns GROUP BY channel HAVING n > 1 ORDER BY n",
])
def test_guard_resolves_correlated_aliased_and_renamed_names(sql):
    assert guard_sql(sql, POLICY).tables

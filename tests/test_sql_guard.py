"""The SQL guard refuses every hostile statement, accepts and runs realistic analyst SQL, caps rows."""
from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest
import sqlglot
from sqlglot import exp

from query_engine.errors import QueryFailed, QueryTimeout, SqlRefused
from query_engine.semantics.model import load_semantic_model
from query_engine.sql.executor import execute, open_connection
from query_engine.sql.guard import GuardedSql, GuardPolicy, guard_sql, policy_for_model

FIXTURES = Path(__file__).parent / "fixtures"


def read_corpus(path: Path) -> list[tuple[str, str]]:
    """(section, statement) pairs; `#` lines are comments, `# ---` starts a section,
    and the lines between two `----` lines form one multi-line statement."""
    items: list[tuple[str, str]] = []
    section, block = "", None
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() == "----":
            if block is None:
                block = []
            else:
                items.append((section, "\n".join(block)))
                block = None
        elif block is not None:
            block.append(line)
        elif line.startswith("# ---"):
            section = line.removeprefix("# ---").strip()
        elif line.strip() and not line.startswith("#"):
            items.append((section, line))
    return items


HOSTILE = read_corpus(FIXTURES / "hostile_sql.txt")
VALID = [sql for _, sql in read_corpus(FIXTURES / "valid_sql.txt")]
# Statements the engine could not interrupt if run raw (one huge scalar value), kept off the
# raw-execution check; the guard refuses them like every other line.
RAW_UNSAFE_SECTIONS = ("exhaust",)


@pytest.fixture(scope="module")
def policy() -> GuardPolicy:
    return policy_for_model(load_semantic_model(), row_cap=100)


@pytest.fixture(scope="module")
def pristine_db(tmp_path_factory) -> Path:
    """One tiny database per module; each hostile test runs on a fresh byte-for-byte copy."""
    from tests.conftest import build_tiny_database

    return build_tiny_database(tmp_path_factory.mktemp("pristine") / "tiny.duckdb")


@pytest.fixture(scope="module")
def locked_con(pristine_db):
    """One locked read-only connection shared by the valid-query tests."""
    con = open_connection(pristine_db)
    yield con
    con.close()


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_hostile_corpus_is_large_and_covers_every_class():
    sections = {section for section, _ in HOSTILE}
    assert len(HOSTILE) >= 150
    assert len(VALID) >= 50
    assert {"writes", "multiple statements", "unknown tables and columns"} <= sections


@pytest.mark.parametrize("section,sql", HOSTILE, ids=[f"{i:03d}" for i in range(len(HOSTILE))])
def test_guard_sql_refuses_hostile_statement(section, sql, policy, pristine_db, tmp_path):
    with pytest.raises(SqlRefused) as refusal:
        guard_sql(sql, policy)
    assert refusal.value.message.startswith("Refused: ")
    assert refusal.value.hint
    if any(word in section for word in RAW_UNSAFE_SECTIONS):
        return
    # Defence in depth: even run raw on the locked connection, nothing changes on disk.
    copy = Path(shutil.copy(pristine_db, tmp_path / "copy.duckdb"))
    before_files = sorted(p.name for p in tmp_path.rglob("*"))
    con = open_connection(copy)
    try:
        execute(con, sql, time_limit_s=0.5, row_cap=5)
    except (QueryFailed, QueryTimeout):
        pass
    finally:
        con.close()
    assert _sha256(copy) == _sha256(pristine_db)
    assert sorted(p.name for p in tmp_path.rglob("*")) == before_files


@pytest.mark.parametrize("sql,expected", [
    ("SELECT * FROM read_csv('/etc/passwd')", ["reads a file with read_csv",
                                               "the tables campaign_daily and campaigns"]),
    ("FROM '/etc/passwd'", ["reads the file '/etc/passwd'"]),
    ("SELECT * FROM glob('/*')", ["reads a file with glob"]),
    ("COPY campaigns TO '/tmp/x.csv'", ["COPY statement", "copies data to or from files"]),
    ("DROP TABLE campaigns", ["DROP statement", "changes the database"]),
    ("EXPORT DATABASE '/tmp/dump'", ["EXPORT statement", "writes files"]),
    ("INSTALL httpfs", ["INSTALL statement", "installs an extension"]),
    ("SET threads = 64", ["SET statement", "changes settings"]),
    ("SELECT 1; SELECT 2", ["holds 2 SQL statements"]),
    ("SELECT email FROM customers", ["table customers", "does not know"]),
    ("SELECT password FROM campaigns", ["column password"]),
    ("SELECT current_setting('threads')", ["system information with current_setting"]),
    ("SELECT * FROM range(10)", ["table function generate_series"]),
    ("SELECT md5(channel) FROM campaigns", ["function md5", "not on Clarify's list"]),
    ("SELECT * INTO t FROM campaigns", ["SELECT ... INTO", "create a table"]),
    ("WITH RECURSIVE r AS (SELECT 1) SELECT * FROM r", ["WITH RECURSIVE"]),
    ("SELEC 1 FROM", ["could not read this SQL"]),
    ("", ["no SQL statement"]),
])
def test_guard_sql_refusal_says_what_and_why(sql, expected, policy):
    with pytest.raises(SqlRefused) as refusal:
        guard_sql(sql, policy)
    for phrase in expected:
        assert phrase in refusal.value.message


def test_guard_sql_column_refusal_hint_lists_allowed_columns(policy):
    with pytest.raises(SqlRefused) as refusal:
        guard_sql("SELECT password FROM campaigns", policy)
    assert "campaigns: " in refusal.value.hint and "campaign_name" in refusal.value.hint


@pytest.mark.parametrize("sql", VALID, ids=[f"{i:03d}" for i in range(len(VALID))])
def test_guard_sql_accepts_and_runs_valid_query(sql, policy, locked_con):
    guarded = guard_sql(sql, policy)
    assert isinstance(guarded, GuardedSql)
    assert set(guarded.tables) <= {"campaigns", "campaign_daily"}
    result = execute(locked_con, guarded, row_cap=100)
    assert result.columns
    assert not result.truncated


@pytest.mark.parametrize("sql,tables", [
    ("SELECT 1", ()),
    ("SELECT channel FROM campaigns", ("campaigns",)),
    ("SELECT * FROM campaign_daily d JOIN campaigns c USING (campaign_id)",
     ("campaign_daily", "campaigns")),
    ("WITH campaigns AS (SELECT 1 AS x) SELECT x FROM campaigns", ()),
    ('SELECT * FROM "CAMPAIGNS"', ("campaigns",)),
])
def test_guard_sql_reports_model_tables(sql, tables, policy):
    assert guard_sql(sql, policy).tables == tables


@pytest.mark.parametrize("sql,limit", [
    ("SELECT channel FROM campaigns", 101),
    ("SELECT channel FROM campaigns LIMIT 5000", 101),
    ("SELECT channel FROM campaigns LIMIT 7", 7),
    ("SELECT channel FROM campaigns LIMIT 101", 101),
    ("SELECT channel FROM campaigns UNION SELECT region FROM campaign_daily", 101),
    ("SELECT channel FROM campaigns UNION SELECT region FROM campaign_daily LIMIT 3", 3),
    ("WITH x AS (SELECT channel FROM campaigns LIMIT 999) SELECT * FROM x", 101),
])
def test_guard_sql_caps_outermost_limit(sql, limit, policy):
    tree = sqlglot.parse_one(guard_sql(sql, policy).sql, read="duckdb")
    assert int(tree.args["limit"].expression.this) == limit


def test_guard_sql_keeps_order_by_when_lowering_limit(policy):
    tree = sqlglot.parse_one(guard_sql(
        "SELECT channel FROM campaigns ORDER BY daily_budget DESC LIMIT 99999", policy).sql,
        read="duckdb")
    assert tree.args["order"].sql() == "ORDER BY daily_budget DESC"
    assert tree.args["limit"].expression.this == "101"


def test_guard_sql_wraps_a_computed_limit(policy):
    tree = sqlglot.parse_one(guard_sql(
        "SELECT channel FROM campaigns ORDER BY 1 LIMIT 2 + 3", policy).sql, read="duckdb")
    assert tree.args["limit"].expression.this == "101"
    assert isinstance(tree.args["from_"].this, exp.Subquery)


def test_guard_sql_cap_detects_truncation_when_run(locked_con):
    small = GuardPolicy(tables=policy_for_model(load_semantic_model()).tables, row_cap=4)
    capped = execute(locked_con, guard_sql("SELECT * FROM campaign_daily", small), row_cap=4)
    whole = execute(locked_con, guard_sql("SELECT * FROM campaigns", small), row_cap=4)
    assert (len(capped.rows), capped.truncated) == (4, True)
    assert (len(whole.rows), whole.truncated) == (3, False)


def test_guard_sql_drops_comments_from_rendered_sql(policy):
    guarded = guard_sql("SELECT channel /* note */ FROM campaigns -- trailing", policy)
    assert "note" not in guarded.sql and "trailing" not in guarded.sql


@pytest.mark.parametrize("sql", [
    "SELECT channel FROM campaigns; -- the channels",
    "SELECT channel FROM campaigns;\n/* written by a model */",
    "SELECT channel FROM campaigns; -- one\n-- two",
])
def test_guard_sql_accepts_a_comment_after_the_one_statement(sql, policy):
    guarded = guard_sql(sql, policy)
    assert guarded.sql.startswith("SELECT channel FROM campaigns") and "--" not in guarded.sql


@pytest.mark.parametrize("sql", [
    "SELECT channel FROM campaigns; -- fine\nDELETE FROM campaigns",
    "SELECT channel FROM campaigns; /* x */ SELECT 1",
])
def test_guard_sql_still_refuses_a_second_statement_after_a_comment(sql, policy):
    with pytest.raises(SqlRefused, match="2 SQL statements"):
        guard_sql(sql, policy)


@pytest.mark.parametrize("sql", [
    # a CTE defined inside one subquery is not visible to a sibling FROM item
    'SELECT * FROM (WITH "x.csv" AS (SELECT 1 AS a) SELECT * FROM "x.csv") s, "x.csv"',
    # a CTE may only use the CTEs before it
    'WITH a AS (SELECT * FROM "b.csv"), "b.csv" AS (SELECT 1 AS n) SELECT * FROM a',
])
def test_guard_sql_resolves_cte_names_by_scope(sql, policy):
    with pytest.raises(SqlRefused, match="reads the file"):
        guard_sql(sql, policy)


@pytest.mark.parametrize("sql", [
    "WITH a AS (SELECT channel FROM campaigns), b AS (SELECT * FROM a) SELECT b.channel FROM b",
    "SELECT t.n FROM (SELECT COUNT(*) AS n FROM campaigns) t",
    "SELECT c.channel, s.spend FROM campaigns c JOIN (SELECT campaign_id, SUM(spend) AS spend "
    "FROM campaign_daily GROUP BY 1) s ON s.campaign_id = c.campaign_id",
    "SELECT main.campaigns.channel FROM main.campaigns",
])
def test_guard_sql_accepts_qualified_columns_that_resolve(sql, policy):
    assert guard_sql(sql, policy).sql.endswith(" LIMIT 101")


def test_policy_for_model_allows_exactly_the_model_columns():
    policy = policy_for_model(load_semantic_model(), row_cap=50)
    assert set(policy.tables) == {"campaigns", "campaign_daily"}
    assert "spend" in policy.tables["campaign_daily"]
    assert "spend" not in policy.tables["campaigns"]
    assert policy.row_cap == 50


def test_guard_sql_refuses_overlong_text(policy):
    with pytest.raises(SqlRefused, match="characters long"):
        guard_sql("SELECT 1" + " " * 30_000, policy)

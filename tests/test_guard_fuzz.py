"""Fuzzing the guard: nothing but SqlRefused escapes, and what it accepts touches only model tables."""
from __future__ import annotations

import sqlglot
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlglot import exp

from query_engine.errors import SqlRefused
from query_engine.semantics.model import load_semantic_model
from query_engine.sql.guard import guard_sql, policy_for_model
from tests.test_sql_guard import FIXTURES, read_corpus

POLICY = policy_for_model(load_semantic_model(), row_cap=100)
VALID = [sql for _, sql in read_corpus(FIXTURES / "valid_sql.txt")]
HOSTILE = [sql for _, sql in read_corpus(FIXTURES / "hostile_sql.txt")]
TOKENS = [
    "SELECT", "FROM", "WHERE", "GROUP BY", "ORDER BY", "LIMIT", "WITH", "AS", "UNION", "JOIN",
    "ON", "(", ")", ",", ";", "*", "'/etc/passwd'", "read_csv(", "campaigns", "campaign_daily",
    "customers", "spend", "channel", "email", "SUM(", "COUNT(", "1", "10000000", "--", "/*",
    "*/", "COPY", "TO", "ATTACH", "LATERAL", "QUALIFY", "OVER", "PARTITION BY", "x", "t.",
    "'", '"', "::", "->", "$1", "?", "INTO", "VALUES", "range(", "glob(", "PIVOT", "SET",
]
FUZZ = settings(max_examples=150, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])


def _check_accepted(sql: str) -> None:
    """Re-parse what the guard accepted and check every table it reads is a model table or CTE."""
    try:
        guarded = guard_sql(sql, POLICY)
    except SqlRefused:
        return
    statements = sqlglot.parse(guarded.sql, read="duckdb")
    assert len(statements) == 1
    tree = statements[0]
    assert isinstance(tree, (exp.Select, exp.SetOperation))
    ctes = {cte.alias_or_name.lower() for cte in tree.find_all(exp.CTE)}
    for table in tree.find_all(exp.Table):
        assert isinstance(table.this, exp.Identifier), guarded.sql
        assert table.name.lower() in set(POLICY.tables) | ctes, guarded.sql
    assert set(guarded.tables) <= set(POLICY.tables)
    assert tree.args["limit"] is not None


@FUZZ
@given(st.text(max_size=300))
def test_guard_sql_fuzz_free_text(text):
    _check_accepted(text)


@FUZZ
@given(st.lists(st.sampled_from(TOKENS), max_size=30).map(" ".join))
def test_guard_sql_fuzz_sql_like_tokens(text):
    _check_accepted(text)


@FUZZ
@given(st.sampled_from(VALID + HOSTILE), st.data())
def test_guard_sql_fuzz_mutated_corpus(line, data):
    at = data.draw(st.integers(0, len(line)))
    cut = data.draw(st.integers(0, 12))
    insert = data.draw(st.sampled_from(TOKENS) | st.text(max_size=8))
    _check_accepted(line[:at] + " " + insert + " " + line[at + cut:])


@FUZZ
@given(st.sampled_from(HOSTILE), st.sampled_from(VALID))
def test_guard_sql_fuzz_hostile_spliced_into_valid(hostile, valid):
    for spliced in (f"{valid} UNION ALL {hostile}", f"WITH h AS ({hostile}) {valid}",
                    f"SELECT * FROM ({hostile}) s"):
        _check_accepted(spliced)

"""Hypothesis feeds the interpreter random text: everything is refused or answered, nothing raises."""
from __future__ import annotations

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from query_engine.interpret.readings import build_context, interpret
from query_engine.semantics.model import load_semantic_model
from query_engine.semantics.profile import profile_database
from query_engine.sql.compiler import compile_spec
from query_engine.sql.guard import guard_sql, policy_for_model

MODEL = load_semantic_model()
POLICY = policy_for_model(MODEL)
WORDS = ["spend", "revenue", "by", "channel", "last", "month", "top", "5", "campaigns", "ROAS", "in", "2024", "Q2",
         "best", "worst", "vs", "Meta", "excluding", "email", "daily", "trend", "above", "3", "how", "many", "drop",
         "table", "which", "device", "lowest", "cpc", "since", "march", "yesterday", "weekly", "per", "region", "%"]


@pytest.fixture(scope="module")
def context(tmp_path_factory):
    from tests.conftest import build_tiny_database

    path = build_tiny_database(tmp_path_factory.mktemp("fuzz") / "tiny.duckdb")
    con = duckdb.connect(str(path), read_only=True)
    profile = profile_database(con, MODEL)
    con.close()
    return build_context(MODEL, profile)


def check(question, context):
    understanding = interpret(question, context)
    assert understanding.refusal is not None or understanding.interpretations
    for reading in understanding.interpretations:
        assert 0 <= reading.confidence <= 1
        guard_sql(compile_spec(reading.spec, MODEL).sql, POLICY)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(WORDS), min_size=1, max_size=12).map(" ".join))
def test_interpreter_fuzz_word_salad_is_refused_or_runnable(context, question):
    check(question, context)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=300))
def test_interpreter_fuzz_any_text_is_refused_or_runnable(context, question):
    check(question, context)

"""The public API: one import gives a script the pipeline, its values, settings and errors."""
from __future__ import annotations

import subprocess
import sys

import pytest

import query_engine
from tests.conftest import PROJECT_ROOT


def test_public_api_names_are_the_real_classes():
    from query_engine.errors import ClarifyError, SqlRefused
    from query_engine.pipeline import Answer, Pipeline
    from query_engine.settings import Settings
    from query_engine.spec.query import Interpretation, QuerySpec

    assert (query_engine.Pipeline, query_engine.Answer, query_engine.Settings) == (Pipeline, Answer, Settings)
    assert (query_engine.QuerySpec, query_engine.Interpretation) == (QuerySpec, Interpretation)
    assert query_engine.SqlRefused is SqlRefused and issubclass(query_engine.SqlRefused, ClarifyError)
    expected = {"Pipeline", "Answer", "QuerySpec", "Interpretation", "Settings", "ClarifyError"}
    assert expected <= set(query_engine.__all__)
    for name in query_engine.__all__:
        assert getattr(query_engine, name) is not None


def test_public_api_errors_all_share_the_root():
    errors = [getattr(query_engine, n) for n in query_engine.__all__ if n.endswith(("Error", "Refused", "Timeout",
                                                                                     "Failed", "Missing", "Limit",
                                                                                     "Rejected", "Unavailable"))]
    assert len(errors) >= 15 and all(issubclass(e, query_engine.ClarifyError) for e in errors)


def test_public_api_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'Nothing'"):
        query_engine.Nothing  # noqa: B018


def test_public_api_answers_a_question_from_one_import(demo_db):
    script = ("from query_engine import Pipeline, Settings\n"
              f"p = Pipeline.open(Settings(), {str(demo_db)!r})\n"
              "u = p.understand('spend by channel')\n"
              "a = p.answer(u.interpretations[0])\n"
              "print(a.error, len(a.result.rows))\n")
    out = subprocess.run([sys.executable, "-c", script], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120,
                         env={"LITELLM_OFFLINE_MODE": "true", "PATH": "/usr/bin:/bin"})
    assert out.returncode == 0, out.stderr[-2000:]
    error, rows = out.stdout.split()
    assert error == "None" and int(rows) >= 5

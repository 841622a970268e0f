"""`make test-fast` leaves out the browser, PostgreSQL and slow tests by marker; `make test` runs them all."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # four collections of the whole suite, ~30 s

ROOT = Path(__file__).resolve().parents[1]
PG_MODULES = {"tests/test_postgres_backend.py", "tests/test_guard_injection.py", "tests/test_query_isolation.py"}


def _collected(marker_expression: str) -> list[str]:
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:xdist", "-m", marker_expression],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
        env={**os.environ, "LITELLM_OFFLINE_MODE": "true"},
    )
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    return [line for line in run.stdout.splitlines() if "::" in line]


def test_markers_fast_set_leaves_out_browser_postgres_and_whole_app_tests():
    fast = _collected("not browser and not postgres and not slow")
    assert len(fast) > 1000
    assert not [test for test in fast if test.startswith("tests/browser/")]
    assert not [test for test in fast if test.startswith("tests/test_app_")]
    assert "tests/test_postgres_backend.py::test_postgres_through_the_cli_and_pipeline" not in fast
    # a test that only needs an unreachable port, not the server, stays in the fast set
    assert "tests/test_postgres_backend.py::test_connect_reports_an_unreachable_server" in fast
    assert not [test for test in fast if "thousand_columns" in test or "wide_batches" in test]


def test_markers_each_left_out_group_is_collected_under_its_marker():
    assert all(test.startswith("tests/browser/") for test in _collected("browser"))
    assert _collected("browser")
    postgres = _collected("postgres")
    assert "tests/test_postgres_backend.py::test_postgres_through_the_cli_and_pipeline" in postgres
    assert all(test.split("::")[0] in PG_MODULES for test in postgres)
    assert any(test.startswith("tests/test_app_ask.py") for test in _collected("slow"))

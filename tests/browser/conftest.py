"""Browser-test hooks: expose each test's outcome so a failing test can keep a screenshot."""
from __future__ import annotations

import pytest


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Attach the call-phase report to the test item as `rep_call`."""
    report = yield
    if report.when == "call":
        item.rep_call = report
    return report

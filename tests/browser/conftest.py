"""Browser-test fixtures: a chromium page that keeps a screenshot in artifacts/ when its test fails."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser.app_server import chromium_page

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Attach the call-phase report to the test item as `rep_call`."""
    report = yield
    if report.when == "call":
        item.rep_call = report
    return report


@pytest.fixture
def page(request):
    """A chromium page; a full-page screenshot lands in artifacts/<test>.png when the test fails."""
    with chromium_page() as page:
        yield page
        report = getattr(request.node, "rep_call", None)
        if report is None or report.failed:
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)

"""Take docs/screenshots/ask_page.png (readings and an answer) and evaluation_page.png, on the full demo data.

Run: .venv/bin/python bench/screenshot.py [output.png]   (needs /usr/bin/chromium; never `playwright install`)
"""
from __future__ import annotations

import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from query_engine.datasets.demo import ensure_demo_database  # noqa: E402
from query_engine.settings import DEMO_DATABASE_NAME  # noqa: E402
from tests.browser.app_server import ask, chromium_page, pick, running_app  # noqa: E402

QUESTION = "Show me high performing campaigns"
DEFAULT_OUTPUT = Path(__file__).resolve().parent.parent / "docs" / "screenshots" / "ask_page.png"


@contextmanager
def app_page(width: int, height: int):
    """A chromium page on the Ask page of the app, served over a fresh full demo database."""
    with tempfile.TemporaryDirectory(prefix="clarify_shot_") as folder:
        home = Path(folder)
        ensure_demo_database(home / DEMO_DATABASE_NAME)
        with running_app(home, None) as url, chromium_page(width=width, height=height) as page:
            page.goto(url)
            page.get_by_label("Your question").wait_for(timeout=60_000)
            yield page


def take_screenshot(output: Path) -> Path:
    """Ask, pick reading 2 and save a screenshot of the readings and the answer."""
    with app_page(1400, 3100) as page:
        ask(page, QUESTION)
        pick(page, 2)
        page.get_by_text("Other readings").click()  # show every reading next to the answer
        page.locator(".st-key-ask-reading-1").wait_for()
        page.locator(".js-plotly-plot").first.wait_for()
        page.get_by_text("Insights", exact=True).wait_for()
        page.wait_for_timeout(1500)  # let plotly finish its entry animation
        output.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(output), full_page=True)
    return output


# (question, reading to pick; None where the top reading is confident and answers at once)
LOG_QUESTIONS = (("Show me high performing campaigns", 2), ("revenue last month", 1), ("CTR by channel", None),
                 ("worst performing channel", 1), ("best channels last quarter", 2), ("spend by region in 2025", None))


def take_evaluation_screenshot(output: Path) -> Path:
    """Ask a few questions (picking readings) so the log has something to show, then shoot the Evaluation page."""
    with app_page(1400, 2400) as page:
        for question, rank in LOG_QUESTIONS:
            ask(page, question)
            if rank is not None:
                pick(page, rank)
            page.locator("[data-testid='stDataFrame']").first.wait_for()
        page.get_by_role("link", name="Evaluation").click()
        page.get_by_role("heading", name="Accuracy evaluation").wait_for()
        page.locator(".js-plotly-plot").first.wait_for()
        page.wait_for_timeout(1500)
        page.screenshot(path=str(output), full_page=True)
    return output


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_OUTPUT
    print(f"saved {take_screenshot(target)}")
    print(f"saved {take_evaluation_screenshot(target.with_name('evaluation_page.png'))}")

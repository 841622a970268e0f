"""Run Clarify with `streamlit run` on a free port and drive it with the system's chromium via Playwright."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
# Never `playwright install`: the Debian chromium is used as is, offline and quiet.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
QUESTION_LABEL = "Your question"


def free_port() -> int:
    """A localhost TCP port nobody is listening on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def spawn_streamlit(port: int, home: Path, database: Path | None) -> subprocess.Popen:
    """Start `streamlit run streamlit_app.py` on `port` with CLARIFY_HOME (and CLARIFY_DB) set."""
    env = {**os.environ, "CLARIFY_HOME": str(home), "LITELLM_OFFLINE_MODE": "true"}
    env.pop("CLARIFY_DB", None)
    if database is not None:
        env["CLARIFY_DB"] = str(database)
    command = [sys.executable, "-m", "streamlit", "run", "streamlit_app.py", "--server.port", str(port),
               "--server.address", "127.0.0.1", "--server.headless", "true", "--server.fileWatcherType", "none",
               "--browser.gatherUsageStats", "false"]
    return subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def wait_for_health(base_url: str, process: subprocess.Popen, timeout_s: float = 60.0) -> None:
    """Block until /_stcore/health answers ok; fails early if the server died."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = process.stdout.read().decode("utf-8", "replace") if process.stdout else ""
            raise RuntimeError(f"streamlit exited with {process.returncode}:\n{output[-3000:]}")
        try:
            with urllib.request.urlopen(f"{base_url}/_stcore/health", timeout=2) as reply:
                if reply.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.05)
    raise TimeoutError(f"streamlit did not become healthy at {base_url} within {timeout_s:.0f} s")


def stop(process: subprocess.Popen) -> None:
    """Stop the server this module started."""
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


@contextmanager
def running_app(home: Path, database: Path | None) -> Iterator[str]:
    """A running Clarify server; yields its base URL."""
    port = free_port()
    process = spawn_streamlit(port, home, database)
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_for_health(base_url, process)
        yield base_url
    finally:
        stop(process)


@contextmanager
def chromium_page(width: int = 1400, height: int = 1000) -> Iterator[object]:
    """A Playwright page in the system chromium."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": width, "height": height})
            page.set_default_timeout(30_000)
            yield page
        finally:
            browser.close()


def ask(page, question: str) -> None:
    """Type a question into the Ask page and press Ask."""
    box = page.get_by_label(QUESTION_LABEL)
    box.fill(question)
    box.press("Enter")
    page.locator(".st-key-ask-reading-1").wait_for()


def reading_cards(page):
    """The locator of every reading card on the page."""
    return page.locator("[class*='st-key-ask-reading-']")


def pick(page, rank: int) -> None:
    """Press 'Use this reading' on reading `rank` and wait for its answer."""
    page.locator(f".st-key-ask-pick-{rank} button").click()
    page.locator(f".st-key-ask-pick-{rank} button:disabled").wait_for()
    page.locator("[data-testid='stDataFrame']").first.wait_for()

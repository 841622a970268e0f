"""Shared fixtures: no network, a temp home, a tiny hand-made database and a small demo database."""
from __future__ import annotations

import os

os.environ.setdefault("LITELLM_OFFLINE_MODE", "true")  # before anything can import litellm

import ipaddress
import socket
from pathlib import Path

import duckdb
import pytest

from tests.postgres_server import (  # noqa: F401  (session fixtures for every module)
    pg_demo,
    postgres_url,
)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SCHEMA_SQL = (PROJECT_ROOT / "data" / "campaign_schema.sql").read_text(encoding="utf-8")

TINY_CAMPAIGNS = [
    (1, "Search Brand", "Google Search", "Conversion", "active", "2024-01-01", None, 100.0),
    (2, "Meta Prospecting", "Meta", "Consideration", "ended", "2024-01-01", "2024-06-30", 50.0),
    (3, "LinkedIn B2B", "LinkedIn", "Conversion", "paused", "2024-03-01", None, 80.0),
]
# (date, campaign_id, region, device, impressions, clicks, spend, conversions, revenue)
TINY_DAILY = [
    ("2024-01-15", 1, "Europe", "desktop", 1000, 100, 50.0, 10, 500.0),
    ("2024-01-15", 1, "Europe", "mobile", 2000, 100, 50.0, 5, 250.0),
    ("2024-02-10", 2, "North America", "mobile", 10000, 50, 20.0, 2, 40.0),
    ("2024-03-05", 3, "APAC", "desktop", 500, 10, 40.0, 1, 200.0),
    ("2025-01-20", 1, "North America", "desktop", 3000, 300, 150.0, 30, 1500.0),
    ("2025-02-01", 3, "Europe", "tablet", 400, 20, 60.0, 2, 100.0),
]


def build_tiny_database(path: Path) -> Path:
    """Write the contract schema and a handful of rows whose sums are easy to check by hand."""
    con = duckdb.connect(str(path))
    con.execute(SCHEMA_SQL)
    con.executemany("INSERT INTO campaigns VALUES (?, ?, ?, ?, ?, ?, ?, ?)", TINY_CAMPAIGNS)
    con.executemany("INSERT INTO campaign_daily VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", TINY_DAILY)
    con.close()
    return path


SLOW_MODULES = ("test_app_", "test_upload_questions_app", "test_secrets_never_leak", "test_rendering_escapes")
SLOW_TESTS = ("thousand_columns", "wide_batches", "concurrent_threads_lose_no_rows")


def pytest_collection_modifyitems(items):
    """Markers for `make test-fast`: browser tests, PostgreSQL tests, and whole-app or large-upload tests."""
    for item in items:
        path = Path(str(item.fspath))
        if "browser" in path.parts:
            item.add_marker(pytest.mark.browser)
        if {"postgres_url", "pg_demo"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.postgres)
        if path.name.startswith(SLOW_MODULES) or any(word in item.name for word in SLOW_TESTS):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(autouse=True)
def _no_network(monkeypatch):
    """Refuse every socket connection that is not to loopback."""
    real_connect = socket.socket.connect

    def guarded_connect(self, address):
        host = address[0] if isinstance(address, tuple) else address
        if isinstance(host, str) and host not in ("localhost",) and not host.startswith("/"):
            try:
                if not ipaddress.ip_address(host).is_loopback:
                    raise OSError(f"tests may not reach the network ({host})")
            except ValueError as exc:
                raise OSError(f"tests may not resolve hosts ({host})") from exc
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)


@pytest.fixture(autouse=True)
def clarify_home(tmp_path, monkeypatch) -> Path:
    """Point CLARIFY_HOME at a fresh temp folder for every test."""
    home = tmp_path / "clarify_home"
    home.mkdir()
    monkeypatch.setenv("CLARIFY_HOME", str(home))
    return home


@pytest.fixture
def tiny_db(tmp_path) -> Path:
    """A tiny database with the contract schema and six daily rows."""
    return build_tiny_database(tmp_path / "tiny.duckdb")


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory) -> Path:
    """A small generated demo database (scale 0.1), shared by the whole session; never written to."""
    from data.generate import generate_database

    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    return generate_database(path, scale=0.1, seed=7)


@pytest.fixture(scope="module")
def pipeline(demo_db, tmp_path_factory):
    """The offline pipeline on the small demo database, one per test module (a module may define its own)."""
    from query_engine.pipeline import Pipeline
    from query_engine.settings import Settings

    opened = Pipeline.open(Settings(home=tmp_path_factory.mktemp("home")), demo_db)
    yield opened
    opened.close()


@pytest.fixture
def app(demo_db, monkeypatch):
    """The app on the small demo database, after its first run."""
    from streamlit.testing.v1 import AppTest

    from tests.app_driving import APP

    monkeypatch.setenv("CLARIFY_DB", str(demo_db))
    at = AppTest.from_file(APP, default_timeout=30).run()
    assert not at.exception
    return at

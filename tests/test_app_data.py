"""AppTest of the Data page, and proof that no page of the app imports litellm."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from query_engine.semantics.model import load_semantic_model

PROJECT_ROOT = Path(__file__).resolve().parent.parent
APP = str(PROJECT_ROOT / "streamlit_app.py")


@pytest.fixture
def data_page(demo_db, monkeypatch) -> AppTest:
    monkeypatch.setenv("CLARIFY_DB", str(demo_db))
    at = AppTest.from_file(APP, default_timeout=30).run()
    at = at.switch_page("pages/data.py").run()
    assert not at.exception
    return at


def test_data_page_shows_dates_and_row_counts(data_page, demo_db):
    metrics = {m.label: m.value for m in data_page.metric}
    assert metrics["As of (latest date)"] == "2025-11-15"
    assert metrics["First date"] == "2024-01-01"
    headers = [h.value for h in data_page.subheader]
    assert any(h.startswith("campaign_daily · ") and h.endswith(" rows") for h in headers)
    assert "campaigns · 12 rows" in headers


def test_data_page_shows_columns_types_and_sample_rows(data_page):
    frames = [d.value for d in data_page.dataframe]
    schemas = [f for f in frames if list(f.columns) == ["Column", "Type"]]
    daily = next(f for f in schemas if "impressions" in set(f["Column"]))
    assert dict(zip(daily["Column"], daily["Type"], strict=False))["date"] == "DATE"
    samples = [f for f in frames if "campaign_id" in f.columns and "Column" not in f.columns]
    assert len(samples) == 2 and all(len(f) == 10 for f in samples)


def test_data_page_shows_the_semantic_model(data_page):
    model = load_semantic_model()
    frames = [d.value for d in data_page.dataframe]
    metrics = next(f for f in frames if "Metric" in f.columns)
    assert list(metrics["Name"]) == list(model.metrics)
    roas = metrics[metrics["Name"] == "roas"].iloc[0]
    assert roas["Definition"] == "Return on ad spend = revenue / spend."
    assert "return on ad spend" in roas["Also called"]
    assert (roas["Format"], roas["Direction"]) == ("ratio", "higher is better")
    dims = next(f for f in frames if "Dimension" in f.columns)
    channel = dims[dims["Name"] == "channel"].iloc[0]
    assert channel["Values"] == 7 and "Meta" in channel["Examples"]


LITELLM_PROBE = """
import json, sys
from streamlit.testing.v1 import AppTest
at = AppTest.from_file(sys.argv[1], default_timeout=30).run()
if sys.argv[2] == "pages/ask.py":
    at.text_input(key="ask.question").input("Show me high performing campaigns")
    at.button(key="ask.submit").click().run()
    at = at.button(key="ask.pick.2").click().run()
    assert at.dataframe, "the probe should reach an answer"
else:
    at = at.switch_page(sys.argv[2]).run()
print(json.dumps({"exception": bool(at.exception), "litellm": "litellm" in sys.modules}))
"""


@pytest.mark.parametrize("page", ["pages/ask.py", "pages/history.py", "pages/data.py"])
def test_app_page_never_imports_litellm(page, demo_db, clarify_home):
    env = {"PATH": "/usr/bin:/bin", "CLARIFY_HOME": str(clarify_home), "CLARIFY_DB": str(demo_db),
           "LITELLM_OFFLINE_MODE": "true", "HOME": str(clarify_home)}
    done = subprocess.run([sys.executable, "-c", LITELLM_PROBE, APP, page], cwd=PROJECT_ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout.strip().splitlines()[-1]) == {"exception": False, "litellm": False}

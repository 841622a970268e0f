"""The export corpus as a regression floor: 265 analyst questions over eleven platform exports, each load
through the upload path, scored against the hand-written reference load (bench/score_exports.py).

The floors sit just under the measured figures (0.809 / 0.966 / 0.810, 0 crashes, 2026-12-02) so a change
that loses a capability fails here; issue 13's targets (0.90 / 1.0 / 1.0) are above them."""
import os
import re
import subprocess
import sys

import pytest

from tests.conftest import PROJECT_ROOT

pytestmark = pytest.mark.slow  # every export loaded and 265 questions asked, ~30 s

FLOORS = {"clear_top1": 0.80, "amb_intended5": 0.95, "refuse": 0.80}


def test_export_questions_score_at_or_above_the_floor_with_no_crash():
    run = subprocess.run([sys.executable, "bench/score_exports.py"], cwd=PROJECT_ROOT, capture_output=True,
                         text=True, timeout=900, env={**os.environ, "LITELLM_OFFLINE_MODE": "true"})
    assert run.returncode == 0, run.stderr[-2000:]
    [line] = [line for line in run.stdout.splitlines() if line.startswith("SCORE ")]
    figures = {name: float(value) for name, value in re.findall(r"(\w+)=([0-9.]+)", line)}
    assert figures["crashes"] == 0 and figures["n"] == 265
    assert {name: figures[name] for name in FLOORS if figures[name] < FLOORS[name]} == {}

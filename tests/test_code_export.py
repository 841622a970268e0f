"""Export as code: the generated script, run in a subprocess, prints the answer's rows; SQL export; adapted scripts."""
from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import router.llm_router as llm_router_module
from query_engine.llm.access import RouterLLM
from query_engine.reports.code_export import (
    CodeExportError,
    adapt_script,
    extract_code,
    python_script,
    sql_script,
)
from router import RouterSettings, configure
from tests.result_matching import rows_match

CODEX = "openai/gpt-5.1-codex"
QUESTIONS = ("Total spend by channel", "Spend by month in 2024", "Show me high performing campaigns",
             "How much did we spend in 2025?")


def run_script(script: str, tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    path = tmp_path / "clarify_answer.py"
    path.write_text(script, encoding="utf-8")
    return subprocess.run([sys.executable, str(path), *args], capture_output=True, text=True, timeout=120,
                          cwd=tmp_path)


@pytest.mark.parametrize("question", QUESTIONS)
def test_python_script_prints_the_same_rows_as_the_answer(pipeline, demo_db, tmp_path, question):
    reading = pipeline.understand(question).interpretations[0]
    answer = pipeline.answer(reading)
    script = python_script(answer, demo_db, question=question, reading=reading.description)
    done = run_script(script, tmp_path)
    assert done.returncode == 0, done.stderr
    printed = pd.read_csv(io.StringIO(done.stdout))
    assert list(printed.columns) == list(answer.result.columns)
    assert rows_match(answer.result.rows, list(printed.itertuples(index=False, name=None)))


def test_python_script_db_argument_and_chart_file(pipeline, tiny_db, tmp_path):
    answer = pipeline.answer(pipeline.understand("Total spend by channel").interpretations[0])
    script = python_script(answer, "/nowhere/demo.duckdb", question="Total spend by channel")
    done = run_script(script, tmp_path, "--db", str(tiny_db), "--chart", "chart.html")
    assert done.returncode == 0, done.stderr
    printed = pd.read_csv(io.StringIO(done.stdout))
    assert sorted(zip(printed.iloc[:, 0], printed.iloc[:, 1], strict=False)) == [
        ("Google Search", 250.0), ("LinkedIn", 100.0), ("Meta", 20.0)]
    chart = (tmp_path / "chart.html").read_text(encoding="utf-8")
    assert "Plotly.newPlot" in chart and "Google Search" in chart


def test_python_script_is_deterministic_and_quotes_hostile_text(pipeline, demo_db):
    answer = pipeline.answer(pipeline.understand("Total spend by channel").interpretations[0])
    hostile = 'x"""; import os; os.remove("data") #\nprint("pwned")'
    first = python_script(answer, demo_db, question=hostile)
    assert first == python_script(answer, demo_db, question=hostile)
    assert f"SQL = {answer.sql!r}" in first and f"DATABASE = {str(demo_db)!r}" in first
    assert "\nprint(\"pwned\")" not in first
    assert repr('x"""; import os; os.remove("data") # print("pwned")') in first


def test_python_script_hostile_question_still_runs(pipeline, demo_db, tmp_path):
    answer = pipeline.answer(pipeline.understand("Total spend by channel").interpretations[0])
    done = run_script(python_script(answer, demo_db, question='"""\nraise SystemExit(3)'), tmp_path)
    assert done.returncode == 0, done.stderr


def test_sql_script_has_comments_and_one_statement(pipeline):
    reading = pipeline.understand("Total spend by channel").interpretations[0]
    answer = pipeline.answer(reading)
    text = sql_script(answer, question="Total spend by channel", reading=reading.description)
    assert text.startswith("-- Question: Total spend by channel\n-- Reading: ")
    assert text.endswith(answer.sql.strip().rstrip(";") + ";\n")


def test_export_without_sql_is_an_error(pipeline):
    from query_engine.pipeline import Answer

    with pytest.raises(CodeExportError, match="no SQL"):
        python_script(Answer(""), "demo.duckdb")
    with pytest.raises(CodeExportError, match="no SQL"):
        sql_script(Answer("  "))


@pytest.mark.parametrize("reply, code", [
    ("Here you go:\n```python\nprint(1)\n```\nEnjoy", "print(1)\n"),
    ("```\nx = 2\n```", "x = 2\n"),
    ("y = 3", "y = 3\n"),
    ("   ", ""),
])
def test_extract_code(reply, code):
    assert extract_code(reply) == code


@pytest.fixture
def code_router(clarify_home):
    def make(reply: str, keys=None):
        configure(RouterSettings(home=clarify_home, num_retries=0,
                                 keys={"OPENAI_API_KEY": "sk-test-openai-0123456789"} if keys is None else keys,
                                 model_params={CODEX: {"mock_response": reply}}))
        return RouterLLM()
    yield make
    llm_router_module._current = None


def test_adapt_script_returns_the_models_script_without_running_it(code_router, tmp_path):
    marker = tmp_path / "ran.txt"
    adapted_text = f"from pathlib import Path\nPath({str(marker)!r}).write_text('ran')\n"
    adapted = adapt_script(code_router(f"```python\n{adapted_text}```"), "print('rows')\n", "weekly instead")
    assert (adapted.text, adapted.model, adapted.request) == (adapted_text, CODEX, "weekly instead")
    assert adapted.cost_usd > 0
    assert not marker.exists()


def test_adapt_script_without_a_key_says_what_to_set(code_router):
    with pytest.raises(CodeExportError) as caught:
        adapt_script(code_router("x", keys={}), "print(1)\n", "weekly")
    assert "OPENAI_API_KEY" in caught.value.hint


def test_adapt_script_needs_a_request(code_router):
    with pytest.raises(CodeExportError, match="Say how"):
        adapt_script(code_router("x"), "print(1)\n", "  ")


def test_adapt_script_model_failure_is_an_error_for_the_analyst(code_router):
    with pytest.raises(CodeExportError, match="could not adapt"):
        adapt_script(code_router("litellm.InternalServerError", keys={"OPENAI_API_KEY": "sk-test-openai-0123456789"}),
                     "print(1)\n", "weekly")

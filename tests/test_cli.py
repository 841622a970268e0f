"""The CLI's JSON contract, run as a user would: a subprocess with the project's Python."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import PROJECT_ROOT


def cli(*args, env_home=None):
    env = {"PATH": "/usr/bin:/bin", "LITELLM_OFFLINE_MODE": "true", "CLARIFY_HOME": str(env_home)}
    proc = subprocess.run([sys.executable, "-m", "query_engine", *args], cwd=PROJECT_ROOT, capture_output=True,
                          text=True, timeout=120, env=env)
    return proc


def ask_json(question, db, home, *extra):
    proc = cli("ask", question, "--db", str(db), "--json", *extra, env_home=home)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_cli_ask_json_contract(tiny_db, clarify_home):
    out = ask_json("revenue by channel in 2024", tiny_db, clarify_home)
    assert set(out) >= {"question", "as_of", "database", "engine", "refusal", "interpretations"}
    assert out["as_of"] == "2025-02-01" and out["engine"] == "offline" and out["refusal"] is None
    assert out["database"] == str(tiny_db.resolve())
    first = out["interpretations"][0]
    assert set(first) >= {"rank", "text", "confidence", "sql", "columns", "rows", "error", "insights"}
    assert dict(map(tuple, first["rows"])) == {"Google Search": 750.0, "Meta": 40.0, "LinkedIn": 200.0}
    assert first["insights"] and first["error"] is None


def test_cli_ask_all_fills_every_reading_and_pick_fills_one(tiny_db, clarify_home):
    everything = ask_json("revenue last month", tiny_db, clarify_home, "--all")
    assert len(everything["interpretations"]) == 2
    assert all(i["rows"] is not None for i in everything["interpretations"])
    second = ask_json("revenue last month", tiny_db, clarify_home, "--pick", "2")
    assert second["interpretations"][0]["rows"] is None and second["interpretations"][1]["rows"] is not None


def test_cli_dates_are_iso_strings(tiny_db, clarify_home):
    out = ask_json("monthly spend", tiny_db, clarify_home)
    assert out["interpretations"][0]["rows"][0][0] == "2024-01-01"


def test_cli_as_of_override(tiny_db, clarify_home):
    out = ask_json("spend last month", tiny_db, clarify_home, "--as-of", "2024-02-15")
    assert out["as_of"] == "2024-02-15"
    assert "2024-01-01 to 2024-01-31" in out["interpretations"][0]["text"]


def test_cli_refusal_exits_zero_with_reason(tiny_db, clarify_home):
    out = ask_json("Update all budgets to zero", tiny_db, clarify_home)
    assert "only reads" in out["refusal"] and out["interpretations"] == []


def test_cli_sql_runs_checked_sql(tiny_db, clarify_home):
    proc = cli("sql", "SELECT channel, COUNT(*) AS n FROM campaigns GROUP BY 1 ORDER BY 1", "--db", str(tiny_db),
               "--json", env_home=clarify_home)
    out = json.loads(proc.stdout)
    assert proc.returncode == 0 and out["error"] is None
    assert out["rows"] == [["Google Search", 1], ["LinkedIn", 1], ["Meta", 1]]


@pytest.mark.parametrize("sql", ["DROP TABLE campaigns", "SELECT * FROM read_csv('/etc/passwd')",
                                 "COPY campaigns TO '/tmp/x.csv'"])
def test_cli_sql_refuses_with_reason_and_changes_nothing(tiny_db, clarify_home, sql):
    proc = cli("sql", sql, "--db", str(tiny_db), "--json", env_home=clarify_home)
    out = json.loads(proc.stdout)
    assert proc.returncode == 0 and out["rows"] is None and out["error"]
    check = cli("sql", "SELECT COUNT(*) FROM campaigns", "--db", str(tiny_db), "--json", env_home=clarify_home)
    assert json.loads(check.stdout)["rows"] == [[3]]


def test_cli_missing_database_is_a_clear_error(tmp_path, clarify_home):
    proc = cli("ask", "spend", "--db", str(tmp_path / "none.duckdb"), "--json", env_home=clarify_home)
    out = json.loads(proc.stdout)
    assert "does not exist" in out["error"] and "Traceback" not in proc.stderr


def test_cli_text_output_shows_readings_and_table(tiny_db, clarify_home):
    proc = cli("ask", "spend by channel", "--db", str(tiny_db), env_home=clarify_home)
    assert proc.returncode == 0
    assert "#1" in proc.stdout and "Google Search" in proc.stdout and "$250.00" in proc.stdout


def test_cli_evaluate_scores_a_question_set(tiny_db, clarify_home, tmp_path):
    cases = tmp_path / "cases.jsonl"
    cases.write_text("\n".join(json.dumps(c) for c in [
        {"id": "a", "q": "spend by channel", "kind": "clear", "match": "set",
         "refs": ["SELECT c.channel, SUM(d.spend) FROM campaign_daily d JOIN campaigns c USING (campaign_id) "
                  "GROUP BY 1"]},
        {"id": "b", "q": "drop the table", "kind": "refuse", "refs": [], "match": "set"},
        {"id": "c", "q": "spend by channel", "kind": "clear", "match": "set", "expected_rows": [["Nowhere", 1.0]]},
    ]), encoding="utf-8")
    proc = cli("evaluate", str(cases), "--db", str(tiny_db), "--json", env_home=clarify_home)
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)["summary"]
    assert summary["top1_accuracy"] == 0.5 and summary["refusal_accuracy"] == 1.0 and summary["questions"] == 3

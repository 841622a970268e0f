"""Every CLI failure is a clear message and an exit code, never a traceback; --json output is always valid JSON."""
from __future__ import annotations

import errno
import json
import math
import pathlib
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from query_engine import cli
from query_engine.pipeline import Pipeline
from query_engine.settings import Settings
from query_engine.sql.guard import guard_sql
from tests.test_cli import cli as run_cli


def strict_json(text: str):
    """Parse as any JSON parser would: NaN and Infinity are not JSON."""
    def refuse(constant: str):
        raise ValueError(f"{constant} is not valid JSON")

    return json.loads(text, parse_constant=refuse)


def run(argv: list[str], capsys) -> tuple[int, str, str]:
    code = cli.main(argv)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def home_under(monkeypatch, tmp_path):
    """Point CLARIFY_HOME at a folder that does not exist yet, so the demo database must be written there."""
    home = tmp_path / "home_parent" / "clarify"
    monkeypatch.setenv("CLARIFY_HOME", str(home))
    return home


def _patch_path(monkeypatch, name: str, folder: Path, code: int, strerror: str) -> None:
    original = getattr(pathlib.Path, name)

    def fail(self, *args, **kwargs):
        if Path(str(self)).is_relative_to(folder):
            raise OSError(code, strerror, str(self))
        return original(self, *args, **kwargs)

    monkeypatch.setattr(pathlib.Path, name, fail)


@pytest.mark.parametrize("wants_json", [True, False], ids=["json", "text"])
def test_cli_read_only_home_names_the_folder_and_exits_3(home_under, monkeypatch, capsys, wants_json):
    _patch_path(monkeypatch, "mkdir", home_under.parent, errno.EROFS, "Read-only file system")
    code, out, err = run(["ask", "spend by channel", *(["--json"] if wants_json else [])], capsys)
    assert code == cli.EXIT_STORAGE and "Traceback" not in err
    message = strict_json(out)["error"] if wants_json else err
    assert str(home_under) in message and "Read-only file system" in message and "CLARIFY_HOME" in message


def test_cli_unreadable_home_says_what_to_do(home_under, monkeypatch, capsys):
    home_under.mkdir(parents=True)
    _patch_path(monkeypatch, "stat", home_under, errno.EACCES, "Permission denied")
    code, out, err = run(["sql", "SELECT 1", "--json"], capsys)
    payload = strict_json(out)
    assert code == cli.EXIT_STORAGE and payload["exit_code"] == cli.EXIT_STORAGE and "Traceback" not in err
    assert str(home_under) in payload["error"] and "Permission denied" in payload["error"]
    assert "set CLARIFY_HOME" in payload["error"].replace("Set", "set")


def test_cli_full_disk_while_loading_a_file_says_the_disk_is_full(clarify_home, monkeypatch, capsys, tmp_path):
    data = tmp_path / "sales.csv"
    data.write_text("campaign,date,spend\nA,2025-01-01,10\nB,2025-01-02,20\n", encoding="utf-8")
    _patch_path(monkeypatch, "write_text", clarify_home, errno.ENOSPC, "No space left on device")
    code, out, err = run(["ask", "spend by campaign", "--data", str(data), "--json"], capsys)
    payload = strict_json(out)
    assert code == cli.EXIT_STORAGE and "Traceback" not in err
    assert "disk is full" in payload["error"] and "No space left on device" in payload["error"]
    assert str(clarify_home) in payload["error"] and payload["interpretations"] == []


def test_cli_full_disk_reported_by_duckdb_is_a_full_disk(home_under, monkeypatch, capsys):
    real_connect = duckdb.connect

    def connect(database=":memory:", *args, **kwargs):
        if str(database).startswith(str(home_under)):  # what DuckDB raises writing the demo to a full disk
            raise duckdb.IOException(f'IO Error: Could not write file "{database}": No space left on device')
        return real_connect(database, *args, **kwargs)

    monkeypatch.setattr(duckdb, "connect", connect)
    code, out, _ = run(["ask", "spend", "--json"], capsys)
    payload = strict_json(out)
    assert code == cli.EXIT_STORAGE and "disk is full" in payload["error"] and str(home_under) in payload["error"]
    assert not list(home_under.glob("*.tmp"))


def test_cli_bad_arguments_with_json_print_json_and_exit_2(capsys, tiny_db):
    code, out, err = run(["ask", "spend", "--db", str(tiny_db), "--pick", "two", "--json"], capsys)
    payload = strict_json(out)
    assert code == cli.EXIT_USAGE and "invalid int value" in payload["error"] and "--help" in payload["error"]
    assert err == ""


def test_cli_bad_setting_in_the_environment_is_a_clear_error(monkeypatch, capsys, tiny_db):
    monkeypatch.setenv("CLARIFY_TIME_LIMIT_S", "ten seconds")
    code, out, err = run(["sql", "SELECT 1", "--db", str(tiny_db)], capsys)
    assert code == cli.EXIT_USAGE and "CLARIFY_" in err and "not valid" in err and out == ""


def test_cli_json_lists_of_nan_and_infinity_become_null(tmp_path, clarify_home):
    database = tmp_path / "lists.duckdb"
    from tests.conftest import build_tiny_database

    build_tiny_database(database)
    con = duckdb.connect(str(database))
    con.execute("ALTER TABLE campaign_daily ADD COLUMN scores DOUBLE[]")
    con.execute("UPDATE campaign_daily SET scores = [1.5, 'nan'::DOUBLE, 'inf'::DOUBLE, '-inf'::DOUBLE]")
    con.close()
    proc = run_cli("sql", "SELECT *, CAST('nan' AS DOUBLE) AS x FROM campaign_daily LIMIT 1", "--db",
                   str(database), "--json", env_home=clarify_home)
    assert proc.returncode == 0, proc.stderr
    [row] = strict_json(proc.stdout)["rows"]
    assert row[-2:] == [[1.5, None, None, None], None]


def test_json_safe_converts_through_lists_and_dicts():
    value = {"a": [1.0, float("nan"), (float("inf"), Decimal("2.5"), Decimal("NaN"))], "b": {"c": -math.inf}}
    assert cli.json_safe(value) == {"a": [1.0, None, [None, 2.5, None]], "b": {"c": None}}
    json.dumps(cli.json_safe(value), allow_nan=False)


def test_cli_sql_json_checked_sql_is_the_guarded_statement_that_ran(tiny_db, clarify_home):
    sql = "select channel , count(*) as n from campaigns group by 1 order by 1"
    proc = run_cli("sql", sql, "--db", str(tiny_db), "--json", env_home=clarify_home)
    out = strict_json(proc.stdout)
    pipeline = Pipeline.open(Settings(home=clarify_home), tiny_db)
    try:
        expected = guard_sql(sql, pipeline.policy).sql
    finally:
        pipeline.close()
    assert out["sql"] == sql and out["checked_sql"] == expected and out["checked_sql"] != sql
    assert "LIMIT" in out["checked_sql"] and out["rows"] == [["Google Search", 1], ["LinkedIn", 1], ["Meta", 1]]


def test_cli_sql_json_checked_sql_is_null_when_refused(tiny_db, clarify_home):
    out = strict_json(run_cli("sql", "DROP TABLE campaigns", "--db", str(tiny_db), "--json",
                              env_home=clarify_home).stdout)
    assert out["checked_sql"] is None and out["error"]


@pytest.mark.parametrize("question", ["<script>alert('q2')</script>", "<img src=x onerror=alert(1)> spend",
                                      "javascript:alert('spend')", "spend by {{ channel }}"])
def test_cli_markup_question_is_refused_with_a_suggestion(tiny_db, clarify_home, question):
    proc = run_cli("ask", question, "--db", str(tiny_db), "--json", env_home=clarify_home)
    out = strict_json(proc.stdout)
    assert proc.returncode == 0 and "code or markup" in out["refusal"]
    assert out["interpretations"] == [] and out["suggestions"]


def test_settings_defaults_come_from_the_one_table():
    from query_engine.settings import DEFAULTS, SETTINGS, Settings

    plain = Settings()
    for setting in SETTINGS:
        value = getattr(plain, setting.name)
        assert value == (Settings.from_environ({}).__getattribute__(setting.name))
        if setting.name != "home":
            assert value == DEFAULTS[setting.name]
    overridden = Settings.from_environ({s.env: "7" for s in SETTINGS if s.name in ("row_cap", "workers")})
    assert (overridden.row_cap, overridden.workers) == (7, 7)


def test_environment_overrides_secrets_for_engine_and_router_settings(tmp_path):
    from query_engine.settings import Settings
    from router import RouterSettings, merged_sources

    environ = {"CLARIFY_ROW_CAP": "50", "OPENAI_API_KEY": "sk-env"}
    secrets = {"CLARIFY_ROW_CAP": "20", "OPENAI_API_KEY": "sk-secret", "CLARIFY_HOME": str(tmp_path)}
    assert Settings.from_environ(merged_sources(environ, secrets)).row_cap == 50
    router = RouterSettings.from_sources(environ, secrets)
    assert dict(router.keys) == {"OPENAI_API_KEY": "sk-env"} and router.home == tmp_path

"""A damaged history, ledger or preferences file is moved aside and a fresh one started; a locked one is left alone.

A damaged usage ledger must not reset the budget: its spending is unknown, so budgets refuse model calls.
"""
from __future__ import annotations

import datetime as dt
import logging
import sqlite3
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from query_engine.stores import history as question_history
from query_engine.stores.history import (
    HistoryEntry,
    HistoryError,
    QuestionHistory,
    set_aside_damaged,
)
from query_engine.stores.preferences import (
    ChoiceLearning,
    PreferenceStoreError,
    is_damaged_sqlite,
)
from router import BudgetExceeded, LedgerError, LedgerRow, RouterSettings, UsageLedger
from router.budgets import budget_statuses, check_budget
from router.store_files import is_damaged_sqlite as is_damaged
from tests.conftest import PROJECT_ROOT

KEY = "FAKEopenai0123456789abcdefghijklmn"


def _entry(question: str = "spend by channel") -> HistoryEntry:
    return HistoryEntry(question=question, reading_text="Spend by channel", sql="SELECT 1", sql_source="compiled")


def _filled_history(path: Path, count: int = 30) -> bytes:
    history = QuestionHistory(path)
    for i in range(count):
        history.add(_entry(f"question {i}"))
    return path.read_bytes()


def _garbage(data: bytes) -> bytes:
    return b"this is not a database at all " * 200


def _truncated(data: bytes) -> bytes:
    return data[:4096 + 100]


def _bad_checksum(data: bytes) -> bytes:
    return data[:4096] + b"\xff" * 64 + data[4096 + 64:]


@pytest.mark.parametrize("damage", [_garbage, _truncated, _bad_checksum], ids=["garbage", "truncated", "checksum"])
def test_damaged_history_is_moved_aside_and_a_fresh_one_starts(clarify_home, damage, caplog):
    path = clarify_home / "history.duckdb"
    damaged = damage(_filled_history(path))
    path.write_bytes(damaged)
    history = QuestionHistory.in_home(clarify_home)
    assert history.count() == 0
    [moved] = clarify_home.glob("history.duckdb.damaged-*")
    assert moved.read_bytes() == damaged
    assert str(moved) in history.damage_notice and str(moved) in caplog.text
    assert history.add(_entry()) == 1 and [e.question for e in QuestionHistory(path).list()] == ["spend by channel"]


def test_history_locked_by_another_process_is_not_moved(clarify_home, monkeypatch):
    path = clarify_home / "history.duckdb"
    _filled_history(path, 3)
    holder = subprocess.Popen([sys.executable, "-c", "import duckdb, sys; con = duckdb.connect(sys.argv[1]); "
                               "print('ready', flush=True); sys.stdin.read()", str(path)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=PROJECT_ROOT)
    try:
        assert holder.stdout.readline().strip() == "ready"
        monkeypatch.setattr(question_history, "LOCK_RETRY_SECONDS", 0.2)
        with pytest.raises(HistoryError, match="locked by another program"):
            QuestionHistory(path).count()
    finally:
        holder.communicate("")
    assert not list(clarify_home.glob("*.damaged-*"))
    assert QuestionHistory(path).count() == 3


@pytest.mark.parametrize(("message", "expected"), [
    ('IO Error: Could not write file "h.duckdb": No space left on device', "is full"),
    ('IO Error: Cannot open file "h.duckdb": Read-only file system', "CLARIFY_HOME to a writable folder"),
])
def test_history_on_a_full_or_read_only_disk_says_what_to_do_and_moves_nothing(clarify_home, monkeypatch, message,
                                                                               expected):
    path = clarify_home / "history.duckdb"
    _filled_history(path, 2)

    def failing_connect(database, *args, **kwargs):
        raise duckdb.IOException(message)

    monkeypatch.setattr(question_history.duckdb, "connect", failing_connect)
    with pytest.raises(HistoryError) as caught:
        QuestionHistory(path).add(_entry())
    assert expected in str(caught.value) and str(clarify_home) in str(caught.value)
    monkeypatch.undo()
    assert not list(clarify_home.glob("*.damaged-*")) and QuestionHistory(path).count() == 2


def test_history_in_an_uncreatable_folder_is_a_history_error(tmp_path):
    blocker = tmp_path / "not_a_folder"
    blocker.write_text("a file where the home folder should be", encoding="utf-8")
    with pytest.raises(HistoryError) as caught:
        QuestionHistory.in_home(blocker / "home").count()
    assert str(blocker) in str(caught.value)


def test_set_aside_leaves_a_file_another_process_already_replaced(tmp_path):
    path = tmp_path / "history.duckdb"
    path.write_bytes(b"old damaged file")
    seen = question_history.file_identity(path)
    path.rename(tmp_path / "history.duckdb.damaged-by-the-other-process")
    path.write_bytes(b"a fresh file made by someone else")
    assert set_aside_damaged(path, seen) is None
    assert path.read_bytes() == b"a fresh file made by someone else"


def test_set_aside_moves_the_journal_with_the_file(tmp_path):
    path = tmp_path / "usage.sqlite"
    path.write_bytes(b"damaged")
    (tmp_path / "usage.sqlite-wal").write_bytes(b"its journal")
    moved = set_aside_damaged(path, None, now=dt.datetime(2025, 3, 4, 5, 6, 7))
    assert moved == tmp_path / "usage.sqlite.damaged-20250304-050607"
    assert (tmp_path / "usage.sqlite.damaged-20250304-050607-wal").read_bytes() == b"its journal"
    assert not path.exists() and not (tmp_path / "usage.sqlite-wal").exists()


@pytest.mark.parametrize("damage", [_garbage, lambda data: data[: len(data) // 2]], ids=["garbage", "truncated"])
def test_damaged_preferences_are_moved_aside_and_learning_starts_afresh(clarify_home, damage, caplog):
    store = ChoiceLearning.in_home(clarify_home)
    store.record([("a | b", "a")] * 40, "best channel")
    damaged = damage(store.path.read_bytes())
    store.path.write_bytes(damaged)
    fresh = ChoiceLearning.in_home(clarify_home)
    assert fresh.picks() == []
    [moved] = clarify_home.glob("preferences.sqlite.damaged-*")
    assert moved.read_bytes() == damaged and str(moved) in fresh.damage_notice and str(moved) in caplog.text
    assert fresh.record([("a | b", "b")]) == 1 and [p.option for p in fresh.picks()] == ["b"]


def _locked_error(path: Path) -> sqlite3.Error:
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE t (x)")
    holder.execute("BEGIN EXCLUSIVE")
    waiting = sqlite3.connect(path, timeout=0)
    try:
        waiting.execute("SELECT * FROM t")
    except sqlite3.Error as exc:
        return exc
    finally:
        waiting.close()
        holder.close()
    raise AssertionError("the second connection was not locked out")


def test_a_locked_sqlite_file_is_not_taken_for_damaged(tmp_path):
    locked = _locked_error(tmp_path / "locked.sqlite")
    assert "locked" in str(locked)
    assert not is_damaged(locked) and not is_damaged_sqlite(locked)
    (tmp_path / "bad.sqlite").write_bytes(b"garbage" * 100)
    with pytest.raises(sqlite3.DatabaseError) as caught:
        sqlite3.connect(tmp_path / "bad.sqlite").execute("SELECT * FROM sqlite_master")
    assert is_damaged(caught.value) and is_damaged_sqlite(caught.value)


def test_preferences_in_an_uncreatable_folder_are_a_store_error(tmp_path):
    blocker = tmp_path / "not_a_folder"
    blocker.write_text("x", encoding="utf-8")
    with pytest.raises(PreferenceStoreError) as caught:
        ChoiceLearning.in_home(blocker / "home").picks()
    assert str(blocker) in str(caught.value)


def _ledger_with_spend(path: Path, usd: float) -> None:
    ledger = UsageLedger(path)
    for _ in range(20):
        ledger.record(LedgerRow("sql_generation", "m", "openai/gpt-4o", "openai", "ok", actual_cost_usd=usd / 20))
    ledger._forget_connection()


def _settings(home: Path, daily: float | None = 5.0, monthly: float | None = 50.0) -> RouterSettings:
    return RouterSettings(home=home, daily_budget_usd=daily, monthly_budget_usd=monthly)


@pytest.mark.parametrize("keep", [0, 5000], ids=["emptied", "half"])
def test_truncated_ledger_is_moved_aside_and_the_budget_refuses_instead_of_resetting(clarify_home, keep, caplog):
    path = clarify_home / "usage.sqlite"
    _ledger_with_spend(path, 4.9)
    path.write_bytes(path.read_bytes()[:keep])
    ledger = UsageLedger(path)
    with pytest.raises(BudgetExceeded) as caught:
        check_budget(ledger, _settings(clarify_home), 0.01, offline_available=True)
    [moved] = clarify_home.glob("usage.sqlite.damaged-*")
    assert str(moved) in str(caught.value) and "offline engine" in str(caught.value)
    assert "CLARIFY_DAILY_BUDGET_USD=off" in str(caught.value)
    assert ledger.rows() == [] and str(moved) in ledger.damage_notice and str(moved) in caplog.text
    statuses = budget_statuses(UsageLedger(path), _settings(clarify_home))  # another process sees it too
    assert all(s.spend_unknown and s.remaining_usd == 0.0 for s in statuses)


def test_moved_ledger_no_longer_blocks_the_budget_after_its_period(clarify_home):
    path = clarify_home / "usage.sqlite"
    _ledger_with_spend(path, 1.0)
    path.write_bytes(b"")
    UsageLedger(path).rows()
    next_month = datetime.now(dt.UTC).replace(day=1) + timedelta(days=32)
    check_budget(UsageLedger(path), _settings(clarify_home), 0.01, now=next_month)  # a new period: spend is known


def test_unlimited_budgets_still_allow_calls_after_a_damaged_ledger(clarify_home):
    path = clarify_home / "usage.sqlite"
    _ledger_with_spend(path, 1.0)
    path.write_bytes(b"\x00" * 3000)
    check_budget(UsageLedger(path), _settings(clarify_home, None, None), 0.01)
    assert len(list(clarify_home.glob("usage.sqlite.damaged-*"))) == 1


def test_unreadable_ledger_refuses_the_budget_without_moving_anything(clarify_home):
    (clarify_home / "usage.sqlite").mkdir()  # cannot be opened, but is not a damaged file
    ledger = UsageLedger(clarify_home / "usage.sqlite")
    with pytest.raises(LedgerError):
        ledger.rows()
    with pytest.raises(BudgetExceeded, match="cannot read what has been spent"):
        check_budget(ledger, _settings(clarify_home), 0.01)
    assert not list(clarify_home.glob("*.damaged-*"))


def test_router_call_on_a_truncated_ledger_raises_the_budget_error(clarify_home):
    from router.llm_router import ConfiguredRouter

    path = clarify_home / "usage.sqlite"
    _ledger_with_spend(path, 4.0)
    path.write_bytes(b"")
    router = ConfiguredRouter(RouterSettings(home=clarify_home, keys={"OPENAI_API_KEY": KEY},
                                             route_overrides={"sql_generation": "openai/gpt-4o"}))
    with pytest.raises(BudgetExceeded) as caught:
        router.call("sql_generation", "spend by channel", mock_response="SELECT 1")
    assert "damaged" in str(caught.value) and KEY not in str(caught.value)
    assert [r["status"] for r in router.ledger.rows()] == ["budget-refused"]


def test_offline_engine_answers_when_the_ledger_was_damaged(clarify_home, tiny_db):
    from query_engine.llm.access import RouterLLM
    from query_engine.pipeline import Pipeline
    from query_engine.settings import Settings
    from router import configure

    path = clarify_home / "usage.sqlite"
    _ledger_with_spend(path, 4.0)
    path.write_bytes(b"")
    configure(RouterSettings(home=clarify_home, keys={"OPENAI_API_KEY": KEY, "ANTHROPIC_API_KEY": KEY + "a",
                                                      "GEMINI_API_KEY": KEY + "g"}))
    pipeline = Pipeline.open(Settings(home=clarify_home), tiny_db, llm=RouterLLM())
    try:
        understanding = pipeline.understand("spend by channel in 2024 and 2025 split by campaign objective")
        answer = pipeline.answer(understanding.interpretations[0])
    finally:
        pipeline.close()
    assert answer.result is not None and answer.result.rows
    rows = UsageLedger(path).rows()
    assert rows and {r["status"] for r in rows} <= {"budget-refused", "fallback"}
    assert any(r["status"] == "budget-refused" for r in rows)


def test_ledger_event_log_is_quiet_for_a_healthy_ledger(clarify_home, caplog):
    caplog.set_level(logging.WARNING)
    path = clarify_home / "usage.sqlite"
    _ledger_with_spend(path, 1.0)
    ledger = UsageLedger(path)
    assert ledger.spend_since(datetime(2000, 1, 1, tzinfo=dt.UTC)) == pytest.approx(1.0)
    assert ledger.unknown_spend_since(datetime(2000, 1, 1, tzinfo=dt.UTC)) is None
    assert ledger.damage_notice is None and "damaged" not in caplog.text

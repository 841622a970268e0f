"""The question history store: round trips, other processes, concurrent writers, deletes, migrations."""
from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import threading
from pathlib import Path

import duckdb
import pytest

from query_engine.stores.history import (
    MIGRATIONS,
    HistoryEntry,
    QuestionHistory,
    migrate,
)

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _entry(question: str = "Show me high performing campaigns", **changes) -> HistoryEntry:
    values = dict(question=question, as_of=dt.date(2025, 11, 15), engine="offline", picked_rank=2,
                  reading_text="Conversions by campaign", spec_json=json.dumps({"metrics": ["conversions"]}),
                  adjustments_json=json.dumps([{"limit": {"from": None, "to": 5}}]),
                  sql="SELECT 1", sql_source="compiled from the reading",
                  timings_json=json.dumps({"running": 4.2}), row_count=12)
    values.update(changes)
    return HistoryEntry(**values)


@pytest.fixture
def history(tmp_path) -> QuestionHistory:
    return QuestionHistory(tmp_path / "history.duckdb")


def test_question_history_round_trips_every_field(history):
    stored_id = history.add(_entry(error=None, refusal=None))
    got = history.get(stored_id)
    assert got is not None
    assert got.id == stored_id
    assert isinstance(got.asked_at, dt.datetime)
    assert (got.question, got.as_of, got.picked_rank, got.row_count) == (
        "Show me high performing campaigns", dt.date(2025, 11, 15), 2, 12)
    assert json.loads(got.adjustments_json) == [{"limit": {"from": None, "to": 5}}]
    assert json.loads(got.timings_json) == {"running": 4.2}
    assert got.sql_source == "compiled from the reading"


def test_question_history_lists_newest_first_with_limit(history):
    ids = [history.add(_entry(f"question {n}", asked_at=dt.datetime(2025, 1, 1, 12, n))) for n in range(5)]
    listed = history.list(limit=3)
    assert [e.id for e in listed] == ids[::-1][:3]
    assert [e.question for e in listed] == ["question 4", "question 3", "question 2"]
    assert history.count() == 5


def test_question_history_get_unknown_id_is_none(history):
    history.add(_entry())
    assert history.get(999) is None


def test_question_history_delete_removes_one_entry(history):
    keep, drop = history.add(_entry("keep")), history.add(_entry("drop"))
    assert history.delete(drop) is True
    assert history.delete(drop) is False
    assert [e.id for e in history.list()] == [keep]
    assert history.count() == 1


def test_question_history_refusal_entry_has_no_rank(history):
    stored = history.get(history.add(_entry("Update all budgets to zero", picked_rank=None, sql="",
                                            refusal="Clarify only reads data.")))
    assert stored.picked_rank is None
    assert stored.refusal == "Clarify only reads data."


def test_question_history_survives_a_new_process(history):
    history.add(_entry("from this process"))
    script = (
        "import sys; from query_engine.stores.history import QuestionHistory, HistoryEntry\n"
        "h = QuestionHistory(sys.argv[1])\n"
        "print(','.join(e.question for e in h.list()))\n"
        "h.add(HistoryEntry(question='from the child'))\n"
    )
    done = subprocess.run([sys.executable, "-c", script, str(history.path)], cwd=PROJECT_ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "from this process"
    assert [e.question for e in history.list()] == ["from the child", "from this process"]


def test_question_history_concurrent_threads_lose_no_rows(history):
    errors: list[BaseException] = []

    def writer(worker: int) -> None:
        try:
            for n in range(20):
                history.add(_entry(f"worker {worker} question {n}"))
        except BaseException as exc:  # collected so the assertion below reports it
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert history.count() == 160
    assert len({e.id for e in history.list(limit=500)}) == 160


def test_question_history_separate_instances_share_one_file(history):
    other = QuestionHistory(history.path)
    first, second = history.add(_entry("a")), other.add(_entry("b"))
    assert second > first
    assert {e.question for e in QuestionHistory(history.path).list()} == {"a", "b"}


def test_question_history_migrations_are_idempotent(history):
    history.add(_entry())
    assert history.schema_version() == MIGRATIONS[-1][0]
    con = duckdb.connect(str(history.path))
    try:
        assert migrate(con) == MIGRATIONS[-1][0]
        assert migrate(con) == MIGRATIONS[-1][0]
        applied = con.execute("SELECT id, name FROM migrations ORDER BY id").fetchall()
    finally:
        con.close()
    assert applied == [(number, name) for number, name, _ in MIGRATIONS]
    assert QuestionHistory(history.path).count() == 1


def test_question_history_in_home_uses_history_file(tmp_path):
    store = QuestionHistory.in_home(tmp_path / "home")
    store.add(_entry())
    assert (tmp_path / "home" / "history.duckdb").is_file()


def test_history_records_the_dataset_and_old_files_migrate(tmp_path):
    import duckdb

    path = tmp_path / "history.duckdb"
    con = duckdb.connect(str(path))  # a file from before migration 3: no dataset column
    con.execute("CREATE TABLE migrations (id INTEGER PRIMARY KEY, name VARCHAR, applied_at TIMESTAMP)")
    for number, name, sql in MIGRATIONS[:2]:
        con.execute(sql)
        con.execute("INSERT INTO migrations VALUES (?, ?, now())", [number, name])
    con.execute("INSERT INTO questions (asked_at, question, engine, reading_text, adjustments_json, sql, sql_source, "
                "timings_json) VALUES (now(), 'old question', 'offline', '', '[]', '', '', '{}')")
    con.close()
    history = QuestionHistory(path)
    assert history.list()[0].dataset == "demo"
    history.add(HistoryEntry(question="spend by campaign", dataset="meta_export"))
    assert [e.dataset for e in history.list()] == ["meta_export", "demo"]
    assert history.schema_version() == 3

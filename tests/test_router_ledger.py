"""UsageLedger: append-only SQLite rows that survive a new process, lose none under 8 writer threads, and
migrate once."""
from __future__ import annotations

import io
import sqlite3
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from router.usage_ledger import COLUMNS, MIGRATIONS, LedgerRow, UsageLedger, utc_iso

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def row(**changes) -> LedgerRow:
    values = {"task": "sql_generation", "route": "openai/gpt-5.1-codex", "model": "openai/gpt-5.1-codex",
              "provider": "openai", "status": "ok", "input_tokens": 100, "output_tokens": 50,
              "actual_cost_usd": 0.01, "latency_ms": 20.0}
    return LedgerRow(**{**values, **changes})


def test_ledger_record_and_rows_round_trip(tmp_path):
    ledger = UsageLedger(tmp_path / "usage.sqlite")
    stored = ledger.record(row(question_id="q-7", reasoning_tokens=30, error_class=None))
    [read] = ledger.rows()
    assert read["id"] == 1 and read["ts"] == stored.ts
    assert {k: read[k] for k in ("question_id", "reasoning_tokens", "input_tokens", "status")} == {
        "question_id": "q-7", "reasoning_tokens": 30, "input_tokens": 100, "status": "ok"}
    assert datetime.fromisoformat(read["ts"]).tzinfo is not None
    assert tuple(read) == COLUMNS


def test_ledger_uses_wal_mode(tmp_path):
    ledger = UsageLedger(tmp_path / "usage.sqlite")
    ledger.record(row())
    with sqlite3.connect(ledger.path) as con:
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_ledger_rejects_unknown_status(tmp_path):
    with pytest.raises(ValueError, match="Unknown ledger status 'done'"):
        UsageLedger(tmp_path / "usage.sqlite").record(row(status="done"))


def test_ledger_rows_survive_a_new_process(tmp_path):
    path = tmp_path / "usage.sqlite"
    script = ("import sys; from router.usage_ledger import UsageLedger, LedgerRow; "
              "UsageLedger(sys.argv[1]).record(LedgerRow('evaluation', 'g', 'gemini/gemini-2.5-pro', 'gemini', "
              "'ok', actual_cost_usd=0.25))")
    subprocess.run([sys.executable, "-c", script, str(path)], cwd=PROJECT_ROOT, check=True)
    reader = subprocess.run([sys.executable, "-c", "import sys; from router.usage_ledger import UsageLedger; "
                             "print(UsageLedger(sys.argv[1]).spend_since(__import__('datetime').datetime(2000, 1, 1)))",
                             str(path)], cwd=PROJECT_ROOT, check=True, capture_output=True, text=True)
    assert [r["model"] for r in UsageLedger(path).rows()] == ["gemini/gemini-2.5-pro"]
    assert float(reader.stdout) == 0.25


@pytest.mark.parametrize("shared", [True, False], ids=["one-ledger", "ledger-per-thread"])
def test_ledger_eight_threads_lose_no_rows(tmp_path, shared):
    path = tmp_path / "usage.sqlite"
    errors: list[BaseException] = []
    common = UsageLedger(path)

    def write(worker: int) -> None:
        ledger = common if shared else UsageLedger(path)
        try:
            for i in range(40):
                ledger.record(row(question_id=f"{worker}-{i}"))
        except BaseException as exc:  # collected so the assertion below reports it
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(w,)) for w in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ids = [r["question_id"] for r in UsageLedger(path).rows()]
    assert errors == []
    assert len(ids) == 320 and len(set(ids)) == 320


def test_ledger_migrations_apply_once(tmp_path):
    path = tmp_path / "usage.sqlite"
    first = UsageLedger(path)
    assert first.migrate() == [number for number, _, _ in MIGRATIONS]
    assert first.migrate() == []
    first.record(row())
    second = UsageLedger(path)
    second.record(row())
    assert second.migrate() == []
    assert second.applied_migrations() == [(number, name) for number, name, _ in MIGRATIONS]
    assert len(second.rows()) == 2


def test_ledger_spend_since_counts_only_later_rows(tmp_path):
    ledger = UsageLedger(tmp_path / "usage.sqlite")
    now = datetime.now(UTC)
    ledger.record(row(actual_cost_usd=1.0, ts=utc_iso(now - timedelta(days=2))))
    ledger.record(row(actual_cost_usd=0.5, ts=utc_iso(now - timedelta(hours=1))))
    ledger.record(row(actual_cost_usd=0.25))
    assert ledger.spend_since(now - timedelta(days=1)) == pytest.approx(0.75)
    assert ledger.spend_since((now - timedelta(days=3)).replace(tzinfo=None)) == pytest.approx(1.75)
    assert len(ledger.rows(since=now - timedelta(days=1))) == 2


def test_ledger_summary_by_task_counts_statuses(tmp_path):
    ledger = UsageLedger(tmp_path / "usage.sqlite")
    ledger.record(row(status="error", input_tokens=0, output_tokens=0, actual_cost_usd=0.0, error_class="Timeout"))
    ledger.record(row(status="fallback", latency_ms=30.0))
    ledger.record(row(status="ok", latency_ms=10.0))
    ledger.record(row(status="cache-hit", input_tokens=0, output_tokens=0, actual_cost_usd=0.0))
    ledger.record(row(task="evaluation", status="budget-refused", input_tokens=0, output_tokens=0,
                      actual_cost_usd=0.0))
    summary = ledger.summary_by_task()
    assert summary["sql_generation"] == {"total_calls": 3, "total_cost": pytest.approx(0.02), "total_input_tokens": 200,
                                         "total_output_tokens": 100, "avg_latency_ms": 20.0, "errors": 1,
                                         "fallbacks": 1, "cache_hits": 1, "budget_refusals": 0}
    assert summary["evaluation"]["budget_refusals"] == 1 and summary["evaluation"]["total_calls"] == 0


def test_ledger_to_csv_writes_header_and_rows(tmp_path):
    ledger = UsageLedger(tmp_path / "usage.sqlite")
    ledger.record(row(question_id="q1"))
    ledger.record(row(question_id="q2"))
    buffer = io.StringIO()
    assert ledger.to_csv(buffer) == 2
    lines = buffer.getvalue().splitlines()
    assert lines[0] == ",".join(COLUMNS) and len(lines) == 3 and ",q2," in lines[2]
    assert ledger.to_csv(tmp_path / "usage.csv") == 2
    assert (tmp_path / "usage.csv").read_text(encoding="utf-8").splitlines()[0] == lines[0]


def test_ledger_rows_frame_has_every_column(tmp_path):
    ledger = UsageLedger(tmp_path / "usage.sqlite")
    ledger.record(row())
    frame = ledger.rows_frame()
    assert list(frame.columns) == list(COLUMNS) and frame["actual_cost_usd"].sum() == pytest.approx(0.01)


def test_ledger_summary_counts_offline_fallbacks_but_not_as_calls(tmp_path):
    ledger = UsageLedger(tmp_path / "usage.sqlite")
    ledger.record(row(latency_ms=40.0))
    ledger.record(row(model="offline", provider="offline", status="fallback", latency_ms=0.0, actual_cost_usd=0.0,
                      input_tokens=0, output_tokens=0))
    summary = ledger.summary_by_task()["sql_generation"]
    assert summary["total_calls"] == 1 and summary["fallbacks"] == 1 and summary["avg_latency_ms"] == 40.0

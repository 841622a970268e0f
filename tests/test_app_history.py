"""AppTest of the History page: asked questions appear, survive a new session, re-run and delete."""
from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from query_engine.sql.executor import open_connection
from query_engine.stores.history import HistoryEntry, QuestionHistory

APP = str(Path(__file__).resolve().parent.parent / "streamlit_app.py")
QUESTION = "Show me high performing campaigns"


@pytest.fixture
def app_env(demo_db, monkeypatch) -> Path:
    monkeypatch.setenv("CLARIFY_DB", str(demo_db))
    return demo_db


def fresh_app() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30).run()
    assert not at.exception
    return at


def history_page() -> AppTest:
    """A new session (as after a restart) opened on the History page."""
    at = fresh_app().switch_page("pages/history.py").run()
    assert not at.exception
    return at


def ask_and_pick_second(at: AppTest) -> AppTest:
    at.text_input(key="ask.question").input(QUESTION)
    at.button(key="ask.submit").click().run()
    return at.button(key="ask.pick.2").click().run()


def entry_ids(at: AppTest) -> list[int]:
    return [int(b.key.rsplit(".", 1)[1]) for b in at.button if b.key and b.key.startswith("history.delete.")]


def test_history_page_empty_says_how_to_start(app_env):
    at = history_page()
    assert "No questions yet" in at.info[0].value


def test_history_question_appears_and_survives_a_new_session(app_env, clarify_home):
    at = ask_and_pick_second(fresh_app())
    assert not at.exception
    at = history_page()
    assert at.markdown[0].value == f"**{QUESTION}**"
    stored = QuestionHistory.in_home(clarify_home).list()
    assert entry_ids(at) == [e.id for e in stored]
    assert stored[0].picked_rank == 2
    captions = " ".join(c.value for c in at.caption)
    assert "reading 2" in captions and "engine offline" in captions


def test_history_rerun_shows_the_stored_answer(app_env, clarify_home):
    ask_and_pick_second(fresh_app())
    at = history_page()
    entry_id = entry_ids(at)[0]
    at = at.button(key=f"history.rerun.{entry_id}").click().run()
    assert not at.exception
    con = open_connection(app_env)
    try:
        expected = con.execute("SELECT c.campaign_name, SUM(d.conversions) FROM campaign_daily d JOIN campaigns c "
                               "USING (campaign_id) GROUP BY 1 ORDER BY 2 DESC, 1").fetchall()
    finally:
        con.close()
    rows = [tuple(r) for r in at.dataframe[0].value.itertuples(index=False)]
    assert rows == expected
    assert len(at.get("plotly_chart")) == 1


def test_history_rerun_of_edited_sql_runs_the_sql(app_env, clarify_home):
    sql = "SELECT COUNT(*) AS campaigns FROM campaigns"
    QuestionHistory.in_home(clarify_home).add(HistoryEntry(question="count them", picked_rank=1, sql=sql,
                                                           sql_source="edited by the analyst"))
    at = history_page()
    at = at.button(key=f"history.rerun.{entry_ids(at)[0]}").click().run()
    assert not at.exception
    con = open_connection(app_env)
    try:
        count = con.execute(sql).fetchone()[0]
    finally:
        con.close()
    assert at.dataframe[0].value.iloc[0, 0] == count


def test_history_delete_asks_first_then_removes(app_env, clarify_home):
    store = QuestionHistory.in_home(clarify_home)
    keep = store.add(HistoryEntry(question="keep me", sql="SELECT 1", sql_source="edited by the analyst"))
    drop = store.add(HistoryEntry(question="drop me", sql="SELECT 2", sql_source="edited by the analyst"))
    at = history_page()
    at = at.button(key=f"history.delete.{drop}").click().run()
    assert "cannot be undone" in at.warning[0].value
    assert store.count() == 2
    at = at.button(key=f"history.cancel_delete.{drop}").click().run()
    assert not at.warning and store.count() == 2
    at = at.button(key=f"history.delete.{drop}").click().run()
    at = at.button(key=f"history.confirm_delete.{drop}").click().run()
    assert not at.exception
    assert [e.id for e in store.list()] == [keep]
    assert entry_ids(at) == [keep]


def test_history_lists_refusals_without_rerun(app_env, clarify_home):
    store = QuestionHistory.in_home(clarify_home)
    entry_id = store.add(HistoryEntry(question="Update all budgets to zero", refusal="Clarify only reads data."))
    at = history_page()
    assert not at.exception
    assert f"history.rerun.{entry_id}" not in [b.key for b in at.button]
    assert "refused: Clarify only reads data." in " ".join(c.value for c in at.caption)


@pytest.mark.parametrize("change, words", [
    ({"field": "metrics", "from": ["spend"], "to": ["clicks", "impressions"]}, "metric spend → clicks"),
    ({"field": "filters", "from": [],
      "to": [{"dimension": "channel", "values": ["Meta", "Google Search"], "op": "in"}]},
     "only channel Meta, Google Search"),
    ({"field": "date_range", "from": None,
      "to": {"start": "2025-09-01", "end": "2025-10-31", "label": "", "field": "date"}},
     "dates 2025-09-01 to 2025-10-31"),
    ({"field": "limit", "from": None, "to": 3}, "top 3"),
    ({"field": "sql", "from": "compiled", "to": "edited by the analyst"}, "SQL edited by the analyst"),
])
def test_history_adjustments_read_as_words(change, words):
    from ui.history_page import describe_change

    assert describe_change(change) == words


def test_app_says_where_a_damaged_history_went(app_env, clarify_home):
    damaged = clarify_home / "history.duckdb"
    damaged.write_bytes(b"not a database" * 100)
    at = fresh_app()
    warnings = " ".join(w.value for w in at.sidebar.warning)
    assert "was damaged" in warnings and "moved it to" in warnings
    assert any(p.name.startswith("history.duckdb.damaged-") for p in clarify_home.iterdir())

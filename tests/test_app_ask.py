"""AppTest of the Ask page: readings, picking, adjusting, the answer, edited SQL and refusals."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from query_engine.pipeline import Pipeline
from query_engine.settings import Settings
from query_engine.sql.executor import open_connection
from query_engine.stores.history import QuestionHistory
from tests.app_driving import APP, ask

QUESTION = "Show me high performing campaigns"


def keyed(elements, prefix: str, suffix: str):
    """The one widget whose key starts with `prefix` and ends with `suffix` (keys carry what they edit)."""
    found = [e for e in elements if e.key and e.key.startswith(prefix) and e.key.endswith(suffix)]
    assert len(found) == 1, [e.key for e in elements]
    return found[0]


def pick_keys(at: AppTest) -> list[str]:
    return sorted(b.key for b in at.button if b.key and b.key.startswith("ask.pick."))


def query(db: Path, sql: str) -> list[tuple]:
    """Rows straight from DuckDB (same connection settings as the app, which holds the file open)."""
    con = open_connection(db)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def table_rows(at: AppTest) -> list[tuple]:
    assert len(at.dataframe) == 1
    frame = at.dataframe[0].value
    return [tuple(row) for row in frame.itertuples(index=False)]


def second_reading(demo_db: Path):
    pipeline = Pipeline.open(Settings(), demo_db)
    try:
        return pipeline.understand(QUESTION).interpretations[1]
    finally:
        pipeline.close()


def test_ask_page_shows_scope_as_of_and_examples(app, demo_db):
    counts = dict(query(demo_db, "SELECT 'daily', count(*) FROM campaign_daily UNION ALL "
                                 "SELECT 'campaigns', count(*) FROM campaigns"))
    scope = " ".join(c.value for c in app.caption)
    assert f"campaign_daily {counts['daily']:,} rows" in scope
    assert f"campaigns {counts['campaigns']:,} rows" in scope
    last_date = query(demo_db, "SELECT max(date) FROM campaign_daily")[0][0]
    assert str(last_date) in scope
    assert [b.label for b in app.button if b.key.startswith("ask.example.")][0] == QUESTION
    assert not app.dataframe


def test_ask_vague_question_offers_readings_without_answering(app):
    at = ask(app, QUESTION)
    assert not at.exception
    assert len(pick_keys(at)) > 1
    assert not at.dataframe  # low confidence: the analyst picks first
    assert "Reading 1 · suggested" in " ".join(m.value for m in at.markdown)


def test_ask_example_button_asks_its_question(app):
    at = app.button(key="ask.example.0").click().run()
    assert not at.exception
    assert at.text_input(key="ask.question").value == QUESTION
    assert len(pick_keys(at)) > 1


def test_ask_pick_second_reading_shows_correct_table_chart_and_insights(app, demo_db):
    reading = second_reading(demo_db)
    assert reading.spec.metrics == ("conversions",) and reading.spec.dimensions == ("campaign",)
    at = ask(app, QUESTION).button(key="ask.pick.2").click().run()
    assert not at.exception
    expected = query(demo_db, "SELECT c.campaign_name, SUM(d.conversions) AS conversions FROM campaign_daily d "
                              "JOIN campaigns c USING (campaign_id) GROUP BY 1 ORDER BY 2 DESC, 1")
    assert table_rows(at) == expected
    assert len(at.get("plotly_chart")) == 1
    insights = next(m.value for m in at.markdown if m.value.startswith("**Insights**"))
    assert expected[0][0] in insights
    assert any(b.key == "ask.answer.csv" for b in at.get("download_button"))
    assert any("compiled from the reading" in e.label for e in at.expander)


def test_ask_confident_question_answers_at_once(app, demo_db):
    at = ask(app, "total spend")
    assert not at.exception
    total = query(demo_db, "SELECT SUM(spend) FROM campaign_daily")[0][0]
    assert table_rows(at)[0][0] == pytest.approx(total)


def test_ask_adjust_metric_and_top_n_reruns_without_retyping(app, demo_db):
    at = ask(app, QUESTION).button(key="ask.pick.2").click().run()
    keyed(at.selectbox, "ask.adjust.", ".metric").select("revenue")
    keyed(at.number_input, "ask.adjust.", ".top_n").set_value(3)
    at = keyed(at.button, "ask.adjust.", ".apply").click().run()
    assert not at.exception
    expected = query(demo_db, "SELECT c.campaign_name, SUM(d.revenue) AS revenue FROM campaign_daily d "
                              "JOIN campaigns c USING (campaign_id) GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 3")
    rows = table_rows(at)
    assert [r[0] for r in rows] == [e[0] for e in expected]
    assert [r[1] for r in rows] == pytest.approx([e[1] for e in expected])
    assert at.text_input(key="ask.question").value == QUESTION


def test_ask_adjust_filter_restricts_rows(app, demo_db):
    at = ask(app, QUESTION).button(key="ask.pick.2").click().run()
    keyed(at.multiselect, "ask.adjust.", ".filter.channel").select("Meta")
    at = keyed(at.button, "ask.adjust.", ".apply").click().run()
    assert not at.exception
    expected = query(demo_db, "SELECT c.campaign_name, SUM(d.conversions) FROM campaign_daily d JOIN campaigns c "
                              "USING (campaign_id) WHERE c.channel = 'Meta' GROUP BY 1 ORDER BY 2 DESC, 1")
    assert table_rows(at) == expected


def test_ask_adjust_dates_and_grouping(app, demo_db):
    at = ask(app, QUESTION).button(key="ask.pick.2").click().run()
    keyed(at.date_input, "ask.adjust.", ".dates").set_value((dt.date(2025, 1, 1), dt.date(2025, 3, 31)))
    keyed(at.multiselect, "ask.adjust.", ".grouping").unselect("campaign").select("channel")
    at = keyed(at.button, "ask.adjust.", ".apply").click().run()
    assert not at.exception
    expected = query(demo_db, "SELECT c.channel, SUM(d.conversions) FROM campaign_daily d JOIN campaigns c "
                              "USING (campaign_id) WHERE d.date BETWEEN DATE '2025-01-01' AND DATE '2025-03-31' "
                              "GROUP BY 1 ORDER BY 2 DESC, 1")
    assert table_rows(at) == expected


def test_ask_edited_sql_runs_after_the_check(app, demo_db):
    at = ask(app, QUESTION).button(key="ask.pick.2").click().run()
    sql = ("SELECT c.channel, SUM(d.spend) AS spend FROM campaign_daily d JOIN campaigns c USING (campaign_id) "
           "GROUP BY c.channel ORDER BY spend DESC")
    keyed(at.text_area, "ask.sql_editor", "").input(sql)
    at = at.button(key="ask.run_sql").click().run()
    assert not at.exception
    rows = table_rows(at)
    expected = query(demo_db, sql)
    assert [r[0] for r in rows] == [e[0] for e in expected]
    assert [r[1] for r in rows] == pytest.approx([e[1] for e in expected])
    assert any("edited by the analyst" in e.label for e in at.expander)


@pytest.mark.parametrize("sql, reason", [
    ("DROP TABLE campaigns", "DROP"),
    ("SELECT * FROM read_csv('/etc/passwd')", "read_csv"),
])
def test_ask_rejected_sql_shows_reason_and_runs_nothing(app, demo_db, sql, reason):
    before = query(demo_db, "SELECT count(*) FROM campaigns")
    at = ask(app, QUESTION).button(key="ask.pick.2").click().run()
    keyed(at.text_area, "ask.sql_editor", "").input(sql)
    at = at.button(key="ask.run_sql").click().run()
    assert not at.exception
    errors = [e.value for e in at.error]
    assert any("Refused" in e and reason in e for e in errors)
    assert not at.dataframe
    assert query(demo_db, "SELECT count(*) FROM campaigns") == before
    history = QuestionHistory.in_home(Settings.from_environ(__import__("os").environ).home)
    assert history.list(1)[0].error.startswith("Refused")


def test_ask_refusal_shows_why_and_suggestions(app):
    at = ask(app, "Update all budgets to zero")
    assert not at.exception
    assert "only reads data" in at.warning[0].value
    suggestions = [b for b in at.button if b.key.startswith("ask.suggest.")]
    assert len(suggestions) >= 2
    label = suggestions[0].label
    at = suggestions[0].click().run()
    assert not at.exception
    assert at.text_input(key="ask.question").value == label
    assert not at.warning


def test_ask_records_pick_and_adjustments_in_history(app, clarify_home):
    at = ask(app, QUESTION).button(key="ask.pick.2").click().run()
    keyed(at.number_input, "ask.adjust.", ".top_n").set_value(5)
    keyed(at.button, "ask.adjust.", ".apply").click().run()
    entries = QuestionHistory.in_home(clarify_home).list()
    assert [(e.question, e.picked_rank, e.engine) for e in entries[:2]] == [(QUESTION, 2, "offline")] * 2
    assert '"field": "limit"' in entries[0].adjustments_json and '"to": 5' in entries[0].adjustments_json
    assert entries[1].adjustments_json == "[]"
    assert entries[0].row_count == 5


def test_ask_missing_database_becomes_a_friendly_message(monkeypatch, tmp_path):
    monkeypatch.setenv("CLARIFY_DB", str(tmp_path / "nowhere.duckdb"))
    at = AppTest.from_file(APP, default_timeout=30).run()
    assert not at.exception
    assert "does not exist" in at.error[0].value
    assert "Traceback" not in at.error[0].value


def _failing_script(kind: str) -> None:
    import streamlit as st

    from query_engine.errors import QueryTimeout
    from ui.error_messages import friendly_errors

    with friendly_errors("testing the error path"):
        if kind == "clarify":
            raise QueryTimeout("The query ran past 10 s and was stopped.", hint="Narrow the date range.")
        raise KeyError("internal detail")
    st.write("the page goes on")


@pytest.mark.parametrize("kind, expected", [
    ("clarify", "The query ran past 10 s and was stopped. Narrow the date range."),
    ("unexpected", "Something went wrong while testing the error path. Try again"),
])
def test_friendly_errors_show_a_message_and_the_page_goes_on(kind, expected):
    at = AppTest.from_function(_failing_script, args=(kind,), default_timeout=30).run()
    assert not at.exception
    assert at.error[0].value.startswith(expected)
    assert "internal detail" not in at.error[0].value and "Traceback" not in at.error[0].value
    assert at.markdown[-1].value == "the page goes on"


def test_ask_forecast_question_shows_projection_with_band(app, demo_db):
    at = ask(app, "forecast spend for the next 30 days")
    assert not at.exception
    assert pick_keys(at) == ["ask.pick.1", "ask.pick.2"]
    at = at.button(key="ask.pick.1").click().run(timeout=90)
    assert not at.exception
    frame = at.dataframe[0].value
    forecast_rows = frame[frame["kind"] == "forecast"]
    assert len(forecast_rows) == 30 and (forecast_rows["lower"] <= forecast_rows["upper"]).all()
    assert len(at.get("plotly_chart")) == 1
    assert any("MAPE" in m.value or "backtest" in m.value.lower() for m in at.markdown)


def test_ask_why_question_offers_a_guided_investigation(app):
    at = ask(app, "why did ROAS drop in October?")
    assert not at.exception
    assert any(b.key == "ask.investigate" for b in at.button)
    assert len(pick_keys(at)) >= 3


def test_ask_learns_the_reading_a_team_keeps_picking(demo_db, monkeypatch):
    monkeypatch.setenv("CLARIFY_DB", str(demo_db))
    cards = lambda at: [m.value for m in at.markdown if m.value.startswith("**Reading ")]  # noqa: E731
    for _ in range(3):  # three sessions, each picks the CPA reading (ranked 4th before learning)
        at = ask(AppTest.from_file(APP, default_timeout=30).run(), QUESTION)
        assert "CPA" in next(c for c in cards(at) if c.startswith("**Reading 4"))
        at.button(key="ask.pick.4").click().run()
        assert not at.exception
    at = ask(AppTest.from_file(APP, default_timeout=30).run(), QUESTION)
    assert "CPA" in next(c for c in cards(at) if c.startswith("**Reading 1"))


def test_ask_new_confident_question_gets_fresh_adjust_controls_and_sql(app):
    at = ask(app, "Revenue by channel last month")
    at = at.button(key="ask.pick.1").click().run()
    keyed(at.multiselect, "ask.adjust.", ".filter.channel").select("Meta")
    at = keyed(at.button, "ask.adjust.", ".apply").click().run()
    assert any("Adjusted:" in c.value for c in at.caption)
    at = ask(at, "Spend by region in 2025")  # confident: answered at once
    assert not at.exception
    assert keyed(at.multiselect, "ask.adjust.", ".filter.channel").value == []
    assert keyed(at.multiselect, "ask.adjust.", ".grouping").value == ["region"]
    assert "d.region" in keyed(at.text_area, "ask.sql_editor", "").value
    assert not any("Adjusted:" in c.value for c in at.caption)


def test_ask_csv_download_has_no_float_noise():
    import pandas as pd

    from query_engine.spec.query import ColumnInfo
    from ui.answer_view import csv_bytes

    frame = pd.DataFrame({"campaign": ["A"], "roas": [19.10134564376822], "revenue": [336022.85000000015]})
    columns = (ColumnInfo("campaign", "dimension", "Campaign"), ColumnInfo("roas", "metric", "ROAS", "ratio"),
               ColumnInfo("revenue", "metric", "Revenue", "currency"))
    assert csv_bytes(frame, columns).decode().splitlines() == ["campaign,roas,revenue", "A,19.1013,336022.85"]


def test_ask_follow_up_refines_the_last_answer_and_can_be_asked_alone(app, demo_db):
    at = ask(app, "total spend by channel in 2024")
    channels = query(demo_db, "SELECT COUNT(DISTINCT c.channel) FROM campaign_daily d JOIN campaigns c USING "
                              "(campaign_id) WHERE d.date BETWEEN DATE '2024-01-01' AND DATE '2024-12-31'")[0][0]
    assert not at.exception and len(table_rows(at)) == channels
    at = ask(at, "only for Meta")
    assert not at.exception
    assert any("follow-up to “total spend by channel in 2024”" in i.value for i in at.info)
    meta = query(demo_db, "SELECT SUM(d.spend) FROM campaign_daily d JOIN campaigns c USING (campaign_id) "
                          "WHERE c.channel = 'Meta' AND d.date BETWEEN DATE '2024-01-01' AND DATE '2024-12-31'")
    assert [row[:2] for row in table_rows(at)] == [("Meta", pytest.approx(meta[0][0]))]
    at = ask(at, "now split that by device")
    assert not at.exception
    assert any("follow-up to “only for Meta”" in i.value for i in at.info)
    at.button(key=pick_keys(at)[0]).click().run()  # adding the split or replacing it: the analyst picks
    assert {row[0] for row in table_rows(at)} == {"Meta"} and len(table_rows(at)) == 3
    at.button(key="ask.alone").click().run()
    assert not at.exception
    assert not any("follow-up to" in i.value for i in at.info)  # read on its own: no answer to refine


def test_ask_one_row_answer_shows_the_ranking_with_the_winner_marked(app):
    at = ask(app, "which channel had the most conversions in 2024")
    assert not at.exception and len(table_rows(at)) == 1
    assert any("The ranking it came from" in c.value for c in at.caption)
    ranking = at.table[0].value
    assert ranking.iloc[0, 0] == "winner" and len(ranking) > 1

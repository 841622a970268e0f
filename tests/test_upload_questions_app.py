"""AppTests: the as-of date belongs to the selected dataset on the Ask page, after every switch."""
from __future__ import annotations

import datetime as dt

from streamlit.testing.v1 import AppTest

from tests.app_driving import ask

# A 2024 export: its as-of is 2024-03-31, so "last month" is February 2024 whatever the demo's date is.
START = dt.date(2024, 1, 1)
DAYS = 91
EXPORT = "Campaign name,Day,Amount spent (USD),Impressions,Link clicks\n" + "".join(
    f"{name},{START + dt.timedelta(days=d):%Y-%m-%d},{10 + i},{1000 * (i + 1)},{5 * (i + 1)}\n"
    for d in range(DAYS) for i, name in enumerate(("Brand", "Prospecting")))
FEBRUARY_SPEND = 29 * (10 + 11)  # 2024 is a leap year: 29 days of both campaigns


def _upload(at: AppTest) -> AppTest:
    at = at.switch_page("pages/data.py").run()
    assert not at.exception
    uploader = next(u for u in at.file_uploader if u.key.startswith("data.upload."))
    return uploader.set_value(("spend 2024.csv", EXPORT.encode(), "text/csv")).run()


def _captions(at: AppTest) -> str:
    return " ".join(c.value for c in at.caption)


def _as_of_widget(at: AppTest):
    return next(w for w in at.date_input if w.key.startswith("ask.as_of."))


def test_ask_last_month_uses_the_selected_datasets_as_of_after_switching(app):
    at = app.switch_page("pages/ask.py").run()
    picked = dt.date(2025, 10, 31)  # the analyst moves the demo's as-of: it must stay the demo's
    at = _as_of_widget(at).set_value(picked).run()
    assert "count back from **2025-10-31**" in _captions(at)
    at = _upload(at).switch_page("pages/ask.py").run()
    assert not at.exception
    name = at.selectbox(key="ask.dataset").value
    assert name != "demo"
    at = at.selectbox(key="ask.dataset").set_value("demo").run()  # away and back again
    assert _as_of_widget(at).value == picked
    at = at.selectbox(key="ask.dataset").set_value(name).run()
    assert not at.exception
    assert "count back from **2024-03-31**" in _captions(at) and _as_of_widget(at).value == dt.date(2024, 3, 31)
    at = ask(at, "spend last month")
    assert not at.exception
    readings = " ".join(m.value for m in at.markdown)
    assert "February 2024 (2024-02-01 to 2024-02-29)" in readings and "2025" not in readings
    at = next(b for b in at.button if b.key.startswith("ask.pick.")).click().run()
    assert not at.exception
    numbers = [v for d in at.dataframe for v in d.value.select_dtypes("number").to_numpy().ravel()]
    shown = " ".join(m.value for m in (*at.metric, *at.markdown))
    assert any(round(float(v)) == FEBRUARY_SPEND for v in numbers) or f"{FEBRUARY_SPEND:,}" in shown

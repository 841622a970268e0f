"""Values named the way analysts say them: lexicon words for platform spellings, and things named by their own words.

"women" is a gender value "female", "ctv" a device "Connected TV" (data/question_lexicon.yaml `value_words`); "the
traffic campaign" is the campaign whose name holds "traffic", even where "traffic" is also a word for clicks."""
from __future__ import annotations

import csv
from pathlib import Path

import pytest

from tests.tiny_exports import open_export

GENDERS = ("female", "male")
DEVICES = ("Smartphone", "Computer", "Connected TV")
SENIORITY = ("Director", "VP", "Entry")
CAMPAIGNS = ("Always On - Traffic", "Summer Drop - Conversions", "Brand - Core")


def _clicks(gender: str, device: str, seniority: str, campaign: str) -> int:
    return 10 * (GENDERS.index(gender) + 1) + 3 * DEVICES.index(device) + SENIORITY.index(seniority) \
        + 100 * CAMPAIGNS.index(campaign)


@pytest.fixture
def audience_export(tmp_path: Path) -> Path:
    path = tmp_path / "audience.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Date", "Campaign name", "Gender", "Device type", "Seniority", "Impressions", "Clicks",
                         "Amount spent (USD)"])
        for day in ("2025-03-01", "2025-03-02"):
            for c in CAMPAIGNS:
                for g in GENDERS:
                    for d in DEVICES:
                        for s in SENIORITY:
                            clicks = _clicks(g, d, s, c)
                            writer.writerow([day, c, g, d, s, clicks * 20, clicks, f"{clicks / 4:.2f}"])
    return path


def _top(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, data: Path, question: str):
    home = tmp_path / "home"
    monkeypatch.setenv("CLARIFY_HOME", str(home))
    pipeline = open_export(home, data)
    try:
        top = pipeline.understand(question, None).interpretations
        assert top, f"no reading for {question!r}"
        answer = pipeline.answer(top[0])
        assert answer.error is None and answer.result is not None
        return {f.dimension: sorted(f.values) for f in top[0].spec.filters}, answer.result.rows
    finally:
        pipeline.close()


def _total(**only: tuple[str, ...]) -> int:
    pick = {"g": GENDERS, "d": DEVICES, "s": SENIORITY, "c": CAMPAIGNS} | only
    return 2 * sum(_clicks(g, d, s, c) for g in pick["g"] for d in pick["d"] for s in pick["s"] for c in pick["c"])


@pytest.mark.parametrize(("question", "column", "values", "clicks"), [
    ("clicks from women", "gender", ["female"], _total(g=("female",))),
    ("how many clicks did men give us", "gender", ["male"], _total(g=("male",))),
    ("clicks on mobile", "device", ["Smartphone"], _total(d=("Smartphone",))),
    ("total clicks on ctv", "device", ["Connected TV"], _total(d=("Connected TV",))),
    ("desktop clicks", "device", ["Computer"], _total(d=("Computer",))),
    ("clicks from directors and VPs", "seniority", ["Director", "VP"], _total(s=("Director", "VP"))),
])
def test_lexicon_words_find_the_platform_spelling(tmp_path, monkeypatch, audience_export, question, column, values,
                                                  clicks):
    filters, rows = _top(tmp_path, monkeypatch, audience_export, question)
    assert filters == {column: values}
    assert rows == [(clicks,)] or rows[0][-1] == clicks


@pytest.mark.parametrize(("question", "campaign"), [
    ("cost per click for the traffic campaign", "Always On - Traffic"),
    ("how many clicks did the conversions campaign get", "Summer Drop - Conversions"),
    ("impressions of our brand campaign", "Brand - Core"),
])
def test_words_before_a_thing_name_it(tmp_path, monkeypatch, audience_export, question, campaign):
    filters, rows = _top(tmp_path, monkeypatch, audience_export, question)
    assert filters == {"campaign": [campaign]}
    assert len(rows) == 1


@pytest.mark.parametrize("question", ["clicks by campaign", "traffic by campaign", "spend per campaign"])
def test_a_grouping_is_not_a_name(tmp_path, monkeypatch, audience_export, question):
    filters, rows = _top(tmp_path, monkeypatch, audience_export, question)
    assert filters == {}
    assert len(rows) == len(CAMPAIGNS)


@pytest.mark.parametrize(("question", "split"), [
    ("clicks from directors and VPs", False),
    ("total clicks on mobile and desktop", False),
    ("are clicks higher on mobile or on desktop", True),
    ("clicks on smartphones or computers", True),
    ("clicks from women and men separately", True),
])
def test_two_values_are_added_up_unless_set_side_by_side(tmp_path, monkeypatch, audience_export, question, split):
    _, rows = _top(tmp_path, monkeypatch, audience_export, question)
    assert len(rows) == (2 if split else 1)


def _readings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, data: Path, question: str):
    home = tmp_path / "home"
    monkeypatch.setenv("CLARIFY_HOME", str(home))
    pipeline = open_export(home, data)
    try:
        return [{f.dimension: sorted(f.values) for f in r.spec.filters}
                for r in pipeline.understand(question, None).interpretations]
    finally:
        pipeline.close()


@pytest.fixture
def two_drops(tmp_path: Path) -> Path:
    path = tmp_path / "drops.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Date", "Campaign name", "Clicks"])
        for campaign, clicks in (("Summer Drop - Prospecting", 5), ("Summer Drop - Retargeting", 7), ("Brand", 9)):
            writer.writerow(["2025-03-01", campaign, clicks])
    return path


@pytest.mark.parametrize("question", ["clicks for the summer drop campaign",
                                      "how many clicks did our drop campaign get"])
def test_a_singular_name_that_fits_several_offers_each(tmp_path, monkeypatch, two_drops, question):
    readings = _readings(tmp_path, monkeypatch, two_drops, question)
    both = ["Summer Drop - Prospecting", "Summer Drop - Retargeting"]
    assert readings[:3] == [{"campaign": both}, {"campaign": both[:1]}, {"campaign": both[1:]}]


def test_plural_names_take_them_all(tmp_path, monkeypatch, two_drops):
    readings = _readings(tmp_path, monkeypatch, two_drops, "clicks by summer drop campaigns")
    assert readings == [{"campaign": ["Summer Drop - Prospecting", "Summer Drop - Retargeting"]}]


@pytest.mark.parametrize(("question", "split"), [
    ("overall clicks on mobile or desktop", False),
    ("which has more total clicks, mobile or desktop", True),
])
def test_total_words_add_up_an_or_but_not_a_comparison(tmp_path, monkeypatch, audience_export, question, split):
    _, rows = _top(tmp_path, monkeypatch, audience_export, question)
    assert len(rows) == (2 if split else 1)


@pytest.fixture
def lookalikes(tmp_path: Path) -> Path:
    path = tmp_path / "lal.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Day", "Ad set name", "Impressions", "Link clicks"])
        for ad_set, imps, clicks in (("Lookalike 1% - Purchasers", 1000, 30), ("Broad 25-54", 1000, 5),
                                     ("Lookalike 3%", 1000, 15)):
            writer.writerow(["2025-05-01", ad_set, imps, clicks])
    return path


@pytest.mark.parametrize("question", ["ad sets with a CTR above 1%", "which ad sets have CTR over 1%"])
def test_a_percent_in_a_name_is_no_name_fragment(tmp_path, monkeypatch, lookalikes, question):
    filters, rows = _top(tmp_path, monkeypatch, lookalikes, question)
    assert filters == {}
    assert sorted(r[0] for r in rows) == ["Lookalike 1% - Purchasers", "Lookalike 3%"]

"""Learning from picks: the store, derived preferences, the glossary and the loop through interpret()."""
from __future__ import annotations

import sqlite3

import pytest

from query_engine.interpret.readings import interpret
from query_engine.pipeline import Pipeline
from query_engine.settings import Settings
from query_engine.stores.preferences import (
    ChoiceLearning,
    Pick,
    PreferenceStoreError,
    ambiguity_phrase,
    derive_preferences,
    options_of,
)

QUESTION = "Show me high performing campaigns"
PERF = "performance = CPA | performance = Conversions | performance = ROAS | performance = Revenue"
WINDOW = "previous calendar month | trailing 30 days to the as-of date"


@pytest.fixture(scope="module")
def context(demo_db, tmp_path_factory):
    pipeline = Pipeline.open(Settings(home=tmp_path_factory.mktemp("home")), demo_db)
    yield pipeline.context
    pipeline.close()


@pytest.fixture
def store(clarify_home):
    return ChoiceLearning.in_home(clarify_home)


def picks(*options: str, key: str = PERF) -> list[Pick]:
    return [Pick(key, o) for o in options]


@pytest.mark.parametrize("recorded, expected", [
    (picks("a", "a"), {}),                                  # fewer than 3 picks
    (picks("a", "a", "a"), {PERF: "a"}),
    (picks("a", "a", "a", "b", "b", "b"), {}),              # a tie teaches nothing
    (picks("a", "a", "a", "b", "b", "b", "a"), {PERF: "a"}),
    (picks("b", "a", "a", "a") + picks("x", "x", "x", key=WINDOW), {PERF: "a", WINDOW: "x"}),
])
def test_derive_preferences_needs_n_picks_and_a_clear_winner(recorded, expected):
    assert derive_preferences(recorded) == expected


def test_derive_preferences_honours_min_picks():
    assert derive_preferences(picks("a", "a"), min_picks=2) == {PERF: "a"}


@pytest.mark.parametrize("questions, phrase", [
    (["Show me high performing campaigns", "high performing channels last month"], "high performing"),
    (["best channel last month", "spend last month by region", "clicks last month"], "last month"),
    (["top campaigns"], "top campaigns"),
    ([], ""),
])
def test_ambiguity_phrase_is_what_the_questions_share(questions, phrase):
    assert ambiguity_phrase(questions) == phrase


def test_options_of_splits_the_key():
    assert options_of(WINDOW) == ("previous calendar month", "trailing 30 days to the as-of date")


def test_choice_learning_records_and_survives_a_new_store(store, clarify_home):
    assert store.record([(PERF, "performance = ROAS"), (WINDOW, "previous calendar month")], QUESTION) == 2
    again = ChoiceLearning.in_home(clarify_home)
    assert [(p.ambiguity_key, p.option, p.question) for p in again.picks()] == [
        (PERF, "performance = ROAS", QUESTION), (WINDOW, "previous calendar month", QUESTION)]
    assert again.schema_version() == 2


def test_choice_learning_set_preference_overrides_learning(store):
    for _ in range(3):
        store.record([(PERF, "performance = Revenue")], QUESTION)
    store.set_preference(PERF, "performance = CPA")
    assert store.preferences() == {PERF: "performance = CPA"}
    [entry] = store.glossary()
    assert (entry.preferred, entry.source, entry.counts) == ("performance = CPA", "set by the analyst",
                                                             (("performance = Revenue", 3),))


def test_choice_learning_set_preference_rejects_an_unknown_option(store):
    with pytest.raises(PreferenceStoreError) as caught:
        store.set_preference(PERF, "performance = CTR")
    assert "performance = ROAS" in caught.value.hint


def test_choice_learning_reset_one_entry_keeps_the_others(store):
    for _ in range(3):
        store.record([(PERF, "performance = Revenue"), (WINDOW, "previous calendar month")], QUESTION)
    store.reset(PERF)
    assert store.preferences() == {WINDOW: "previous calendar month"}
    store.reset()
    assert store.preferences() == {} and store.glossary() == []


def test_choice_learning_glossary_lists_phrase_counts_and_state(store):
    for question in ("Show me high performing campaigns", "high performing channels", "high performing regions"):
        store.record([(PERF, "performance = Conversions")], question)
    store.record([(WINDOW, "previous calendar month")], "best channel last month")
    first, second = store.glossary()
    assert (first.phrase, first.preferred, first.source, first.total_picks) == (
        "high performing", "performance = Conversions", "learned", 3)
    assert (second.phrase, second.preferred, second.source) == ("best channel last month", None, "not yet learned")


def test_choice_learning_unopenable_file_raises_a_store_error(clarify_home):
    path = clarify_home / "preferences.sqlite"
    path.mkdir()  # a folder where the file should be: not damaged, just unusable, so nothing is moved
    with pytest.raises(PreferenceStoreError) as caught:
        ChoiceLearning(path).picks()
    assert str(path.parent) in str(caught.value) and "writable" in caught.value.hint
    assert path.is_dir() and not list(clarify_home.glob("*.damaged-*"))


def test_choice_learning_migrations_are_recorded_once(store):
    store.record([(PERF, "performance = ROAS")])
    store.record([(PERF, "performance = ROAS")])
    con = sqlite3.connect(store.path)
    try:
        assert con.execute("SELECT number, name FROM migrations ORDER BY number").fetchall() == [
            (1, "create picks"), (2, "create overrides")]
    finally:
        con.close()


def top_reading(context, preferences):
    understanding = interpret(QUESTION, context, preferences=preferences)
    return understanding.interpretations[0]


def test_learning_loop_after_n_picks_ranks_the_usual_reading_first_and_reset_restores(context, store):
    before = top_reading(context, store.preferences())
    assert before.distinction == "performance = ROAS"
    picked = next(r for r in interpret(QUESTION, context).interpretations
                  if r.distinction == "performance = Conversions")
    assert picked.rank > 1
    for n in range(store.min_picks):
        assert top_reading(context, store.preferences()).distinction == "performance = ROAS", f"changed after {n} picks"
        store.record(picked.choices, QUESTION)
    after = top_reading(context, store.preferences())
    assert after.distinction == "performance = Conversions"
    assert after.confidence > picked.confidence
    store.reset()
    restored = top_reading(context, store.preferences())
    assert (restored.distinction, restored.confidence) == (before.distinction, before.confidence)


def test_learning_loop_applies_to_other_questions_with_the_same_ambiguity(context, store):
    revenue = next(r for r in interpret(QUESTION, context).interpretations if r.distinction == "performance = Revenue")
    [(key, option)] = revenue.choices
    for _ in range(3):
        store.record(revenue.choices, QUESTION)
    before = interpret("best channel last month", context).interpretations[0]
    after = interpret("best channel last month", context, preferences=store.preferences()).interpretations[0]
    assert (dict(before.choices)[key], dict(after.choices)[key]) == ("performance = ROAS", option)

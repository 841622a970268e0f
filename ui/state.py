"""Explicit per-page session state: one small typed object per page under one session_state key."""
from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from typing import TypeVar

import streamlit as st

T = TypeVar("T")
QUESTION_KEY = "ask.question"
ADJUST_PREFIX = "ask.adjust."
SQL_EDITOR_KEY = "ask.sql_editor"
DEMO_DATASET = "demo"  # the bundled dataset's name in the catalogue (query_engine.datasets.catalogue.DEMO_NAME)


@dataclass
class AskState:
    """What the Ask page is showing: the question, the picked reading and what the analyst changed."""

    question: str = ""
    picked_rank: int | None = None
    adjusted_spec_json: str | None = None
    edited_sql: str | None = None
    recorded_runs: set[str] = field(default_factory=set)
    dataset: str = DEMO_DATASET
    # An as-of the analyst picked, per dataset: another dataset's date never carries over to this one.
    as_of_by_dataset: dict[str, dt.date] = field(default_factory=dict)
    # The last answer shown (its question and the spec that ran), and the one the current question follows up.
    last_answer: tuple[str, str] | None = None
    follows: tuple[str, str] | None = None

    @property
    def as_of(self) -> dt.date | None:
        """The as-of date picked for the selected dataset, or None for the dataset's own latest date."""
        return self.as_of_by_dataset.get(self.dataset)

    @as_of.setter
    def as_of(self, value: dt.date | None) -> None:
        if value is None:
            self.as_of_by_dataset.pop(self.dataset, None)
        else:
            self.as_of_by_dataset[self.dataset] = value

    def ask(self, question: str) -> None:
        """A new question; the answer on screen becomes the one it may follow up."""
        self.question = question.strip()
        self.follows = self.last_answer
        self.pick(None)

    def answered(self, question: str, spec_json: str) -> None:
        """Remember the answer shown, which the next question may follow up."""
        self.last_answer = (question, spec_json)

    def ask_alone(self) -> None:
        """Read the current question on its own, not as a follow-up."""
        self.follows = None
        self.pick(None)

    def pick(self, rank: int | None) -> None:
        """Choose a reading; adjustments and edited SQL belong to the previous one and are dropped."""
        self.picked_rank = rank
        self.adjusted_spec_json = None
        self.edited_sql = None


    def use_dataset(self, name: str) -> None:
        """Switch to another dataset: the question and its readings belonged to the old one (as-of dates are
        kept per dataset)."""
        if name != self.dataset:
            self.dataset = name
            self.last_answer = None  # another dataset's reading cannot be refined here
            self.ask("")


@dataclass
class DataState:
    """What the Data page is doing: the upload being handled, its outcome and pending confirmations."""

    upload_round: int = 0
    handled_upload: str | None = None
    upload_error: str | None = None
    last_added: object | None = None  # the AddedDataset of the latest upload, shown until the next one
    confirm_remove: str | None = None


@dataclass
class HistoryState:
    """What the History page is doing: which entry is being re-run or awaits delete confirmation."""

    rerun_id: int | None = None
    confirm_delete_id: int | None = None


def _page_state(key: str, kind: type[T]) -> T:
    if not isinstance(st.session_state.get(key), kind):
        st.session_state[key] = kind()
    return st.session_state[key]


def ask_state() -> AskState:
    """The Ask page's state for this session."""
    return _page_state("ask.state", AskState)


def data_state() -> DataState:
    """The Data page's state for this session."""
    return _page_state("data.state", DataState)


def history_state() -> HistoryState:
    """The History page's state for this session."""
    return _page_state("history.state", HistoryState)


def content_key(prefix: str, content: str) -> str:
    """A widget key naming what the widget edits, so other content always gets a fresh widget."""
    return f"{prefix}{hashlib.sha1(content.encode()).hexdigest()[:10]}"


def clear_widgets(prefix: str) -> None:
    """Forget widget values whose key starts with `prefix`, so they start again from their defaults."""
    for key in [k for k in st.session_state if isinstance(k, str) and k.startswith(prefix)]:
        del st.session_state[key]


def ask_question(state: AskState, question: str) -> None:
    """Ask `question` from scratch (the box, the examples and refusal suggestions all land here)."""
    st.session_state[QUESTION_KEY] = question
    state.ask(question)
    clear_widgets(ADJUST_PREFIX)
    clear_widgets(SQL_EDITOR_KEY)


def use_dataset(state: AskState, name: str) -> None:
    """Ask about another dataset: the question box, readings and their controls start empty."""
    if name == state.dataset:
        return
    state.use_dataset(name)
    st.session_state[QUESTION_KEY] = ""
    clear_widgets(ADJUST_PREFIX)
    clear_widgets(SQL_EDITOR_KEY)
    clear_widgets("ask.as_of")


def pick_reading(state: AskState, rank: int) -> None:
    """Use reading `rank`; the adjust controls and SQL editor start again from it."""
    state.pick(rank)
    clear_widgets(ADJUST_PREFIX)
    clear_widgets(SQL_EDITOR_KEY)

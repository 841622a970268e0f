"""Cached resources: settings from the environment and secrets, the pipeline, the history store, answers."""
from __future__ import annotations

import datetime as dt
import json
import os
import time
import weakref
from pathlib import Path

import streamlit as st

from query_engine.datasets.catalogue import (
    DEMO_NAME,
    Dataset,
    DatasetCatalog,
    catalog_for,
)
from query_engine.datasets.demo import ensure_demo_database
from query_engine.llm.access import RouterLLM
from query_engine.pipeline import Answer, Pipeline
from query_engine.semantics.calculated_metrics import definitions_path
from query_engine.settings import Settings
from query_engine.spec.codec import spec_from_dict
from query_engine.spec.query import Understanding
from query_engine.stores.history import QuestionHistory
from query_engine.stores.preferences import ChoiceLearning
from router import merged_sources
from ui.router_setup import secrets_or_empty, setup_router


def secret_values() -> dict[str, str]:
    """Top-level scalar values of st.secrets as text, or nothing when no secrets.toml exists."""
    return {key: str(value) for key, value in secrets_or_empty().items()}


def load_settings() -> Settings:
    """Settings from the environment and st.secrets (the environment wins: router.merged_sources)."""
    return Settings.from_environ(merged_sources(os.environ, secret_values()))


def ensure_database(settings: Settings) -> Path:
    """The database to query; builds the demo database the first time, showing progress."""
    path = settings.database_path
    if settings.database is not None or path.is_file():
        return path
    with st.status("Preparing the demo database (first run only)…", expanded=True) as status:
        bar = st.progress(0.0, text="Starting")

        def show_progress(message: str, fraction: float) -> None:
            bar.progress(min(max(fraction, 0.0), 1.0), text=message)

        ensure_demo_database(path, progress=show_progress)
        status.update(label="Demo database ready", state="complete", expanded=False)
    return path


def get_pipeline(settings: Settings, dataset_name: str | None = None) -> Pipeline:
    """The shared, read-only pipeline for a dataset (the demo or configured database when no name is given).

    Built once per database, model file and settings: the key holds the files' modification times, so a
    saved model or a replaced upload is used by the next question. The router is configured on every
    rerun (cheap when nothing changed), so keys added to secrets or the environment take effect without a
    restart; with no keys the pipeline stays offline and litellm is never imported.
    """
    setup_router()
    if dataset_name is None or dataset_name == DEMO_NAME:
        path = ensure_database(settings)
        return _open_pipeline(_settings_key(settings, path), settings, path, None)
    dataset = get_catalog(settings).get(dataset_name)
    key = _settings_key(settings, dataset.database, dataset.model_path)
    return _open_pipeline(key, settings, dataset.database, dataset.model_path)


def get_catalog(settings: Settings) -> DatasetCatalog:
    """The datasets under the home folder: the demo first, then each uploaded file."""
    return catalog_for(settings)


def get_dataset(settings: Settings, dataset_name: str | None) -> Dataset:
    """The dataset called `dataset_name`, or the demo when none is given."""
    return get_catalog(settings).get(dataset_name or DEMO_NAME)


# Cache keys of open pipelines: a model edit reopens the pipeline over the same database, so cached
# readings and answers must be keyed by the model file's version too, not only by the database's.
_PIPELINE_KEYS: weakref.WeakKeyDictionary[Pipeline, str] = weakref.WeakKeyDictionary()


@st.cache_resource(show_spinner="Opening the data…", max_entries=8)
def _open_pipeline(key: str, _settings: Settings, _path: Path, _model_path: Path | None) -> Pipeline:
    if _model_path is None:
        pipeline = Pipeline.open(_settings, _path, llm=RouterLLM())
    else:
        pipeline = Pipeline.open(_settings, _path, model_path=_model_path, llm=RouterLLM())
    _PIPELINE_KEYS[pipeline] = key
    return pipeline


def _settings_key(settings: Settings, path: Path, model_path: Path | None = None) -> str:
    stamp = path.stat().st_mtime_ns if path.is_file() else 0
    metrics = definitions_path(settings.home)
    metrics_stamp = metrics.stat().st_mtime_ns if metrics.is_file() else 0  # new calculated metrics reopen
    parts: list[object] = [str(path.resolve()), stamp, metrics_stamp, settings.time_limit_s, settings.row_cap,
                           settings.memory_limit, settings.threads]
    if model_path is not None:
        parts += [str(model_path.resolve()), model_path.stat().st_mtime_ns if model_path.is_file() else 0]
    return json.dumps(parts)


def pipeline_key(pipeline: Pipeline) -> str:
    """A cache key naming the database and model (and their versions) a pipeline reads."""
    return _PIPELINE_KEYS.get(pipeline) or _settings_key(pipeline.settings, pipeline.database)


@st.cache_resource(max_entries=4)
def _history_at(path: str) -> QuestionHistory:
    return QuestionHistory(path)


def get_history(settings: Settings) -> QuestionHistory:
    """The question history in the home folder."""
    return _history_at(str(QuestionHistory.in_home(settings.home).path))


def understand(pipeline: Pipeline, question: str, as_of: dt.date | None,
               previous_json: str | None = None) -> tuple[Understanding, float]:
    """The readings of a question, ranked with the team's learned preferences, and the ms it took; `previous_json`
    is the spec of the answer it may follow up."""
    started = time.perf_counter()
    preferences = get_learning(load_settings()).preferences()
    understanding = _understand(pipeline_key(pipeline), question, as_of, json.dumps(preferences, sort_keys=True),
                                previous_json, pipeline)
    pipeline.adopt(*(i.spec for i in understanding.interpretations))  # a cached reading's asked ratios ("per")
    return understanding, round((time.perf_counter() - started) * 1000, 2)


@st.cache_data(show_spinner=False, max_entries=256)
def _understand(key: str, question: str, as_of: dt.date | None, preferences_json: str, previous_json: str | None,
                _pipeline: Pipeline) -> Understanding:
    previous = spec_from_dict(json.loads(previous_json)) if previous_json else None
    return _pipeline.understand(question, as_of, preferences=json.loads(preferences_json), previous=previous)


@st.cache_resource(max_entries=4)
def _learning_at(home: str) -> ChoiceLearning:
    return ChoiceLearning.in_home(Path(home))


def get_learning(settings: Settings) -> ChoiceLearning:
    """The store of the analysts' picks and the preferences learned from them."""
    return _learning_at(str(settings.home))


def answer_spec(pipeline: Pipeline, spec_json: str) -> Answer:
    """The answer for a spec (given as spec_to_dict JSON, which is also the cache key)."""
    return _answer_spec(pipeline_key(pipeline), spec_json, pipeline)


@st.cache_data(show_spinner=False, max_entries=256)
def _answer_spec(key: str, spec_json: str, _pipeline: Pipeline) -> Answer:
    return _pipeline.answer(spec_from_dict(json.loads(spec_json)))


def answer_sql(pipeline: Pipeline, sql: str) -> Answer:
    """The answer for SQL the analyst wrote; the guard checks it first."""
    return _answer_sql(pipeline_key(pipeline), sql, pipeline)


@st.cache_data(show_spinner=False, max_entries=64)
def _answer_sql(key: str, sql: str, _pipeline: Pipeline) -> Answer:
    return _pipeline.answer_sql(sql)

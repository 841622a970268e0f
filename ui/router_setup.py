"""The model router configured from st.secrets and the environment, and LLM access for the pipeline when keys exist."""
from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import streamlit as st
from streamlit.errors import StreamlitSecretNotFoundError

from query_engine.llm.access import LLMAccess, RouterLLM
from router import RouterSettings, configure


def secrets_or_empty() -> dict[str, Any]:
    """Top-level scalar values of st.secrets; {} when no secrets.toml exists (st.secrets raises then)."""
    try:
        items = list(st.secrets.items())
    except (FileNotFoundError, StreamlitSecretNotFoundError):
        return {}
    return {str(k): v for k, v in items if not isinstance(v, Mapping)}


def router_settings() -> RouterSettings:
    """RouterSettings from the environment and st.secrets (the environment wins: router.merged_sources)."""
    return RouterSettings.from_sources(os.environ, secrets_or_empty())


def setup_router() -> RouterSettings:
    """Configure the router and return the settings; equal settings on a rerun keep the built router and its cache."""
    settings = router_settings()
    configure(settings)  # configure() itself reuses the router when the settings are unchanged
    return settings


def router_llm() -> LLMAccess | None:
    """LLM access for Pipeline.open(..., llm=...) when any provider key is set; None keeps the app offline."""
    settings = setup_router()
    return RouterLLM() if settings.present_keys() else None


def engine_summary(settings: RouterSettings) -> str:
    """One line for the sidebar: which engine answers, never which key."""
    providers = sorted(settings.present_keys())
    if not providers:
        return "Engine: offline (no keys or network needed)."
    names = ", ".join(k.split("_")[0].title() for k in providers)
    return f"Engine: language models where keys are set ({names}), with the offline engine as fallback."

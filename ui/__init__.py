"""Streamlit glue for Clarify: cached resources, per-page state, components and error messages."""

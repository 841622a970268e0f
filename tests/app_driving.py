"""Driving the app in AppTest: where it is, and asking a question the way an analyst does."""
from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parent.parent / "streamlit_app.py")


def ask(at: AppTest, question: str) -> AppTest:
    """Type a question and press Ask."""
    at.text_input(key="ask.question").input(question)
    return at.button(key="ask.submit").click().run()

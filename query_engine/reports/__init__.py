"""Exports of answers: HTML and Markdown reports, scripts and CSV."""

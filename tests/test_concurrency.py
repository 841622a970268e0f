"""Eight threads asking different questions at once get exactly their single-threaded answers."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

QUESTIONS = [
    "revenue by channel in 2024", "spend by region last month", "CTR by device", "top 5 campaigns by conversions",
    "monthly ROAS for Meta", "CPA by objective in Q2 2025", "Which device had the lowest CPC?",
    "daily spend last 14 days",
]


def answer_rows(pipeline, question):
    understanding = pipeline.understand(question)
    return [pipeline.answer(r).result.rows for r in understanding.interpretations]


def test_concurrency_eight_threads_match_single_threaded(pipeline):
    expected = {q: answer_rows(pipeline, q) for q in QUESTIONS}
    with ThreadPoolExecutor(max_workers=8) as pool:
        for _ in range(3):
            results = dict(zip(QUESTIONS, pool.map(lambda q: answer_rows(pipeline, q), QUESTIONS), strict=False))
            assert results == expected

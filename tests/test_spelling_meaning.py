"""Spelling correction fixes typos and never changes meaning: typists keep the first letter, a short code with a
letter replaced is another code ('ecpa' is no 'ecpm'), and plain English words ('morning', 'targeting', 'scale')
are never read as domain words. What is left unplaced is named, not answered with a confident total."""
from __future__ import annotations

import pytest

from query_engine.interpret.vocabulary import keeps_meaning


@pytest.mark.parametrize("question, metric, dimension", [
    ("spnd by chanel", "spend", "channel"), ("revnue by regoin", "revenue", "region"),
    ("CTR by chanell in 2025", "ctr", "channel"), ("convresions by devcie", "conversions", "device"),
    ("impresions by chanel", "impressions", "channel")])
def test_typos_are_corrected(pipeline, question, metric, dimension):
    spec = pipeline.understand(question, None).interpretations[0].spec
    assert spec.metrics[0] == metric and dimension in spec.dimensions, spec


@pytest.mark.parametrize("key, word, kept", [
    ("morning", "earning", False), ("targeting", "marketing", False), ("ecpa", "ecpm", False),
    ("chanel", "channel", True), ("regoin", "region", True), ("waht", "what", True), ("cpm", "cmp", True)])
def test_a_correction_keeps_the_first_letter_and_a_short_codes_letters(key, word, kept):
    assert keeps_meaning(key, word) is kept


def test_ecpa_is_cpa_not_cpm(pipeline):
    assert pipeline.understand("eCPA by channel", None).interpretations[0].spec.metrics[0] == "cpa"


@pytest.mark.parametrize("question, word", [("spend in the morning", "morning"),
                                            ("targeting by channel", "targeting"),
                                            ("spend by evening vs night", "evening")])
def test_plain_words_are_never_read_as_domain_words(pipeline, question, word):
    understanding = pipeline.understand(question, None)
    assert understanding.refusal is not None and word in understanding.refusal.reason, understanding.refusal

"""A German-language export (semicolon separated, decimal commas, dd.mm.yyyy dates, € tags) is read by its headers'
meanings: Kosten is spend, Umsatz revenue, Impressionen and Klicks the volumes, Kampagne, Kanal and Gerät the
groupings, so English questions are answered from it and stored CTR and ROAS are rebuilt as ratios of sums."""
from __future__ import annotations

import datetime as dt

import pytest

from tests.tiny_exports import open_export

HEADER = "Datum;Kampagne;Kanal;Gerät;Impressionen;Klicks;Kosten (€);Conversions;Umsatz (€);CTR;ROAS"
GROUPS = [("Frühjahr Sale", "Google Ads", "Mobil"), ("Markenkampagne", "Meta", "Desktop")]


def _german(number: float) -> str:
    return f"{number:,.2f}".replace(",", " ").replace(".", ",").replace(" ", ".")


@pytest.fixture(scope="module")
def german(tmp_path_factory):
    folder = tmp_path_factory.mktemp("de")
    lines = [HEADER]
    for day in range(28):
        date = dt.date(2025, 3, 3) + dt.timedelta(days=day)
        for n, (campaign, channel, device) in enumerate(GROUPS):
            impressions, clicks, cost, conversions = 1200 + 40 * day + 900 * n, 30 + day + 7 * n, 45.5 + day, 2 + n
            revenue = conversions * 61.25
            lines.append(";".join([date.strftime("%d.%m.%Y"), campaign, channel, device, f"{impressions:,}".replace(
                ",", "."), str(clicks), _german(cost), str(conversions), _german(revenue),
                _german(100 * clicks / impressions) + " %", _german(revenue / cost)]))
    path = folder / "kampagnen_bericht.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    pipeline = open_export(folder / "home", path)
    yield pipeline
    pipeline.close()


@pytest.mark.parametrize("question, metric, dimension", [
    ("spend by campaign", "spend", "campaign"), ("revenue by channel", "revenue", "channel"),
    ("clicks by device", "clicks", "device"), ("impressions by campaign", "impressions", "campaign"),
    ("Kosten nach Kampagne", "spend", "campaign")])
def test_german_headers_answer_english_questions(german, question, metric, dimension):
    understanding = german.understand(question, None)
    assert understanding.refusal is None, understanding.refusal
    spec = understanding.interpretations[0].spec
    assert spec.metrics[0] == metric and spec.dimensions == (dimension,), spec


@pytest.mark.parametrize("question, metric", [("CTR by campaign", "ctr"), ("ROAS by campaign", "roas"),
                                              ("cost per conversion by campaign", "cpa")])
def test_stored_german_rates_are_ratios_of_sums(german, question, metric):
    assert german.model.metrics[metric].is_ratio
    reading = german.understand(question, None).interpretations[0]
    assert reading.spec.metrics[0] == metric
    answer = german.answer(reading)
    assert answer.error is None and len(answer.result.rows) == 2


def test_german_amounts_and_dates_are_read(german):
    reading = german.understand("spend in march", None).interpretations[0]
    total = german.answer(reading).result.rows[0][0]
    assert total == pytest.approx(sum(45.5 + day for day in range(28)) * 2)  # every day of the file is in March

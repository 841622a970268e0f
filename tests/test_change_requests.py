"""A request to change a platform's settings is refused however it is phrased: a command verb first ('please
pause ...', 'switch off ...'), or a write verb whose object is one of the file's own names ('turn off Traffic -
Hashtag Hiking'). Questions that start like one are still answered: 'lower cpc campaigns' ranks by a lower CPC,
'increase in spend for ...' and 'start date of ...' are questions."""
from __future__ import annotations

import pytest

from tests.tiny_exports import open_export, write_export

HEADER = ["Campaign name", "Ad group name", "Date", "Impressions", "Clicks", "Cost", "Conversions"]
GROUPS = [("Traffic - Hashtag Hiking", "Broad"), ("Site Retargeting - 30d", "Visitors")]
REFUSED = "only reads data"


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    folder = tmp_path_factory.mktemp("changes")
    pipeline = open_export(folder / "home", write_export(folder, "tiktok_ads_report", HEADER, GROUPS,
                                                         [900, 40, 55.5, 3]))
    yield pipeline
    pipeline.close()


@pytest.mark.parametrize("question", [
    "Please pause Site Retargeting - 30d", "Turn off Traffic - Hashtag Hiking", "switch off Broad",
    "Can you switch off the Visitors ad group?", "pause anything with a CPA over 50",
    "shut down Traffic - Hashtag Hiking",
    "go ahead and enable Site Retargeting - 30d", "raise spend on Traffic - Hashtag Hiking", "kill Broad",
    "reallocate from Broad to Visitors"])
def test_a_change_request_is_refused_however_it_is_phrased(report, question):
    refusal = report.understand(question, None).refusal
    assert refusal is not None and REFUSED in refusal.reason, (question, refusal)


@pytest.mark.parametrize("question", [
    "lower cpc campaigns", "show me lower ctr ad groups", "increase in spend for Traffic - Hashtag Hiking",
    "Traffic - Hashtag Hiking spend", "end of the month spend", "cost for Site Retargeting - 30d"])
def test_questions_that_start_like_a_change_are_answered(report, question):
    refusal = report.understand(question, None).refusal
    assert refusal is None or REFUSED not in refusal.reason, (question, refusal)


def test_lower_and_a_figure_before_the_things_ranks_them_lowest_first(report):
    spec = report.understand("lower cpc campaigns", None).interpretations[0].spec
    assert spec.metrics[0] == "cpc" and "campaign" in spec.dimensions, spec
    assert spec.order_by and spec.order_by[0].field == "cpc" and not spec.order_by[0].descending, spec

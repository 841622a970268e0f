"""Change between two periods per group: 'which channel grew revenue the most this year', 'which campaigns are
declining'. Each group's figure in both periods, the change and the change in percent, ranked."""
from __future__ import annotations

import datetime as dt

import pytest

AS_OF = dt.date(2025, 11, 15)


def _top(pipeline, question):
    found = pipeline.understand(question, AS_OF)
    assert found.interpretations, found.refusal
    return found.interpretations


@pytest.mark.parametrize(("question", "earlier", "later"), [
    ("which channel grew revenue the most this year", (dt.date(2024, 1, 1), dt.date(2024, 11, 15)),
     (dt.date(2025, 1, 1), AS_OF)),
    ("which region's CPA rose the most last month", (dt.date(2025, 9, 1), dt.date(2025, 9, 30)),
     (dt.date(2025, 10, 1), dt.date(2025, 10, 31))),
    ("biggest drops in clicks by campaign in Q3 2025", (dt.date(2025, 4, 1), dt.date(2025, 6, 30)),
     (dt.date(2025, 7, 1), dt.date(2025, 9, 30))),
    ("which campaigns are declining", (dt.date(2025, 9, 17), dt.date(2025, 10, 16)),
     (dt.date(2025, 10, 17), AS_OF)),
])
def test_a_change_compares_the_period_with_the_one_before(pipeline, question, earlier, later):
    first, second = _top(pipeline, question)[:2]
    assert [(w.start, w.end) for w in first.spec.periods] == [earlier, later]
    assert (first.spec.change, second.spec.change) == ("pct", "abs")
    assert first.description.startswith("Change in ")


def test_rises_rank_highest_first_and_falls_lowest_first(pipeline):
    assert _top(pipeline, "which channel grew revenue the most this year")[0].spec.order_by[0].descending
    assert not _top(pipeline, "which campaigns are declining")[0].spec.order_by[0].descending


def test_the_change_is_each_groups_later_figure_against_its_earlier_one(pipeline):
    reading = _top(pipeline, "which channel grew revenue the most this year")[0]
    answer = pipeline.answer(reading)
    assert answer.result.columns[:2] == ("channel", "change_pct")  # the ranked column leads
    rows = {r[0]: dict(zip(answer.result.columns, r, strict=True)) for r in answer.result.rows}
    expected = pipeline.con.execute(
        "SELECT c.channel, SUM(d.revenue) FILTER (WHERE d.date BETWEEN DATE '2024-01-01' AND DATE '2024-11-15'), "
        "SUM(d.revenue) FILTER (WHERE d.date BETWEEN DATE '2025-01-01' AND DATE '2025-11-15') FROM campaign_daily d "
        "JOIN campaigns c USING (campaign_id) GROUP BY 1").fetchall()
    for channel, before, after in expected:
        assert rows[channel]["revenue_before"] == pytest.approx(before or 0)
        assert rows[channel]["revenue"] == pytest.approx(after or 0)
        if before:
            assert rows[channel]["change_pct"] == pytest.approx(after / before - 1)
    changes = [r["change_pct"] for r in rows.values() if r["change_pct"] is not None]
    assert [r[1] for r in answer.result.rows if r[1] is not None] == sorted(changes, reverse=True)
    assert len(answer.result.rows) == len(expected)  # the whole ranking, the winner first


@pytest.mark.parametrize("question", ["clicks up to october by channel", "revenue by channel",
                                      "break down spend by region", "monthly revenue by channel"])
def test_no_change_reading_without_a_change_word_and_a_grouping(pipeline, question):
    assert all(i.spec.change is None for i in _top(pipeline, question))


def test_a_change_word_inside_a_named_value_says_nothing(tmp_path):
    """'Summer Drop' campaigns are names: 'clicks by summer drop campaigns' splits, it ranks no fall."""
    from tests.tiny_exports import open_export, write_export

    path = write_export(tmp_path, "drops", ["Campaign name", "Date", "Clicks"],
                        [["Summer Drop - Prospecting"], ["Summer Drop - Retargeting"], ["Brand"]], [5], days=40)
    pipeline = open_export(tmp_path / "home", path)
    try:
        found = pipeline.understand("clicks by summer drop campaigns", None).interpretations
        assert found and all(i.spec.change is None for i in found)
        assert pipeline.understand("which campaigns dropped the most", None).interpretations[0].spec.change
    finally:
        pipeline.close()


@pytest.mark.parametrize(("question", "grain"), [("month-over-month growth in revenue", "month"),
                                                 ("weekly change in spend this year", "week")])
def test_growth_per_period_sets_each_period_beside_the_one_before(pipeline, question, grain):
    reading = _top(pipeline, question)[0]
    assert reading.spec.change == "step" and reading.spec.dimensions == (grain,)
    rows = pipeline.answer(reading).result.rows
    for earlier, later in zip(rows, rows[1:], strict=False):
        assert later[2] == pytest.approx(earlier[1])  # the figure before is the period before's figure
        assert later[3] == pytest.approx(later[1] - earlier[1])
        if earlier[1]:
            assert later[4] == pytest.approx(later[1] / earlier[1] - 1)


def test_a_series_without_a_change_word_has_no_step(pipeline):
    assert _top(pipeline, "monthly revenue")[0].spec.change is None

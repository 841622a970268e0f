"""The demo dataset generator: contract schema, determinism, lifecycle invariants, economics and planted facts."""
from __future__ import annotations

import re
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

from data.demo_catalog import CHANNELS, DEVICES, OBJECTIVES, REGIONS, STATUSES
from data.generate import (
    ABSURD_CPA,
    PLANTED_DROP,
    SPEND_SPIKE,
    TRACKING_OUTAGE,
    generate_database,
)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SCHEMA_SQL = (PROJECT_ROOT / "data" / "campaign_schema.sql").read_text(encoding="utf-8")
JOINED = "campaign_daily JOIN campaigns USING (campaign_id)"


def _scalar(path: Path, sql: str, params: list | None = None):
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql, params or []).fetchone()[0]


def _checksums(path: Path) -> tuple:
    with duckdb.connect(str(path), read_only=True) as con:
        daily = con.execute("SELECT count(*), sum(hash(date, campaign_id, region, device, impressions, clicks, "
                            "spend, conversions, revenue)) FROM campaign_daily").fetchone()
        campaigns = con.execute("SELECT sum(hash(campaign_id, campaign_name, channel, objective, status, "
                                "start_date, end_date, daily_budget)) FROM campaigns").fetchone()
    return daily + campaigns


@pytest.fixture(scope="module")
def demo_db(demo_db, tmp_path_factory) -> Path:
    """A private copy: other tests hold the shared file open with a locked configuration, and DuckDB
    allows one configuration per file in a process."""
    copy = tmp_path_factory.mktemp("demo_copy") / "demo.duckdb"
    copy.write_bytes(demo_db.read_bytes())
    return copy


@pytest.fixture(scope="module")
def summer_db(tmp_path_factory) -> Path:
    """A database over a short custom range, to check the lifecycle is fitted to any range."""
    path = tmp_path_factory.mktemp("summer") / "summer.duckdb"
    return generate_database(path, scale=0.2, seed=11, start=date(2024, 6, 1), end=date(2024, 9, 30))


def test_generate_schema_matches_contract(demo_db):
    contract = duckdb.connect()
    contract.execute(SCHEMA_SQL)
    with duckdb.connect(str(demo_db), read_only=True) as con:
        for table in ("campaigns", "campaign_daily"):
            assert con.execute(f"DESCRIBE {table}").fetchall() == contract.execute(f"DESCRIBE {table}").fetchall()
        tables = sorted(r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall())
    assert tables == ["campaign_daily", "campaigns"]


def test_generate_same_seed_gives_identical_data(demo_db, tmp_path):
    again = generate_database(tmp_path / "again.duckdb", scale=0.1, seed=7)
    other = generate_database(tmp_path / "other.duckdb", scale=0.1, seed=8)
    assert _checksums(again) == _checksums(demo_db)
    assert _checksums(other) != _checksums(demo_db)


LIFECYCLE_VIOLATIONS = {
    "clicks above impressions": "SELECT count(*) FROM campaign_daily WHERE clicks > impressions",
    "conversions above clicks": "SELECT count(*) FROM campaign_daily WHERE conversions > clicks",
    "negative values": "SELECT count(*) FROM campaign_daily WHERE least(impressions, clicks, conversions, spend, "
                       "revenue) < 0",
    "money not in cents": "SELECT count(*) FROM campaign_daily WHERE abs(spend * 100 - round(spend * 100)) > 1e-6 "
                          "OR abs(revenue * 100 - round(revenue * 100)) > 1e-6",
    "rows before start": f"SELECT count(*) FROM {JOINED} WHERE date < start_date",
    "rows after end": f"SELECT count(*) FROM {JOINED} WHERE date > end_date",
    "paused rows in last two weeks": f"SELECT count(*) FROM {JOINED} WHERE status = 'paused' AND date > "
                                     "(SELECT max(date) FROM campaign_daily) - INTERVAL 14 DAY",
    "end date vs status": "SELECT count(*) FROM campaigns WHERE (status = 'ended') <> (end_date IS NOT NULL)",
    "ended after the data": "SELECT count(*) FROM campaigns WHERE end_date > (SELECT max(date) FROM campaign_daily)",
    "active without a last-day row": "SELECT count(*) FROM campaigns c WHERE status = 'active' AND NOT EXISTS "
                                     "(SELECT 1 FROM campaign_daily d WHERE d.campaign_id = c.campaign_id "
                                     "AND d.date = (SELECT max(date) FROM campaign_daily))",
    "paused without any row": "SELECT count(*) FROM campaigns c WHERE status = 'paused' AND NOT EXISTS "
                              "(SELECT 1 FROM campaign_daily d WHERE d.campaign_id = c.campaign_id)",
    "duplicate grain": "SELECT count(*) FROM (SELECT date, campaign_id, region, device FROM campaign_daily "
                       "GROUP BY ALL HAVING count(*) > 1)",
    "missing device": "SELECT count(*) FROM (SELECT date, campaign_id, region FROM campaign_daily "
                      "GROUP BY ALL HAVING count(DISTINCT device) <> 3)",
    "duplicate names": "SELECT count(*) - count(DISTINCT campaign_name) FROM campaigns",
    "odd characters in names": "SELECT count(*) FROM campaigns WHERE NOT regexp_full_match(campaign_name, "
                               "'[A-Za-z0-9][A-Za-z0-9 +\\-'']*')",
}


@pytest.mark.parametrize("violation", sorted(LIFECYCLE_VIOLATIONS))
@pytest.mark.parametrize("database", ["demo_db", "summer_db"])
def test_generate_rows_respect_invariants(violation, database, request):
    path = request.getfixturevalue(database)
    assert _scalar(path, LIFECYCLE_VIOLATIONS[violation]) == 0


@pytest.mark.parametrize("database, first, last", [
    ("demo_db", date(2024, 1, 1), date(2025, 11, 15)),
    ("summer_db", date(2024, 6, 1), date(2024, 9, 30)),
])
def test_generate_date_range_is_exact(database, first, last, request):
    path = request.getfixturevalue(database)
    with duckdb.connect(str(path), read_only=True) as con:
        assert con.execute("SELECT min(date), max(date) FROM campaign_daily").fetchone() == (first, last)


@pytest.mark.parametrize("sql, expected", [
    ("SELECT DISTINCT channel FROM campaigns", CHANNELS),
    ("SELECT DISTINCT objective FROM campaigns", OBJECTIVES),
    ("SELECT DISTINCT status FROM campaigns", STATUSES),
    ("SELECT DISTINCT region FROM campaign_daily", REGIONS),
    ("SELECT DISTINCT device FROM campaign_daily", DEVICES),
    (f"SELECT DISTINCT channel FROM {JOINED}", CHANNELS),
])
def test_generate_small_scale_covers_every_category(demo_db, sql, expected):
    with duckdb.connect(str(demo_db), read_only=True) as con:
        assert sorted(r[0] for r in con.execute(sql).fetchall()) == sorted(expected)


def test_generate_scale_sets_campaign_count(demo_db, tmp_path):
    tiny = generate_database(tmp_path / "tiny.duckdb", scale=0.05, seed=7)
    assert _scalar(demo_db, "SELECT count(*) FROM campaigns") == 12
    assert _scalar(tiny, "SELECT count(*) FROM campaigns") == 6
    assert 20_000 <= _scalar(demo_db, "SELECT count(*) FROM campaign_daily") <= 100_000


def _channel_metrics(path: Path) -> dict[str, dict[str, float]]:
    sql = (f"SELECT channel, sum(clicks) / sum(impressions), sum(spend) / sum(impressions) * 1000, "
           f"sum(spend) / sum(clicks), sum(conversions) / sum(clicks), sum(revenue) / sum(spend) "
           f"FROM {JOINED} GROUP BY channel")
    with duckdb.connect(str(path), read_only=True) as con:
        rows = con.execute(sql).fetchall()
    return {r[0]: dict(zip(("ctr", "cpm", "cpc", "cvr", "roas"), r[1:], strict=False)) for r in rows}


@pytest.mark.parametrize("metric, channel, rank", [
    ("ctr", "Display", "lowest"), ("cpm", "Display", "lowest"), ("cpc", "LinkedIn", "highest"),
    ("cvr", "Google Search", "highest"), ("cpc", "Email", "lowest"),
])
def test_generate_channel_economics_order(demo_db, metric, channel, rank):
    values = {ch: m[metric] for ch, m in _channel_metrics(demo_db).items()}
    pick = min if rank == "lowest" else max
    assert pick(values, key=values.get) == channel


def test_generate_search_and_email_have_best_roas(demo_db):
    roas = {ch: m["roas"] for ch, m in _channel_metrics(demo_db).items()}
    assert set(sorted(roas, key=roas.get)[-2:]) == {"Google Search", "Email"}


def test_generate_awareness_converts_least(demo_db):
    sql = f"SELECT objective FROM {JOINED} GROUP BY objective ORDER BY sum(conversions) / sum(clicks) LIMIT 1"
    assert _scalar(demo_db, sql) == "Awareness"


def test_generate_spend_tracks_budget(demo_db):
    sql = (f"SELECT median(r) FROM (SELECT sum(spend) / any_value(daily_budget) AS r FROM {JOINED} "
           "GROUP BY campaign_id, date)")
    assert 0.6 <= _scalar(demo_db, sql) <= 1.2


def test_generate_late_november_spend_above_year_average(demo_db):
    per_day = "SELECT sum(spend) / count(DISTINCT date) FROM campaign_daily WHERE date BETWEEN ? AND ?"
    late_november = _scalar(demo_db, per_day, [date(2024, 11, 20), date(2024, 11, 30)])
    year = _scalar(demo_db, per_day, [date(2024, 1, 1), date(2024, 12, 31)])
    january = _scalar(demo_db, per_day, [date(2025, 1, 1), date(2025, 1, 25)])
    assert late_november > 1.3 * year
    assert january < year


@pytest.mark.parametrize("channel, weekend_heavier", [("LinkedIn", False), ("TikTok", True), ("Meta", True)])
def test_generate_weekday_pattern_by_channel(demo_db, channel, weekend_heavier):
    sql = (f"SELECT sum(spend) FILTER (WHERE isodow(date) >= 6) / count(DISTINCT date) FILTER (WHERE isodow(date) >= 6)"
           f" / (sum(spend) FILTER (WHERE isodow(date) < 6) / count(DISTINCT date) FILTER (WHERE isodow(date) < 6)) "
           f"FROM {JOINED} WHERE channel = ?")
    ratio = _scalar(demo_db, sql, [channel])
    assert (ratio > 1.03) if weekend_heavier else (ratio < 0.7)


def _oct_vs_sep_cvr(path: Path) -> dict[tuple[str, str], tuple[float, int]]:
    """Oct/Sep 2025 conversion rate per channel and region, over campaigns live all of both months."""
    sep, oct_ = "date BETWEEN DATE '2025-09-01' AND DATE '2025-09-30'", "date >= DATE '2025-10-01'"
    sql = (f"SELECT channel, region, (sum(conversions) FILTER ({oct_}) / sum(clicks) FILTER ({oct_})) / "
           f"(sum(conversions) FILTER ({sep}) / sum(clicks) FILTER ({sep})), sum(conversions) FILTER ({sep}) "
           f"FROM {JOINED} WHERE status = 'active' AND start_date < DATE '2025-09-01' "
           f"AND date >= DATE '2025-09-01' GROUP BY ALL")
    with duckdb.connect(str(path), read_only=True) as con:
        return {(r[0], r[1]): (r[2], r[3]) for r in con.execute(sql).fetchall()}


def test_generate_planted_drop_hits_only_meta_europe(demo_db):
    ratios = _oct_vs_sep_cvr(demo_db)
    planted = (PLANTED_DROP["channel"], PLANTED_DROP["region"])
    assert ratios[planted][0] < 0.7
    others = {key: ratio for key, (ratio, sep_conversions) in ratios.items()
              if key != planted and sep_conversions >= 150}
    assert len(others) >= 3
    assert all(ratio > 0.8 for ratio in others.values()), others


def test_generate_planted_drop_lowers_overall_roas(demo_db):
    roas = "SELECT sum(revenue) / sum(spend) FROM campaign_daily WHERE date BETWEEN ? AND ?"
    september = _scalar(demo_db, roas, [date(2025, 9, 1), date(2025, 9, 30)])
    october = _scalar(demo_db, roas, [date(2025, 10, 1), date(2025, 10, 31)])
    assert october < 0.9 * september


def test_generate_spend_spike_is_about_tenfold(demo_db):
    sql = (f"SELECT sum(spend) FILTER (WHERE date = ?) / (sum(spend) FILTER (WHERE date BETWEEN ? - 14 AND ? - 1) / 14)"
           f" FROM {JOINED} WHERE campaign_name = ?")
    when = SPEND_SPIKE["date"]
    assert 6 < _scalar(demo_db, sql, [when, when, when, SPEND_SPIKE["campaign_name"]]) < 16


def test_generate_tracking_outage_zeroes_one_channel_for_one_day(demo_db):
    sql = (f"SELECT sum(clicks), sum(conversions), sum(revenue) FROM {JOINED} "
           f"WHERE date = ? AND (channel = ?) = ?")
    day, channel = TRACKING_OUTAGE["date"], TRACKING_OUTAGE["channel"]
    with duckdb.connect(str(demo_db), read_only=True) as con:
        clicks, conversions, revenue = con.execute(sql, [day, channel, True]).fetchone()
        day_before = con.execute(sql, [day - timedelta(days=1), channel, True]).fetchone()[1]
        other_channels = con.execute(sql, [day, channel, False]).fetchone()[1]
    assert clicks > 300 and conversions == 0 and revenue == 0
    assert day_before > 20 and other_channels > 20


def test_generate_absurd_cpa_campaign_stands_out(demo_db):
    sql = (f"SELECT campaign_name, sum(spend) / sum(conversions) AS cpa FROM {JOINED} GROUP BY campaign_name "
           "HAVING sum(conversions) > 0 ORDER BY cpa DESC LIMIT 2")
    with duckdb.connect(str(demo_db), read_only=True) as con:
        (worst, worst_cpa), (_, runner_up_cpa) = con.execute(sql).fetchall()
    assert worst == ABSURD_CPA["campaign_name"]
    assert worst_cpa > 5 * runner_up_cpa


def test_generate_reports_progress_and_replaces_atomically(tmp_path):
    target = tmp_path / "nested" / "demo.duckdb"
    calls: list[tuple[str, float]] = []
    first = generate_database(target, scale=0.05, seed=1)
    second = generate_database(target, scale=0.05, seed=2, progress=lambda m, f: calls.append((m, f)))
    assert first == second == target.resolve() and second.is_absolute()
    assert _checksums(second) == _checksums(generate_database(tmp_path / "check.duckdb", scale=0.05, seed=2))
    fractions = [f for _, f in calls]
    assert len(calls) >= 3 and fractions == sorted(fractions) and fractions[-1] == 1.0
    assert sorted(p.name for p in target.parent.iterdir()) == ["demo.duckdb"]


@pytest.mark.parametrize("kwargs, message", [
    ({"scale": 0}, "scale must be a positive number"),
    ({"start": date(2025, 1, 1), "end": date(2024, 1, 1)}, "must come after the start date"),
])
def test_generate_rejects_bad_arguments(tmp_path, kwargs, message):
    with pytest.raises(ValueError, match=message):
        generate_database(tmp_path / "bad.duckdb", **kwargs)
    assert not (tmp_path / "bad.duckdb").exists()


def test_generate_cli_writes_database(tmp_path):
    out = tmp_path / "cli" / "demo.duckdb"
    done = subprocess.run([sys.executable, "-m", "data.generate", "--scale", "0.05", "--out", str(out)],
                          cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    summary = re.search(r"(\d+) campaigns, ([\d,]+) daily rows in [\d.]+ s", done.stdout.splitlines()[-1])
    assert summary is not None, done.stdout
    assert int(summary.group(1)) == _scalar(out, "SELECT count(*) FROM campaigns") == 6
    assert int(summary.group(2).replace(",", "")) == _scalar(out, "SELECT count(*) FROM campaign_daily")
    assert "Planning campaigns" in done.stdout

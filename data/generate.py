"""Generate the bundled demo DuckDB database of ad-campaign performance (schema: data/campaign_schema.sql).

About 120 campaigns per unit of `scale` across 7 channels, one row per (date, campaign, region, device) for
every day a campaign delivers. Channel economics, weekday and yearly seasonality, region and device mix are
modelled in data/demo_catalog.py. Deterministic for a seed: every random draw comes from one
numpy.random.default_rng(seed).

Planted facts worth finding (each in the default 2024-01-01..2025-11-15 range, and at every scale):
- PLANTED_DROP: from 2025-10-01 Meta's conversion rate in Europe is cut to 55%, so Meta/Europe ROAS
  falls sharply in October 2025 against September 2025 and overall ROAS drops with it.
- SPEND_SPIKE: 'Always-on Brand Search - North America' spends ~10x its usual amount on 2025-03-12
  (a bid-cap misconfiguration), with inflated CPMs.
- TRACKING_OUTAGE: on 2025-05-14 every Google Search row records zero conversions and zero revenue.
- ABSURD_CPA: 'Display Prospecting - LATAM' converts at 1% of its normal rate, so its CPA is absurd;
  it was paused on 2025-08-18.
- Yearly seasonality: Black Friday / Cyber Monday spike in late November, busy December until the
  holidays, a January dip and a summer dip; CPMs rise in Q4.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
import uuid
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import TypedDict

import duckdb
import numpy as np
import pandas as pd

from data.demo_catalog import (
    CHANNELS,
    DEVICES,
    ECONOMICS,
    OBJECTIVES,
    REGIONS,
    CampaignPlan,
    plan_campaigns,
    region_shares,
)

SCHEMA_PATH = Path(__file__).resolve().parent / "campaign_schema.sql"
DEFAULT_START = date(2024, 1, 1)
DEFAULT_END = date(2025, 11, 15)
CAMPAIGNS_PER_SCALE = 120

# The planted facts' shapes. PlantedDrop uses the functional form because "from" is a keyword.
PlantedDrop = TypedDict("PlantedDrop", {"channel": str, "region": str, "from": date, "conversion_rate_factor": float})


class SpendSpike(TypedDict):
    campaign_name: str
    date: date
    spend_factor: float


class TrackingOutage(TypedDict):
    channel: str
    date: date


class AbsurdCpa(TypedDict):
    campaign_name: str
    conversion_rate_factor: float


PLANTED_DROP: PlantedDrop = {"channel": "Meta", "region": "Europe", "from": date(2025, 10, 1),
                             "conversion_rate_factor": 0.55}
SPEND_SPIKE: SpendSpike = {"campaign_name": "Always-on Brand Search - North America", "date": date(2025, 3, 12),
               "spend_factor": 10.0}
TRACKING_OUTAGE: TrackingOutage = {"channel": "Google Search", "date": date(2025, 5, 14)}
ABSURD_CPA: AbsurdCpa = {"campaign_name": "Display Prospecting - LATAM", "conversion_rate_factor": 0.01}

# Multipliers indexed like REGIONS, DEVICES and OBJECTIVES.
REGION_CPM = np.array([1.0, 0.82, 0.62, 0.42])
REGION_CVR = np.array([1.0, 0.95, 0.85, 0.78])
REGION_ORDER_VALUE = np.array([1.0, 0.95, 0.85, 0.62])
DEVICE_CPM = np.array([1.08, 0.95, 0.90])
DEVICE_CTR = np.array([0.95, 1.08, 0.90])
DEVICE_CVR = np.array([1.25, 0.82, 1.0])
OBJECTIVE_CPM = np.array([0.85, 0.95, 1.05])
OBJECTIVE_CTR = np.array([0.80, 1.0, 1.10])
OBJECTIVE_CVR = np.array([0.35, 0.70, 1.0])

Progress = Callable[[str, float], None]


def _black_friday(year: int) -> date:
    """The day after the fourth Thursday of November."""
    first = date(year, 11, 1)
    thursday = first + timedelta(days=(3 - first.weekday()) % 7 + 21)
    return thursday + timedelta(days=1)


def yearly_seasonality(days: list[date]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-day (spend, CPM, conversion-rate) multipliers: BFCM spike, busy December, January and summer dips."""
    spend, cpm, cvr = (np.ones(len(days)) for _ in range(3))
    for i, day in enumerate(days):
        friday = _black_friday(day.year)
        to_friday = (day - friday).days
        if day.month == 1 and day.day <= 25:
            spend[i], cpm[i], cvr[i] = 0.80, 0.88, 0.92
        elif day.month in (7, 8) and not (day.month == 8 and day.day > 20):
            spend[i] = 0.86
        elif -7 <= to_friday < 0:
            spend[i], cpm[i], cvr[i] = 1.40, 1.35, 1.10
        elif 0 <= to_friday <= 3:
            spend[i], cpm[i], cvr[i] = 2.20, 1.50, 1.40
        elif day.month == 11:
            spend[i], cpm[i] = 1.12, 1.15
        elif day.month == 12 and day.day <= 22:
            spend[i], cpm[i], cvr[i] = 1.30, 1.25, 1.15
        elif day.month == 12:
            spend[i], cpm[i], cvr[i] = 0.85, 1.05, 0.95
    return spend, cpm, cvr


def _campaign_arrays(plans: list[CampaignPlan], start: date, end: date) -> dict[str, np.ndarray]:
    """Per-campaign codes, budgets and the first/last day index (inclusive) on which it delivers."""
    last_day = (end - start).days
    first, last = [], []
    for plan in plans:
        stop = plan.end_date or (plan.paused_on - timedelta(days=1) if plan.paused_on else end)
        first.append(max((plan.start_date - start).days, 0))
        last.append(min((stop - start).days, last_day))
    return {"channel": np.array([CHANNELS.index(p.channel) for p in plans]),
            "objective": np.array([OBJECTIVES.index(p.objective) for p in plans]),
            "budget": np.array([p.daily_budget for p in plans]),
            "first": np.array(first), "last": np.array(last)}


def _expand_rows(plans: list[CampaignPlan], camp: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Row index arrays: one row per (campaign, region, live day, device), with each region's share."""
    pairs = [(i, REGIONS.index(region), share) for i, plan in enumerate(plans)
             for region, share in zip(plan.regions, region_shares(plan.channel, plan.regions), strict=False)]
    pair_c, pair_r = np.array([p[0] for p in pairs]), np.array([p[1] for p in pairs])
    pair_share = np.array([p[2] for p in pairs])
    lengths = np.maximum(camp["last"][pair_c] - camp["first"][pair_c] + 1, 0)
    pair_of_row = np.repeat(np.arange(len(pair_c)), lengths)
    offsets = np.arange(len(pair_of_row)) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    day = camp["first"][pair_c][pair_of_row] + offsets
    rows = {"campaign": pair_c[pair_of_row], "region": pair_r[pair_of_row],
            "share": pair_share[pair_of_row], "day": day}
    rows = {key: np.repeat(values, len(DEVICES)) for key, values in rows.items()}
    rows["device"] = np.tile(np.arange(len(DEVICES)), len(pair_of_row))
    return rows


def _simulate(rng: np.random.Generator, plans: list[CampaignPlan], start: date, end: date) -> pd.DataFrame:
    """Every daily row at once: expected spend and unit rates, planted facts, then the random outcomes."""
    camp = _campaign_arrays(plans, start, end)
    rows = _expand_rows(plans, camp)
    rows["channel"], rows["objective"] = camp["channel"][rows["campaign"]], camp["objective"][rows["campaign"]]
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    season = yearly_seasonality(days)
    spend = _expected_spend(rng, camp, rows, days, season[0])
    cpm, ctr, cvr = _unit_rates(rng, len(plans), rows, season[1], season[2])
    _plant_facts(rows, [p.name for p in plans], start, spend, cpm, cvr)
    return _draw_outcomes(rng, rows, spend, cpm, ctr, cvr, start)


def _expected_spend(rng: np.random.Generator, camp: dict[str, np.ndarray], rows: dict[str, np.ndarray],
                    days: list[date], season: np.ndarray) -> np.ndarray:
    """Budget x pacing x weekday x season x a slow per-campaign trend x noise, split by region and device."""
    c, day, ch = rows["campaign"], rows["day"], rows["channel"]
    n_camp, n_days = len(camp["budget"]), len(days)
    weekday = np.array([ECONOMICS[name].weekday for name in CHANNELS])
    weekday = weekday / weekday.mean(axis=1, keepdims=True)
    device_share = np.array([ECONOMICS[name].devices for name in CHANNELS])
    weekday_of_day = np.array([d.weekday() for d in days])
    pacing, slope = rng.uniform(0.8, 1.0, n_camp), rng.uniform(-0.3, 0.3, n_camp)
    phase, daily_noise = rng.uniform(0, 2 * np.pi, n_camp), rng.lognormal(0, 0.10, (n_camp, n_days))
    trend = 1 + slope[c] * (day / n_days - 0.5) + 0.08 * np.sin(2 * np.pi * day / 91 + phase[c])
    return (camp["budget"][c] * pacing[c] * weekday[ch, weekday_of_day[day]] * season[day] * trend
            * daily_noise[c, day] * rows["share"] * device_share[ch, rows["device"]]
            * rng.lognormal(0, 0.08, len(c)))


def _unit_rates(rng: np.random.Generator, n_camp: int, rows: dict[str, np.ndarray], season_cpm: np.ndarray,
                season_cvr: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """CPM, CTR and conversion rate per row: channel baseline shifted by region, device, objective, season."""
    c, day, ch, obj = rows["campaign"], rows["day"], rows["channel"], rows["objective"]
    reg, dev = rows["region"], rows["device"]
    econ = [ECONOMICS[name] for name in CHANNELS]
    cpm_q, ctr_q, cvr_q = (rng.lognormal(0, sigma, n_camp) for sigma in (0.12, 0.2, 0.2))
    cpm = (np.array([e.cpm for e in econ])[ch] * REGION_CPM[reg] * DEVICE_CPM[dev] * OBJECTIVE_CPM[obj]
           * season_cpm[day] * cpm_q[c] * rng.lognormal(0, 0.05, len(c)))
    ctr = np.array([e.ctr for e in econ])[ch] * DEVICE_CTR[dev] * OBJECTIVE_CTR[obj] * ctr_q[c]
    cvr = (np.array([e.cvr for e in econ])[ch] * REGION_CVR[reg] * DEVICE_CVR[dev] * OBJECTIVE_CVR[obj]
           * season_cvr[day] * cvr_q[c])
    return cpm, ctr, cvr


def _plant_facts(rows: dict[str, np.ndarray], names: list[str], start: date, spend: np.ndarray, cpm: np.ndarray,
                 cvr: np.ndarray) -> None:
    """Apply the spend spike, the Meta/Europe conversion drop and the absurd-CPA campaign in place."""
    c, day = rows["campaign"], rows["day"]
    spike = _on(day, SPEND_SPIKE["date"], start) & _is_campaign(c, names, SPEND_SPIKE["campaign_name"])
    spend[spike] *= SPEND_SPIKE["spend_factor"]
    cpm[spike] *= 3.0  # a broken bid cap overpays for each impression, not just buys more of them
    dropped = ((rows["channel"] == CHANNELS.index(PLANTED_DROP["channel"]))
               & (rows["region"] == REGIONS.index(PLANTED_DROP["region"]))
               & (day >= (PLANTED_DROP["from"] - start).days))
    cvr[dropped] *= PLANTED_DROP["conversion_rate_factor"]
    cvr[_is_campaign(c, names, ABSURD_CPA["campaign_name"])] *= ABSURD_CPA["conversion_rate_factor"]


def _draw_outcomes(rng: np.random.Generator, rows: dict[str, np.ndarray], spend: np.ndarray, cpm: np.ndarray,
                   ctr: np.ndarray, cvr: np.ndarray, start: date) -> pd.DataFrame:
    """Integer impressions, clicks and conversions (nested draws keep clicks <= impressions etc.), sorted by date."""
    c, day, ch, reg, dev = rows["campaign"], rows["day"], rows["channel"], rows["region"], rows["device"]
    impressions = rng.poisson(spend / cpm * 1000)
    clicks = rng.binomial(impressions, np.clip(ctr, 0, 0.5))
    conversions = rng.binomial(clicks, np.clip(cvr, 0, 0.9))
    order_value = np.array([ECONOMICS[name].order_value for name in CHANNELS])[ch] * REGION_ORDER_VALUE[reg]
    revenue = conversions * order_value * rng.lognormal(0, 0.2, len(c))
    outage = _on(day, TRACKING_OUTAGE["date"], start) & (ch == CHANNELS.index(TRACKING_OUTAGE["channel"]))
    conversions[outage], revenue[outage] = 0, 0.0
    frame = pd.DataFrame({"day": day.astype(np.int32), "campaign_id": (c + 1).astype(np.int32),
                          "region": reg.astype(np.int8), "device": dev.astype(np.int8),
                          "impressions": impressions.astype(np.int64), "clicks": clicks.astype(np.int64),
                          "spend": np.where(impressions > 0, np.round(spend, 2), 0.0),
                          "conversions": conversions.astype(np.int64), "revenue": np.round(revenue, 2)})
    return frame.iloc[np.lexsort((dev, reg, c, day))].reset_index(drop=True)


def _on(day: np.ndarray, when: date, start: date) -> np.ndarray:
    """Rows dated `when`."""
    return day == (when - start).days


def _is_campaign(c: np.ndarray, names: list[str], name: str) -> np.ndarray:
    """Rows of the campaign called `name` (none if this plan does not include it)."""
    return c == names.index(name) if name in names else np.zeros(len(c), dtype=bool)


def _campaign_frame(plans: list[CampaignPlan]) -> pd.DataFrame:
    """The campaigns table as a DataFrame, dates as ISO text for DuckDB to cast."""
    return pd.DataFrame({
        "campaign_id": [p.campaign_id for p in plans], "campaign_name": [p.name for p in plans],
        "channel": [p.channel for p in plans], "objective": [p.objective for p in plans],
        "status": [p.status for p in plans], "start_date": [p.start_date.isoformat() for p in plans],
        "end_date": [p.end_date.isoformat() if p.end_date else None for p in plans],
        "daily_budget": [p.daily_budget for p in plans]})


def _write(path: Path, campaigns: pd.DataFrame, daily: pd.DataFrame, start: date) -> None:
    """Create the contract schema verbatim in `path` and bulk-insert both frames."""
    con = duckdb.connect(str(path))
    try:
        con.execute("SET enable_progress_bar = false")  # the CLI prints its own progress
        con.execute(SCHEMA_PATH.read_text(encoding="utf-8"))
        con.register("campaign_frame", campaigns)
        con.execute("INSERT INTO campaigns SELECT campaign_id, campaign_name, channel, objective, status, "
                    "CAST(start_date AS DATE), CAST(end_date AS DATE), daily_budget FROM campaign_frame")
        con.register("daily_frame", daily)
        con.execute("INSERT INTO campaign_daily SELECT CAST(? AS DATE) + day, campaign_id, "
                    "(?::VARCHAR[])[region + 1], (?::VARCHAR[])[device + 1], impressions, clicks, spend, "
                    "conversions, revenue FROM daily_frame", [start, list(REGIONS), list(DEVICES)])
        con.execute("CHECKPOINT")
    finally:
        con.close()


def generate_database(out: str | Path, scale: float = 1.0, seed: int = 7, start: date = DEFAULT_START,
                      end: date = DEFAULT_END, progress: Progress | None = None) -> Path:
    """Build the demo database at `out` (atomically replacing any old one) and return its absolute path."""
    if not scale > 0:
        raise ValueError(f"scale must be a positive number such as 1 or 0.1, not {scale!r}.")
    if end <= start:
        raise ValueError(f"The end date {end} must come after the start date {start}; pick a later end.")
    report = progress or (lambda message, fraction: None)
    target = Path(out).expanduser().resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    report("Planning campaigns", 0.05)
    plans = plan_campaigns(max(1, round(CAMPAIGNS_PER_SCALE * scale)), rng, start, end)
    report(f"Simulating daily performance of {len(plans)} campaigns", 0.15)
    daily = _simulate(rng, plans, start, end)
    report(f"Writing {len(daily):,} daily rows", 0.60)
    temp = target.parent / f".{target.name}.{uuid.uuid4().hex}.tmp"
    try:
        _write(temp, _campaign_frame(plans), daily, start)
        os.replace(temp, target)
    finally:
        for leftover in (temp, temp.with_name(temp.name + ".wal")):
            leftover.unlink(missing_ok=True)
    report("Done", 1.0)
    return target


def _count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    """The number of rows in `table` (count(*) always returns exactly one row)."""
    row = con.execute(f"SELECT count(*) FROM {table}").fetchone()
    return int(row[0]) if row is not None else 0


def main(argv: list[str] | None = None, default_out: Path | None = None) -> int:
    """Command line: build the demo database, printing progress and a summary line."""
    parser = argparse.ArgumentParser(prog="python -m data.generate", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=default_out or Path("~/.clarify/demo.duckdb"),
                        help="DuckDB file to write (default: $CLARIFY_HOME/demo.duckdb)")
    parser.add_argument("--scale", type=float, default=1.0, help="multiplies the number of campaigns (default 1)")
    parser.add_argument("--seed", type=int, default=7, help="random seed; the same seed gives the same data")
    args = parser.parse_args(argv)
    began = time.perf_counter()
    try:
        path = generate_database(args.out, scale=args.scale, seed=args.seed,
                                 progress=lambda message, fraction: print(f"[{fraction:4.0%}] {message}", flush=True))
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    con = duckdb.connect(str(path), read_only=True)
    try:
        campaigns, rows = _count(con, "campaigns"), _count(con, "campaign_daily")
    finally:
        con.close()
    print(f"Wrote {path}: {campaigns} campaigns, {rows:,} daily rows in {time.perf_counter() - began:.1f} s")
    return 0


if __name__ == "__main__":
    home = Path(os.environ.get("CLARIFY_HOME") or "~/.clarify").expanduser()
    sys.exit(main(sys.argv[1:], default_out=home / "demo.duckdb"))

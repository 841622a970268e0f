"""The demo campaign catalogue: channel economics and a plan of campaigns with names and lifecycles."""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta

import numpy as np

CHANNELS = ("Google Search", "Meta", "TikTok", "LinkedIn", "YouTube", "Display", "Email")
OBJECTIVES = ("Awareness", "Consideration", "Conversion")
STATUSES = ("active", "paused", "ended")
REGIONS = ("North America", "Europe", "APAC", "LATAM")
DEVICES = ("desktop", "mobile", "tablet")


@dataclass(frozen=True)
class ChannelEconomics:
    """Baseline unit economics of one channel, before region, device, objective and season shift them."""

    cpm: float            # USD per 1000 impressions
    ctr: float            # clicks per impression
    cvr: float            # conversions per click
    order_value: float    # revenue per conversion, USD
    budget: tuple[float, float]                 # plausible daily budget range, USD
    weekday: tuple[float, ...]                  # Mon..Sun spend multipliers
    devices: tuple[float, float, float]         # desktop, mobile, tablet share of delivery
    objectives: tuple[float, float, float]      # how often campaigns pick Awareness, Consideration, Conversion


# CPC = CPM / (1000 * CTR): Search ~2.0, LinkedIn ~8, Email ~0.14 - the orderings analysts expect.
ECONOMICS = {
    "Google Search": ChannelEconomics(90.0, 0.045, 0.060, 150.0, (300, 2500),
                                      (1.06, 1.07, 1.06, 1.03, 0.98, 0.88, 0.92), (0.52, 0.40, 0.08),
                                      (0.10, 0.30, 0.60)),
    "Meta": ChannelEconomics(9.0, 0.011, 0.022, 88.0, (500, 3500),
                             (0.94, 0.94, 0.95, 0.97, 1.03, 1.09, 1.10), (0.16, 0.78, 0.06), (0.20, 0.35, 0.45)),
    "TikTok": ChannelEconomics(6.5, 0.009, 0.014, 62.0, (200, 1500),
                               (0.90, 0.90, 0.92, 0.95, 1.05, 1.15, 1.20), (0.08, 0.88, 0.04), (0.45, 0.40, 0.15)),
    "LinkedIn": ChannelEconomics(45.0, 0.0055, 0.030, 450.0, (200, 1200),
                                 (1.18, 1.22, 1.22, 1.18, 1.05, 0.58, 0.55), (0.62, 0.33, 0.05), (0.20, 0.40, 0.40)),
    "YouTube": ChannelEconomics(11.0, 0.0035, 0.015, 110.0, (300, 2000),
                                (0.95, 0.95, 0.96, 0.98, 1.02, 1.07, 1.07), (0.30, 0.55, 0.15), (0.70, 0.25, 0.05)),
    "Display": ChannelEconomics(1.6, 0.0012, 0.008, 80.0, (100, 800),
                                (1.00, 1.00, 1.00, 1.00, 1.00, 0.98, 1.02), (0.40, 0.50, 0.10), (0.45, 0.40, 0.15)),
    "Email": ChannelEconomics(3.0, 0.022, 0.028, 45.0, (40, 300),
                              (1.10, 1.20, 1.15, 1.10, 1.00, 0.70, 0.75), (0.38, 0.55, 0.07), (0.05, 0.25, 0.70)),
}
CHANNEL_WEIGHTS = (0.20, 0.19, 0.11, 0.10, 0.11, 0.14, 0.15)
# North America is the largest market; shares are renormalised over the regions a campaign targets.
REGION_SHARE = {"North America": 0.45, "Europe": 0.30, "APAC": 0.16, "LATAM": 0.09}
# Channels whose audience leans to some markets (Meta is strong in Europe, TikTok in APAC, LinkedIn in NA).
REGION_TILT = {"Meta": {"Europe": 2.0}, "TikTok": {"APAC": 1.4}, "LinkedIn": {"North America": 1.3}}


def region_shares(channel: str, regions: tuple[str, ...]) -> list[float]:
    """How a campaign's delivery splits over the regions it targets."""
    tilt = REGION_TILT.get(channel, {})
    weights = [REGION_SHARE[r] * tilt.get(r, 1.0) for r in regions]
    return [w / sum(weights) for w in weights]

THEMES = {
    "Google Search": ("Brand Search", "Generic Search", "Competitor Conquest Search", "Shopping Search"),
    "Meta": ("Meta Prospecting", "Meta Retargeting", "Meta Lookalike Audiences", "Advantage+ Shopping"),
    "TikTok": ("TikTok Creator Spark Ads", "TikTok In-Feed Reach", "TikTok Shop Promo", "TikTok Hashtag Challenge"),
    "LinkedIn": ("LinkedIn ABM", "LinkedIn Lead Gen Forms", "LinkedIn Thought Leadership", "LinkedIn Webinar Promo"),
    "YouTube": ("YouTube Brand Awareness", "YouTube Shorts Reach", "YouTube Product Demos", "YouTube Masthead"),
    "Display": ("Display Retargeting", "Display Prospecting", "Programmatic Display", "Native Content Display"),
    "Email": ("Email Newsletter", "Email Win-back", "Email Cart Abandonment", "Email Onboarding Series"),
}
SEGMENTS = ("Running Shoes", "Outdoor Gear", "Home Office", "Smart Home", "Kitchen", "Fitness",
            "Travel Accessories", "Kids", "Premium Line", "New Customers", "Lapsed Buyers", "Loyalty Members")
B2B_SEGMENTS = ("IT Decision Makers", "Finance Leaders", "HR Leaders", "Enterprise", "Mid-Market", "Startups")
SEASON_WORDS = ("Retargeting", "Prospecting", "Promo", "Push")
# (event, month, day it starts, days it runs)
SEASONS = (("New Year Kickoff", 1, 2, 28), ("Valentine's Day", 1, 25, 21), ("Spring Sale", 3, 18, 28),
           ("Mother's Day", 4, 20, 22), ("Summer Sale", 6, 16, 46), ("Back to School", 7, 28, 45),
           ("Singles Day", 10, 27, 16), ("Black Friday", 11, 17, 16), ("Cyber Monday", 11, 24, 10),
           ("Holiday Gifting", 11, 25, 30))


@dataclass(frozen=True)
class CampaignPlan:
    """One campaign's identity and lifecycle; `paused_on` is the first day without delivery when paused."""

    campaign_id: int
    name: str
    channel: str
    objective: str
    status: str
    start_date: date
    end_date: date | None
    daily_budget: float
    regions: tuple[str, ...]
    paused_on: date | None = None


def _core(start: date) -> list[CampaignPlan]:
    """Hand-written campaigns that open every plan; the first 12 (scale 0.1) cover every category and outlier."""
    before = start - timedelta(days=214)
    day = timedelta(days=1)
    na, eu, ap, la = REGIONS
    rows = [
        ("Always-on Brand Search - North America", "Google Search", "Conversion", "active", before, None, (na,), 1400),
        ("Meta Prospecting - Europe", "Meta", "Consideration", "active", before + 105 * day, None, (eu,), 4000),
        ("TikTok Creator Spark Ads", "TikTok", "Awareness", "active", date(2024, 3, 4), None, (na, eu, ap), 900),
        ("LinkedIn ABM Q3 2025", "LinkedIn", "Conversion", "ended", date(2025, 7, 1), date(2025, 9, 30),
         (na, eu), 1100),
        ("YouTube Brand Awareness - Global", "YouTube", "Awareness", "active", before - timedelta(days=60), None,
         REGIONS, 1600),
        ("Display Prospecting - LATAM", "Display", "Consideration", "paused", date(2024, 5, 6), None, (la,), 450),
        ("Email Newsletter - Loyalty Members", "Email", "Conversion", "active", before - timedelta(days=400), None,
         REGIONS, 180),
        ("Black Friday Retargeting 2024", "Meta", "Conversion", "ended", date(2024, 11, 18), date(2024, 12, 2),
         (na, eu), 3500),
        ("Holiday Gifting 2024", "Google Search", "Conversion", "ended", date(2024, 11, 25), date(2024, 12, 24),
         (na, eu, ap), 2200),
        ("Summer Sale 2025", "Email", "Conversion", "ended", date(2025, 6, 16), date(2025, 7, 31), REGIONS, 250),
        ("Meta Retargeting - North America", "Meta", "Conversion", "paused", date(2024, 2, 12), None, (na,), 1300),
        ("Back to School 2025", "TikTok", "Consideration", "ended", date(2025, 7, 28), date(2025, 9, 10),
         (na, la), 1200),
        # Keep Europe's Meta spend large at scale 1, so the October 2025 drop visibly moves overall ROAS.
        ("Advantage+ Shopping - Europe", "Meta", "Conversion", "active", before + 40 * day, None, (eu,), 5000),
        ("Meta Retargeting - Europe", "Meta", "Conversion", "active", date(2024, 4, 8), None, (eu,), 3500),
    ]
    paused_on = {"Display Prospecting - LATAM": date(2025, 8, 18), "Meta Retargeting - North America": date(2025, 6, 2)}
    return [CampaignPlan(i + 1, name, ch, obj, st, s, e, float(b), regs, paused_on.get(name))
            for i, (name, ch, obj, st, s, e, regs, b) in enumerate(rows)]


def _fit_to_range(plan: CampaignPlan, start: date, end: date) -> CampaignPlan | None:
    """Make a lifecycle true at the data's as-of date `end`; None when it would start after it."""
    if plan.start_date > end:
        return None
    if plan.end_date is not None and plan.end_date > end:
        return replace(plan, status="active", end_date=None)
    if plan.paused_on is not None and plan.paused_on > end - timedelta(days=14):
        return replace(plan, status="active", paused_on=None)
    if plan.paused_on is not None and plan.paused_on <= max(start, plan.start_date):
        return replace(plan, paused_on=max(start, plan.start_date) + timedelta(days=1))
    return plan


def _pick_regions(rng: np.random.Generator, channel: str) -> tuple[str, ...]:
    """Global for over half of the campaigns, otherwise one to three markets, North America most often."""
    if rng.random() < 0.55:
        return REGIONS
    count = int(rng.choice([1, 2, 3], p=[0.3, 0.4, 0.3]))
    leaning = [REGION_SHARE[r] * REGION_TILT.get(channel, {}).get(r, 1.0) for r in REGIONS]
    picked = rng.choice(len(REGIONS), size=count, replace=False, p=np.array(leaning) / sum(leaning))
    return tuple(REGIONS[i] for i in sorted(picked))


def _unique(candidates: list[str], taken: set[str]) -> str:
    """The first candidate name not yet used, or the last one with a wave number."""
    for name in candidates:
        if name not in taken:
            return name
    wave = 2
    while f"{candidates[-1]} - Wave {wave}" in taken:
        wave += 1
    return f"{candidates[-1]} - Wave {wave}"


def _evergreen_name(rng: np.random.Generator, channel: str, regions: tuple[str, ...], start: date,
                    taken: set[str], flight: bool) -> str:
    """A name like 'Meta Retargeting - Europe', or 'LinkedIn ABM Q3 2025' for a flight."""
    theme = THEMES[channel][int(rng.integers(len(THEMES[channel])))]
    segments = B2B_SEGMENTS if channel == "LinkedIn" else SEGMENTS
    segment = segments[int(rng.integers(len(segments)))]
    place = regions[0] if len(regions) == 1 else ("Global" if regions == REGIONS else segment)
    quarter = f"Q{(start.month - 1) // 3 + 1} {start.year}"
    if flight:
        candidates = [f"{theme} {quarter}", f"{theme} {quarter} - {place}", f"{theme} {quarter} - {segment}"]
    else:
        candidates = [f"{theme} - {place}", f"{theme} - {segment}", f"{theme} - {segment} - {place}"]
    return _unique(candidates, taken)


def _seasonal(rng: np.random.Generator, channel: str, start: date, end: date, taken: set[str]):
    """A seasonal flight (name, start, end) that begins inside the range, or None if none fits."""
    for _ in range(8):
        event, month, day, days = SEASONS[int(rng.integers(len(SEASONS)))]
        year = int(rng.integers(start.year, end.year + 1))
        begin = date(year, month, day)
        if start <= begin <= end:
            word = SEASON_WORDS[int(rng.integers(len(SEASON_WORDS)))]
            name = _unique([f"{event} {year}", f"{event} {word} {year}", f"{event} {year} - {channel}"], taken)
            return name, begin, begin + timedelta(days=days - 1)
    return None


def _generated(rng: np.random.Generator, campaign_id: int, start: date, end: date, taken: set[str]) -> CampaignPlan:
    """One random campaign: always-on (maybe paused), a fixed flight, or a seasonal flight."""
    channel = CHANNELS[int(rng.choice(len(CHANNELS), p=CHANNEL_WEIGHTS))]
    econ = ECONOMICS[channel]
    objective = OBJECTIVES[int(rng.choice(3, p=econ.objectives))]
    low, high = econ.budget
    budget = float(round(np.exp(rng.uniform(np.log(low), np.log(high))) / 10) * 10)
    regions = _pick_regions(rng, channel)
    span = (end - start).days
    kind = rng.random()
    seasonal = _seasonal(rng, channel, start, end, taken) if kind < 0.1 else None
    if seasonal is not None:
        name, begin, finish = seasonal
        return CampaignPlan(campaign_id, name, channel, objective, "ended", begin, finish, budget, regions)
    if kind < 0.35:
        begin = start + timedelta(days=int(rng.integers(0, max(1, span - 30))))
        finish = begin + timedelta(days=int(rng.integers(60, 360)))
        name = _evergreen_name(rng, channel, regions, begin, taken, flight=True)
        return CampaignPlan(campaign_id, name, channel, objective, "ended", begin, finish, budget, regions)
    early = rng.random() < 0.65
    offset = -int(rng.integers(30, 700)) if early else int(rng.integers(0, max(1, int(span * 0.8))))
    begin = start + timedelta(days=offset)
    paused_on = None
    if rng.random() < 0.3:
        first = max(begin, start) + timedelta(days=45)
        paused_on = first + timedelta(days=int(rng.integers(0, max(1, (end - first).days - 14))))
    name = _evergreen_name(rng, channel, regions, begin, taken, flight=False)
    status = "paused" if paused_on else "active"
    return CampaignPlan(campaign_id, name, channel, objective, status, begin, None, budget, regions, paused_on)


def plan_campaigns(count: int, rng: np.random.Generator, start: date, end: date) -> list[CampaignPlan]:
    """The first `count` campaigns of the catalogue: the hand-written core, then seeded random ones."""
    plans: list[CampaignPlan] = []
    taken: set[str] = set()
    candidates = iter(_core(start))
    while len(plans) < count:
        draft = next(candidates, None) or _generated(rng, len(plans) + 1, start, end, taken)
        fitted = _fit_to_range(replace(draft, campaign_id=len(plans) + 1), start, end)
        if fitted is not None and fitted.name not in taken:
            plans.append(fitted)
            taken.add(fitted.name)
    return plans

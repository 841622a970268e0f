"""The forecasting models: statsmodels ETS chosen by a rolling-origin backtest, or last year's shape; their totals."""
from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np

from query_engine.answer.forecast_series import Series
from query_engine.errors import ForecastError

INTERVAL = 0.90  # nominal coverage of every band and total interval
SIMULATIONS = 1000
SEASON = {"day": (7, "weekly"), "week": (52, "yearly"), "month": (12, "yearly")}
MAX_HISTORY = {"day": 365, "week": 156, "month": 60}  # older periods slow the fit and rarely help
LAST_YEAR_LAG = {"day": 364, "week": 52, "month": 12}  # 364 days keeps weekdays aligned
TRAILING = {"day": 28, "week": 4, "month": 3}
BACKTEST_ORIGINS = 2


@dataclass(frozen=True)
class Fit:
    """One series' forecast: mean and interval per period, and simulated paths for totals and targets."""

    mean: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    paths: np.ndarray  # (horizon, SIMULATIONS)


@dataclass(frozen=True)
class _Config:
    trend: str | None
    seasonal: bool

    def label(self, season_word: str) -> str:
        parts = [p for p in ("additive trend" if self.trend else "", f"{season_word} seasonality" if self.seasonal
                             else "") if p]
        if not parts:
            return "Simple exponential smoothing (ETS A,N,N)"
        name = "Holt-Winters ETS" if self.trend and self.seasonal else "ETS"
        return f"{name} ({', '.join(parts)})"


CANDIDATES = (_Config("add", True), _Config(None, True), _Config("add", False), _Config(None, False))

Fits = dict[str | None, Fit]


def ets_all(series: dict[str | None, Series], horizon: int, grain: str) -> tuple[Fits, str, float | None, str]:
    """Choose one ETS configuration by backtest on the total series, then fit it to each series.

    Returns the fits, the method's label, the backtest MAPE (%) and how the configuration was chosen.
    """
    keep = min(MAX_HISTORY[grain], *(len(s.values) for s in series.values()))
    total = np.sum([np.array(s.values[-keep:]) for s in series.values()], axis=0)
    season, word = SEASON[grain]
    config, mape, chosen = _choose(total, horizon, season)
    fits = {k: _ets_fit(np.array(s.values[-MAX_HISTORY[grain]:]), config, season, horizon) for k, s in series.items()}
    return fits, config.label(word), mape, chosen


def _choose(y: np.ndarray, horizon: int, season: int) -> tuple[_Config, float | None, str]:
    hold = max(1, min(horizon, season if season <= 14 else 6, len(y) // 6))
    usable = [c for c in CANDIDATES if len(y) - hold * BACKTEST_ORIGINS >= (2 * season + 4 if c.seasonal else 8)]
    if not usable:
        return _Config(None, False), None, "fallback: too little history for a backtest"
    scores = {c: _backtest(y, c, season, hold) for c in usable}
    ranks = {c: np.inf if score is None else score for c, score in scores.items()}
    best = min(usable, key=lambda c: ranks[c])
    how = f"backtest: {len(usable)} candidates, {BACKTEST_ORIGINS} rolling origins x {hold} periods held out"
    return best, scores[best], how


def _backtest(y: np.ndarray, config: _Config, season: int, hold: int) -> float | None:
    """MAPE (%) over the last BACKTEST_ORIGINS x `hold` periods, each block forecast from the data before it."""
    errors: list[float] = []
    for origin in range(BACKTEST_ORIGINS, 0, -1):
        cut = len(y) - origin * hold
        actual = y[cut:cut + hold]
        predicted = np.asarray(_ets_model(y[:cut], config, season).forecast(hold))
        keep = np.abs(actual) > 1e-9
        errors.extend(np.abs((actual[keep] - predicted[keep]) / actual[keep]))
    return float(np.mean(errors) * 100) if errors else None


def _ets_model(y: np.ndarray, config: _Config, season: int) -> Any:
    import pandas as pd
    from statsmodels.tsa.exponential_smoothing.ets import (
        ETSModel,  # statsmodels takes ~1 s to import
    )

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence chatter on flat or short series
        model = ETSModel(pd.Series(y, dtype=float), error="add", trend=config.trend,
                         seasonal="add" if config.seasonal else None,
                         seasonal_periods=season if config.seasonal else None)
        return model.fit(disp=False, maxiter=300)


def _ets_fit(y: np.ndarray, config: _Config, season: int, horizon: int) -> Fit:
    if len(y) < (2 * season + 4 if config.seasonal else 4):
        config = _Config(None, False)
    fitted = _ets_model(y, config, season)
    frame = fitted.get_prediction(start=len(y), end=len(y) + horizon - 1).summary_frame(alpha=1 - INTERVAL)
    paths = np.asarray(fitted.simulate(horizon, repetitions=SIMULATIONS, anchor="end",
                                       rng=np.random.default_rng(7)))
    return Fit(frame["mean"].to_numpy(), frame["pi_lower"].to_numpy(), frame["pi_upper"].to_numpy(),
               paths.reshape(horizon, SIMULATIONS))


def last_year_all(series: dict[str | None, Series], horizon: int,
                  grain: str) -> tuple[Fits, str, float | None, str]:
    """Same period last year scaled by the trailing year-over-year ratio, for each series (as `ets_all` returns)."""
    fits: Fits = {}
    errors: list[float] = []
    for key, s in series.items():
        fit, rel = _last_year(np.array(s.values), horizon, grain)
        fits[key] = fit
        errors.extend(np.abs(rel[-min(len(rel), max(horizon, TRAILING[grain])):]))
    label = f"Same period last year x trailing {TRAILING[grain]}-{grain} year-over-year ratio"
    mape = float(np.mean(errors) * 100) if errors else None
    return fits, label, mape, "last-year rule; error from its past predictions, each made from the data before it"


def _last_year(y: np.ndarray, horizon: int, grain: str) -> tuple[Fit, np.ndarray]:
    lag, window = LAST_YEAR_LAG[grain], TRAILING[grain]
    if len(y) < lag + window + 1 or horizon > lag:
        raise ForecastError(f"'Same period last year' needs more than a year of history by {grain} "
                            f"({lag + window + 1} periods; this history has {len(y)}).",
                            hint="Widen the history window to cover last year, or use the trend forecast.")
    ratio = _yoy_ratio(y, len(y), lag, window)
    mean = y[len(y) - lag:len(y) - lag + horizon] * ratio
    rel = np.array([y[t] / p - 1 for t in range(max(lag + window, len(y) - 180), len(y))
                    if (p := y[t - lag] * _yoy_ratio(y, t, lag, window)) > 1e-9])
    if rel.size < 5:
        raise ForecastError("Too few comparable periods last year to size the interval.",
                            hint="Use the trend forecast instead.")
    low, high = np.quantile(rel, [(1 - INTERVAL) / 2, (1 + INTERVAL) / 2])
    draws = np.random.default_rng(7).choice(rel, size=(horizon, SIMULATIONS))
    return Fit(mean, mean * (1 + low), mean * (1 + high), mean[:, None] * (1 + draws)), rel


def _yoy_ratio(y: np.ndarray, end: int, lag: int, window: int) -> float:
    before = y[end - window - lag:end - lag].sum()
    return float(y[end - window:end].sum() / before) if before > 1e-9 else 1.0


def clip_at_zero(fit: Fit) -> Fit:
    """The fit with every mean, bound and path floored at zero (for series that never go negative)."""
    return Fit(np.maximum(fit.mean, 0), np.maximum(fit.lower, 0), np.maximum(fit.upper, 0), np.maximum(fit.paths, 0))


def window_total(fits: Fits, weights: np.ndarray, additive: bool
                 ) -> tuple[float | None, tuple[float, float] | None, np.ndarray | None]:
    """The window's total (additive) or average, its interval and its simulated paths; None when weights are 0."""
    if weights.sum() <= 0:
        return None, None, None
    # Series are simulated independently, so the total's interval ignores correlation between them.
    paths = np.sum([weights @ f.paths for f in fits.values()], axis=0)
    point = float(sum(weights @ f.mean for f in fits.values()))
    if not additive:
        paths, point = paths / weights.sum() / len(fits), point / weights.sum() / len(fits)
    low, high = np.quantile(paths, [(1 - INTERVAL) / 2, (1 + INTERVAL) / 2])
    return point, (float(low), float(high)), paths

"""Synthetic 15-minute metric series for the detector tests."""

from __future__ import annotations

import numpy as np
import pandas as pd

SLOTS_PER_DAY = 96


def seasonal_series(days: int = 28, seed: int = 0, level: float = 1000.0, noise: float = 0.03):
    """A daily + weekly shaped 15-minute metric with multiplicative noise."""
    rng = np.random.default_rng(seed)
    n = days * SLOTS_PER_DAY
    ts = pd.date_range("2024-01-01", periods=n, freq="15min")
    hour = ts.hour.to_numpy() + ts.minute.to_numpy() / 60
    daily = 1.0 + 0.6 * np.sin((hour - 9) / 24 * 2 * np.pi)
    weekly = np.where(ts.day_of_week.to_numpy() >= 5, 0.8, 1.0)
    values = level * daily * weekly * (1 + noise * rng.standard_normal(n))
    return values, ts


def bursty_counts(days: int = 28, seed: int = 0, level: float = 60.0):
    """Overdispersed 15-minute event counts with rare heavy upward bursts (bot-like).

    Gamma-Poisson noise (slots at ~60 routinely range 20-110, a few per week near 0)
    plus about one burst a day of 3-6x the slot's level.
    """
    rng = np.random.default_rng(seed)
    n = days * SLOTS_PER_DAY
    ts = pd.date_range("2024-01-01", periods=n, freq="15min")
    hour = ts.hour.to_numpy() + ts.minute.to_numpy() / 60
    daily = 0.6 + 0.4 * np.sin((hour - 9) / 24 * 2 * np.pi)
    weekly = np.where(ts.day_of_week.to_numpy() >= 5, 0.85, 1.0)
    mean = level * daily * weekly * rng.gamma(4.0, 0.25, n)
    bursts = rng.random(n) < 1 / SLOTS_PER_DAY
    mean[bursts] *= rng.uniform(3, 6, bursts.sum())
    return rng.poisson(mean).astype(float), ts

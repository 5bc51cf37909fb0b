"""The numbers behind ``explain``: per-slice contribution, Jensen-Shannon surprise and the
Adtributor ranking (see ``applens.insights.explain`` for the definitions)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy.special import rel_entr

__all__ = ["COLUMNS", "rank", "slice_surprise"]

COLUMNS = ["dimension", "slice", "baseline", "value", "change", "change_pct", "contribution",
           "baseline_share", "share", "surprise", "explains"]


def slice_surprise(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Per-slice Jensen-Shannon terms of baseline shares ``p`` against shares ``q``."""
    p, q = np.asarray(p, dtype=float), np.asarray(q, dtype=float)
    m = (p + q) / 2
    return 0.5 * (rel_entr(p, m) + rel_entr(q, m))


def _count_columns(part: pd.DataFrame) -> dict[str, Any]:
    a, f = part["now"].to_numpy(float), part["base"].to_numpy(float)
    change = a.sum() - f.sum()
    p, q = f / f.sum(), a / a.sum()
    return dict(baseline=f, value=a, change=a - f, change_pct=_relative(a, f),
                contribution=(a - f) / change if change else np.nan,
                baseline_share=p, share=q, surprise=slice_surprise(p, q))


def _ratio_columns(part: pd.DataFrame) -> dict[str, Any]:
    """A ratio's slices (Adtributor's derived measures): the contribution is how much of
    the total's change is left when only this slice changes; the surprise adds the
    numerator's and the denominator's; the shares are the denominator's."""
    a, f = part["now"].to_numpy(float), part["base"].to_numpy(float)
    aw, fw = part["now_w"].to_numpy(float), part["base_w"].to_numpy(float)
    total_f, total_a = f.sum() / fw.sum(), a.sum() / aw.sum()
    alone = (f.sum() - f + a) / (fw.sum() - fw + aw)
    change = total_a - total_f
    with np.errstate(divide="ignore", invalid="ignore"):
        value, baseline = a / aw, f / fw
    p, q = fw / fw.sum(), aw / aw.sum()
    return dict(baseline=baseline, value=value, change=value - baseline,
                change_pct=_relative(value, baseline),
                contribution=(alone - total_f) / change if change else np.nan,
                baseline_share=p, share=q,
                surprise=slice_surprise(p, q) + slice_surprise(f / f.sum(), a / a.sum()))


def _relative(now: np.ndarray, before: np.ndarray) -> np.ndarray:
    ok = np.isfinite(before) & (before > 0)
    return np.where(ok, (now - before) / np.where(ok, before, 1), np.nan)


def rank(frame: pd.DataFrame, min_contribution: float, margin: float, enough: float
         ) -> pd.DataFrame:
    """Per dimension: the columns of ``COLUMNS``, the succinct set of explaining slices; all
    slices ranked (explaining first, by contribution minus baseline share, then surprise)."""
    parts = []
    for _, part in frame.groupby("dimension", sort=False):
        part = part.assign(**(_ratio_columns(part) if "now_w" in part else _count_columns(part)))
        ok = ((part["contribution"] >= min_contribution)
              & (part["contribution"] - part["baseline_share"] >= margin))
        part = part.sort_values("surprise", ascending=False)
        chosen, total = [], 0.0
        for index in part.index[ok.loc[part.index].to_numpy()]:
            if len(chosen) == 3 or total >= enough:
                break
            chosen.append(index)
            total += part.at[index, "contribution"]
        part["explains"] = part.index.isin(chosen)
        parts.append(part)
    out = pd.concat(parts)
    out = out.assign(_excess=out["contribution"] - out["baseline_share"]).sort_values(
        ["explains", "_excess", "surprise"], ascending=False)
    return out[COLUMNS].reset_index(drop=True)

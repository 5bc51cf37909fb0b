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
    slices ranked (explaining first, by contribution minus baseline share with the drill-down
    rule of ``_drill_down``, then surprise)."""
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
    out = out.assign(_excess=out["contribution"] - out["baseline_share"])
    out = out.assign(_key=_drill_down(out), _depth=out["dimension"].str.count(_CROSS) + 1)
    # A drilled-down pair ties its parent on _key and wins on depth (more specific).
    out = out.sort_values(["explains", "_key", "_depth", "_excess", "surprise"],
                          ascending=False, kind="stable")
    return out[COLUMNS].reset_index(drop=True)


_CROSS, _SEP = " × ", " · "  # how explain names a pair's dimension and slice
HOLDS = 0.8  # a pair holding this much of its parent's contribution stands for the parent


def _drill_down(out: pd.DataFrame) -> pd.Series:
    """The ranking key: the excess contribution, except that an explaining pair inside an
    explaining single-dimension slice, holding at least ``HOLDS`` of that parent's
    contribution on a smaller baseline share, takes the parent's key (the parent's surplus
    is its other children's noise; the most specific slice that explains the change)."""
    key = out["_excess"].to_numpy(float).copy()
    at = np.flatnonzero(out["explains"].to_numpy(bool))  # a handful: at most 3 a dimension
    records = out.iloc[at][["dimension", "slice", "contribution", "baseline_share"]].to_dict(
        "records")
    singles = {r["slice"]: (r["contribution"], r["baseline_share"], key[i])
               for i, r in zip(at, records, strict=True) if _CROSS not in r["dimension"]}
    for i, r in zip(at, records, strict=True):
        dims, parts = r["dimension"].split(_CROSS), r["slice"].split(_SEP)
        if len(dims) < 2 or len(parts) != len(dims):
            continue
        for part in parts:
            contribution, share, excess = singles.get(part, (np.nan, np.nan, np.nan))
            if (contribution > 0 and r["contribution"] >= HOLDS * contribution
                    and r["baseline_share"] < share):
                key[i] = max(key[i], excess)
    return pd.Series(key, index=out.index)

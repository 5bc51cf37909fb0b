"""Change points in the mean of a series: binary segmentation with a BIC-style penalty.

The cost of a segment is its sum of squared deviations from its mean. A split is kept when it
lowers the total cost by more than ``penalty * sigma^2 * log(n)``, where ``sigma`` is a robust
noise level (``1.4826 * MAD`` of first differences / sqrt 2, so steps do not inflate it). The
best split of each segment is searched exactly (cumulative sums, O(n) per segment), segments
shorter than ``min_size`` are not split. This is the textbook estimator (Scott & Knott 1974;
the ``Binseg`` + ``l2`` cost of the ruptures library) without the dependency.
"""

from __future__ import annotations

import numpy as np

__all__ = ["best_split", "change_points"]


def best_split(x: np.ndarray, min_size: int) -> tuple[int, float]:
    """``(k, gain)``: splitting ``x`` into ``x[:k]`` and ``x[k:]`` lowers the squared-error
    cost the most, by ``gain``; ``(-1, 0.0)`` when no split leaves ``min_size`` on each side."""
    n = len(x)
    if n < 2 * min_size:
        return -1, 0.0
    c1 = np.cumsum(x)
    c2 = np.cumsum(x * x)
    total = c2[-1] - c1[-1] ** 2 / n
    k = np.arange(min_size, n - min_size + 1)
    left = c2[k - 1] - c1[k - 1] ** 2 / k
    right = (c2[-1] - c2[k - 1]) - (c1[-1] - c1[k - 1]) ** 2 / (n - k)
    cost = left + right
    i = int(np.argmin(cost))
    return int(k[i]), float(total - cost[i])


def change_points(x: np.ndarray, *, min_size: int = 7, penalty: float = 3.0,
                  max_points: int = 6) -> list[int]:
    """Indices where a new level starts (sorted), by binary segmentation."""
    x = np.asarray(x, dtype=float)
    n = len(x)
    if n < 2 * min_size:
        return []
    diffs = np.diff(x)
    sigma = 1.4826 * float(np.median(np.abs(diffs - np.median(diffs)))) / np.sqrt(2)
    if not sigma > 0:
        sigma = float(np.std(diffs)) / np.sqrt(2) or 1e-12
    threshold = penalty * sigma * sigma * np.log(n)
    found: list[int] = []
    segments = [(0, n)]
    while segments and len(found) < max_points:
        scored = []
        for a, b in segments:
            k, gain = best_split(x[a:b], min_size)
            if k > 0 and gain > threshold:
                scored.append((gain, a, b, a + k))
        if not scored:
            break
        gain, a, b, k = max(scored)
        found.append(k)
        segments.remove((a, b))
        segments += [(a, k), (k, b)]
    return sorted(found)

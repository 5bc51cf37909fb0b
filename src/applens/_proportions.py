"""Is one group's share of counted things (negative tickets) off from another's? The one
test the tickets monitor's share judge and the releases table both use, so they agree.

Fisher's exact test (the hypergeometric tail: exact on a handful of tickets), and a
Bonferroni split of the false-alarm budget ``alpha`` over every comparison made, so
testing more app versions does not add false alarms. Counts in, p-values out (numpy
arrays broadcast; plain numbers work too).
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["ALPHA", "DIRECTIONS", "MIN_TICKETS", "bonferroni_threshold", "share_p_value"]

DIRECTIONS = ("both", "spike", "drop")  # spike: the share is higher than the baseline's
ALPHA = 0.01  # the chance of any false alarm, over all comparisons of one table or day
MIN_TICKETS = 10  # fewer counted things on either side: not compared


def share_p_value(hits: Any, trials: Any, base_hits: Any, base_trials: Any,
                  direction: str = "both") -> np.ndarray:
    """The p-value of ``hits`` out of ``trials`` against ``base_hits`` out of
    ``base_trials``: for ``spike`` the chance of this many hits or more if both groups
    shared one rate, for ``drop`` this few or fewer, for ``both`` the smaller of the two
    (its tails are counted by ``bonferroni_threshold``)."""
    from scipy.stats import hypergeom

    x, n = np.asarray(hits, float), np.asarray(trials, float)
    x0, n0 = np.asarray(base_hits, float), np.asarray(base_trials, float)
    total, positives = n + n0, x + x0
    high = hypergeom.sf(x - 1, total, positives, n)  # this many or more
    low = hypergeom.cdf(x, total, positives, n)  # this few or fewer
    return {"spike": high, "drop": low}.get(direction, np.minimum(high, low))


def bonferroni_threshold(alpha: float, *, comparisons: int, direction: str = "both") -> float:
    """The p-value under which one comparison is significant when ``alpha`` is the chance
    of any false alarm over ``comparisons`` comparisons (each two-tailed for ``both``)."""
    tails = 2 if direction == "both" else 1
    return alpha / (tails * max(int(comparisons), 1))

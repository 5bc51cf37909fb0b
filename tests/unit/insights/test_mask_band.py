"""The retention band from pattern masks equals the cells counted user by user."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from applens.insights import _mask_answers, _rollup_masks


def _by_hand(active: np.ndarray, users: np.ndarray, c: int, t: int) -> np.ndarray:
    out = np.zeros((c, t), np.int64)
    for p in range(active.shape[0]):
        for i in range(c):
            for k in range(t):
                if i + k < active.shape[1] and active[p, i] and active[p, i + k]:
                    out[i, k] += users[p]
    return out


@pytest.mark.parametrize(("c", "t", "end"), [(5, 3, 7), (40, 6, 45), (37, 37, 37), (3, 9, 11)])
def test_band_matches_counting_each_pattern(monkeypatch, c, t, end):
    # small chunks and blocks so several of each (and ragged last ones) are exercised
    monkeypatch.setattr(_rollup_masks, "CHUNK", 7 * end)  # cells: 7 patterns a chunk
    monkeypatch.setattr(_mask_answers, "_BLOCK", 4)
    rng = np.random.default_rng(c * 100 + t)
    active = (rng.random((30, end)) < 0.4).astype(np.uint8)
    users = rng.integers(1, 50, 30)
    np.testing.assert_array_equal(_mask_answers._band(active, users, c, t),
                                  _by_hand(active, users, c, t))


def test_band_is_exact_past_float32_integers():
    # 2**24 + 1 users is not a float32 integer: the float64 path must keep the odd one
    active = np.array([[1, 1, 0], [1, 0, 1]], np.uint8)
    users = np.array([(1 << 24) + 1, 3])
    band = _mask_answers._band(active, users, 2, 3)
    assert band.tolist() == [[(1 << 24) + 4, (1 << 24) + 1, 3], [(1 << 24) + 1, 0, 0]]


def test_band_without_patterns_is_zero():
    band = _mask_answers._band(np.zeros((0, 5), np.uint8), np.zeros(0, np.int64), 3, 2)
    assert band.tolist() == [[0, 0]] * 3


@pytest.mark.parametrize(("c", "t", "end"), [(5, 3, 7), (6, 4, 6), (3, 9, 11), (1, 1, 1)])
def test_grid_is_the_cells_a_loop_lists(c, t, end):
    rng = np.random.default_rng(c + t)
    both = rng.integers(0, 3, (c, t))  # zeros dropped, nonzero kept
    rows = [(i, k, int(both[i, k])) for i in range(c) for k in range(t)
            if i + k < end and both[i, k]]
    want = pd.DataFrame(rows, columns=["_c", "_k", "_n"], dtype="int64")
    pd.testing.assert_frame_equal(_mask_answers._grid(both, end), want)

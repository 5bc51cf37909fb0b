"""analyze_frame, validate_split and the ``applens ab`` commands on synthetic data."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from applens.cli import main
from applens.errors import DataError, InsufficientDataError, InvalidParameterError, SchemaError
from applens.experiments import assign_group, bucket_of
from applens.experiments.aa import validate_split
from applens.experiments.analyze import analyze_frame, parse_metric


def _ctr_frame(effect: float, n: int = 4000, seed: int = 0) -> pd.DataFrame:
    """Users with views/clicks; treatment CTR is multiplied by (1 + effect)."""
    rng = np.random.default_rng(seed)
    ids = [f"u{i}" for i in range(n)]
    group = np.array(["control" if assign_group(u, "exp") == 0 else "treatment" for u in ids])
    views = rng.poisson(8, n) + 1
    p = rng.beta(2, 18, n) * np.where(group == "treatment", 1 + effect, 1.0)
    pre_clicks = rng.binomial(views, np.clip(p, 0, 1))
    clicks = rng.binomial(views, np.clip(p, 0, 1))
    return pd.DataFrame({"user_id": ids, "group": group, "views": views, "clicks": clicks,
                         "pre_clicks": pre_clicks, "converted": clicks > 0})


def test_parse_metric():
    assert parse_metric("ctr=clicks/views").numerator == "clicks"
    assert parse_metric("clicks/views").name == "clicks/views"
    assert parse_metric("revenue").column == "revenue"


def test_planted_ctr_effect_is_detected_and_aa_is_not():
    effect = analyze_frame(_ctr_frame(0.15), group_col="group", control="control",
                           metrics=["ctr=clicks/views"], robust=False)
    null = analyze_frame(_ctr_frame(0.0, seed=1), group_col="group", control="control",
                         metrics=["ctr=clicks/views"], robust=False)
    ctr = effect.metric("ctr")
    assert ctr.kind == "ratio" and ctr.method == "delta_method"
    assert ctr.p_value < 1e-3 and ctr.lift_ci_low < 0.15 < ctr.lift_ci_high
    assert ctr.linearized_p < 1e-3  # linearization agrees
    assert null.metric("ctr").p_value > 0.01


def test_cuped_and_proportions_in_readout():
    frame = _ctr_frame(0.1, seed=2)
    plain = analyze_frame(frame, group_col="group", metrics=["clicks"], robust=False)
    adjusted = analyze_frame(frame, group_col="group", metrics=["clicks"],
                             pre={"clicks": "pre_clicks"}, robust=False)
    a, p = adjusted.metric("clicks"), plain.metric("clicks")
    assert a.cuped_theta and a.cuped_theta > 0
    assert (a.ci_high - a.ci_low) < (p.ci_high - p.ci_low)
    conv = analyze_frame(frame, group_col="group", metrics=["converted"], n_resamples=500)
    assert conv.metric("converted").kind == "proportion"
    assert 0 <= conv.metric("converted").prob_treatment_better <= 1


def test_correction_and_srm_first():
    frame = _ctr_frame(0.0, seed=3)
    skewed = pd.concat([frame, frame[frame.group == "treatment"].head(400)])
    r = analyze_frame(skewed, group_col="group", metrics=["clicks", "views"], robust=False)
    assert not r.srm.ok and r.notes[0].startswith("SAMPLE RATIO MISMATCH")
    ps = [m.p_value for m in r.metrics]
    adj = [m.p_adjusted for m in r.metrics]
    assert min(adj) == pytest.approx(min(1.0, 2 * min(ps)))


def test_bad_input_messages():
    frame = _ctr_frame(0.0, n=200)
    with pytest.raises(InsufficientDataError, match="needs at least 2"):
        analyze_frame(pd.DataFrame({"g": ["a", "b", "b"], "x": [1.0, 2.0, 3.0]}), group_col="g")
    bad = frame.assign(clicks=frame.clicks.astype(object))
    bad.loc[bad.index[3], "clicks"] = "oops"
    with pytest.raises(DataError, match="non-numeric.*'oops'"):
        analyze_frame(bad, group_col="group", metrics=["clicks"])
    with pytest.raises(InvalidParameterError, match="Did you mean 'control'"):
        analyze_frame(frame, group_col="group", control="contrl", metrics=["clicks"])
    three = frame.assign(group=np.resize(["a", "b", "c"], len(frame)))
    with pytest.raises(InvalidParameterError, match="say which is the control"):
        analyze_frame(three, group_col="group", metrics=["clicks"])
    with pytest.raises(SchemaError, match="Did you mean 'clicks'"):
        analyze_frame(frame, group_col="group", metrics=["click"])


def test_validate_split_detects_a_broken_splitter():
    rng = np.random.default_rng(4)
    n = 6000
    frame = pd.DataFrame({"g": np.where(rng.random(n) < 0.5, "a", "b"), "x": rng.normal(0, 1, n),
                          "day": np.repeat(pd.date_range("2024-01-01", periods=6), n // 6)})
    good = validate_split(frame, group_col="g", metric="x", date_col="day", n_runs=1000)
    assert good.healthy and len(good.daily_srm) == 6
    # A "splitter" that sends the heavy users to b: metric and group are correlated.
    broken = frame.assign(g=np.where(frame.x > 0.3, "b", frame.g))
    bad = validate_split(broken, group_col="g", metric="x", n_runs=1000)
    assert not bad.healthy and "NOT healthy" in bad.verdict


def _run(argv: list[str], capsys) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as info:
        main(argv)
    out = capsys.readouterr()
    return int(info.value.code or 0), out.out, out.err


def test_cli_assign_matches_python(capsys, tmp_path):
    ids = [f"user{i}" for i in range(50)]
    pd.DataFrame({"uid": ids}).to_csv(tmp_path / "u.csv", index=False)
    code, out, _ = _run(["ab", "assign", "--salt", "s1", "--weights", "0.2,0.8",
                         "--names", "c,t", "--data", str(tmp_path / "u.csv"), "--user-col", "uid",
                         "-f", "json"], capsys)
    assert code == 0
    rows = json.loads(out)
    assert [r["group"] for r in rows] == [["c", "t"][assign_group(u, "s1", (0.2, 0.8))]
                                          for u in ids]
    assert [r["bucket"] for r in rows] == [bucket_of(u, "s1") for u in ids]


def test_cli_analyze_and_power(capsys, tmp_path):
    path = tmp_path / "exp.csv"
    _ctr_frame(0.15).to_csv(path, index=False)
    code, out, _ = _run(["ab", "analyze", "--data", str(path), "--metric", "ctr=clicks/views",
                         "--control", "control", "--format", "csv", "--chart",
                         str(tmp_path / "c.html")], capsys)
    assert code == 0 and out.startswith("metric,")
    assert (tmp_path / "c.html").stat().st_size > 1000
    code, out, _ = _run(["ab", "power", "--baseline", "0.2", "--effect", "0.01", "-f", "json"],
                        capsys)
    assert json.loads(out)["n_control"] == 25_583
    code, _, err = _run(["ab", "analyze", "--data", str(path), "--group-col", "grp"], capsys)
    assert code == 1 and "Did you mean 'group'" in err
    code, _, err = _run(["ab", "power", "--baseline", "0.2"], capsys)
    assert code == 1 and "exactly one of" in err

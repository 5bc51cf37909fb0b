"""Cookie Cats through the workspace path: events → retention_1/7 → ``[experiments.gate]``.

The published per-player flags (``retention_1``/``retention_7``, see PROVENANCE.md) are
turned into events — an ``install`` on day 0 and a ``session`` on day 1 / day 7 when the
flag is true — so the event-based retention of ``analyze_experiment`` must give the same
rates, and the same test results as a two-proportion z test on the flags: retention_7
gate_30 19.02 % vs gate_40 18.20 %, difference −0.82 pp, p = 0.0016.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.proportion import proportions_ztest

from applens.experiments import analyze_experiment
from applens.ingest import ingest
from applens.workspace import Workspace

DATA = Path("/work/shared/data/cookie_cats/cookie_cats.csv")
pytestmark = pytest.mark.skipif(not DATA.exists(), reason="shared cookie_cats data not present")

CONFIG = """
timezone = "UTC"

[experiments.gate]
users_column = "version"
variants = ["gate_30", "gate_40"]
start = 2024-01-01
end = 2024-01-02
metrics = ["retention_1", "retention_7"]
bootstrap_resamples = 0
"""


@pytest.fixture(scope="module")
def players() -> pd.DataFrame:
    return pd.read_csv(DATA)


@pytest.fixture(scope="module")
def readout(players, tmp_path_factory):
    folder = tmp_path_factory.mktemp("cookie")
    (folder / "applens.toml").write_text(CONFIG, encoding="utf-8")
    day0 = pd.Timestamp("2024-01-01 12:00")
    parts = [pd.DataFrame({"ts": day0, "user_id": players.userid, "event": "install"})]
    for flag, day in (("retention_1", 1), ("retention_7", 7)):
        back = players[players[flag]]
        parts.append(pd.DataFrame({"ts": day0 + pd.Timedelta(days=day),
                                   "user_id": back.userid, "event": "session"}))
    # One event on day 9 so day 7 is over for everyone (the data end is not day 7).
    parts.append(pd.DataFrame({"ts": [day0 + pd.Timedelta(days=9)], "user_id": ["ops"],
                               "event": ["heartbeat"]}))
    events = pd.concat(parts)
    events["user_id"] = events["user_id"].astype(str)
    events.to_parquet(folder / "events.parquet", index=False)
    players[["userid", "version"]].rename(columns={"userid": "user_id"}).to_csv(
        folder / "users.csv", index=False)
    ws = Workspace.init(folder)
    try:
        ingest(ws, folder / "events.parquet")
        ingest(ws, folder / "users.csv", table="users")
        yield analyze_experiment(ws, "gate")
    finally:
        ws.close()


def test_event_based_retention_reproduces_the_flags(readout, players):
    assert list(readout.srm.observed) == [44_700, 45_489]
    for metric in ("retention_1", "retention_7"):
        rates = players.groupby("version")[metric].mean()
        row = readout.metric(metric)
        assert row.control_mean == pytest.approx(rates["gate_30"], abs=1e-15)
        assert row.treatment_mean == pytest.approx(rates["gate_40"], abs=1e-15)


def test_retention_7_difference_and_p_value_match_a_z_test(readout, players):
    row = readout.metric("retention_7")
    assert round(row.difference * 100, 2) == -0.82
    counts = players.groupby("version")["retention_7"].sum()[["gate_30", "gate_40"]]
    nobs = players.groupby("version").size()[["gate_30", "gate_40"]]
    _, z_p = proportions_ztest(counts.to_numpy(), nobs.to_numpy())  # pooled, two-sided
    assert round(z_p, 4) == 0.0016
    assert row.p_value == pytest.approx(z_p, rel=5e-3)  # Welch on 0/1 vs pooled z
    # Unpooled z by hand: the same standard error the Welch test uses (dof ≈ 90,000).
    p30, p40 = counts / nobs
    se = np.sqrt(p30 * (1 - p30) / nobs["gate_30"] + p40 * (1 - p40) / nobs["gate_40"])
    assert (row.ci_high - row.ci_low) / 2 == pytest.approx(1.96 * se, rel=1e-3)
    assert row.decision == "significant decrease (worse)"
    ret1 = readout.metric("retention_1")
    assert round(ret1.p_value, 3) == 0.074 and ret1.decision == "no significant difference"
    # Holm over the two metrics: retention_7's adjusted p doubles (it is the smaller one).
    assert row.p_adjusted == pytest.approx(2 * row.p_value)

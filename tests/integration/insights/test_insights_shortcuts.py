"""Shortcut commands: each equals ``applens query`` on the spec it prints with --show-spec."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from applens.cli import main

SHORTCUTS = [
    ["metrics", "--from", "2024-03-01", "--to", "2024-03-12"],
    ["metrics", "--metric", "stickiness", "--by", "os", "--from", "2024-03-01", "--to",
     "2024-03-12"],
    ["metrics", "--metric", "ctr", "--by", "gender", "--from", "2024-03-01", "--to", "2024-03-12"],
    ["metrics", "--metric", "events-per-user", "--by", "age_group", "--interval", "week",
     "--from", "2024-03-01", "--to", "2024-03-20"],
    ["retention", "--interval", "day", "--periods", "5", "--24h", "--by", "source",
     "--to", "2024-03-10"],
    ["retention", "--start-event", "view", "--return-event", "buy", "--first-time",
     "--cumulative", "--from", "2024-03-01", "--to", "2024-03-15"],
    ["lifecycle", "--interval", "week", "--from", "2024-03-01", "--to", "2024-03-20"],
    ["funnel", "view", "click", "buy", "--window", "1d", "--exclude", "signup:0:1",
     "--by", "app_version", "--from", "2024-03-01", "--to", "2024-03-20"],
    ["funnel", "view", "click", "--order", "strict", "--from", "2024-03-01", "--to",
     "2024-03-20"],
]


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    rng = np.random.default_rng(5)
    n, people = 600, 50
    folder = tmp_path_factory.mktemp("shortcuts")
    ts = pd.Timestamp("2024-02-25") + pd.to_timedelta(rng.integers(0, 25 * 86400, n), unit="s")
    pd.DataFrame({
        "user_id": [f"u{i}" for i in rng.integers(0, people, n)],
        "ts": ts.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "event": rng.choice(["view", "click", "buy", "signup"], n),
        "os": rng.choice(["ios", "android"], n),
        "source": rng.choice(["ads", "organic"], n),
        "app_version": rng.choice(["1.0", "1.1"], n),
    }).to_csv(folder / "events.csv", index=False)
    pd.DataFrame({
        "user_id": [f"u{i}" for i in range(people)],
        "gender": rng.choice(["f", "m"], people),
        "age": rng.integers(14, 70, people),
    }).to_csv(folder / "users.csv", index=False)
    return ["--events", str(folder / "events.csv"), "--users", str(folder / "users.csv")]


def _run(capsys, args):
    with pytest.raises(SystemExit) as info:
        main(args)
    out = capsys.readouterr()
    assert info.value.code == 0, out.err
    return out.out


@pytest.mark.parametrize("args", SHORTCUTS, ids=lambda a: "-".join(a[:3]))
def test_shortcut_equals_query_on_its_spec(args, files, capsys):
    spec = _run(capsys, [*args, "--show-spec"])
    assert json.loads(spec)["kind"] in ("active_users", "trends", "retention", "lifecycle",
                                        "funnel")
    direct = json.loads(_run(capsys, [*args, *files, "--format", "json"]))
    via_query = json.loads(_run(capsys, ["query", spec, *files, "--format", "json"]))
    assert direct == via_query
    assert direct  # not an empty answer


def test_metrics_specs(capsys):
    ctr = json.loads(_run(capsys, ["metrics", "--metric", "ctr", "--by", "age_group",
                                   "--show-spec"]))
    assert ctr["series"] == [{"event": "click"}, {"event": "view"}]
    assert ctr["formula"] == "A / B"
    assert ctr["breakdown"] == {"type": "person", "property": "age",
                                "bins": [18, 25, 35, 45, 55, 65]}
    sticky = json.loads(_run(capsys, ["metrics", "--metric", "stickiness", "--show-spec"]))
    assert [s["math"] for s in sticky["series"]] == ["dau", "mau"]


def test_age_groups_are_hand_checkable(files, capsys):
    out = json.loads(_run(capsys, ["metrics", "--by", "age_group", "--from", "2024-02-25",
                                   "--to", "2024-03-25", "--interval", "month", *files,
                                   "--format", "json"]))
    users = pd.read_csv(files[3])
    seen = pd.read_csv(files[1])
    seen = seen[pd.to_datetime(seen.ts) < pd.Timestamp("2024-03-01", tz="UTC")]
    active = users[users.user_id.isin(seen.user_id)]
    teens = int((active.age < 18).sum())
    # at month grain the one count is the calendar month's active users (mau)
    assert out["by_breakdown"].get("<18", {"mau": [0]})["mau"][0] == teens
    assert set(out["by_breakdown"]) <= {"<18", "18-24", "25-34", "35-44", "45-54", "55-64",
                                        "65+"}


def test_funnel_bad_window_is_one_line(capsys):
    with pytest.raises(SystemExit) as info:
        main(["funnel", "a", "b", "--window", "3 parsecs", "--show-spec"])
    assert info.value.code != 0
    assert "--window" in capsys.readouterr().err


def test_a_funnel_step_that_never_occurs_says_so_with_a_did_you_mean(files, run_cli):
    result = run_cli("funnel", "view", "clik", "buy", "--from", "2024-03-01", "--to",
                     "2024-03-20", *files, "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["step_counts"][1] == 0
    note = " ".join(result.stderr.split())
    assert "Funnel step 2 'clik' never occurs in the events" in note
    assert "Did you mean 'click'?" in note
    assert "'view'" not in note and "'buy'" not in note


def test_a_funnel_on_events_that_occur_has_no_note(files, run_cli):
    result = run_cli("funnel", "view", "click", "--from", "2024-03-01", "--to", "2024-03-20",
                     *files)
    assert result.exit_code == 0 and "never occurs" not in result.stderr

"""``assignment_table``: each user's arm (and optionally exposure time) from a warehouse table.

The hand-checked cases reuse the Moscow workspace of test_experiments_declared (UTC+3, no
DST in 2024): times in the comments are Moscow wall clock, table times are UTC.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

from applens.experiments import analyze_experiment
from applens.experiments.declared import experiment_frame, list_experiments
from applens.experiments.definition import experiment_config
from tests.integration.experiments.conftest import SETTINGS
from tests.integration.experiments.test_experiments_declared import make_workspace

SAME_SPLIT = f"""
timezone = "UTC"

[experiments.by_users]
users_column = "program"
{SETTINGS}
[experiments.by_table]
assignment_table = "assignments"
assignment_user_column = "uid"
assignment_variant_column = "arm"
{SETTINGS}"""


def create_table(ws, name: str, frame: pd.DataFrame) -> None:
    """A table written into the warehouse by "the user's pipeline", not by applens ingest."""
    ws.connection.register("_frame", frame)
    ws.connection.execute(f"CREATE TABLE {name} AS SELECT * FROM _frame")
    ws.connection.unregister("_frame")


def test_table_gives_the_same_readout_as_users_column(synthetic_workspace):
    ws = synthetic_workspace(SAME_SPLIT)
    arms = synthetic_workspace.arms.rename(columns={"user_id": "uid"})
    # A repeated identical row is one assignment; a user never seen in the window is not
    # exposed (the anchor is "first seen", as with users_column).
    extra = pd.DataFrame({"uid": [arms.uid[0], "never_seen"], "arm": [arms.arm[0], "control"]})
    create_table(ws, "assignments", pd.concat([arms, extra]))
    by_users, by_table = analyze_experiment(ws, "by_users"), analyze_experiment(ws, "by_table")
    assert sum(by_users.srm.observed) == len(arms)  # every synthetic user is exposed
    assert by_table.srm == by_users.srm
    assert (by_table.alpha, by_table.correction, by_table.notes) == (
        by_users.alpha, by_users.correction, by_users.notes)
    pd.testing.assert_frame_equal(by_table.to_frame(), by_users.to_frame())
    assert by_table.metric("count_like").prob_treatment_better is not None  # bootstrap ran
    frames = [experiment_frame(ws, experiment_config(ws.settings.experiments, name))[0]
              for name in ("by_users", "by_table")]
    pd.testing.assert_frame_equal(frames[0], frames[1])
    assert list_experiments(ws)[0]["assignment"] == "table assignments.arm"


TIMED = 'timezone = "Europe/Moscow"\n' + "".join(f"""
[experiments.{table}]
assignment_table = "{table}"
assignment_time_column = "assigned_at"
variants = ["control", "treatment"]
start = 2024-03-01
end = 2024-03-05
metrics = ["count:view", "retention_1"]
bootstrap_resamples = 0
""" for table in ("assigned", "assigned_tz"))

# (user, arm, assignment time in UTC)
ASSIGNED = [
    ("u1", "control", "2024-02-20 07:00:00"),    # before start: exposed from start (03-01 00:00)
    ("u2", "control", "2024-03-01 07:00:00"),    # 10:00; its view at 10:05 counts
    ("u3", "treatment", "2024-03-02 06:06:30"),  # 09:06:30: two of its three views are earlier
    ("u4", "treatment", "2024-03-02 09:00:00"),  # 12:00
    ("u6", "control", "2024-03-04 21:00:00"),    # 03-05 00:00 = end: left out
    ("u8", "treatment", "2024-03-03 09:00:00"),  # no events at all: exposed, zero views
]


def test_time_column_is_the_anchor(tmp_path):
    ws = make_workspace(tmp_path / "timed", TIMED)
    try:
        table = pd.DataFrame(ASSIGNED, columns=["user_id", "variant", "assigned_at"])
        table["assigned_at"] = pd.to_datetime(table.assigned_at)
        create_table(ws, "assigned", table)
        # The same instants as zoned timestamps (written in Moscow time) give the same anchors.
        zoned = table.assign(assigned_at=table.assigned_at.dt.tz_localize("UTC")
                             .dt.tz_convert("Europe/Moscow"))
        create_table(ws, "assigned_tz", zoned)
        for name in ("assigned", "assigned_tz"):  # experiment = table name
            frame, notes = experiment_frame(ws, experiment_config(ws.settings.experiments, name))
            frame = frame.set_index("user_id")
            assert list(frame.index) == ["u1", "u2", "u3", "u4", "u8"]
            assert [str(a) for a in frame.anchor] == [
                "2024-02-29 21:00:00", "2024-03-01 07:00:00", "2024-03-02 06:06:30",
                "2024-03-02 09:00:00", "2024-03-03 09:00:00"]
            assert frame.count_view.tolist() == [2, 1, 1, 1, 0]  # u3: only the view at 09:07
            # Local day 1 after the anchor: u1 back on 03-02 at 00:10, u3 on 03-03 at 20:00.
            assert frame.retention_1.tolist() == [1, 0, 1, 0, 0]
            assert notes == [f"1 assignments on or after end (2024-03-05) in {name} are "
                             "left out."]
    finally:
        ws.close()


CONFLICTS = """
timezone = "Europe/Moscow"

[experiments.feed]
assignment_table = "assignments"
variants = ["control", "treatment"]
start = 2024-03-01
end = 2024-03-05
metrics = ["count:view"]
bootstrap_resamples = 0
"""


def test_users_with_two_variants_or_an_undeclared_one_are_left_out_and_counted(tmp_path, run_cli):
    ws = make_workspace(tmp_path / "conflicts", CONFLICTS)
    try:
        create_table(ws, "assignments", pd.DataFrame(
            [("u1", "control"), ("u2", "control"), ("u2", "treatment"), ("u3", "treatment"),
             ("u4", "treatmnt"), ("u5", "treatment"), ("u6", "control"), ("u7", "treatment"),
             ("u7", "treatment")], columns=["user_id", "variant"]))
        readout = analyze_experiment(ws, "feed")
        # u2 (control and treatment) and u4 (treatmnt) are out; u5 was not seen in the window.
        assert list(readout.srm.observed) == [2, 2]
        assert readout.metric("count_view").n_control == 2
        assert "1 users have more than one variant in assignments; they are left out." \
            in readout.notes
        assert ("1 users have variants in assignments that are not in variants ['control', "
                "'treatment'] (treatmnt: 1); they are left out.") in readout.notes
        frame, _ = experiment_frame(ws, experiment_config(ws.settings.experiments, "feed"))
        assert frame.set_index("user_id").variant.to_dict() == {
            "u1": "control", "u3": "treatment", "u6": "control", "u7": "treatment"}
        result = run_cli("ab", "analyze", "--experiment", "feed", "-w", str(ws.path), "-f", "json")
        assert result.exit_code == 0, result.stderr
        assert sum("left out" in note for note in json.loads(result.stdout)["notes"]) == 2
    finally:
        ws.close()


@pytest.mark.parametrize(("setting", "message"), [
    ('assignment_table = "assignment"',
     "experiments.feed.assignment_table: the warehouse has no table 'assignment'. Did you mean "
     "'assignments'? Tables: assignments, events, ingests, rejects."),
    ('assignment_table = "assignments"\nassignment_variant_column = "arm"',
     "experiments.feed.assignment_variant_column: table 'assignments' has no column 'arm'. "
     "Columns: user_id, variant, assigned_on."),
    ('assignment_table = "assignments"\nassignment_user_column = "uid"',
     "experiments.feed.assignment_user_column: table 'assignments' has no column 'uid'. "
     "Did you mean 'user_id'? Columns: user_id, variant, assigned_on."),
    ('assignment_table = "assignments"\nassignment_time_column = "assigned_on"',
     "experiments.feed.assignment_time_column: column 'assigned_on' of 'assignments' is "
     "string, not a timestamp."),
])
def test_missing_table_or_column_is_a_one_line_cli_error(tmp_path, run_cli, setting, message):
    config = CONFLICTS.replace('assignment_table = "assignments"', setting)
    ws = make_workspace(tmp_path / "errors", config)
    try:
        create_table(ws, "assignments", pd.DataFrame(
            {"user_id": ["u1", "u3"], "variant": ["control", "treatment"],
             "assigned_on": ["2024-03-01", "2024-03-02"]}))
    finally:
        ws.close()
    result = run_cli("ab", "analyze", "--experiment", "feed", "-w", str(tmp_path / "errors"))
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [f"Error: {message}"]



def test_a_view_over_a_csv_file_is_an_assignment_table(synthetic_workspace, tmp_path):
    """Assignments exported as a file need no ingest: a warehouse view over it will do."""
    ws = synthetic_workspace(SAME_SPLIT)
    csv = tmp_path / "assignments.csv"
    synthetic_workspace.arms.rename(columns={"user_id": "uid"}).to_csv(csv, index=False)
    ws.connection.execute(f"CREATE VIEW assignments AS SELECT * FROM read_csv('{csv}')")
    assert "assignments" in ws.table_names()
    by_users, by_view = analyze_experiment(ws, "by_users"), analyze_experiment(ws, "by_table")
    assert by_view.srm == by_users.srm
    pd.testing.assert_frame_equal(by_view.to_frame(), by_users.to_frame())

"""A workspace with a users table and no events (an A/B test exported one row per player):
``applens train`` skips every model with its reason and ``predict`` says there is nothing to
score, both exit 0; a model named on the command line is still an error when skipped."""

from __future__ import annotations


def _users_only(run_cli, tmp_path):
    source = tmp_path / "players.csv"
    source.write_text("userid,version,retention_7\n1,gate_30,true\n2,gate_40,false\n",
                      encoding="utf-8")
    folder = tmp_path / "ws"
    assert run_cli("init", folder).exit_code == 0
    assert run_cli("ingest", source, "--table", "users", "-w", folder).exit_code == 0
    return folder


def test_train_and_predict_on_a_users_only_workspace(run_cli, tmp_path):
    folder = _users_only(run_cli, tmp_path)
    trained = run_cli("train", "-w", folder)
    assert trained.exit_code == 0, trained.stderr
    skipped = [line for line in trained.stdout.splitlines() if ": skipped." in line]
    assert len(skipped) >= 3 and all("no events" in line for line in skipped
                                     if not line.startswith("tickets-")), trained.stdout
    assert all("no tickets" in line for line in skipped if line.startswith("tickets-"))
    predicted = run_cli("predict", "-w", folder)
    assert predicted.exit_code == 0, predicted.stderr
    assert "nothing was scored" in predicted.stderr and "applens train" in predicted.stderr
    assert "Traceback" not in trained.stderr + predicted.stderr


def test_a_named_model_the_data_cannot_support_is_an_error(run_cli, tmp_path):
    folder = _users_only(run_cli, tmp_path)
    named = run_cli("train", "--models", "churn", "-w", folder)
    assert named.exit_code == 1 and named.stderr.startswith("Error:")
    assert "no events" in named.stderr

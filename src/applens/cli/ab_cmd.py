"""``applens ab …``: assign users, validate a split (A/A), read out an A/B test, plan power."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer
from rich.text import Text

from applens.cli._common import WorkspaceOption, open_workspace
from applens.cli._output import FormatOption, OutputFormat, console, emit, err_console, say
from applens.cli._registry import COMMANDS
from applens.errors import InvalidParameterError, SchemaError
from applens.experiments.aa import validate_split
from applens.experiments.analyze import Readout, analyze_frame
from applens.experiments.assignment import assign_group, bucket_bounds, bucket_of
from applens.experiments.power import mde as mde_of
from applens.experiments.power import sample_size as sample_size_of
from applens.formatting import p_equals
from applens.ingest.frame import read_frame

ab_app = typer.Typer(
    help="A/B experiments: salted-hash assignment, A/A validation, readouts, power.",
    no_args_is_help=True,
)


@COMMANDS.register("ab")
def register(app: typer.Typer) -> None:
    app.add_typer(ab_app, name="ab")


def _floats(text: str, what: str) -> list[float]:
    try:
        return [float(part) for part in text.split(",") if part.strip()]
    except ValueError as exc:
        raise InvalidParameterError(
            f"{what} must be comma-separated numbers; got {text!r}."
        ) from exc


def _pairs(items: list[str], what: str) -> dict[str, str]:
    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key or not value:
            raise InvalidParameterError(f"{what} must look like NAME=VALUE; got {item!r}.")
        out[key.strip()] = value.strip()
    return out


def _where(frame: pd.DataFrame, where: list[str]) -> pd.DataFrame:
    for column, value in _pairs(where, "--where").items():
        if column not in frame.columns:
            raise SchemaError(f"--where column {column!r} is not in the data.")
        frame = frame[frame[column].astype(str) == value]
    return frame


@ab_app.command("assign")
def assign_cmd(
    user_ids: Annotated[list[str] | None, typer.Argument(help="User ids to assign.")] = None,
    salt: Annotated[str, typer.Option(help="Experiment salt (one per experiment).")] = ...,
    weights: Annotated[str, typer.Option(help="Comma-separated group weights.")] = "0.5,0.5",
    names: Annotated[str | None, typer.Option(help="Comma-separated group names.")] = None,
    data: Annotated[Path | None, typer.Option(help="File with a user id column.")] = None,
    user_col: Annotated[str, typer.Option(help="User id column in --data.")] = "user_id",
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Deterministic group of each user: bucket = int(md5("SALT:USER_ID")[:8], 16) % 10000.

    Example: applens ab assign u1 u2 u3 --salt checkout-2024 --names control,treatment
    """
    shares = _floats(weights, "--weights")
    bucket_bounds(shares)  # validates the weights
    labels = names.split(",") if names else [str(i) for i in range(len(shares))]
    if len(labels) != len(shares):
        raise InvalidParameterError(f"Got {len(labels)} names for {len(shares)} weights.")
    ids: list[Any] = list(user_ids or [])
    if data is not None:
        frame = read_frame(data)
        if user_col not in frame.columns:
            raise SchemaError(f"Column {user_col!r} is not in {data}.")
        ids += frame[user_col].tolist()
    if not ids:
        raise InvalidParameterError("Give user ids as arguments or a file with --data.")
    rows = [{"user_id": u, "bucket": bucket_of(u, salt),
             "group": labels[assign_group(u, salt, shares)]}
            for u in ids]
    emit(rows, fmt)


@ab_app.command("aa")
def aa_cmd(
    data: Annotated[Path, typer.Option(help="One row per user: metric (and group) columns.")],
    metric: Annotated[str, typer.Option(help="Metric column tested in each A/A run.")],
    group_col: Annotated[str | None, typer.Option(help="Existing A/A group column.")] = None,
    salt: Annotated[str | None, typer.Option(help="Split users with this salt instead.")] = None,
    user_col: Annotated[str, typer.Option(help="User id column (with --salt).")] = "user_id",
    weights: Annotated[str | None, typer.Option(help="Planned weights, e.g. 0.5,0.5.")] = None,
    where: Annotated[list[str] | None, typer.Option(help="Keep rows with COLUMN=VALUE.")] = None,
    date_col: Annotated[str | None, typer.Option(help="Date column for a daily SRM.")] = None,
    runs: Annotated[int, typer.Option(help="Number of sub-sampled A/A tests.")] = 10_000,
    sample_size: Annotated[int | None, typer.Option(help="Users per group per run.")] = None,
    alpha: Annotated[float, typer.Option(help="Significance level.")] = 0.05,
    test: Annotated[str, typer.Option(help="welch or mann_whitney.")] = "welch",
    seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Validate a splitter: SRM overall and per day, share of p < alpha over repeated A/A
    tests (with its CI) and p-value uniformity.

    Example: applens ab aa --data cookie_cats.csv --where version=gate_30 --salt aa-1
    --user-col userid --metric sum_gamerounds
    """
    frame = _where(read_frame(data), where or [])
    shares = _floats(weights, "--weights") if weights else None
    if (group_col is None) == (salt is None):
        raise InvalidParameterError("Give either --group-col (an existing split) or --salt.")
    if salt is not None:
        if user_col not in frame.columns:
            raise SchemaError(f"User column {user_col!r} is not in {data}; set --user-col.")
        split = shares or [0.5, 0.5]
        frame = frame.assign(
            _aa_group=[f"aa{assign_group(u, salt, split)}" for u in frame[user_col]]
        )
        group_col = "_aa_group"
    assert group_col is not None
    report = validate_split(frame, group_col=group_col, metric=metric, weights=shares,
                            date_col=date_col, n_runs=runs, sample_size=sample_size,
                            alpha=alpha, test=test, seed=seed)  # type: ignore[arg-type]
    payload = report.to_dict()
    if fmt is not OutputFormat.json:  # flat key/value rows for the table and CSV
        result = payload.pop("srm")
        payload = {"srm_observed": result["observed"], "srm_p_value": result["p_value"], **payload}
        payload["daily_srm_failures"] = ", ".join(payload["daily_srm_failures"])
    emit(payload, fmt)
    if fmt is OutputFormat.table:
        say(report.verdict, style="green" if report.healthy else "bold red")


def _check_stat_options(alpha: float | None, correction: str | None,
                        resamples: int | None) -> None:
    if alpha is not None and not 0 < alpha < 1:
        raise InvalidParameterError(f"--alpha must be between 0 and 1 (exclusive); got {alpha}.")
    if correction is not None and correction not in ("holm", "bh", "bonferroni"):
        raise InvalidParameterError(
            f"--correction must be holm, bh or bonferroni; got {correction!r}.")
    if resamples is not None and resamples < 0:
        raise InvalidParameterError(f"--resamples must be 0 or more; got {resamples}.")


def _settings_line(readout: Readout, given: dict[str, object], experiment: str | None) -> str:
    """The alpha and correction the readout used, and where each came from."""
    fallback = f"experiments.{experiment}" if experiment else "default"
    return ", ".join(f"{name} {getattr(readout, name)} "
                     f"({'command line' if value is not None else fallback})"
                     for name, value in given.items())


# The console table keeps what fits a terminal; --format csv/json give every field.
_TABLE_COLUMNS = ["metric", "treatment", "control_mean", "treatment_mean", "difference",
                  "ci_low", "ci_high", "lift", "p_value", "p_adjusted", "prob_treatment_better",
                  "decision"]


@ab_app.command("analyze")
def analyze_cmd(
    data: Annotated[Path | None, typer.Option(
        help="One row per user: group + metric columns.")] = None,
    group_col: Annotated[str, typer.Option(help="Column holding each user's arm.")] = "group",
    control: Annotated[str | None, typer.Option(
        help="Control arm (needed with > 2 arms).")] = None,
    metric: Annotated[list[str] | None, typer.Option(
        help="COLUMN, or NAME=NUM/DEN for a ratio metric; repeat. Default: numeric columns."
    )] = None,
    pre: Annotated[list[str] | None, typer.Option(help="METRIC=PRE_COLUMN for CUPED.")] = None,
    weights: Annotated[list[str] | None, typer.Option(help="ARM=WEIGHT planned split.")] = None,
    # None = not given, so that with --experiment only explicit options replace applens.toml.
    alpha: Annotated[float | None, typer.Option(
        help="Significance level (with --experiment: its alpha).", show_default="0.05")] = None,
    correction: Annotated[str | None, typer.Option(
        help="holm, bh or bonferroni (with --experiment: its correction).",
        show_default="holm")] = None,
    resamples: Annotated[int | None, typer.Option(
        help="Bootstrap resamples (with --experiment: its bootstrap_resamples).",
        show_default="2000")] = None,
    seed: Annotated[int, typer.Option(help="Bootstrap seed.")] = 0,
    user_col: Annotated[str | None, typer.Option(
        help="User column of --data (default: the one named like user_id); a user in two "
             "arms is left out, repeats keep their first row.")] = None,
    time_col: Annotated[str | None, typer.Option(
        help="Time column of --data ordering repeated rows (default: ts/timestamp/time).")] = None,
    where: Annotated[str | None, typer.Option(
        help="Keep the rows of --data where this SQL condition holds, e.g. \"Quantity > 0\".")
    ] = None,
    chart: Annotated[Path | None, typer.Option(
        help="Write an effect chart (.html/.png/.svg).")] = None,
    experiment: Annotated[str | None, typer.Option(
        help="Read out the experiment NAME of applens.toml (its experiments.NAME table) "
             "from the warehouse.")] = None,
    workspace: WorkspaceOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Read out an A/B test: SRM first, then each metric (Welch / delta method / CUPED,
    relative lift by the delta method, bootstrap and Mann-Whitney checks), corrected p-values.

    Example: applens ab analyze --data cookie_cats.csv --group-col version --metric retention_7

    Example: applens ab analyze --experiment new_feed --format json

    With --experiment, metrics, arms and settings come from applens.toml.
    --alpha, --correction and --resamples given here replace its values for this run.
    """
    if (data is None) == (experiment is None):
        raise InvalidParameterError(
            "Pass either --experiment NAME (declared in applens.toml) or --data FILE (one row "
            "per user with a group column)."
        )
    _check_stat_options(alpha, correction, resamples)
    if experiment is not None:
        from applens.experiments.declared import analyze_experiment

        given = [flag for flag, value in (("--metric", metric), ("--pre", pre),
                                          ("--weights", weights), ("--control", control),
                                          ("--user-col", user_col), ("--time-col", time_col),
                                          ("--where", where))
                 if value]
        if given:
            raise InvalidParameterError(
                f"{', '.join(given)} cannot be combined with --experiment; set them in "
                f"[experiments.{experiment}] of applens.toml.")

        with open_workspace(workspace) as ws:
            readout = analyze_experiment(ws, experiment, seed=seed, alpha=alpha,
                                         correction=correction, bootstrap_resamples=resamples)
    else:
        from applens.experiments.units import filter_frame, one_row_per_user  # lazy: ibis

        assert data is not None
        plan = {k: float(v) for k, v in _pairs(weights or [], "--weights").items()} or None
        # Options not given keep analyze_frame's own defaults.
        stats = {key: value for key, value in (("alpha", alpha), ("correction", correction),
                                               ("n_resamples", resamples)) if value is not None}
        frame, notes = filter_frame(read_frame(data), where)
        if group_col in frame.columns:  # else analyze_frame names the missing column
            frame, more = one_row_per_user(frame, group_col=group_col, user_col=user_col,
                                           time_col=time_col)
            notes += more
        readout = analyze_frame(
            frame, group_col=group_col, metrics=metric or None, control=control,
            weights=plan, pre=_pairs(pre or [], "--pre"), seed=seed,
            robust=resamples != 0,  # --resamples 0: no bootstrap, as with --experiment
            **stats,  # type: ignore[arg-type]
        )
        readout = dataclasses.replace(readout, notes=(*notes, *readout.notes))
    if chart is not None:
        from applens.experiments.chart import effect_chart, save_chart

        save_chart(effect_chart(readout), chart)
    if fmt is OutputFormat.json:
        emit(readout.to_dict(), fmt)
        return
    target = console if fmt is OutputFormat.table else err_console
    srm = readout.srm
    srm_line = Text(f"SRM check: {p_equals(srm.p_value)} "
                    f"(threshold {srm.threshold:g}; observed {list(srm.observed)}) — ")
    srm_line.append("ok" if readout.srm.ok else "FAILED", "" if readout.srm.ok else "bold red")
    target.print(srm_line)
    target.print(_settings_line(readout, {"alpha": alpha, "correction": correction}, experiment),
                 markup=False)
    for note in readout.notes:
        target.print(note)
    frame = readout.to_frame()
    if fmt is OutputFormat.table:
        frame = frame[_TABLE_COLUMNS].rename(columns={"prob_treatment_better": "P(better)"})
    emit(frame, fmt,
         title=f"{readout.control} vs {', '.join(readout.treatments)}")


@ab_app.command("list")
def list_cmd(workspace: WorkspaceOption = None, fmt: FormatOption = OutputFormat.table) -> None:
    """Experiments declared in applens.toml ([experiments.NAME] tables), validated.

    Example: applens ab list
    """
    from applens.experiments.declared import list_experiments

    with open_workspace(workspace) as ws:
        rows = list_experiments(ws)
    if not rows and fmt is OutputFormat.table:
        err_console.print("No experiments declared; add an [experiments.NAME] table to "
                          "applens.toml (see the commented example there).", markup=False)
        return
    emit(rows, fmt)


@ab_app.command("power")
def power_cmd(
    baseline: Annotated[float, typer.Option(help="Control mean or conversion rate.")],
    sd: Annotated[float | None, typer.Option(help="Per-user std (means; omit for rates).")] = None,
    effect: Annotated[float | None, typer.Option(help="Effect to detect -> sample size.")] = None,
    relative: Annotated[bool, typer.Option(
        help="--effect / output MDE as a share of baseline.")] = False,
    n: Annotated[int | None, typer.Option(help="Users in control -> MDE.")] = None,
    ratio: Annotated[float, typer.Option(help="Treatment size / control size.")] = 1.0,
    alpha: Annotated[float, typer.Option(help="Significance level.")] = 0.05,
    power: Annotated[float, typer.Option(help="Target power.")] = 0.8,
    daily_users: Annotated[float | None, typer.Option(
        help="Eligible users per day -> days.")] = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Sample size for an effect, or the MDE for a sample, of a mean (--sd) or a rate.

    Example: applens ab power --baseline 0.19 --effect 0.05 --relative --daily-users 6000
    """
    kind = "mean" if sd is not None else "proportion"
    if (effect is None) == (n is None):
        raise InvalidParameterError(
            "Give exactly one of --effect (-> sample size) or --n (-> MDE)."
        )
    out: dict[str, Any] = {"metric": kind, "baseline": baseline, "alpha": alpha, "power": power}
    if effect is not None:
        absolute = effect * baseline if relative else effect
        n_control = sample_size_of(absolute, baseline=baseline, sd=sd, metric=kind,  # type: ignore[arg-type]
                                   power_target=power, ratio=ratio, alpha=alpha)
        total = n_control + math.ceil(ratio * n_control)
        out.update(effect=absolute, n_control=n_control,
                   n_treatment=math.ceil(ratio * n_control), n_total=total)
        if daily_users:
            out["days"] = math.ceil(total / daily_users)
    else:
        assert n is not None
        value = mde_of(n_control=n, baseline=baseline, sd=sd, metric=kind,  # type: ignore[arg-type]
                       power_target=power, ratio=ratio, alpha=alpha, relative=relative)
        out.update(n_control=n, mde=value, relative=relative)
    emit(out, fmt)

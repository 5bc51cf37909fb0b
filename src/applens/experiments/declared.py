"""Read out an experiment declared in ``applens.toml`` from the workspace warehouse.

1. **Exposure.** Each user gets an arm and an exposure time (the *anchor*):
   ``exposure_event`` — the user's first such event in ``[start, end)``, the arm is its
   ``variant_property``; ``users_column`` / ``salt`` — the arm comes from the users table or
   the salted hash, the anchor is the user's first event in ``[start, end)`` ("first seen");
   ``events_column`` — the arm is that events column on the user's events in ``[start, end)``
   (a user with two arms there is left out and counted), the anchor is "first seen";
   ``assignment_table`` — the arm comes from that warehouse table, the anchor is its
   ``assignment_time_column`` (UTC; an assignment before ``start`` counts from ``start``,
   one at or after ``end`` is left out) or, without one, "first seen". Users with two
   variants there, or a variant not in ``variants``, are left out and counted in a note.
   ``start``/``end`` are local dates in the workspace timezone (``end`` exclusive).
2. **Metrics** per user in SQL (Ibis): counts, conversions and sums over the user's events
   in ``[anchor, end)``; ratio metrics keep numerator and denominator per user.
3. **Retention** ``retention_N`` = 1 if the user has any event on the **calendar day**
   ``anchor_day + N`` in the workspace timezone (PostHog's default ``strict_calendar_dates``;
   not a rolling 24 h window), 0 otherwise, whether or not that day is before ``end``. A user
   whose day N is not over yet (no event in the warehouse on a later day) is left out of that
   metric — not counted as churned.
4. **CUPED** (``cuped = true``): the same metric over ``[anchor − pre_period_days, anchor)``
   is the covariate (ratio metrics: pre-period numerator and denominator, ratio CUPED by the
   delta method); for retention, the number of active days in that window.
5. Statistics: :func:`applens.experiments.analyze.analyze_frame` — SRM first, then every
   metric, Holm (or the configured) correction over ``metrics``; ``guardrails`` outside it.
"""
# Over 350 lines: a 26-line docstring states the exposure rules, and the SQL of each arm
# source sits beside the one query (experiment_frame) that joins them.

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import ibis
import ibis.expr.types as ir
import pandas as pd

from applens.errors import (
    DataError,
    InsufficientDataError,
    NotFoundError,
    SchemaError,
    did_you_mean,
)
from applens.experiments.analyze import ExtraReadouts, MetricSpec, Readout, analyze_frame
from applens.experiments.bots import bot_users
from applens.experiments.definition import ExperimentConfig, MetricDef, experiment_config
from applens.experiments.sql import assign_group_expr
from applens.insights._time import to_utc
from applens.insights._tz import local_time
from applens.insights._where import columns_of, filter_rows
from applens.schema import is_internal

if TYPE_CHECKING:
    from applens.workspace import Workspace

__all__ = ["analyze_experiment", "experiment_frame", "list_experiments"]

GROUP = "variant"


def _bounds(cfg: ExperimentConfig, zone: ZoneInfo) -> tuple[datetime, datetime]:
    start = datetime.combine(cfg.start, datetime.min.time())
    end = datetime.combine(cfg.end, datetime.min.time())
    return to_utc(start, zone), to_utc(end, zone)


def _exposures(ws: Workspace, cfg: ExperimentConfig, events: ir.Table, start: datetime,
               end: datetime, notes: list[str]) -> ir.Table:
    """``user_id``, ``variant``, ``anchor`` (naive UTC) per exposed user."""
    window = events.filter((events.ts >= start) & (events.ts < end))
    if cfg.exposure_event is not None:
        prop = cfg.variant_property
        if prop not in events.columns:
            raise SchemaError(f"experiments.{cfg.name}.variant_property: events have no column "
                              f"{prop!r}.{did_you_mean(prop, events.columns)}")
        hits = window.filter((window.event == cfg.exposure_event) & window[prop].notnull())
        per_user = hits.group_by("user_id").aggregate(
            anchor=hits.ts.min(), variant=hits[prop].cast("string").argmin(hits.ts),
            n_variants=hits[prop].cast("string").nunique(),
        )
        mixed = int(per_user.filter(per_user.n_variants > 1).count().execute())
        if mixed:
            notes.append(f"{mixed} users were exposed to more than one variant; each keeps "
                         "the variant of their first exposure.")
        return per_user.select("user_id", "variant", "anchor")
    if cfg.assignment_table is not None:
        return _table_exposures(ws, cfg, window, start, end, notes)
    if cfg.events_column is not None:
        return _events_column_exposures(cfg, window, notes)
    first = window.group_by("user_id").aggregate(anchor=window.ts.min())
    if cfg.salt is not None:
        weights = cfg.weights or [1.0] * len(cfg.variants)
        arm = assign_group_expr(first.user_id, cfg.salt, weights, cfg.variants)
        return first.mutate(variant=arm).select("user_id", "variant", "anchor")
    assert cfg.users_column is not None
    if not ws.has_table("users"):
        raise SchemaError(f"experiments.{cfg.name}.users_column needs a users table; ingest one "
                          "with `applens ingest FILE --table users`.")
    users = ws.table("users")
    col = cfg.users_column
    if col not in users.columns:
        raise SchemaError(f"experiments.{cfg.name}.users_column: the users table has no column "
                          f"{col!r}.{did_you_mean(col, users.columns)}")
    arms = users.filter(users[col].notnull()).select(
        user_id=users.user_id, variant=users[col].cast("string"))
    return first.join(arms, "user_id").select("user_id", "variant", "anchor")


def _events_column_exposures(cfg: ExperimentConfig, window: ir.Table,
                             notes: list[str]) -> ir.Table:
    """Arms from an events column (see the module docstring)."""
    col = cfg.events_column
    assert col is not None
    if col not in window.columns:
        raise SchemaError(f"experiments.{cfg.name}.events_column: events have no column "
                          f"{col!r}.{did_you_mean(col, window.columns)}")
    arm = window[col].cast("string")
    per_user = window.group_by("user_id").aggregate(
        anchor=window.ts.min(), variant=arm.min(), n_variants=arm.nunique())
    mixed = int(per_user.filter(per_user.n_variants > 1).count().execute())
    if mixed:
        notes.append(f"{mixed} users have more than one value of events.{col}; they are "
                     "left out.")
    single = per_user.filter(per_user.n_variants == 1)
    return single.select("user_id", "variant", "anchor")


def _assignment_rows(ws: Workspace, cfg: ExperimentConfig) -> ir.Table:
    """``user_id``, ``variant`` (strings) and, with ``assignment_time_column``, ``assigned``
    (naive UTC) of each complete row of ``assignment_table``."""
    key, name = f"experiments.{cfg.name}", cfg.assignment_table
    assert name is not None
    if not ws.has_table(name):
        tables = ws.table_names(derived=False)
        raise NotFoundError(f"{key}.assignment_table: the warehouse has no table {name!r}."
                            f"{did_you_mean(name, tables)} Tables: {', '.join(tables)}.")
    table = ws.table(name)
    settings = {"assignment_user_column": cfg.assignment_user_column,
                "assignment_variant_column": cfg.assignment_variant_column,
                "assignment_time_column": cfg.assignment_time_column}
    visible = [col for col in table.columns if not is_internal(col)]
    for setting, col in settings.items():
        if col is not None and col not in table.columns:
            raise SchemaError(f"{key}.{setting}: table {name!r} has no column {col!r}."
                              f"{did_you_mean(col, visible)} Columns: {', '.join(visible)}.")
    # Cast to string: an integer id column still joins events.user_id, and arms compare
    # with the declared variants as text.
    columns = {"user_id": table[cfg.assignment_user_column].cast("string"),
               "variant": table[cfg.assignment_variant_column].cast("string")}
    if cfg.assignment_time_column is not None:
        assigned = table[cfg.assignment_time_column]
        if not assigned.type().is_timestamp():
            raise SchemaError(f"{key}.assignment_time_column: column "
                              f"{cfg.assignment_time_column!r} of {name!r} is {assigned.type()}, "
                              "not a timestamp.")
        # A zoned timestamp becomes naive UTC like events.ts (the connection's zone is UTC).
        columns["assigned"] = assigned.cast("timestamp")
    rows = table.select(**columns)
    return rows.filter(*[rows[col].notnull() for col in rows.columns])


def _table_exposures(ws: Workspace, cfg: ExperimentConfig, window: ir.Table, start: datetime,
                     end: datetime, notes: list[str]) -> ir.Table:
    """Exposures from ``assignment_table`` (see the module docstring)."""
    rows = _assignment_rows(ws, cfg)
    if cfg.assignment_time_column is None:
        rows = rows.join(window.group_by("user_id").aggregate(anchor=window.ts.min()), "user_id")
    else:
        rows = rows.mutate(anchor=ibis.greatest(rows.assigned, ibis.literal(start)))
        n_late = int(rows.filter(rows.anchor >= end).count().execute())
        if n_late:
            notes.append(f"{n_late} assignments on or after end ({cfg.end}) in "
                         f"{cfg.assignment_table} are left out.")
        rows = rows.filter(rows.anchor < end)
    per_user = rows.group_by("user_id").aggregate(
        variant=rows.variant.min(), anchor=rows.anchor.min(), n_variants=rows.variant.nunique())
    return _single_declared_arm(cfg, per_user, notes)


def _single_declared_arm(cfg: ExperimentConfig, per_user: ir.Table,
                         notes: list[str]) -> ir.Table:
    """Users with exactly one arm, one of ``variants``; the others are counted in ``notes``
    (counted twice they would weigh in both arms — GrowthBook's "multiple exposures")."""
    mixed = int(per_user.filter(per_user.n_variants > 1).count().execute())
    if mixed:
        notes.append(f"{mixed} users have more than one variant in {cfg.assignment_table}; "
                     "they are left out.")
    single = per_user.filter(per_user.n_variants == 1)
    declared = single.variant.isin(cfg.variants)
    undeclared = single.filter(~declared)
    other = undeclared.group_by("variant").aggregate(n=undeclared.count()).execute()
    if len(other):
        counts = ", ".join(f"{v}: {n}" for v, n in sorted(zip(other.variant, other.n, strict=True)))
        notes.append(f"{int(other.n.sum())} users have variants in {cfg.assignment_table} that "
                     f"are not in variants {cfg.variants} ({counts}); they are left out.")
    return single.filter(declared).select("user_id", "variant", "anchor")


def _aggs(metric: MetricDef, t: ir.Table, suffix: str) -> dict[str, ir.Value]:
    """Per-user aggregates of one metric over the rows of ``t`` (events × exposure)."""
    name = metric.name
    if metric.kind == "count":
        return {name + suffix: (t.event == metric.event).cast("int64").sum()}
    if metric.kind == "conversion":
        return {name + suffix: (t.event == metric.event).cast("int64").max()}
    if metric.kind == "sum":
        value = ibis.ifelse(t.event == metric.event, t.value.cast("float64"), 0.0)
        return {name + suffix: value.sum()}
    if metric.kind == "ratio":
        return {f"{name}__num{suffix}": (t.event == metric.event).cast("int64").sum(),
                f"{name}__den{suffix}": (t.event == metric.denominator).cast("int64").sum()}
    if metric.kind == "property":
        assert metric.prop is not None
        return {name + suffix: metric.prop.aggregate(metric.prop.value(t, name))}
    raise AssertionError(metric.kind)


def _left_out_when_missing(metric: MetricDef) -> bool:
    """Metrics where a user without a value is not a zero (retention not over yet; the mean
    or share of a property the user never had)."""
    return metric.kind == "retention" or (
        metric.kind == "property" and metric.prop is not None and metric.prop.agg != "sum")


def experiment_frame(ws: Workspace, cfg: ExperimentConfig) -> tuple[pd.DataFrame, list[str]]:
    """One row per exposed user: ``user_id``, ``variant`` and the metric columns (plus the
    ``__pre`` covariates when CUPED is on), and notes about who was left out."""
    if not ws.has_table("events"):
        raise InsufficientDataError("The workspace has no events; run `applens ingest` first.")
    zone = ZoneInfo(ws.settings.timezone)
    start, end = _bounds(cfg, zone)
    events = filter_rows(ws.table("events"), cfg.where, f"experiments.{cfg.name}.where")
    if "value" not in events.columns:
        events = events.mutate(value=ibis.literal(0.0))
    defs = [m.resolved(events.columns) for m in cfg.metric_defs + cfg.guardrail_defs]
    props = set()
    for m in defs:
        if m.prop is not None:
            m.prop.value(events, f"experiments.{cfg.name}: {m.name}")  # a clear error first
            lower = {c.lower(): c for c in events.columns}
            props |= {lower[c.lower()] for c in columns_of(m.prop.expression)}
    arm_col = cfg.variant_property if cfg.exposure_event else cfg.events_column
    extra = sorted((props | {arm_col}) & set(events.columns) - {"user_id", "event", "ts",
                                                                 "value"})
    events = events.select("user_id", "event", "ts", "value", *extra)
    notes: list[str] = []
    exposed = _exposures(ws, cfg, events, start, end, notes)
    if cfg.exclude_bots:
        bots = bot_users(events, start=start, end=end)
        n_bots = int(exposed.semi_join(bots, "user_id").count().execute())
        exposed = exposed.anti_join(bots, "user_id")
        notes.append(f"{n_bots} exposed users flagged as bots (machine-regular event gaps, "
                     "applens.experiments.bots) were left out.")
    pre = timedelta(days=cfg.pre_period_days)
    last = events.ts.max().execute()
    if last is None or pd.isna(last):
        raise InsufficientDataError("The events table is empty.")
    last = pd.Timestamp(last).to_pydatetime()
    lo, hi = start - pre - timedelta(days=2), max(last, end) + timedelta(days=2)
    joined = events.select("user_id", "event", "ts", "value",
                           *sorted(props)).join(exposed, "user_id")
    local = local_time(joined.ts, zone, lo, hi)
    local_anchor = local_time(joined.anchor, zone, lo, hi)
    joined = joined.mutate(day=local.date().delta(local_anchor.date(), unit="day"),
                           local_day=local.date())
    post = joined.filter((joined.ts >= joined.anchor) & (joined.ts < end))
    aggs: dict[str, ir.Value] = {}
    for metric in defs:
        if metric.kind != "retention":
            aggs.update(_aggs(metric, post, ""))
    per_user = exposed
    if aggs:
        per_user = per_user.left_join(post.group_by("user_id").aggregate(**aggs), "user_id")
        per_user = per_user.drop(*[c for c in per_user.columns if c.endswith("_right")])
    retention = [m for m in defs if m.kind == "retention"]
    if retention:
        after = joined.filter(joined.day >= 1)
        ret = after.group_by("user_id").aggregate(
            **{m.name: (after.day == m.day).cast("int64").max() for m in retention})
        per_user = per_user.left_join(ret, "user_id")
        per_user = per_user.drop(*[c for c in per_user.columns if c.endswith("_right")])
    if cfg.cuped:
        pre_start = joined.anchor - ibis.interval(days=cfg.pre_period_days)
        before = joined.filter((joined.ts >= pre_start) & (joined.ts < joined.anchor))
        pre_aggs: dict[str, ir.Value] = {}
        for metric in defs:
            if metric.kind == "retention":
                pre_aggs[metric.name + "__pre"] = before.local_day.nunique()
            else:
                pre_aggs.update(_aggs(metric, before, "__pre"))
        per_user = per_user.left_join(before.group_by("user_id").aggregate(**pre_aggs), "user_id")
        per_user = per_user.drop(*[c for c in per_user.columns if c.endswith("_right")])
    # SQL returns rows in no fixed order; sorted, a seeded bootstrap gives the same readout
    # on every run and for every assignment source that yields the same users.
    frame = per_user.execute().sort_values("user_id", ignore_index=True)
    frame[GROUP] = frame[GROUP].astype(str)
    metric_cols = [c for c in frame.columns if c not in ("user_id", GROUP, "anchor")]
    retention_cols = {m.name for m in defs if _left_out_when_missing(m)}
    frame[[c for c in metric_cols if c not in retention_cols]] = (
        frame[[c for c in metric_cols if c not in retention_cols]].fillna(0).astype(float))
    if retention:
        last_day = pd.Timestamp(local_time(ibis.literal(last), zone, lo, hi).execute()).date()
        anchor_day = pd.to_datetime(frame["anchor"]).map(
            lambda a: pd.Timestamp(a).tz_localize("UTC").tz_convert(zone).date())
        for m in retention:
            observed = anchor_day.map(lambda d, n=m.day: d + timedelta(days=n) < last_day)
            values = frame[m.name].fillna(0).astype(float)
            frame[m.name] = values.where(observed.astype(bool))
            skipped = int((~observed.astype(bool)).sum())
            if skipped:
                notes.append(f"{m.name}: {skipped} users whose day {m.day} is not over yet "
                             f"(data ends {last_day}) are left out of this metric.")
    unknown = sorted(set(frame[GROUP]) - set(cfg.variants))
    if unknown:
        counts = frame[GROUP].value_counts()
        raise DataError(
            f"Experiment {cfg.name!r}: the data has arms {unknown} "
            f"({', '.join(f'{a}: {counts[a]} users' for a in unknown)}) that are not in "
            f"variants {cfg.variants}. Add them to experiments.{cfg.name}.variants "
            f"or fix the assignment.{did_you_mean(unknown[0], cfg.variants)}"
        )
    return frame, notes


def _spec(metric: MetricDef) -> MetricSpec:
    if metric.kind == "ratio":
        return MetricSpec(metric.name, None, f"{metric.name}__num", f"{metric.name}__den")
    return MetricSpec(metric.name, metric.name)


def analyze_experiment(ws: Workspace, name: str, *, seed: int | None = 0,
                       alpha: float | None = None, correction: str | None = None,
                       bootstrap_resamples: int | None = None) -> Readout:
    """Full readout of ``[experiments.<name>]``: SRM first, then every metric.

    ``alpha``, ``correction`` and ``bootstrap_resamples``, when given, replace the declared
    values for this readout (the CLI's explicit ``--alpha``, ``--correction``, ``--resamples``).
    """
    overrides = {"alpha": alpha, "correction": correction,
                 "bootstrap_resamples": bootstrap_resamples}
    cfg = experiment_config(ws.settings.experiments, name, overrides=overrides)
    frame, notes = experiment_frame(ws, cfg)
    missing = [arm for arm in cfg.variants if not (frame[GROUP] == arm).any()]
    if missing:
        raise InsufficientDataError(
            f"Experiment {name!r}: no exposed users in {missing} between {cfg.start} and "
            f"{cfg.end} (exclusive). Check the dates and the assignment source.")
    weights = dict(zip(cfg.variants, cfg.weights or [1.0] * len(cfg.variants), strict=True))
    pre: dict[str, Any] = {}
    if cfg.cuped:
        for m in cfg.metric_defs + cfg.guardrail_defs:
            pre[m.name] = (f"{m.name}__num__pre/{m.name}__den__pre" if m.kind == "ratio"
                           else f"{m.name}__pre")
    readout = analyze_frame(
        frame, group_col=GROUP, metrics=[_spec(m) for m in cfg.metric_defs],
        guardrails=[_spec(m) for m in cfg.guardrail_defs], control=cfg.control_arm,
        weights=weights, pre=pre, alpha=cfg.alpha, correction=cfg.correction,
        n_resamples=cfg.bootstrap_resamples, seed=seed, robust=cfg.bootstrap_resamples > 0,
        optional={m.name for m in cfg.metric_defs + cfg.guardrail_defs
                  if _left_out_when_missing(m)},
        extras=ExtraReadouts(cfg.bayesian, cfg.prior_sd, cfg.sequential, cfg.sequential_n_star),
        lower_is_better=set(cfg.lower_is_better),
    )
    return Readout(readout.control, readout.treatments, readout.srm, readout.metrics,
                   readout.alpha, readout.correction, readout.notes + tuple(notes))


def _source(cfg: ExperimentConfig) -> str:
    if cfg.exposure_event:
        return f"event {cfg.exposure_event}.{cfg.variant_property}"
    if cfg.users_column:
        return f"users.{cfg.users_column}"
    if cfg.events_column:
        return f"events.{cfg.events_column}"
    if cfg.assignment_table:
        return f"table {cfg.assignment_table}.{cfg.assignment_variant_column}"
    return f"hash salt {cfg.salt}"


def list_experiments(ws: Workspace) -> list[dict[str, Any]]:
    """One row per declared experiment (validated)."""
    rows = []
    for name in sorted(ws.settings.experiments):
        cfg = experiment_config(ws.settings.experiments, name)
        rows.append({"name": name, "assignment": _source(cfg),
                     "variants": ", ".join(cfg.variants),
                     "control": cfg.control_arm, "start": str(cfg.start), "end": str(cfg.end),
                     "metrics": ", ".join(m.name for m in cfg.metric_defs),
                     "guardrails": ", ".join(m.name for m in cfg.guardrail_defs),
                     "cuped": cfg.cuped})
    return rows

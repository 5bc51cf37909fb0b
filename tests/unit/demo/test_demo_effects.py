"""Every planted effect is in the data, where and as big as ground_truth.json says."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from applens.demo import GroundTruth
from applens.experiments.assignment import assign_group

Demo = tuple[Path, GroundTruth]


def _naive(iso: str) -> dt.datetime:
    return dt.datetime.fromisoformat(iso).replace(tzinfo=None)


@pytest.fixture(scope="module")
def db(con: duckdb.DuckDBPyConnection, demo: Demo) -> duckdb.DuckDBPyConnection:
    _, truth = demo
    con.execute("create or replace table bots as select unnest(?) as user_id",
                [truth.bots.user_ids])
    return con


def test_daily_and_weekly_seasonality(db: duckdb.DuckDBPyConnection) -> None:
    by_hour = dict(db.execute("select hour(ts), count(*) from events group by 1").fetchall())
    assert by_hour[18] > 2 * by_hour[3]
    weekend, weekday = db.execute("""
        select avg(dau) filter (where dow in (0, 6)), avg(dau) filter (where dow not in (0, 6))
        from (select dayofweek(ts) dow, ts::date d, count(distinct user_id) dau
              from events group by all)""").fetchone()
    assert weekend > 1.08 * weekday


def test_bots_are_regular_fast_and_share_ips(db: duckdb.DuckDBPyConnection, demo: Demo) -> None:
    _, truth = demo
    # Gaps between views; the outage (which may hit a bot farm's slice) punches holes.
    rows = db.execute("""
        with gaps as (
            select user_id, epoch(ts - lag(ts) over (partition by session_id order by ts)) g
            from events where event = 'view' and not ts between ? and ?)
        select user_id in (select user_id from bots) as bot, user_id,
               stddev(g) / avg(g) as cv, avg(g) as mean_gap
        from gaps where g is not null group by all having count(*) >= 20""",
        [_naive(truth.outage.start), _naive(truth.outage.end)]).fetchall()
    bot_cv = [cv for bot, _, cv, _ in rows if bot]
    human_cv = sorted(cv for bot, _, cv, _ in rows if not bot)
    assert len(bot_cv) == len(truth.bots.user_ids)
    assert max(bot_cv) < 0.02 < 0.5 < human_cv[len(human_cv) // 20]  # 5th percentile
    assert all(gap >= truth.bots.min_interval_seconds * 0.99 for b, _, _, gap in rows if b)
    per_day = dict(db.execute("""
        select user_id in (select user_id from bots), median(n) from (
            select user_id, ts::date, count(*) n from events group by all) group by 1
    """).fetchall())
    assert per_day[True] > 5 * per_day[False]
    sharing = dict(db.execute("""
        select ip, count(distinct user_id) from events group by 1
        having count(distinct user_id) >= 4""").fetchall())
    assert set(sharing) == set(truth.bots.ips)
    bot_ips = db.execute("select distinct ip from events join bots using (user_id)").fetchall()
    assert {ip for (ip,) in bot_ips} == set(truth.bots.ips)


def test_buggy_version_crashes_most_and_long_sessions_crash_more(
    db: duckdb.DuckDBPyConnection, demo: Demo
) -> None:
    _, truth = demo
    rate = dict(db.execute("""
        select app_version, count(*) filter (where event = 'crash') / count(distinct session_id)
        from events group by 1""").fetchall())
    buggy = rate.pop(truth.buggy_app_version)
    assert buggy > 3 * max(rate.values())
    short, long_ = db.execute("""
        with s as (select session_id, count(*) n, max((event = 'crash')::int) crashed
                   from events where app_version != ? group by 1)
        select avg(crashed) filter (where n < 10), avg(crashed) filter (where n >= 20)
        from s""", [truth.buggy_app_version]).fetchone()
    assert long_ > 1.5 * short
    # A crash ends its session.
    after = db.execute("""
        with c as (select session_id, min(ts) t from events where event = 'crash' group by 1)
        select count(*) from events join c using (session_id) where ts > c.t""").fetchone()[0]
    assert after == 0


def test_outage_slice_dips_and_the_rest_does_not(db: duckdb.DuckDBPyConnection,
                                                 demo: Demo) -> None:
    _, truth = demo
    o = truth.outage
    start, end = _naive(o.start), _naive(o.end)
    rows = db.execute("""
        select (os = ? and app_version = ?) as in_slice,
               count(*) filter (where ts >= ? and ts < ?) as during,
               count(*) filter (where ts::date != ?::date and hour(ts) >= hour(?::timestamp)
                                and hour(ts) < hour(?::timestamp)) as usual
        from events group by 1""", [o.os, o.app_version, start, end, start, start, end]
    ).fetchall()
    days = (_naive(truth.data.end) - _naive(truth.data.start)).days - 1
    ratio = {in_slice: during / (usual / days) for in_slice, during, usual in rows}
    assert ratio[True] < 0.3
    assert ratio[False] > 0.7


def test_campaign_brings_a_spike_of_ads_users_who_leave(db: duckdb.DuckDBPyConnection,
                                                         demo: Demo) -> None:
    _, truth = demo
    c = truth.campaign
    signups = dict(db.execute("""
        select created_at::date::varchar, count(*) from users
        where source = 'ads' and created_at >= ? group by 1""",
        [_naive(truth.data.start)]).fetchall())
    on_day = signups.pop(c.date)
    assert c.source == "ads"
    assert on_day > 5 * sorted(signups.values())[len(signups) // 2]
    campaign = set(c.user_ids)
    created = dict(db.execute("select user_id, created_at::date::varchar from users").fetchall())
    assert {created[u] for u in campaign} == {c.date}
    # Still active a week after signup: campaign users far less often than other ads users.
    kept = db.execute("""
        select list_contains(?, u.user_id) as camp,
               avg((max_ts >= u.created_at + interval 7 day)::int)
        from users u join (select user_id, max(ts) max_ts from events group by 1) using (user_id)
        where u.source = 'ads' and u.created_at >= ? and u.created_at < ?::timestamp
        group by 1""", [c.user_ids, _naive(truth.data.start), _naive(truth.churn_window_start)]
    ).fetchall()
    rate = dict(kept)
    assert rate[True] < 0.5 * rate[False]


def _ctr_by_group(db: duckdb.DuckDBPyConnection, truth: GroundTruth,
                  lo: dt.datetime, hi: dt.datetime) -> dict[int, float]:
    x = truth.experiment
    ids = [u for (u,) in db.execute("select user_id from users").fetchall()]
    groups = pa.table({"user_id": ids,
                       "grp": [assign_group(u, x.salt, x.weights) + 1 for u in ids]})
    db.register("groups", groups)
    # Mean per-user CTR (likes / views), the unit the split randomises.
    return dict(db.execute("""
        select grp, avg(likes / views) from (
            select user_id, grp, count(*) filter (where event = 'like') likes,
                   count(*) filter (where event = 'view') views
            from events join groups using (user_id)
            where ts >= ? and ts < ? and user_id not in (select user_id from bots)
            group by all having views > 0) group by 1""", [lo, hi]).fetchall())


def test_treatment_raises_ctr_by_the_true_effect_only_during_the_test(
    db: duckdb.DuckDBPyConnection, demo: Demo
) -> None:
    _, truth = demo
    x = truth.experiment
    assert (x.control, x.treatment, sorted(x.aa_groups), x.metric) == (1, 4, [2, 3], "ctr")
    ctr = _ctr_by_group(db, truth, _naive(x.start), _naive(x.end))
    assert set(ctr) == set(x.groups)
    assert ctr[x.treatment] - ctr[x.control] == pytest.approx(x.true_effect, abs=0.012)
    a, b = x.aa_groups
    assert abs(ctr[a] - ctr[b]) < 0.012
    before = _ctr_by_group(db, truth, _naive(truth.data.start), _naive(x.start))
    assert abs(before[x.treatment] - before[x.control]) < 0.012


def test_churned_users_are_exactly_those_silent_at_the_end(db: duckdb.DuckDBPyConnection,
                                                           demo: Demo) -> None:
    _, truth = demo
    cutoff = _naive(truth.churn_window_start)
    assert _naive(truth.data.end) - cutoff == dt.timedelta(days=14)
    silent = {u for (u,) in db.execute(
        "select user_id from events group by 1 having max(ts) < ?", [cutoff]).fetchall()}
    assert set(truth.churned_user_ids) == silent
    assert 0.1 * truth.data.users < len(silent) < 0.6 * truth.data.users
    assert not silent & set(truth.bots.user_ids)
    # Most of the campaign wave is gone by the end.
    assert len(set(truth.campaign.user_ids) & silent) > 0.8 * len(truth.campaign.user_ids)


def test_sessions_open_with_app_open_and_last_minutes(db: duckdb.DuckDBPyConnection,
                                                      demo: Demo) -> None:
    _, truth = demo
    # Outside the outage (which loses events, app_opens included) every session starts
    # with app_open and belongs to one user.
    first_kinds, owners, median_min, p90_min = db.execute("""
        select count(distinct first_kind), max(owners), median(mins), quantile_cont(mins, 0.9)
        from (select session_id, arg_min(event, ts) first_kind,
                     count(distinct user_id) owners, epoch(max(ts) - min(ts)) / 60 as mins
              from events where user_id not in (select user_id from bots) group by 1
              having max(ts) < ? or min(ts) > ?::timestamp + interval 1 hour)
    """, [_naive(truth.outage.start), _naive(truth.outage.end)]).fetchone()
    assert (first_kinds, owners) == (1, 1)
    assert 0.5 < median_min < 10 and 2 * median_min < p90_min < 60


def test_outage_hits_the_version_most_android_users_are_on_not_the_buggy_one(
        db: duckdb.DuckDBPyConnection, demo: Demo) -> None:
    # An outage worth paging for hits people in numbers (issue 15): the slice is the one
    # with the most Android users that day, never the buggy release's.
    _, truth = demo
    o = truth.outage
    users = dict(db.execute("""
        select app_version, count(distinct user_id) from events
        where os = ? and ts::date = ?::date and app_version != ? group by 1""",
        [o.os, _naive(o.start), truth.buggy_app_version]).fetchall())
    assert o.app_version != truth.buggy_app_version
    assert max(users, key=users.get) == o.app_version
    assert users[o.app_version] > 1.3 * sorted(users.values())[-2]

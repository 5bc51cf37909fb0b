"""Content rules, memberships rejects, the change-point search and the robust z score."""

from __future__ import annotations

from datetime import datetime

import duckdb
import numpy as np
import pandas as pd
import pytest

from applens.access import AccessData, ContentRules, content_sql
from applens.access._changepoint import best_split, change_points
from applens.access.people import robust_z
from applens.errors import ConfigError


def _content(path: str | None, **rules) -> str | None:
    sql = content_sql("p", ContentRules(**rules))
    con = duckdb.connect()
    return con.execute(f"SELECT {sql} FROM (SELECT ?::VARCHAR AS p)", [path]).fetchone()[0]


@pytest.mark.parametrize(("path", "item"), [
    ("/java-ii/arrays/?utm=x#top", "java-ii/arrays"),
    ("/lessons/42/intro.html", "lessons/intro"),
    ("/", "/"),
    ("//a//b/", "a/b"),
    ("/img/logo.png", None),
    ("/style.css?v=3", None),
    (None, None),
])
def test_paths_become_content_items(path, item):
    assert _content(path) == item


def test_rules_rename_first_match_and_assets_can_be_kept():
    rules = {"rules": {"^java-i+/.*": "java", "^(classification)/.*": r"ds-\1"}}
    assert _content("/java-ii/arrays", **rules) == "java"
    assert _content("/classification/knn?x=1", **rules) == "ds-classification"
    assert _content("/img/logo.png", include_assets=True) == "img/logo"
    assert _content("/users/12", strip_numeric_ids=False) == "users/12"


def test_bad_content_settings_are_one_line_config_errors():
    with pytest.raises(ConfigError, match=r"\[content\]"):
        AccessData(duckdb.connect(), content={"strip_querys": True})


def _warehouse(members: list[tuple]) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("CREATE TABLE events (ts TIMESTAMP, user_id VARCHAR, event VARCHAR, "
                "path VARCHAR, ip VARCHAR, cohort VARCHAR)")
    con.execute("INSERT INTO events VALUES ('2020-01-02 10:00:00', 'a', 'pageview', '/x', "
                "'1.1.1.1', '1'), ('2020-01-03 10:00:00', 'b', 'pageview', '/y', '1.1.1.2', "
                "'77')")
    con.execute("CREATE TABLE memberships (cohort VARCHAR, user_id VARCHAR, program VARCHAR, "
                "name VARCHAR, start_date TIMESTAMP, end_date TIMESTAMP, _ingest_id INTEGER)")
    con.executemany("INSERT INTO memberships VALUES (?, ?, ?, ?, ?, ?, 1)", members)
    return con


def test_bad_memberships_are_counted_not_dropped_silently():
    con = _warehouse([
        ("1", None, "web", "Ada", datetime(2020, 1, 1), datetime(2020, 3, 1)),
        ("2", None, "ds", "Bayes", datetime(2020, 2, 1), datetime(2020, 1, 1)),  # end < start
        ("3", None, "ds", "Ceres", datetime(2020, 1, 1), datetime(2020, 6, 1)),
        ("4", None, "web", "Staff", datetime(2014, 1, 1), datetime(2014, 1, 1)),
        ("1", "c", None, None, None, None),
        ("3", "c", None, None, None, None),  # c's stays overlap
    ])
    data = AccessData(con)
    assert data.rejects == {"stays_end_before_start": 0, "cohorts_end_before_start": 1,
                            "people_with_overlapping_stays": 1, "unknown_cohort_ids": 1,
                            "stays_in_unknown_cohorts": 1}
    notes = " ".join(data.notes)
    assert "end before they start" in notes and "overlapping" in notes and "(77)" in notes
    staff = con.execute("SELECT count(*) FROM _acc_cohorts WHERE excluded").fetchone()[0]
    assert staff == 1  # 'Staff' by the default name rule
    # b's line names cohort 77, which the table does not know: no cohort, no program.
    row = con.execute("SELECT cohort, program FROM _acc_events WHERE user_id = 'b'").fetchone()
    assert row == (None, None)


def test_best_split_matches_brute_force():
    rng = np.random.default_rng(3)
    x = np.r_[rng.normal(0, 1, 40), rng.normal(2, 1, 25)]
    k, gain = best_split(x, 5)

    def cost(a: np.ndarray) -> float:
        return float(((a - a.mean()) ** 2).sum())

    brute = {j: cost(x[:j]) + cost(x[j:]) for j in range(5, len(x) - 4)}
    assert k == min(brute, key=brute.get)
    assert gain == pytest.approx(cost(x) - brute[k])


def test_change_points_find_a_planted_cut_and_nothing_in_noise():
    rng = np.random.default_rng(7)
    step = np.r_[rng.normal(0.15, 0.03, 200), rng.normal(0.0, 0.03, 150)]
    assert change_points(step) == [pytest.approx(200, abs=2)]
    found = [len(change_points(rng.normal(0, 1, 300))) for _ in range(50)]
    assert sum(found) <= 3  # false splits in pure noise are rare


def test_robust_z_by_hand():
    x = pd.Series([10.0, 12, 11, 13, 9, 1])
    med = 10.5
    mad = np.median(np.abs(x - med))  # |[-.5, 1.5, .5, 2.5, -1.5, -9.5]| -> 1.5
    assert mad == 1.5
    assert robust_z(x).iloc[-1] == pytest.approx((1 - med) / (1.4826 * mad))
    assert robust_z(x.head(4)).isna().all()  # fewer than 5 members: no score


def test_a_person_who_moves_cohorts_ends_with_the_last_stay():
    from applens.access import after_end

    con = duckdb.connect()
    con.execute("CREATE TABLE events (ts TIMESTAMP, user_id VARCHAR, event VARCHAR, "
                "path VARCHAR, ip VARCHAR)")  # no cohort on the log: stays decide
    con.executemany("INSERT INTO events VALUES (?, ?, 'pageview', '/lesson', '1.1.1.1')", [
        (datetime(2020, 2, 1), "m"),   # in cohort 1
        (datetime(2020, 5, 1), "m"),   # after 1 ended, inside cohort 2: not after the end
        (datetime(2020, 9, 1), "m"),   # after both: after the end
        (datetime(2020, 9, 2), "s"),   # s only had cohort 1
    ])
    con.execute("CREATE TABLE memberships (cohort VARCHAR, user_id VARCHAR, program VARCHAR, "
                "name VARCHAR, start_date TIMESTAMP, end_date TIMESTAMP, _ingest_id INTEGER)")
    con.executemany("INSERT INTO memberships VALUES (?, ?, ?, ?, ?, ?, 1)", [
        ("1", None, "web", "Ada", datetime(2020, 1, 1), datetime(2020, 3, 1)),
        ("2", None, "ds", "Bayes", datetime(2020, 4, 1), datetime(2020, 6, 30)),
        ("1", "m", None, None, None, None), ("2", "m", None, None, None, None),
        ("1", "s", None, None, None, None),
    ])
    data = AccessData(con)
    cohorts = con.execute("SELECT cohort FROM _acc_events WHERE user_id = 'm' ORDER BY ts"
                          ).fetchall()
    assert [c[0] for c in cohorts] == ["1", "2", "2"]  # the latest stay started by then
    table = after_end(data).table.set_index("user_id")
    assert table.loc["m", "accesses"] == 1 and table.loc["m", "cohort"] == "2"
    assert table.loc["s", "days_after_end"] == (datetime(2020, 9, 2) - datetime(2020, 3, 1)).days
    assert data.rejects["people_with_overlapping_stays"] == 0


def test_a_bad_regex_in_the_rules_is_a_config_error_not_a_traceback():
    with pytest.raises(ConfigError, match=r"\[content\].*not a regular expression"):
        AccessData(duckdb.connect(), content={"rules": {"^(java": "java"}})
    with pytest.raises(ConfigError, match=r"\[access\].*not a regular expression"):
        AccessData(duckdb.connect(), access={"exclude_pattern": "[staff"})

"""``--preset access-log``: the seed's space-separated curriculum log into the events table."""

from datetime import datetime

from applens.ingest import ingest

LOG = (
    "2018-01-26 09:55:03 / 1 8 97.105.19.61\n"
    "2018-01-26 09:56:02 java-ii/object-oriented-programming 1 8 97.105.19.61\n"
    "2018-01-26 09:56:05 slides/object_oriented_programming 2 NaN 97.105.19.61\n"
    "2018-01-26 09:56:06 index.html 3  2001:db8::1\n"
    "2018-01-26 09:56:07 toc 4 \\N 10.0.0.4\n"
    "2018-01-26 09:57:00 only four fields\n"
    "2018-02-30 10:00:00 / 5 8 10.0.0.5\n"
    "2018-01-26 09:58:00 a b c not-an-ip\n"
)


def test_fields_missing_cohorts_and_rejects(workspace, tmp_path):
    path = tmp_path / "curriculum.txt"
    path.write_text(LOG, encoding="utf-8")
    summary = ingest(workspace, path, preset="access-log", max_rejects="100%")
    assert (summary.rows_read, summary.rows_loaded, summary.rows_rejected) == (8, 5, 3)
    got = workspace.connection.execute(
        "SELECT ts, user_id, event, path, CAST(cohort AS VARCHAR), ip FROM events ORDER BY ts"
    ).fetchall()
    assert got[0] == (datetime(2018, 1, 26, 9, 55, 3), "1", "pageview", "/", "8",
                      "97.105.19.61")
    # NaN, an empty field and \N all mean "no cohort" (staff), not a cohort called 'NaN'.
    assert [r[4] for r in got] == ["8", "8", None, None, None]
    assert got[3][5] == "2001:db8::1"
    reasons = workspace.connection.execute(
        "SELECT line, reason FROM rejects ORDER BY line").fetchall()
    assert [r[0] for r in reasons] == [6, 7, 8]
    assert "access-log format" in reasons[0][1] and "access-log format" in reasons[2][1]

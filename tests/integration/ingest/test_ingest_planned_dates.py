"""Dates that may lie ahead (a cohort's planned start and end, as in the Codeup cohort table
whose placeholder cohort ends 2029-03-01) load; an event or a signup in the future is still
an impossible value."""


from applens.ingest import ingest


def test_a_planned_end_date_in_the_future_loads(workspace, tmp_path):
    source = tmp_path / "cohorts.csv"
    source.write_text("id,name,start_date,end_date,created_at\n"
                      "1,Arches,2014-02-04,2014-04-22,2016-06-14 19:52:26\n"
                      "136,Placeholder,2099-01-01,2099-03-01,2016-06-14 19:52:26\n"
                      "137,Typo,2020-01-01,2020-03-01,2099-06-14 19:52:26\n", encoding="utf-8")
    summary = ingest(workspace, source, table="users", mapping={"user_id": "id"},
                               max_rejects="100%")
    assert (summary.rows_read, summary.rows_loaded, summary.rows_rejected) == (3, 2, 1)
    rows = workspace.connection.execute(
        "SELECT user_id, CAST(end_date AS DATE) FROM users ORDER BY user_id").fetchall()
    assert [(u, str(d)) for u, d in rows] == [("1", "2014-04-22"), ("136", "2099-03-01")]
    (column, reason), = workspace.connection.execute(
        'SELECT "column", reason FROM rejects').fetchall()
    assert column == "created_at" and "in the future" in reason

"""The daily digest says which slice moved DAU against the same weekday last week."""

import datetime as dt

from applens.ingest import ingest
from applens.report.digest import build_digest

DAY = dt.date(2026, 10, 28)


def _ingest(workspace, tmp_path, rows):
    csv = tmp_path / "events.csv"
    csv.write_text("ts,user_id,event,os\n" + "".join(rows))
    ingest(workspace, csv)
    return workspace


def test_the_digest_names_the_slice_that_moved_dau(workspace, tmp_path):
    # Last week 40 Android and 40 iOS users; on the day 8 Android and 40 iOS: DAU -40 %, all of
    # it Android's.
    rows = [f"2026-10-21 09:00:00,a{i},open,Android\n" for i in range(40)]
    rows += [f"2026-10-21 10:00:00,i{i},open,iOS\n" for i in range(40)]
    rows += [f"2026-10-28 09:00:00,a{i},open,Android\n" for i in range(8)]
    rows += [f"2026-10-28 10:00:00,i{i},open,iOS\n" for i in range(40)]
    digest = build_digest(_ingest(workspace, tmp_path, rows), DAY)
    assert digest.explanation == "DAU -40.0%: os=Android explains 100.0% of the drop."
    assert digest.explanation in digest.markdown.read_text()
    assert digest.to_dict()["explanation"] == digest.explanation


def test_a_digest_without_dimensions_says_why_it_explains_nothing(workspace, tmp_path):
    rows = ["2026-10-21 09:00:00,u1,open,\n", "2026-10-28 09:00:00,u1,open,\n",
            "2026-10-28 09:00:00,u2,open,\n"]
    digest = build_digest(_ingest(workspace, tmp_path, rows), DAY)
    assert digest.explanation.startswith("DAU not explained by slice: ")
    assert "single value" in digest.explanation or "none of" in digest.explanation
    assert digest.explanation in digest.markdown.read_text()


def test_a_change_within_chance_blames_no_slice(workspace, tmp_path):
    # 10 + 10 users last week, 8 + 10 on the day: -10 %, well inside chance for 20 people.
    rows = [f"2026-10-21 09:00:00,a{i},open,Android\n" for i in range(10)]
    rows += [f"2026-10-21 10:00:00,i{i},open,iOS\n" for i in range(10)]
    rows += [f"2026-10-28 09:00:00,a{i},open,Android\n" for i in range(8)]
    rows += [f"2026-10-28 10:00:00,i{i},open,iOS\n" for i in range(10)]
    digest = build_digest(_ingest(workspace, tmp_path, rows), DAY)
    assert digest.explanation == "DAU -10.0%: within chance, no slice is blamed."

"""The empty-range note: the data's first or last event inside the range answers it, a range
between them asks the warehouse (on DuckDB in plain SQL), and ``where`` narrows the events."""

from __future__ import annotations

import pytest

from applens.insights import run

ROWS = [("a", "2024-01-02 10:00", "view"), ("b", "2024-02-03 12:00", "buy"),
        ("a", "2024-03-01 08:00", "view")]


def _note(con, **spec) -> str | None:
    notes = run({"kind": "active_users", "math": ["dau"], **spec}, con).notes
    return notes[0] if notes else None


@pytest.mark.parametrize(("date_from", "date_to", "empty"), [
    ("2024-01-01", "2024-01-05", False),  # the first event is inside
    ("2024-02-25", "2024-03-05", False),  # the last event is inside
    ("2024-02-01", "2024-02-05", False),  # neither, but the middle event is
    ("2024-01-10", "2024-01-20", True),   # between the first and the last: a gap
    ("2024-04-01", "2024-04-03", True),   # after the data
])
def test_note_says_when_no_event_falls_in_the_range(make_con, date_from, date_to, empty):
    note = _note(make_con(ROWS), date_from=date_from, date_to=date_to)
    assert (note is not None) == empty
    if empty:
        assert note.startswith(f"No events between {date_from}")
        assert "the data covers 2024-01-02 to 2024-03-01" in note


def test_where_decides_which_events_count(make_con):
    con = make_con(ROWS)
    spec = {"date_from": "2024-02-01", "date_to": "2024-02-05"}
    assert _note(con, **spec) is None
    assert _note(con, where="event = 'view'", **spec).startswith("No events between")

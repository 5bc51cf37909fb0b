"""An alert on a monitor's total says which slice moved it (``explain`` on the warehouse)."""

import datetime as dt

import pytest

from applens.ingest import ingest
from applens.monitor.config import MonitorConfig
from applens.monitor.judge import Notice, SliceVerdict
from applens.monitor.message import explain_notices, render_text

SLOT = dt.datetime(2026, 10, 28, 12, 0)
STEP = {"views": dt.timedelta(minutes=15)}


@pytest.fixture
def ws(workspace, tmp_path):
    """The 12:00 slot: 40 Android and 40 iOS views on each of the 7 days before, then 8 and 40."""
    rows = []
    for back in range(8):
        day = (SLOT - dt.timedelta(days=back)).date()
        android = 8 if back == 0 else 40
        rows += [f"{day} 12:{i % 15:02d}:00,a{i},view,Android\n" for i in range(android)]
        rows += [f"{day} 12:{i % 15:02d}:30,i{i},view,iOS\n" for i in range(40)]
        rows += [f"{day} 12:20:00,x{i},view,Web\n" for i in range(30)]  # after the slot
    csv = tmp_path / "events.csv"
    csv.write_text("ts,user_id,event,os\n" + "".join(rows))
    ingest(workspace, csv)
    return workspace


def _notice(monitor="views", series="all", kind="opened"):
    verdict = SliceVerdict(SLOT, 48, 80, 60, 100, 3.0, True)
    return Notice(kind, monitor, series, verdict)


def test_an_alert_on_the_total_names_the_slice(ws):
    cfg = MonitorConfig(name="views", event="view", slice="15m")
    notices = [_notice()]
    why = explain_notices(ws, notices, {"views": cfg})
    sentence = "view count -40.0%: os=Android explains 100.0% of the drop."
    assert why == {("views", SLOT): sentence}
    _, body = render_text(notices, {"views": cfg.label}, STEP, why)
    assert body.endswith(sentence)
    assert "Web" not in body  # the 12:20 views are outside the slot


def test_no_sentence_where_no_slice_can_be_named(ws):
    formula = MonitorConfig(name="views", series=[{"event": "view"}, {"event": "view"}],
                            formula="A / B", slice="15m")
    sliced = MonitorConfig(name="views", event="view", slice="15m", dimensions=["os"])
    assert explain_notices(ws, [_notice()], {"views": formula}) == {}
    assert explain_notices(ws, [_notice(series="os=Android")], {"views": sliced}) == {}
    assert explain_notices(ws, [_notice(kind="resolved")], {"views": sliced}) == {}
    _, body = render_text([_notice()], {"views": "view count"}, STEP)
    assert "explains" not in body

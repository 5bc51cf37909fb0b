"""run_once end to end: real warehouse, real Apprise json:// posts to a local HTTP server."""

from __future__ import annotations

from datetime import timedelta

import pytest

from applens.errors import ConfigError
from applens.formatting import number
from applens.monitor import alert_history
from applens.monitor.state import set_snooze
from tests.integration.monitor.conftest import INCIDENT, SLICE, monitors_toml, thin

EVENTS = """
[monitors.events]
dimensions = ["os"]
catch_up = "15m"
min_volume = 50
cooldown = "{cooldown}"
resolve_after = 2
{extra}
"""


def after(slices: int):
    """The instant a few minutes after the end of slice INCIDENT + slices."""
    return INCIDENT + (slices + 1) * SLICE + timedelta(minutes=2)


def _setup(bench, http_receiver, frame, cooldown="4h", extra=""):
    b = bench()
    b.configure(monitors_toml(http_receiver.url,
                              EVENTS.format(cooldown=cooldown, extra=extra)))
    b.load(frame)
    return b


def test_outage_opens_one_alert_with_text_and_chart(bench, http_receiver, base_traffic):
    frame = thin(base_traffic, INCIDENT, 4, keep=0.1, os="iOS")
    b = _setup(bench, http_receiver, frame)
    quiet = b.run(after(-1))  # the slice before the outage
    assert quiet.slices_judged == 2 and not quiet.notices
    assert http_receiver.messages == []

    run = b.run(after(0))
    assert [n.kind for n in run.notices] == ["opened"]
    assert run.messages_sent == 1
    (message,) = http_receiver.messages
    assert message.title == "applens: 1 anomaly"
    body = message.body
    assert "NEW drop **events** (events count) · os=iOS" in body
    assert f"slice {INCIDENT:%Y-%m-%d %H:%M}–{INCIDENT + SLICE:%H:%M} UTC" in body
    notice = run.notices[0].verdict
    assert notice.value < 0.2 * notice.expected
    assert f"value {number(notice.value)}" in body and "range " in body and "%" in body
    assert -95 < notice.deviation_pct < -80  # 90 % of events were removed
    ((name, png),) = message.attachments
    assert name.endswith(".png") and png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 5000

    history = alert_history(b.ws)
    assert list(history.columns[:11]) == ["monitor", "series", "slice_start", "status", "value",
                                          "expected", "lower", "upper", "deviation_pct",
                                          "opened_at", "resolved_at"]
    assert history[["monitor", "series", "status"]].values.tolist() == [
        ["events", "os=iOS", "open"]]
    assert history.loc[0, "slice_start"] == INCIDENT


def test_sustained_outage_stays_one_alert_until_cooldown_then_resolves(
        bench, http_receiver, base_traffic):
    frame = thin(base_traffic, INCIDENT, 4, keep=0.1, os="iOS")
    b = _setup(bench, http_receiver, frame, cooldown="45m")
    kinds = [[n.kind for n in b.run(after(k)).notices] for k in range(0, 7)]
    # open, quiet, quiet, STILL after 45 min, then back to normal for 2 slices → resolved
    assert kinds == [["opened"], [], [], ["repeat"], [], ["resolved"], []]
    assert len(http_receiver.messages) == 3
    assert "STILL drop" in http_receiver.messages[1].body
    resolved = http_receiver.messages[2]
    assert resolved.title == "applens: 1 resolved" and "RESOLVED **events**" in resolved.body
    assert f"back to normal since {INCIDENT + 4 * SLICE:%Y-%m-%d %H:%M} UTC" in resolved.body
    assert resolved.attachments == []  # nothing anomalous left to draw
    row = alert_history(b.ws).iloc[0]
    assert row["status"] == "resolved" and row["resolved_at"] == INCIDENT + 4 * SLICE


def test_worse_incident_repeats_before_the_cooldown(bench, http_receiver, base_traffic):
    frame = thin(base_traffic, INCIDENT, 1, keep=0.45, os="iOS")
    frame = thin(frame, INCIDENT + SLICE, 2, keep=0.03, os="iOS", seed=2)
    b = _setup(bench, http_receiver, frame)
    first = b.run(after(0))
    second = b.run(after(1))
    assert [n.kind for n in first.notices] == ["opened"]
    assert [n.kind for n in second.notices] == ["worse"]
    assert abs(second.notices[0].verdict.deviation_pct) >= 1.5 * abs(
        first.notices[0].verdict.deviation_pct)
    assert "WORSE drop" in http_receiver.messages[1].body
    assert len(alert_history(b.ws)) == 1  # still one incident


def test_alerts_of_one_run_are_grouped_into_one_message(bench, http_receiver, base_traffic):
    frame = thin(base_traffic, INCIDENT, 3, keep=0.05)  # both os drop together
    extra = '\n[monitors.likes]\nevent = "like"\ncatch_up = "15m"\nmin_volume = 10\n'
    b = _setup(bench, http_receiver, frame, extra=extra)
    run = b.run(after(0))
    assert sorted((n.monitor, n.series) for n in run.notices) == [
        ("events", "os=Android"), ("events", "os=iOS"), ("likes", "all")]
    (message,) = http_receiver.messages
    assert message.title == "applens: 3 anomalies"
    assert message.body.count("NEW drop") == 3
    assert len(message.attachments) == 1  # one picture with the three charts


def test_replaying_a_run_sends_nothing_new(bench, http_receiver, base_traffic):
    frame = thin(base_traffic, INCIDENT, 4, keep=0.1, os="iOS")
    b = _setup(bench, http_receiver, frame)
    b.run(after(0))
    requests = http_receiver.requests
    again = b.run(after(0))
    earlier = b.run(after(-3))
    assert again.slices_judged == 0 and earlier.slices_judged == 0
    assert not again.notices and not earlier.notices
    assert http_receiver.requests == requests
    assert len(alert_history(b.ws)) == 1


def test_snoozed_monitor_keeps_state_but_sends_nothing(bench, http_receiver, base_traffic):
    frame = thin(base_traffic, INCIDENT, 4, keep=0.1, os="iOS")
    b = _setup(bench, http_receiver, frame)
    set_snooze(b.ws, "events", after(2))
    run = b.run(after(0))
    assert [n.kind for n in run.notices] == ["opened"] and run.muted == 1
    assert http_receiver.requests == 0
    assert alert_history(b.ws)["status"].tolist() == ["open"]
    set_snooze(b.ws, "events", None)
    assert [n.kind for n in b.run(after(1)).notices] == []  # the alert was already opened


def test_mute_window_silences_its_hours(bench, http_receiver, base_traffic):
    frame = thin(base_traffic, INCIDENT, 4, keep=0.1, os="iOS")
    b = _setup(bench, http_receiver, frame, extra='mute = ["12:30-14:00"]')
    run = b.run(after(0))
    assert run.muted == 1 and http_receiver.requests == 0


def test_failed_delivery_keeps_the_alert_and_sends_it_next_run(
        bench, http_receiver, base_traffic):
    frame = thin(base_traffic, INCIDENT, 4, keep=0.1, os="iOS")
    b = _setup(bench, http_receiver, frame)
    http_receiver.fail_next(2)  # retries = 1: both attempts fail
    run = b.run(after(0))
    assert run.messages_sent == 0 and run.messages_pending == 1
    assert http_receiver.requests == 2
    assert list(run.failures) == ["json://127.0.0.1:" + http_receiver.url.split(":")[2]
                                  .rstrip("/") + "/…"]
    assert alert_history(b.ws)["status"].tolist() == ["open"]  # state was not lost

    later = b.run(after(1))
    assert later.messages_sent == 1 and later.messages_pending == 0
    (message,) = http_receiver.messages
    assert "NEW drop" in message.body and message.attachments  # the original message
    assert b.run(after(1)).messages_sent == 0


def test_incomplete_latest_slice_is_not_judged(bench, http_receiver, base_traffic):
    frame = thin(base_traffic, INCIDENT, 4, keep=0.1, os="iOS")
    b = _setup(bench, http_receiver, frame)
    b.load(frame, until=INCIDENT + timedelta(minutes=7))  # ingestion is behind
    run = b.run(INCIDENT + timedelta(minutes=20))
    assert run.judged_until["events"] == INCIDENT.isoformat()
    assert not run.notices and http_receiver.requests == 0
    b.load(frame)  # the rest of the data arrives
    assert [n.kind for n in b.run(INCIDENT + timedelta(minutes=20)).notices] == ["opened"]


def test_ratio_monitor_uses_the_denominator_as_volume(bench, http_receiver, base_traffic):
    views = base_traffic.event == "view"
    inside = (base_traffic.ts >= INCIDENT) & (base_traffic.ts < INCIDENT + SLICE)
    # Half the likes vanish in one slice: CTR falls, the event volume barely changes.
    frame = base_traffic[~(inside & ~views & (base_traffic.index % 2 == 0))]
    b = bench()
    b.configure(monitors_toml(http_receiver.url, """
[monitors.ctr]
series = [{event = "view"}, {event = "like"}]
formula = "B / A"
catch_up = "15m"
min_volume = 100
"""))
    b.load(frame)
    run = b.run(after(0))
    assert [(n.kind, n.verdict.direction) for n in run.notices] == [("opened", "drop")]
    assert "B / A of view, like" in http_receiver.messages[0].body
    b.configure(monitors_toml(http_receiver.url, """
[monitors.ctr]
series = [{event = "view"}, {event = "like"}]
formula = "B / A"
catch_up = "15m"
min_volume = 100000
"""))
    b.load(frame)
    assert not b.run(after(1)).notices  # too few views to page anyone


@pytest.mark.parametrize(("table", "message"), [
    ('dimensons = ["os"]', "'monitors.m.dimensons' is not a monitor setting. Did you mean "
                           "'dimensions'?"),
    ('slice = "7m"', "'monitors.m' slice '7m' must divide a day evenly"),
    ('cooldown = "soon"', "'monitors.m.cooldown' 'soon' is not a duration; write it like '15m'"),
    ('mute = ["25:00-03:00"]', "'monitors.m.mute' '25:00-03:00' has an impossible time"),
    ('math = "mau"', "'monitors.m.math' 'mau' is not a slice math"),
    ('series = [{event = "view"}, {event = "like"}]', "several series need a formula"),
    ('series = [{event = "view"}]\nformula = "A / C"', "unknown series 'C'"),
    ('dimensions = ["oss"]', "'monitors.m.dimensions.0' names 'oss', which is not an events "
                             "column. Did you mean 'os'?"),
    ('detector = "defualt"', "'monitors.m.detector': No detector named 'defualt'. Did you mean "
                             "'default'?"),
    ('params = {threshold = -1}', "'monitors.m.params': The 'threshold' parameter"),
])
def test_config_errors_name_the_key(bench, http_receiver, base_traffic, table, message):
    b = bench()
    b.configure(monitors_toml(http_receiver.url, f"[monitors.m]\n{table}\n"))
    b.load(base_traffic.head(1000))
    with pytest.raises(ConfigError) as err:
        b.run(after(0))
    assert message in str(err.value)
    assert "applens.toml" in str(err.value)
    assert not b.ws.has_table("alerts") or alert_history(b.ws).empty


def test_direction_drop_ignores_a_spike_that_both_would_report(bench, http_receiver,
                                                                base_traffic):
    import pandas as pd

    inside = ((base_traffic.ts >= INCIDENT) & (base_traffic.ts < INCIDENT + SLICE)
              & (base_traffic.os == "iOS"))
    frame = pd.concat([base_traffic] + [base_traffic[inside]] * 3, ignore_index=True)
    both = _setup(bench, http_receiver, frame)
    assert [(n.kind, n.verdict.direction) for n in both.run(after(0)).notices] == [
        ("opened", "spike")]
    drops = _setup(bench, http_receiver, frame, extra='direction = "drop"')
    assert drops.run(after(0)).notices == []

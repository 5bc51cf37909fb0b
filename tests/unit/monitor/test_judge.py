"""The alert lifecycle by hand: open, quiet, worse, repeat after cooldown, resolve."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from applens.monitor.config import parse_duration, parse_mute
from applens.monitor.judge import SliceVerdict, step_alert

T0 = datetime(2026, 11, 9, 13, 0)
STEP = timedelta(minutes=15)


def verdict(k: int, value: float, hot: bool, expected: float = 100.0) -> SliceVerdict:
    return SliceVerdict(T0 + k * STEP, value, expected, 80.0, 120.0, 0.9 if hot else 0.1, hot)


def play(slices, cooldown=timedelta(hours=1), resolve_after=2, confirm=1):
    alert, kinds, last = None, [], None
    for k, (value, hot) in enumerate(slices):
        alert, notice = step_alert(alert, verdict(k, value, hot), monitor="m", series="all",
                                   step=STEP, cooldown=cooldown, worse_factor=1.5,
                                   resolve_after=resolve_after, previous=last,
                                   confirm=confirm)
        kinds.append(notice.kind if notice else "")
        if alert is not None and alert["status"] in ("resolved", "discarded"):
            last = alert if alert["status"] == "resolved" else last
            alert = None
    return kinds, last


def test_deviation_pct_is_relative_to_expected():
    assert verdict(0, 40, True).deviation_pct == pytest.approx(-60.0)
    assert verdict(0, 150, True).direction == "spike"


def test_one_incident_one_alert_then_resolved():
    kinds, last = play([(100, False), (40, True), (45, False), (42, True), (98, False),
                        (101, False), (99, False)])
    assert kinds == ["", "opened", "", "", "", "resolved", ""]
    assert last["resolved_at"] == T0 + 4 * STEP  # the first normal slice
    assert last["worst_deviation_pct"] == pytest.approx(-60.0)


def test_worse_repeats_at_once_and_cooldown_repeats_later():
    kinds, _ = play([(60, True), (62, True), (30, True), (35, True), (33, True), (31, True),
                     (34, True), (32, True)])
    # -40 % opens; -70 % is 1.75x worse; then STILL once an hour after the last notice
    assert kinds == ["opened", "", "worse", "", "", "", "repeat", ""]


def test_one_normal_slice_does_not_resolve_and_a_spike_is_not_the_same_incident():
    kinds, _ = play([(40, True), (100, False), (45, True), (160, True), (100, False)])
    # the spike counts as "normal" for the drop alert: streak 2 → resolved
    assert kinds == ["opened", "", "", "", "resolved"]


@pytest.mark.parametrize(("text", "minutes"), [("15m", 15), ("2h", 120), ("1d", 1440),
                                                ("1w", 10080), ("90 s", 1.5)])
def test_durations(text, minutes):
    assert parse_duration(text) == timedelta(minutes=minutes)


def test_bad_duration_and_mute():
    with pytest.raises(ValueError, match="like '15m'"):
        parse_duration("15 minutes please")
    assert parse_mute("22:00-07:00")[0].hour == 22
    with pytest.raises(ValueError, match="impossible"):
        parse_mute("22:61-07:00")


def test_confirm_waits_for_a_second_slice_and_drops_blips():
    kinds, _ = play([(0, True), (100, False), (30, True), (35, False), (98, False),
                     (99, False)], confirm=2)
    # the 0 is a one-slice blip; 30 then 35 (still -65 %) confirms on the second slice
    assert kinds == ["", "", "", "opened", "", "resolved"]


def test_recovery_blip_in_the_same_direction_does_not_reopen_within_cooldown():
    kinds, _ = play([(40, True), (100, False), (100, False), (92, True), (97, False),
                     (100, False), (20, True)])
    # -8 % right after a -60 % incident is its tail; -80 % is worse, so it opens
    assert kinds == ["opened", "", "resolved", "", "", "", "opened"]

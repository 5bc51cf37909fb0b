"""An outage in one slice is one alert, with the total's alert told under it (issue 15):
no storm of parent + child + sibling alerts, and each line says why and links the chart."""

from __future__ import annotations

from tests.integration.monitor.conftest import INCIDENT, SLICE, monitors_toml, thin

TOML = """
[monitors.views]
event = "view"
catch_up = "15m"
dashboard_url = "https://lens.example.com"

[monitors.views_by_os]
event = "view"
dimensions = ["os"]
catch_up = "15m"
min_volume = 50
dashboard_url = "https://lens.example.com"
"""


def test_slice_outage_is_one_incident_with_the_total_under_it(bench, http_receiver,
                                                                base_traffic):
    b = bench()
    b.configure(monitors_toml(http_receiver.url, TOML))
    # iOS loses 95 % of its events; the total loses ~38 % (iOS is 40 % of the traffic).
    b.load(thin(base_traffic, INCIDENT, 4, keep=0.05, os="iOS"))
    run = b.run(INCIDENT + SLICE * 1.2)
    opened = sorted((n.monitor, n.series) for n in run.opened)
    assert opened == [("views", "all"), ("views_by_os", "os=iOS")]  # the sibling is quiet
    assert len(http_receiver.messages) == 1
    message = http_receiver.messages[0]
    assert message.title == "applens: 1 anomaly"
    lines = message.body.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("- NEW drop **views_by_os**") and "os=iOS" in lines[0]
    assert lines[1].startswith("  - with it, the total: NEW drop **views**")
    # Why: expected range, observed, how unusual, and the chart on the dashboard.
    assert "(range " in lines[0] and "as far off as its usual worst" in lines[0]
    assert ("Chart: https://lens.example.com/page/anomalies?date_from=2026-11-07"
            "&date_to=2026-11-09&slice_key=os&slice_value=iOS") in lines[0]

"""``applens metrics``: DAU/WAU/MAU, stickiness ratio, CTR or events per user, as one spec."""

from __future__ import annotations

from enum import Enum
from typing import Annotated, Any

import typer

from applens.cli._registry import COMMANDS
from applens.cli._shortcut import (
    Built,
    FromOption,
    Interval,
    IntervalOption,
    SliceOption,
    TimezoneOption,
    ToOption,
    common,
    shortcut,
)


class Metric(str, Enum):
    active = "active"
    stickiness = "stickiness"
    ctr = "ctr"
    events_per_user = "events-per-user"


# What "active users" means at each grain: a count per period equals the window of that
# length, so a week shows WAU (and a rolling 30-day MAU) and a month shows MAU once.
ACTIVE_MATH = {"hour": ["dau", "wau", "mau"], "day": ["dau", "wau", "mau"],
               "week": ["wau", "mau"], "month": ["mau"]}


@COMMANDS.register("metrics")
def register(app: typer.Typer) -> None:
    app.command("metrics")(metrics)


def metrics_spec(metric: Metric, *, event: str | None, view_event: str, click_event: str,
                 **fields: Any) -> dict[str, Any]:
    """The insight spec behind each metric."""
    if metric is Metric.active:  # per week DAU = WAU, per month all three are MAU
        return {"kind": "active_users", "math": ACTIVE_MATH[fields.get("interval", "day")],
                "event": event, **fields}
    if metric is Metric.events_per_user:
        return {"kind": "active_users", "math": ["total", "dau", "per_user_avg"],
                "event": event, **fields}
    if metric is Metric.stickiness:  # DAU / MAU
        series = [{"event": event, "math": "dau"}, {"event": event, "math": "mau"}]
    else:  # click-through rate: clicks / views
        series = [{"event": click_event}, {"event": view_event}]
    return {"kind": "trends", "series": series, "formula": "A / B", **fields}


@shortcut()
def metrics(
    metric: Annotated[Metric, typer.Option(
        "--metric", "-m", help="active (DAU/WAU/MAU per day; WAU and rolling MAU per week; "
        "MAU per month), stickiness (DAU/MAU), ctr (clicks/views) or events-per-user.")
    ] = Metric.active,
    date_from: FromOption = "-30d",
    date_to: ToOption = None,
    interval: IntervalOption = Interval.day,
    by: SliceOption = None,
    event: Annotated[str | None, typer.Option(
        "--event", help="Count only this event (default: any event).")] = None,
    view_event: Annotated[str, typer.Option(help="The 'view' event of --metric ctr.")] = "view",
    click_event: Annotated[str, typer.Option(help="The 'click' event of --metric ctr.")] = "click",
    timezone: TimezoneOption = None,
) -> Built:
    """Key product metrics over a range, optionally sliced: DAU/WAU/MAU, stickiness, CTR.

    Example: applens metrics --metric ctr --by os --from -14d --events events.parquet
    """
    spec = metrics_spec(metric, event=event, view_event=view_event, click_event=click_event,
                        **common(date_from=date_from, date_to=date_to, interval=interval,
                                 timezone=timezone, by=by))
    if spec.get("event") is None:
        spec.pop("event", None)
    return spec

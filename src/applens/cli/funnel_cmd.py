"""``applens funnel STEP STEP …``: conversion through ordered steps within a window."""

from __future__ import annotations

import re
from enum import Enum
from typing import Annotated, Any

import typer

from applens.cli._registry import COMMANDS
from applens.cli._shortcut import (
    Built,
    FromOption,
    SliceOption,
    TimezoneOption,
    ToOption,
    common,
    shortcut,
)
from applens.errors import InvalidParameterError


class Order(str, Enum):
    ordered = "ordered"
    strict = "strict"
    unordered = "unordered"


_UNITS = {"s": "second", "min": "minute", "h": "hour", "d": "day", "w": "week", "mo": "month"}
_WINDOW = re.compile(r"^(\d+)\s*(s|min|h|d|w|mo)$")


@COMMANDS.register("funnel")
def register(app: typer.Typer) -> None:
    app.command("funnel")(funnel)


def parse_window(text: str) -> dict[str, Any]:
    """``90s``, ``30min``, ``6h``, ``1d``, ``2w``, ``1mo`` -> a spec conversion window."""
    match = _WINDOW.match(text.strip().lower())
    if not match or int(match.group(1)) <= 0:
        raise InvalidParameterError(
            f"--window {text!r}: use a positive number and a unit (s, min, h, d, w, mo), "
            "e.g. 1d or 30min.")
    return {"value": int(match.group(1)), "unit": _UNITS[match.group(2)]}


def parse_exclusion(text: str, steps: int) -> dict[str, Any]:
    """``EVENT`` (between the first and last step) or ``EVENT:FROM:TO`` (steps from 0)."""
    name, *bounds = text.split(":")
    if len(bounds) not in (0, 2) or not name:
        raise InvalidParameterError(f"--exclude {text!r}: use EVENT or EVENT:FROM:TO.")
    try:
        first, last = (int(bounds[0]), int(bounds[1])) if bounds else (0, steps - 1)
    except ValueError:
        raise InvalidParameterError(f"--exclude {text!r}: FROM and TO are step numbers.") from None
    return {"event": name, "from_step": first, "to_step": last}


@shortcut()
def funnel(
    steps: Annotated[list[str], typer.Argument(help="Step events, in order (at least two).")],
    window: Annotated[str, typer.Option(
        "--window", help="Conversion window from the first step, e.g. 1d, 6h, 30min.")] = "14d",
    order: Annotated[Order, typer.Option(
        "--order", help="ordered (others may happen between), strict or unordered.")
    ] = Order.ordered,
    exclude: Annotated[list[str] | None, typer.Option(
        "--exclude", help="Drop users who do EVENT between steps: EVENT or EVENT:FROM:TO "
        "(steps from 0); repeatable.")] = None,
    by: SliceOption = None,
    date_from: FromOption = "-30d",
    date_to: ToOption = None,
    timezone: TimezoneOption = None,
) -> Built:
    """How many users went through the steps, with conversion rates and times.

    Example: applens funnel view signup purchase --window 1d --exclude refund --events ev.csv
    """
    if len(steps) < 2:
        raise InvalidParameterError("A funnel needs at least two steps.")
    spec: dict[str, Any] = {
        "kind": "funnel", "steps": [{"event": s} for s in steps], "order": order.value,
        "conversion_window": parse_window(window),
        **common(date_from=date_from, date_to=date_to, timezone=timezone, by=by),
    }
    if exclude:
        spec["exclusions"] = [parse_exclusion(x, len(steps)) for x in exclude]
    return spec

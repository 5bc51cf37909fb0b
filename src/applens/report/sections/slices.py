"""Slices: DAU broken down by os, app_version, country and traffic source."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from applens.charts.breakdown import breakdown_chart
from applens.errors import InsufficientDataError
from applens.insights import query
from applens.report._model import Figure, NamedChart, Section
from applens.report._registry import register
from applens.report.sections._util import columns, count, fmt_pct, require_events

if TYPE_CHECKING:
    import pandas as pd

    from applens.report._model import Period
    from applens.workspace import Workspace

SLICES = ("os", "app_version", "country", "source")
MAX_VALUES = 50  # more distinct values than this is an id, not a slice
TOP = 6
MOVER = 0.2  # a slice whose DAU moved this much between the first and last week is named


def _breakdowns(ws: Workspace) -> list[dict[str, str]]:
    """Slices the data has with 2..MAX_VALUES values (event columns, else person columns)."""
    found = []
    event_cols, user_cols = columns(ws, "events"), columns(ws, "users")
    for name in SLICES:
        table, kind = ("events", "event") if name in event_cols else (
            ("users", "person") if name in user_cols else (None, None))
        if table is None:
            continue
        values = count(ws, f'SELECT count(DISTINCT "{name}") FROM {table}')
        if 2 <= values <= MAX_VALUES:
            found.append({"type": kind, "property": name})
    return found


def _mover(frame: pd.DataFrame) -> tuple[str, float] | None:
    """The slice value whose average DAU changed most between the first and last 7 days."""
    best: tuple[str, float] | None = None
    for value, part in frame.groupby("breakdown"):
        head, tail = part["dau"].head(7).mean(), part["dau"].tail(7).mean()
        if head >= 10:
            change = tail / head - 1
            if best is None or abs(change) > abs(best[1]):
                best = (str(value), float(change))
    return best


@register("slices", order=20)
def slices(ws: Workspace, period: Period) -> Section | None:
    require_events(ws)
    section = Section("slices", "Slices", summary=(
        f"Daily active users per slice (top {TOP} values; the rest folded into 'Other')."))
    data: dict[str, Any] = {}
    for breakdown in _breakdowns(ws):
        name = breakdown["property"]
        result = query({"kind": "active_users", "math": ["dau"], "interval": "day",
                        "breakdown": breakdown, "breakdown_limit": TOP,
                        **period.spec_range()}, ws)
        frame = result.to_frame()
        if frame.empty or not frame["dau"].sum():
            continue
        data[name] = result.to_dict()
        last_day = frame[frame["period"] == frame["period"].max()]
        total = last_day["dau"].sum()
        top = last_day.sort_values("dau", ascending=False).iloc[0]
        share = top["dau"] / total if total else 0.0
        section.figures.append(Figure(f"top {name}", float(share), f"{top['breakdown']} "
                                      f"{fmt_pct(share, 0)}"))
        section.findings.append(
            f"By {name}: {top['breakdown']} has {share:.0%} of DAU on the last day "
            f"({frame['breakdown'].nunique()} values shown).")
        moved = _mover(frame) if period.days >= 14 else None
        if moved and abs(moved[1]) >= MOVER:
            section.findings.append(
                f"{name} = {moved[0]}: DAU {moved[1] * 100:+.0f}% from the first to the last "
                "week of the period.")
            if moved[1] < 0:
                section.recommendations.append(
                    f"DAU of {name} = {moved[0]} fell {-moved[1]:.0%} within the period; "
                    "check releases and incidents that touch that slice.")
        section.charts.append(NamedChart(
            f"dau-by-{name.replace('_', '-')}", f"DAU by {name}",
            breakdown_chart(result, metric="dau", slice_title=name, title=f"DAU by {name}")))
    if not section.charts:
        raise InsufficientDataError(
            f"No column to slice by: the data has none of {', '.join(SLICES)} with 2 to "
            f"{MAX_VALUES} values and activity in {period}.")
    section.data = data
    return section

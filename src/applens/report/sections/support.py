"""Support: what users write to support, by request type and negativity, over the period
and by app version (tickets ingested with ``--table tickets``; labels as ingested, else the
ticket models' latest predictions)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from applens.charts.breakdown import breakdown_chart
from applens.charts.support import negative_share_chart
from applens.formatting import count, p_value, percent
from applens.models.tickets import ticket_top_terms
from applens.report._model import Figure, NamedChart, Section, TableBlock
from applens.report._registry import register
from applens.report.sections._util import utc_bounds
from applens.text.summary import support_summary

if TYPE_CHECKING:
    from applens.report._model import Period
    from applens.workspace import Workspace


@register("support", order=95)
def support(ws: Workspace, period: Period) -> Section | None:
    start, end = utc_bounds(ws, period)
    found = support_summary(ws, start, end)
    if found is not None:
        found.top_terms = ticket_top_terms(ws)
    if found is None:
        return None
    section = Section("support", "Support", summary=(
        "Support tickets of the period by request type and negativity; a ticket's app "
        "version is its user's version at the time."))
    section.figures.append(Figure("Tickets", found.tickets, count(found.tickets)))
    if found.negative_share is not None:
        section.figures.append(Figure("Negative share", found.negative_share,
                                      percent(found.negative_share)))
    if not found.by_type.empty and found.by_type["period"].nunique() > 1:
        section.charts.append(NamedChart("volume", "Tickets per day by type", breakdown_chart(
            found.by_type, metric="tickets", title="Tickets per day by type",
            slice_title="type")))
    if len(found.negative_daily) > 1:
        section.charts.append(NamedChart("negative", "Negative share per day",
                                         negative_share_chart(found.negative_daily)))
    jumps = found.by_version
    jumped = jumps.loc[jumps["jump"].astype(bool)]
    for row in jumped.itertuples():
        section.findings.append(
            f"Version {row.app_version}: {percent(row.negative_share)} of its "
            f"{count(row.tickets)} tickets are negative against {percent(row.others_share)} "
            f"on the other versions ({p_value(row.p_value)}).")
    if not jumps.empty:
        shown = jumps.assign(negative_share=jumps["negative_share"].map(percent),
                             others_share=jumps["others_share"].map(percent),
                             p_value=jumps["p_value"].map(p_value)).drop(columns="threshold")
        section.tables.append(TableBlock("Negative share by app version", shown))
    if found.top_terms:
        import pandas as pd

        section.tables.append(TableBlock("What each label leans on (top terms)", pd.DataFrame(
            [{"label": k, "terms": ", ".join(v)} for k, v in found.top_terms.items()])))
    if not found.worst.empty:
        section.tables.append(TableBlock("Most recent negative tickets", found.worst))
    section.data = {"tickets": found.tickets, "negative_share": found.negative_share,
                    "jumps": jumped["app_version"].tolist()}
    return section

"""What the ticket commands print: for ``applens train``, a ticket model's per-class scores,
the confusion matrix (also written as a chart beside the saved model) and the top terms per
class; for ``tickets metrics``/``releases``/``topics`` and ``metrics --metric tickets``,
their tables with shares as percentages (as the report, dashboard and monitor show them)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from applens.cli._output import OutputFormat, emit, say
from applens.formatting import count, is_missing, number, p_value, percent

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["SHARE_COLUMNS", "readable_tickets", "show_ticket_model"]

SHARE_COLUMNS = ("negative_share", "others_share", "share")


def readable_tickets(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` for a terminal table: its shares as percentages and the release test's
    ``threshold`` as a p-value; other cells go through ``formatting.cell`` in ``emit``.
    JSON and CSV keep the raw values, so callers pass this only for ``--format table``."""
    out = frame.copy()
    for column in SHARE_COLUMNS:
        if column in out.columns:
            out[column] = out[column].map(lambda v: "" if is_missing(v) else percent(v))
    if "threshold" in out.columns:
        out["threshold"] = out["threshold"].map(lambda v: "" if is_missing(v) else p_value(v))
    return out


def show_ticket_model(ws: Any, name: str, version: str, meta: dict[str, Any],
                      fmt: OutputFormat) -> None:
    from applens.charts import save_chart
    from applens.charts.confusion import confusion_chart
    from applens.models.registry import model_dir

    valid = meta.get("validation") or {}
    if not valid:
        return
    emit([{**row, "precision": number(row["precision"]), "recall": number(row["recall"]),
           "f1": number(row["f1"])} for row in valid["per_class"]], fmt,
         title=f"{name}: per class, newest {count(valid['tickets'])} tickets "
               f"(from {valid['first']})")
    say(f"{name}: macro-F1 {number(valid['macro_f1'])}, accuracy {number(valid['accuracy'])}")
    labels, matrix = valid["confusion"]["labels"], valid["confusion"]["matrix"]
    if len(labels) <= 6:  # wider matrices read better as the chart
        emit([{"true \\ predicted": t, **{p: matrix[i][j] for j, p in enumerate(labels)}}
              for i, t in enumerate(labels)], fmt, title=f"{name}: confusion matrix")
    path = save_chart(confusion_chart(labels, matrix, title=f"{name}: confusion matrix"),
                      model_dir(ws, name) / version / "confusion.html")
    say(f"{name}: confusion matrix chart: {path}")
    for label, terms in (meta.get("top_terms") or {}).items():
        say(f"{name}: {label} <- {', '.join(terms) or '(no word stands out)'}")

"""What ``applens train`` prints for a ticket model: per-class scores, the confusion matrix
(also written as a chart beside the saved model) and the top terms per class."""

from __future__ import annotations

from typing import Any

from applens.cli._output import OutputFormat, emit, say
from applens.formatting import number

__all__ = ["show_ticket_model"]


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
         title=f"{name}: per class, newest {valid['tickets']} tickets (from {valid['first']})")
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

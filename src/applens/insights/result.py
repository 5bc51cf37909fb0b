"""The typed answer to a query: the contract JSON plus a table view.

``Result.to_dict()`` is exactly the JSON of the issue's contract (keys per kind);
``to_frame()`` lays the same numbers out as a small pandas table for printing and CSV.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

__all__ = ["Result"]


@dataclass(frozen=True)
class Result:
    """An insight's numbers. ``data`` holds the contract keys for ``kind``."""

    kind: str
    data: Mapping[str, Any]
    spec: Mapping[str, Any] = field(default_factory=dict, compare=False)
    notes: tuple[str, ...] = field(default=(), compare=False)  # e.g. "No events between …"
    # Which path answered and why: {"path": "rollup" | "scan", "why": "..."} (insights.run).
    plan: Mapping[str, str] = field(default_factory=dict, compare=False)

    def explain(self) -> str:
        """One line: which path answered (rollups or a scan of the events) and why."""
        if not self.plan:
            return "Answered by scanning the events."
        how = "the rollups" if self.plan.get("path") == "rollup" else "a scan of the events"
        return f"Answered from {how}: {self.plan.get('why', '')}."

    def to_dict(self) -> dict[str, Any]:
        return copy.deepcopy(dict(self.data))

    def __getitem__(self, key: str) -> Any:
        return self.data[key]

    def to_frame(self) -> pd.DataFrame:
        """One row per period / bucket / cohort / step; a ``breakdown`` column if broken down."""
        data = self.data
        if "by_breakdown" in data:
            parts = []
            for value, inner in data["by_breakdown"].items():
                merged = {k: v for k, v in data.items() if k != "by_breakdown"}
                shares = merged.pop("percentages_by_breakdown", {})
                merged.update(inner if isinstance(inner, dict)
                              else {"counts": inner, "percentages": shares.get(value, [])})
                frame = _flat(self.kind, merged)
                frame.insert(0, "breakdown", value)
                parts.append(frame)
            return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
        return _flat(self.kind, dict(data))

    to_pandas = to_frame

    def display_frame(self) -> pd.DataFrame:
        """What a terminal table shows: :meth:`to_frame`, except that a retention grid is its
        cohort sizes and percentages only (the counts are in the CSV and JSON)."""
        frame = self.to_frame()
        if self.kind != "retention" or frame.empty:
            return frame
        shares = [c for c in frame.columns if c.endswith("_pct")]
        keep = [c for c in ("breakdown", "cohort_start") if c in frame.columns]
        out = frame[keep].assign(cohort_start=frame["cohort_start"].str[:10],
                                 users=frame["period_0"])
        for col in shares:
            out[col.removeprefix("period_").removesuffix("_pct")] = [
                "" if v is None or v != v else f"{v:.1f}%" for v in frame[col]]
        return out


def percentages(counts: list[list[int | None]]) -> list[list[float | None]]:
    """Each cell as a percentage of its cohort (column 0), one decimal; None for an empty
    cohort or a cell not yet observable (None)."""
    return [[round(100 * n / row[0], 1) if row[0] and n is not None else None for n in row]
            for row in counts]


def _flat(kind: str, data: dict[str, Any]) -> pd.DataFrame:
    if kind == "retention":
        counts = data.get("counts", [])
        width = max((len(r) for r in counts), default=0)
        frame = pd.DataFrame(counts, columns=[f"period_{k}" for k in range(width)])
        frame.insert(0, "cohort_start", data["cohort_starts"][: len(frame)])
        # Percent of the cohort (period_0) beside the counts.
        shares = data.get("percentages") or percentages(counts)
        for k in range(1, width):
            frame[f"period_{k}_pct"] = [row[k] for row in shares]
        return frame
    if kind == "stickiness":
        return pd.DataFrame({"intervals": data["buckets"], "actors": data["data"]})
    if kind == "funnel":
        n = len(data["step_counts"])
        columns = ("step_counts", "conversion_rates", "median_conversion_seconds",
                   "average_conversion_seconds")
        frame = pd.DataFrame({c.removesuffix("s"): data[c] for c in columns})
        frame.insert(0, "step", list(range(n)))
        if "step_events" in data:
            frame.insert(1, "event", data["step_events"])
        return frame
    periods = data["periods"]
    columns = {"period": periods}
    for key, value in data.items():
        if isinstance(value, list) and key != "periods" and len(value) == len(periods):
            columns[key] = value
        elif isinstance(value, dict):  # trends series {"A": [...]}
            for name, values in value.items():
                if isinstance(values, list) and len(values) == len(periods):
                    columns[name] = values
    return pd.DataFrame(columns)

"""A retention cell not yet observable (None) is a blank cell, not a crash or a 0%."""

from applens.charts.retention import retention_heatmap
from applens.insights.result import Result


def test_retention_heatmap_leaves_unobservable_cells_blank():
    result = Result("retention", {"cohort_starts": ["2024-03-01", "2024-03-02"],
                                  "counts": [[4, 2, 1], [2, 1, None]]})
    spec = retention_heatmap(result).to_dict()
    rows = next(iter(spec["datasets"].values()))
    labels = {(r["cohort"], r["period"]): r["label"] for r in rows}
    assert labels[("2024-03-01", 1)] == "50%" and labels[("2024-03-02", 2)] == ""

"""Effect chart of a readout (kept for old imports; the chart lives in applens.charts)."""

from __future__ import annotations

from applens.charts import save_chart
from applens.charts.experiment import effect_chart

__all__ = ["effect_chart", "save_chart"]

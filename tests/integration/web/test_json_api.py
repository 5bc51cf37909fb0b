"""The JSON API answers strict JSON (NaN as null, ISO dates), through the shared serialiser."""

from __future__ import annotations

import json

from applens.web.pages import StrictJSONResponse
from tests.unit.test_serialize import every_dtype_frame, strict_loads


def test_response_class_renders_every_dtype_strictly():
    body = StrictJSONResponse({"rows": every_dtype_frame(), "nan": float("nan")}).body
    data = strict_loads(body.decode())
    assert data["nan"] is None and data["rows"][0]["naive"] == "2026-11-01T10:30:00"


def test_every_api_page_is_strict_json(demo_client, demo_ws_path):
    readout = {"alpha": 0.05, "srm": {"ok": True}, "metrics": [
        {"metric": "ctr", "control": "a", "treatment": "b", "difference": float("nan"),
         "lift": None, "p_value": float("nan")}]}
    outputs = demo_ws_path / "outputs"
    outputs.mkdir(exist_ok=True)
    (outputs / "zz-nan.json").write_text(
        json.dumps({"data": {"readouts": {"t": readout}}}), encoding="utf-8")
    try:
        for name in ("overview", "activity", "retention", "funnels", "experiments",
                     "anomalies", "models", "data"):
            response = demo_client.get(f"/api/pages/{name}")
            assert response.status_code == 200, (name, response.text[:300])
            assert response.headers["content-type"].startswith("application/json")
            strict_loads(response.text)
    finally:
        (outputs / "zz-nan.json").unlink()

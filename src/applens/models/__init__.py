"""ML models over the workspace: churn, crash risk, personas (and bots when installed).

    >>> from applens.models import train, predict, latest_scores
    >>> train(ws, "churn,crash")                      # doctest: +SKIP
    >>> predict(ws, "churn", out="scores.csv")        # doctest: +SKIP

Features are aggregated in the warehouse (``applens.models.features``); models are saved
with skops in ``<workspace>/models/<name>/v<N>/`` (``applens.models.registry``).
"""

from applens.models._api import (
    MODELS,
    ModelSpec,
    TrainReport,
    latest_scores,
    model_metrics,
    predict,
    register_model,
    train,
)
from applens.models.crash import crash_summary

__all__ = [
    "MODELS",
    "ModelSpec",
    "TrainReport",
    "crash_summary",
    "latest_scores",
    "model_metrics",
    "predict",
    "register_model",
    "train",
]

"""Anomaly detection on metric series: causal, scikit-learn-style detectors.

    from applens.anomalies import get_detector
    det = get_detector("default", min_volume=20).fit(values, timestamps)
    result = det.detect(values, timestamps)   # .score .alert .expected .lower .upper
"""

from applens.anomalies._base import BaseDetector, Detection
from applens.anomalies.default import DefaultDetector
from applens.anomalies.levelshift import LevelShiftDetector
from applens.anomalies.registry import DETECTORS, detector_names, get_detector, register_detector
from applens.anomalies.seasonal import SeasonalDetector
from applens.anomalies.simple import SimpleIQRDetector

__all__ = [
    "DETECTORS",
    "BaseDetector",
    "DefaultDetector",
    "Detection",
    "LevelShiftDetector",
    "SeasonalDetector",
    "SimpleIQRDetector",
    "detector_names",
    "get_detector",
    "register_detector",
]

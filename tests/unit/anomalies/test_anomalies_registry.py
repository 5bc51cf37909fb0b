"""The detector registry: a detector's name is its key; only detectors get in."""

from __future__ import annotations

import pytest

from applens.anomalies import DETECTORS, SimpleIQRDetector, get_detector
from applens.errors import InvalidParameterError, UnknownComponentError


def test_a_class_is_refused_under_a_name_other_than_its_own():
    class Renamed(SimpleIQRDetector):
        name = "renamed"

    with pytest.raises(InvalidParameterError, match="declares name 'renamed' but is "
                                                     "registered as 'other'"):
        DETECTORS.register("other")(Renamed)
    assert "other" not in DETECTORS


def test_only_detectors_are_registered():
    with pytest.raises(InvalidParameterError, match="must be a BaseDetector subclass"):
        DETECTORS.add("not-a-detector", dict)  # type: ignore[arg-type]
    assert "not-a-detector" not in DETECTORS


def test_an_unknown_detector_names_the_closest():
    with pytest.raises(UnknownComponentError, match="No detector named 'seasnal'. Did you "
                                                     "mean 'seasonal'?"):
        get_detector("seasnal")

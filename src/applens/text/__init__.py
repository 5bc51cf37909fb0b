"""Support-ticket text: normalisation (Russian and English), language per ticket, the
classifier behind the ``tickets-negativity`` and ``tickets-type`` models, and topics for
unlabelled tickets.

Everything runs offline: the Russian and English stems come from ``snowballstemmer``
(pure Python, no downloads); the models are scikit-learn pipelines saved with skops.
"""

from __future__ import annotations

from applens.text.classify import TextModel, fit_text_model, per_class_report
from applens.text.language import detect_language, language_mix
from applens.text.normalize import normalize, prepare, stems

__all__ = [
    "TextModel",
    "detect_language",
    "fit_text_model",
    "language_mix",
    "normalize",
    "per_class_report",
    "prepare",
    "stems",
]

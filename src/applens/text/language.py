"""Language of a ticket from the scripts its letters are written in (offline, instant).

Russian and English are told apart by the share of Cyrillic among the letters; a text with
too few letters to judge is ``unknown``, one in another script ``other``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

__all__ = ["detect_language", "language_mix"]

MIN_LETTERS = 3


def detect_language(text: str) -> str:
    """``ru``, ``en``, ``other`` or ``unknown`` (fewer than 3 letters)."""
    cyrillic = latin = other = 0
    for char in text:
        if not char.isalpha():
            continue
        code = ord(char)
        if 0x0400 <= code <= 0x04FF:
            cyrillic += 1
        elif char.isascii():
            latin += 1
        else:
            other += 1
    letters = cyrillic + latin + other
    if letters < MIN_LETTERS:
        return "unknown"
    if cyrillic >= 0.5 * letters:
        return "ru"
    if latin >= 0.5 * letters:
        return "en"
    return "other"


def language_mix(texts: Iterable[str]) -> dict[str, float]:
    """Share of each language among ``texts`` (rounded to 4 places), most common first."""
    counts = Counter(detect_language(t) for t in texts)
    total = sum(counts.values()) or 1
    return {lang: round(n / total, 4) for lang, n in counts.most_common()}

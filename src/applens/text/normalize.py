"""Text normalisation for ticket models: one canonical form of what a user wrote.

* Unicode NFKC (full-width letters, ligatures, composed accents become plain letters),
  lower case, ``ё`` -> ``е``;
* URLs, e-mail addresses and numbers become the tokens ``urltok``, ``emailtok`` and ``0``
  (a ticket about "order 48213" and one about "order 99" say the same thing);
* a word written in two scripts (``пpивет`` with a Latin ``p``, ``card`` with a Cyrillic
  ``с``: a classic way round filters, and common typing noise) is spelled in the script
  most of its letters use;
* each emoji becomes a word (``emoji_1f621``) so it counts like one, plus ``emoji`` itself.

``stems`` then reduces every word to its Snowball stem: Russian for Cyrillic words, English
for Latin ones, so ``карты``/``карту``/``картой`` are one feature.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable
from functools import lru_cache

__all__ = ["fix_lookalikes", "normalize", "prepare", "readable", "readable_forms", "stems"]

# Letters that look the same in both scripts (lower case; text is lower-cased first).
_LATIN = "aeopcxykmthb"
_CYRILLIC = "аеорсхукмтнв"
_TO_CYRILLIC = str.maketrans(_LATIN, _CYRILLIC)
_TO_LATIN = str.maketrans(_CYRILLIC, _LATIN)

_URL = re.compile(r"(?:https?://|www\.)\S+|\b[\w-]+\.(?:com|ru|org|net|io|рф)(?:/\S*)?\b")
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+\.[\w.-]+\b")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_SPACE = re.compile(r"\s+")


def _is_skin_tone(char: str) -> bool:
    return 0x1F3FB <= ord(char) <= 0x1F3FF


def _is_emoji(char: str) -> bool:
    if _is_skin_tone(char):
        return False
    code = ord(char)
    return (0x1F000 <= code <= 0x1FAFF or 0x2600 <= code <= 0x27BF
            or unicodedata.category(char) == "So" and code > 0x2000)


def _emoji_words(text: str) -> str:
    if text.isascii():
        return text
    out = []
    for char in text:
        if _is_emoji(char):
            out.append(f" emoji emoji_{ord(char):x} ")
        elif 0xFE00 <= ord(char) <= 0xFE0F or ord(char) == 0x200D or _is_skin_tone(char):
            continue  # variation selectors, joiners and skin tones carry no meaning alone
        else:
            out.append(char)
    return "".join(out)


def fix_lookalikes(word: str) -> str:
    """A word mixing Cyrillic and Latin look-alike letters, in its majority script."""
    cyrillic = sum("а" <= c <= "я" or c == "ё" for c in word)
    latin = sum("a" <= c <= "z" for c in word)
    if not cyrillic or not latin:
        return word
    return word.translate(_TO_CYRILLIC if cyrillic >= latin else _TO_LATIN)


def normalize(text: str) -> str:
    """The canonical form of ``text`` (see the module docstring); never raises on a str."""
    text = unicodedata.normalize("NFKC", text).lower().replace("ё", "е")
    text = _URL.sub(" urltok ", _EMAIL.sub(" emailtok ", text))
    text = _emoji_words(_NUMBER.sub(" 0 ", text))
    text = _WORD.sub(lambda m: fix_lookalikes(m.group(0)), text)
    return _SPACE.sub(" ", text).strip()


@lru_cache(maxsize=2)
def _stemmer(language: str):  # noqa: ANN202 - snowballstemmer has no types
    import snowballstemmer

    return snowballstemmer.stemmer(language)


@lru_cache(maxsize=200_000)
def _stem(word: str) -> str:
    if any("а" <= c <= "я" for c in word):
        return _stemmer("russian").stemWord(word)
    if word.isascii():
        return _stemmer("english").stemWord(word)
    return word


def stems(normalized: str) -> str:
    """Words of an already normalised text reduced to their stems, space-separated."""
    return " ".join(_stem(w) for w in _WORD.findall(normalized))


def prepare(texts: list[str]) -> list[list[str]]:
    """Rows of ``[stems, normalized]``: the two inputs the ticket pipelines read."""
    rows = []
    for text in texts:
        norm = normalize(text if isinstance(text, str) else "")
        rows.append([stems(norm), norm])
    return rows


def readable_forms(texts: Iterable[str]) -> dict[str, str]:
    """stem -> the word form that produced it most often in ``texts``."""
    forms: dict[str, Counter[str]] = defaultdict(Counter)
    for text in texts:
        for word in _WORD.findall(normalize(text)):
            forms[_stem(word)][word] += 1
    return {stem: counter.most_common(1)[0][0] for stem, counter in forms.items()}


def readable(term: str, forms: dict[str, str]) -> str:
    """A stem n-gram (``activ card``) in the words users wrote (``activate card``)."""
    return " ".join(forms.get(part, part) for part in term.split())

"""Normalisation and language detection of ticket texts (hand-checked expectations)."""

from __future__ import annotations

import pytest

from applens.text.language import detect_language, language_mix
from applens.text.normalize import fix_lookalikes, normalize, prepare, stems


def test_nfkc_folds_fullwidth_and_ligatures_and_lowercases() -> None:
    assert normalize("ＣＡＲＤ ﬁx") == "card fix"


def test_yo_is_written_as_ye() -> None:
    assert normalize("Ещё Ёлка") == "еще елка"


@pytest.mark.parametrize(("mixed", "fixed"), [
    ("пpивeт", "привет"),        # Latin p and e inside a Russian word
    ("cаrd", "card"),            # Cyrillic а inside an English word
    ("хуйня", "хуйня"),          # one script already: unchanged
    ("card", "card"),
])
def test_lookalikes_take_the_majority_script(mixed: str, fixed: str) -> None:
    assert fix_lookalikes(mixed) == fixed
    assert normalize(mixed) == fixed


def test_urls_emails_and_numbers_become_tokens() -> None:
    text = "See https://bank.example/x?id=7 or mail help@bank.co, order 48213 paid 12,50"
    assert normalize(text) == "see urltok or mail emailtok , order 0 paid 0"


def test_emoji_become_words_and_joiners_vanish() -> None:
    assert normalize("ужас 😡👍🏽") == "ужас emoji emoji_1f621 emoji emoji_1f44d"
    assert normalize("❤️") == "emoji emoji_2764"


def test_stems_use_the_script_of_each_word() -> None:
    assert stems(normalize("Карты картой картами")) == "карт карт карт"
    assert stems(normalize("cards carding")) == "card card"


def test_prepare_gives_stems_and_normalized_text_and_survives_non_strings() -> None:
    assert prepare(["Моя КАРТА", None]) == [["мо карт", "моя карта"], ["", ""]]  # type: ignore[list-item]


@pytest.mark.parametrize(("text", "language"), [
    ("Где моя карта?", "ru"),
    ("Where is my card?", "en"),
    ("Card не работает совсем", "ru"),
    ("My card не works at all", "en"),
    ("ok", "unknown"),
    ("123 !!!", "unknown"),
    ("我的卡在哪里呢", "other"),
])
def test_language_by_script_share(text: str, language: str) -> None:
    assert detect_language(text) == language


def test_language_mix_shares_sum_to_one() -> None:
    mix = language_mix(["Где карта", "Where is it", "Когда вернут деньги", "??"])
    assert mix == {"ru": 0.5, "en": 0.25, "unknown": 0.25}

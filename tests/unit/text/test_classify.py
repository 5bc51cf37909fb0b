"""The ticket classifier on small hand-made sets: labels, threshold, terms, refusals, and
the optional sentence embeddings."""

from __future__ import annotations

import numpy as np
import pytest

from applens.errors import InsufficientDataError
from applens.text.classify import TextModel, fit_text_model, per_class_report, top_terms

CARD = ["my card is blocked", "card declined at shop", "карта заблокирована", "карту не принимают",
        "lost my card", "потерял карту"] * 4
LOGIN = ["cannot log in", "password reset fails", "не могу войти", "забыл пароль",
         "login page error", "вход не работает"] * 4


def test_two_classes_get_a_tuned_threshold_and_readable_terms() -> None:
    model = fit_text_model(CARD + LOGIN, ["card"] * 24 + ["login"] * 24)
    assert model.classes == ["card", "login"] and 0.0 < model.threshold < 1.0
    labels, proba = model.predict(["карта не работает", "пароль не подходит"])
    assert list(labels) == ["card", "login"] and proba[1] > 0.5
    terms = top_terms(model, texts=CARD + LOGIN)
    assert "card" in terms["card"] and "пароль" in terms["login"]  # words, not stems


def test_many_classes_are_calibrated_probabilities() -> None:
    other = ["refund my money", "верните деньги", "charged twice", "списали дважды"] * 6
    model = fit_text_model(CARD + LOGIN + other, ["card"] * 24 + ["login"] * 24 + ["pay"] * 24)
    proba = model.predict_proba(["списали деньги дважды"])
    assert proba.shape == (1, 3) and np.isclose(proba.sum(), 1.0)
    assert model.classes[int(proba.argmax())] == "pay"
    again = TextModel.from_state(model.to_state())
    assert list(again.predict(["забыл пароль"])[0]) == ["login"]


def test_one_label_is_refused_with_the_fix() -> None:
    with pytest.raises(InsufficientDataError, match="at least two labels.*'card'"):
        fit_text_model(CARD, ["card"] * len(CARD))


def test_per_class_report_matches_hand_counts() -> None:
    report = per_class_report(["a", "a", "b", "b"], ["a", "b", "b", "b"], ["a", "b"])
    assert report["accuracy"] == 0.75
    assert report["per_class"][0] == {"label": "a", "precision": 1.0, "recall": 0.5,
                                      "f1": pytest.approx(2 / 3), "support": 2}
    assert report["confusion"]["matrix"] == [[1, 1], [0, 2]]
    assert report["macro_f1"] == pytest.approx((2 / 3 + 0.8) / 2)


def test_sentence_embeddings_put_paraphrases_together() -> None:
    from applens.text.embed import embed

    vectors = embed(["I lost my card", "My card went missing", "What time does the shop open"])
    assert vectors.shape == (3, 384) and np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-4)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.3
    model = fit_text_model(CARD + LOGIN, ["card"] * 24 + ["login"] * 24, embeddings=True)
    assert model.embeddings == "all-MiniLM-L6-v2"
    assert list(model.predict(["my card went missing"])[0]) == ["card"]


def test_two_classes_keep_their_nb_head_through_the_saved_state() -> None:
    model = fit_text_model(CARD + LOGIN, ["card"] * 24 + ["login"] * 24)
    assert model.nb_model is not None and model.nb_ratio is not None
    # NB ratios point each word to the class it is counted in
    words = list(model.features.named_transformers_["words"].get_feature_names_out())
    assert model.nb_ratio[words.index("card")] < 0 < model.nb_ratio[words.index("password")]
    again = TextModel.from_state(model.to_state())
    texts = ["карта не работает", "забыл пароль", "card blocked"]
    assert np.allclose(again.predict_proba(texts), model.predict_proba(texts))


def test_many_classes_take_one_softmax_temperature() -> None:
    other = ["refund my money", "верните деньги", "charged twice", "списали дважды"] * 6
    model = fit_text_model(CARD + LOGIN + other, ["card"] * 24 + ["login"] * 24 + ["pay"] * 24)
    assert model.temperature is not None and model.temperature > 0
    proba = model.predict_proba(CARD[:6] + LOGIN[:6])
    # probabilities follow the SVM's margins: same winner, and confident on its own training
    margins = model.model.decision_function(model.matrix(CARD[:6] + LOGIN[:6]))
    assert (proba.argmax(axis=1) == margins.argmax(axis=1)).all() and proba.max(axis=1).min() > 0.4

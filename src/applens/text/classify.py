"""The ticket classifier: word-stem and character n-gram TF-IDF into a linear model.

Two views of every ticket feed one sparse matrix: word 1–2-grams of the Snowball stems
(what the ticket is about, whatever the inflection) and character 2–5-grams inside word
boundaries of the normalised text (typos, obfuscated swear words, unseen word forms). On
that, a calibrated LinearSVC (many classes: request types) or a class-balanced logistic
regression whose decision threshold is tuned for F1 on out-of-fold scores (two classes:
negativity). Measured on BANKING77 and the Russian toxic-comments set in
``benchmarks/text_bench.py``.

The fitted model is plain scikit-learn and NumPy (``TextModel.to_state``), so the skops
registry saves it without any applens class in the file. With ``embeddings=True`` the
sentence vectors of ``applens.text.embed`` join the sparse features (BANKING77: 0.912 ->
0.940 accuracy, at about 14 CPU-seconds per 1,000 tickets more).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from applens.errors import InsufficientDataError
from applens.text.normalize import prepare

__all__ = ["TextModel", "fit_text_model", "per_class_report", "top_terms"]

MIN_PER_CLASS = 2


def _features(min_df_char: int) -> Any:
    from sklearn.compose import ColumnTransformer
    from sklearn.feature_extraction.text import TfidfVectorizer

    return ColumnTransformer([
        ("words", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, token_pattern=r"\S+",
                                  dtype=np.float32), 0),
        ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True,
                                  min_df=min_df_char, dtype=np.float32), 1),
    ])


EMBEDDING_WEIGHT = 2.0  # embeddings vs the unit-length TF-IDF blocks (best on BANKING77)


@dataclass
class TextModel:
    """A fitted ticket classifier: ``features`` (TF-IDF over prepared rows), optional
    sentence embeddings beside them, and the linear ``model`` on top."""

    features: Any
    model: Any
    classes: list[str]
    threshold: float = 0.5  # two classes: probability of classes[1] at which it is chosen
    embeddings: str | None = None

    def matrix(self, texts: Sequence[str]) -> Any:
        return _matrix(self.features.transform(np.array(prepare(list(texts)), dtype=object)),
                       texts, self.embeddings)

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        return self.model.predict_proba(self.matrix(texts))

    def predict(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Labels and the probability of each chosen label."""
        proba = self.predict_proba(texts)
        if len(self.classes) == 2:
            pick = (proba[:, 1] >= self.threshold).astype(int)
        else:
            pick = proba.argmax(axis=1)
        return np.asarray(self.classes, dtype=object)[pick], proba[np.arange(len(pick)), pick]

    def to_state(self) -> dict[str, Any]:
        return {"features": self.features, "model": self.model, "classes": list(self.classes),
                "threshold": float(self.threshold), "embeddings": self.embeddings or ""}

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> TextModel:
        return cls(state["features"], state["model"], [str(c) for c in state["classes"]],
                   float(state["threshold"]), state.get("embeddings") or None)


def _matrix(sparse: Any, texts: Sequence[str], embeddings: str | None) -> Any:
    if not embeddings:
        return sparse
    from scipy.sparse import csr_matrix, hstack

    from applens.text.embed import embed

    return hstack([sparse, csr_matrix(embed(texts) * EMBEDDING_WEIGHT)]).tocsr()


def _check_labels(labels: pd.Series) -> None:
    counts = labels.value_counts()
    if len(counts) < 2:
        only = f"'{counts.index[0]}'" if len(counts) else "none"
        raise InsufficientDataError(
            f"A ticket model needs at least two labels to tell apart; the labelled tickets "
            f"have one ({only}). Label some tickets with another value, or start without "
            "labels: 'applens tickets topics'.")
    rare = counts[counts < MIN_PER_CLASS]
    if len(counts) - len(rare) < 2:
        seen = ", ".join(f"{k}: {v}" for k, v in counts.items())
        raise InsufficientDataError(
            f"Too few labelled tickets per label ({seen}); at least two labels need "
            f"{MIN_PER_CLASS} tickets each. Label more tickets, then train again.")


def _best_threshold(y: np.ndarray, score: np.ndarray) -> float:
    """The probability cut that maximises F1 of the positive class on held-out scores."""
    from sklearn.metrics import precision_recall_curve

    precision, recall, cuts = precision_recall_curve(y, score)
    f1 = 2 * precision * recall / np.maximum(precision + recall, 1e-12)
    return float(cuts[int(np.argmax(f1[:-1]))]) if len(cuts) else 0.5


def fit_text_model(texts: Sequence[str], labels: Sequence[Any], *, embeddings: bool = False,
                   random_state: int = 0) -> TextModel:
    """Fit the ticket classifier (see the module docstring) on ``texts`` and ``labels``;
    ``embeddings`` adds all-MiniLM-L6-v2 sentence vectors (``applens.text.embed``)."""
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_predict
    from sklearn.svm import LinearSVC

    from applens.text.embed import MODEL

    y = pd.Series([str(v) for v in labels])
    _check_labels(y)
    kept = (y.map(y.value_counts()) >= MIN_PER_CLASS).to_numpy()
    y = y[kept].reset_index(drop=True)
    texts = [t for t, k in zip(texts, kept, strict=True) if k]
    rows = np.array(prepare(texts), dtype=object)
    classes = sorted(y.unique())
    folds = int(min(3, y.value_counts().min()))
    features = _features(2 if len(classes) == 2 and len(y) > 2000 else 1)
    name = MODEL if embeddings else None
    matrix = _matrix(features.fit_transform(rows), texts, name)
    if len(classes) == 2:
        model = LogisticRegression(C=10.0, class_weight="balanced", max_iter=3000)
        target = (y == classes[1]).to_numpy().astype(int)
        cv = StratifiedKFold(folds, shuffle=True, random_state=random_state)
        held_out = cross_val_predict(model, matrix, target, cv=cv, method="predict_proba")[:, 1]
        model.fit(matrix, y.to_numpy())
        return TextModel(features, model, classes, _best_threshold(target, held_out), name)
    model = CalibratedClassifierCV(LinearSVC(C=0.5, class_weight="balanced"), cv=folds,
                                   ensemble=False)
    model.fit(matrix, y.to_numpy())
    return TextModel(features, model, [str(c) for c in model.classes_], embeddings=name)


def per_class_report(truth: Sequence[Any], predicted: Sequence[Any],
                     classes: Sequence[str]) -> dict[str, Any]:
    """Per-class precision/recall/F1/support, accuracy, macro-F1 and the confusion matrix."""
    from sklearn.metrics import accuracy_score, confusion_matrix, f1_score
    from sklearn.metrics import precision_recall_fscore_support as prfs

    labels = list(classes)
    p, r, f, s = prfs(truth, predicted, labels=labels, zero_division=0)
    return {
        "per_class": [{"label": c, "precision": float(p[i]), "recall": float(r[i]),
                       "f1": float(f[i]), "support": int(s[i])} for i, c in enumerate(labels)],
        "accuracy": float(accuracy_score(truth, predicted)),
        "macro_f1": float(f1_score(truth, predicted, labels=labels, average="macro",
                                   zero_division=0)),
        "confusion": {"labels": labels,
                      "matrix": confusion_matrix(truth, predicted, labels=labels).tolist()},
    }


def top_terms(model: TextModel, n: int = 8, texts: Sequence[str] = ()
              ) -> dict[str, list[str]]:
    """The word n-grams that push most towards each class (the model's own weights), each
    stem written as the word form most frequent in ``texts`` (as the stem without them)."""
    from applens.text.normalize import readable, readable_forms

    forms = readable_forms(texts)
    words = model.features.named_transformers_["words"]
    vocabulary = np.asarray(words.get_feature_names_out(), dtype=object)
    n_words = len(vocabulary)
    estimator = model.model
    if hasattr(estimator, "coef_"):
        coef = np.asarray(estimator.coef_)
    else:  # CalibratedClassifierCV(ensemble=False): one fitted LinearSVC inside
        coef = np.asarray(estimator.calibrated_classifiers_[0].estimator.coef_)
    coef = coef[:, :n_words]
    if coef.shape[0] == 1:  # two classes: one row, positive side is classes[1]
        coef = np.vstack([-coef[0], coef[0]])
    return {cls: list(dict.fromkeys(readable(str(vocabulary[j]), forms)
                                    for j in np.argsort(-coef[i])[:n] if coef[i, j] > 0))
            for i, cls in enumerate(model.classes)}

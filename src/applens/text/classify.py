"""The ticket classifier: word-stem and character n-gram TF-IDF into a linear model.

Two views of every ticket feed one sparse matrix: word 1–2-grams of the Snowball stems
(what the ticket is about, whatever the inflection) and character n-grams inside word
boundaries of the normalised text (typos, obfuscated swear words, unseen word forms). On
that, for many classes (request types) a LinearSVC whose margins become probabilities
through one softmax temperature fitted on a held-out fold; for two classes (negativity)
the average of two class-balanced logistic regressions, one on the features as they are
and one on them scaled by naive-Bayes log-count ratios (NB-LR), with the decision
threshold tuned for F1 on out-of-fold scores. Measured on BANKING77 and the Russian
toxic-comments set in ``benchmarks/text_bench.py``.

The fitted model is plain scikit-learn and NumPy (``TextModel.to_state``), so the skops
registry saves it without any applens class in the file. With ``embeddings=True`` the
sentence vectors of ``applens.text.embed`` join the sparse features (BANKING77: 0.916 ->
0.941 accuracy, at about 5 CPU-seconds per 1,000 short tickets more).
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


def _features(min_df_char: int, shortest_char: int = 2) -> Any:
    from sklearn.compose import ColumnTransformer
    from sklearn.feature_extraction.text import TfidfVectorizer

    return ColumnTransformer([
        ("words", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, token_pattern=r"\S+",
                                  dtype=np.float32), 0),
        ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(shortest_char, 5),
                                  sublinear_tf=True, min_df=min_df_char, dtype=np.float32), 1),
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
    nb_ratio: np.ndarray | None = None  # two classes: NB log-count ratios of the 2nd head
    nb_model: Any = None  # two classes: logistic regression on features scaled by nb_ratio
    temperature: float | None = None  # many classes: probabilities = softmax(T * margins)

    def matrix(self, texts: Sequence[str]) -> Any:
        return _matrix(self.features.transform(np.array(prepare(list(texts)), dtype=object)),
                       texts, self.embeddings)

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        matrix = self.matrix(texts)
        if self.temperature is not None:
            return _softmax(self.model.decision_function(matrix), self.temperature)
        return _proba(self.model, self.nb_ratio, self.nb_model, matrix)

    def predict(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Labels and the probability of each chosen label."""
        proba = self.predict_proba(texts)
        if len(self.classes) == 2:
            pick = (proba[:, 1] >= self.threshold).astype(int)
        else:
            pick = proba.argmax(axis=1)
        return np.asarray(self.classes, dtype=object)[pick], proba[np.arange(len(pick)), pick]

    def to_state(self) -> dict[str, Any]:
        state = {"features": self.features, "model": self.model, "classes": list(self.classes),
                 "threshold": float(self.threshold), "embeddings": self.embeddings or ""}
        if self.nb_model is not None:
            state.update(nb_ratio=self.nb_ratio, nb_model=self.nb_model)
        if self.temperature is not None:
            state["temperature"] = float(self.temperature)
        return state

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> TextModel:
        return cls(state["features"], state["model"], [str(c) for c in state["classes"]],
                   float(state["threshold"]), state.get("embeddings") or None,
                   state.get("nb_ratio"), state.get("nb_model"), state.get("temperature"))


def _proba(model: Any, nb_ratio: np.ndarray | None, nb_model: Any, matrix: Any) -> np.ndarray:
    """Class probabilities: the linear model's, averaged with the NB head's when there is one."""
    proba = model.predict_proba(matrix)
    if nb_model is None:
        return proba
    return (proba + nb_model.predict_proba(_nb_scaled(matrix, nb_ratio))) / 2


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


def _nb_scaled(matrix: Any, ratio: np.ndarray) -> Any:
    return matrix.multiply(ratio).tocsr()


def _nb_ratio(matrix: Any, target: np.ndarray) -> np.ndarray:
    """Log-count ratio of each feature between positive and negative tickets (NB-LR: the
    NBSVM of Wang & Manning 2012 with a logistic loss), Laplace-smoothed; 1 (unscaled) for
    columns that are not counts (sentence embeddings go below zero)."""
    positive = 1.0 + np.asarray(matrix[target == 1].sum(axis=0)).ravel()
    negative = 1.0 + np.asarray(matrix[target == 0].sum(axis=0)).ravel()
    not_counts = np.asarray((matrix < 0).sum(axis=0)).ravel() > 0
    ratio = np.log(np.clip(positive, 1e-9, None) / positive.sum()
                   / (np.clip(negative, 1e-9, None) / negative.sum()))
    return np.where(not_counts, 1.0, ratio).astype(np.float32)


def _fit_binary(matrix: Any, target: np.ndarray) -> tuple[Any, np.ndarray, Any]:
    """Two heads on one matrix: logistic regression on the TF-IDF features, and one on the
    same features scaled by their NB log-count ratios (Russian toxic comments: toxic F1
    0.864 and 0.869 alone, 0.868-0.872 averaged; ``benchmarks/text_bench.py``). Russian
    word vectors (navec, shipped in natasha) stacked beside them out of fold reached only
    0.872-0.879 (pooled vectors into LR / MLP / RBF-SVC, a word CNN) at 3-15x the CPU, so
    they are not used."""
    from sklearn.linear_model import LogisticRegression

    def head() -> Any:
        return LogisticRegression(C=10.0, class_weight="balanced", max_iter=3000)

    ratio = _nb_ratio(matrix, target)
    return (head().fit(matrix, target), ratio,
            head().fit(_nb_scaled(matrix, ratio), target))


def _softmax(margins: np.ndarray, temperature: float) -> np.ndarray:
    from scipy.special import softmax

    return softmax(np.asarray(margins, dtype=np.float64) * temperature, axis=1)


def _temperature(margins: np.ndarray, truth: np.ndarray) -> float:
    """The T for which softmax(T * margins) has the least log-loss on held-out tickets
    (``truth``: each one's column): one number, so the order of classes is the SVM's. The
    targets are smoothed as in Platt scaling (1 / (n + 2) spread over the classes), so a
    held-out fold the SVM gets all right does not push T, and every probability, to 1."""
    from scipy.optimize import minimize_scalar
    from scipy.special import log_softmax

    smooth = 1.0 / (len(truth) + 2)

    def loss(t: float) -> float:
        log_p = log_softmax(margins * t, axis=1)
        return -float((1 - smooth) * log_p[np.arange(len(truth)), truth].mean()
                      + smooth * log_p.mean())

    return float(minimize_scalar(loss, bounds=(0.01, 100.0), method="bounded").x)


def _fit_many(matrix: Any, y: np.ndarray, folds: int, random_state: int) -> tuple[Any, float]:
    """LinearSVC on all tickets, and the softmax temperature that turns its margins into
    probabilities, fitted on one held-out fold: two fits where 3-fold sigmoid calibration
    took four, the same accuracy and a lower log-loss (BANKING77: 0.248 vs 0.263)."""
    from sklearn.model_selection import StratifiedKFold
    from sklearn.svm import LinearSVC

    def svm() -> Any:
        return LinearSVC(C=0.5, class_weight="balanced")

    fit, held = next(StratifiedKFold(folds, shuffle=True, random_state=random_state)
                     .split(matrix, y))
    part = svm().fit(matrix[fit], y[fit])
    truth = np.searchsorted(part.classes_, y[held])
    temperature = _temperature(part.decision_function(matrix[held]), truth)
    return svm().fit(matrix, y), temperature


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
    from sklearn.model_selection import StratifiedKFold

    from applens.text.embed import MODEL

    y = pd.Series([str(v) for v in labels])
    _check_labels(y)
    kept = (y.map(y.value_counts()) >= MIN_PER_CLASS).to_numpy()
    y = y[kept].reset_index(drop=True)
    texts = [t for t, k in zip(texts, kept, strict=True) if k]
    rows = np.array(prepare(texts), dtype=object)
    classes = sorted(y.unique())
    folds = int(min(3, y.value_counts().min()))
    binary = len(classes) == 2  # single letters too: toxic F1 0.860 -> 0.864 (Russian)
    features = _features(2 if binary and len(y) > 2000 else 1, 1 if binary else 2)
    name = MODEL if embeddings else None
    matrix = _matrix(features.fit_transform(rows), texts, name)
    if len(classes) == 2:
        target = (y == classes[1]).to_numpy().astype(int)
        held_out = np.zeros(len(target))
        cv = StratifiedKFold(folds, shuffle=True, random_state=random_state)
        for fit, held in cv.split(matrix, target):  # the threshold is chosen out of fold
            held_out[held] = _proba(*_fit_binary(matrix[fit], target[fit]), matrix[held])[:, 1]
        model, ratio, nb_model = _fit_binary(matrix, target)
        return TextModel(features, model, classes, _best_threshold(target, held_out), name,
                         ratio, nb_model)
    model, temperature = _fit_many(matrix, y.to_numpy(), max(2, min(5, y.value_counts().min())),
                                   random_state)
    return TextModel(features, model, [str(c) for c in model.classes_], embeddings=name,
                     temperature=temperature)


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

"""Topics of unlabelled tickets: NMF over TF-IDF of word stems, shown in readable words.

Each topic gets its top terms (every stem shown as the word form users wrote most often),
its size (tickets whose strongest topic it is) and the tickets that express it most
clearly, so a team can name the topics and start labelling without a labelled set.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from applens.errors import InsufficientDataError, InvalidParameterError
from applens.text.normalize import normalize, readable_forms, stems

__all__ = ["Topic", "find_topics"]

MIN_TICKETS = 10
# Function words that would otherwise lead every topic (stems, as ``stems`` writes them).
_STOP = frozenset("""
и в во не что он на я с со как а то все она так его но да ты к у же вы за бы по только ее
мне было вот от меня еще нет о из ему теперь когда даже ну вдруг ли если уже или ни быть
был него до вас нибуд опя уж вам ведь там потом себ ничег ей может они тут где есть над
для мы тебя их чем был сам чтоб без будт чег раз тоже себе под будет ж тогд кто этот того
потому этого какой совсем ним здесь этом один почти мой тем чтобы нее сейчас были куда
зачем всех никогда можно при наконец два об друг хоть посл над больш тот через эти нас про
всег них какая много разв три эту моя впрочем хорош свою этой перед иногд лучш чуть том
нельз так им более всегд конечн всю между это мо эт мен мо котор
a an the and or but if of to in on at by for with from is are was were be been it its
this that these those i me my we our you your he she they them their what which who do
does did have has had not no can could would should will just so than too very there
here how when where why all any some as about into up out over again then once
""".split())


@dataclass(frozen=True)
class Topic:
    topic: int
    tickets: int
    share: float
    terms: list[str]
    examples: list[str]


def find_topics(texts: Sequence[str], k: int | None = None, *, n_terms: int = 8,
                n_examples: int = 3, random_state: int = 0) -> list[Topic]:
    """``k`` topics (default: about one per 40 tickets, 2 to 10), largest first."""
    from sklearn.decomposition import NMF
    from sklearn.feature_extraction.text import TfidfVectorizer

    texts = [t for t in texts if isinstance(t, str) and t.strip()]
    if len(texts) < MIN_TICKETS:
        raise InsufficientDataError(
            f"Topics need at least {MIN_TICKETS} tickets with text; got {len(texts)}. "
            "Ingest more with 'applens ingest tickets.csv --table tickets'.")
    if k is None:
        k = int(np.clip(len(texts) // 40, 2, 10))
    if not 2 <= k <= min(50, len(texts) // 2):
        raise InvalidParameterError(
            f"--topics {k} does not fit {len(texts)} tickets; choose 2 to "
            f"{min(50, len(texts) // 2)}.")
    docs = [" ".join(w for w in stems(normalize(t)).split() if w not in _STOP
                     and len(w) > 1) for t in texts]
    vectorizer = TfidfVectorizer(ngram_range=(1, 2), min_df=2, max_df=0.5, sublinear_tf=True,
                                 token_pattern=r"\S+")
    try:
        matrix = vectorizer.fit_transform(docs)
    except ValueError:  # no term in two tickets: nothing recurs to group by
        raise InsufficientDataError(
            "No word recurs across the tickets, so there is nothing to group them by.") from None
    k = min(k, matrix.shape[1])
    nmf = NMF(n_components=k, init="nndsvda", random_state=random_state, max_iter=400)
    weights = nmf.fit_transform(matrix)
    vocabulary = vectorizer.get_feature_names_out()
    readable = readable_forms(texts)
    owner = weights.argmax(axis=1)
    owned = weights.max(axis=1) > 0
    topics = []
    for i in range(k):
        terms = []
        for j in np.argsort(-nmf.components_[i]):
            if nmf.components_[i, j] <= 0 or len(terms) == n_terms:
                break
            terms.append(" ".join(readable.get(s, s) for s in vocabulary[j].split()))
        members = np.flatnonzero((owner == i) & owned)
        best = members[np.argsort(-weights[members, i])][:n_examples]
        topics.append(Topic(i + 1, len(members), round(len(members) / len(texts), 4), terms,
                            [texts[j] for j in best]))
    topics.sort(key=lambda t: -t.tickets)
    return [Topic(n + 1, t.tickets, t.share, t.terms, t.examples) for n, t in enumerate(topics)]

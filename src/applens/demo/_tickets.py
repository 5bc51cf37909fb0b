"""The demo's support tickets, with planted labels and a complaint spike.

Users write tickets (Russian and English) of four request types; a ticket is negative
15 % of the time, except from users of the buggy app version after the release day (the
middle of the period), who complain: 60 % negative, and crash reports are three times as
common among them. ``tickets.csv`` carries the planted labels (``negativity``, ``type``)
and ``tickets_truth.json`` the spike applens should find.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import numpy as np

from applens._files import atomic_path, atomic_write
from applens.demo import _catalog as cat
from applens.demo._plan import DemoPlan
from applens.demo._population import Population

__all__ = ["BASE_NEGATIVE", "BUGGY_NEGATIVE", "write_tickets"]

BASE_NEGATIVE, BUGGY_NEGATIVE = 0.15, 0.60
TICKETS_PER_USER = 0.2  # a month's tickets: ~29 a day from 5,000 people

_TEXTS = {
    "crash": (["The app crashes when I open the feed", "App closes itself after the update",
               "Приложение вылетает при открытии ленты", "После обновления приложение закрывается"],
              ["it crashed again and again", "опять вылетает", "черный экран и всё"]),
    "payment": (["I was charged twice for premium", "Payment did not go through",
                 "Списали деньги дважды за подписку", "Оплата не проходит"],
                ["where is my money", "верните деньги", "деньги списали, подписки нет"]),
    "account": (["Cannot log in to my account", "Password reset email never arrives",
                 "Не могу войти в аккаунт", "Не приходит письмо для сброса пароля"],
                ["locked out again", "заблокировали без причины", "код не приходит"]),
    "feature": (["Please add a dark theme", "Can you add voice messages to chat",
                 "Добавьте темную тему пожалуйста", "Хочу голосовые сообщения в чате"],
                ["would be great", "было бы здорово", "спасибо за приложение"]),
}
_ANGRY = ["This is unacceptable, worst app ever!", "Terrible, I am deleting it.",
          "Это ужас, худшее приложение!!!", "Отвратительно, удаляю 😡",
          "Fix it now, I am furious", "Сколько можно, вы издеваетесь?"]
_NEUTRAL = ["Thanks.", "Спасибо.", "", "Please help.", "Помогите пожалуйста."]
TYPES = tuple(_TEXTS)


def _text(rng: np.random.Generator, kind: str, negative: bool) -> str:
    openers, details = _TEXTS[kind]
    text = f"{rng.choice(openers)}, {rng.choice(details)}."
    tail = rng.choice(_ANGRY) if negative else rng.choice(_NEUTRAL)
    return f"{text} {tail}".strip()


def write_tickets(out: Path, plan: DemoPlan, pop: Population, seed: int) -> dict[str, object]:
    """Write ``tickets.csv`` and ``tickets_truth.json`` into ``out``; returns the truth."""
    rng = np.random.default_rng([seed, 12])
    versions = [v for v, _ in cat.APP_VERSIONS]
    buggy = versions.index(cat.BUGGY_APP_VERSION)
    release_day = plan.days // 2
    release = plan.day_start(release_day)
    n = max(40, int(pop.size * TICKETS_PER_USER))
    writers = rng.integers(0, pop.size, n)
    seconds = np.sort(rng.integers(0, plan.days * 86_400, n))
    ids = pop.user_ids.to_pylist()
    rows, negatives = [], {"buggy_after": [0, 0], "others": [0, 0]}
    for i, (user, offset) in enumerate(zip(writers, seconds, strict=True)):
        ts = plan.start + dt.timedelta(seconds=int(offset))
        hit = pop.app_version[user] == buggy and ts >= release
        weights = np.array([3.0 if hit else 1.0, 1.0, 1.0, 1.0])
        kind = str(rng.choice(TYPES, p=weights / weights.sum()))
        negative = bool(rng.random() < (BUGGY_NEGATIVE if hit else BASE_NEGATIVE))
        very = negative and rng.random() < 0.35
        group = negatives["buggy_after" if hit else "others"]
        group[0] += 1
        group[1] += negative
        rows.append({"ticket_id": f"T{i + 1:06d}", "user_id": ids[user],
                     "ts": ts.strftime("%Y-%m-%d %H:%M:%S"), "text": _text(rng, kind, negative),
                     "negativity": "very negative" if very else "negative" if negative
                     else "neutral", "type": kind})
    with atomic_path(out / "tickets.csv") as temp, temp.open("w", newline="",
                                                             encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    truth = {"tickets": n, "buggy_app_version": cat.BUGGY_APP_VERSION,
             "release": release.strftime("%Y-%m-%d"), "base_negative": BASE_NEGATIVE,
             "buggy_negative": BUGGY_NEGATIVE, "types": list(TYPES),
             "observed": {k: {"tickets": t, "negative": x} for k, (t, x) in negatives.items()}}
    atomic_write(out / "tickets_truth.json", json.dumps(truth, indent=2) + "\n")
    return truth

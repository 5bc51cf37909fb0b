"""Fixed catalogues the demo population is drawn from (a Karpov.Courses-style social app).

Kept as data so that the generator code stays about *how* to draw, not *what* to draw.
"""

from __future__ import annotations

__all__ = [
    "APP_OPEN",
    "CRASH",
    "LIKE",
    "MESSAGE",
    "VIEW",
    "APP_VERSIONS",
    "BUGGY_APP_VERSION",
    "CITIES",
    "DEVICES",
    "EVENT_KINDS",
    "HOUR_WEIGHTS",
    "OSES",
    "OUTAGE_OS",
    "WEEKDAY_FACTORS",
]

# Event codes used inside the generator; the strings are what lands in the data.
EVENT_KINDS: tuple[str, ...] = ("app_open", "view", "like", "message", "crash")
APP_OPEN, VIEW, LIKE, MESSAGE, CRASH = range(5)

OSES: tuple[tuple[str, float], ...] = (("Android", 0.65), ("iOS", 0.35))

DEVICES: dict[str, tuple[str, ...]] = {
    "Android": ("Samsung Galaxy S23", "Xiaomi Redmi Note 12", "Google Pixel 7", "Honor 90"),
    "iOS": ("iPhone 13", "iPhone 14", "iPhone 15", "iPad Air"),
}

# (version, share): most people on 4.9.0, a tail on 4.8.2, 5.0.0 rolling out. The buggy one
# is common enough that its crash excess is measurable. Versions are drawn by cumulative
# share, so 4.9.1 keeps [0.45, 0.75): the same people are on the buggy release as when the
# shares were 0.15/0.30/0.30/0.25 (only 4.8.2 people moved to 4.9.0).
APP_VERSIONS: tuple[tuple[str, float], ...] = (
    ("4.8.2", 0.03),
    ("4.9.0", 0.42),
    ("4.9.1", 0.30),
    ("5.0.0", 0.25),
)
BUGGY_APP_VERSION = "4.9.1"
# The outage hits this OS on the version most of its users are on (demo/generate.py picks it
# from the population), never the buggy one, so the two effects stay separable.
OUTAGE_OS = "Android"

# (country, city, weight): weights are shares of the whole population.
CITIES: tuple[tuple[str, str, float], ...] = (
    ("Russia", "Moscow", 0.20),
    ("Russia", "Saint Petersburg", 0.11),
    ("Russia", "Novosibirsk", 0.06),
    ("Russia", "Yekaterinburg", 0.06),
    ("Russia", "Kazan", 0.06),
    ("Russia", "Nizhny Novgorod", 0.06),
    ("Ukraine", "Kyiv", 0.06),
    ("Ukraine", "Kharkiv", 0.03),
    ("Ukraine", "Odesa", 0.03),
    ("Belarus", "Minsk", 0.06),
    ("Belarus", "Gomel", 0.02),
    ("Kazakhstan", "Almaty", 0.05),
    ("Kazakhstan", "Astana", 0.03),
    ("Azerbaijan", "Baku", 0.04),
    ("Turkey", "Istanbul", 0.03),
    ("Finland", "Helsinki", 0.03),
    ("Cyprus", "Limassol", 0.02),
    ("Switzerland", "Zurich", 0.02),
    ("Estonia", "Tallinn", 0.03),
)

# Share of first sessions starting in each UTC hour: quiet at night (Moscow is UTC+3),
# a lunch bump and an evening peak around 17-19 UTC.
HOUR_WEIGHTS: tuple[float, ...] = (
    1.0, 0.6, 0.4, 0.4, 0.8, 1.6, 2.6, 3.2, 3.4, 3.6, 4.2, 4.4,
    4.0, 3.9, 4.0, 4.4, 5.0, 5.8, 6.2, 6.0, 5.0, 3.6, 2.4, 1.6,
)

# Activity multiplier by weekday (Monday=0): more use at the weekend.
WEEKDAY_FACTORS: tuple[float, ...] = (0.95, 0.93, 0.95, 0.97, 1.02, 1.14, 1.12)

"""The curriculum-style access demo: a log, a cohort table and a catalog with planted answers.

``write_access_demo(folder)`` writes ``access.log`` (the seed's ``date time path user_id
cohort_id ip`` lines), ``cohorts.csv`` (``id,name,start_date,end_date,program_id``) and
``catalog.txt`` (every lesson, one a line), and returns the ground truth:

* a scraper account reading 180 distinct lessons in 20 seconds from one IP;
* an account active two to three days a week years after its cohort ended;
* cross-program access (web-dev students reading data-science lessons and back) that stops
  on a known day;
* a cohort whose members read about a fifth as much as the others;
* an exam day on which one cohort's members read several times their usual (an outlier day);
* a lesson in the catalog that nobody opens;
* staff and placeholder cohorts (left out by the default rule), one log line that does not
  parse and one line naming a cohort id the table does not have (both counted).

Everything is drawn from one seeded generator, so the files are the same on every run.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from applens._files import atomic_write

__all__ = ["AccessTruth", "build_access_demo", "write_access_demo"]

WEB, DS = "2", "3"
JAVA = [f"java-{part}/{topic}-{k}" for part in ("i", "ii", "iii") for topic in
        ("syntax", "collections", "spring", "mysql") for k in range(10)]
DATA = [f"{part}/{topic}-{k}" for part in ("classification", "regression", "clustering")
        for topic in ("acquire", "prepare", "explore", "model") for k in range(7)]
SHARED = ["/", "search", "toc", "appendix/cli"]
NEVER = "java-iii/legacy-applets"
CUT = date(2019, 9, 16)  # cross-program access is shut off on this day
COHORTS = [  # id, name, program, start
    ("21", "Ada", WEB, date(2018, 1, 8)), ("22", "Bayes", DS, date(2018, 4, 9)),
    ("23", "Ceres", WEB, date(2018, 7, 9)), ("24", "Darden", DS, date(2018, 10, 8)),
    ("25", "Europa", WEB, date(2019, 1, 14)), ("26", "Fortuna", DS, date(2019, 5, 6)),
    ("27", "Ganymede", WEB, date(2019, 9, 9)), ("29", "Hyperion", DS, date(2020, 1, 13)),
]
WEEKS = 20
LOW = "24"  # the quiet cohort
SPIKE_COHORT, SPIKE_DAY = "27", date(2019, 12, 10)  # an exam day: an outlier day
PEOPLE = 14


@dataclass(frozen=True)
class AccessTruth:
    scraper_user: str
    scraper_ip: str
    scraper_day: str
    scraper_pages: int
    scraper_seconds: int
    after_end_user: str
    after_end_cohort: str
    cross_program_cut: str
    low_cohort: str
    spike_cohort: str
    spike_day: str
    never_opened: str
    staff_cohorts: list[str]
    bad_lines: int
    unknown_cohort: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _day_rows(rng: np.random.Generator, day: date, user: str, cohort: str, ip: str,
              pages: list[str], n: int) -> list[str]:
    t = datetime(day.year, day.month, day.day, 9) + timedelta(seconds=int(rng.integers(0, 6
                                                                                       * 3600)))
    rows = []
    for _ in range(n):
        t += timedelta(seconds=float(rng.exponential(120)) + 5)
        rows.append(f"{t:%Y-%m-%d %H:%M:%S} {pages[int(rng.integers(0, len(pages)))]} {user} "
                    f"{cohort} {ip}")
    return rows


def write_access_demo(folder: str | Path, *, seed: int = 13) -> AccessTruth:
    """Write the three demo files into ``folder`` and return what was planted."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    lines: list[str] = []
    cohort_rows = ["id,name,start_date,end_date,program_id"]
    own = {WEB: JAVA, DS: DATA}
    other = {WEB: DATA, DS: JAVA}
    for cid, name, program, start in COHORTS:
        end = start + timedelta(weeks=WEEKS) - timedelta(days=3)
        cohort_rows.append(f"{cid},{name},{start},{end},{program}")
        for p in range(PEOPLE):
            user = f"{cid}{p:02d}"
            ip = f"10.{cid}.{p}.{int(rng.integers(1, 250))}"
            intensity = float(rng.lognormal(0, 0.3)) * (0.2 if cid == LOW else 1.0)
            day = start
            while day <= end + timedelta(days=45):
                enrolled = day <= end
                if day.weekday() < 5 and rng.random() < (0.7 if enrolled else 0.04):
                    n = max(1, int(rng.poisson(12 * intensity)))
                    pages = own[program] + SHARED
                    if day < CUT:  # before the cut, every sixth lesson of the other program
                        pages = pages + other[program][::6]
                    if cid == SPIKE_COHORT and day == SPIKE_DAY:  # the exam: everyone cramming
                        n += 60
                    lines += _day_rows(rng, day, user, cid, ip, pages, n)
                day += timedelta(days=1)
    # Staff read everything, every weekday, from the campus address.
    cohort_rows += ["28,Staff,2014-02-04,2014-02-04,2",
                    "136,Placeholder for students in transition,2019-01-01,2029-03-01,1"]
    day = date(2018, 1, 8)
    while day < date(2020, 12, 31):
        if day.weekday() < 5:
            lines += _day_rows(rng, day, "9001", "28", "10.0.0.1", JAVA + DATA, 25)
        day += timedelta(days=1)
    # An Ada (web-dev) graduate who keeps reading, two or three days a week, to mid-2021.
    after_user = "2199"
    day = date(2018, 1, 8)
    while day < date(2021, 6, 30):
        if day.weekday() < 5 and rng.random() < 0.5:
            lines += _day_rows(rng, day, after_user, "21", "10.21.99.7", JAVA[:20], 8)
        day += timedelta(days=1)
    # The scraper: 180 distinct lessons in 20 seconds, once, from an Europa account.
    t0 = datetime(2019, 3, 3, 14, 2, 0)
    ordered = (JAVA + DATA)[:180]
    for i, page in enumerate(ordered):
        lines.append(f"{t0 + timedelta(seconds=i * 19.5 / 180):%Y-%m-%d %H:%M:%S} {page} 2588 "
                     f"25 203.0.113.50")
    lines.sort()
    lines.insert(len(lines) // 2, "2019-02-30 garbage line without fields")
    lines.insert(len(lines) // 3, "2019-05-07 10:00:00 java-i/syntax-1 7777 999 10.7.7.7")
    atomic_write(folder / "access.log", "\n".join(lines) + "\n")
    atomic_write(folder / "cohorts.csv", "\n".join(cohort_rows) + "\n")
    atomic_write(folder / "catalog.txt", "\n".join(JAVA + DATA + SHARED + [NEVER]) + "\n")
    return AccessTruth(
        scraper_user="2588", scraper_ip="203.0.113.50", scraper_day=str(t0.date()),
        scraper_pages=180, scraper_seconds=20, after_end_user=after_user,
        after_end_cohort="21", cross_program_cut=str(CUT), low_cohort=LOW,
        spike_cohort=SPIKE_COHORT, spike_day=str(SPIKE_DAY),
        never_opened=NEVER, staff_cohorts=["28", "136"], bad_lines=1, unknown_cohort="999")


CONFIG = """# The access demo (applens access demo): a curriculum access log with planted answers.
[content]
catalog = "data/catalog.txt"
"""


def build_access_demo(folder: str | Path, *, seed: int = 13) -> AccessTruth:
    """A workspace in ``folder`` with the demo log ingested as events (``--preset
    access-log``) and the cohort table as memberships; the truth also goes to
    ``data/access_truth.json``."""
    import json

    from applens.config import CONFIG_FILE
    from applens.ingest import ingest
    from applens.workspace import Workspace

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    truth = write_access_demo(folder / "data", seed=seed)
    atomic_write(folder / CONFIG_FILE, CONFIG)
    (folder / "warehouse.duckdb").unlink(missing_ok=True)
    with Workspace.init(folder) as ws:
        ingest(ws, folder / "data" / "access.log", preset="access-log")
        ingest(ws, folder / "data" / "cohorts.csv", table="memberships")
    atomic_write(folder / "data" / "access_truth.json", json.dumps(truth.to_dict(), indent=2))
    return truth

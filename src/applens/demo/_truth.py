"""What was planted in the demo data, as typed records and as ``ground_truth.json``."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from applens._files import atomic_write

__all__ = [
    "BotsTruth",
    "CampaignTruth",
    "CrashTruth",
    "DataInfo",
    "ExperimentTruth",
    "GroundTruth",
    "OutageTruth",
    "iso_utc",
]


def iso_utc(moment: dt.datetime) -> str:
    """ISO 8601 with a ``Z``: the data's naive timestamps are UTC."""
    return moment.replace(tzinfo=None).isoformat() + "Z"


@dataclass(frozen=True)
class BotsTruth:
    user_ids: list[str]
    ips: list[str]
    min_interval_seconds: float  # bots act every 2-4 s with a few ms of jitter


@dataclass(frozen=True)
class OutageTruth:
    start: str
    end: str  # exclusive
    os: str
    app_version: str
    drop_fraction: float  # share of that slice's events lost in the window


@dataclass(frozen=True)
class CampaignTruth:
    date: str
    source: str
    user_ids: list[str]  # everyone who signed up through the campaign


@dataclass(frozen=True)
class ExperimentTruth:
    salt: str
    groups: list[int]
    weights: list[float]
    treatment: int
    control: int
    aa_groups: list[int]
    metric: str
    true_effect: float  # absolute rise of likes per view (CTR) in the treatment group
    start: str
    end: str  # exclusive
    population: str = "non-bot users; bots like every 5th view in every group"


@dataclass(frozen=True)
class CrashTruth:
    buggy_app_version: str
    hazard_per_action: float
    buggy_hazard_per_action: float
    doubles_after_actions: float  # crash hazard grows with the position in the session


@dataclass(frozen=True)
class DataInfo:
    start: str
    end: str  # exclusive
    users: int
    events: int
    seed: int
    events_file: str
    users_file: str = "users.csv"


@dataclass(frozen=True)
class GroundTruth:
    """Every planted effect; ``churned_user_ids`` is measured on the written data."""

    bots: BotsTruth
    churned_user_ids: list[str]
    churn_window_start: str  # churned = events before this instant and none after
    buggy_app_version: str
    crashes: CrashTruth
    outage: OutageTruth
    campaign: CampaignTruth
    experiment: ExperimentTruth
    data: DataInfo
    notes: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def write(self, path: Path) -> None:
        atomic_write(path, json.dumps(self.to_dict(), indent=2) + "\n")

    @classmethod
    def read(cls, path: str | Path) -> GroundTruth:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
        parts = {"bots": BotsTruth, "crashes": CrashTruth, "outage": OutageTruth,
                 "campaign": CampaignTruth, "experiment": ExperimentTruth, "data": DataInfo}
        for key, kind in parts.items():
            raw[key] = kind(**raw[key])
        return cls(**raw)

"""Which slice moved a metric: rank slices (single dimensions and pairs) by how much of a
change between a day (hour, minutes) and its baseline each explains (Adtributor, Bhagwan et al.
2014: explanatory power + surprise).

For every slice ``s`` of a dimension (or pair) with baseline value ``F_s`` and value ``A_s``:

- **contribution** (explanatory power) ``(A_s - F_s) / (A - F)``, the totals summed over the
  dimension's slices, so a dimension's contributions sum to 100 %;
- **surprise**: the slice's term of the Jensen-Shannon divergence between the dimension's
  baseline shares ``p`` and its shares ``q`` (natural log), ``½ p ln(2p/(p+q)) +
  ½ q ln(2q/(p+q))``; a dimension's terms sum to ``scipy.spatial.distance.jensenshannon(p,
  q) ** 2``.

A slice *explains* the change when its contribution is at least ``min_contribution`` and
exceeds its baseline share by ``margin`` (it moved more than its size says). Per dimension
the explaining slices form a succinct set (at most 3, by surprise, until they explain
``enough`` of the change). The explaining slices come first, by excess contribution
(contribution minus baseline share: a pair that holds the whole change outranks the wider
single dimension that also holds it), surprise breaking ties. Drill-down: an explaining pair
holding >= 80 % of its explaining parent's contribution on a smaller baseline share ranks
just above the parent (whose surplus is its other children's noise): the most specific
slice that explains the change. When no slice explains it, the change was spread over the
slices in proportion to their size: a global change, and the result says so.

The baseline is the same period ``vs`` (default: 7 days before) or the mean of the same
period over the ``vs_mean`` previous days. Periods are ``length`` UTC days, hours or
minutes. Every number comes from one grouped query per dimension set in the warehouse; only
the per-slice table reaches pandas.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal
from zoneinfo import ZoneInfo

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from applens import formatting
from applens.errors import InsufficientDataError, InvalidParameterError, QueryError, did_you_mean
from applens.insights import _filters
from applens.insights._attribution import COLUMNS, rank, slice_surprise
from applens.insights.span import data_span, describe_span

__all__ = ["DEFAULT_DIMENSIONS", "Explanation", "explain", "slice_surprise"]

Grain = Literal["day", "hour", "minute"]
DEFAULT_DIMENSIONS = ("os", "app_version", "source", "country")
_SEP = " · "
_STEP = {"day": dt.timedelta(days=1), "hour": dt.timedelta(hours=1),
         "minute": dt.timedelta(minutes=1)}


@dataclass(frozen=True)
class Explanation:
    """The slices of one metric change, ranked (``explains`` first, by excess contribution)."""

    metric: str
    start: dt.datetime  # naive UTC start of the period explained
    grain: Grain
    baseline: str  # in words: "2026-11-14" or "mean of the 7 previous days"
    value: float
    baseline_value: float
    slices: tuple[dict[str, Any], ...] = ()
    notes: tuple[str, ...] = field(default=())
    chance: bool = False  # the change is within the counts' chance variation (no slice blamed)

    @property
    def change(self) -> float:
        return self.value - self.baseline_value

    @property
    def top(self) -> tuple[dict[str, Any], ...]:
        """The slices that explain the change (empty: a global change)."""
        return tuple(s for s in self.slices if s["explains"])

    def headline(self, label: str | None = None) -> str:
        """One sentence: "dau −18.0%: os=Android · app_version=5.0.0 explains 92.0% of the drop"."""
        rel = self.change / self.baseline_value if self.baseline_value else float("nan")
        head = f"{label or self.metric} {formatting.percent(rel, signed=True)}"
        if self.chance:
            return f"{head}: within chance, no slice is blamed."
        if not self.top:
            return f"{head}: no slice explains it (a global change)."
        best = self.top[0]
        word = "drop" if self.change < 0 else "rise"
        return (f"{head}: {best['slice']} explains "
                f"{formatting.percent(best['contribution'])} of the {word}.")

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame(list(self.slices), columns=COLUMNS)

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out.update(start=self.start.isoformat(), change=self.change, headline=self.headline(),
                   slices=[dict(s) for s in self.slices], notes=list(self.notes))
        return out


def explain(
    ws: Any,
    metric: str,
    date: dt.date | dt.datetime,
    *,
    vs: dt.date | dt.datetime | None = None,
    vs_mean: int | None = None,
    by: Sequence[str] = (),
    grain: Grain = "day",
    length: int = 1,
    pairs: bool = True,
    min_contribution: float = 0.1,
    margin: float = 0.15,
    enough: float = 0.67,
) -> Explanation:
    """Explain the change of ``metric`` (``dau``, ``events``, ``count:EVENT``,
    ``ratio:EVENT/EVENT`` such as ``ratio:like/view``) in the period
    starting at ``date`` (``length`` days, hours or minutes long) against its baseline,
    slice by slice over ``by`` (event columns, or ``person.KEY`` for a users column)."""
    if vs is not None and vs_mean is not None:
        raise InvalidParameterError("Give either vs (a date) or vs_mean (a number of days), "
                                    "not both.")
    if vs_mean is not None and vs_mean < 1:
        raise InvalidParameterError(f"vs_mean must be 1 or more days (got {vs_mean}).")
    if length < 1:
        raise InvalidParameterError(f"length must be 1 or more {grain}s (got {length}).")
    events = ws.table("events")
    users = ws.backend.table("users") if ws.has_table("users") else None
    start = _start(date, grain)
    base = _baseline_starts(start, grain, vs, vs_mean)
    dims = list(by) or [d for d in DEFAULT_DIMENSIONS if d in events.columns]
    if not dims:
        raise InsufficientDataError(f"The events have none of the usual dimensions "
                                    f"({', '.join(DEFAULT_DIMENSIONS)}); name some with by.")
    table, columns = _prepare(events, users, dims)
    table = _metric_rows(table, metric)
    table = table.mutate(_k=_slot(table, [start, *base], _STEP[grain] * length))
    table = table.filter(table._k.notnull())
    # A count or a ratio adds up: one grouped query by every dimension answers the totals,
    # every dimension and every pair (rolled up on the small grouped table).
    finest = _finest(table, [columns[d] for d in dims], metric) if metric != "dau" else None
    totals = (table.group_by("_k").agg(**_values(table, metric)).to_pandas() if finest is None
              else finest.groupby("_k", as_index=False)[
                  [c for c in ("v", "w") if c in finest.columns]].sum())
    sums = {c: _split(totals, c, len(base)) for c in ("v", "w") if c in totals.columns}
    _check_data(ws, sums, start, base, metric)
    now_total, base_total, noise = _totals(sums, len(base))
    frames = _frames(table, finest, dims, columns, metric, len(base), pairs)
    ranked = rank(pd.concat(frames, ignore_index=True), min_contribution, margin, enough)
    chance, notes = _verdict(ranked, abs(now_total - base_total) < 2 * noise)
    words = (f"the mean of the same {'day' if grain == 'day' else 'time of day'} over the "
             f"{vs_mean} previous days" if vs_mean else _when(base[0], grain))
    return Explanation(metric, start, grain, words, now_total, base_total,
                       tuple(ranked.to_dict("records")), notes, chance)


def _frames(table: ir.Table, finest: pd.DataFrame | None, dims: list[str],
            columns: dict[str, str], metric: str, n_base: int, pairs: bool
            ) -> list[pd.DataFrame]:
    """The per-slice tables of every dimension and (with ``pairs``) pair of dimensions:
    rolled up from ``finest`` (period × every dimension) when there is one; else (distinct
    users do not add up, or too many groups) one warehouse query per dimension set."""
    source: ir.Table | pd.DataFrame = table if finest is None else finest
    names = columns if finest is None else {d: f"_d{i}" for i, d in enumerate(dims)}
    singles = [_per_slice(source, (d,), [names[d]], metric, n_base) for d in dims]
    # A dimension with one value (a column nobody fills) tells nothing, alone or in a pair.
    varied = [d for d, f in zip(dims, singles, strict=True) if len(f) > 1]
    frames = [f for f in singles if len(f) > 1] + [
        _per_slice(source, s, [names[d] for d in s], metric, n_base)
        for s in (itertools.combinations(varied, 2) if pairs else ())]
    if not frames:
        raise InsufficientDataError(f"Every dimension ({', '.join(dims)}) has a single value "
                                    "in these periods; pick others with by.")
    return frames


def _totals(sums: dict[str, tuple[float, float]], n_base: int) -> tuple[float, float, float]:
    """The metric now and on the baseline, and the chance variation of their difference: a
    count's is about its square root (Poisson), a ratio's that of its numerator over the
    denominator."""
    (a, f), (aw, fw) = sums["v"], sums.get("w", (1.0, 1.0))
    return a / aw, f / fw, float(np.sqrt(a / aw ** 2 + f / (n_base * fw ** 2)))


def _verdict(ranked: pd.DataFrame, chance: bool) -> tuple[bool, tuple[str, ...]]:
    """The notes; within chance the slices' shares of the change are noise too, so none is
    blamed."""
    if chance:
        ranked["explains"] = False
        return True, ("The change is within chance (less than twice its expected random "
                      "variation); no slice is blamed.",)
    if ranked["explains"].any():
        return False, ()
    return False, ("No slice explains it: the change is spread over the slices in proportion "
                   "to their size (a global change).",)


def _start(date: dt.date | dt.datetime, grain: Grain) -> dt.datetime:
    moment = date if isinstance(date, dt.datetime) else dt.datetime.combine(date, dt.time())
    moment = moment.replace(tzinfo=None, second=0, microsecond=0)
    if grain == "minute":
        return moment
    return moment.replace(minute=0) if grain == "hour" else moment.replace(hour=0, minute=0)


def _baseline_starts(start: dt.datetime, grain: Grain, vs: Any, vs_mean: int | None
                     ) -> list[dt.datetime]:
    if vs_mean is not None:
        return [start - dt.timedelta(days=k) for k in range(1, vs_mean + 1)]
    if vs is None:
        return [start - dt.timedelta(days=7)]
    other = _start(vs, grain)
    if grain != "day" and not isinstance(vs, dt.datetime):
        other = other.replace(hour=start.hour, minute=start.minute)
    if other == start:
        raise InvalidParameterError("The baseline is the period being explained; pick "
                                    "another date for vs.")
    return [other]


def _when(moment: dt.datetime, grain: Grain) -> str:
    return f"{moment:%Y-%m-%d}" if grain == "day" else f"{moment:%Y-%m-%d %H:%M} UTC"


def _prepare(events: ir.Table, users: ir.Table | None, dims: list[str]
             ) -> tuple[ir.Table, dict[str, str]]:
    """Events with the person properties named ``person.KEY`` attached; dimension -> column."""
    names = [c for c in events.columns if not c.startswith("_")]
    people = [c for c in users.columns if not c.startswith("_") and c != "user_id"] \
        if users is not None else []
    known = names + [f"person.{k}" for k in people]
    columns: dict[str, str] = {}
    for dim in dims:
        if dim not in known:
            raise QueryError(f"There is no dimension '{dim}'.{did_you_mean(dim, known)} "
                             f"Known: {', '.join(known)}.")
        columns[dim] = _filters.person_column(dim[7:]) if dim.startswith("person.") else dim
    keys = [d[7:] for d in dims if d.startswith("person.")]
    return _filters.attach_person(events, users, keys), columns


def _events(metric: str) -> list[str]:
    """The events a metric counts (``count:like`` → like; ``ratio:like/view`` → like, view)."""
    if metric.startswith("count:"):
        return [metric[6:]]
    if metric.startswith("ratio:") and metric.count("/") == 1:
        return metric[6:].split("/")
    return []


def _metric_rows(table: ir.Table, metric: str) -> ir.Table:
    if metric in ("dau", "events"):
        return table.filter(table.user_id.notnull()) if metric == "dau" else table
    names = _events(metric)
    if names:
        known = table.event.value_counts().to_pandas()["event"].dropna().tolist()
        for name in names:
            if name not in known:
                raise QueryError(f"There is no event '{name}'.{did_you_mean(name, known)} "
                                 f"Events: {', '.join(sorted(known))}.")
        return table.filter(table.event.isin(names))
    choices = ["dau", "events", "count:EVENT", "ratio:EVENT/EVENT"]
    raise QueryError(f"Unknown metric '{metric}'.{did_you_mean(metric, choices)} "
                     f"Use one of: {', '.join(choices)}.")


def _slot(table: ir.Table, periods: list[dt.datetime], step: dt.timedelta) -> ir.IntegerValue:
    """0 for the explained period, 1… for the baseline periods, NULL elsewhere."""
    cases = [((table.ts >= p) & (table.ts < p + step), i) for i, p in enumerate(periods)]
    return ibis.cases(*cases, else_=ibis.null("int64"))


def _values(table: ir.Table, metric: str) -> dict[str, ir.Scalar]:
    """``v`` (the count, or a ratio's numerator) and, for a ratio, ``w`` (its denominator)."""
    if metric == "dau":
        return {"v": table.user_id.nunique()}
    if metric.startswith("ratio:"):
        num, den = _events(metric)
        return {"v": (table.event == num).cast("int64").sum(),
                "w": (table.event == den).cast("int64").sum()}
    return {"v": table.count()}


def _split(frame: pd.DataFrame, column: str, n_base: int) -> tuple[float, float]:
    by = dict(zip(frame["_k"], frame[column], strict=True))
    return float(by.get(0, 0)), sum(float(by.get(k, 0)) for k in range(1, n_base + 1)) / n_base


def _check_data(ws: Any, sums: dict[str, tuple[float, float]], start: dt.datetime,
                base: list[dt.datetime], metric: str) -> None:
    column = "w" if "w" in sums else "v"  # a ratio needs its denominator
    now_total, base_total = sums[column]
    if now_total and base_total:
        return  # the common case: no need to ask the warehouse for its span
    where = describe_span(data_span(ws.backend), ZoneInfo("UTC"))
    if now_total == 0:
        raise InsufficientDataError(f"No data for {metric} on {start:%Y-%m-%d %H:%M} UTC; "
                                    f"{where}. Pick a period with events.")
    raise InsufficientDataError(f"No data for {metric} on the baseline "
                                f"({base[0]:%Y-%m-%d %H:%M} UTC); {where}. "
                                "Pick another --vs.")


_FINEST_ROWS = 1_000_000  # above this many groups, one query per dimension set is cheaper


def _finest(table: ir.Table, columns: list[str], metric: str) -> pd.DataFrame | None:
    """Period × every dimension, summed (None when that has more than ``_FINEST_ROWS``
    groups: then each dimension set is grouped in the warehouse)."""
    keys = {f"_d{i}": table[c].cast("string") for i, c in enumerate(columns)}
    keyed = table.mutate(**keys)
    grouped = keyed.group_by(["_k", *keys]).agg(**_values(keyed, metric))
    frame = grouped.limit(_FINEST_ROWS + 1).to_pandas()
    if len(frame) > _FINEST_ROWS:
        return None
    # Categories: every roll-up groups small integer codes, not the strings again.
    return frame.astype({k: "category" for k in keys})


def _per_slice(table: ir.Table | pd.DataFrame, dims: tuple[str, ...], columns: list[str],
               metric: str, n_base: int) -> pd.DataFrame:
    if isinstance(table, pd.DataFrame):  # the finest grouping, rolled up (sums only)
        values = [c for c in ("v", "w") if c in table.columns]
        frame = (table.rename(columns=dict(zip(columns, [f"_x{i}" for i in range(len(columns))],
                                               strict=True)))
                 .groupby(["_k", *[f"_x{i}" for i in range(len(columns))]], dropna=False,
                          as_index=False, observed=True)[values].sum())
        frame = frame.rename(columns={f"_x{i}": f"_d{i}" for i in range(len(columns))})
        frame = frame.astype({f"_d{i}": object for i in range(len(columns))})
    else:
        keys = {f"_d{i}": table[c].cast("string") for i, c in enumerate(columns)}
        keyed = table.mutate(**keys)
        frame = keyed.group_by(["_k", *keys]).agg(**_values(keyed, metric)).to_pandas()
    label = pd.Series("", index=frame.index, dtype=object)
    for i, dim in enumerate(dims):
        part = dim + "=" + frame[f"_d{i}"].fillna(_filters.NONE_LABEL).astype(str)
        label = part if i == 0 else label + _SEP + part
    sums = {"now": np.where(frame["_k"] == 0, frame["v"], 0),
            "base": np.where(frame["_k"] > 0, frame["v"], 0) / n_base}
    if "w" in frame.columns:
        sums.update(now_w=np.where(frame["_k"] == 0, frame["w"], 0),
                    base_w=np.where(frame["_k"] > 0, frame["w"], 0) / n_base)
    out = frame.assign(slice=label, **sums).groupby("slice", as_index=False)[list(sums)].sum()
    out.insert(0, "dimension", " × ".join(dims))
    return out

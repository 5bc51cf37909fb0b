"""The six access questions as ``applens query`` kinds: ``access_top``, ``access_quiet``,
``access_after_end``, ``access_cross_program``, ``access_scrapers``, ``access_outlier_days``.

``{"kind": "access_scrapers", "by": "ip", "date_from": "2019-03-01", "date_to": "2019-03-31"}``
answers what ``applens access scrapers --by ip --from ... --to ...`` prints. The spec may carry
``content`` and ``access`` tables (as in applens.toml) since a query has no workspace settings.
The insight registry finds this module through its ``discover`` list (``applens.insights``
does not import ``applens.access``: that would close a circle through ``applens.models``).
The result is columnar: ``periods`` numbers the rows (1 = first), one list per column, the
other tables under ``tables`` and the notes under ``notes``.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from applens.access._base import AccessData, Answer, day_range
from applens.access.content import top_content
from applens.access.cross import cross_program
from applens.access.outliers import outlier_days
from applens.access.people import after_end, quiet_members
from applens.access.scrapers import scrapers
from applens.insights.registry import insight_kind
from applens.insights.result import Result
from applens.serialize import to_jsonable

__all__ = ["AccessSpec"]


class AccessSpec(BaseModel):
    """Fields every access kind shares."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    date_from: date | None = None
    date_to: date | None = None
    n: int = 20
    content: dict[str, Any] = {}
    access: dict[str, Any] = {}


class TopSpec(AccessSpec):
    kind: Literal["access_top"]
    by: Literal["program", "cohort"] = "program"
    group: str | None = None
    least: bool = False


class QuietSpec(AccessSpec):
    kind: Literal["access_quiet"]
    by: Literal["person", "cohort"] = "person"
    metric: Literal["active_days", "accesses"] = "active_days"


class AfterEndSpec(AccessSpec):
    kind: Literal["access_after_end"]


class CrossProgramSpec(AccessSpec):
    kind: Literal["access_cross_program"]
    penalty: float = 3.0


class ScrapersSpec(AccessSpec):
    kind: Literal["access_scrapers"]
    by: Literal["user", "ip"] = "user"


class OutlierDaysSpec(AccessSpec):
    kind: Literal["access_outlier_days"]
    by: Literal["cohort", "program", "person"] = "cohort"
    detector: str = "default"


class _Ctx:
    """The query context of an access kind: the backend's DuckDB connection."""

    def __init__(self, spec: AccessSpec, backend: Any, **_: Any) -> None:
        con = getattr(backend, "con", None)
        if con is None or not hasattr(con, "execute"):
            from applens.errors import QueryError

            raise QueryError(f"{spec.kind} runs on the DuckDB warehouse; set engine = 'duckdb'.")
        self.data = AccessData(con, content=spec.content, access=spec.access)
        self.start, self.end = day_range(spec.date_from, spec.date_to)

    def empty_note(self) -> str | None:
        return None


def _result(spec: AccessSpec, answer: Answer) -> Result:
    frame = answer.table
    data: dict[str, Any] = {"periods": list(range(1, len(frame) + 1))}
    for column in frame.columns:
        data[str(column)] = to_jsonable(frame[column].tolist())
    data["tables"] = {name: {"rows": to_jsonable(t.to_dict(orient="records"))}
                      for name, t in answer.tables.items()}
    data["summary"] = to_jsonable(answer.data)
    return Result(spec.kind, data, spec.model_dump(mode="json"), tuple(answer.notes))


def _kind(name: str, spec: type[AccessSpec], order: float):  # noqa: ANN202
    return insight_kind(name, spec=spec, default_from=None, context=_Ctx, order=order)


@_kind("access_top", TopSpec, 100)
def access_top(ctx: _Ctx, spec: TopSpec) -> Result:
    return _result(spec, top_content(ctx.data, by=spec.by, group=spec.group, least=spec.least,
                                     n=spec.n, start=ctx.start, end=ctx.end))


@_kind("access_quiet", QuietSpec, 101)
def access_quiet(ctx: _Ctx, spec: QuietSpec) -> Result:
    return _result(spec, quiet_members(ctx.data, by=spec.by, metric=spec.metric, n=spec.n,
                                       start=ctx.start, end=ctx.end))


@_kind("access_after_end", AfterEndSpec, 102)
def access_after_end(ctx: _Ctx, spec: AfterEndSpec) -> Result:
    return _result(spec, after_end(ctx.data, n=spec.n, start=ctx.start, end=ctx.end))


@_kind("access_cross_program", CrossProgramSpec, 103)
def access_cross_program(ctx: _Ctx, spec: CrossProgramSpec) -> Result:
    return _result(spec, cross_program(ctx.data, n=spec.n, penalty=spec.penalty,
                                       start=ctx.start, end=ctx.end))


@_kind("access_scrapers", ScrapersSpec, 104)
def access_scrapers(ctx: _Ctx, spec: ScrapersSpec) -> Result:
    return _result(spec, scrapers(ctx.data, entity=spec.by, n=spec.n, start=ctx.start,
                                  end=ctx.end))


@_kind("access_outlier_days", OutlierDaysSpec, 105)
def access_outlier_days(ctx: _Ctx, spec: OutlierDaysSpec) -> Result:
    return _result(spec, outlier_days(ctx.data, by=spec.by, detector=spec.detector, n=spec.n,
                                      start=ctx.start, end=ctx.end))

"""The insight engine: one declarative spec in, one typed result out, on any Ibis backend.

>>> import ibis, applens.insights as insights            # doctest: +SKIP
>>> con = ibis.duckdb.connect(); con.create_table("events", df)  # doctest: +SKIP
>>> insights.run({"kind": "active_users", "math": ["dau", "wau"]}, con).to_dict()  # doctest: +SKIP

Semantics follow ``shared/docs/metric-definitions.md`` (PostHog-compatible).
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from ibis.backends import BaseBackend

    from applens.insights.registry import KINDS
    from applens.insights.result import Result
    from applens.insights.span import DEFAULT_WINDOW_DAYS, data_span, default_window
    from applens.insights.spec import SpecModel, parse_spec

__all__ = ["DEFAULT_WINDOW_DAYS", "KINDS", "Result", "data_span", "default_window", "parse_spec",
           "query", "run"]

# Imported on first use (PEP 562): ``applens.insights.rollups`` is on the ingest path, and
# importing this package must not pull in Ibis, pandas and pydantic (~1 CPU-s) with it.
_LAZY = {"KINDS": "registry", "Result": "result", "DEFAULT_WINDOW_DAYS": "span",
         "data_span": "span", "default_window": "span", "parse_spec": "spec"}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    globals()[name] = value  # later lookups skip this hook
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


def run(
    spec: dict[str, Any] | SpecModel,
    backend: BaseBackend,
    *,
    timezone: str = "UTC",
    week_start: Literal["sunday", "monday"] = "sunday",
    now: datetime | None = None,
    path: Literal["auto", "rollup", "scan"] = "auto",
) -> Result:
    """Answer ``spec`` over the ``events`` (and ``users``) tables of ``backend``.

    ``path``: ``auto`` reads the rollups when they answer the spec exactly (see
    ``insights._rollups``), else scans; ``rollup`` fails with the reason when they cannot;
    ``scan`` always scans. ``Result.plan`` / ``Result.explain()`` say which path answered.

    ``timezone``/``week_start`` are the workspace defaults (the spec may override them);
    ``now`` anchors relative dates (default: the system clock; the spec's ``now`` wins); when
    the data ends before it, relative dates count back from the last event instead. A range
    with no event in it carries a note saying so (``Result.notes``).
    """
    from applens.errors import QueryError
    from applens.insights._context import Context
    from applens.insights._rollups import Plan, plan
    from applens.insights.registry import KINDS
    from applens.insights.spec import parse_spec

    model = parse_spec(spec)
    kind = KINDS.get(model.kind)
    if kind.context is not None:
        ctx = kind.context(model, backend, timezone=timezone, week_start=week_start,
                           now=now or datetime.now(UTC))
    else:
        ctx = Context(model, backend, timezone=timezone, week_start=week_start,
                      now=now or datetime.now(UTC), default_from=kind.default_from)
    chosen = Plan("scan", "a scan was asked for") if path == "scan" else plan(
        model, backend, timezone=timezone)
    if path == "rollup" and chosen.answer is None:
        raise QueryError(f"The rollups cannot answer this spec: {chosen.why}.")
    result = chosen.answer(ctx, model) if chosen.answer is not None else kind.run(ctx, model)
    note = ctx.empty_note()
    return replace(result, notes=(*result.notes, note) if note else result.notes,
                   plan={"path": chosen.path, "why": result.plan.get("why", chosen.why)})


def query(spec: dict[str, Any] | SpecModel, source: Any, *, engine: str | None = None,
          path: Literal["auto", "rollup", "scan"] = "auto") -> Result:
    """``run`` against a ``Workspace`` (its timezone, week start and clock), an Ibis backend,
    or a mapping ``{"events": …, "users": …}`` of DataFrames / Arrow tables / file paths,
    loaded into ``engine`` (``duckdb`` default, ``chdb``, ``spark``; see ``applens.engines``).
    """
    if hasattr(source, "backend") and hasattr(source, "settings"):
        chosen = engine or getattr(source.settings, "engine", "duckdb")
        return run(spec, _workspace_backend(source, chosen), timezone=source.settings.timezone,
                   week_start=source.settings.week_start, now=source.now(), path=path)
    if isinstance(source, Mapping):
        from applens.engines import open_engine

        return run(spec, open_engine(engine or "duckdb", source), path=path)
    return run(spec, source, path=path)


def _workspace_backend(ws: Any, engine: str) -> Any:
    """The workspace's warehouse, a ClickHouse server, or a copy of its tables in chDB/Spark."""
    from applens.engines import check_engine, open_engine

    if check_engine(engine) == "duckdb":
        return ws.backend
    if engine.startswith("clickhouse://"):
        return open_engine(engine)
    names = [name for name in ("events", "users") if ws.has_table(name)]
    return open_engine(engine, {name: ws.table(name).to_pyarrow() for name in names})

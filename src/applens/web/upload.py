"""The upload page and API: what ``applens ingest`` does, from a browser.

Each canonical column of the chosen table (``applens.schema``) has a field taking the
``--map`` grammar (``date+time`` joins, ``const:NAME``), beside the preset, ``--where``,
``--ts-format`` and ``--max-rejects``; the values go through the CLI's own parser, so errors
read the same. *Preview* maps the first rows without writing anything (the file goes to a
temporary folder, read by ``applens.ingest.preview``); *Upload* stores the file under
``uploads/`` and ingests it.
"""

from __future__ import annotations

import datetime as dt
import re
import tempfile
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile

from applens._files import atomic_path
from applens.errors import ApplensError, InvalidParameterError
from applens.ingest import ingest, parse_max_rejects
from applens.ingest.mapping import parse_map_options
from applens.ingest.presets import PRESETS
from applens.ingest.preview import Preview, preview
from applens.schema import TABLES, table_spec
from applens.web import pages

__all__ = ["UPLOAD_SUFFIXES", "UploadForm", "install_upload", "safe_filename"]

UPLOAD_SUFFIXES = (".csv", ".tsv", ".txt", ".log", ".parquet", ".json", ".jsonl", ".ndjson",
                   ".csv.gz", ".tsv.gz", ".log.gz", ".json.gz", ".jsonl.gz")
ALL_REJECTS = "100%"  # the page lists every reject, so by default it loads what is valid
REJECTS_SHOWN = 200


def safe_filename(name: str) -> str:
    """A file name that cannot leave its folder: last path part, plain characters only."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = unicodedata.normalize("NFKC", base)
    base = re.sub(r"[^A-Za-z0-9._-]+", "_", base).strip("._-")
    return base[:120] or "upload"


@dataclass(frozen=True)
class UploadForm:
    """The page's fields, as typed; ``options()`` turns them into ``ingest`` arguments."""

    table: str = "events"
    fields: dict[str, str] = field(default_factory=dict)  # canonical column -> --map source
    preset: str = ""
    where: str = ""
    ts_format: str = ""
    max_rejects: str = ALL_REJECTS
    action: str = "ingest"

    @classmethod
    def read(cls, form: FormData) -> UploadForm:
        def text(name: str, default: str = "") -> str:
            value = form.get(name)
            return value.strip() if isinstance(value, str) else default

        table = text("table", "events") or "events"
        if table not in TABLES:
            raise InvalidParameterError(
                f"table must be {', '.join(TABLES)}; got {table!r}.")
        fields = {name: text(f"map_{name}") for name in table_spec(table).names}
        return cls(table, {k: v for k, v in fields.items() if v}, text("preset"),
                   text("where"), text("ts_format"), text("max_rejects", ALL_REJECTS),
                   (text("action", "ingest") or "ingest").lower())

    def options(self) -> dict[str, Any]:
        """Keyword arguments shared by ``ingest`` and ``preview`` (errors as the CLI's)."""
        mapping = parse_map_options([f"{name}={source}" for name, source in self.fields.items()])
        return {"table": self.table, "mapping": mapping, "preset": self.preset or None,
                "where": self.where or None, "ts_format": self.ts_format or None}


def _upload_file(form: FormData) -> UploadFile:
    file = form.get("file")
    if not isinstance(file, UploadFile) or not file.filename:
        raise InvalidParameterError("Choose a file to upload (the 'file' field is empty).")
    name = safe_filename(file.filename)
    if not name.lower().endswith(UPLOAD_SUFFIXES):
        raise InvalidParameterError(
            f"'{file.filename}' is not a CSV, TSV, log, Parquet or JSON file (by its name). "
            f"Rename it with one of: {', '.join(UPLOAD_SUFFIXES)}.")
    return file


def _copy(file: UploadFile, target: Path) -> Path:
    with atomic_path(target) as tmp, tmp.open("wb") as out:
        while chunk := file.file.read(1 << 20):
            out.write(chunk)
    return target


def _preview(ws: Any, file: UploadFile, form: UploadForm) -> Preview:
    """The first rows mapped; the file is read from a temporary folder, nothing is kept."""
    options = form.options()
    with tempfile.TemporaryDirectory(prefix="applens-upload-") as folder:
        path = _copy(file, Path(folder) / safe_filename(file.filename or ""))
        return preview(ws, path, label=file.filename or path.name, **options)


def _ingest(ws: Any, file: UploadFile, form: UploadForm) -> tuple[dict[str, Any], list]:
    options = form.options()
    limit = form.max_rejects or ALL_REJECTS
    parse_max_rejects(limit)  # a bad limit is refused before the file is stored
    folder = pages.uploads_dir(ws).resolve()
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S-%f")
    target = (folder / f"{stamp}-{safe_filename(file.filename or '')}").resolve()
    if target.parent != folder:  # belt and braces: safe_filename already made it so
        raise InvalidParameterError(f"Refusing to write '{file.filename}' outside the workspace.")
    _copy(file, target)
    try:
        summary = ingest(ws, target, max_rejects=limit, **options)
    except ApplensError as exc:
        target.unlink(missing_ok=True)  # nothing was loaded: keep nothing either
        # the message names the file as the user chose it, not the copy under uploads/
        raise type(exc)(str(exc).replace(str(target), file.filename or target.name)) from None
    data = {**summary.to_dict(), "file_name": file.filename}
    rejects = []
    if summary.rows_rejected and summary.ingest_id is not None:
        rejects = [dict(zip(("line", "column", "value", "reason"), row, strict=True))
                   for row in ws.connection.execute(
                       'SELECT line, "column", value, reason FROM rejects WHERE ingest_id = ? '
                       f"ORDER BY line LIMIT {REJECTS_SHOWN}", [summary.ingest_id]).fetchall()]
    return data, rejects


Render = Callable[..., Response]


def install_upload(app: FastAPI, state: Any, render: Render) -> None:
    """The ``/upload`` page and ``/api/upload`` (+ ``/preview``) routes over ``state.ws``."""

    def page(request: Request, form: UploadForm, status: int = 200, **context: Any) -> Response:
        context.setdefault("preview", None)
        columns = context["preview"].source_columns if context["preview"] else ()
        return render(request, "upload.html", status=status, page="upload", title="Upload",
                      form=form, tables=TABLES, presets=list(PRESETS), source_columns=columns,
                      workspace=state.ws.path.name, rejects_shown=REJECTS_SHOWN,
                      limit_mb=app.state.max_upload_bytes / 1_048_576, **context)

    def run(form: UploadForm, file: UploadFile) -> dict[str, Any]:
        with state.lock:
            if form.action == "preview":
                return {"preview": _preview(state.ws, file, form)}
            result, rejects = _ingest(state.ws, file, form)
            return {"result": result, "rejects": rejects}

    @app.get("/upload", include_in_schema=False)
    def upload_form(request: Request) -> Response:
        return page(request, UploadForm())

    @app.post("/upload", include_in_schema=False)
    async def upload_submit(request: Request) -> Response:
        form = UploadForm()
        filename = None
        try:
            async with request.form() as raw:  # closes the uploaded file's spool
                form = UploadForm.read(raw)
                file = _upload_file(raw)
                filename = file.filename
                done = await run_in_threadpool(run, form, file)
        except ApplensError as exc:
            return page(request, form, status=exc.status_code, filename=filename,
                        error={"type": type(exc).__name__, "message": str(exc)})
        return page(request, form, filename=filename, **done)

    async def api(request: Request, action: str) -> dict[str, Any]:
        async with request.form() as raw:
            form = replace(UploadForm.read(raw), action=action)
            done = await run_in_threadpool(run, form, _upload_file(raw))
        if action == "preview":
            return {"ok": True, "preview": done["preview"].to_dict()}
        return {"ok": True, "ingest": done["result"], "rejects": done["rejects"]}

    @app.post("/api/upload", tags=["api"], summary="Ingest a CSV/Parquet/JSON file",
              description="multipart/form-data with `file` and optional `table` (events, users, "
                          "tickets), `map_<column>` (the `--map` grammar, e.g. `map_ts=date+time`,"
                          " `map_event=const:purchase`), `preset`, `where`, `ts_format` and "
                          "`max_rejects` (default 100%). Answers the ingest summary and the "
                          "rejected rows.")
    async def api_upload(request: Request) -> dict[str, Any]:
        return await api(request, "ingest")

    @app.post("/api/upload/preview", tags=["api"], summary="Preview a file's first rows mapped",
              description="The same fields as `/api/upload`; answers the detected format and "
                          "the first 10 rows as they would be loaded or rejected. Writes "
                          "nothing.")
    async def api_upload_preview(request: Request) -> dict[str, Any]:
        return await api(request, "preview")

"""``applens serve``: the web dashboard and JSON API over a workspace."""

from __future__ import annotations

import ipaddress
import os
from typing import Annotated

import typer

from applens.cli._common import WorkspaceOption, open_workspace
from applens.cli._output import err_console
from applens.cli._registry import COMMANDS
from applens.errors import ConfigError

TOKEN_ENV = "APPLENS_TOKEN"


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def serve(
    workspace: WorkspaceOption = None,
    host: Annotated[str, typer.Option(
        help=f"Address to bind. Anything but 127.0.0.1/localhost needs {TOKEN_ENV}."
    )] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port to listen on.")] = 8000,
    schedule: Annotated[bool, typer.Option(
        "--schedule", help="Also run the monitor every 15 minutes, the daily digest and the "
        "[etl.NAME] jobs (at start and at each job's schedule).")] = False,
    max_upload_mb: Annotated[float, typer.Option(
        min=0.001, help="Largest upload accepted, in MiB (bigger requests get 413).")] = 200.0,
) -> None:
    """Serve the dashboard (overview, activity, retention, funnels, experiments, anomalies,
    models, data, upload) and the JSON API (/api/, schema at /openapi.json).

    Binds 127.0.0.1 by default. To bind another address set APPLENS_TOKEN (16 characters or
    more): every request must then carry it (Authorization: Bearer TOKEN, or sign in once with
    ?token=TOKEN or the login form; the browser keeps a signed session, not the token).

    Example: applens serve -w applens-demo --port 8000
    """
    import uvicorn

    from applens.web import create_app
    from applens.web.security import check_token

    token = os.environ.get(TOKEN_ENV) or None
    if token is not None:
        check_token(token)
    if not is_loopback(host) and not token:
        raise ConfigError(
            f"Refusing to serve on {host} without an access token: anyone on the network could "
            f"read the workspace. Set {TOKEN_ENV} to a long random secret, or bind 127.0.0.1.")
    ws = open_workspace(workspace)
    # Without a token only loopback names are answered (no DNS rebinding onto the dashboard).
    hosts = None if token else ["127.0.0.1", "localhost", "[::1]", host]
    app = create_app(ws, token=token, max_upload_bytes=int(max_upload_mb * 1_048_576),
                     allowed_hosts=hosts, warm_pages=True)
    scheduler = None
    if schedule:
        from applens.web.schedule import start_scheduler

        scheduler = start_scheduler(ws, app.state.applens.lock, say=err_console.print)
    shown = f"[{host}]" if ":" in host else host
    err_console.print(f"applens dashboard for {ws.path.name}: http://{shown}:{port}/"
                      + ("  (token required)" if token else ""), highlight=False)
    try:
        uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)
    finally:
        if scheduler is not None:
            scheduler.stop()
        ws.close()


@COMMANDS.register("serve")
def register(app: typer.Typer) -> None:
    app.command("serve")(serve)

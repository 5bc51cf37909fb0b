"""Dashboard pages on the demo workspace (~1M events), in a real browser: time to drawn charts.

    .venv/bin/python benchmarks/dashboard_bench.py                      # builds the demo
    .venv/bin/python benchmarks/dashboard_bench.py --workspace applens-demo --baseline main

For each page of a fresh ``applens serve``, Debian's Chromium (/usr/bin/chromium, headless,
every request that leaves 127.0.0.1 aborted) opens ``/page/NAME`` and waits until the page
is complete and every chart on it is drawn by vega-embed. Per page it records, in ms from
the start of the navigation (the browser's own clock):

- ``first``: the first visit after the server started (nothing kept yet);
- ``reload``: the same page opened again once every page was visited (results kept);
- for each: ``response_start`` (first byte), ``first_paint`` (first contentful paint: the
  shell, with its progress state when the page is slow) and ``drawn`` (charts drawn);
- ``build``: the server-side build of the page's data, timed in a child process before the
  server starts (DuckDB allows one process): ``cold`` (first in the process) and ``warm``.

With ``--baseline REF`` the same runs against a server from that git ref's ``src`` (``git
archive``), alternating baseline and current for ``--rounds`` rounds (A B A B) so that both
see the same machine; medians over the rounds are reported. Nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _measure import write_result  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
END = dt.date(2026, 11, 22)  # a fixed end day: the same demo data on every run

BUILD_JOB = """
import json, sys, time
from applens.web import pages
from applens.workspace import Workspace
ws = Workspace.open(sys.argv[1])
out = {}
for name in pages.PAGES:
    times = []
    for _ in range(2):  # cold (first in this process), then warm
        t = time.perf_counter()
        pages.build_page(name, ws, pages.parse_filters(ws, {}))
        times.append(round((time.perf_counter() - t) * 1000, 1))
    out[name] = {"cold": times[0], "warm": times[1]}
print(json.dumps(out))
"""

# Ready: the document is complete and every chart spec on it has been drawn (or failed).
READY = """() => {
  if (document.readyState !== "complete") return false;
  const specs = document.querySelectorAll("script.chart-spec").length;
  const drawn = document.querySelectorAll(".chart[data-rendered]").length;
  return drawn >= specs ? performance.now() : false;
}"""
TIMINGS = """() => {
  const nav = performance.getEntriesByType("navigation")[0];
  const paint = performance.getEntriesByName("first-contentful-paint")[0];
  return {response_start: nav.responseStart, first_paint: paint ? paint.startTime : null,
          failed: document.querySelectorAll('.chart[data-rendered="error"]').length,
          progress_shown: !!document.getElementById("page-progress")};
}"""


def build_demo(folder: Path, users: int, days: int) -> None:
    subprocess.run([sys.executable, "-c", (
        "import datetime as dt; from applens.demo.job import run_demo; "
        f"run_demo({str(folder)!r}, users={users}, days={days}, seed=0, "
        f"end_date=dt.date({END.year}, {END.month}, {END.day}))")], check=True,
        env=_env(ROOT / "src"))


def checkout_src(ref: str, into: Path) -> Path:
    """``src`` of git ``ref`` in ``into`` (no worktree, nothing in .git changes)."""
    blob = subprocess.run(["git", "-C", str(ROOT), "archive", ref, "src"], check=True,
                          capture_output=True).stdout
    with tarfile.open(fileobj=io.BytesIO(blob)) as tar:
        tar.extractall(into, filter="data")
    return into / "src"


def _env(src: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "APPLENS_TOKEN"}
    env["PYTHONPATH"] = str(src)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def server_build_times(src: Path, workspace: Path) -> dict[str, dict[str, float]]:
    out = subprocess.run([sys.executable, "-c", BUILD_JOB, str(workspace)], check=True,
                         capture_output=True, text=True, env=_env(src)).stdout
    return json.loads(out.strip().splitlines()[-1])


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(src: Path, workspace: Path, log: Path) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "applens", "serve", "-w", str(workspace),
                             "--port", str(port)], stdout=log.open("w"),
                            stderr=subprocess.STDOUT, env=_env(src))
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        try:
            with urllib.request.urlopen(f"{url}/api/health", timeout=2):
                break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise RuntimeError(f"applens serve did not start: {log.read_text()[-2000:]}"
                                   ) from None
            time.sleep(0.3)
    # The vega bundle is made on its first request (seconds); not part of any page's time.
    urllib.request.urlopen(f"{url}/static/vega.js", timeout=300).read()
    return proc, url


def peak_rss_mib(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return None


def visit(page, url: str) -> dict[str, object]:  # noqa: ANN001 - a Playwright page
    page.goto(url, wait_until="commit")
    drawn = page.wait_for_function(READY, polling="raf", timeout=180_000).json_value()
    timings = page.evaluate(TIMINGS)
    return {"drawn": round(drawn, 1), "response_start": round(timings["response_start"], 1),
            "first_paint": (round(timings["first_paint"], 1)
                            if timings["first_paint"] is not None else None),
            "progress_shown": timings["progress_shown"], "charts_failed": timings["failed"]}


def browse(url: str, names: list[str]) -> dict[str, dict[str, object]]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as play:
        browser = play.chromium.launch(executable_path=CHROMIUM)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(
            "http://127.0.0.1") or route.request.url.startswith("data:") else route.abort())
        page = context.new_page()
        page.goto(f"{url}/static/vega.js")  # the browser's cache holds the bundle, as it would
        found: dict[str, dict[str, object]] = {}
        for name in names:
            found[name] = {"first": visit(page, f"{url}/page/{name}")}
        for name in names:
            found[name]["reload"] = visit(page, f"{url}/page/{name}")
        browser.close()
    return found


def one_run(src: Path, workspace: Path, log: Path) -> dict[str, object]:
    build = server_build_times(src, workspace)
    proc, url = start_server(src, workspace, log)
    try:
        with urllib.request.urlopen(f"{url}/api/pages", timeout=30) as response:
            names = [p["name"] for p in json.loads(response.read())["pages"]]
        pages = browse(url, names)
        rss = peak_rss_mib(proc.pid)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
    for name in pages:
        pages[name]["build"] = build.get(name)
    return {"pages": pages, "server_peak_rss_mib": rss}


def event_count(workspace: Path) -> int:
    import duckdb

    con = duckdb.connect(str(workspace / "warehouse.duckdb"), read_only=True)
    try:
        return int(con.execute("SELECT count(*) FROM events").fetchall()[0][0])
    finally:
        con.close()


def medians(runs: list[dict[str, object]]) -> dict[str, dict[str, object]]:
    """Per page and figure, the median over the runs."""
    out: dict[str, dict[str, object]] = {}
    for name in runs[0]["pages"]:  # type: ignore[union-attr]
        row: dict[str, object] = {}
        for visit_kind in ("first", "reload"):
            for figure in ("response_start", "first_paint", "drawn"):
                values = [r["pages"][name][visit_kind][figure] for r in runs  # type: ignore[index]
                          if r["pages"][name][visit_kind][figure] is not None]  # type: ignore[index]
                row[f"{visit_kind}_{figure}_ms"] = (round(statistics.median(values), 1)
                                                    if values else None)
            row[f"{visit_kind}_progress_shown"] = any(
                r["pages"][name][visit_kind]["progress_shown"] for r in runs)  # type: ignore[index]
        for build_kind in ("cold", "warm"):
            values = [r["pages"][name]["build"][build_kind] for r in runs  # type: ignore[index]
                      if r["pages"][name]["build"]]  # type: ignore[index]
            row[f"build_{build_kind}_ms"] = (round(statistics.median(values), 1)
                                             if values else None)
        out[name] = row
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workspace", type=Path, help="an existing demo workspace to serve "
                        "(default: build one in a temporary folder)")
    parser.add_argument("--users", type=int, default=5_000, help="demo users (default: "
                        "applens demo's 5,000: about 1.1M events over 35 days)")
    parser.add_argument("--days", type=int, default=35)
    parser.add_argument("--baseline", help="a git ref to compare with (e.g. main)")
    parser.add_argument("--rounds", type=int, default=2, help="runs of each side (A B A B)")
    parser.add_argument("--out", default="dashboard")
    args = parser.parse_args()
    if not Path(CHROMIUM).exists():
        print(f"Chromium not found at {CHROMIUM}: run scripts/ensure-chromium.sh", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="applens-dashboard-bench-") as tmp:
        scratch = Path(tmp)
        workspace = args.workspace
        if workspace is None:
            workspace = scratch / "demo"
            build_demo(workspace, args.users, args.days)
        sides = {"current": ROOT / "src"}
        if args.baseline:
            sides = {"baseline": checkout_src(args.baseline, scratch / "baseline"), **sides}
        runs: dict[str, list[dict[str, object]]] = {side: [] for side in sides}
        for round_ in range(args.rounds):
            for side, src in sides.items():
                print(f"round {round_ + 1}: {side}", flush=True)
                runs[side].append(one_run(src, workspace, scratch / f"serve-{side}.log"))
        size = event_count(workspace)
    result = {
        "workspace": {"events": size, "users": args.users, "days": args.days},
        "chromium": CHROMIUM, "rounds": args.rounds, "baseline": args.baseline,
        "load_average": os.getloadavg(),
        "pages": {side: medians(side_runs) for side, side_runs in runs.items()},
        "server_peak_rss_mib": {side: [r["server_peak_rss_mib"] for r in side_runs]
                                for side, side_runs in runs.items()},
        "runs": runs,
    }
    write_result(args.out, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())

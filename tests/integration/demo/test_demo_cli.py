"""``applens demo`` ends by writing the HTML report and saying where it is."""

import re
from pathlib import Path


def test_demo_writes_the_report_and_prints_where(run_cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # a relative workspace prints relative paths, as the README shows
    folder = Path("demo")
    result = run_cli("demo", folder, "--users", "200", "--days", "21", "--end-date", "2026-11-22")
    assert result.exit_code == 0, result.stderr
    assert "Workspace:" in result.stdout and "Planted:" in result.stdout
    # Sections the demo's workspace has no use for are listed in the report, not logged at it.
    assert "report section" not in result.stderr, result.stderr
    found = re.search(r"Report:\s+(\S+report\.html)", result.stdout)
    assert found, result.stdout
    html = (folder / "reports").glob("report-*/report.html")
    (path,) = list(html)
    assert not found.group(1).startswith("/")
    assert str(path) == found.group(1) and 'class="vl-spec"' in path.read_text()
    assert list((path.parent / "charts").glob("*.png"))

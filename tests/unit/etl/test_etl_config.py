"""``[etl.NAME]`` tables: the metric and dimension grammar, and one-line config errors."""

from __future__ import annotations

import pytest

from applens.errors import ConfigError
from applens.etl import load_jobs, parse_metric


def test_shorthands_become_trends_specs():
    assert parse_metric("dau").spec() == {"kind": "trends", "series": [{"math": "dau"}]}
    assert parse_metric("users:message").spec()["series"] == [
        {"event": "message", "math": "dau"}]
    ratio = parse_metric("ratio:like/view").spec()
    assert ratio["series"] == [{"event": "like"}, {"event": "view"}]
    assert ratio["formula"] == "A / B"
    assert parse_metric("mean:value").spec()["series"] == [
        {"math": "avg", "math_property": "value"}]


def test_a_job_reads_tables_strings_and_defaults():
    jobs = load_jobs({"daily": {
        "metrics": ["dau", {"name": "ctr", "series": [{"event": "like"}, {"event": "view"}],
                            "formula": "A / B"}],
        "dims": ["os", {"name": "age_band", "property": "person.age", "bins": [18, 25]}],
        "wide_view": True}})
    job = jobs["daily"]
    assert [m.name for m in job.metrics] == ["dau", "ctr"]
    assert job.dims[1].breakdown().model_dump() == {"type": "person", "property": "age",
                                                     "bins": [18, 25]}
    assert (job.table_name, job.view_name, job.grain, job.target) == (
        "etl_daily", "etl_daily_wide", "day", "warehouse")


@pytest.mark.parametrize(("table", "message"), [
    ({"metrics": ["dua"]}, "Did you mean 'dau'?"),
    ({"metrics": ["dau", "dau"]}, "metric 'dau' is listed twice"),
    ({"metrics": ["dau"], "grain": "week"}, "etl.daily.grain"),
    ({"metrics": ["dau"], "target": "oracle://db"}, "is not a target"),
    ({"metrics": ["dau"], "table": "drop table x"}, "is not a table name"),
    ({"metrics": ["dau"], "schedule": "daily"}, "is not a cron expression"),
    ({"metrics": ["dau"], "dimz": ["os"]}, "etl.daily.dimz"),
    ({"metrics": [{"name": "x", "series": [{"event": "a"}, {"event": "b"}]}]},
     "several series need a formula"),
    ({"metrics": []}, "etl.daily.metrics"),
])
def test_bad_tables_are_one_line_config_errors(table, message):
    with pytest.raises(ConfigError) as info:
        load_jobs({"daily": table})
    text = str(info.value)
    assert message in text and "\n" not in text, text


def test_the_workspace_template_example_is_a_valid_job():
    import tomllib
    from importlib import resources

    text = resources.files("applens").joinpath("workspace_template.toml").read_text()
    example = text.split("# [etl.daily_slices]\n")[1]
    lines = ["[etl.daily_slices]"] + [line[2:] for line in example.splitlines()
                                      if line.startswith("# ")]
    job = load_jobs(tomllib.loads("\n".join(lines))["etl"])["daily_slices"]
    assert [d.name for d in job.dims][-1] == "age_band" and job.view_name

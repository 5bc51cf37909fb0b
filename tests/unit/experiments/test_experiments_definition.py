"""``[experiments.<name>]`` validation: one clear ConfigError naming the key."""

from __future__ import annotations

import pytest

from applens.errors import ConfigError, NotFoundError
from applens.experiments.definition import MetricDef, experiment_config, parse_metric_def
from applens.insights._formula import PropertyMetric

BASE = {"exposure_event": "exposure", "variants": ["control", "treatment"],
        "start": "2024-03-01", "end": "2024-03-15", "metrics": ["retention_7"]}


@pytest.mark.parametrize(("text", "expected"), [
    ("retention_1", MetricDef("retention_1", "retention", day=1)),
    ("d7=retention_7", MetricDef("d7", "retention", day=7)),
    ("conversion:purchase", MetricDef("conversion_purchase", "conversion", event="purchase")),
    ("count:view", MetricDef("count_view", "count", event="view")),
    ("revenue:purchase", MetricDef("revenue_purchase", "sum", event="purchase")),
    ("gmv=sum:purchase", MetricDef("gmv", "sum", event="purchase")),
    ("ctr=like/view", MetricDef("ctr", "ratio", event="like", denominator="view")),
    ("like/view", MetricDef("like_per_view", "ratio", event="like", denominator="view")),
    ("mean:converted", MetricDef("mean_converted", "property",
                                 prop=PropertyMetric("mean", "converted"))),
    ("share:converted", MetricDef("share_converted", "property",
                                  prop=PropertyMetric("share", "converted"))),
    ("revenue=sum:Quantity * Price", MetricDef("revenue", "property",
                                                prop=PropertyMetric("sum", "Quantity * Price"))),
    ("revenue:Quantity*Price", MetricDef("revenue_Quantity_Price", "property",
                                         prop=PropertyMetric("sum", "Quantity*Price"))),
])
def test_metric_grammar(text, expected):
    assert parse_metric_def(text) == expected


@pytest.mark.parametrize(("text", "message"), [
    ("retention_0", "day >= 1"),
    ("convertion:buy", "Did you mean 'conversion'"),
    ("count:", "event name"),
    ("ctr", "is not a metric"),
    ("mean:", "give a property"),
    ("avg:converted", "mean: or share:"),
    ("sum:Quantity *", "not an SQL expression"),
])
def test_bad_metric(text, message):
    with pytest.raises(ValueError, match=message):
        parse_metric_def(text)


def test_valid_config_and_defaults():
    cfg = experiment_config({"feed": BASE}, "feed")
    assert cfg.name == "feed" and cfg.control_arm == "control"
    assert (cfg.alpha, cfg.correction, cfg.cuped, cfg.pre_period_days) == (0.05, "holm", False, 14)
    assert cfg.metric_defs == [MetricDef("retention_7", "retention", day=7)]


@pytest.mark.parametrize(("change", "message"), [
    ({"metrcs": ["x"]},
     r"'experiments\.feed\.metrcs' is not an experiment setting\. Did you mean 'metrics'"),
    ({"salt": "s"}, "exactly one assignment source"),
    ({"exposure_event": None}, "exactly one assignment source"),
    ({"control": "contrl"}, "Did you mean 'control'"),
    ({"weights": [1.0]}, "one non-negative number per variant"),
    ({"end": "2024-02-01"}, r"end \(2024-02-01\) must be after start"),
    ({"alpha": 1.5}, r"'experiments\.feed\.alpha'"),
    ({"metrics": ["retention_7", "bogus"]},
     r"'experiments\.feed\.metrics'.*'bogus' is not a metric"),
    ({"guardrails": ["retention_7"]}, "both a metric and a guardrail"),
    ({"variants": ["a"]}, r"'experiments\.feed\.variants'"),
    ({"correction": "fdr"}, r"'experiments\.feed\.correction'"),
    ({"lower_is_better": ["retention7"]}, "Did you mean 'retention_7'"),
    ({"assignment_table": "t"}, "exposure_event, users_column, events_column, assignment_table "
                                r"or salt \(got exposure_event, assignment_table\)"),
    ({"where": "value >"}, r"'experiments\.feed\.where'.*not an SQL expression"),
    ({"assignment_time_column": "at"}, "set assignment_table to use assignment_time_column"),
    ({"exposure_event": None, "assignment_table": "t", "assignment_tabel": "x"},
     "Did you mean 'assignment_table'"),
])
def test_config_errors_name_the_key(change, message):
    with pytest.raises(ConfigError, match=message):
        experiment_config({"feed": {**BASE, **change}}, "feed")


def test_assignment_table_defaults():
    cfg = experiment_config({"feed": {**BASE, "exposure_event": None, "assignment_table": "t"}},
                            "feed")
    assert (cfg.assignment_table, cfg.assignment_user_column, cfg.assignment_variant_column,
            cfg.assignment_time_column) == ("t", "user_id", "variant", None)


def test_overrides_replace_declared_values_and_are_validated():
    declared = {"feed": {**BASE, "alpha": 0.1, "correction": "bh"}}
    cfg = experiment_config(declared, "feed", overrides={"alpha": 0.01, "correction": None})
    assert (cfg.alpha, cfg.correction) == (0.01, "bh")  # None = not given: the TOML value stays
    with pytest.raises(ConfigError, match=r"'experiments\.feed\.alpha'"):
        experiment_config(declared, "feed", overrides={"alpha": 1.5})


def test_missing_key_and_unknown_experiment():
    with pytest.raises(ConfigError, match=r"'experiments\.feed\.start' is required"):
        experiment_config({"feed": {k: v for k, v in BASE.items() if k != "start"}}, "feed")
    with pytest.raises(NotFoundError, match="Did you mean 'feed'"):
        experiment_config({"feed": BASE}, "fed")
    with pytest.raises(ConfigError, match="table name is the experiment's name"):
        experiment_config({"feed": {**BASE, "name": "x"}}, "feed")


def test_workspace_template_examples_are_valid():
    import tomllib
    from importlib import resources

    text = resources.files("applens").joinpath("workspace_template.toml").read_text()
    block = text[text.index("# [experiments.new_feed]"):].splitlines()
    lines = []
    for line in block:
        if not line.startswith("#"):
            break
        lines.append(line[2:])
    table = tomllib.loads("\n".join(lines))["experiments"]
    cfg = experiment_config(table, "new_feed")
    assert [m.name for m in cfg.metric_defs] == ["ctr", "retention_1", "retention_7",
                                                 "conversion_purchase"]
    assert cfg.cuped and cfg.exclude_bots
    paywall = experiment_config(table, "paywall")
    assert (paywall.assignment_table, paywall.assignment_variant_column,
            paywall.assignment_time_column) == ("paywall_assignments", "arm", "assigned_at")


def test_sum_of_a_name_is_the_property_when_events_have_that_column():
    gmv = parse_metric_def("gmv=sum:purchase")
    assert gmv.resolved(["ts", "event", "value"]) == gmv  # an event: Σ value of purchases
    assert parse_metric_def("sum:value").resolved(["ts", "event", "value"]) == MetricDef(
        "sum_value", "property", prop=PropertyMetric("sum", "value"))

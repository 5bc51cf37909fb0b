"""Bot detection on the real Apache logs (judged by user agents it never sees) and the demo.

Labels for the real logs are the weak ones of the data's PROVENANCE: an IP is a declared bot
when any of its requests has a user agent with bot|crawl|spider|slurp|python|curl|wget|fetch|
java|scrapy|headless (236 of 1,753 IPs in apache_logs, 13.5%: a random pick has precision
0.135). The detector runs with the user-agent rule off and the column dropped, so it judges
behaviour alone. Its precision is capped by crawlers that do not say so (Ezooms, Nutch, empty
agents): the labels count them as people.
"""

import json
from datetime import datetime

import pytest

from applens.demo import generate
from applens.ingest import ingest
from applens.models.bots import detect_bots

LABEL = r"(?i)(bot|crawl|spider|slurp|python|curl|wget|fetch|java|scrapy|headless)"


def declared_bots(ws):
    (ips,) = zip(*ws.connection.execute(
        "SELECT DISTINCT ip FROM events WHERE regexp_matches(user_agent, ?)", [LABEL]).fetchall(),
        strict=True)
    return set(ips)


def precision_recall(ranked, truth):
    flagged = set(ranked.entity_id[ranked.label != "normal"])
    hits = len(flagged & truth)
    return hits / len(flagged), hits / len(truth)


@pytest.fixture(scope="module")
def apache_ws(tmp_path_factory):
    from applens.workspace import Workspace
    from tests.conftest import SHARED_DATA

    ws = Workspace.init(tmp_path_factory.mktemp("apache") / "ws")
    ingest(ws, SHARED_DATA / "apache_access_logs" / "apache_logs", preset="combined-log")
    yield ws
    ws.close()


def test_apache_logs_behaviour_alone_finds_declared_bots(apache_ws):
    truth = declared_bots(apache_ws)
    assert len(truth) == 236
    ranked = detect_bots(apache_ws, entity="ip", use_user_agent=False)
    assert len(ranked) == 1753
    assert not ranked.reasons.str.contains("user agent").any()
    precision, recall = precision_recall(ranked, truth)
    # Measured 0.47 / 0.89 (2026-11-22). Failing these means a rule or the forest got worse.
    assert precision >= 0.40 and recall >= 0.80, (precision, recall)
    top50 = len(set(ranked.entity_id[:50]) & truth) / 50  # measured 0.80; random 0.135
    assert top50 >= 0.65, top50


def test_apache_logs_with_the_user_agent_rule_on(apache_ws):
    truth = declared_bots(apache_ws)
    ranked = detect_bots(apache_ws, entity="ip")  # the rule's markers include the label's
    _, recall = precision_recall(ranked, truth)
    assert recall >= 0.98, recall
    googlebot = ranked.set_index("entity_id").loc["66.249.73.135"]
    assert googlebot.label == "declared crawler"
    assert "user agent declares a program" in googlebot.reasons


# Measured 2026-12-07 (declared: precision / recall; both labels: precision / recall):
# apache_logs 0.992 / 1.0 and 0.918 / 1.0 (238 + 19 of 1,753 IPs; was 0.748 / 0.983 with 310),
# almhuette 0.977 / 1.0 and 0.956 / 1.0 (176 + 4 of 456 IPs; was 0.890 / 0.936 with 181).
FLOORS = {"apache_logs": (0.97, 0.98, 0.89, 0.98),
          "almhuette_raith_short.log": (0.95, 0.98, 0.93, 0.98)}


@pytest.mark.parametrize("log", ["apache_logs", "almhuette_raith_short.log"])
def test_declared_crawlers_are_a_label_of_their_own(log, tmp_path):
    """Against the user-agent labels: declared crawlers and both labels together at precision
    >= 0.8, recall >= 0.9 (the issue's aim; floors a little under what is measured), declared
    ranked first; suspicious traffic (behaviour only) stays a small label apart."""
    from applens.workspace import Workspace
    from tests.conftest import SHARED_DATA

    with Workspace.init(tmp_path / "ws") as ws:
        ingest(ws, SHARED_DATA / "apache_access_logs" / log, preset="combined-log")
        truth = declared_bots(ws)
        ranked = detect_bots(ws, entity="ip")
    declared = ranked[ranked.label == "declared crawler"]
    hits = len(set(declared.entity_id) & truth)
    p_declared, r_declared, p_both, r_both = FLOORS[log]
    assert hits / len(declared) >= p_declared and hits / len(truth) >= r_declared, (
        len(declared), hits)
    precision, recall = precision_recall(ranked, truth)
    assert precision >= p_both and recall >= r_both, (precision, recall)
    assert ranked.label.head(len(declared)).eq("declared crawler").all()
    suspicious = (ranked.label == "bot").sum()
    assert suspicious <= 0.02 * len(ranked), suspicious  # was 77 of 1,753 (one signal each)
    if log == "apache_logs":
        assert ranked.set_index("entity_id").loc["66.249.73.135", "rank"] <= len(declared)


def test_since_and_until_limit_the_events(apache_ws):
    day = detect_bots(apache_ws, entity="ip", since="2015-05-18", until=datetime(2015, 5, 19),
                      use_user_agent=False)
    (count,) = apache_ws.connection.execute(
        "SELECT count(DISTINCT ip) FROM events WHERE ts >= '2015-05-18' AND ts < '2015-05-19'"
    ).fetchall()[0]
    assert len(day) == count < 1753


def test_demo_planted_bots_top_the_ranking(tmp_path):
    from applens.workspace import Workspace

    truth = generate(tmp_path / "data", users=2_000, days=21, seed=3)
    bots = set(truth.bots.user_ids)
    with Workspace.init(tmp_path / "ws") as ws:
        ingest(ws, tmp_path / "data" / "events.parquet")
        users = detect_bots(ws, entity="user")
        # Every planted bot first, and nobody else called a bot (measured: exactly so).
        assert set(users.entity_id[: len(bots)]) == bots
        precision, recall = precision_recall(users, bots)
        assert precision >= 0.9 and recall == 1.0, (precision, recall)
        ips = detect_bots(ws, entity="ip")
        assert set(ips.entity_id[: len(truth.bots.ips)]) == set(truth.bots.ips)
        assert json.loads(ips.head(1).to_json(orient="records"))[0]["label"] != "normal"


def test_an_empty_window_is_one_clear_error(apache_ws):
    from applens.errors import InsufficientDataError

    with pytest.raises(InsufficientDataError, match="widen the window"):
        detect_bots(apache_ws, since="2030-01-01")

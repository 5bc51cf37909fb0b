"""BotDetector and bot_features on small synthetic logs with known bots (real DuckDB)."""

from datetime import datetime, timedelta

import ibis
import numpy as np
import pandas as pd
import pytest

from applens.errors import InvalidParameterError, NotFittedError, SchemaError
from applens.ingest import ingest
from applens.models.bots import BotDetector, bot_features

START = datetime(2024, 3, 4, 8, 0)


def app_log(seed: int = 0) -> pd.DataFrame:
    """80 people (irregular pauses, daytime, own IP) and 5 scripted accounts on one IP."""
    rng = np.random.default_rng(seed)
    rows = []
    for u in range(80):
        for day in range(int(rng.integers(1, 8))):
            t = START + timedelta(days=day, hours=float(rng.uniform(0, 12)))
            for _ in range(int(rng.integers(3, 40))):
                t += timedelta(seconds=float(rng.exponential(20)) + 1)
                rows.append((t, f"u{u}", str(rng.choice(["view", "like", "open"])), f"10.0.{u}.1"))
    for b in range(5):
        for day in range(7):
            t = START + timedelta(days=day, hours=float(rng.uniform(0, 15)))  # same UTC day
            for _ in range(150):  # a view every 3 s, give or take 20 ms
                t += timedelta(seconds=3 + float(rng.uniform(-0.02, 0.02)))
                rows.append((t, f"bot{b}", "view", "10.9.9.9"))
    return pd.DataFrame(rows, columns=["ts", "user_id", "event", "ip"])


@pytest.fixture(scope="module")
def events():
    return ibis.duckdb.connect().create_table("events", app_log())


@pytest.fixture(scope="module")
def features(events):
    return bot_features(events, entity="user")


def test_features_are_one_row_per_entity_with_the_expected_values(features):
    assert features.index.name == "user_id" and len(features) == 85
    bot, person = features.loc["bot0"], features.loc["u0"]
    assert bot.events == 7 * 150 and bot.active_days == 7
    assert bot.regular_share > 0.95 and bot.gap_cv < 0.05
    assert bot.median_gap_s == pytest.approx(3, abs=0.05)
    assert bot.users_per_ip == 5 and person.users_per_ip == 1
    assert person.regular_share < 0.5
    assert np.isnan(bot.no_referrer_share) and np.isnan(bot.ua_bot_share)  # no such columns


def test_features_per_ip_count_the_accounts_behind_it(events):
    per_ip = bot_features(events, entity="ip")
    assert per_ip.index.name == "ip" and per_ip.loc["10.9.9.9", "users_per_ip"] == 5
    assert per_ip.loc["10.9.9.9", "events"] == 5 * 7 * 150


def test_the_scripted_accounts_rank_first_with_reasons(features):
    ranked = BotDetector().fit(features).rank(features)
    assert list(ranked.columns) == ["entity_type", "entity_id", "score", "rank", "label", "reasons"]
    assert set(ranked.entity_id[:5]) == {f"bot{b}" for b in range(5)}
    assert (ranked.label == "bot").sum() == 5  # and no person
    assert ranked["rank"].tolist() == list(range(1, 86)) and (ranked.entity_type == "user").all()
    top = ranked.reasons[0]
    assert "same length" in top and "5 accounts behind one IP" in top
    assert ranked.score.between(0, 1).all()


def test_contract_fit_returns_self_learned_attributes_and_errors(features):
    detector = BotDetector(threshold=0.6)
    with pytest.raises(NotFittedError, match="not fitted"):
        detector.score(features)
    assert detector.fit(features) is detector
    assert detector.entity_type_ == "user" and "regular_share" in detector.features_in_
    assert "ua_bot_share" not in detector.features_in_
    scores = detector.score(features)
    assert scores.shape == (85,) and ((scores >= 0) & (scores <= 1)).all()
    assert BotDetector(**detector.get_params()).get_params() == detector.get_params()
    with pytest.raises(InvalidParameterError, match="'threshold' parameter of BotDetector"):
        BotDetector(threshold=2).fit(features)
    with pytest.raises(InvalidParameterError, match="no parameter 'treshold'"):
        detector.set_params(treshold=0.3)
    with pytest.raises(SchemaError, match="regular_share"):
        detector.score(features.drop(columns=["regular_share"]))


def test_the_user_agent_rule_is_switchable(tmp_path):
    log = app_log(seed=1)
    log["user_agent"] = "Mozilla/5.0 (Windows NT 10.0) Firefox/120.0"
    log.loc[log.user_id == "u3", "user_agent"] = "Googlebot/2.1 (+http://www.google.com/bot.html)"
    feats = bot_features(ibis.duckdb.connect().create_table("events", log), entity="user")
    assert feats.loc["u3", "ua_bot_share"] == 1.0
    on = BotDetector().fit(feats).rank(feats).set_index("entity_id")
    off = BotDetector(use_user_agent=False).fit(feats).rank(feats).set_index("entity_id")
    assert on.loc["u3", "label"] == "declared crawler"
    assert "user agent declares" in on.loc["u3", "reasons"]
    assert "user agent" not in off.loc["u3", "reasons"]
    assert off.loc["u3", "score"] < on.loc["u3", "score"]


def test_bad_entity_and_missing_columns(events):
    with pytest.raises(InvalidParameterError, match="'user' or 'ip'"):
        bot_features(events, entity="session")
    with pytest.raises(SchemaError, match="need the events column"):
        bot_features(events.drop("ip"), entity="ip")


def test_the_session_gap_comes_from_the_workspace_setting(tmp_path):
    """Visits split at the workspace's session_gap_minutes (here 5), not a fixed 30."""
    from applens.models._bots_model import BotsOptions, _features
    from applens.workspace import Workspace

    rows = []
    for visit in range(4):  # four visits 10 minutes apart, 20 requests 10 s apart in each
        t = START + timedelta(minutes=10 * visit)
        for i in range(20):
            rows.append((t + timedelta(seconds=10 * i), "u1", "view", "10.0.0.1"))
    path = tmp_path / "events.csv"
    pd.DataFrame(rows, columns=["ts", "user_id", "event", "ip"]).to_csv(path, index=False)
    for minutes, visits in ((5, 4), (30, 1)):
        folder = tmp_path / f"ws{minutes}"
        with Workspace.init(folder) as ws:
            toml = folder / "applens.toml"
            toml.write_text(toml.read_text().replace(
                "session_gap_minutes = 30", f"session_gap_minutes = {minutes}"))
        with Workspace(folder) as ws:
            assert ws.settings.session_gap_minutes == minutes
            ingest(ws, path)
            ws.connection.execute("ALTER TABLE events DROP COLUMN session_id")
            feats = _features(ws, datetime(2024, 3, 5), BotsOptions(entities=["user"]))
        assert feats["user"].loc["u1", "sessions"] == visits, minutes


BROWSER = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/120.0 Safari/537.36"


def web_log(seed: int = 0) -> pd.DataFrame:
    """60 people with browsers (pages, their images; half came without a referrer), 12
    declared crawlers (robots.txt, then bare pages) and four IPs to judge: a person who once
    ran curl, a Lynx user, a single /robots.txt fetch with a browser agent, and a crawler
    with a browser agent (robots.txt, then 20 bare pages)."""
    rng = np.random.default_rng(seed)
    rows = []

    def hit(t, ip, path, agent=BROWSER, referrer="https://example.org/"):
        rows.append((t, ip, ip, "view", path, referrer, agent))

    for p in range(60):
        t = START + timedelta(hours=float(rng.uniform(0, 48)))
        for page in range(int(rng.integers(2, 8))):
            t += timedelta(seconds=float(rng.exponential(40)) + 2)
            direct = p % 2 == 0 and page == 0
            hit(t, f"10.0.{p}.1", f"/post/{page}", referrer=None if direct else "https://a.b/")
            hit(t + timedelta(seconds=1), f"10.0.{p}.1", f"/img/{page}.png")
    for c in range(12):
        t = START + timedelta(hours=float(rng.uniform(0, 48)))
        agent = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
        hit(t, f"10.5.{c}.1", "/robots.txt", agent, None)
        for page in range(int(rng.integers(1, 6))):
            t += timedelta(seconds=float(rng.exponential(300)) + 2)
            hit(t, f"10.5.{c}.1", f"/post/{page}", agent, None)
    t = START + timedelta(hours=3)
    for page in range(6):
        hit(t + timedelta(seconds=30 * page), "10.1.0.1", f"/post/{page}")
        hit(t + timedelta(seconds=30 * page + 1), "10.1.0.1", f"/img/{page}.png")
    hit(t + timedelta(minutes=5), "10.1.0.1", "/files/tool.tar.gz", "curl/8.4.0", None)
    for page in range(4):
        hit(t + timedelta(seconds=40 * page), "10.2.0.1", f"/post/{page}",
            "Lynx/2.8.9rel.1 libwww-FM/2.14 SSL-MM/1.4.1 OpenSSL/1.1.1", None)
    hit(t, "10.3.0.1", "/robots.txt", referrer=None)
    hit(t, "10.4.0.1", "/robots.txt", referrer=None)
    for page in range(20):
        hit(t + timedelta(seconds=7 * page + 3), "10.4.0.1", f"/post/{page}", referrer=None)
    return pd.DataFrame(rows, columns=["ts", "user_id", "ip", "event", "path", "referrer",
                                       "user_agent"])


@pytest.fixture(scope="module")
def web():
    events = ibis.duckdb.connect().create_table("events", web_log())
    return events, bot_features(events, entity="ip")


def test_one_request_that_declares_a_program_makes_a_declared_crawler(web):
    """The weak labels count an address whose client said once it is a program (curl,
    Wget next to a browser): the user-agent rule counts it too (was: half of its requests)."""
    _, feats = web
    ranked = BotDetector().fit(feats).rank(feats).set_index("entity_id")
    assert 0 < feats.loc["10.1.0.1", "ua_bot_share"] < 0.5
    assert ranked.loc["10.1.0.1", "label"] == "declared crawler"
    assert "user agent declares a program on 8% of requests" in ranked.loc["10.1.0.1", "reasons"]
    assert ranked.loc["10.2.0.1", "label"] == "normal"  # Lynx is a person's text browser
    assert feats.loc["10.2.0.1", "ua_bot_share"] == 0


def test_a_browser_agent_is_overruled_by_two_signals_not_one(web):
    """A browser user agent speaks for a person: one fetch of /robots.txt alone is not enough
    to call it a bot, robots.txt plus pages without referrer or assets is. Judged blind (no
    user agent to speak for it) one signal is enough, as before."""
    events, feats = web
    ranked = BotDetector().fit(feats).rank(feats).set_index("entity_id")
    assert ranked.loc["10.3.0.1", "label"] == "normal"
    assert "robots.txt" in ranked.loc["10.3.0.1", "reasons"]  # the evidence is still shown
    assert ranked.loc["10.4.0.1", "label"] == "bot"
    assert (ranked.label == "bot").sum() == 1
    blind_feats = bot_features(events.drop("user_agent"), entity="ip")
    blind = BotDetector().fit(blind_feats).rank(blind_feats).set_index("entity_id")
    assert blind.loc["10.3.0.1", "label"] == "bot"
    assert blind.loc["10.4.0.1", "label"] == "bot"
    one = BotDetector(min_signals=1).fit(feats).rank(feats).set_index("entity_id")
    assert one.loc["10.3.0.1", "label"] == "bot"  # the score alone decides, as before
    with pytest.raises(InvalidParameterError, match="'min_signals' parameter"):
        BotDetector(min_signals=0).fit(feats)

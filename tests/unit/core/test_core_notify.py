"""Notifications through Apprise to a real local HTTP receiver."""

from __future__ import annotations

from pathlib import Path

import pytest

from applens.errors import AlertDeliveryError, ConfigError
from applens.notify import notify_config, send

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _png(tmp_path: Path) -> Path:
    path = tmp_path / "chart.png"
    path.write_bytes(PNG)
    return path


def test_title_body_and_png_arrive_byte_identical(http_receiver, tmp_path):
    delivery = send([http_receiver.url], "DAU dropped", "**-42%** vs expected", [_png(tmp_path)],
                    sleep=lambda s: None)
    assert delivery.ok and delivery.sent == [http_receiver.url]
    [message] = http_receiver.messages
    assert message.title == "DAU dropped"
    assert "-42%" in message.body
    assert message.attachments == [("chart.png", PNG)]


def test_failures_are_retried_with_doubling_backoff(http_receiver):
    http_receiver.fail_next(2)
    waits: list[float] = []
    delivery = send([http_receiver.url], "t", "b", retries=3, backoff_seconds=1.5,
                    sleep=waits.append)
    assert delivery.ok
    assert waits == [1.5, 3.0]
    assert http_receiver.requests == 3 and len(http_receiver.messages) == 1


def test_a_dead_channel_is_reported_and_does_not_block_others(http_receiver):
    http_receiver.fail_next(10)
    dead = http_receiver.url
    delivery = send([dead, "not a url at all"], "t", "b", retries=1, sleep=lambda s: None)
    assert not delivery.ok
    assert set(delivery.failed) == {dead, "not a url at all"}
    with pytest.raises(AlertDeliveryError, match="2 channel"):
        delivery.raise_for_failure()


def test_secrets_in_urls_are_not_printed():
    # Port 1 on loopback refuses the connection: a failure without leaving the machine.
    delivery = send(["json://user:SECRETTOKEN@127.0.0.1:1/", "tgram://123456:SECRETTOKEN/"],
                    "t", "b", retries=0, sleep=lambda s: None)
    with pytest.raises(AlertDeliveryError) as info:
        delivery.raise_for_failure()
    assert "SECRETTOKEN" not in str(info.value)


def test_environment_urls_replace_the_file_and_bad_keys_are_named():
    config = notify_config({"urls": ["json://a/"]}, {"APPLENS_NOTIFY_URLS": "json://b/, json://c/"})
    assert config.urls == ["json://b/", "json://c/"]
    with pytest.raises(ConfigError, match="notify.retry"):
        notify_config({"retry": 2}, {})


def test_missing_attachment_sends_nothing(http_receiver, tmp_path):
    with pytest.raises(AlertDeliveryError, match="does not exist"):
        send([http_receiver.url], "t", "b", [tmp_path / "nope.png"])
    assert http_receiver.requests == 0

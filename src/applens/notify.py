"""Send a message (title, markdown body, PNG attachments) to the workspace's chat channels.

Channels are Apprise URLs (``tgram://``, ``slack://``, ``mailto://``, ``json://`` …) from
``[notify] urls`` in applens.toml, or ``APPLENS_NOTIFY_URLS`` (comma or space separated),
which wins. Each channel is tried on its own with exponential back-off, so one broken
channel neither blocks the others nor hides that it failed.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from applens._urls import redact_url
from applens._validation import problems
from applens.errors import AlertDeliveryError, ConfigError

__all__ = ["Delivery", "NotifyConfig", "notify_config", "send"]

ENV_URLS = "APPLENS_NOTIFY_URLS"


class NotifyConfig(BaseModel):
    """The ``[notify]`` table of applens.toml."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    urls: list[str] = Field(default_factory=list, description="Apprise URLs, one per channel")
    retries: int = Field(3, ge=0, le=10, description="extra attempts per channel on failure")
    backoff_seconds: float = Field(2.0, ge=0, description="first retry delay; doubles each time")


def notify_config(
    section: Mapping[str, Any], environ: Mapping[str, str] | None = None
) -> NotifyConfig:
    """Validate ``[notify]``; ``APPLENS_NOTIFY_URLS`` replaces its urls when set."""
    environ = os.environ if environ is None else environ
    values = dict(section)
    if environ.get(ENV_URLS, "").strip():
        values["urls"] = [u for u in re.split(r"[\s,]+", environ[ENV_URLS]) if u]
    try:
        return NotifyConfig(**values)
    except ValidationError as exc:
        found = problems(exc, prefix=("notify",), known=NotifyConfig.model_fields,
                         unknown="is not a notify setting.")
        raise ConfigError("Invalid [notify] settings: "
                          + "; ".join(p.sentence() for p in found) + ".") from None


@dataclass
class Delivery:
    """What happened to one message: channels reached and channels that failed (with why)."""

    sent: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    attempts: int = 0

    @property
    def ok(self) -> bool:
        return not self.failed and bool(self.sent)

    def raise_for_failure(self) -> None:
        if self.failed:
            detail = "; ".join(f"{redact_channel(u)}: {why}" for u, why in self.failed.items())
            raise AlertDeliveryError(
                f"Could not deliver to {len(self.failed)} channel(s): {detail}. "
                "Check the URL and that the service is reachable; the message was kept."
            )


def redact_channel(url: str) -> str:
    """A channel URL safe to print: only the scheme and a plain host name survive (Apprise
    URLs carry tokens in the user, path and host, e.g. Telegram's ``bot-id:secret``)."""
    return redact_url(url, path=False, user=False)


def send(
    urls: Sequence[str],
    title: str,
    body: str,
    attachments: Sequence[Path] = (),
    *,
    retries: int = 3,
    backoff_seconds: float = 2.0,
    sleep: Callable[[float], None] = time.sleep,
) -> Delivery:
    """Deliver to every URL, retrying each failed channel with back-off; never raises for
    a delivery failure (the caller decides, see ``Delivery.raise_for_failure``)."""
    import apprise

    delivery = Delivery()
    for path in attachments:
        if not Path(path).is_file():
            raise AlertDeliveryError(f"Attachment {path} does not exist; nothing was sent.")
    for url in urls:
        channel = apprise.Apprise()
        if not channel.add(url):
            delivery.failed[url] = "not a valid Apprise URL (see the Apprise wiki for the format)"
            continue
        attach = apprise.AppriseAttachment([str(p) for p in attachments]) if attachments else None
        delay = backoff_seconds
        for attempt in range(retries + 1):
            delivery.attempts += 1
            if channel.notify(title=title, body=body, attach=attach,
                              body_format=apprise.NotifyFormat.MARKDOWN):
                delivery.sent.append(url)
                break
            if attempt < retries:
                sleep(delay)
                delay *= 2
        else:
            delivery.failed[url] = f"failed after {retries + 1} attempts"
    return delivery

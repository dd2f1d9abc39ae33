"""Changed feed files and their hubs in, WebSub publish pings out (``hub.mode=publish``, ``hub.url``)."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import partial

from feedpub.model import FEED_FILES, FeedSpec
from feedpub.publish.retry import RetryPolicy, TransientError, retry
from feedpub.redact import redact_text, redact_url

log = logging.getLogger("feedpub")


@dataclass(frozen=True)
class Topic:
    """One feed file: its path in the output, its public URL (the WebSub topic), its hubs."""

    path: str
    url: str
    hubs: tuple[str, ...]


def topics_for(base_url: str, feeds: Iterable[FeedSpec]) -> dict[str, Topic]:
    """Output path → Topic for every format of every feed that names hubs."""
    base = base_url if base_url.endswith("/") else base_url + "/"
    topics: dict[str, Topic] = {}
    for feed in feeds:
        if not feed.hubs:
            continue
        for fmt in feed.formats:
            path = f"{feed.id}/{FEED_FILES[fmt]}"
            topics[path] = Topic(path, base + path, tuple(feed.hubs))
    return topics


def ping_one(hub: str, topic: str, timeout: float) -> None:
    import requests

    # WebSub (W3C REC 2018) leaves publishing to the hub; this form is what hubs accept.
    try:
        response = requests.post(
            hub, data={"hub.mode": "publish", "hub.url": topic}, timeout=timeout
        )
    except (requests.ConnectionError, requests.Timeout) as exc:
        raise TransientError(f"cannot reach the hub ({type(exc).__name__})") from exc
    if response.status_code >= 500 or response.status_code == 429:
        raise TransientError(f"HTTP {response.status_code}")
    if not 200 <= response.status_code < 300:
        raise ValueError(f"HTTP {response.status_code}")


def ping(topics: Sequence[Topic], policy: RetryPolicy, timeout: float = 10.0) -> list[str]:
    """One ping per changed topic per hub; returns a warning for each ping that failed for good."""
    import requests

    failures: list[str] = []
    for topic in topics:
        for hub in topic.hubs:
            what = f"WebSub ping to {redact_url(hub)} for {topic.url}"
            try:
                retry(partial(ping_one, hub, topic.url, timeout), what, policy)
            except (requests.RequestException, TransientError, ValueError) as exc:
                failures.append(redact_text(f"{what} failed: {exc}"))
                continue
            log.info("pinged %s for %s", redact_url(hub), topic.url)
    return failures

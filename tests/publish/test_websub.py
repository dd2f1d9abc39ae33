"""WebSub pings to a hub on loopback: one per changed feed file, none for dry runs or unchanged feeds."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from pathlib import Path

from feedpub.model import FeedSpec
from feedpub.publish import PublishOptions, TargetConfig, publish_output
from feedpub.publish.retry import RetryPolicy
from feedpub.publish.websub import Topic, topics_for
from tests.publish.conftest import Hub
from tests.publish.site import build_output

FAST = RetryPolicy(attempts=3, backoff=0.01)
BASE = "https://news.example.org/"


def feeds(hub: Hub) -> dict[str, Topic]:
    return topics_for(
        BASE,
        [
            FeedSpec("news", "News", "feeds/news.yaml", hubs=(hub.url,)),
            FeedSpec("quiet", "Quiet", "feeds/quiet.yaml"),
        ],
    )


def run(output: Path, www: Path, hub: Hub, **kw: object) -> None:
    target = TargetConfig("site", www.as_uri(), {})
    publish_output(output, [target], feeds(hub), PublishOptions(retry=FAST, **kw))  # type: ignore[arg-type]


def pinged(hub: Hub) -> list[tuple[str, ...]]:
    return [(*ping["hub.mode"], *ping["hub.url"]) for ping in hub.pings]


@contextlib.contextmanager
def collected_warnings() -> Iterator[list[logging.LogRecord]]:
    """Warnings the feedpub logger emits, whatever handlers the CLI installed earlier."""
    records: list[logging.LogRecord] = []
    handler = logging.Handler(logging.WARNING)
    handler.emit = records.append  # type: ignore[method-assign]
    logger = logging.getLogger("feedpub")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.WARNING)
    try:
        yield records
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def test_topics_are_the_public_feed_urls_of_feeds_with_hubs() -> None:
    topics = topics_for(
        "https://x.org/b",
        [FeedSpec("n", "N", "f", formats=("rss",), hubs=("https://h/",)), FeedSpec("q", "Q", "f")],
    )
    assert topics == {"n/rss.xml": Topic("n/rss.xml", "https://x.org/b/n/rss.xml", ("https://h/",))}


def test_each_changed_feed_is_pinged_once(hub: Hub, tmp_path: Path) -> None:
    run(build_output(tmp_path / "v1"), tmp_path / "www", hub)
    assert pinged(hub) == [
        ("publish", f"{BASE}news/feed.json"),
        ("publish", f"{BASE}news/atom.xml"),
        ("publish", f"{BASE}news/rss.xml"),
    ]


def test_unchanged_feeds_and_dry_runs_are_not_pinged(hub: Hub, tmp_path: Path) -> None:
    run(build_output(tmp_path / "v1"), tmp_path / "www", hub)
    hub.pings.clear()
    run(build_output(tmp_path / "v1b"), tmp_path / "www", hub)
    run(build_output(tmp_path / "v2", 2), tmp_path / "www", hub, dry_run=True)
    assert hub.pings == []
    run(build_output(tmp_path / "v2", 2), tmp_path / "www", hub)
    assert len(hub.pings) == 3


def test_a_failing_hub_is_retried_then_reported_without_failing_the_publish(
    hub: Hub, tmp_path: Path
) -> None:
    hub.statuses = [503, 502]  # the first ping succeeds on its third try
    run(build_output(tmp_path / "v1"), tmp_path / "www", hub)
    assert len(hub.pings) == 3 and hub.statuses == []
    hub.pings.clear()
    hub.statuses = [404] + [503] * FAST.attempts
    with collected_warnings() as records:
        run(build_output(tmp_path / "v2", 2), tmp_path / "www", hub)
    warnings = [r.getMessage() for r in records]
    assert warnings == [
        f"WebSub ping to {hub.url} for {BASE}news/feed.json failed: HTTP 404",
        f"WebSub ping to {hub.url} for {BASE}news/atom.xml failed: HTTP 503",
    ]
    assert pinged(hub) == [("publish", f"{BASE}news/rss.xml")]

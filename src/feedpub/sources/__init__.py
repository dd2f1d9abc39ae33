"""Cited URLs in, ``sources.lock`` records out: each link fetched over HTTP, safely and concurrently.

Importing the package loads only ``urls`` and ``lock``: a build reads the lock and normalises URLs
without importing requests. ``fetch`` and ``pull`` load on first use of their names. The pull
itself is ``feedpub.sources.pull.pull`` (``feedpub.sources.pull`` is its module).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from feedpub.sources.lock import GOOD_STATES, LOCK_NAME, STATES, dump_lock, load_lock, save_lock
from feedpub.sources.urls import collect_citations, merge_citations, normalise_url

if TYPE_CHECKING:
    from feedpub.sources.fetch import USER_AGENT, PullOptions
    from feedpub.sources.pull import Progress, PullReport, interleave_hosts

__all__ = [
    "GOOD_STATES",
    "LOCK_NAME",
    "STATES",
    "USER_AGENT",
    "Progress",
    "PullOptions",
    "PullReport",
    "collect_citations",
    "dump_lock",
    "interleave_hosts",
    "load_lock",
    "merge_citations",
    "normalise_url",
    "save_lock",
]

_LAZY = {
    "USER_AGENT": "fetch",
    "PullOptions": "fetch",
    "Progress": "pull",
    "PullReport": "pull",
    "interleave_hosts": "pull",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)

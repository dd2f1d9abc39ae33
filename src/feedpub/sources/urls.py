"""A cited URL in, its normalised form out; citations merged by it. No network code here."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from urllib.parse import urlsplit, urlunsplit

from feedpub.model import Entry

DEFAULT_PORTS = {"http": 80, "https": 443}


def normalise_url(url: str) -> str:
    """Lower-case scheme and host, drop a default port and the fragment; keep path and query."""
    text = url.strip()
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        return text
    scheme = parts.scheme.lower()
    host = parts.hostname
    if not host:
        return urlunsplit((scheme, parts.netloc, parts.path, parts.query, ""))
    netloc = f"[{host}]" if ":" in host else host
    if port is not None and DEFAULT_PORTS.get(scheme) != port:
        netloc = f"{netloc}:{port}"
    userinfo, at, _ = parts.netloc.rpartition("@")
    if at:
        netloc = f"{userinfo}@{netloc}"
    path = parts.path or ("/" if scheme in DEFAULT_PORTS else "")
    return urlunsplit((scheme, netloc, path, parts.query, ""))


def collect_citations(entries: Iterable[Entry]) -> dict[str, list[str]]:
    """Cited URL (as first written) → sorted ids of the entries citing it, merged by normalised URL."""
    written: dict[str, str] = {}
    cited: dict[str, set[str]] = {}
    for entry in entries:
        for source in entry.sources:
            key = normalise_url(source.url)
            written.setdefault(key, source.url)
            cited.setdefault(key, set()).add(entry.id)
    return {written[key]: sorted(ids) for key, ids in sorted(cited.items())}


def merge_citations(citations: Mapping[str, Sequence[str]]) -> dict[str, tuple[str, ...]]:
    merged: dict[str, set[str]] = {}
    for url, ids in citations.items():
        merged.setdefault(normalise_url(url), set()).update(ids)
    return {url: tuple(sorted(ids)) for url, ids in sorted(merged.items())}

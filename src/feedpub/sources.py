"""Cited URLs in, ``sources.lock`` records out: fetch each link over HTTP, safely and concurrently."""

from __future__ import annotations

import contextlib
import http
import ipaddress
import json
import logging
import os
import socket
import ssl
import sys
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

import requests
from requests.adapters import HTTPAdapter

from feedpub import __version__, pagemeta
from feedpub.errors import Location, Problem, SourcesError, display_path
from feedpub.model import Entry, SourceRecord, SourcesSettings

log = logging.getLogger("feedpub")

USER_AGENT = f"feedpub/{__version__} (+https://github.com/feedpub/feedpub)"
LOCK_NAME = "sources.lock"  # in the publication root, committed with it
LOCK_VERSION = 1
STATES = ("ok", "moved", "dead", "transient", "new")
GOOD_STATES = ("ok", "moved", "transient")  # records that still hold a page's metadata
DEFAULT_PORTS = {"http": 80, "https": 443}
REDIRECTS = (301, 302, 303, 307, 308)
PERMANENT_REDIRECTS = (301, 308)  # RFC 9110 §15.4.2, §15.4.9
# Statuses worth retrying: the server may answer next time (RFC 9110 §15.5.9, RFC 6585 §4).
TRANSIENT_STATUSES = (408, 425, 429)
CHUNK = 65536
ACCEPT = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5"


# --- URLs ----------------------------------------------------------------------------------


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


def _merge_citations(citations: Mapping[str, Sequence[str]]) -> dict[str, tuple[str, ...]]:
    merged: dict[str, set[str]] = {}
    for url, ids in citations.items():
        merged.setdefault(normalise_url(url), set()).update(ids)
    return {url: tuple(sorted(ids)) for url, ids in sorted(merged.items())}


# --- sources.lock --------------------------------------------------------------------------

_FIELDS = {f.name: f for f in fields(SourceRecord)}
_INT_FIELDS = {"status"}


def _line_of(text: str, needle: str, start: int = 0) -> tuple[int, int]:
    """1-based line of ``needle`` in ``text`` (searching from ``start``), and its offset."""
    offset = text.find(needle, start)
    if offset < 0:
        return 1, start
    return text.count("\n", 0, offset) + 1, offset


def load_lock(path: Path) -> dict[str, SourceRecord]:
    """Records by normalised URL; {} when the file is missing; SourcesError naming the line if corrupt."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as exc:
        raise _corrupt(path, 1, None, f"cannot read it: {exc}") from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _corrupt(path, exc.lineno, exc.colno, f"not valid JSON: {exc.msg}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("sources"), dict):
        raise _corrupt(path, 1, 1, 'expected an object {"version": 1, "sources": {...}}')
    if data.get("version") != LOCK_VERSION:
        line, _ = _line_of(text, '"version"')
        raise _corrupt(
            path,
            line,
            None,
            f"version: expected {LOCK_VERSION}, found {json.dumps(data.get('version'))}",
        )
    records: dict[str, SourceRecord] = {}
    for url, raw in data["sources"].items():
        line, offset = _line_of(text, json.dumps(url, ensure_ascii=False) + ":")
        if not isinstance(raw, dict):
            raise _corrupt(
                path, line, None, f"sources.{url}: expected an object, found {json.dumps(raw)}"
            )
        values: dict[str, Any] = {"url": url}
        for name, value in raw.items():
            where, _ = _line_of(text, json.dumps(name) + ":", offset)
            if name not in _FIELDS or name == "url":
                expected = ", ".join(n for n in _FIELDS if n != "url")
                raise _corrupt(
                    path,
                    where,
                    None,
                    f"sources.{url}.{name}: expected one of "
                    f"{expected}, found unknown field {name!r}",
                )
            wanted = int if name in _INT_FIELDS else str
            if value is not None and (type(value) is not wanted):
                kind = "an integer" if wanted is int else "a string"
                raise _corrupt(
                    path,
                    where,
                    None,
                    f"sources.{url}.{name}: expected {kind} or null, found {json.dumps(value)}",
                )
            if name == "state" and value not in STATES:
                raise _corrupt(
                    path,
                    where,
                    None,
                    f"sources.{url}.state: expected one of "
                    f"{', '.join(STATES)}, found {json.dumps(value)}",
                )
            values[name] = value
        records[normalise_url(url)] = replace(SourceRecord(**values), url=normalise_url(url))
    return records


def _corrupt(path: Path, line: int, column: int | None, message: str) -> SourcesError:
    where = Location(display_path(path, Path.cwd()), line, column)
    return SourcesError(
        f"{path.name} is corrupt; fix it or delete it (then `feedpub pull` rebuilds it)",
        [Problem(where, message)],
    )


def dump_lock(records: Mapping[str, SourceRecord]) -> str:
    """The lock's text: JSON, one sorted key per line, empty fields left out, newline-terminated."""
    sources: dict[str, dict[str, Any]] = {}
    for key in sorted(records):
        record = records[key]
        sources[key] = {
            name: getattr(record, name)
            for name in _FIELDS
            if name != "url" and getattr(record, name) is not None
        }
    data = {"version": LOCK_VERSION, "sources": sources}
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def save_lock(path: Path, records: Mapping[str, SourceRecord]) -> None:
    """Write the lock atomically (temp file + rename); an unchanged lock is not touched."""
    text = dump_lock(records)
    try:
        if path.read_text(encoding="utf-8") == text:
            return
    except (OSError, UnicodeDecodeError):
        pass
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# --- options and report --------------------------------------------------------------------


@dataclass(frozen=True)
class PullOptions:
    """How ``pull`` fetches: which URLs are due, and the limits for each request."""

    check_all: bool = False  # --all: re-check every URL, however fresh
    max_age_days: float = 7.0
    timeout: float = 10.0  # seconds, for connecting and for each read
    max_bytes: int = 2_000_000
    max_redirects: int = 5
    workers: int = 16
    per_host: int = 4
    allow_private: bool = False

    @classmethod
    def from_settings(cls, settings: SourcesSettings, **overrides: Any) -> PullOptions:
        """Options from ``feedpub.yaml``'s ``sources:``, with command-line overrides (None: unset)."""
        values: dict[str, Any] = {
            "max_age_days": settings.max_age_days,
            "timeout": settings.timeout,
            "max_bytes": settings.max_bytes,
            "max_redirects": settings.max_redirects,
            "workers": settings.workers,
            "per_host": settings.per_host,
            "allow_private": settings.allow_private,
        }
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)


@dataclass
class PullReport:
    """What one pull did; ``records`` is what ``sources.lock`` now holds."""

    records: dict[str, SourceRecord]
    cited_by: dict[str, tuple[str, ...]]
    fetched: int = 0  # answered with a body
    unchanged: int = 0  # answered 304 Not Modified
    dead: int = 0
    moved: int = 0
    transient: int = 0  # failing now; the last good record is kept
    fresh: int = 0  # younger than max-age: not checked
    removed: int = 0  # no longer cited: dropped from the lock
    bytes_received: int = 0
    requests: int = 0
    elapsed: float = 0.0

    def summary(self) -> str:
        """``n fetched, n unchanged, n dead, n moved`` plus what else happened."""
        text = (
            f"{self.fetched} fetched, {self.unchanged} unchanged, "
            f"{self.dead} dead, {self.moved} moved"
        )
        if self.transient:
            text += f", {self.transient} failing (last good record kept)"
        if self.fresh:
            text += f", {self.fresh} still fresh"
        return text

    def problems(self) -> list[SourceRecord]:
        """Records that need a look: dead, moved or failing, sorted by URL."""
        return [
            r for _, r in sorted(self.records.items()) if r.state in ("dead", "moved", "transient")
        ]

    @property
    def any_dead(self) -> bool:
        return any(r.state == "dead" for r in self.records.values())


# --- fetching ------------------------------------------------------------------------------


class _Failure(Exception):
    """A fetch that ended without a usable page; ``transient`` failures may pass."""

    def __init__(
        self,
        message: str,
        *,
        transient: bool,
        status: int | None = None,
        final_url: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.transient = transient
        self.status = status
        self.final_url = final_url


@dataclass
class _Outcome:
    """One URL's fetch result before it is merged with the previous record."""

    url: str
    record: SourceRecord
    kind: str  # fetched | unchanged | dead | transient
    bytes: int = 0
    requests: int = 0


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """The exception, its causes and contexts, and urllib3's ``reason``s, depth first."""
    seen: set[int] = set()
    stack = [exc]
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        more = [
            current.__cause__,
            current.__context__,
            getattr(current, "reason", None),
            *current.args,
        ]
        stack.extend(e for e in reversed(more) if isinstance(e, BaseException))


def _describe(exc: BaseException) -> str:
    """A short, stable description of a connection failure (no addresses of Python objects)."""
    for cause in _causes(exc):
        if isinstance(cause, ssl.SSLCertVerificationError):
            return f"certificate verify failed: {cause.verify_message}"
        if isinstance(cause, ssl.SSLError):
            return str(cause.reason or "handshake failed").lower().replace("_", " ")
        if isinstance(cause, ConnectionRefusedError):
            return "connection refused"
        if isinstance(cause, ConnectionResetError):
            return "connection reset"
        if isinstance(cause, OSError) and cause.strerror:
            return str(cause.strerror).lower()
    return type(exc).__name__


def _forbidden(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Loopback, private, link-local, multicast, reserved or unspecified: never fetched by default."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or not address.is_global
    )


def _peer_address(response: requests.Response) -> str | None:
    """The IP address a streamed response came from, when urllib3 still holds its socket."""
    connection = getattr(response.raw, "connection", None)
    sock = getattr(connection, "sock", None)
    try:
        return str(sock.getpeername()[0]) if sock is not None else None
    except (OSError, AttributeError, IndexError, TypeError):
        return None


class _Fetcher:
    """Fetches URLs from many threads: one Session per thread, a slot limit per host."""

    def __init__(self, options: PullOptions) -> None:
        self.options = options
        self._local = threading.local()
        self._guard = threading.Lock()
        self._sessions: list[requests.Session] = []
        self._slots: dict[str, threading.BoundedSemaphore] = {}
        self._resolved: dict[tuple[str, int], list[str] | socket.gaierror] = {}

    def close(self) -> None:
        with self._guard:
            for session in self._sessions:
                session.close()
            self._sessions.clear()

    def _session(self) -> requests.Session:
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            # No proxies or .netrc from the environment: every hop is checked as we connect to it.
            session.trust_env = False
            adapter = HTTPAdapter(pool_connections=4, pool_maxsize=4, max_retries=0)
            session.mount("http://", adapter)
            session.mount("https://", adapter)
            session.headers.update({"User-Agent": USER_AGENT, "Accept": ACCEPT})
            self._local.session = session
            with self._guard:
                self._sessions.append(session)
        return session

    def _slot(self, host: str) -> threading.BoundedSemaphore:
        with self._guard:
            slot = self._slots.get(host)
            if slot is None:
                slot = self._slots[host] = threading.BoundedSemaphore(max(1, self.options.per_host))
            return slot

    def _resolve(self, host: str, port: int) -> list[str]:
        with self._guard:
            cached = self._resolved.get((host, port))
        if cached is None:
            try:
                infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
                cached = sorted({str(info[4][0]) for info in infos})
            except socket.gaierror as exc:
                cached = exc
            with self._guard:
                self._resolved[(host, port)] = cached
        if isinstance(cached, socket.gaierror):
            raise _Failure(f"DNS lookup failed for {host}", transient=True)
        return cached

    def check_url(self, url: str) -> tuple[str, str]:
        """Scheme and host of a URL we may fetch; _Failure for anything else."""
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError as exc:
            raise _Failure(f"invalid URL: {exc}", transient=False) from exc
        if parts.scheme not in DEFAULT_PORTS:
            raise _Failure(f"not an http(s) URL: {url}", transient=False)
        host = parts.hostname
        if not host:
            raise _Failure(f"no host in URL: {url}", transient=False)
        try:
            addresses = [str(ipaddress.ip_address(host))]
        except ValueError:
            addresses = self._resolve(host, port or DEFAULT_PORTS[parts.scheme])
        if not self.options.allow_private:
            for text in addresses:
                address = ipaddress.ip_address(text.split("%", 1)[0])
                if _forbidden(address):
                    raise _Failure(
                        f"refused: {host} is a private or loopback address ({address}); "
                        "allow it with --allow-private or sources.allow_private",
                        transient=False,
                    )
        return parts.scheme, host

    def fetch(self, url: str, previous: SourceRecord | None) -> _Outcome:
        """Fetch one normalised URL, following redirects by hand, into a record."""
        counters = {"bytes": 0, "requests": 0}
        try:
            kind, record = self._follow(url, previous, counters)
        except _Failure as failure:
            kind = "transient" if failure.transient else "dead"
            record = SourceRecord(
                url=url,
                status=failure.status,
                state="dead",
                final_url=failure.final_url,
                error=failure.message,
            )
        return _Outcome(url, record, kind, counters["bytes"], counters["requests"])

    def _follow(
        self, url: str, previous: SourceRecord | None, counters: dict[str, int]
    ) -> tuple[str, SourceRecord]:
        current = url
        seen = {normalise_url(url)}
        moved_to: str | None = None
        permanent = True
        hops = 0
        while True:
            _, host = self.check_url(current)
            headers: dict[str, str] = {}
            conditional = (
                previous is not None
                and previous.state in GOOD_STATES
                and previous.final_url == current
            )
            if conditional and previous is not None:
                if previous.etag:
                    headers["If-None-Match"] = previous.etag
                if previous.last_modified:
                    headers["If-Modified-Since"] = previous.last_modified
            with self._slot(host):
                counters["requests"] += 1
                response = self._request(current, headers)
                try:
                    self._check_peer(response, host)
                    status = response.status_code
                    location = response.headers.get("Location")
                    if status in REDIRECTS and location:
                        self._drain(response)
                    else:
                        return self._final(url, current, response, moved_to, conditional, counters)
                finally:
                    response.close()
            assert location is not None
            with contextlib.suppress(UnicodeError):  # requests reads Location the same way
                location = location.encode("latin-1").decode("utf-8")
            target = urljoin(current, location.strip())
            hops += 1
            if normalise_url(target) in seen:
                raise _Failure(
                    f"redirect loop: {current} redirects back to {target}",
                    transient=False,
                    status=status,
                    final_url=current,
                )
            if hops > self.options.max_redirects:
                raise _Failure(
                    f"more than {self.options.max_redirects} redirects",
                    transient=False,
                    status=status,
                    final_url=current,
                )
            if status in PERMANENT_REDIRECTS and permanent:
                moved_to = target
            else:
                permanent = False
            seen.add(normalise_url(target))
            current = target

    def _check_peer(self, response: requests.Response, host: str) -> None:
        """Check the address we actually reached, in case DNS changed since ``check_url``."""
        if self.options.allow_private:
            return
        peer = _peer_address(response)
        if peer is not None and _forbidden(ipaddress.ip_address(peer.split("%", 1)[0])):
            raise _Failure(
                f"refused: {host} is a private or loopback address ({peer}); "
                "allow it with --allow-private or sources.allow_private",
                transient=False,
            )

    def _request(self, url: str, headers: dict[str, str]) -> requests.Response:
        timeout = self.options.timeout
        try:
            return self._session().get(
                url, headers=headers, stream=True, allow_redirects=False, timeout=(timeout, timeout)
            )
        except requests.exceptions.Timeout as exc:
            raise _Failure(f"timed out after {timeout:g} s", transient=True) from exc
        except requests.exceptions.SSLError as exc:
            raise _Failure(f"TLS error: {_describe(exc)}", transient=True) from exc
        except requests.exceptions.ConnectionError as exc:
            raise _Failure(_describe(exc), transient=True) from exc
        except requests.exceptions.RequestException as exc:
            raise _Failure(f"invalid request: {type(exc).__name__}", transient=False) from exc

    def _drain(self, response: requests.Response) -> None:
        """Read a small redirect body so the connection can be reused; give up on big ones."""
        total = 0
        try:
            for chunk in response.iter_content(CHUNK):
                total += len(chunk)
                if total > CHUNK:
                    return
        except requests.exceptions.RequestException:
            return

    def _read(self, response: requests.Response, counters: dict[str, int]) -> bytes:
        """The body, at most ``max_bytes`` of it; _Failure when larger, slow or broken."""
        limit = self.options.max_bytes
        length = response.headers.get("Content-Length", "")
        if length.isdigit() and int(length) > limit:
            raise _Failure(
                f"too large: {int(length)} bytes, the limit is {limit}",
                transient=False,
                status=response.status_code,
                final_url=response.url,
            )
        deadline = time.monotonic() + 3 * self.options.timeout
        parts: list[bytes] = []
        total = 0
        try:
            for chunk in response.iter_content(CHUNK):
                total += len(chunk)
                counters["bytes"] += len(chunk)
                if total > limit:
                    raise _Failure(
                        f"too large: more than {limit} bytes",
                        transient=False,
                        status=response.status_code,
                        final_url=response.url,
                    )
                if time.monotonic() > deadline:
                    raise _Failure(
                        f"timed out after {3 * self.options.timeout:g} s reading the body",
                        transient=True,
                        status=response.status_code,
                        final_url=response.url,
                    )
                parts.append(chunk)
        except requests.exceptions.ContentDecodingError as exc:
            raise _Failure(
                "could not decode the body (bad compression)",
                transient=False,
                status=response.status_code,
                final_url=response.url,
            ) from exc
        except requests.exceptions.RequestException as exc:
            timed_out = any(
                isinstance(c, TimeoutError) or "Timeout" in type(c).__name__ for c in _causes(exc)
            )
            message = (
                f"timed out after {self.options.timeout:g} s"
                if timed_out
                else f"connection broken while reading: {_describe(exc)}"
            )
            raise _Failure(
                message, transient=True, status=response.status_code, final_url=response.url
            ) from exc
        return b"".join(parts)

    def _final(
        self,
        url: str,
        final_url: str,
        response: requests.Response,
        moved_to: str | None,
        conditional: bool,
        counters: dict[str, int],
    ) -> tuple[str, SourceRecord]:
        status = response.status_code
        etag = pagemeta.clean_text(response.headers.get("ETag"), 200)
        last_modified = pagemeta.clean_text(response.headers.get("Last-Modified"), 100)
        state = "moved" if moved_to else "ok"
        if status == 304 and conditional:
            self._drain(response)  # nothing to read, but marks the connection reusable
            record = SourceRecord(
                url=url,
                status=304,
                state=state,
                final_url=final_url,
                etag=etag,
                last_modified=last_modified,
                moved_to=moved_to,
            )
            return "unchanged", record
        if not 200 <= status < 300:
            self._drain(response)
            try:
                phrase = " " + http.HTTPStatus(status).phrase
            except ValueError:
                phrase = ""
            transient = status >= 500 or status in TRANSIENT_STATUSES
            message = f"HTTP {status}{phrase}"
            if 300 <= status < 400:
                message += " without a usable Location" if status in REDIRECTS else ""
            raise _Failure(message, transient=transient, status=status, final_url=final_url)
        content_type = pagemeta.clean_text(response.headers.get("Content-Type"), 200)
        media = pagemeta.media_type(content_type)
        meta = pagemeta.PageMeta()
        error = None
        if media is None or media in pagemeta.HTML_TYPES:
            body = self._read(response, counters)
            if not body.strip():
                error = "empty body"
            elif media is not None or pagemeta.looks_like_html(body):
                meta = pagemeta.extract(
                    body, content_type, final_url, response.headers.get("Content-Language")
                )
        record = SourceRecord(
            url=url,
            status=status,
            state=state,
            final_url=final_url,
            title=meta.title,
            description=meta.description,
            site_name=meta.site_name,
            canonical=meta.canonical,
            published=meta.published,
            language=meta.language,
            content_type=content_type,
            etag=etag,
            last_modified=last_modified,
            error=error,
            moved_to=moved_to,
        )
        return "fetched", record


# --- pull ----------------------------------------------------------------------------------


def format_time(moment: datetime) -> str:
    """RFC 3339 in UTC, to the second: ``2025-05-17T15:00:00Z``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_time(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _is_due(record: SourceRecord | None, options: PullOptions, now: datetime) -> bool:
    """New, failing (transient) or older than max-age; everything with ``--all``."""
    if record is None or options.check_all or record.state in ("new", "transient"):
        return True
    checked = _parse_time(record.checked)
    return checked is None or now - checked >= timedelta(days=options.max_age_days)


def _merge(outcome: _Outcome, previous: SourceRecord | None, checked: str) -> SourceRecord:
    """The new record: what the fetch learned, over what the lock knew where the fetch learned nothing."""
    record = replace(outcome.record, checked=checked)
    good = previous is not None and previous.state in GOOD_STATES
    if outcome.kind == "unchanged" and previous is not None:
        # RFC 9110 §15.4.5: a 304 may update validators; the page's metadata stays as it was.
        return replace(
            previous,
            state=record.state,
            final_url=record.final_url,
            moved_to=record.moved_to,
            etag=record.etag or previous.etag,
            last_modified=record.last_modified or previous.last_modified,
            checked=checked,
            error=None,
        )
    if outcome.kind == "transient" and good and previous is not None:
        return replace(
            previous, state="transient", status=record.status, error=record.error, checked=checked
        )
    if outcome.kind in ("dead", "transient") and previous is not None:
        # Keep the last known title so a dead link still reads as what it was.
        return replace(
            record,
            title=previous.title,
            site_name=previous.site_name,
            description=previous.description,
            published=previous.published,
            language=previous.language,
        )
    return record


def pull(
    citations: Mapping[str, Sequence[str]],
    lock_path: Path,
    options: PullOptions,
    *,
    now: datetime | None = None,
    progress: bool = False,
) -> PullReport:
    """Fetch the cited URLs that are due, update ``sources.lock``, and report what changed."""
    started = time.monotonic()
    moment = now if now is not None else datetime.now(UTC)
    checked = format_time(moment)
    known = load_lock(lock_path)  # raises on a corrupt lock, which is then never overwritten
    cited_by = _merge_citations(citations)
    due = [url for url in cited_by if _is_due(known.get(url), options, moment)]
    report = PullReport(records={}, cited_by=cited_by)
    report.fresh = len(cited_by) - len(due)
    report.removed = sum(1 for url in known if url not in cited_by)
    records = {url: known[url] for url in cited_by if url in known}
    fetcher = _Fetcher(options)
    log.debug("pulling %d of %d cited URLs", len(due), len(cited_by))
    try:
        for outcome in _run(fetcher, due, known, options, progress):
            records[outcome.url] = _merge(outcome, known.get(outcome.url), checked)
            report.bytes_received += outcome.bytes
            report.requests += outcome.requests
            if outcome.kind == "fetched":
                report.fetched += 1
            elif outcome.kind == "unchanged":
                report.unchanged += 1
            log.debug("%s: %s", outcome.url, records[outcome.url].state)
    finally:
        fetcher.close()
    for url in due:
        state = records[url].state
        report.dead += state == "dead"
        report.moved += state == "moved"
        report.transient += state == "transient"
    report.records = dict(sorted(records.items()))
    save_lock(lock_path, report.records)
    report.elapsed = time.monotonic() - started
    return report


def interleave_hosts(urls: Sequence[str]) -> list[str]:
    """URLs taken round-robin by host.

    In cited order, a host cited a hundred times would fill every worker, all but ``per_host``
    of them waiting on its slot while other hosts' URLs sit in the queue.
    """
    by_host: dict[str, list[str]] = {}
    for url in urls:
        by_host.setdefault(urlsplit(url).hostname or "", []).append(url)
    queues = list(by_host.values())
    out: list[str] = []
    for round_index in range(max((len(q) for q in queues), default=0)):
        out.extend(q[round_index] for q in queues if round_index < len(q))
    return out


def _run(
    fetcher: _Fetcher,
    due: Sequence[str],
    known: Mapping[str, SourceRecord],
    options: PullOptions,
    progress: bool,
) -> Iterator[_Outcome]:
    """Fetch ``due`` on a bounded pool; yield outcomes as they complete."""
    if not due:
        return
    workers = max(1, min(options.workers, len(due)))
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="feedpub-pull")
    try:
        futures = [pool.submit(fetcher.fetch, url, known.get(url)) for url in interleave_hosts(due)]
        if progress:
            import click

            with click.progressbar(
                length=len(futures), label="pulling sources", file=sys.stderr
            ) as bar:
                for future in as_completed(futures):
                    bar.update(1)
                    yield future.result()
        else:
            for future in as_completed(futures):
                yield future.result()
    finally:
        # On Ctrl-C, drop the queue: only fetches already running finish (each within timeouts).
        pool.shutdown(wait=True, cancel_futures=True)


# --- tables --------------------------------------------------------------------------------


@dataclass(frozen=True)
class SourceRow:
    """One line of ``feedpub sources``."""

    url: str
    state: str
    status: str
    title: str
    checked: str
    cited_by: tuple[str, ...] = field(default=())
    detail: str = ""


def source_rows(
    citations: Mapping[str, Sequence[str]], records: Mapping[str, SourceRecord]
) -> list[SourceRow]:
    """Every cited URL with what the lock knows about it (``new`` when nothing), sorted by URL."""
    rows = []
    for url, ids in _merge_citations(citations).items():
        record = records.get(url) or SourceRecord(url=url)
        detail = f"→ {record.moved_to}" if record.state == "moved" and record.moved_to else ""
        if record.error and record.state != "ok":
            detail = record.error
        rows.append(
            SourceRow(
                url=url,
                state=record.state,
                status=str(record.status) if record.status is not None else "-",
                title=record.title or "",
                checked=record.checked or "never",
                cited_by=tuple(ids),
                detail=detail,
            )
        )
    return rows


def format_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Columns padded to their widest cell; the last column is not padded."""
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    lines = []
    for row in [header, *rows]:
        cells = [str(cell).ljust(width) for cell, width in zip(row[:-1], widths, strict=False)]
        lines.append("  ".join([*cells, str(row[-1])]).rstrip())
    return "\n".join(lines)


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def sources_table(rows: Sequence[SourceRow]) -> str:
    """The ``feedpub sources`` table: URL, state, status, title, last checked, cited by."""
    header = ("URL", "STATE", "STATUS", "TITLE", "CHECKED", "CITED BY")
    body = [
        (r.url, r.state, r.status, _short(r.title, 40), r.checked, ", ".join(r.cited_by))
        for r in rows
    ]
    return format_table(header, body)


def problems_table(report: PullReport) -> str:
    """The table ``pull`` ends with: every dead, moved or failing source and who cites it."""
    header = ("STATE", "STATUS", "URL", "DETAIL", "CITED BY")
    body = []
    for record in report.problems():
        detail = f"→ {record.moved_to}" if record.state == "moved" else (record.error or "")
        status = str(record.status) if record.status is not None else "-"
        body.append(
            (
                record.state,
                status,
                record.url,
                detail,
                ", ".join(report.cited_by.get(record.url, ())),
            )
        )
    return format_table(header, body) if body else ""

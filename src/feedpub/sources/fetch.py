"""One normalised URL in, one record out: fetched over HTTP with every hop checked and capped."""

from __future__ import annotations

import contextlib
import http
import ipaddress
import socket
import ssl
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests

from feedpub import __version__, pagemeta
from feedpub.model import SourceRecord, SourcesSettings
from feedpub.sources.lock import GOOD_STATES
from feedpub.sources.transport import Deadline, PinnedAdapter, Pins, Resolver, system_resolver
from feedpub.sources.urls import DEFAULT_PORTS, normalise_url

USER_AGENT = f"feedpub/{__version__} (+https://github.com/feedpub/feedpub)"
REDIRECTS = (301, 302, 303, 307, 308)
PERMANENT_REDIRECTS = (301, 308)  # RFC 9110 §15.4.2, §15.4.9
# Statuses worth retrying: the server may answer next time (RFC 9110 §15.5.9, RFC 6585 §4).
TRANSIENT_STATUSES = (408, 425, 429)
RETRY_AFTER_STATUSES = (429, 503)  # RFC 6585 §4, RFC 9110 §15.6.4
CHUNK = 65536
ACCEPT = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5"


@dataclass(frozen=True)
class PullOptions:
    """How ``pull`` fetches: which URLs are due, and the limits for each request."""

    check_all: bool = False  # --all: re-check every URL, however fresh
    max_age_days: float = 7.0
    timeout: float = 10.0  # seconds one URL may take in all; also each connect and read
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


class Failure(Exception):
    """A fetch that ended without a usable page; ``transient`` failures may pass."""

    def __init__(
        self,
        message: str,
        *,
        transient: bool,
        status: int | None = None,
        final_url: str | None = None,
        retry_after: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.transient = transient
        self.status = status
        self.final_url = final_url
        self.retry_after = retry_after


@dataclass
class Outcome:
    """One URL's fetch result before it is merged with the previous record."""

    url: str
    record: SourceRecord
    kind: str  # fetched | unchanged | dead | transient
    bytes: int = 0
    requests: int = 0
    retry_after: str | None = None  # a 429's or 503's Retry-After header, as sent


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


class Fetcher:
    """Fetches URLs from many threads: one Session per thread, a slot limit per host."""

    def __init__(self, options: PullOptions, resolve: Resolver = system_resolver) -> None:
        self.options = options
        self.resolve = resolve
        self.pins = Pins()
        self._local = threading.local()
        self._guard = threading.Lock()
        self._sessions: list[requests.Session] = []
        self._slots: dict[str, threading.BoundedSemaphore] = {}
        self._resolved: dict[tuple[str, int], list[str] | OSError] = {}

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
            adapter = PinnedAdapter(self.pins, pool_connections=4, pool_maxsize=4, max_retries=0)
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
                answer = _within(self.options.timeout, lambda: self.resolve(host, port))
                cached = [str(address) for address in answer]
            except TimeoutError as exc:
                # The same words as the URL's deadline, which ends at the same moment.
                raise Failure(
                    f"timed out after {self.options.timeout:g} s", transient=True
                ) from exc
            except OSError as exc:  # socket.gaierror and friends
                cached = exc
            if not cached:
                cached = socket.gaierror(socket.EAI_NONAME, "no address")
            with self._guard:
                self._resolved[(host, port)] = cached
        if isinstance(cached, OSError):
            raise Failure(f"DNS lookup failed for {host}", transient=True)
        return cached

    def check_url(self, url: str) -> tuple[str, str]:
        """Scheme and host of a URL we may fetch, its checked addresses pinned; Failure if not."""
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError as exc:
            raise Failure(f"invalid URL: {exc}", transient=False) from exc
        if parts.scheme not in DEFAULT_PORTS:
            raise Failure(f"not an http(s) URL: {url}", transient=False)
        host = parts.hostname
        if not host:
            raise Failure(f"no host in URL: {url}", transient=False)
        port = port or DEFAULT_PORTS[parts.scheme]
        try:
            addresses = [str(ipaddress.ip_address(host))]
        except ValueError:
            addresses = self._resolve(host, port)
        if not self.options.allow_private:
            for text in addresses:
                address = ipaddress.ip_address(text.split("%", 1)[0])
                if _forbidden(address):
                    raise Failure(
                        f"refused: {host} is a private or loopback address ({address}); "
                        "allow it with --allow-private or sources.allow_private",
                        transient=False,
                    )
        # The connection goes to these addresses and no others: DNS is not asked again.
        self.pins.pin(host, port, addresses)
        return parts.scheme, host

    def fetch(self, url: str, previous: SourceRecord | None) -> Outcome:
        """Fetch one normalised URL, following redirects by hand, into a record."""
        counters = {"bytes": 0, "requests": 0}
        retry_after = None
        deadline = self.pins.deadline = Deadline(self.options.timeout)
        try:
            kind, record = self._follow(url, previous, counters)
            if deadline.expired:  # a body cut short by the deadline looks complete: not trusted
                raise Failure(f"timed out after {self.options.timeout:g} s", transient=True)
        except Failure as failure:
            if deadline.expired:
                failure = Failure(
                    f"timed out after {self.options.timeout:g} s",
                    transient=True,
                    status=failure.status,
                    final_url=failure.final_url,
                )
            kind = "transient" if failure.transient else "dead"
            retry_after = failure.retry_after
            record = SourceRecord(
                url=url,
                status=failure.status,
                state="dead",
                final_url=failure.final_url,
                error=failure.message,
            )
        finally:
            deadline.cancel()
            self.pins.deadline = None
        return Outcome(url, record, kind, counters["bytes"], counters["requests"], retry_after)

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
                raise Failure(
                    f"redirect loop: {current} redirects back to {target}",
                    transient=False,
                    status=status,
                    final_url=current,
                )
            if hops > self.options.max_redirects:
                raise Failure(
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

    def _request(self, url: str, headers: dict[str, str]) -> requests.Response:
        timeout = self.options.timeout
        try:
            return self._session().get(
                url, headers=headers, stream=True, allow_redirects=False, timeout=(timeout, timeout)
            )
        except requests.exceptions.Timeout as exc:
            raise Failure(f"timed out after {timeout:g} s", transient=True) from exc
        except requests.exceptions.SSLError as exc:
            raise Failure(f"TLS error: {_describe(exc)}", transient=True) from exc
        except requests.exceptions.ConnectionError as exc:
            raise Failure(_describe(exc), transient=True) from exc
        except requests.exceptions.RequestException as exc:
            raise Failure(f"invalid request: {type(exc).__name__}", transient=False) from exc

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
        """The body, at most ``max_bytes`` of it; Failure when larger, slow or broken."""
        limit = self.options.max_bytes
        length = response.headers.get("Content-Length", "")
        if length.isdigit() and int(length) > limit:
            raise Failure(
                f"too large: {int(length)} bytes, the limit is {limit}",
                transient=False,
                status=response.status_code,
                final_url=response.url,
            )
        parts: list[bytes] = []
        total = 0
        try:
            for chunk in response.iter_content(CHUNK):
                total += len(chunk)
                counters["bytes"] += len(chunk)
                if total > limit:
                    raise Failure(
                        f"too large: more than {limit} bytes",
                        transient=False,
                        status=response.status_code,
                        final_url=response.url,
                    )
                parts.append(chunk)
        except requests.exceptions.ContentDecodingError as exc:
            raise Failure(
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
            raise Failure(
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
            # RFC 9110 §10.2.3: with 429 and 503 the server may say when to ask again.
            retry_after = (
                pagemeta.clean_text(response.headers.get("Retry-After"), 100)
                if status in RETRY_AFTER_STATUSES
                else None
            )
            raise Failure(
                message,
                transient=transient,
                status=status,
                final_url=final_url,
                retry_after=retry_after,
            )
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


def _within(seconds: float, call: Callable[[], Iterable[str]]) -> list[str]:
    """``call()``'s answer, or TimeoutError after ``seconds``.

    A DNS lookup cannot be cancelled, so it runs on a daemon thread that is left behind when
    it overruns (it cannot keep the process alive); the URL's deadline holds either way.
    """
    answer: list[str] = []
    failure: list[BaseException] = []
    done = threading.Event()

    def work() -> None:
        try:
            answer.extend(call())
        except BaseException as exc:  # handed to the waiting thread
            failure.append(exc)
        finally:
            done.set()

    threading.Thread(target=work, name="feedpub-dns", daemon=True).start()
    if not done.wait(seconds):
        raise TimeoutError(f"no answer within {seconds:g} s")
    if failure:
        raise failure[0]
    return answer

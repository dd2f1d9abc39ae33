"""A ``webdav://`` or ``webdavs://`` target in, output files on a WebDAV server out (PUT, then MOVE).

Each file goes up under a temporary name and is MOVEd into place with ``Overwrite: T``
(RFC 4918 section 9.9), so readers never fetch half a file. State lives in the manifest file.
Credentials come from FEEDPUB_WEBDAV_USER / FEEDPUB_WEBDAV_PASSWORD or ~/.netrc, never from the
URL or feedpub.yaml, and never appear in messages. Most servers pick Content-Type from the file
name themselves, so after each feed upload the served headers are read back (HEAD) and checked.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import uuid
import xml.etree.ElementTree as ET
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import quote, unquote, urlsplit

import requests

from feedpub.errors import PublishError, UsageError
from feedpub.mediatypes import is_feed
from feedpub.publish.base import LocalFile, TargetConfig
from feedpub.publish.manifest import ManifestTarget
from feedpub.publish.registry import check_options
from feedpub.publish.retry import TransientError, named

log = logging.getLogger("feedpub")

USER_ENV = "FEEDPUB_WEBDAV_USER"
PASSWORD_ENV = "FEEDPUB_WEBDAV_PASSWORD"
OPTIONS = {"verify_content_type", "timeout"}
CHECKS = ("warn", "error", "off")
DEFAULT_TIMEOUT = 30.0
# Statuses worth another try: the server is busy or a proxy in front lost it (RFC 9110 section 15).
TRANSIENT_STATUS = {408, 425, 429, 500, 502, 503, 504}


def media_type(value: str) -> tuple[str, str]:
    """``text/html; charset=UTF-8`` → ``("text/html", "utf-8")``; charset "" when not given."""
    kind, _, params = value.partition(";")
    charset = ""
    for param in params.split(";"):
        key, _, val = param.strip().partition("=")
        if key.lower() == "charset":
            charset = val.strip().strip('"').lower()
    return kind.strip().lower(), charset


def same_type(expected: str, served: str) -> bool:
    """Same media type, and the same charset when the server names one."""
    want, want_charset = media_type(expected)
    got, got_charset = media_type(served)
    return want == got and (not got_charset or not want_charset or want_charset == got_charset)


class WebdavTarget(ManifestTarget):
    """A WebDAV collection: MKCOL for folders, PUT to a temporary name, MOVE into place, DELETE.

    Safe for parallel uploads: each thread has its own HTTP session (requests.Session is not
    thread-safe), and folders are made under a lock, each once.
    """

    parallel = True

    def __init__(self, config: TargetConfig) -> None:
        super().__init__(config)
        check_options(config, OPTIONS)
        name = config.name
        parts = urlsplit(config.url)
        if not parts.hostname:
            raise UsageError(f"target {name!r}: expected {parts.scheme}://host/path, got no host")
        scheme = "https" if parts.scheme.lower() == "webdavs" else "http"
        path = "/" + "/".join(quote(unquote(p)) for p in parts.path.split("/") if p)
        self.base = f"{scheme}://{parts.netloc}{path.rstrip('/')}/"
        check = config.options.get("verify_content_type", "warn")
        if check not in CHECKS:
            raise UsageError(
                f"target {name!r}: verify_content_type: expected one of {', '.join(CHECKS)}, "
                f"got {check!r}"
            )
        self.check = str(check)
        timeout = config.options.get("timeout", DEFAULT_TIMEOUT)
        if not isinstance(timeout, int | float) or isinstance(timeout, bool) or timeout <= 0:
            raise UsageError(
                f"target {name!r}: timeout: expected a number of seconds, got {timeout!r}"
            )
        self.timeout = float(timeout)
        self._local = threading.local()  # this thread's requests.Session
        self._sessions: list[requests.Session] = []
        self._sessions_lock = threading.Lock()
        self._folders_lock = threading.Lock()  # one thread makes folders at a time
        self._folders: set[str] = set()  # collections known to exist, relative to the base

    # -- connection ------------------------------------------------------------------------

    def session(self) -> requests.Session:
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:
            user, password = os.environ.get(USER_ENV), os.environ.get(PASSWORD_ENV)
            if (user is None) != (password is None):
                missing = PASSWORD_ENV if password is None else USER_ENV
                raise UsageError(f"target {self.config.name!r}: {missing} is not set")
            session = requests.Session()
            if user is not None and password is not None:
                session.auth = (user, password)
            # Otherwise requests looks the host up in ~/.netrc (Session.trust_env).
            self._local.session = session
            with self._sessions_lock:
                self._sessions.append(session)
        return session

    def open(self) -> None:
        """Check the collection is there (or can be made, on the first write) and we may use it."""
        with named(self.config.name):
            answer = self.request(
                "PROPFIND", self.base, f"opening {self.base}", ok=(), headers={"Depth": "0"}
            )
            if answer.status_code == 207:
                self._folders.add(".")
            elif answer.status_code != 404:  # a dry run must not create it, so that waits
                self.fail(answer, f"opening {self.base}")

    def close(self) -> None:
        with self._sessions_lock:
            for session in self._sessions:
                session.close()
            self._sessions.clear()
        self._local = threading.local()
        self._folders.clear()

    def remote_digests(self) -> dict[str, str]:
        with named(self.config.name):
            return super().remote_digests()

    # -- HTTP ----------------------------------------------------------------------------------

    def url(self, path: str) -> str:
        rel = PurePosixPath(path)
        if rel.is_absolute() or ".." in rel.parts or not rel.parts:
            raise PublishError(f"refusing a path outside the target collection: {path}")
        return self.base + "/".join(quote(part) for part in rel.parts)

    def request(
        self, method: str, url: str, what: str, ok: tuple[int, ...] = (200,), **kwargs: Any
    ) -> requests.Response:
        """One request; a status outside ``ok`` (when ``ok`` is given) raises, naming ``what``."""
        try:
            answer = self.session().request(
                method, url, timeout=self.timeout, allow_redirects=False, **kwargs
            )
        except requests.RequestException as exc:
            # requests' own text is long and names the pool; the host and the cause suffice.
            cause = type(exc).__name__
            raise TransientError(f"{what}: cannot reach {urlsplit(url).netloc} ({cause})") from exc
        if ok and answer.status_code not in ok:
            self.fail(answer, what)
        return answer

    def fail(self, answer: requests.Response, what: str) -> None:
        status = f"HTTP {answer.status_code} {answer.reason}".strip()
        if answer.status_code in TRANSIENT_STATUS:
            raise TransientError(f"{what}: {status}")
        if answer.status_code == 401:
            raise PublishError(
                f"{what}: {status}; check {USER_ENV}/{PASSWORD_ENV} or ~/.netrc for "
                f"{urlsplit(self.base).hostname}"
            )
        raise PublishError(f"{what}: {status}")

    def makedirs(self, folder: PurePosixPath) -> None:
        """MKCOL each missing level, top down (a MKCOL needs its parent, RFC 4918 section 9.3.1).

        Below the base only: of the base itself just the last level is made, so a typo in the
        URL does not grow a new tree (the server answers 409 Conflict).
        """
        key = str(folder)
        if key in self._folders:
            return
        if key != ".":
            self.makedirs(folder.parent)
        url = self.base if key == "." else self.url(key) + "/"
        what = f"creating {url}" if key == "." else f"creating {key}/"
        answer = self.request("MKCOL", url, what, ok=())
        # 201 created; 405 means something is there already (a collection, we assume).
        if answer.status_code not in (201, 405):
            self.fail(answer, what)
        self._folders.add(key)

    # -- the manifest-target operations --------------------------------------------------------

    def read_remote(self, path: str) -> bytes | None:
        answer = self.request("GET", self.url(path), f"reading {path}", ok=())
        if answer.status_code == 404:
            return None
        if answer.status_code != 200:
            self.fail(answer, f"reading {path}")
        return answer.content

    def write_remote(self, path: str, data: bytes, content_type: str = "") -> None:
        final = self.url(path)
        rel = PurePosixPath(path)
        with self._folders_lock:
            self.makedirs(rel.parent)
        temp = self.url(str(rel.with_name(f".{rel.name}.feedpub-{uuid.uuid4().hex[:12]}.tmp")))
        headers = {"Content-Type": content_type} if content_type else {}
        self.request("PUT", temp, f"writing {path}", ok=(200, 201, 204), data=data, headers=headers)
        try:
            self.request(
                "MOVE",
                temp,
                f"moving {path} into place",
                ok=(201, 204),
                headers={"Destination": final, "Overwrite": "T"},
            )
        except (PublishError, TransientError):
            with contextlib.suppress(PublishError, TransientError):
                self.request("DELETE", temp, f"removing the temporary copy of {path}", ok=())
            raise

    def upload(self, file: LocalFile) -> None:
        data = file.read()
        self.write_remote(file.path, data, file.content_type)
        if is_feed(file.path):
            self.verify(file, data)

    def verify(self, file: LocalFile, data: bytes) -> None:
        """Read a feed back: HEAD for what the server says it is, GET for the bytes it serves."""
        url = self.url(file.path)
        head = self.request("HEAD", url, f"checking {file.path}")
        served = head.headers.get("Content-Type", "")
        if self.check != "off" and not same_type(file.content_type, served):
            detail = (
                f"served as {served or 'no Content-Type'!r}, expected {file.content_type!r}; "
                f"map the file name to that type on the server"
            )
            if self.check == "error":
                raise PublishError(f"checking {file.path}: {detail}")
            log.warning("%s: %s is %s", self.config.name, file.path, detail)
        body = self.request("GET", url, f"reading back {file.path}").content
        if body != data:
            raise PublishError(
                f"reading back {file.path}: the server returned {len(body)} bytes that differ "
                f"from the {len(data)} uploaded"
            )

    def remove_remote(self, path: str) -> None:
        answer = self.request("DELETE", self.url(path), f"deleting {path}", ok=())
        if answer.status_code not in (200, 204, 404):
            self.fail(answer, f"deleting {path}")
        # Collections left empty go too, never the base; a non-empty one stops the walk.
        folder = PurePosixPath(path).parent
        while str(folder) != "." and self.is_empty(folder):
            url = self.url(str(folder)) + "/"
            self.request("DELETE", url, f"deleting {folder}/", ok=(200, 204, 404))
            self._folders.discard(str(folder))
            folder = folder.parent

    def is_empty(self, folder: PurePosixPath) -> bool:
        """Whether a collection has no members: its Depth 1 PROPFIND lists only itself."""
        url = self.url(str(folder)) + "/"
        answer = self.request("PROPFIND", url, f"listing {folder}/", ok=(), headers={"Depth": "1"})
        if answer.status_code != 207:
            return False
        try:
            tree = ET.fromstring(answer.content)
        except ET.ParseError:
            return False
        return len(tree.findall("{DAV:}response")) == 1

"""A pull against hostile sources: DNS rebinding, pages that drip, servers that ask to wait.

Each case runs against real sockets on 127.0.0.1; the guard in conftest.py refuses (and records)
any connection to an address off this machine, so a test can tell where a connection went.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import socket
import ssl
import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from sources_server import CHECKED, NOW, DripServer, LoopbackServer, Reply

from conftest import Outbound
from feedpub.model import SourceRecord
from feedpub.sources import PullOptions, load_lock
from feedpub.sources.pull import pull

HTML = {"Content-Type": "text/html"}
MINUTE = dt.timedelta(minutes=1)
PUBLIC = "93.184.215.14"  # a global address: passes the check, never reached (the guard refuses)


# --- connection pinning --------------------------------------------------------------------


def test_dns_rebinding_cannot_reach_a_private_address(
    server: LoopbackServer,
    lock: Path,
    options: PullOptions,
    outbound: Outbound,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """DNS answers a public address at the check and loopback afterwards: the connection goes to
    the address that was checked, and the service on loopback receives nothing at all."""
    server.route("/inside", Reply(body=b"<title>Secret</title>", headers=HTML))
    asked: list[tuple[str, int]] = []

    def rebinding(host: str, port: int) -> list[str]:
        asked.append((host, port))
        return [PUBLIC] if len(asked) == 1 else ["127.0.0.1"]

    url = f"http://rebind.test:{server.port}/inside"
    with caplog.at_level(logging.DEBUG, logger="feedpub"):
        report = pull(
            {url: ["e"]}, lock, replace(options, allow_private=False), now=NOW, resolve=rebinding
        )
    assert (server.seen, server.connections) == ([], 0)
    assert outbound.attempts == [(PUBLIC, server.port)]
    assert f"rebind.test:{server.port}: connecting to {PUBLIC}" in caplog.messages
    assert report.records[url] == SourceRecord(
        url=url, state="dead", error="connection refused", checked=CHECKED
    )


def test_a_pinned_connection_still_sends_the_host_name(
    server: LoopbackServer, lock: Path, options: PullOptions
) -> None:
    server.route("/page", Reply(body=b"<title>Named</title>", headers=HTML))
    url = f"http://named.test:{server.port}/page"
    record = pull(
        {url: ["e"]}, lock, options, now=NOW, resolve=lambda host, port: ["127.0.0.1"]
    ).records[url]
    assert (record.state, record.title) == ("ok", "Named")
    assert server.seen[0].headers["host"] == f"named.test:{server.port}"


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[tuple[int, list[str | None], list[bytes]]]:
    """A TLS server on 127.0.0.1 with a self-signed certificate for tls.test.

    Yields its port, the SNI names clients sent, and any bytes that arrived after a handshake.
    """
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "tls.test")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("tls.test")]), critical=False)
        .sign(key, hashes.SHA256())
    )
    (tmp_path / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tmp_path / "cert.pem", tmp_path / "key.pem")
    names: list[str | None] = []
    received: list[bytes] = []

    def remember(_sock: ssl.SSLObject, server_name: str | None, _ctx: ssl.SSLContext) -> None:
        names.append(server_name)

    context.sni_callback = remember  # type: ignore[assignment]
    listener = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                with context.wrap_socket(client, server_side=True) as tls:
                    tls.settimeout(5)
                    received.append(tls.recv(4096))
            except (OSError, ssl.SSLError):
                pass  # the client refused the certificate: what the test expects

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield listener.getsockname()[1], names, received
    with contextlib.suppress(OSError):
        listener.shutdown(socket.SHUT_RDWR)  # wakes the accept()
    listener.close()
    thread.join(5)


def test_tls_is_verified_against_the_host_name_and_sends_it_as_sni(
    tls_server: tuple[int, list[str | None], list[bytes]], lock: Path, options: PullOptions
) -> None:
    port, names, received = tls_server
    url = f"https://tls.test:{port}/"
    record = pull(
        {url: ["e"]}, lock, options, now=NOW, resolve=lambda host, port: ["127.0.0.1"]
    ).records[url]
    assert record.error == "TLS error: certificate verify failed: self-signed certificate"
    assert names == ["tls.test"]  # SNI carried the name, not the pinned address
    assert received == []  # no request was sent over the unverified connection


# --- deadlines -----------------------------------------------------------------------------


@pytest.fixture
def drip() -> Iterator[DripServer]:
    instance = DripServer()
    yield instance
    instance.stop()


@pytest.fixture
def drip_head() -> Iterator[DripServer]:
    instance = DripServer(drip_head=True)
    yield instance
    instance.stop()


def test_a_body_dripping_one_byte_a_second_is_cut_at_the_deadline(
    drip: DripServer, lock: Path, options: PullOptions
) -> None:
    url = drip.url()
    report = pull({url: ["e"]}, lock, replace(options, timeout=2), now=NOW)
    assert report.records[url] == SourceRecord(
        url=url,
        status=200,
        state="dead",
        final_url=url,
        error="timed out after 2 s",
        checked=CHECKED,
    )
    # Each byte came well within the 2 s read timeout; only the deadline stopped the read,
    # long before the body's 57 bytes were through.
    assert drip.requests == 1
    assert drip.sent < 10


def test_headers_dripping_one_byte_a_second_are_cut_at_the_deadline(
    drip_head: DripServer, lock: Path, options: PullOptions
) -> None:
    url = drip_head.url()
    report = pull({url: ["e"]}, lock, replace(options, timeout=2), now=NOW)
    assert report.records[url] == SourceRecord(
        url=url, state="dead", error="timed out after 2 s", checked=CHECKED
    )
    assert drip_head.sent < 10


def test_a_dns_lookup_that_never_answers_is_cut_at_the_deadline(
    lock: Path, options: PullOptions
) -> None:
    answered = threading.Event()

    def silent(host: str, port: int) -> list[str]:
        answered.wait(30)  # a resolver that does not answer (set free when the test ends)
        return ["192.0.2.1"]

    url = "http://slow-dns.example/page"
    try:
        report = pull({url: ["e"]}, lock, replace(options, timeout=1), now=NOW, resolve=silent)
    finally:
        answered.set()
    assert report.records[url] == SourceRecord(
        url=url,
        state="dead",
        error="timed out after 1 s",
        checked=CHECKED,
    )


# --- Retry-After ---------------------------------------------------------------------------


def test_retry_after_on_503_is_honoured_on_the_next_pull(
    server: LoopbackServer, lock: Path, options: PullOptions
) -> None:
    url = server.route("/busy", Reply(body=b"<title>Busy</title>", headers=HTML))
    good = pull({url: ["e"]}, lock, options, now=NOW).records[url]
    server.route("/busy", Reply(503, b"later", {**HTML, "Retry-After": "120"}))
    failing = pull({url: ["e"]}, lock, replace(options, check_all=True), now=NOW).records[url]
    assert failing == replace(
        good,
        state="transient",
        status=503,
        error="HTTP 503 Service Unavailable",
        retry_after="2025-05-17T12:02:00Z",
    )
    assert load_lock(lock)[url].retry_after == "2025-05-17T12:02:00Z"
    # A failing URL is normally tried on every pull; not before the time the server gave,
    # not even with --all.
    asked = len(server.requests_to("/busy"))
    report = pull({url: ["e"]}, lock, replace(options, check_all=True), now=NOW + MINUTE)
    assert len(server.requests_to("/busy")) == asked
    assert report.summary() == "0 fetched, 0 unchanged, 0 dead, 0 moved, 1 waiting (Retry-After)"
    server.route("/busy", Reply(body=b"<title>Busy</title>", headers=HTML))
    later = NOW + 2 * MINUTE
    recovered = pull({url: ["e"]}, lock, options, now=later).records[url]
    assert recovered == replace(good, checked="2025-05-17T12:02:00Z")  # retry_after gone


@pytest.mark.parametrize(
    ("header", "until"),
    [
        ("Sat, 17 May 2025 13:00:00 GMT", "2025-05-17T13:00:00Z"),  # an HTTP-date
        ("99999999999", "2025-05-24T12:00:00Z"),  # at most max_age_days away
        ("Fri, 16 May 2025 13:00:00 GMT", None),  # already past
        ("soon", None),  # unreadable: ignored
    ],
)
def test_retry_after_on_429_as_a_date_capped_or_ignored(
    server: LoopbackServer, lock: Path, options: PullOptions, header: str, until: str | None
) -> None:
    url = server.route("/limited", Reply(429, b"", {"Retry-After": header}))
    record = pull({url: ["e"]}, lock, options, now=NOW).records[url]
    assert (record.error, record.retry_after) == ("HTTP 429 Too Many Requests", until)

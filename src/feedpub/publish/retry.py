"""A call and a retry policy in, its result out: transient failures retried with exponential backoff."""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TypeVar

from feedpub.errors import PublishError

log = logging.getLogger("feedpub")

T = TypeVar("T")

# S3 error codes that mean "try again later" (AWS S3 API reference, "Error responses").
TRANSIENT_S3_CODES = frozenset(
    {"SlowDown", "RequestTimeout", "InternalError", "ServiceUnavailable", "RequestTimeTooSkewed"}
)


class TransientError(Exception):
    """Raised by a target for a failure worth retrying (a timeout, a 5xx, a dropped connection)."""


@dataclass(frozen=True)
class RetryPolicy:
    """``attempts`` tries in all; the n-th retry waits ``backoff * 2**(n-1)`` seconds."""

    attempts: int = 4
    backoff: float = 0.5


def is_transient(exc: BaseException) -> bool:
    """Whether ``exc`` is worth another try: network trouble and server-side errors, not refusals."""
    if isinstance(exc, TransientError | ConnectionError | TimeoutError):
        return True
    # Library exceptions are recognised by name so this module imports neither boto3 nor requests.
    names = {cls.__name__ for cls in type(exc).__mro__}
    if names & {
        "EndpointConnectionError",
        "ConnectionClosedError",
        "ReadTimeoutError",
        "ConnectTimeoutError",
        "Timeout",
        "SSHException",
    }:
        return True
    if "ConnectionError" in names:  # requests.ConnectionError is not the builtin one
        return True
    response = getattr(exc, "response", None)
    if isinstance(response, dict):  # botocore ClientError
        error = response.get("Error", {})
        status = response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        return error.get("Code") in TRANSIENT_S3_CODES or int(status or 0) >= 500
    status_code = getattr(response, "status_code", None)  # requests.HTTPError
    return isinstance(status_code, int) and status_code >= 500


def retry(
    call: Callable[[], T],
    what: str,
    policy: RetryPolicy,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Run ``call``; on a transient failure wait and try again, up to ``policy.attempts`` tries."""
    attempt = 1
    while True:
        try:
            return call()
        except Exception as exc:
            if attempt >= policy.attempts or not is_transient(exc):
                raise
            delay = policy.backoff * 2 ** (attempt - 1)
            log.info("%s failed (%s); retrying in %.1fs", what, exc, delay)
            sleep(delay)
            attempt += 1


@contextlib.contextmanager
def named(target: str) -> Iterator[None]:
    """Failures outside the planner's retries become PublishErrors that name the target."""
    try:
        yield
    except (PublishError, TransientError) as exc:
        message = exc.message if isinstance(exc, PublishError) else str(exc)
        raise PublishError(f"{target}: {message}") from exc

"""A call and a retry policy in, its result out: transient failures retried with jittered backoff.

What counts as transient is decided by exception type alone: ``TransientError``, which each
target raises for its library's network trouble and busy-server answers, and the builtin
``ConnectionError`` and ``TimeoutError`` (OSErrors such as ECONNRESET, socket timeouts).
Anything else (a refusal, a missing bucket, a wrong password) fails at once.
"""

from __future__ import annotations

import contextlib
import logging
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TypeVar

from feedpub.errors import PublishError

log = logging.getLogger("feedpub")

T = TypeVar("T")


class TransientError(Exception):
    """Raised by a target for a failure worth retrying (a timeout, a 5xx, a dropped connection)."""


TRANSIENT_TYPES: tuple[type[BaseException], ...] = (TransientError, ConnectionError, TimeoutError)


@dataclass(frozen=True)
class RetryPolicy:
    """``attempts`` tries in all; the n-th retry waits up to ``backoff * 2**(n-1)`` seconds.

    ``jitter`` is the share of each wait that is random (0: none, 1: anywhere from zero up), so
    parallel uploads that failed together, say on S3's SlowDown, do not all come back at once.
    """

    attempts: int = 4
    backoff: float = 0.5
    jitter: float = 0.5


def is_transient(exc: BaseException) -> bool:
    """Whether ``exc`` is worth another try: network trouble and busy servers, not refusals."""
    return isinstance(exc, TRANSIENT_TYPES)


def delay(policy: RetryPolicy, attempt: int, rand: Callable[[], float] = random.random) -> float:
    """Seconds to wait after failed attempt number ``attempt`` (1-based)."""
    ceiling: float = policy.backoff * 2.0 ** (attempt - 1)
    return ceiling * (1 - policy.jitter * rand())


def retry(
    call: Callable[[], T],
    what: str,
    policy: RetryPolicy,
    sleep: Callable[[float], None] = time.sleep,
    rand: Callable[[], float] = random.random,
) -> T:
    """Run ``call``; on a transient failure wait and try again, up to ``policy.attempts`` tries."""
    attempt = 1
    while True:
        try:
            return call()
        except Exception as exc:
            if attempt >= policy.attempts or not is_transient(exc):
                raise
            wait = delay(policy, attempt, rand)
            log.info("%s failed (%s); retrying in %.1fs", what, exc, wait)
            sleep(wait)
            attempt += 1


@contextlib.contextmanager
def named(target: str) -> Iterator[None]:
    """Failures outside the planner's retries become PublishErrors that name the target."""
    try:
        yield
    except (PublishError, TransientError) as exc:
        message = exc.message if isinstance(exc, PublishError) else str(exc)
        raise PublishError(f"{target}: {message}") from exc

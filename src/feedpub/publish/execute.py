"""A plan and a target in, the plan carried out: phase by phase, each phase's files sent in parallel.

The phases keep the order that never shows readers a link to something not yet there: pages
and assets, then each feed format, then the index pages, then deletions, then the commit. A
phase starts only when every file of the one before arrived. Within a phase a target that can
take concurrent calls (``Target.parallel``) gets up to ``jobs`` of them at once; the first
failure stops the phase (calls not yet started are dropped, running ones finish) and the publish.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed, wait
from functools import partial

from feedpub.errors import PublishError
from feedpub.faults import checkpoint
from feedpub.publish.base import Target
from feedpub.publish.plan import Plan, rank
from feedpub.publish.retry import RetryPolicy, retry

DEFAULT_JOBS = 8
MAX_JOBS = 64

Progress = Callable[[str, int, int], None]  # (path, done, total)
Step = tuple[str, str, Callable[[], object]]  # (path, what, call)


def phases(target: Target, plan: Plan) -> list[tuple[str, list[Step]]]:
    """The plan's calls grouped into phases, in order: uploads by rank, then deletions."""
    name = plan.target
    groups: list[tuple[str, list[Step]]] = []
    for _rank, uploads in itertools.groupby(plan.uploads, key=lambda u: rank(u.file.path)):
        steps: list[Step] = [
            (u.file.path, f"{name}: uploading {u.file.path}", partial(target.upload, u.file))
            for u in uploads
        ]
        groups.append(("upload", steps))
    if plan.deletes:
        steps = [(p, f"{name}: deleting {p}", partial(target.delete, p)) for p in plan.deletes]
        groups.append(("delete", steps))
    return groups


def execute(
    target: Target,
    plan: Plan,
    policy: RetryPolicy,
    progress: Progress | None = None,
    jobs: int = DEFAULT_JOBS,
) -> None:
    """Every phase in turn, then the commit; the first failure stops everything (PublishError)."""
    total = len(plan.uploads) + len(plan.deletes)
    counter = itertools.count(1)

    def finished(kind: str, path: str) -> None:
        if kind == "upload":
            checkpoint("publish-upload")
        done = next(counter)
        if progress:
            progress(path, done, total)

    workers = max(1, min(jobs, MAX_JOBS)) if getattr(target, "parallel", False) else 1
    pool = (
        ThreadPoolExecutor(workers, thread_name_prefix="feedpub-publish") if workers > 1 else None
    )
    try:
        for kind, steps in phases(target, plan):
            if pool is None:
                for path, what, call in steps:
                    guarded(call, what, policy)
                    finished(kind, path)
            else:
                run_phase(pool, steps, policy, partial(finished, kind))
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
    if plan.needs_commit:
        guarded(
            partial(target.commit, dict(plan.digests)),
            f"{plan.target}: recording the new state",
            policy,
        )


def run_phase(
    pool: ThreadPoolExecutor,
    steps: Sequence[Step],
    policy: RetryPolicy,
    finished: Callable[[str], None],
) -> None:
    """One phase on the pool; returns when all succeeded, raises the first failure otherwise."""
    pending: dict[Future[None], str] = {
        pool.submit(guarded, call, what, policy): path for path, what, call in steps
    }
    failure: BaseException | None = None
    for future in as_completed(list(pending)):
        path = pending.pop(future)
        failure = future.exception()
        if failure is not None:
            break
        finished(path)
    if failure is not None:
        for future in pending:
            future.cancel()
        wait(pending)  # the calls already running finish (or fail) before the publish stops
        raise failure


def guarded(call: Callable[[], object], what: str, policy: RetryPolicy) -> None:
    """Run ``call`` with retries; any failure becomes a PublishError saying what failed."""
    try:
        retry(call, what, policy)
    except PublishError as exc:
        raise PublishError(f"{what} failed: {exc.message}", exc.problems) from exc
    except Exception as exc:
        raise PublishError(f"{what} failed: {describe(exc)}") from exc


def describe(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]

"""Page jobs in, rendered in forked worker processes out: each worker writes its pages
straight into the build's new output folder and hands back only each page's hash, the
entries it links to and the template reads it recorded (for the page digests the parent
computes after).

The parent renders the batches no worker has begun, from the last one back (on two cores:
the parent and one worker), so no core idles and one worker is all that is added. Below
``PARALLEL_THRESHOLD`` pages, without ``fork`` (the workers inherit the page jobs and the
compiled templates from the parent) or with one core, nothing is farmed out.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from concurrent.futures import Future, ProcessPoolExecutor
from multiprocessing import get_all_start_methods, get_context
from typing import Any

from feedpub.entries import worker_count
from feedpub.render.manifest import Digests
from feedpub.render.pages import PageJob
from feedpub.render.reads import Read, recording
from feedpub.staging import Staging

PARALLEL_THRESHOLD = 400  # pages; fewer render faster than a worker starts
BATCH = 64  # pages a worker takes at a time (~0.1 s)

# What the workers inherit through the fork: set just before the pool starts.
_shared: dict[str, Any] = {}

# Per page: path, hash of its bytes, entries it links to, whether it was written (not
# linked), and its digest over the reads of its batch (see ``Farm.digests``).
Done = tuple[str, str, tuple[str, ...], bool, str]


def _render_range(start: int, stop: int) -> tuple[list[Done], dict[str, set[Read]]]:
    """In a worker (or the parent): render jobs[start:stop] into the staging folder."""
    jobs: list[PageJob] = _shared["jobs"]
    render: Callable[[PageJob], bytes] = _shared["render"]
    staging: Staging = _shared["staging"]
    known: dict[str, set[Read]] = _shared["reads"]  # as they were when the farm started
    reads: dict[str, set[Read]] = {}
    pages = []
    for job in jobs[start:stop]:
        into = reads.get(job.template)
        if into is None:
            into = reads[job.template] = set(known.get(job.template, ()))
        with recording(into):
            data = render(job)
        written = staging.put(job.path, data)
        pages.append((job, *staging.records[job.path], written))
    digests = {template: Digests(found) for template, found in reads.items()}
    done = [
        (job.path, digest, links, written, digests[job.template].of(job))
        for job, digest, links, written in pages
    ]
    return done, reads


class Farm:
    """Renders a build's pages in worker processes, into ``staging``; ``skip``: paths
    a static file takes (never stored)."""

    steal = True  # the parent renders the batches no worker began (tests turn it off)

    def __init__(
        self,
        staging: Staging,
        render: Callable[[PageJob], bytes],
        skip: Collection[str] = (),
        threshold: int | None = None,
    ) -> None:
        self.staging = staging
        self.render = render
        self.skip = skip
        self.threshold = PARALLEL_THRESHOLD if threshold is None else threshold
        self.templates: set[str] = set()  # of the pages handed to the workers
        self._pool: ProcessPoolExecutor | None = None
        self._batches: list[tuple[int, int]] = []
        self._futures: list[Future[tuple[list[Done], dict[str, set[Read]]]]] = []
        self._reads: dict[str, set[Read]] = {}
        self._template_of: dict[str, str] = {}
        self.digests: dict[str, str] = {}  # of the pages rendered, when final (see finish)

    def start(self, todo: list[PageJob], reads: dict[str, set[Read]]) -> list[PageJob]:
        """Hand the pages of ``todo`` to worker processes, in batches; the jobs left for the
        caller to render meanwhile (those a static file takes). ``finish`` collects them (their reads go to
        ``reads``); ``close`` stops them on a failure."""
        chosen = [j for j in todo if j.path not in self.skip]
        workers = worker_count()
        if len(chosen) < self.threshold or workers < 2 or "fork" not in get_all_start_methods():
            return todo
        # The new folder itself exists before the fork; the folders under it are made by
        # whichever process needs one first (mkdir with exist_ok: two at once both succeed).
        self.staging.make_folder("")
        self._reads = reads
        self._template_of = {job.path: job.template for job in chosen}
        _shared.update(jobs=chosen, render=self.render, staging=self.staging, reads=reads)
        self._pool = ProcessPoolExecutor(max_workers=workers - 1, mp_context=get_context("fork"))
        self._batches = [(i, min(i + BATCH, len(chosen))) for i in range(0, len(chosen), BATCH)]
        self._futures = [self._pool.submit(_render_range, *b) for b in self._batches]
        self.templates = {job.template for job in chosen}
        taken = {id(job) for job in chosen}
        return [job for job in todo if id(job) not in taken]

    def finish(self) -> None:
        """Once the caller's own pages are done: render here the batches no worker began
        (from the last one back), then take in what the workers did."""
        if self._pool is None:
            return
        try:
            results = []
            for batch, future in zip(reversed(self._batches), reversed(self._futures), strict=True):
                if not self.steal or not future.cancel():
                    break  # this one and every earlier one went to a worker
                results.append(_render_range(*batch))
            results += [f.result() for f in self._futures if not f.cancelled()]
        finally:
            self.close()
        for done, found in results:
            for rel, digest, links, written, _ in done:
                self.staging.records[rel] = (digest, links)
                if written:
                    self.staging.changed.add(rel)
            for template, names in found.items():
                self._reads.setdefault(template, set()).update(names)
        # A page's digest covers what every page of its template read by the end of the
        # build: one made over its batch's reads holds when those were all of them.
        for done, found in results:
            for rel, _, _, _, digest in done:
                template = self._template_of[rel]
                if found[template] == self._reads[template]:
                    self.digests[rel] = digest

    def close(self) -> None:
        """Stop the workers: batches not begun are dropped, those running end first."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
            _shared.clear()

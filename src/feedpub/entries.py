"""Entry files in, checked entries with their own rendered HTML out: on every core, cached by content.

A file whose bytes, settings and cited source records are unchanged since the last build is
neither parsed nor rendered again: its result comes from ``.feedpub/cache/``.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from feedpub import __version__
from feedpub.errors import InputError, Problem
from feedpub.files import write_atomic
from feedpub.ledger import content_hash
from feedpub.load import EntryContext, FileChecker, entry_files, load_entry_bytes, read_bytes
from feedpub.model import Entry, Settings, SourceRecord
from feedpub.render.briefing import BRIEFING_TEMPLATE, LocalParts, render_local
from feedpub.render.templating import Templates, TemplateSpec, from_spec, templates_for

CACHE_DIR = Path(".feedpub") / "cache"
SHARDS = 16  # a one-file change rewrites one sixteenth of the cache
CACHE_FORMAT = 4
# Below this many files to compile, starting worker processes costs more than it saves.
PARALLEL_THRESHOLD = 200


@dataclass(frozen=True)
class Compiled:
    """One entry file's result."""

    entry: Entry | None
    problems: tuple[Problem, ...]
    local: LocalParts | None
    records_key: str  # which source records its Sources list was rendered with
    content_hash: str = ""  # for the ledger (feedpub.ledger.content_hash)


# A file's cached result: (content digest, result, "size:mtime_ns" when that may be trusted).
CacheItem = tuple[str, Compiled, str]
# A file changed this close to when we looked at it may hide an edit from its mtime (the
# filesystem clock is coarse): such a file is always read and hashed next time.
RACY_NS = 100_000_000


def signature(path: str) -> str:
    """ "size:mtime_ns" of a file not touched in the last moments, else ""."""
    try:
        info = os.stat(path)
    except OSError:
        return ""
    if info.st_mtime_ns >= time.time_ns() - RACY_NS:
        return ""
    return f"{info.st_size}:{info.st_mtime_ns}"


@dataclass
class CompileStats:
    files: int = 0
    compiled: int = 0
    cached: int = 0
    workers: int = 1


def _records_key(entry: Entry | None, records: Mapping[str, SourceRecord], normalise: Any) -> str:
    if entry is None or not entry.sources or not records:
        return ""
    parts = [repr(records.get(normalise(s.url))) for s in entry.sources]
    return hashlib.blake2b("\n".join(parts).encode(), digest_size=12).hexdigest()


# Worker-process state, set once per worker by _init_worker.
_worker: dict[str, Any] = {}


def _init_worker(
    context: EntryContext,
    base_url: str,
    records: Mapping[str, SourceRecord],
    templates: TemplateSpec,
) -> None:
    # Compiled templates come with the fork; a spawned worker compiles them once, here.
    _worker.update(
        context=context, base_url=base_url, records=records, templates=from_spec(templates)
    )


# One file to compile: its path relative to the root, its path, and its bytes when the main
# process already read them (else the worker reads them: no bytes cross the process pipe).
Job = tuple[str, str, bytes | None]


def _compile_one(rel: str, path: str, raw: bytes | None) -> tuple[str, Compiled]:
    """(content digest, result); the digest is "" for a file that could not be read."""
    from feedpub.sources import normalise_url

    if raw is None:
        checker = FileChecker(rel)
        raw = read_bytes(path, checker, _worker["context"].max_bytes)
        if raw is None:
            return "", Compiled(None, tuple(checker.problems), None, "")
    records: Mapping[str, SourceRecord] = _worker["records"]
    entry, problems = load_entry_bytes(raw, rel, _worker["context"])
    local = None
    if entry is not None:
        try:
            local = render_local(
                entry,
                _worker["base_url"],
                lambda url: records.get(normalise_url(url)),
                _worker["templates"],
            )
        except InputError as exc:  # a template problem, located in the template
            problems.extend(exc.problems)
    digest = content_hash(entry) if entry is not None else ""
    compiled = Compiled(
        entry, tuple(problems), local, _records_key(entry, records, normalise_url), digest
    )
    return hashlib.blake2b(raw, digest_size=16).hexdigest(), compiled


def _compile_batch(batch: Sequence[Job]) -> list[tuple[str, Compiled]]:
    return [_compile_one(rel, path, raw) for rel, path, raw in batch]


def _context_key(settings: Settings, templates: Templates) -> str:
    author = settings.author
    return "|".join(
        (
            str(CACHE_FORMAT),
            templates.digest(BRIEFING_TEMPLATE),  # a change there renders every body again
            __version__,
            settings.base_url,
            settings.timezone_name,
            author.name,
            author.email or "",
            author.uri or "",
            str(settings.max_entry_bytes),
        )
    )


def _shard(rel: str) -> int:
    return (
        hashlib.blake2b(rel.encode("utf-8", "surrogateescape"), digest_size=2).digest()[0] % SHARDS
    )


def _load_cache(folder: Path, context_key: str) -> dict[str, CacheItem]:
    """Every cached result; a shard that is missing, stale or unreadable just counts as empty."""
    files: dict[str, CacheItem] = {}
    for shard in range(SHARDS):
        try:
            with (folder / f"entries-{shard:02d}.pickle").open("rb") as handle:
                stored = pickle.load(handle)
        except (
            OSError,
            EOFError,
            pickle.UnpicklingError,
            AttributeError,
            ImportError,
            TypeError,
            ValueError,
        ):
            continue
        if isinstance(stored, dict) and stored.get("context") == context_key:
            found = stored.get("files")
            if isinstance(found, dict):
                files.update(found)
    return files


def _save_cache(
    folder: Path, context_key: str, files: dict[str, CacheItem], dirty: set[int]
) -> None:
    """Rewrite the shards holding a changed, added or removed file (all of them on a cold build)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        by_shard: dict[int, dict[str, CacheItem]] = {shard: {} for shard in dirty}
        for rel, value in files.items():
            shard = _shard(rel)
            if shard in by_shard:
                by_shard[shard][rel] = value
        for shard, content in by_shard.items():
            path = folder / f"entries-{shard:02d}.pickle"
            data = pickle.dumps(
                {"context": context_key, "files": content}, protocol=pickle.HIGHEST_PROTOCOL
            )
            write_atomic(path, data, durable=False)
    except OSError:
        pass  # a cache that cannot be written only costs time next build


def worker_count() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def compile_entries(
    root: Path,
    settings: Settings,
    records: Mapping[str, SourceRecord],
    problems: list[Problem],
    stats: CompileStats | None = None,
    hashes: dict[str, str] | None = None,
) -> tuple[list[Entry], dict[str, LocalParts]]:
    """Every entry under entries/ with its rendered parts; problems appended to ``problems``."""
    from feedpub.sources import normalise_url

    stats = stats if stats is not None else CompileStats()
    context = EntryContext(settings.timezone or _utc(), settings.author, settings.max_entry_bytes)
    templates = templates_for(root, settings.base_url, settings.timezone)
    context_key = _context_key(settings, templates)
    cache_folder = root / CACHE_DIR
    cache = _load_cache(cache_folder, context_key)
    fresh: dict[str, CacheItem] = {}
    results: dict[str, Compiled] = {}
    todo: list[Job] = []
    digests: dict[str, str] = {}
    files = entry_files(root, problems)
    stats.files = len(files)
    signatures: dict[str, str] = {}

    def read(path: str, rel: str) -> bytes | None:
        checker = FileChecker(rel)
        raw = read_bytes(path, checker, context.max_bytes)
        if raw is None:
            results[rel] = Compiled(None, tuple(checker.problems), None, "")
        else:
            digests[rel] = hashlib.blake2b(raw, digest_size=16).hexdigest()
        return raw

    for path, rel in files:
        hit = cache.get(rel)
        signatures[rel] = sig = signature(path)
        if hit is None:
            todo.append((rel, path, None))  # new to the cache: a worker reads it
            continue
        raw: bytes | None = None
        # Size and mtime as recorded (and not racy): the bytes are the ones compiled then,
        # the rule git's index uses. Otherwise read the file and compare its content digest.
        if not (sig and hit[2] == sig):
            raw = read(path, rel)
            if raw is None:
                continue
        if (rel not in digests or hit[0] == digests[rel]) and hit[1].records_key == _records_key(
            hit[1].entry, records, normalise_url
        ):
            results[rel] = hit[1]
            fresh[rel] = (hit[0], hit[1], sig)
            continue
        todo.append((rel, path, raw))
    stats.cached = len(fresh)
    stats.compiled = len(todo)
    done = _run(todo, context, settings.base_url, records, templates.spec, stats)
    for (rel, _path, _raw), (digest, compiled) in zip(todo, done, strict=True):
        results[rel] = compiled
        if digest:
            fresh[rel] = (digest, compiled, signatures[rel])
    dirty = {_shard(rel) for rel, _path, _raw in todo}
    dirty |= {_shard(rel) for rel in cache.keys() - fresh.keys()}
    dirty |= {_shard(rel) for rel, item in fresh.items() if cache.get(rel, item)[2] != item[2]}
    if dirty:
        _save_cache(cache_folder, context_key, fresh, dirty)
    entries: list[Entry] = []
    parts: dict[str, LocalParts] = {}
    seen: set[Problem] = set()
    for _path, rel in files:
        compiled = results[rel]
        # A template problem shows in every entry: say it once.
        for problem in compiled.problems:
            if problem not in seen:
                seen.add(problem)
                problems.append(problem)
        if compiled.entry is not None and compiled.local is not None:
            entries.append(compiled.entry)
            parts.setdefault(compiled.entry.id, compiled.local)
            if hashes is not None:
                hashes.setdefault(compiled.entry.id, compiled.content_hash)
    return entries, parts


def _utc() -> Any:
    from datetime import UTC

    return UTC


def _run(
    todo: list[Job],
    context: EntryContext,
    base_url: str,
    records: Mapping[str, SourceRecord],
    templates: TemplateSpec,
    stats: CompileStats,
) -> list[tuple[str, Compiled]]:
    workers = worker_count()
    if len(todo) < PARALLEL_THRESHOLD or workers < 2:
        _init_worker(context, base_url, records, templates)
        return _compile_batch(todo)
    stats.workers = workers
    # Contiguous batches, a few per worker: little pickling overhead, balanced enough.
    size = max(1, len(todo) // (workers * 4) + 1)
    batches = [todo[i : i + size] for i in range(0, len(todo), size)]
    method = "fork" if "fork" in _start_methods() else "spawn"
    with ProcessPoolExecutor(
        max_workers=workers,
        mp_context=get_context(method),
        initializer=_init_worker,
        initargs=(context, base_url, records, templates),
    ) as pool:
        return [result for batch in pool.map(_compile_batch, batches) for result in batch]


def _start_methods() -> list[str]:
    from multiprocessing import get_all_start_methods

    return get_all_start_methods()

"""Entry files in, checked entries with their own rendered HTML out: on every core, cached by content.

A file whose bytes, settings and cited source records are unchanged since the last build is
neither parsed nor rendered again: its result comes from ``.feedpub/cache/``. Each result is
pickled once, where it was made (in a worker), and the cache shards keep those bytes as they
are: a shard holds bytes per file, unpickled only for the files a build takes from it.
"""

from __future__ import annotations

import gc
import hashlib
import os
import pickle
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from feedpub import __version__
from feedpub.entryfile import EntryContext, entry_files, load_entry_bytes
from feedpub.errors import InputError, Problem
from feedpub.fieldcheck import FileChecker, read_bytes
from feedpub.files import write_atomic
from feedpub.ledger import content_hash
from feedpub.model import Entry, Settings, SourceRecord
from feedpub.render.briefing import BRIEFING_TEMPLATE, LocalParts, render_local
from feedpub.render.templating import Templates, TemplateSpec, from_spec, templates_for

CACHE_DIR = Path(".feedpub") / "cache"
SHARDS = 16  # a one-file change rewrites one sixteenth of the cache
INDEX_FILE = "index.pickle"  # digest, signature, cited URLs and problems of every file
CACHE_FORMAT = 7
# Told how far a long build has come: (stage, done, total); the CLI draws it on a terminal.
Progress = Callable[[str, int, int], None]
COMPILE_STAGE = "reading entries"
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


# A file's cached result: (content digest, the pickled result, "size:mtime_ns" when trusted).
CacheItem = tuple[str, bytes, str]
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
    if entry is None:
        return ""
    return _urls_key(tuple(s.url for s in entry.sources), records, normalise)


def _urls_key(urls: Sequence[str], records: Mapping[str, SourceRecord], normalise: Any) -> str:
    if not urls or not records:
        return ""
    parts = [repr(records.get(normalise(url))) for url in urls]
    return hashlib.blake2b("\n".join(parts).encode(), digest_size=12).hexdigest()


@dataclass(frozen=True)
class Known:
    """What the index remembers of one file, enough to tell whether it must be compiled again
    (and, for a file with problems, to report them) without loading the cache itself."""

    digest: str
    signature: str
    urls: tuple[str, ...]  # cited source URLs: their records are rendered into the entry ...
    records_key: str  # ... as they were then
    problems: tuple[Problem, ...]


def _known(digest: str, signature: str, compiled: Compiled) -> Known:
    urls = tuple(s.url for s in compiled.entry.sources) if compiled.entry is not None else ()
    return Known(digest, signature, urls, compiled.records_key, compiled.problems)


def _pickle(value: Any) -> bytes:
    return pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)


def _unpickle_compiled(data: bytes) -> Compiled | None:
    """A cached result, or None when its bytes do not hold one (a cache only costs time)."""
    try:
        found = pickle.loads(data)
    except Exception:  # any broken or foreign bytes: compile the file again
        return None
    return found if isinstance(found, Compiled) else None


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


def _start_worker(
    context: EntryContext,
    base_url: str,
    records: Mapping[str, SourceRecord],
    templates: TemplateSpec,
) -> None:
    gc.enable()  # a forked worker inherits the collector switched off while the parent loads
    _init_worker(context, base_url, records, templates)


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


def _compile_batch(batch: Sequence[Job]) -> list[tuple[str, bytes]]:
    """In a worker: each result pickled here, once; the parent keeps these bytes for the cache."""
    return [(digest, _pickle(compiled)) for digest, compiled in map(_compile_job, batch)]


def _compile_job(job: Job) -> tuple[str, Compiled]:
    return _compile_one(*job)


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


def _load_cache(
    folder: Path, context_key: str, shards: Iterable[int] = range(SHARDS)
) -> dict[str, CacheItem]:
    """The cached results in ``shards`` (all of them by default), still pickled; a shard that
    is missing, stale or unreadable just counts as empty."""
    files: dict[str, CacheItem] = {}
    for shard in shards:
        files.update(_read_pickle(folder / f"entries-{shard:02d}.pickle", context_key))
    return files


def _read_pickle(path: Path, context_key: str) -> dict[str, Any]:
    """The ``files`` a cache file holds for ``context_key``; empty when it is missing, stale,
    truncated or written by another version (a cache only ever costs time)."""
    try:
        with path.open("rb") as handle:
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
        return {}
    if isinstance(stored, dict) and stored.get("context") == context_key:
        found = stored.get("files")
        if isinstance(found, dict):
            return found
    return {}


def _save_cache(
    folder: Path, context_key: str, files: dict[str, CacheItem], dirty: set[int]
) -> None:
    """Rewrite the shards holding a changed, added or removed file (all of them on a cold
    build); the results in them are bytes already, pickled where they were made."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        by_shard: dict[int, dict[str, CacheItem]] = {shard: {} for shard in dirty}
        for rel, value in files.items():
            shard = _shard(rel)
            if shard in by_shard:
                by_shard[shard][rel] = value
        for shard, content in by_shard.items():
            path = folder / f"entries-{shard:02d}.pickle"
            write_atomic(path, _pickle({"context": context_key, "files": content}), durable=False)
    except OSError:
        pass  # a cache that cannot be written only costs time next build


def _load_index(folder: Path, context_key: str) -> dict[str, Known]:
    """What the last build knew of each file; empty when missing, stale or unreadable."""
    stored = _read_pickle(folder / INDEX_FILE, context_key)
    try:
        return {rel: Known(*fields) for rel, fields in stored.items()}
    except TypeError:  # not the tuples _save_index writes
        return {}


def _save_index(folder: Path, context_key: str, files: dict[str, Known]) -> None:
    """Plain tuples, not the dataclasses: pickling 10,000 of those took half a second."""
    rows = {
        rel: (k.digest, k.signature, k.urls, k.records_key, k.problems) for rel, k in files.items()
    }
    try:
        folder.mkdir(parents=True, exist_ok=True)
        write_atomic(
            folder / INDEX_FILE, _pickle({"context": context_key, "files": rows}), durable=False
        )
    except OSError:
        pass  # like the cache: without an index the next build compiles every file


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
    progress: Progress | None = None,
) -> tuple[list[Entry], dict[str, LocalParts]]:
    """Every entry under entries/ with its rendered parts; problems appended to ``problems``.

    Which files to compile again comes from a small index, not from the cache: when any file
    has a problem, it is reported (and no entry returned) before the cache is read at all.
    """
    # Loading makes no garbage cycles, but the collector would walk the growing results
    # again and again: off while they load (the caller freezes them afterwards).
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _compile_entries(root, settings, records, problems, stats, hashes, progress)
    finally:
        if collecting:
            gc.enable()


def _compile_entries(
    root: Path,
    settings: Settings,
    records: Mapping[str, SourceRecord],
    problems: list[Problem],
    stats: CompileStats | None,
    hashes: dict[str, str] | None,
    progress: Progress | None,
) -> tuple[list[Entry], dict[str, LocalParts]]:
    from feedpub.sources import normalise_url

    stats = stats if stats is not None else CompileStats()
    context = EntryContext(settings.timezone or _utc(), settings.author, settings.max_entry_bytes)
    templates = templates_for(root, settings.base_url, settings.timezone)
    context_key = _context_key(settings, templates)
    cache_folder = root / CACHE_DIR
    index = _load_index(cache_folder, context_key)
    files = entry_files(root, problems)
    stats.files = len(files)
    results: dict[str, Compiled] = {}
    known: dict[str, Known] = {}  # the new index
    unchanged: list[str] = []  # files whose cached result stands
    todo: list[Job] = []
    unreadable: dict[str, tuple[Problem, ...]] = {}
    index_changed = False

    for path, rel in files:
        sig = signature(path)
        seen = index.get(rel)
        raw: bytes | None = None
        if seen is not None and not (sig and seen.signature == sig):
            # Size and mtime as recorded (and not racy) mean the bytes compiled then, the rule
            # git's index uses; otherwise read the file and compare its content digest.
            checker = FileChecker(rel)
            raw = read_bytes(path, checker, context.max_bytes)
            if raw is None:
                unreadable[rel] = tuple(checker.problems)
                index_changed = True
                continue
            if hashlib.blake2b(raw, digest_size=16).hexdigest() != seen.digest:
                seen = None
        if seen is not None and _urls_key(seen.urls, records, normalise_url) == seen.records_key:
            if seen.signature != sig:
                seen = replace(seen, signature=sig)
                index_changed = True
            known[rel] = seen
            unchanged.append(rel)
        else:
            todo.append((rel, path, raw))  # raw None: a worker reads it
            index_changed = True
    stats.cached = len(unchanged)
    stats.compiled = len(todo) + len(unreadable)
    done = _run(todo, context, settings.base_url, records, templates.spec, stats, progress)
    compiled_now: dict[str, CacheItem] = {}
    for rel, problems_of in unreadable.items():
        results[rel] = Compiled(None, problems_of, None, "")
    for (rel, path, _raw), (digest, compiled, data) in zip(todo, done, strict=True):
        results[rel] = compiled
        if digest:
            sig = signature(path)
            compiled_now[rel] = (digest, data, sig)
            known[rel] = _known(digest, sig, compiled)
    gone = index.keys() - known.keys()
    index_changed = index_changed or bool(gone)
    failed = any(c.problems for c in results.values()) or any(k.problems for k in known.values())
    if failed:
        # Report now, without reading the cache. Only the index is saved: a file compiled
        # here is compiled again next time (its cached result is missing or stale), while a
        # broken file that stays unchanged is reported again from the index alone.
        if index_changed:
            _save_index(cache_folder, context_key, known)
        _report(files, results, known, problems)
        return [], {}
    cache = _load_cache(cache_folder, context_key)
    missing: list[Job] = []
    for rel in unchanged:
        hit = cache.get(rel)
        found = None
        if isinstance(hit, tuple) and len(hit) == 3 and hit[0] == known[rel].digest:
            found = _unpickle_compiled(hit[1])
        if found is not None:
            results[rel] = found  # its signature lives in the index now
        else:  # the index and the cache disagree: compile it after all
            cache.pop(rel, None)
            missing.append((rel, str(root / rel), None))
    if missing:
        again = _run(missing, context, settings.base_url, records, templates.spec, stats)
        for (rel, path, _raw), (digest, compiled, data) in zip(missing, again, strict=True):
            results[rel] = compiled
            sig = signature(path)
            compiled_now[rel] = (digest, data, sig)
            known[rel] = _known(digest, sig, compiled)
        stats.cached -= len(missing)
        stats.compiled += len(missing)
        index_changed = True
    dirty = {_shard(rel) for rel in compiled_now} | {_shard(rel) for rel in gone}
    if dirty:
        fresh = {rel: cache[rel] for rel in unchanged if rel in cache and rel not in compiled_now}
        fresh.update(compiled_now)
        _save_cache(cache_folder, context_key, fresh, dirty)
    if index_changed:
        _save_index(cache_folder, context_key, known)
    _report(files, results, known, problems)
    entries: list[Entry] = []
    parts: dict[str, LocalParts] = {}
    for _path, rel in files:
        result = results.get(rel)
        if result is not None and result.entry is not None and result.local is not None:
            entries.append(result.entry)
            parts.setdefault(result.entry.id, result.local)
            if hashes is not None:
                hashes.setdefault(result.entry.id, result.content_hash)
    return entries, parts


def _report(
    files: Sequence[tuple[str, str]],
    results: Mapping[str, Compiled],
    known: Mapping[str, Known],
    problems: list[Problem],
) -> None:
    """Every file's problems in file order; a template problem shows in every entry: once."""
    seen: set[Problem] = set()
    for _path, rel in files:
        compiled = results.get(rel)
        found = compiled.problems if compiled is not None else known[rel].problems
        for problem in found:
            if problem not in seen:
                seen.add(problem)
                problems.append(problem)


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
    progress: Progress | None = None,
) -> list[tuple[str, Compiled, bytes]]:
    """(content digest, result, the result pickled) of each job, in order."""
    workers = worker_count()
    if len(todo) < PARALLEL_THRESHOLD or workers < 2:
        _init_worker(context, base_url, records, templates)
        out: list[tuple[str, Compiled, bytes]] = []
        for index, job in enumerate(todo, 1):
            digest, compiled = _compile_one(*job)
            out.append((digest, compiled, _pickle(compiled) if digest else b""))
            if progress is not None:
                progress(COMPILE_STAGE, index, len(todo))
        return out
    stats.workers = workers
    # Contiguous batches, a few per worker: little pickling overhead, balanced enough.
    size = max(1, len(todo) // (workers * 4) + 1)
    batches = [todo[i : i + size] for i in range(0, len(todo), size)]
    method = "fork" if "fork" in _start_methods() else "spawn"
    with ProcessPoolExecutor(
        max_workers=workers,
        mp_context=get_context(method),
        initializer=_start_worker,
        initargs=(context, base_url, records, templates),
    ) as pool:
        out = []
        for batch in pool.map(_compile_batch, batches):
            out.extend((digest, pickle.loads(data), data) for digest, data in batch)
            if progress is not None:
                progress(COMPILE_STAGE, len(out), len(todo))
        return out


def _start_methods() -> list[str]:
    from multiprocessing import get_all_start_methods

    return get_all_start_methods()

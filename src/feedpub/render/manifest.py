"""Page jobs and the last build's output manifest in, which pages to render and which to carry over out.

The manifest (``.feedpub/pages.json``) holds, for every file of the output the last build
swapped in, the hash of its bytes and, for pages, a digest of exactly what the page was
rendered from: its template's name, ``site``, ``page`` and the page's own values (the entry,
its related and referencing entries, a listing's members …). A page whose digest is
unchanged and whose file is still in the old output is hard-linked from there, never
rendered nor read. The manifest is thrown away whole when the feedpub or Python version,
any template, or the settings changed, and when the output folder is not the one that
build swapped in.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import pickle
import sys
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field, fields, is_dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Protocol

from markupsafe import Markup

from feedpub import __version__
from feedpub.files import write_atomic
from feedpub.model import Settings
from feedpub.render.pages import PageJob
from feedpub.render.reads import FIELDS, Read, names_read, recording
from feedpub.render.reads import dump as dump_reads
from feedpub.render.reads import load as load_reads
from feedpub.stamp import output_identity

MANIFEST_FILE = Path(".feedpub") / "pages.json"
FORMAT = 2  # bump when what a record means changes


@dataclass(frozen=True)
class PageRecord:
    """One output file as the build that wrote it saw it."""

    hash: str  # blake2b-160 of its bytes (hex)
    digest: str = ""  # of what a page was rendered from; "" for any other file
    shows: tuple[str, ...] = ()  # ids of the entries a listing page links to (its sitemap lastmod)
    file: str = ""  # "inode:size:mtime_ns" of the file as the swap left it (see file_state)


def file_hash(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=20).hexdigest()


def fingerprint(hashes: Iterable[tuple[str, str]]) -> str:
    """One hash over every output path and the hash of its bytes."""
    total = hashlib.blake2b(digest_size=20)
    for rel, digest in sorted(hashes):
        total.update(rel.encode() + b"\0" + bytes.fromhex(digest))
    return total.hexdigest()


def _pickled(value: Any) -> bytes:
    """``value`` as bytes that depend only on its contents: pickle without its memo (the
    memo would make the bytes depend on which equal strings happen to be one object)."""
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=5)
    pickler.fast = True  # no memo: contexts are trees (shared parts are written again)
    pickler.dump(value)
    return buffer.getvalue()


def manifest_key(settings: Settings, templates_fingerprint: str) -> str:
    """What every page depends on besides its own context: when it changes, nothing is reused."""
    parts = (FORMAT, __version__, sys.version, templates_fingerprint, _pickled(settings))
    return hashlib.blake2b(_pickled(parts), digest_size=16).hexdigest()


_CLASSES: dict[type, tuple[bytes, tuple[str, ...]]] = {}


def _class_of(cls: type) -> tuple[bytes, tuple[str, ...]] | None:
    """A dataclass's name and field names (None for any other class), worked out once."""
    found = _CLASSES.get(cls)
    if found is None:
        if not is_dataclass(cls):
            return None
        found = _CLASSES[cls] = (
            f"{cls.__module__}.{cls.__qualname__}".encode(),
            tuple(f.name for f in fields(cls)),
        )
    return found


class Digests:
    """Content digests of the pages of one template, for one build.

    Every value is encoded by what it holds, never by which object it is; of a context
    object only the fields the template was seen to read count (``reads``; see
    ``render.reads``). A dataclass, tuple, list or dict is reduced to a digest once per
    build (the same EntryLink shows on a dozen pages), remembered by identity while the
    build keeps the object alive.
    """

    def __init__(self, reads: Iterable[Read]) -> None:
        self._memo: dict[int, tuple[bytes, Any]] = {}
        self._read = names_read(reads)
        self._names: dict[type, tuple[bytes, tuple[str, ...]]] = {}

    def of(self, job: PageJob) -> str:
        """The page's digest: its template's name and its context (the templates themselves
        are in the manifest's key)."""
        parts = [job.template.encode()]
        for name, value in job.context.items():
            parts.append(name.encode() + b"=" + self._encode(value))
        return hashlib.blake2b(b"\0".join(parts), digest_size=16).hexdigest()

    def _fields(self, kind: type) -> tuple[bytes, tuple[str, ...]] | None:
        """A dataclass's name and the fields that count (None for any other class)."""
        found = self._names.get(kind)
        if found is None:
            known = _class_of(kind)
            if known is None:
                return None
            name, names = known
            if kind in FIELDS:  # a context class: only what the template read of it
                read = self._read.get(kind, frozenset())
                names = names if read is None else tuple(n for n in names if n in read)
            found = self._names[kind] = (name, names)
        return found

    def _encode(self, value: Any) -> bytes:
        kind = type(value)
        if kind is str or kind is Markup:
            return _text(value, kind)
        if value is None:
            return b"N"
        if kind is bool:
            return b"T" if value else b"F"
        if kind is int:
            return b"i%d;" % value
        found = self._memo.get(id(value))
        if found is not None:
            return found[0]
        if kind is tuple or kind is list:
            out = (b"t" if kind is tuple else b"l") + _hash(self._join(value))
        elif kind is dict:
            out = b"D" + _hash(self._join([x for pair in value.items() for x in pair]))
        elif kind is datetime or kind is date:
            data = repr(value).encode()  # the time zone's name too, not only its offset
            out = b"d%d:%s" % (len(data), data)
        else:
            known = self._fields(kind)
            if known is not None:
                name, names = known
                body = self._join([getattr(value, n) for n in names])
                out = b"c" + name + b":" + _hash(body)
            else:  # anything else: its pickle (without the memo, so by content only)
                out = b"p" + _hash(_pickled(value))
        self._memo[id(value)] = (out, value)
        return out

    def _join(self, values: Iterable[Any]) -> bytes:
        """The encodings of ``values`` one after the other (text inline: the common case)."""
        parts = []
        for item in values:
            kind = type(item)
            if kind is str or kind is Markup:
                parts.append(_text(item, kind))
            elif item is None:
                parts.append(b"N")
            else:
                parts.append(self._encode(item))
        return b"".join(parts)


def _text(value: str, kind: type) -> bytes:
    data = value.encode("utf-8", "surrogatepass")
    return b"%s%d:%s" % (b"s" if kind is str else b"m", len(data), data)


def _hash(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=16).digest()


@dataclass(frozen=True)
class Previous:
    """What the last build's manifest says, when it holds: its files, and per template the
    context fields its pages were seen to read."""

    records: dict[str, PageRecord] = field(default_factory=dict)
    reads: dict[str, set[Read]] = field(default_factory=dict)


def read_manifest(root: Path, key: str, output: Path) -> Previous:
    """The last build's manifest, or an empty one when any of it might not hold."""
    try:
        data = json.loads((root / MANIFEST_FILE).read_text(encoding="utf-8"))
        if (
            data["format"] != FORMAT
            or data["key"] != key
            or data["output"] != output_identity(output)
            or not data["output"]
        ):
            return Previous()
        reads = {}
        for template, lines in data["reads"].items():
            found = load_reads(lines)
            if found is None:
                return Previous()
            reads[template] = found
        records = {
            rel: PageRecord(hash, digest, tuple(shows), state)
            for rel, (hash, digest, shows, state) in data["files"].items()
        }
        return Previous(records, reads)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return Previous()


def write_manifest(
    root: Path,
    key: str,
    output: Path,
    records: Mapping[str, PageRecord],
    reads: Mapping[str, Iterable[Read]],
) -> None:
    """Remember ``records`` for the output folder now at ``output`` (after the swap), with
    the state of each file as it is now."""
    data = {
        "format": FORMAT,
        "key": key,
        "output": output_identity(output),
        "reads": {template: dump_reads(found) for template, found in sorted(reads.items())},
        "files": {
            rel: [r.hash, r.digest, list(r.shows), file_state(output / rel)]
            for rel, r in sorted(records.items())
        },
    }
    path = root / MANIFEST_FILE
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, json.dumps(data, separators=(",", ":")), durable=False)
    except OSError:
        forget_manifest(root)  # without a manifest the next build renders everything


def file_state(path: Path) -> str:
    """ "inode:size:mtime_ns" of ``path``, "" when it cannot be looked at: a file edited or
    replaced by hand in the output no longer matches what the manifest says of it."""
    try:
        info = os.lstat(path)
    except OSError:
        return ""
    return f"{info.st_ino}:{info.st_size}:{info.st_mtime_ns}"


def untouched_files(output: Path, previous: Previous, present: Collection[str]) -> set[str]:
    """The files of ``present`` still as the last build left them: the only ones whose
    recorded hash and digest can be trusted without reading them."""
    out = set()
    for rel in present:
        record = previous.records.get(rel)
        if record is not None and record.file and file_state(output / rel) == record.file:
            out.add(rel)
    return out


def forget_manifest(root: Path) -> None:
    with contextlib.suppress(OSError):
        (root / MANIFEST_FILE).unlink(missing_ok=True)


class Farming(Protocol):
    """What renders some of a build's pages elsewhere (``render.farm.Farm``)."""

    templates: set[str]  # of the pages it took
    digests: dict[str, str]  # of pages it rendered, final once it finished

    def start(self, todo: list[PageJob], reads: dict[str, set[Read]]) -> list[PageJob]: ...

    def finish(self) -> None: ...

    def close(self) -> None: ...


@dataclass
class Pages:
    """The site's pages of one build: rendered now (and handed to the store), or carried
    over from the old output."""

    digests: dict[str, str]  # of every page, rendered or carried
    carried: dict[str, PageRecord]
    reads: dict[str, set[Read]]  # per template, for the next build


def render_pages(
    jobs: Iterable[PageJob],
    render: Callable[[PageJob], bytes],
    previous: Previous,
    present: Collection[str],
    store: Callable[[str, bytes], None],
    farm: Farming | None = None,
) -> Pages:
    """Render each job whose digest differs from the last build's (or whose file is not in
    the old output, ``present``) and hand its bytes to ``store`` at once; carry the others over.

    A page carried over read, when it was rendered, no field but those its template's
    pages had been seen to read by then, so equal values of those fields mean equal bytes.
    Its digest is stored again over what the template's pages read by the end of this build.
    ``farm`` renders what it can of the jobs elsewhere (worker processes) while the rest
    render here.
    """
    jobs = list(jobs)
    reads = {t: set(found) for t, found in previous.reads.items()}
    before: dict[str, Digests] = {}
    out = Pages({}, {}, reads)
    todo: list[PageJob] = []
    for job in jobs:
        old = previous.records.get(job.path)
        if old is not None and job.path in present and job.template in previous.reads:
            digests = before.get(job.template)
            if digests is None:
                digests = before[job.template] = Digests(previous.reads[job.template])
            digest = digests.of(job)
            if digest == old.digest:
                out.carried[job.path] = old
                out.digests[job.path] = digest
                continue
        todo.append(job)
    farmed: set[str] = set()  # templates whose pages' reads come in with farm.finish()
    try:
        if farm is not None:
            todo = farm.start(todo, reads)
            farmed = farm.templates
        for job in todo:
            with recording(reads.setdefault(job.template, set())):
                store(job.path, render(job))
        # Digests need every read of the page's template: those of the farmed ones wait.
        _digest_after(jobs, previous, reads, out, lambda t: t not in farmed)
        if farm is not None:
            farm.finish()
    finally:
        if farm is not None:
            farm.close()
    _digest_after(jobs, previous, reads, out, lambda t: t in farmed, farm.digests if farm else {})
    return out


def _digest_after(
    jobs: list[PageJob],
    previous: Previous,
    reads: dict[str, set[Read]],
    out: Pages,
    chosen: Callable[[str], bool],
    known: Mapping[str, str] | None = None,
) -> None:
    """The digest of each page of a ``chosen`` template rendered now, or carried over while
    its template's pages read more than they had by the last build; ``known``: digests
    worked out already."""
    after: dict[str, Digests] = {}
    for job in jobs:
        if not chosen(job.template):
            continue
        if known and job.path in known:
            out.digests[job.path] = known[job.path]
            continue
        grown = reads[job.template] != previous.reads.get(job.template)
        if job.path in out.digests and not grown:
            continue
        digests = after.get(job.template)
        if digests is None:
            digests = after[job.template] = Digests(reads[job.template])
        out.digests[job.path] = digests.of(job)

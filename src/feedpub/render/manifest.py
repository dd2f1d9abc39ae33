"""Page jobs and the last build's output manifest in, which pages to render and which to carry over out.

The manifest (``.feedpub/pages.json``) holds, for every file of the output the last build
swapped in, the hash of its bytes and, for pages, a digest of exactly what the page was
rendered from: its template with everything that template extends or includes, ``site``,
``page`` and the page's own values (the entry, its related and referencing entries, a
listing's members …). A page whose digest is unchanged and whose file is still in the old
output is hard-linked from there, never rendered nor read. The manifest is thrown away
whole when the feedpub or Python version, any template, or the settings changed, and when
the output folder is not the one that build swapped in.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import pickle
import sys
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from feedpub import __version__
from feedpub.files import write_atomic
from feedpub.model import Settings
from feedpub.render.pages import PageJob
from feedpub.stamp import output_identity

MANIFEST_FILE = Path(".feedpub") / "pages.json"
FORMAT = 1  # bump when what a record means changes


@dataclass(frozen=True)
class PageRecord:
    """One output file as the build that wrote it saw it."""

    hash: str  # blake2b-160 of its bytes (hex)
    digest: str = ""  # of what a page was rendered from; "" for any other file
    shows: tuple[str, ...] = ()  # ids of the entries a listing page links to (its sitemap lastmod)


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


def value_digest(value: Any) -> str:
    return hashlib.blake2b(_pickled(value), digest_size=16).hexdigest()


def manifest_key(settings: Settings, templates_fingerprint: str) -> str:
    """What every page depends on besides its own context: when it changes, nothing is reused."""
    return value_digest(
        (FORMAT, __version__, sys.version, templates_fingerprint, _pickled(settings))
    )


class Digests:
    """The digest of each page job of one build."""

    def __init__(self, site: Any, template_digest: Any) -> None:
        self.site = value_digest(site)
        self.template_digest = template_digest  # name → digest of the template and its closure

    def of(self, job: PageJob) -> str:
        values = {k: v for k, v in job.context.items() if k != "site"}
        head = f"{self.template_digest(job.template)}\0{self.site}\0{job.template}\0".encode()
        return hashlib.blake2b(head + _pickled(values), digest_size=16).hexdigest()


def read_manifest(root: Path, key: str, output: Path) -> dict[str, PageRecord]:
    """The last build's records, or nothing when any of them might not hold."""
    try:
        data = json.loads((root / MANIFEST_FILE).read_text(encoding="utf-8"))
        if (
            data["format"] != FORMAT
            or data["key"] != key
            or data["output"] != output_identity(output)
            or not data["output"]
        ):
            return {}
        return {
            rel: PageRecord(hash, digest, tuple(shows))
            for rel, (hash, digest, shows) in data["files"].items()
        }
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def write_manifest(root: Path, key: str, output: Path, records: Mapping[str, PageRecord]) -> None:
    """Remember ``records`` for the output folder now at ``output`` (after the swap)."""
    data = {
        "format": FORMAT,
        "key": key,
        "output": output_identity(output),
        "files": {rel: [r.hash, r.digest, list(r.shows)] for rel, r in sorted(records.items())},
    }
    path = root / MANIFEST_FILE
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, json.dumps(data, separators=(",", ":")), durable=False)
    except OSError:
        forget_manifest(root)  # without a manifest the next build renders everything


def forget_manifest(root: Path) -> None:
    with contextlib.suppress(OSError):
        (root / MANIFEST_FILE).unlink(missing_ok=True)


@dataclass
class Pages:
    """The site's pages of one build: rendered now, or carried over from the old output."""

    files: dict[str, bytes]
    digests: dict[str, str]  # of every page, rendered or carried
    carried: dict[str, PageRecord]


def render_pages(
    jobs: Iterable[PageJob],
    render: Callable[[PageJob], bytes],
    digests: Digests,
    previous: Mapping[str, PageRecord],
    present: Collection[str],
) -> Pages:
    """Render each job whose digest differs from the last build's (or whose file is not in
    the old output, ``present``); carry the others over."""
    out = Pages({}, {}, {})
    for job in jobs:
        digest = out.digests[job.path] = digests.of(job)
        old = previous.get(job.path)
        if old is not None and old.digest == digest and job.path in present:
            out.carried[job.path] = old
        else:
            out.files[job.path] = render(job)
    return out

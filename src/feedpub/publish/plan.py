"""An output folder and a target's remote digests in, an ordered plan of uploads and deletions out."""

from __future__ import annotations

import fnmatch
import hashlib
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from feedpub.errors import UsageError
from feedpub.mediatypes import content_type
from feedpub.output import MARKER as OUTPUT_MARKER
from feedpub.publish.base import MANIFEST_NAME, LocalFile

SHORT_CACHE = "public, max-age=300"
LONG_CACHE = "public, max-age=86400"
# First match wins; a pattern without "/" matches the file name in any folder.
DEFAULT_CACHE_RULES: tuple[tuple[str, str], ...] = (
    ("rss.xml", SHORT_CACHE),
    ("atom.xml", SHORT_CACHE),
    ("feed.json", SHORT_CACHE),
    ("index.html", SHORT_CACHE),
    # names the current index files; every other pagefind/ file is named by its content
    ("pagefind-entry.json", SHORT_CACHE),
    ("*", LONG_CACHE),
)

# Upload order (lower first): pages and assets the feeds link to, then the feeds, the index last.
RANK_CONTENT, RANK_JSON, RANK_ATOM, RANK_RSS, RANK_INDEX = range(5)
FEED_RANKS = {"feed.json": RANK_JSON, "atom.xml": RANK_ATOM, "rss.xml": RANK_RSS}


def cache_rules(configured: object, target: str) -> tuple[tuple[str, str], ...]:
    """A target's ``cache_control:`` mapping (pattern → header) ahead of the defaults."""
    if configured is None:
        return DEFAULT_CACHE_RULES
    if not isinstance(configured, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in configured.items()
    ):
        raise UsageError(
            f"target {target!r}: cache_control: expected a mapping of file patterns "
            f"to Cache-Control values, e.g. {{'*.css': 'public, max-age=604800'}}"
        )
    return (*configured.items(), *DEFAULT_CACHE_RULES)


def file_name(path: str) -> str:
    """The last part of a POSIX path (PurePosixPath(path).name without building a path)."""
    return path.rpartition("/")[2]


def matches(path: str, pattern: str) -> bool:
    if "/" not in pattern:
        return fnmatch.fnmatchcase(file_name(path), pattern)
    return fnmatch.fnmatchcase(path, pattern)


def cache_control(path: str, rules: Sequence[tuple[str, str]] = DEFAULT_CACHE_RULES) -> str:
    for pattern, value in rules:
        if matches(path, pattern):
            return value
    return LONG_CACHE


def file_digest(data: bytes, content_type: str, cache_control: str) -> str:
    """sha256 over the headers and the bytes: a changed header re-uploads an unchanged file."""
    digest = hashlib.sha256()
    digest.update(f"feedpub-1\n{content_type}\n{cache_control}\n".encode())
    digest.update(data)
    return digest.hexdigest()


def rank(path: str) -> int:
    name = file_name(path)
    if name == "index.html":
        return RANK_INDEX
    return FEED_RANKS.get(name, RANK_CONTENT)


def scan_output(
    output: Path, rules: Sequence[tuple[str, str]] = DEFAULT_CACHE_RULES
) -> list[LocalFile]:
    """Every file under ``output`` in upload order; PublishError for a missing or empty output."""
    if not output.is_dir():
        raise UsageError(f"{output} has not been built yet; run 'feedpub build' first")
    files: list[LocalFile] = []
    top = os.fspath(output)
    for folder, dirs, names in os.walk(top):
        dirs.sort()
        # strings, not Paths, for the ~10 steps per file: pathlib's parsing was most of the scan
        below = os.path.relpath(folder, top).replace(os.sep, "/")
        here = Path(folder)
        for name in sorted(names):
            full = os.path.join(folder, name)
            rel = name if below == "." else f"{below}/{name}"
            if rel in (MANIFEST_NAME, OUTPUT_MARKER) or not os.path.isfile(full):
                continue
            with open(full, "rb") as handle:
                data = handle.read()
            ctype = content_type(name)
            cache = cache_control(rel, rules)
            files.append(
                LocalFile(
                    rel, here / name, ctype, cache, file_digest(data, ctype, cache), len(data)
                )
            )
    if not files:
        raise UsageError(f"{output} is empty; run 'feedpub build' first")
    return sorted(files, key=lambda f: (rank(f.path), f.path))


@dataclass(frozen=True)
class Upload:
    file: LocalFile
    reason: str  # "new" or "changed"


@dataclass(frozen=True)
class Plan:
    """What one publish does to one target, in order."""

    target: str
    uploads: tuple[Upload, ...]
    unchanged: tuple[LocalFile, ...]
    deletes: tuple[str, ...]  # removed after every upload succeeded
    kept: tuple[str, ...]  # on the target, not in the output, left alone
    refused: str = ""  # why no deletion happens although --delete was given
    digests: dict[str, str] = field(default_factory=dict)  # the state to record afterwards
    remote: dict[str, str] = field(default_factory=dict)

    @property
    def needs_commit(self) -> bool:
        return bool(self.uploads or self.deletes) or self.digests != self.remote

    def lines(self, verbose: bool = False) -> list[str]:
        """The dry-run listing: one line per action with its reason, then the entry summary."""
        out = [f"upload  {u.file.path}  ({u.reason})" for u in self.uploads]
        if verbose:
            out += [f"skip    {f.path}  (unchanged)" for f in self.unchanged]
        out += [f"delete  {path}  (not in the output)" for path in self.deletes]
        reason = (
            "not in the output; --delete removes it"
            if not self.refused
            else "not deleted: " + self.refused
        )
        out += [f"keep    {path}  ({reason})" for path in self.kept]
        out.append(self.entry_summary())
        return out

    def entry_summary(self) -> str:
        """Entries new, changed and removed, by id (entry pages are entries/<id>.html)."""

        def ids(paths: Iterable[str]) -> list[str]:
            return [
                p[len("entries/") : -len(".html")]
                for p in paths
                if p.startswith("entries/") and p.endswith(".html") and p.count("/") == 1
            ]

        groups = [
            ("new", ids(u.file.path for u in self.uploads if u.reason == "new")),
            ("changed", ids(u.file.path for u in self.uploads if u.reason == "changed")),
            ("removed", ids(self.deletes)),
        ]
        parts = [
            f"{len(found)} {label}" + (f" ({', '.join(found)})" if found else "")
            for label, found in groups
        ]
        return "entries: " + ", ".join(parts)


def make_plan(
    target: str,
    files: Sequence[LocalFile],
    remote: Mapping[str, str],
    delete: bool = False,
    max_deletes: int = 10,
) -> Plan:
    """Diff the output against what the target serves. More than ``max_deletes`` deletes none."""
    uploads: list[Upload] = []
    unchanged: list[LocalFile] = []
    for file in files:
        have = remote.get(file.path)
        if have is None:
            uploads.append(Upload(file, "new"))
        elif have != file.digest:
            uploads.append(Upload(file, "changed"))
        else:
            unchanged.append(file)
    local = {f.path for f in files}
    stale = sorted(p for p in remote if p not in local and p != MANIFEST_NAME)
    refused = ""
    if delete and len(stale) > max_deletes:
        refused = (
            f"{len(stale)} files would be deleted, more than --max-deletes {max_deletes}; "
            f"deleted none"
        )
    deletes = stale if delete and not refused else []
    kept = [p for p in stale if p not in deletes]
    digests = {f.path: f.digest for f in files}
    digests.update({p: remote[p] for p in kept})
    return Plan(
        target,
        tuple(uploads),
        tuple(unchanged),
        tuple(deletes),
        tuple(kept),
        refused,
        dict(sorted(digests.items())),
        dict(remote),
    )

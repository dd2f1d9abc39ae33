"""Built HTML pages in, a Pagefind search index (its files by output path, under ``pagefind/``)
out. Pagefind's binary comes with the ``search`` extra: ``pip install 'feedpub[search]'``."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path

from feedpub import yamlfile
from feedpub.errors import BuildError, InputError, Location, Problem
from feedpub.model import Settings

INDEX_DIR = "pagefind"  # the bundle's folder in the output
SEARCH_PAGE = "search.html"
# Pages carrying this attribute are the ones indexed (entry pages: title, lead, sections, tags).
BODY_MARK = b"data-pagefind-body"
# Left out of the index: lists of cited sources and of other entries (their titles would make
# a briefing a hit for words only its neighbours contain).
EXCLUDED = ("ul.sources", "ul.related")
MISSING = (
    "search: true needs Pagefind, which is not installed; "
    "install the search extra: pip install 'feedpub[search]'"
)


def pagefind_binary() -> Path | None:
    """The Pagefind program: from the pagefind[extended] (or pagefind[bin]) wheel, else on PATH."""
    for module in ("pagefind_bin_extended", "pagefind_bin"):
        try:
            found = __import__(module).get_executable()
        except (ImportError, FileNotFoundError):
            continue
        return Path(found)
    on_path = shutil.which("pagefind_extended") or shutil.which("pagefind")
    return Path(on_path) if on_path else None


def require_pagefind(settings: Settings) -> Path:
    """Pagefind's path; InputError pointing at ``search:`` in feedpub.yaml when it is missing."""
    binary = pagefind_binary()
    if binary is not None:
        return binary
    where = None
    try:
        text = (settings.root / settings.path).read_text(encoding="utf-8")
        where = yamlfile.locate(text, ["search"])
    except (OSError, UnicodeDecodeError):
        pass
    line, column = where if where else (None, None)
    problem = Problem(Location(settings.path, line, column), MISSING)
    raise InputError("Pagefind is missing; nothing was built", [problem])


def index_pages(pages: Mapping[str, bytes], binary: Path) -> dict[str, bytes]:
    """The Pagefind bundle for the pages that carry ``data-pagefind-body`` (every HTML page when
    none does), as files under ``pagefind/``. Pagefind's output is deterministic: the same pages
    give byte-identical files (its file names are hashes of their content)."""
    chosen = {p: d for p, d in pages.items() if p.endswith(".html") and BODY_MARK in d}
    if not chosen:
        chosen = {p: d for p, d in pages.items() if p.endswith(".html")}
    with tempfile.TemporaryDirectory(prefix="feedpub-search-") as tmp:
        site, out = Path(tmp) / "site", Path(tmp) / "index"
        for rel, data in chosen.items():
            path = site / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        command = [str(binary), "--site", str(site), "--output-path", str(out), "--silent"]
        for selector in EXCLUDED:
            command += ["--exclude-selectors", selector]
        try:
            done = subprocess.run(command, capture_output=True, text=True, check=False)
        except OSError as exc:
            raise BuildError(f"cannot run {binary}: {exc.strerror or exc}") from exc
        if done.returncode != 0:
            said = (done.stderr or done.stdout).strip().splitlines()
            raise BuildError(
                f"Pagefind could not build the search index (exit {done.returncode}): "
                + (" ".join(said[:3]) or "no message")
            )
        return _read_tree(out, INDEX_DIR)


def _read_tree(folder: Path, prefix: str) -> dict[str, bytes]:
    found: dict[str, bytes] = {}
    for directory, _subdirs, names in os.walk(folder):
        for name in names:
            path = Path(directory) / name
            found[f"{prefix}/{path.relative_to(folder).as_posix()}"] = path.read_bytes()
    return found

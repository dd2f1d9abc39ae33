"""Folders and titles in, starter files out: `feedpub init`, `feedpub new`, `feedpub templates copy`."""

from __future__ import annotations

import itertools
import os
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from feedpub.errors import InputError, Problem, UsageError, problem_count
from feedpub.fieldrules import id_problem
from feedpub.files import write_atomic
from feedpub.inputs import walk
from feedpub.load import SETTINGS_FILE, load_settings
from feedpub.render.templating import PACKAGE_DIR, TEMPLATES_DIR, read_sources

SETTINGS_TEMPLATE = """\
# feedpub settings: see the README for every field.
title: {title}
base_url: {base_url}
description: Short digests of the news, with their sources.
language: en
timezone: UTC
since: {year}
author:
  name: {title}
output: public
"""
ENTRIES_DIR = "entries"
# Every file init writes, besides feedpub.yaml and .gitignore (written only when missing).
INIT_FILES = ("feeds/all.yaml", "entries/welcome.yaml")

FEED_TEMPLATE = """\
title: {title}
description: Every briefing.
limit: 50
"""

ENTRY_TEMPLATE = """\
id: {id}
title: {title}
published: {published}
summary: >-
  The lead: one paragraph that says what happened and why it matters.
sections:
  - heading: Details
    text: What was said and decided.
    points:
      - A point worth knowing.
tags: [{tags}]
sources: {{}}
"""


def _yaml_string(value: str) -> str:
    """A double-quoted YAML scalar, safe for any title."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def init_publication(
    directory: Path,
    *,
    title: str | None = None,
    base_url: str | None = None,
    now: datetime | None = None,
) -> list[Path]:
    """Create feedpub.yaml, feeds/all.yaml and a first entry; refuse to overwrite a publication."""
    if os.path.lexists(directory / SETTINGS_FILE):
        raise UsageError(
            f"{directory / SETTINGS_FILE} already exists; not overwriting a publication"
        )
    taken = [rel for rel in INIT_FILES if os.path.lexists(directory / rel)]
    if taken:
        raise UsageError(
            f"{', '.join(str(directory / rel) for rel in taken)} already "
            f"{'exists' if len(taken) == 1 else 'exist'}; init writes only new files, "
            "so nothing was written"
        )
    for rel in (SETTINGS_FILE, *INIT_FILES):
        _refuse_link_out((directory / rel).parent, directory)
    moment = now or datetime.now(UTC)
    name = title or "My Briefings"
    url = base_url or "https://briefings.example.org/"
    created: list[Path] = []

    def write(rel: str, text: str) -> None:
        path = directory / rel
        create_new(path, text, inside=directory)
        created.append(path)

    write(
        SETTINGS_FILE,
        SETTINGS_TEMPLATE.format(
            title=_yaml_string(name), base_url=_yaml_string(url), year=moment.year
        ),
    )
    write("feeds/all.yaml", FEED_TEMPLATE.format(title=_yaml_string(name)))
    first = moment.replace(microsecond=0)
    write(
        "entries/welcome.yaml",
        ENTRY_TEMPLATE.format(
            id="welcome",
            title=_yaml_string("Welcome to your briefings"),
            published=first.isoformat(),
            tags="welcome",
        ),
    )
    if not os.path.lexists(directory / ".gitignore"):
        write(".gitignore", "public/\n.feedpub/\n")
    return created


def create_new(path: Path, text: str, *, inside: Path) -> None:
    """Write ``text`` to a file that does not exist yet (FileExistsError when anything, even a
    dangling link, is there), in a folder that really is inside ``inside``: never through a
    link out of it."""
    _refuse_link_out(path.parent, inside)
    path.parent.mkdir(parents=True, exist_ok=True)
    _refuse_link_out(path.parent, inside)  # made meanwhile by someone else
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    fd = os.open(path, flags, 0o666)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)


def _refuse_link_out(folder: Path, inside: Path) -> None:
    """UsageError when ``folder``, or the nearest of its parents that exists, leads out of ``inside``."""
    existing = folder
    while not os.path.lexists(existing) and existing != inside and existing.parent != existing:
        existing = existing.parent
    if not Path(os.path.realpath(existing)).is_relative_to(os.path.realpath(inside)):
        raise UsageError(
            f"{existing} is a symbolic link out of {inside}; not writing through it, "
            "so nothing was written"
        )


def slugify(title: str) -> str:
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")
    slug = slug[:60].rstrip("-") or "entry"
    # "Con" or "Aux" would make an id Windows reserves, which the loader refuses.
    return f"{slug}-entry" if id_problem(slug) else slug


def new_entry(
    root: Path, title: str, *, tags: tuple[str, ...] = (), now: datetime | None = None
) -> Path:
    """Write entries/<year>/<slug>.yaml with id and time filled in; return its path."""
    settings = load_settings(root)
    moment = (now or datetime.now(UTC)).astimezone(settings.timezone or UTC).replace(microsecond=0)
    # entries/ is checked as a build reads it: nothing is written next to a link out of the
    # publication, a loop or a FIFO.
    problems: list[Problem] = []
    names = {rel.rpartition("/")[2] for rel, _path in walk(root, ENTRIES_DIR, problems)}
    if problems:
        message = problem_count(len(problems), f"{ENTRIES_DIR}/", "nothing was written")
        raise InputError(message, problems)
    slug = slugify(title)
    folder = root / ENTRIES_DIR / str(moment.year)
    for counter in itertools.count(1):
        stem = slug if counter == 1 else f"{slug}-{counter}"
        if f"{stem}.yaml" in names:
            continue
        path = folder / f"{stem}.yaml"
        text = ENTRY_TEMPLATE.format(
            id=stem, title=_yaml_string(title), published=moment.isoformat(), tags=", ".join(tags)
        )
        try:
            create_new(path, text, inside=root / ENTRIES_DIR)
        except FileExistsError:
            continue  # a file (or a link) the walk skipped: a hidden name, another writer
        return path
    raise AssertionError("unreachable")


@dataclass(frozen=True)
class TemplateInfo:
    """One template name and where a build takes it from."""

    name: str
    origin: str  # "package", "overridden" (templates/ replaces the package's) or "publication"


def list_templates(root: Path) -> list[TemplateInfo]:
    """Every template a build can use: the package's and those in the publication's templates/.

    templates/ is read as a build reads it: InputError for a symlink out of it, a loop, a
    dangling link or a FIFO.
    """
    ours = set(_template_names(PACKAGE_DIR))
    theirs = {n for n, (origin, _text) in read_sources(root).items() if origin == "publication"}
    out = []
    for name in sorted(ours | theirs):
        origin = (
            "package" if name not in theirs else "overridden" if name in ours else "publication"
        )
        out.append(TemplateInfo(name, origin))
    return out


def copy_templates(root: Path, names: tuple[str, ...], *, force: bool = False) -> list[Path]:
    """Copy the package's NAMES into templates/ for editing; never overwrite unless ``force``.

    Nothing is written while templates/ holds anything a build would refuse (InputError: a
    symlink out of it, a loop, a dangling link, a FIFO), and a file is replaced by renaming
    over it, so even a link inside templates/ is replaced itself, never written through.
    """
    known = set(_template_names(PACKAGE_DIR))
    unknown = [n for n in names if n not in known]
    if unknown:
        raise UsageError(
            f"no default template {', '.join(repr(n) for n in unknown)}; "
            f"the defaults are: {', '.join(sorted(known))}"
        )
    try:
        read_sources(root)
    except InputError as exc:
        message = problem_count(len(exc.problems), "templates/", "nothing was copied")
        raise InputError(message, exc.problems) from None
    folder = root / TEMPLATES_DIR
    existing = [n for n in names if os.path.lexists(folder / n)]
    if existing and not force:
        raise UsageError(
            f"{', '.join(f'{TEMPLATES_DIR}/{n}' for n in existing)} already exists; "
            "not overwriting (--force replaces it)"
        )
    created = []
    for name in dict.fromkeys(names):
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(target, (PACKAGE_DIR / name).read_bytes(), durable=False)
        created.append(target)
    return created


def _template_names(folder: Path) -> list[str]:
    if not folder.is_dir():
        return []
    return sorted(
        p.relative_to(folder).as_posix()
        for p in folder.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(folder).parts)
    )

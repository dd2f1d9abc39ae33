"""Folders and titles in, starter files out: `feedpub init` and `feedpub new`."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime
from pathlib import Path

from feedpub.errors import UsageError
from feedpub.load import SETTINGS_FILE, load_settings

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
    if (directory / SETTINGS_FILE).exists():
        raise UsageError(
            f"{directory / SETTINGS_FILE} already exists; not overwriting a publication"
        )
    moment = now or datetime.now(UTC)
    name = title or "My Briefings"
    url = base_url or "https://briefings.example.org/"
    created: list[Path] = []

    def write(rel: str, text: str) -> None:
        path = directory / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
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
    gitignore = directory / ".gitignore"
    if not gitignore.exists():
        write(".gitignore", "public/\n.feedpub/\n")
    return created


def slugify(title: str) -> str:
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")
    return slug[:60].rstrip("-") or "entry"


def new_entry(
    root: Path, title: str, *, tags: tuple[str, ...] = (), now: datetime | None = None
) -> Path:
    """Write entries/<year>/<slug>.yaml with id and time filled in; return its path."""
    settings = load_settings(root)
    moment = (now or datetime.now(UTC)).astimezone(settings.timezone or UTC).replace(microsecond=0)
    slug = slugify(title)
    folder = root / "entries" / str(moment.year)
    path = folder / f"{slug}.yaml"
    counter = 2
    while path.exists() or any((root / "entries").rglob(f"{path.stem}.yaml")):
        path = folder / f"{slug}-{counter}.yaml"
        counter += 1
    folder.mkdir(parents=True, exist_ok=True)
    path.write_text(
        ENTRY_TEMPLATE.format(
            id=path.stem,
            title=_yaml_string(title),
            published=moment.isoformat(),
            tags=", ".join(tags),
        ),
        encoding="utf-8",
    )
    return path

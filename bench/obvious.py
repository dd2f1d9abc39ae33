"""A publication root in, ``rss.xml`` and ``atom.xml`` of every entry out: the obvious script, our yardstick.

What a user would write instead of feedpub: ``yaml.safe_load`` each entry file, one
FeedGenerator with every entry and its full content, write RSS and Atom. ``--c-loader`` parses
with libyaml's C loader instead of the pure-Python one. No validation, no JSON Feed, no pages.
"""

from __future__ import annotations

import argparse
import html
import sys
from pathlib import Path
from typing import Any

import yaml
from feedgen.feed import FeedGenerator

BASE_URL = "https://briefings.example.org/"


def content_html(data: dict[str, Any]) -> str:
    """The entry as HTML, by string concatenation (the obvious script has no Markdown step)."""
    parts = [f"<p>{html.escape(str(data.get('summary', '')))}</p>"]
    for section in data.get("sections") or []:
        parts.append(f"<h2>{html.escape(str(section.get('heading', '')))}</h2>")
        parts.append(f"<p>{html.escape(str(section.get('text', '')))}</p>")
        points = section.get("points") or []
        if points:
            parts.append(
                "<ul>" + "".join(f"<li>{html.escape(str(p))}</li>" for p in points) + "</ul>"
            )
    for quote in data.get("quotes") or []:
        parts.append(f"<blockquote>{html.escape(str(quote.get('text', '')))}</blockquote>")
    sources = data.get("sources") or {}
    if sources:
        parts.append(
            "<ul>"
            + "".join(
                f'<li><a href="{html.escape(s["url"])}">{html.escape(s.get("title") or s["url"])}</a></li>'
                for s in sources.values()
            )
            + "</ul>"
        )
    return "\n".join(parts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", type=Path, help="the publication root (entries/ under it)")
    parser.add_argument("--out", type=Path, required=True, help="folder for rss.xml and atom.xml")
    parser.add_argument("--c-loader", action="store_true", help="parse with yaml.CSafeLoader")
    args = parser.parse_args(argv)

    entries = []
    for path in sorted((args.root / "entries").rglob("*.yaml")):
        with path.open(encoding="utf-8") as handle:
            if args.c_loader:
                data = yaml.load(handle, Loader=yaml.CSafeLoader)
            else:
                data = yaml.safe_load(handle)
        entries.append((path.stem, data))
    entries.sort(key=lambda item: item[1]["published"])

    fg = FeedGenerator()
    fg.id(BASE_URL)
    fg.title("Benchmark Briefings")
    fg.link(href=BASE_URL, rel="alternate")
    fg.description("Generated briefings for the benchmark.")
    fg.language("en")
    for entry_id, data in entries:
        url = f"{BASE_URL}entries/{entry_id}.html"
        fe = fg.add_entry()
        fe.id(url)
        fe.title(data["title"])
        fe.link(href=url)
        fe.published(data["published"])
        fe.updated(data["published"])
        fe.author(name=data.get("author", "Briefings Desk"))
        fe.description(str(data.get("summary", "")))
        fe.content(content_html(data), type="CDATA")
        for tag in data.get("tags") or []:
            fe.category(term=tag)
    args.out.mkdir(parents=True, exist_ok=True)
    fg.rss_file(str(args.out / "rss.xml"))
    fg.atom_file(str(args.out / "atom.xml"))
    print(f"{len(entries)} entries", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

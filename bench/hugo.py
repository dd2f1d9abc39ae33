"""Generated entries in, a Hugo site out: the same briefings as Markdown posts, with RSS and Atom.

Hugo is the baseline a user would pick for a static site with feeds. The site renders a page per
post, the home page, and home RSS and Atom feeds of every post with full content (Atom needs a
custom output format and template); tag pages are HTML only. ``hugo_version()`` is None when
``hugo`` is not on PATH, and the benchmark then skips this baseline.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

from generate import EntryData

CONFIG = """\
baseURL = "https://briefings.example.org/"
title = "Benchmark Briefings"
languageCode = "en"
disableKinds = ["sitemap", "robotsTXT", "404"]
buildFuture = true  # generated posts run to 2029, like `feedpub build --now 2030-01-01`

[services.rss]
limit = -1

[outputs]
home = ["HTML", "RSS", "Atom"]
section = ["HTML"]
taxonomy = ["HTML"]
term = ["HTML"]

[mediaTypes."application/atom+xml"]
suffixes = ["xml"]

[outputFormats.Atom]
mediaType = "application/atom+xml"
baseName = "atom"
isPlainText = false
rel = "alternate"
"""

BASEOF = """\
<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{{ .Title }}</title>
{{ range .AlternativeOutputFormats }}<link rel="{{ .Rel }}" type="{{ .MediaType.Type }}" href="{{ .Permalink }}">
{{ end }}</head>
<body>{{ block "main" . }}{{ end }}</body></html>
"""

SINGLE = """\
{{ define "main" }}<article><h1>{{ .Title }}</h1><time>{{ .Date.Format "2006-01-02" }}</time>
{{ .Content }}
<p>{{ range .Params.tags }}<a href="{{ "tags/" | relURL }}{{ . | urlize }}/">{{ . }}</a> {{ end }}</p>
</article>{{ end }}
"""

LIST = """\
{{ define "main" }}<h1>{{ .Title }}</h1><ul>
{{ range first 50 .Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a> {{ .Summary }}</li>
{{ end }}</ul>{{ end }}
"""

HOME = """\
{{ define "main" }}<h1>{{ .Site.Title }}</h1><ul>
{{ range first 50 .Site.RegularPages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>
{{ end }}</ul>{{ end }}
"""

RSS = """\
{{- printf "<?xml version=\\"1.0\\" encoding=\\"utf-8\\"?>" | safeHTML }}
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel>
<title>{{ .Site.Title }}</title><link>{{ .Permalink }}</link><description>Every briefing</description>
<language>en</language>
{{ with .OutputFormats.Get "RSS" }}<atom:link href="{{ .Permalink }}" rel="self" type="application/rss+xml"/>{{ end }}
{{ range .Site.RegularPages }}<item><title>{{ .Title }}</title><link>{{ .Permalink }}</link>
<pubDate>{{ .Date.Format "Mon, 02 Jan 2006 15:04:05 -0700" | safeHTML }}</pubDate>
<guid>{{ .Permalink }}</guid><description>{{ .Content | html }}</description></item>
{{ end }}</channel></rss>
"""

ATOM = """\
{{- printf "<?xml version=\\"1.0\\" encoding=\\"utf-8\\"?>" | safeHTML }}
<feed xmlns="http://www.w3.org/2005/Atom"><title>{{ .Site.Title }}</title>
<id>{{ .Permalink }}</id><link href="{{ .Permalink }}"/>
{{ with .OutputFormats.Get "Atom" }}<link rel="self" href="{{ .Permalink }}"/>{{ end }}
<updated>{{ now.Format "2006-01-02T15:04:05Z07:00" | safeHTML }}</updated>
<author><name>Briefings Desk</name></author>
{{ range .Site.RegularPages }}<entry><title>{{ .Title }}</title><id>{{ .Permalink }}</id>
<link href="{{ .Permalink }}"/><updated>{{ .Lastmod.Format "2006-01-02T15:04:05Z07:00" | safeHTML }}</updated>
<published>{{ .Date.Format "2006-01-02T15:04:05Z07:00" | safeHTML }}</published>
<content type="html">{{ .Content | html }}</content></entry>
{{ end }}</feed>
"""


def hugo_version() -> str | None:
    """``hugo version``'s first line, or None when hugo is not installed."""
    exe = shutil.which("hugo")
    if exe is None:
        return None
    done = subprocess.run([exe, "version"], capture_output=True, text=True, check=False)
    return done.stdout.strip().splitlines()[0] if done.returncode == 0 and done.stdout else None


def post_markdown(entry: EntryData) -> str:
    """One post: YAML front matter, then the briefing in Markdown; citations stay reference links."""
    out = [
        "---\n",
        f'title: "{entry.title}"\n',
        f"date: {entry.published:%Y-%m-%dT%H:%M:%SZ}\n",
        f"tags: [{', '.join(entry.tags)}]\n",
        "---\n\n",
        entry.summary,
        "\n\n",
    ]
    for heading, text, points in entry.sections:
        out += [f"## {heading}\n\n", text, "\n\n"]
        out += [f"- {point}\n" for point in points]
        out.append("\n")
    for text, by, _key in entry.quotes:
        out.append(f"> {text}\n>\n> — {by}\n\n")
    out.append("## Sources\n\n")
    out += [f"- [{title}][{key}]\n" for key, _url, title in entry.sources]
    if entry.related:
        out.append("\n## Related\n\n")
        out += [f"- [{rid}](/posts/{rid[:4]}/{rid}/)\n" for rid in entry.related]
    out.append("\n")
    out += [f'[{key}]: {url} "{title}"\n' for key, url, title in entry.sources]
    return "".join(out)


def write_site(root: Path, entries: Sequence[EntryData]) -> None:
    """A Hugo site in ``root``: config, layouts and ``content/posts/YYYY/<id>.md``."""
    layouts = root / "layouts" / "_default"
    layouts.mkdir(parents=True, exist_ok=True)
    (root / "config.toml").write_text(CONFIG, encoding="utf-8")
    (layouts / "baseof.html").write_text(BASEOF, encoding="utf-8")
    (layouts / "single.html").write_text(SINGLE, encoding="utf-8")
    (layouts / "list.html").write_text(LIST, encoding="utf-8")
    (root / "layouts" / "index.html").write_text(HOME, encoding="utf-8")
    (root / "layouts" / "index.rss.xml").write_text(RSS, encoding="utf-8")
    (root / "layouts" / "index.atom.xml").write_text(ATOM, encoding="utf-8")
    for year in sorted({e.year for e in entries}):
        (root / "content" / "posts" / str(year)).mkdir(parents=True, exist_ok=True)
    for entry in entries:
        (root / "content" / "posts" / str(entry.year) / f"{entry.id}.md").write_text(
            post_markdown(entry), encoding="utf-8"
        )


def command(root: Path) -> list[str]:
    """The timed command: a full build into ``root/public`` (delete it first for a cold build)."""
    return [
        "hugo",
        "--quiet",
        "--source",
        str(root),
        "--destination",
        str(root / "public"),
        "--cacheDir",
        str(root / ".hugo-cache"),
    ]

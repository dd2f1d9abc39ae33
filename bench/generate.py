"""A seed and a count in, a benchmark publication out: N realistic briefing entries, settings, three feeds.

Deterministic: the same seed and count write byte-identical files. Entries follow the schema in
README.md (lead ``summary``, three ``sections``, sometimes ``quotes``, ``tags``, 2–4 ``sources``
cited inline as ``[text][key]``, ``related`` ids of earlier entries) and are spread over
``entries/YYYY/`` folders. Run as a script: ``python bench/generate.py DIR N``.
"""

from __future__ import annotations

import argparse
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

SEED = 2025
FIRST = datetime(2005, 1, 1, 6, 0, tzinfo=UTC)
LAST = datetime(2029, 12, 1, 6, 0, tzinfo=UTC)  # every entry is due at --now 2030-01-01
TAGS = ("diplomacy", "energy", "economy", "trade", "security", "climate", "health", "elections")
TAG_FEEDS = ("diplomacy", "energy")  # the two feeds by tag
HEADINGS = ("Details", "Context", "Important to Know")
PEOPLE = (
    "Amara Okafor",
    "Lena Fischer",
    "Tomás Ruiz",
    "Mei Lin",
    "Yusuf Demir",
    "Ingrid Halvorsen",
    "Rahul Mehta",
    "Sofia Rossi",
    "Kwame Mensah",
    "Olga Petrova",
    "Jonas Berg",
    "Aiko Tanaka",
)
PLACES = (
    "Geneva",
    "Istanbul",
    "Vienna",
    "Doha",
    "Nairobi",
    "Brussels",
    "Jakarta",
    "Lima",
    "Oslo",
    "Accra",
    "Hanoi",
    "Tbilisi",
    "Montevideo",
    "Riga",
    "Dakar",
    "Baku",
)
NOUNS = (
    "ceasefire",
    "delegation",
    "agreement",
    "pipeline",
    "tariff",
    "summit",
    "ministry",
    "budget",
    "parliament",
    "coalition",
    "treaty",
    "election",
    "harvest",
    "currency",
    "refinery",
    "port",
    "grid",
    "vaccine",
    "border",
    "committee",
    "mandate",
    "quota",
    "subsidy",
    "negotiation",
    "inflation",
    "corridor",
    "reactor",
    "strike",
    "union",
    "referendum",
    "embargo",
    "loan",
)
VERBS = (
    "signed",
    "rejected",
    "delayed",
    "announced",
    "extended",
    "suspended",
    "approved",
    "proposed",
    "criticised",
    "endorsed",
    "revised",
    "postponed",
    "confirmed",
    "questioned",
    "expanded",
)
ADJECTIVES = (
    "bilateral",
    "provisional",
    "regional",
    "binding",
    "informal",
    "emergency",
    "long-awaited",
    "contested",
    "modest",
    "sweeping",
    "temporary",
    "cautious",
    "unexpected",
    "joint",
    "annual",
)
LINKERS = (
    "However,",
    "Meanwhile,",
    "In contrast,",
    "As a result,",
    "According to officials,",
    "For now,",
    "By comparison,",
    "Since then,",
    "Even so,",
    "In practice,",
)
SOURCE_HOSTS = (
    "news.example.org",
    "wire.example.com",
    "archive.example.net",
    "gazette.example.org",
    "records.example.int",
    "observer.example.com",
)


@dataclass
class EntryData:
    """One generated briefing, before it is written as YAML (or as a Markdown post for Hugo)."""

    id: str
    year: int
    title: str
    published: datetime
    summary: str
    sections: list[tuple[str, str, list[str]]]
    quotes: list[tuple[str, str, str]]  # text, by, source key
    tags: list[str]
    sources: list[tuple[str, str, str]]  # key, url, title
    related: list[str] = field(default_factory=list)

    @property
    def rel_path(self) -> str:
        return f"entries/{self.year}/{self.id}.yaml"


class Writer:
    """Sentences from a seeded generator; every choice goes through ``self.rng``."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def pick(self, items: Sequence[str]) -> str:
        return items[self.rng.randrange(len(items))]

    def clause(self) -> str:
        return (
            f"the {self.pick(ADJECTIVES)} {self.pick(NOUNS)} was {self.pick(VERBS)} "
            f"in {self.pick(PLACES)} after {self.pick(PEOPLE)} met the {self.pick(NOUNS)} "
            f"{self.pick(('committee', 'delegation', 'envoys', 'ministers', 'negotiators'))}"
        )

    def sentence(self, citation: str | None = None) -> str:
        text = self.clause()
        if self.rng.random() < 0.5:
            text = f"{self.pick(LINKERS)} {text}"
        else:
            text = text[0].upper() + text[1:]
        if citation:
            text += f", as {citation} reported"
        if self.rng.random() < 0.4:
            noun = self.pick(NOUNS)
            plural = noun[:-1] + "ies" if noun.endswith("y") else noun + "s"
            text += f", and {self.rng.randrange(2, 400)} {plural} remain under review"
        return text + "."

    def paragraph(self, sentences: int, citations: Sequence[str] = ()) -> str:
        cited = list(citations)
        out = []
        for index in range(sentences):
            out.append(self.sentence(cited[index] if index < len(cited) else None))
        return " ".join(out)

    def title(self) -> str:
        words = (
            f"{self.pick(PLACES)} {self.pick(NOUNS)} {self.pick(VERBS)} as "
            f"{self.pick(ADJECTIVES)} {self.pick(NOUNS)} talks continue"
        )
        return words[0].upper() + words[1:]


def make_entries(
    count: int,
    *,
    seed: int = SEED,
    source_urls: Sequence[str] | None = None,
) -> list[EntryData]:
    """``count`` entries, oldest first; ``source_urls`` (cycled) replaces the made-up source URLs."""
    rng = random.Random(seed)
    writer = Writer(rng)
    step = (LAST - FIRST) / max(count, 1)
    entries: list[EntryData] = []
    citation = 0
    for index in range(count):
        published = FIRST + step * index + timedelta(minutes=rng.randrange(0, 60))
        title = writer.title()
        slug = "-".join(title.lower().replace("-", " ").split()[:4])
        entry_id = f"{published:%Y-%m-%d}-{slug}-{index:06d}"
        sources: list[tuple[str, str, str]] = []
        for number in range(rng.randint(2, 4)):
            key = f"{writer.pick(('report', 'memo', 'brief', 'statement', 'study'))}{number + 1}"
            if source_urls:
                url = source_urls[citation % len(source_urls)]
            else:
                url = f"https://{writer.pick(SOURCE_HOSTS)}/{published:%Y/%m}/{slug}-{citation}"
            citation += 1
            sources.append((key, url, f"{writer.pick(PLACES)} {writer.pick(NOUNS)} {key}"))
        links = [
            f"[{writer.pick(('the ministry', 'a spokesperson', 'the agency', 'observers'))}][{key}]"
            for key, _, _ in sources
        ]
        summary = writer.paragraph(2, links[:1])
        sections: list[tuple[str, str, list[str]]] = []
        for number, heading in enumerate(HEADINGS):
            cited = links[number + 1 : number + 2]
            text = writer.paragraph(rng.randint(2, 3), cited)
            points = [writer.paragraph(rng.randint(1, 2)) for _ in range(rng.randint(1, 2))]
            sections.append((heading, text, points))
        quotes: list[tuple[str, str, str]] = []
        if rng.random() < 0.3:
            quotes.append((writer.sentence(), writer.pick(PEOPLE), sources[0][0]))
        tags = sorted(rng.sample(TAGS, rng.randint(1, 3)))
        related = (
            sorted({entries[rng.randrange(index)].id for _ in range(rng.randint(0, 3))})
            if index
            else []
        )
        entries.append(
            EntryData(
                entry_id,
                published.year,
                title,
                published,
                summary,
                sections,
                quotes,
                tags,
                sources,
                related,
            )
        )
    return entries


def _folded(text: str, indent: str) -> str:
    """A ``>-`` block scalar wrapped near 88 columns, as people write long fields."""
    lines: list[str] = []
    line = ""
    for word in text.split(" "):
        if line and len(indent) + len(line) + 1 + len(word) > 88:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    lines.append(line)
    return ">-\n" + "".join(f"{indent}{item}\n" for item in lines)


def entry_yaml(entry: EntryData) -> str:
    """The entry file's text."""
    out = [
        f"title: {entry.title}\n",
        f"published: {entry.published:%Y-%m-%dT%H:%M:%SZ}\n",
        "author: Briefings Desk\n",
        f"summary: {_folded(entry.summary, '  ')}",
        "sections:\n",
    ]
    for heading, text, points in entry.sections:
        out.append(f"  - heading: {heading}\n")
        out.append(f"    text: {_folded(text, '      ')}")
        out.append("    points:\n")
        out.extend(f"      - {_folded(point, '        ')}" for point in points)
    if entry.quotes:
        out.append("quotes:\n")
        for text, by, key in entry.quotes:
            out.append(f"  - text: {_folded(text, '      ')}    by: {by}\n    source: {key}\n")
    out.append(f"tags: [{', '.join(entry.tags)}]\n")
    out.append("sources:\n")
    for key, url, title in entry.sources:
        out.append(f"  {key}:\n    url: {url}\n    title: {title}\n")
    if entry.related:
        out.append("related:\n")
        out.extend(f"  - {item}\n" for item in entry.related)
    return "".join(out)


def settings_yaml(extra: str = "") -> str:
    return (
        "title: Benchmark Briefings\n"
        "base_url: https://briefings.example.org/\n"
        "description: Generated briefings for the benchmark.\n"
        "language: en\n"
        "timezone: UTC\n"
        "author:\n  name: Briefings Desk\n  email: desk@example.org\n"
        "output: public\n" + extra
    )


def write_publication(
    root: Path,
    entries: Sequence[EntryData],
    *,
    all_limit: int = 50,
    settings_extra: str = "",
) -> None:
    """``feedpub.yaml``, ``feeds/`` (all, and one per tag in TAG_FEEDS) and ``entries/YYYY/``."""
    (root / "feeds").mkdir(parents=True, exist_ok=True)
    (root / "feedpub.yaml").write_text(settings_yaml(settings_extra), encoding="utf-8")
    (root / "feeds" / "all.yaml").write_text(
        f"title: Benchmark Briefings\ndescription: Every briefing, newest first.\nlimit: {all_limit}\n",
        encoding="utf-8",
    )
    for tag in TAG_FEEDS:
        (root / "feeds" / f"{tag}.yaml").write_text(
            f"title: Benchmark Briefings — {tag.title()}\ndescription: Briefings tagged {tag}.\n"
            f"tags: [{tag}]\nlimit: 50\n",
            encoding="utf-8",
        )
    for year in sorted({e.year for e in entries}):
        (root / "entries" / str(year)).mkdir(parents=True, exist_ok=True)
    for entry in entries:
        (root / entry.rel_path).write_text(entry_yaml(entry), encoding="utf-8")


def generate(root: Path, count: int, *, seed: int = SEED, **options: object) -> list[EntryData]:
    """Write a publication of ``count`` entries into ``root``; the entries, for other writers."""
    entries = make_entries(count, seed=seed)
    write_publication(root, entries, **options)  # type: ignore[arg-type]
    return entries


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", type=Path)
    parser.add_argument("count", type=int)
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    generate(args.root, args.count, seed=args.seed)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

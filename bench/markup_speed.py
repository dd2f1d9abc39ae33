"""Realistic entry texts in, per-call times out: inline Markdown and to_text, before and after the fast paths.

"before" is inline_unsafe as it was (markdown-it for anything but plain prose), "markdown-it"
calls the renderer for every text, "after" is today's inline_unsafe. Ratios compare figures
from the same run; each figure is the best of ``--repeat`` timings. Also checks that "after"
gives markdown-it's HTML for every text it times. Run as ``python bench/markup_speed.py``.
"""

from __future__ import annotations

import argparse
import html
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import generate  # bench/ is not a package: found through the path above

from feedpub.render import markup

BASE = "https://briefings.example.org/entries/"
Refs = dict[str, dict[str, str]]
Call = tuple[str, str, Refs]  # text, base, references

# Texts people write beyond the generator's: emphasis, ampersands, quotes, comparisons,
# and some that only markdown-it can render (inline links, entities, code, autolinks).
EXTRA = [
    "The deal was [extended][report1] for *120 days*; exports reached 25 million tonnes.",
    'The minister called it "a **binding** step" & said talks would resume.',
    "R&D spending < 2% of GDP, according to [the agency][report1].",
    "Shares of AT&T fell 3% after [the filing][report1] was published.",
    "Officials said the *provisional* text is final, as [observers][report1] noted.",
    "See [the notes](../notes.html) for the full text.",
    "Ships sailed &mdash; slowly, as [the ministry][report1] said.",
    "The `grain_corridor` flag was set.",
    "Read it at <https://example.org/report>.",
]


def workload(count: int) -> tuple[list[Call], list[list[Call]]]:
    """Every inline_unsafe call a build of ``count`` generated entries makes, and per entry."""
    entries: list[list[Call]] = []
    for index, entry in enumerate(generate.make_entries(count)):
        refs = markup.reference_map({key: (url, title) for key, url, title in entry.sources})
        base = f"{BASE}{entry.id}.html"
        texts = [entry.summary]
        for heading, text, points in entry.sections:
            texts += [heading, text, *points]
        texts += [text for text, _, _ in entry.quotes]
        # One written-by-hand text per entry, so a sample of them mixes in.
        extra = EXTRA[index % len(EXTRA)].replace("report1", entry.sources[0][0])
        texts.append(extra)
        entries.append([(text, base, refs) for text in texts])
    return [call for calls in entries for call in calls], entries


def via_markdown_it(text: str, base: str, refs: Refs) -> str:
    return str(markup._markdown().renderInline(text, {"references": refs, "base": base}))


def before(text: str, base: str, refs: Refs) -> str:
    """inline_unsafe before the second fast path: plain prose fast, the rest markdown-it."""
    if not text:
        return ""
    if not markup._MARKDOWN_SPECIAL.search(text):
        return text.replace('"', "&quot;")
    return via_markdown_it(text, base, refs)


def after(text: str, base: str, refs: Refs) -> str:
    return markup.inline_unsafe(text, base=base, refs=refs)


def to_text_before(markup_: str) -> str:
    """to_text as first written: collapse spaces and strip one line at a time."""
    text = html.unescape(markup._TAG.sub("", markup._BLOCK_END.sub("\n", markup_)))
    lines = [markup._SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return markup._BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def best_of(repeat: int, run: Callable[[], object]) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def time_calls(
    render: Callable[[str, str, Refs], str], calls: Sequence[Call], repeat: int
) -> float:
    def run() -> None:
        for text, base, refs in calls:
            render(text, base, refs)

    markup._link_open.cache_clear()  # no warm cache carried from an earlier figure
    return best_of(repeat, run)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--entries", type=int, default=2000, help="generated entries (default 2000)"
    )
    parser.add_argument("--repeat", type=int, default=5, help="timings per figure; best is kept")
    args = parser.parse_args(argv)

    calls, per_entry = workload(args.entries)
    mismatches = [
        text
        for text, base, refs in calls
        if after(text, base, refs) != via_markdown_it(text, base, refs)
    ]
    if mismatches:
        print(f"after differs from markdown-it on {len(mismatches)} texts, e.g. {mismatches[0]!r}")
        return 1

    plain = sum(1 for text, _, _ in calls if not markup._MARKDOWN_SPECIAL.search(text))
    simple = sum(
        1
        for text, base, refs in calls
        if markup._MARKDOWN_SPECIAL.search(text)
        and markup._simple_inline(text, base, refs) is not None
    )
    print(f"{len(calls)} inline texts from {args.entries} entries (best of {args.repeat} timings)")
    print(
        f"  plain prose {plain}, second fast path {simple}, markdown-it {len(calls) - plain - simple}"
    )
    print()

    figures = {
        name: time_calls(render, calls, args.repeat)
        for name, render in (("markdown-it", via_markdown_it), ("before", before), ("after", after))
    }
    reference = figures["markdown-it"]
    print(f"{'inline_unsafe':<14} {'µs/call':>9} {'ms/1000 entries':>16} {'vs markdown-it':>15}")
    for name, seconds in figures.items():
        per_call = seconds / len(calls) * 1e6
        per_thousand = seconds / len(per_entry) * 1e6
        print(f"{name:<14} {per_call:>9.2f} {per_thousand:>16.1f} {seconds / reference:>14.2f}×")
    print(f"after vs before: {figures['after'] / figures['before']:.2f}×")
    print()

    # to_text runs twice per entry: over the lead and over the whole body.
    bodies = [
        "\n".join(f"<p>{after(text, base, refs)}</p>" for text, base, refs in calls)
        for calls in per_entry
    ]
    changed = [body for body in bodies if markup.to_text(body) != to_text_before(body)]
    if changed:
        print(f"to_text differs from before on {len(changed)} bodies")
        return 1
    old = best_of(args.repeat, lambda: [to_text_before(body) for body in bodies])
    new = best_of(args.repeat, lambda: [markup.to_text(body) for body in bodies])
    print(f"{'to_text (body)':<14} {'µs/call':>9}")
    print(f"{'before':<14} {old / len(bodies) * 1e6:>9.2f}")
    print(f"{'after':<14} {new / len(bodies) * 1e6:>9.2f} {new / old:>14.2f}×")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

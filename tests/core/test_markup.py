"""Inline Markdown rendering: the fast paths give markdown-it's exact HTML, and to_text's output."""

from __future__ import annotations

import html
import os
from typing import Any
from urllib.parse import urljoin

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from feedpub.render import markup
from feedpub.render.markup import (
    _markdown,
    _simple_inline,
    inline,
    inline_unsafe,
    reference_map,
    to_text,
)

BASE = "https://briefings.example.org/entries/2025-03-18-grain.html"
# Sources as entries cite them: plain, with query and fragment, relative, with quotes in the
# title, no title, non-ASCII (normalizeLink percent-encodes it), a key with a space and capitals.
SOURCES: dict[str, tuple[str, str | None]] = {
    "report1": ("https://news.example.org/2025/03/grain-deal", "Geneva grain report1"),
    "memo2": ("https://wire.example.com/a_b?x=1&y=2#top", 'The "memo" & more'),
    "un": ("../notes/un.html", None),
    "ünï": ("https://例え.jp/パス?q=ä", "Ünï <title>"),
    "Brief 3": ("mailto:desk@example.org", ""),
}
REFS = reference_map(SOURCES)


def markdown_it(text: str, base: str = BASE, refs: dict[str, Any] | None = None) -> str:
    """The reference: what markdown-it renders, with no fast path in between."""
    env = {"references": REFS if refs is None else refs, "base": base}
    return str(_markdown().renderInline(text, env))


# --- examples: what the second fast path accepts, and what it leaves to markdown-it ---

ACCEPTED = [
    "As [the ministry][report1] reported, 12 tariffs remain under review.",
    'AT&T said "no" & left; 3 < 4 and 5 > 2, x<y.',
    "See [the memo][memo2] and [the UN][un], [Tokyo][ünï], [desk][brief 3].",
    '[A & B\'s "plan"][ REPORT1 ] came first.',
    "The deal was [extended][report1] for *120 days*; **not** *a **b** c*.",
    "snake_case and a__b stay text; __init__ and _this_ do not.",
    "[label][memo2](not a link) and a (parenthesis)",
    "Wow! [yes][un]!",
    "< b > is not a tag",
]


@pytest.mark.parametrize("text", ACCEPTED)
def test_accepted_examples_match_markdown_it(text: str) -> None:
    assert _simple_inline(text, BASE, REFS) == markdown_it(text)


def test_citation_renders_absolute_escaped_link() -> None:
    out = _simple_inline('[the "memo"][memo2] & [notes][un] by *Ann*.', BASE, REFS)
    assert out == (
        '<a href="https://wire.example.com/a_b?x=1&amp;y=2#top" title="The &quot;memo&quot; &amp; more">'
        "the &quot;memo&quot;</a> &amp; "
        '<a href="https://briefings.example.org/notes/un.html">notes</a> by <em>Ann</em>.'
    )


@pytest.mark.parametrize(
    "text",
    [
        "[a][nokey]",  # unknown key: markdown-it shows the brackets
        "[a][]",  # collapsed reference
        "[a]",  # shortcut reference
        "[a](https://example.org/)",  # inline link
        "![a][un]",  # image
        "[a][un][b]",  # stray bracket after a citation
        "[*a*][un]",  # emphasis inside the label
        "a]b",
        "&amp; &copy; &#38; &#x26;",  # entity and numeric references
        "<https://example.org/>",  # autolink
        "<desk@example.org>",  # e-mail autolink
        "<b>bold</b>",  # raw HTML (shown as text by markdown-it, but left to it)
        "back\\slash",
        "`code`",
        "two\nlines",
        "cr\rhere",
        "nul\0here",
        "a*b*c",  # intraword asterisks do pair up
        "*a",
        "a*",
        "***a***",
        "*a **b* c**",  # crossed runs
        "*a*b",
        '*"a"*',
        "*[a][un]*",
        "x_ y",
    ],
)
def test_left_to_markdown_it(text: str) -> None:
    assert _simple_inline(text, BASE, REFS) is None
    assert inline_unsafe(text, base=BASE, refs=REFS) == markdown_it(text)


def test_plain_prose_fast_path_still_escapes_quotes() -> None:
    assert (
        inline_unsafe('He said "yes" (twice).', base=BASE, refs=REFS)
        == "He said &quot;yes&quot; (twice)."
    )


def test_inline_sanitises_and_resolves() -> None:
    assert inline("[the UN][un] *now*", base=BASE, references={"un": ("../a.html", None)}) == (
        '<a href="https://briefings.example.org/a.html">the UN</a> <em>now</em>'
    )


# --- the common shapes take a fast path: the property below is not vacuous ---

REALISTIC = [
    "Meanwhile, the bilateral ceasefire was signed in Geneva after Amara Okafor met the treaty "
    "committee, as [the ministry][report1] reported. The long-awaited pipeline was delayed.",
    "However, the regional tariff was approved in Oslo after Mei Lin met the quota envoys, as "
    "[observers][memo2] reported, and 12 subsidies remain under review.",
    "Inspections continue in [Istanbul][un].",
    "The deal was [extended][report1] for *120 days*; exports reached 25 million tonnes.",
    'The minister called it "a **binding** step" & said talks would resume.',
    "Prices rose 3% (year on year) — the sharpest rise since 2022.",
    "For now, the joint loan was revised after [a spokesperson][Brief 3] confirmed it.",
    "R&D spending < 2% of GDP, according to [the agency][memo2] and [observers][un].",
    "Details",
    "Important to Know",
    "The *provisional* agreement covers grain, fertiliser and ammonia exports.",
    "Exports: 25 million tonnes.",
    "Since then, the modest_grid file was shared by [the agency][report1]!",
    "Talks resume in Doha on 3 May; see [the memo][memo2].",
    "[Tokyo][ünï] confirmed the figures.",
    "A __strong__ and _light_ touch, as [observers][un] put it.",
    # what still goes to markdown-it
    "See [notes](../notes.html) for the full text.",
    "Ships sailed &mdash; slowly.",  # an entity
    "A `code` span.",
    "Visit <https://example.org/>.",
]


def test_fast_paths_take_the_common_shapes() -> None:
    slow = [
        text
        for text in REALISTIC
        if markup._MARKDOWN_SPECIAL.search(text) and _simple_inline(text, BASE, REFS) is None
    ]
    assert slow == REALISTIC[-4:]  # just those meant for markdown-it
    for text in REALISTIC:
        assert inline_unsafe(text, base=BASE, refs=REFS) == markdown_it(text)


# --- the property: whenever the fast path answers, it is markdown-it's answer ---

WORDS = ["the", "ministry", "Geneva", "Tomás", "Öl", "日本", "R2", "x", "AT", "T", "120", "é"]
citation_keys = st.sampled_from([*SOURCES, "REPORT1", " un ", "brief   3", "nokey", "", "memo2 "])
labels = st.sampled_from(["the ministry", "A & B", 'say "hi"', "x", " ", "", "3 < 4", "wow!"])
fragment = st.one_of(
    st.sampled_from(WORDS),
    st.sampled_from([" ", " ", " ", "  ", "\t", "\xa0", "\u2003", "\n"]),
    st.sampled_from(list(".,;:!?()'\"-/%#=+@^{}~|$")),
    st.builds(lambda label, key: f"[{label}][{key}]", labels, citation_keys),
    st.builds(lambda label: f"[{label}]", labels),
    st.sampled_from(["[", "]", "![", "](", "(https://example.org/a_b)"]),
    st.sampled_from(["&", "&amp;", "&copy;", "&nosuch;", "&#38;", "&#x26;", "&#", "&T", "&a1;"]),
    st.sampled_from(["<", ">", "<3", "<b>", "</b>", "< b >", "<https://example.org/>"]),
    st.sampled_from(["<desk@example.org>", "<a:b>", "<x y>", "https://example.org/?a=1&b=2"]),
    st.sampled_from(["*", "**", "***", "_", "__", "___"]),
    st.sampled_from(["\\", "`", "\\*", "\r", "\0"]),
    st.text(max_size=3),
)
texts = st.lists(fragment, max_size=24).map("".join)
# Texts built to pass the fast path's gate more often: words, spaces, citations, emphasis.
prose_fragment = st.one_of(
    st.sampled_from(WORDS),
    st.just(" "),
    st.sampled_from(list('.,;:!?)("&<>')),
    st.builds(lambda label, key: f"[{label}][{key}]", labels, citation_keys),
    st.builds(
        lambda marker, word: f" {marker}{word}{marker}",
        st.sampled_from(["*", "**", "_", "__"]),
        st.sampled_from(WORDS),
    ),
    st.sampled_from([" *", "* ", " **", "** ", " _", "_ ", "_"]),
)
prose = st.lists(prose_fragment, max_size=24).map("".join)
bases = st.sampled_from([BASE, "", "http://other.example/x/"])

# 250 examples per test in the suite; FEEDPUB_MARKUP_EXAMPLES=5000 searches longer.
SETTINGS = settings(
    max_examples=int(os.environ.get("FEEDPUB_MARKUP_EXAMPLES", "250")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


@SETTINGS
@given(text=st.one_of(texts, prose), base=bases)
@example(text="*a **b** c*", base=BASE)
@example(text="x [the ministry][report1]; **y** _z_.", base=BASE)
def test_fast_path_equals_markdown_it(text: str, base: str) -> None:
    expected = markdown_it(text, base)
    fast = _simple_inline(text, base, REFS)
    if fast is not None:
        assert fast == expected
    assert inline_unsafe(text, base=base, refs=REFS) == expected


@SETTINGS
@given(text=prose)
def test_fast_path_with_no_references(text: str) -> None:
    fast = _simple_inline(text, BASE, {})
    if fast is not None:
        assert fast == markdown_it(text, refs={})


# Dense syntax from a small alphabet: every way the markers can touch each other.
DENSE_REFS = reference_map(
    {"a": ("http://x/a_b", 't"'), "b": ("rel", None), "k k": ("http://y/", "")}
)


@SETTINGS
@given(st.text(alphabet='ab1 *_[]()<>&;#!".,éK\t:x', max_size=22))
def test_fast_path_equals_markdown_it_on_dense_syntax(text: str) -> None:
    expected = markdown_it(text, "http://base/p/q", DENSE_REFS)
    fast = _simple_inline(text, "http://base/p/q", DENSE_REFS)
    if fast is not None:
        assert fast == expected


# --- to_text: cheaper, same output as the line-by-line version it replaced ---


def to_text_reference(markup_: str) -> str:
    """to_text as first written: collapse spaces and strip one line at a time."""
    text = html.unescape(markup._TAG.sub("", markup._BLOCK_END.sub("\n", markup_)))
    lines = [markup._SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return markup._BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


html_fragment = st.one_of(
    st.sampled_from(WORDS),
    st.sampled_from(
        [" ", "  ", "\t", "\r", "\f", "\v", "\n", "\n\n", "\xa0", "\u2003", "\x85", "\x1f"]
    ),
    st.sampled_from(["<p>", "</p>", "<li>", "</li>", "<h2>", "</h2>", "<br>", "<br />", "<em>"]),
    st.sampled_from(["</blockquote>", "</figcaption>", '<a href="x">', "</a>", "&amp;", "&nbsp;"]),
    st.sampled_from(["&#9;", "&#10;", "&lt;p&gt;", "<", ">"]),
    st.text(max_size=3),
)


@SETTINGS
@given(st.lists(html_fragment, max_size=30).map("".join))
def test_to_text_unchanged(markup_: str) -> None:
    assert to_text(markup_) == to_text_reference(markup_)


def test_to_text_blocks_and_entities() -> None:
    body = '<p class="lead">A  <em>b</em>\t&amp; c </p>\n<h2>Sources</h2><ul><li> x </li><li>y</li></ul>'
    assert to_text(body) == "A b & c\n\nSources\nx\ny"


# --- link destinations: the plain-URL shortcut returns what normalizeLink would ---


def _urls(host: str, tail: str) -> st.SearchStrategy[str]:
    return st.builds(
        lambda scheme, host, port, tail: f"{scheme}://{host}{port}{tail}",
        st.sampled_from(["http", "https", "HTTP", "ftp", "mailto"]),
        st.text(alphabet=host, max_size=12),
        st.sampled_from(["", ":", ":8080", ":08", ":x"]),
        st.text(alphabet=tail, max_size=24),
    )


# Half from what the shortcut accepts, half with what it must leave to markdown-it.
urls = st.one_of(
    _urls("aZ9.-", "aZ09;/?:@&=+$,-_.!~*'()#"),
    _urls("aZ9.-xn_ü@:[]", "aZ09;/?:@&=+$,-_.!~*'()#%[] é\\"),
)


@SETTINGS
@given(url=urls)
@example(url="https://Example.COM/A?b=1#x")
@example(url="https://news.example.org/2025/03/grain-deal")
@example(url="https://a.b/x%2")
def test_plain_link_shortcut_equals_normalize_link(url: str) -> None:
    assert markup._normalize_link.__wrapped__(url) == _markdown().normalizeLink(url)


def test_plain_link_shortcut_takes_common_urls() -> None:
    for url in (
        "https://news.example.org/2025/03/grain-deal",
        "https://wire.example.com/a_b?x=1&y=2#top",
        "http://127.0.0.1:8080/feed",
    ):
        assert markup._PLAIN_LINK.fullmatch(url)
    for url in ("https://例え.jp/", "https://a.b/x y", "https://a.b/%41", "javascript:x"):
        assert not markup._PLAIN_LINK.fullmatch(url)


@SETTINGS
@given(url=urls, base=st.sampled_from([BASE, "http://base/p/q", "https://a.b/x?y#z"]))
@example(url="https://a.b?", base=BASE)
@example(url="https://a.b/x?#f", base=BASE)
@example(url="https://a.b/x;", base=BASE)
@example(url="https://a.b/x/../y", base=BASE)
def test_absolute_links_resolve_as_urljoin_does(url: str, base: str) -> None:
    assume(not url.startswith("mailto:"))  # kept as written, before and after the shortcut
    try:
        expected = urljoin(base, url)
    except ValueError:  # a broken IPv6 host: left to urljoin, which refuses it
        with pytest.raises(ValueError):
            markup._resolve(url, base)
        return
    assert markup._resolve(url, base) == expected

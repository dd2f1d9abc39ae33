"""Inline Markdown in, sanitised HTML with absolute links out; and HTML in, plain text out."""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any
from urllib.parse import urljoin

import nh3
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml, normalizeReference

# What may reach a feed or a page: text-level markup, lists, quotes, headings, links, images.
ALLOWED_TAGS = {
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "cite",
    "code",
    "em",
    "figcaption",
    "figure",
    "footer",
    "h2",
    "h3",
    "h4",
    "hr",
    "i",
    "img",
    "li",
    "ol",
    "p",
    "pre",
    "q",
    "s",
    "small",
    "span",
    "strong",
    "sub",
    "sup",
    "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "hreflang"},
    "img": {"src", "alt", "title", "width", "height"},
    "blockquote": {"cite"},
    "q": {"cite"},
    "abbr": {"title"},
    "p": {"class"},
    "ul": {"class"},
    "li": {"class"},
    "span": {"lang", "dir"},  # a phrase in another language or direction
}
ALLOWED_SCHEMES = {"http", "https", "mailto"}
_TAG = re.compile(r"<[^>]*>")
_BLOCK_END = re.compile(r"</(p|li|h[1-6]|blockquote|figcaption)>|<br\s*/?>")
_SPACES = re.compile(r"[ \t\r\f\v]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")


@lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    # Raw inline HTML (CommonMark §6.6) passes through markdown-it as it is; every caller
    # then cuts it down with `sanitise` (the nh3 allow-list), so `<em>` stays and
    # `<script>` goes.
    md = MarkdownIt("commonmark", {"html": True, "typographer": False})
    md.add_render_rule("link_open", _absolute_attr("href"))
    md.add_render_rule("image", _absolute_image)
    md.add_render_rule("html_inline", _absolute_raw_html)
    return md


# A URL attribute inside one raw HTML tag: name, then a quoted or unquoted value (§6.6).
_RAW_URL_ATTR = re.compile(
    r"""(\s(?:href|src|cite)\s*=\s*)("[^"]*"|'[^']*'|[^\s"'=<>`]+)""", re.IGNORECASE
)


def _absolute_raw_html(self: Any, tokens: Any, idx: int, options: Any, env: Any) -> str:
    """A raw tag with its href/src/cite made absolute, as Markdown links are."""
    content = str(tokens[idx].content)
    base = env.get("base", "")
    if not base or "=" not in content:
        return content

    def absolute(match: re.Match[str]) -> str:
        value = match.group(2)
        if value[:1] in "\"'":
            value = value[1:-1]
        url = _resolve(html.unescape(value), base)
        return f'{match.group(1)}"{escapeHtml(url)}"'

    return _RAW_URL_ATTR.sub(absolute, content)


def _resolve(url: str, base: str) -> str:
    if not url or url.startswith(("#", "mailto:")):
        return urljoin(base, url) if url.startswith("#") else url
    if _absolute_as_is(url):
        return url
    return urljoin(base, url)


def _absolute_as_is(url: str) -> bool:
    """Whether ``urljoin`` gives this absolute URL back unchanged, whatever the base: a plain
    web URL (lower-case scheme) with no empty query or fragment and no ``;`` parameters, the
    parts urljoin would drop or rebuild."""
    if ";" in url or url.endswith("#") or not _PLAIN_LINK.fullmatch(url):
        return False
    query = url.find("?")
    fragment = url.find("#")
    if query != -1 and (fragment == -1 or query < fragment):
        return query + 1 < len(url) and url[query + 1] != "#"
    return True


def _absolute_attr(name: str) -> Any:
    def render(self: Any, tokens: Any, idx: int, options: Any, env: Any) -> str:
        token = tokens[idx]
        value = token.attrGet(name)
        if isinstance(value, str):
            token.attrSet(name, _resolve(value, env.get("base", "")))
        return str(self.renderToken(tokens, idx, options, env))

    return render


def _absolute_image(self: Any, tokens: Any, idx: int, options: Any, env: Any) -> str:
    token = tokens[idx]
    src = token.attrGet("src")
    if isinstance(src, str):
        token.attrSet("src", _resolve(src, env.get("base", "")))
    return str(self.image(tokens, idx, options, env))


# Characters that can start inline Markdown (CommonMark §6) or need more than escaping;
# CR and NUL too, because markdown-it rewrites them (§2.3: NUL becomes U+FFFD, CR a line end).
_MARKDOWN_SPECIAL = re.compile(r"[\\`*_\[\]<>!&\n\r\0]")
# What the second fast path leaves to markdown-it: backslash escapes and code spans, line
# breaks, images, entity and numeric character references (§6.2), and any `<…>` that the
# autolink rule (§6.5) would look at: no space, control or `<` before the next `>`.
# (Substring tests first: far cheaper than one regex with alternatives.)
_NOT_SIMPLE = ("\\", "`", "\n", "\r", "\0", "![")
_ENTITY_LIKE = re.compile(r"&(?:#|[A-Za-z][A-Za-z0-9]*;)")
_AUTOLINK_LIKE = re.compile(r"<[^<>\x00-\x20]*>")
# What could be raw HTML (§6.6): an open or closing tag, a comment, declaration or instruction.
_RAW_HTML_LIKE = re.compile(r"<[A-Za-z][A-Za-z0-9-]*(?:[\s/][^<>]*)?>|</[A-Za-z]|<[!?]")
# Read over escaped text: where syntax may start, and a citation [label][key] (neither part
# bracketed or emphasised, nor the key escaped).
_MARKS = re.compile(r"[\[\]*_]")
_CITATION = re.compile(r"\[([^\[\]*_]+)\]\[([^\[\]*_&]+)\]")
# After a closing emphasis run: end, space or this punctuation (§6.2 right-flanking only).
_CLOSER_FOLLOWERS = frozenset(" .,;:!?)")


# A web URL that markdown-it's normalizeLink returns as it is: an ASCII host (punycode has
# nothing to do), an optional port, then only characters it never percent-encodes (no `%`:
# whether it starts an escape is left to markdown-it).
_PLAIN_LINK = re.compile(
    r"https?://[A-Za-z0-9.-]+(?::[0-9]*)?(?:[/?#][A-Za-z0-9;/?:@&=+$,\-_.!~*'()#]*)?"
)


@lru_cache(maxsize=4096)
def _normalize_link(url: str) -> str:
    # Sources are cited by many entries: percent-encoding each URL once is enough; most need
    # none (markdown-it parses and reassembles every URL: a tenth of compiling an entry).
    if _PLAIN_LINK.fullmatch(url):
        return url
    return str(_markdown().normalizeLink(url))


def reference_map(sources: Mapping[str, tuple[str, str | None]]) -> dict[str, dict[str, str]]:
    """Citation keys → markdown-it reference definitions; build once per entry."""
    return {
        normalizeReference(key): {"href": _normalize_link(url), "title": title or ""}
        for key, (url, title) in sources.items()
    }


def inline_unsafe(text: str, *, base: str, refs: dict[str, dict[str, str]] | None = None) -> str:
    """Inline Markdown → HTML, not yet sanitised (the caller sanitises the assembled body)."""
    if not text:
        return ""
    if not _MARKDOWN_SPECIAL.search(text):
        # Plain prose, the common case: CommonMark would only escape it.
        return text.replace('"', "&quot;")
    fast = _simple_inline(text, base, refs or {})
    if fast is not None:
        return fast
    return str(_markdown().renderInline(text, {"references": refs or {}, "base": base}))


def _simple_inline(text: str, base: str, refs: Mapping[str, Mapping[str, str]]) -> str | None:
    """What markdown-it would render, for prose with citations, `&<>"` and plain emphasis; else None.

    Accepts only text where the CommonMark reading is unambiguous: every ``[`` starts a
    citation ``[label][key]`` whose key is in ``refs``, every ``*``/``_`` run of one or two
    opens after a space (or at the start) before a letter or digit, or closes after one
    before a space, the end or ``.,;:!?)``, and the runs nest like brackets; a ``_`` run
    between letters or digits is just text (§6.2: it can neither open nor close).
    """
    for part in _NOT_SIMPLE:
        if part in text:
            return None
    if ("&" in text and _ENTITY_LIKE.search(text)) or (
        "<" in text and (_AUTOLINK_LIKE.search(text) or _RAW_HTML_LIKE.search(text))
    ):
        return None
    # Escaping first is safe: what is left of `&<>"` is literal text here, and the escapes
    # start with "&" and end with ";", which the checks below treat like the raw characters.
    escaped = escapeHtml(text)
    size = len(escaped)
    out: list[str] = []
    openers: list[tuple[str, int]] = []  # (marker run, index in out of its placeholder)
    last = 0
    while match := _MARKS.search(escaped, last):
        start = match.start()
        out.append(escaped[last:start])
        mark = escaped[start]
        if mark == "[":
            citation = _CITATION.match(escaped, start)
            if citation is None:
                return None
            ref = refs.get(normalizeReference(citation.group(2)))
            if not ref:
                return None
            out.append(f"{_link_open(ref['href'], ref['title'], base)}{citation.group(1)}</a>")
            last = citation.end()
            continue
        if mark == "]":
            return None
        end = start + 1
        while end < size and escaped[end] == mark:
            end += 1
        if end - start > 2:
            return None
        run = escaped[start:end]
        last = end
        before = escaped[start - 1] if start else " "
        after = escaped[end] if end < size else " "
        if before.isalnum():
            if mark == "_" and after.isalnum():
                out.append(run)  # intraword underscores are text
            elif after in _CLOSER_FOLLOWERS and openers and openers[-1][0] == run:
                _, at = openers.pop()
                tag = "em" if len(run) == 1 else "strong"
                out[at] = f"<{tag}>"
                out.append(f"</{tag}>")
            else:
                return None
        elif before == " " and after.isalnum():
            openers.append((run, len(out)))
            out.append(run)
        else:
            return None
    if openers:
        return None
    out.append(escaped[last:])
    return "".join(out)


@lru_cache(maxsize=1024)
def _link_open(href: str, title: str, base: str) -> str:
    """The ``<a>`` start tag markdown-it renders for a reference link (href made absolute)."""
    attrs = f' href="{escapeHtml(_resolve(href, base))}"'
    if title:
        attrs += f' title="{escapeHtml(title)}"'
    return f"<a{attrs}>"


def inline(
    text: str, *, base: str, references: Mapping[str, tuple[str, str | None]] | None = None
) -> str:
    """One paragraph of inline Markdown → sanitised HTML.

    ``references`` maps citation keys to (url, title): ``[text][key]`` links to the source.
    Relative links resolve against ``base`` (the entry's permalink).
    """
    refs = reference_map(references or {})
    return sanitise(inline_unsafe(text, base=base, refs=refs))


@lru_cache(maxsize=1)
def _cleaner() -> Any:
    # Built once: handing nh3 the allow-list on every call costs as much as the cleaning.
    return nh3.Cleaner(
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_SCHEMES,
        link_rel=None,
        strip_comments=True,
    )


def sanitise(markup: str) -> str:
    """HTML cut down to the allow-list: no script, iframe, event handlers or javascript: URLs."""
    return str(_cleaner().clean(markup))


def escape(value: str) -> str:
    return html.escape(value, quote=True)


def to_text(markup: str) -> str:
    """HTML → readable plain text: blocks on their own lines, entities decoded."""
    text = html.unescape(_TAG.sub("", _BLOCK_END.sub("\n", markup)))
    # _SPACES never spans a line end, so one pass over the whole text equals one per line;
    # and it is skipped when it would change nothing (a substring test is far cheaper).
    if "  " in text or any(char in text for char in "\t\r\f\v"):
        text = _SPACES.sub(" ", text)
    joined = "\n".join([line.strip() for line in text.split("\n")])
    return _BLANK_LINES.sub("\n\n", joined).strip()

"""An RSS 2.0 <channel> or <item> in, the problems both can have out: children, text, URLs, dates.

Their children are walked by one loop (unknown, misplaced and repeated elements reported on
the way); text, URL, date and contact values are checked the same way in both.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from feedpub.validate import pitfalls
from feedpub.validate.common import (
    Element,
    children,
    has_child_elements,
    name_of,
    split,
    stray_text,
    text,
)
from feedpub.validate.dates import parse_rfc822
from feedpub.validate.report import Report
from feedpub.validate.uris import check_uri
from feedpub.validate.urls import is_rss_contact

CHANNEL_ELEMENTS = frozenset(
    {
        "title",
        "link",
        "description",
        "language",
        "copyright",
        "managingEditor",
        "webMaster",
        "pubDate",
        "lastBuildDate",
        "category",
        "generator",
        "docs",
        "cloud",
        "ttl",
        "image",
        "rating",
        "textInput",
        "skipHours",
        "skipDays",
        "item",
    }
)


ITEM_ELEMENTS = frozenset(
    {
        "title",
        "link",
        "description",
        "author",
        "category",
        "comments",
        "enclosure",
        "guid",
        "pubDate",
        "source",
    }
)


IMAGE_ELEMENTS = frozenset({"url", "title", "link", "width", "height", "description"})


@dataclass(frozen=True)
class Parent:
    """What <channel> and <item> may hold: RSS elements, which of them at most once, and the RSS
    elements that belong elsewhere (misplaced rather than unknown)."""

    name: str
    elements: frozenset[str]
    once: frozenset[str]
    elsewhere: frozenset[str]


CHANNEL = Parent(
    "channel",
    CHANNEL_ELEMENTS,
    CHANNEL_ELEMENTS - {"category", "item"},
    ITEM_ELEMENTS | IMAGE_ELEMENTS,
)


ITEM = Parent(
    "item",
    ITEM_ELEMENTS,
    ITEM_ELEMENTS - {"category", "enclosure"},
    CHANNEL_ELEMENTS | IMAGE_ELEMENTS,
)


CONTACTS = ("managingEditor", "webMaster", "author")


URL_ELEMENTS = ("link", "docs", "comments")


def children_of(
    el: Element, parent: Parent, seen: Counter[str], report: Report
) -> Iterator[tuple[Element, str, str, bool]]:
    """(child, namespace, local name, whether it repeats one allowed once) for every child of a
    <channel> or <item> but RSS elements that do not belong there; those, stray text and the
    first repeat of each element allowed once are reported on the way. ``seen`` counts the RSS
    elements."""
    no_text(el, report)
    for child in children(el):
        ns, local = split(child.tag)
        if ns == "" and local not in parent.elements:
            not_here(child, local, parent, report)
            continue
        repeated = False
        if ns == "":
            seen[local] += 1
            repeated = local in parent.once and seen[local] == 2
            if repeated:
                report.error(
                    "duplicate-element",
                    f"<{parent.name}> has more than one <{local}>; keep one",
                    child.sourceline,
                )
        yield child, ns, local, repeated


def not_here(el: Element, local: str, parent: Parent, report: Report) -> None:
    if ":" in local:
        return  # an undeclared prefix, reported by the XML check
    if local in parent.elsewhere or local == "channel":
        report.error(
            "misplaced-element",
            f"<{local}> is not allowed in <{parent.name}>; move it to where the RSS spec puts it",
            el.sourceline,
        )
    else:
        report.error(
            "unknown-element",
            f"<{local}> is not an RSS element of <{parent.name}>; remove it or put it in a namespace",
            el.sourceline,
        )


def simple_text(el: Element, report: Report) -> str | None:
    """An element's text; None (and an error) when it holds unescaped markup."""
    if has_child_elements(el):
        report.error(
            "unescaped-markup",
            f"<{name_of(el)}> contains child elements; escape the HTML or wrap it in <![CDATA[…]]>",
            el.sourceline,
        )
        return None
    return text(el)


def check_url(
    el: Element, value: str, report: Report, what: str | None = None, *, full: bool = True
) -> None:
    """RSS links are full URIs (RFC 2396, so ASCII only); atom:link hrefs are IRI references."""
    check_uri(report, value, el.sourceline, what or f"<{name_of(el)}>", full=full, iri=not full)


def check_date(el: Element, value: str, report: Report) -> datetime | None:
    parsed = parse_rfc822(value)
    where = f"<{name_of(el)}>"
    if parsed.error:
        report.error(parsed.code, f"{where}: {parsed.error}", el.sourceline)
    elif parsed.warning:
        report.warning(parsed.code, f"{where}: {parsed.warning}", el.sourceline)
    pitfalls.check_future(report, parsed.value, el.sourceline, where)
    return parsed.value


def check_contact(el: Element, value: str, report: Report) -> None:
    if not is_rss_contact(value):
        report.error(
            "invalid-email",
            f"<{name_of(el)}> {value.strip()!r} must be an e-mail "
            "address, optionally followed by the name in parentheses: "
            "'desk@example.org (Briefings Desk)'",
            el.sourceline,
        )


def no_text(el: Element, report: Report) -> None:
    """Elements that hold only child elements (or nothing) hold no text either."""
    line = stray_text(el)
    if line is not None:
        report.error(
            "unexpected-text", f"there is text directly inside <{name_of(el)}>; remove it", line
        )


# RSS elements and the Dublin Core element meaning the same (W3C "DuplicateSemantics").
_SAME_MEANING = (
    ("pubDate", "date"),
    ("author", "creator"),
    ("language", "language"),
    ("copyright", "rights"),
    ("managingEditor", "creator"),
)


def duplicate_semantics(
    el: Element, seen: Counter[str], dc_names: set[str], report: Report
) -> None:
    for rss_name, dc_name in _SAME_MEANING:
        if seen[rss_name] and dc_name in dc_names:
            report.warning(
                "duplicate-semantics",
                f"<{name_of(el)}> has both <{rss_name}> and "
                f"<dc:{dc_name}>; readers may show either; keep one",
                el.sourceline,
            )
            return

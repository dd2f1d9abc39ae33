"""One RSS 2.0 <item> in, its problems out: its elements, guid, enclosure and source (RSS 2.0.11)."""

from __future__ import annotations

from collections import Counter

from feedpub.validate import attributes, pitfalls
from feedpub.validate.common import (
    CONTENT,
    DC,
    Element,
    has_child_elements,
    name_of,
    text,
)
from feedpub.validate.report import Report
from feedpub.validate.rssbase import (
    ITEM,
    URL_ELEMENTS,
    check_contact,
    check_date,
    check_url,
    children_of,
    duplicate_semantics,
    no_text,
    simple_text,
)
from feedpub.validate.uris import check_uri, uri_problem
from feedpub.validate.urls import url_problem


def check_item(
    item: Element,
    guids: dict[str, int | None],
    id_pairs: list[tuple[str, str, int | None]],
    report: Report,
) -> None:
    """Every rule for one item; ``guids`` and ``id_pairs`` gather what is compared across items."""
    seen: Counter[str] = Counter()
    found: dict[str, Element] = {}
    dc_names: set[str] = set()
    enclosures = 0
    contents = 0
    for el, ns, local, repeated in children_of(item, ITEM, seen, report):
        if ns == "":
            if repeated:
                continue
            found.setdefault(local, el)
            if local == "enclosure":
                enclosures += 1
                if enclosures == 2:
                    report.warning(
                        "duplicate-enclosure",
                        "<item> has more than one <enclosure>; many readers take only the first",
                        el.sourceline,
                    )
                _enclosure(el, report)
            elif local == "guid":
                _guid(el, guids, report)
            elif local == "source":
                _source(el, report)
            elif local == "category":
                value = simple_text(el, report)
                if value is not None:
                    pitfalls.check_plain_text(report, value, el.sourceline, "<item>'s <category>")
            else:
                _item_text(el, local, report)
        elif ns == CONTENT:
            if local != "encoded":
                report.error(
                    "unknown-element",
                    f"<{name_of(el)}> is not defined; the content "
                    "module has only <content:encoded>",
                    el.sourceline,
                )
                continue
            contents += 1
            if contents == 2:
                report.error(
                    "duplicate-element",
                    "<item> has more than one <content:encoded>; readers take only one",
                    el.sourceline,
                )
            html = simple_text(el, report)
            if html is not None:
                pitfalls.check_html(report, html, el.sourceline, "<content:encoded>")
        elif ns == DC:
            dc_names.add(local)
    if "title" not in found and "description" not in found:
        report.error(
            "missing-element",
            "<item> has neither <title> nor <description>; add at least one",
            item.sourceline,
        )
    if "guid" not in found:
        report.warning(
            "missing-guid",
            "<item> has no <guid>; readers cannot tell it apart from others; add one",
            item.sourceline,
        )
    if "pubDate" not in found and "date" not in dc_names:
        report.warning(
            "missing-date",
            "<item> has no <pubDate>; readers sort it wrongly; add one",
            item.sourceline,
        )
    duplicate_semantics(item, seen, dc_names, report)
    link = found.get("link")
    guid = found.get("guid")
    if (
        link is not None
        and guid is not None
        and not has_child_elements(link)
        and not has_child_elements(guid)
    ):
        id_pairs.append((text(link).strip(), text(guid).strip(), guid.sourceline))


def _item_text(el: Element, local: str, report: Report) -> None:
    value = simple_text(el, report)
    if value is None:
        return
    if local == "title":
        pitfalls.check_title_text(report, value, el.sourceline, "<item>'s <title>")
    elif local == "description":
        pitfalls.check_html(report, value, el.sourceline, "<description>")
    elif local in URL_ELEMENTS:
        check_url(el, value.strip(), report, f"<item>'s <{local}>")
    elif local == "pubDate":
        check_date(el, value, report)
    elif local == "author":
        check_contact(el, value, report)


def _guid(el: Element, guids: dict[str, int | None], report: Report) -> None:
    value = simple_text(el, report)
    if value is None:
        return
    value = value.strip()
    flag = el.get("isPermaLink")
    if flag is not None and flag not in ("true", "false"):
        report.error(
            "invalid-attribute-value",
            f"<guid> isPermaLink={flag!r} must be 'true' or 'false'",
            el.sourceline,
        )
    if not value:
        report.warning(
            "empty-element", "<guid> is empty; give each item a unique id", el.sourceline
        )
        return
    if flag != "false":
        _permalink(el, value, report)
    if value in guids:
        first = guids[value]
        report.error(
            "duplicate-guid",
            f"<guid> {value!r} is also used by the item on line "
            f"{first}; give every item its own guid",
            el.sourceline,
        )
    else:
        guids[value] = el.sourceline


def _permalink(el: Element, value: str, report: Report) -> None:
    """A guid that is a permalink (isPermaLink is true by default, RSS 2.0 §guid)."""
    if value.lower().startswith(("tag:", "urn:uuid:")) and uri_problem(value, full=True) is None:
        report.error(
            "invalid-permalink",
            f"<guid> {value!r} is an identifier, not a link, so it cannot be a "
            'permalink; add isPermaLink="false"',
            el.sourceline,
        )
    elif not check_uri(report, value, el.sourceline, "<guid>", full=False, iri=False):
        return
    elif url_problem(value) is not None:
        report.warning(
            "invalid-permalink",
            f"<guid> {value!r} is not a full URL, so readers cannot open it as "
            'a permalink; add isPermaLink="false" or use the item\'s URL',
            el.sourceline,
        )


def _enclosure(el: Element, report: Report) -> None:
    no_text(el, report)
    for attr in ("url", "length", "type"):
        if el.get(attr) is None:
            report.error(
                "missing-attribute", f"<enclosure> has no {attr} attribute; add it", el.sourceline
            )
    url = el.get("url")
    if (
        url is not None
        and check_uri(report, url, el.sourceline, "<enclosure> url", full=True, iri=False)
        and url[:7].lower() != "http://"
        and url[:8].lower() != "https://"
    ):
        report.error(
            "invalid-url",
            f"<enclosure> url {url!r} must be an http:// or https:// URL; readers "
            "download enclosures over HTTP",
            el.sourceline,
        )
    attributes.check_length_and_type(el, report, "audio/mpeg")


def _source(el: Element, report: Report) -> None:
    url = el.get("url")
    if url is None:
        report.error(
            "missing-attribute",
            "<source> has no url attribute; add the URL of the source feed",
            el.sourceline,
        )
    else:
        check_url(el, url, report, "<source> url")

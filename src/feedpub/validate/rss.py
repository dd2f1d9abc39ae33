"""An RSS 2.0 tree in, problems out: the RSS Advisory Board spec plus common modules (RSS 2.0.11)."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from feedpub.validate import attributes, extensions, pitfalls
from feedpub.validate.common import (
    ATOM,
    CONTENT,
    DC,
    Element,
    children,
    has_child_elements,
    name_of,
    split,
    stray_text,
    text,
)
from feedpub.validate.dates import parse_rfc822
from feedpub.validate.ext import IN_RSS
from feedpub.validate.languages import language_problem
from feedpub.validate.report import Report
from feedpub.validate.uris import check_uri, uri_problem
from feedpub.validate.urls import is_rss_contact, url_problem

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
# Elements that may appear at most once (every channel/item element except category/item).
CHANNEL_ONCE = CHANNEL_ELEMENTS - {"category", "item"}
ITEM_ONCE = ITEM_ELEMENTS - {"category", "enclosure"}
IMAGE_ELEMENTS = frozenset({"url", "title", "link", "width", "height", "description"})
TEXTINPUT_ELEMENTS = frozenset({"title", "description", "name", "link"})
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
CONTACTS = ("managingEditor", "webMaster", "author")
URL_ELEMENTS = ("link", "docs", "comments")
OLD_VERSIONS = ("0.91", "0.92", "0.93", "0.94")


def check(root: Element, size: int, report: Report) -> None:
    """Every RSS 2.0 rule feedpub knows, from the root down."""
    ns, local = split(root.tag)
    if local != "rss" or ns:
        found = f"<{name_of(root)}>" + (f" in the namespace {ns}" if ns else "")
        report.error(
            "wrong-root",
            f"the root element is {found}; an RSS 2.0 feed starts with "
            '<rss version="2.0"> in no namespace',
            root.sourceline,
        )
        return
    version = root.get("version")
    if version is None:
        report.error(
            "missing-attribute",
            '<rss> has no version attribute; write <rss version="2.0">',
            root.sourceline,
        )
    elif version in OLD_VERSIONS:
        report.warning(
            "obsolete-version",
            f'RSS {version} is obsolete; write <rss version="2.0">',
            root.sourceline,
        )
    elif version != "2.0":
        report.error(
            "invalid-version",
            f'the RSS version {version!r} does not exist; write <rss version="2.0">',
            root.sourceline,
        )
    attributes.check_rss(root, report)
    line = stray_text(root)
    if line is not None:
        report.error("unexpected-text", "there is text directly inside <rss>; remove it", line)
    channels = []
    for el in children(root):
        ens, elocal = split(el.tag)
        if ens:
            continue
        if elocal == "channel":
            channels.append(el)
        elif elocal in CHANNEL_ELEMENTS or elocal in ITEM_ELEMENTS:
            report.error(
                "misplaced-element",
                f"<{elocal}> belongs inside <channel>, not directly inside <rss>; move it",
                el.sourceline,
            )
        else:
            report.error(
                "unknown-element",
                f"<{elocal}> is not an RSS element; remove it or put it in a namespace",
                el.sourceline,
            )
    if not channels:
        report.error(
            "missing-element",
            "<rss> has no <channel>; put the feed's elements in one",
            root.sourceline,
        )
        return
    for extra in channels[1:]:
        report.error(
            "duplicate-element", "<rss> has more than one <channel>; keep one", extra.sourceline
        )
    _channel(channels[0], size, report)
    extensions.check(root, IN_RSS, report)


def _channel(channel: Element, size: int, report: Report) -> None:
    seen: Counter[str] = Counter()
    items: list[Element] = []
    has_self = False
    line = stray_text(channel)
    if line is not None:
        report.error("unexpected-text", "there is text directly inside <channel>; remove it", line)
    for el in children(channel):
        ns, local = split(el.tag)
        if ns == "":
            if local not in CHANNEL_ELEMENTS:
                _not_here(el, local, "channel", ITEM_ELEMENTS | IMAGE_ELEMENTS, report)
                continue
            seen[local] += 1
            if local in CHANNEL_ONCE and seen[local] == 2:
                report.error(
                    "duplicate-element",
                    f"<channel> has more than one <{local}>; keep one",
                    el.sourceline,
                )
            if local == "item":
                items.append(el)
            else:
                _channel_element(el, local, report)
        elif ns == ATOM and local == "link":
            has_self = _atom_link(el, report) or has_self
        elif ns == CONTENT:
            report.error(
                "misplaced-element",
                f"<{name_of(el)}> belongs in an <item>, not in <channel>; move it",
                el.sourceline,
            )
    for required in ("title", "link", "description"):
        if not seen[required]:
            report.error(
                "missing-element",
                f"<channel> has no <{required}>; add one ({_REQUIRED_HINT[required]})",
                channel.sourceline,
            )
    dc_names = {split(el.tag)[1] for el in children(channel) if split(el.tag)[0] == DC}
    _duplicate_semantics(channel, seen, dc_names, report)
    if not has_self:
        report.warning(
            "missing-self-link",
            '<channel> has no <atom:link rel="self">; add one '
            'with the feed\'s own URL and type="application/rss+xml"',
            channel.sourceline,
        )
    guids: dict[str, int | None] = {}
    id_pairs: list[tuple[str, str, int | None]] = []
    for item in items:
        _item(item, guids, id_pairs, report)
    pitfalls.check_ids(report, id_pairs)
    pitfalls.check_size(report, size, len(items))


_REQUIRED_HINT = {
    "title": "the feed's name",
    "link": "the URL of the site",
    "description": "a sentence saying what the feed is about",
}


def _not_here(
    el: Element, local: str, parent: str, elsewhere: frozenset[str], report: Report
) -> None:
    if ":" in local:
        return  # an undeclared prefix, reported by the XML check
    if local in elsewhere or local == "channel":
        report.error(
            "misplaced-element",
            f"<{local}> is not allowed in <{parent}>; move it to where the RSS spec puts it",
            el.sourceline,
        )
    else:
        report.error(
            "unknown-element",
            f"<{local}> is not an RSS element of <{parent}>; remove it or put it in a namespace",
            el.sourceline,
        )


def _simple_text(el: Element, report: Report) -> str | None:
    """An element's text; None (and an error) when it holds unescaped markup."""
    if has_child_elements(el):
        report.error(
            "unescaped-markup",
            f"<{name_of(el)}> contains child elements; escape the HTML or wrap it in <![CDATA[…]]>",
            el.sourceline,
        )
        return None
    return text(el)


def _url(
    el: Element, value: str, report: Report, what: str | None = None, *, full: bool = True
) -> None:
    """RSS links are full URIs (RFC 2396, so ASCII only); atom:link hrefs are IRI references."""
    check_uri(report, value, el.sourceline, what or f"<{name_of(el)}>", full=full, iri=not full)


def _date(el: Element, value: str, report: Report) -> datetime | None:
    parsed = parse_rfc822(value)
    where = f"<{name_of(el)}>"
    if parsed.error:
        report.error(parsed.code, f"{where}: {parsed.error}", el.sourceline)
    elif parsed.warning:
        report.warning(parsed.code, f"{where}: {parsed.warning}", el.sourceline)
    pitfalls.check_future(report, parsed.value, el.sourceline, where)
    return parsed.value


def _channel_element(el: Element, local: str, report: Report) -> None:
    if local == "image":
        _image(el, report)
        return
    if local == "textInput":
        _text_input(el, report)
        return
    if local == "cloud":
        _cloud(el, report)
        return
    if local == "skipHours":
        _skip(el, "hour", report)
        return
    if local == "skipDays":
        _skip(el, "day", report)
        return
    value = _simple_text(el, report)
    if value is None:
        return
    stripped = value.strip()
    if local == "title" and not stripped:
        report.warning("empty-element", "<channel>'s <title> is empty; fill it in", el.sourceline)
        return
    if local == "title":
        pitfalls.check_title_text(report, value, el.sourceline, "<channel>'s <title>")
    elif local == "description" and not stripped:
        report.warning(
            "empty-element",
            "<channel>'s <description> is empty; say what the feed is about",
            el.sourceline,
        )
    elif local in ("description", "category"):
        # Only an item's description is HTML (RSS 2.0); the channel's is plain text.
        pitfalls.check_plain_text(report, value, el.sourceline, f"<channel>'s <{local}>")
    elif local in URL_ELEMENTS:
        _url(el, stripped, report)
    elif local in ("pubDate", "lastBuildDate"):
        _date(el, value, report)
    elif local in CONTACTS:
        _contact(el, value, report)
    elif local == "language" and language_problem(stripped) is not None:
        report.error("invalid-language", f"<language> {language_problem(stripped)}", el.sourceline)
    elif local == "ttl" and not (stripped.isdigit() and int(stripped) > 0):
        report.error(
            "invalid-value",
            f"<ttl> {stripped!r} must be a positive whole number of minutes",
            el.sourceline,
        )


def _contact(el: Element, value: str, report: Report) -> None:
    if not is_rss_contact(value):
        report.error(
            "invalid-email",
            f"<{name_of(el)}> {value.strip()!r} must be an e-mail "
            "address, optionally followed by the name in parentheses: "
            "'desk@example.org (Briefings Desk)'",
            el.sourceline,
        )


def _sub_elements(
    el: Element, allowed: frozenset[str], required: tuple[str, ...], report: Report
) -> dict[str, Element]:
    found: dict[str, Element] = {}
    parent = name_of(el)
    _no_text(el, report)
    for child in children(el):
        ns, local = split(child.tag)
        if ns:
            continue
        if local not in allowed:
            report.error(
                "unknown-element",
                f"<{local}> is not allowed in <{parent}>; remove it",
                child.sourceline,
            )
        elif local in found:
            report.error(
                "duplicate-element",
                f"<{parent}> has more than one <{local}>; keep one",
                child.sourceline,
            )
        else:
            found[local] = child
    for name in required:
        if name not in found:
            report.error("missing-element", f"<{parent}> has no <{name}>; add it", el.sourceline)
    return found


def _image(el: Element, report: Report) -> None:
    found = _sub_elements(el, IMAGE_ELEMENTS, ("url", "title", "link"), report)
    for name in ("url", "link"):
        if name in found:
            _url(found[name], text(found[name]).strip(), report, f"<image>'s <{name}>")
    for name, most in (("width", 144), ("height", 400)):
        if name in found:
            value = text(found[name]).strip()
            if not value.isdigit() or not 0 < int(value) <= most:
                report.error(
                    "out-of-range",
                    f"<image>'s <{name}> {value!r} must be a whole number from 1 to {most}",
                    found[name].sourceline,
                )


def _text_input(el: Element, report: Report) -> None:
    found = _sub_elements(el, TEXTINPUT_ELEMENTS, ("title", "description", "name", "link"), report)
    if "link" in found:
        _url(found["link"], text(found["link"]).strip(), report, "<textInput>'s <link>")


def _cloud(el: Element, report: Report) -> None:
    _no_text(el, report)
    for attr in ("domain", "port", "path", "registerProcedure", "protocol"):
        if el.get(attr) is None:
            report.error(
                "missing-attribute", f"<cloud> has no {attr} attribute; add it", el.sourceline
            )
    port = el.get("port")
    if port is not None and not (port.strip().isdigit() and int(port) > 0):
        report.error(
            "invalid-attribute-value",
            f"<cloud> port {port!r} must be a positive whole number",
            el.sourceline,
        )
    protocol = el.get("protocol")
    if protocol is not None and protocol not in ("xml-rpc", "soap", "http-post"):
        # The spec names these three, but gives no closed list: a warning, not an error.
        report.warning(
            "unknown-protocol",
            f"<cloud> protocol {protocol!r} is not one readers know; "
            "use 'xml-rpc', 'soap' or 'http-post'",
            el.sourceline,
        )


def _no_text(el: Element, report: Report) -> None:
    """Elements that hold only child elements (or nothing) hold no text either."""
    line = stray_text(el)
    if line is not None:
        report.error(
            "unexpected-text", f"there is text directly inside <{name_of(el)}>; remove it", line
        )


def _skip(el: Element, unit: str, report: Report) -> None:
    seen: set[str] = set()
    parent = name_of(el)
    _no_text(el, report)
    if el.find(unit) is None:
        report.error(
            "missing-element", f"<{parent}> has no <{unit}>; list at least one", el.sourceline
        )
    for child in children(el):
        ns, local = split(child.tag)
        if ns:
            continue
        if local != unit:
            report.error(
                "unknown-element",
                f"<{local}> is not allowed in <{parent}>; use <{unit}>",
                child.sourceline,
            )
            continue
        value = text(child).strip()
        if unit == "hour":
            ok = value.isdigit() and int(value) <= 23
            hint = "a whole number from 0 to 23"
        else:
            ok = value in DAYS
            hint = "a day name like 'Monday'"
        if value == "24":
            # RSS 0.91 counted 1-24; RSS 2.0 counts 0-23, so 24 is read as midnight (0).
            report.warning(
                "midnight-as-24",
                "<hour> 24 is the old way to write midnight; write 0",
                child.sourceline,
            )
            value, ok = "0", True
        if not ok:
            report.error("out-of-range", f"<{unit}> {value!r} must be {hint}", child.sourceline)
        elif value in seen or (unit == "hour" and str(int(value)) in seen):
            report.error(
                "duplicate-value", f"<{parent}> lists {value!r} twice; keep one", child.sourceline
            )
        seen.add(value if unit == "day" else str(int(value)) if ok else value)


def _atom_link(el: Element, report: Report) -> bool:
    """An atom:link in a channel; True when it is the self link."""
    href = el.get("href")
    if href is None:
        report.error(
            "missing-attribute", "<atom:link> has no href attribute; add the URL", el.sourceline
        )
        return False
    _url(el, href, report, "<atom:link> href", full=False)
    if (el.get("rel") or "alternate") != "self":
        return False
    kind = el.get("type")
    if kind is not None and kind != "application/rss+xml":
        report.warning(
            "self-link-type",
            f'<atom:link rel="self"> has type {kind!r}; an RSS '
            'feed\'s self link has type="application/rss+xml"',
            el.sourceline,
        )
    return True


# RSS elements and the Dublin Core element meaning the same (W3C "DuplicateSemantics").
_SAME_MEANING = (
    ("pubDate", "date"),
    ("author", "creator"),
    ("language", "language"),
    ("copyright", "rights"),
    ("managingEditor", "creator"),
)


def _duplicate_semantics(
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


def _item(
    item: Element,
    guids: dict[str, int | None],
    id_pairs: list[tuple[str, str, int | None]],
    report: Report,
) -> None:
    seen: Counter[str] = Counter()
    found: dict[str, Element] = {}
    dc_names: set[str] = set()
    enclosures = 0
    contents = 0
    line = stray_text(item)
    if line is not None:
        report.error("unexpected-text", "there is text directly inside <item>; remove it", line)
    for el in children(item):
        ns, local = split(el.tag)
        if ns == "":
            if local not in ITEM_ELEMENTS:
                _not_here(el, local, "item", CHANNEL_ELEMENTS | IMAGE_ELEMENTS, report)
                continue
            seen[local] += 1
            if local in ITEM_ONCE and seen[local] == 2:
                report.error(
                    "duplicate-element",
                    f"<item> has more than one <{local}>; keep one",
                    el.sourceline,
                )
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
                value = _simple_text(el, report)
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
            html = _simple_text(el, report)
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
    _duplicate_semantics(item, seen, dc_names, report)
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
    value = _simple_text(el, report)
    if value is None:
        return
    if local == "title":
        pitfalls.check_title_text(report, value, el.sourceline, "<item>'s <title>")
    elif local == "description":
        pitfalls.check_html(report, value, el.sourceline, "<description>")
    elif local in URL_ELEMENTS:
        _url(el, value.strip(), report, f"<item>'s <{local}>")
    elif local == "pubDate":
        _date(el, value, report)
    elif local == "author":
        _contact(el, value, report)


def _guid(el: Element, guids: dict[str, int | None], report: Report) -> None:
    value = _simple_text(el, report)
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
    _no_text(el, report)
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
        _url(el, url, report, "<source> url")


def id_map(root: Element) -> dict[str, str]:
    """Item link → guid for every item that has both."""
    result: dict[str, str] = {}
    channel = root.find("channel")
    if channel is None:
        return result
    for item in channel.iterfind("item"):
        link = item.findtext("link")
        guid = item.findtext("guid")
        if link and link.strip() and guid and guid.strip():
            result[link.strip()] = guid.strip()
    return result

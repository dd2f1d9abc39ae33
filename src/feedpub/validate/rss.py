"""An RSS 2.0 tree in, problems out: the RSS Advisory Board spec plus common modules (RSS 2.0.11).

<rss> and <channel> are checked here, each <item> in rssitem.py, what both share in rssbase.py.
"""

from __future__ import annotations

from collections import Counter

from feedpub.validate import attributes, extensions, pitfalls
from feedpub.validate.common import (
    ATOM,
    CONTENT,
    DC,
    Element,
    children,
    name_of,
    split,
    stray_text,
    text,
)
from feedpub.validate.ext import IN_RSS
from feedpub.validate.languages import language_problem
from feedpub.validate.report import Report
from feedpub.validate.rssbase import (
    CHANNEL,
    CHANNEL_ELEMENTS,
    CONTACTS,
    IMAGE_ELEMENTS,
    ITEM_ELEMENTS,
    URL_ELEMENTS,
    check_contact,
    check_date,
    check_url,
    children_of,
    duplicate_semantics,
    no_text,
    simple_text,
)
from feedpub.validate.rssitem import check_item

TEXTINPUT_ELEMENTS = frozenset({"title", "description", "name", "link"})
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
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
    for el, ns, local, _repeated in children_of(channel, CHANNEL, seen, report):
        if ns == "":
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
    duplicate_semantics(channel, seen, dc_names, report)
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
        check_item(item, guids, id_pairs, report)
    pitfalls.check_ids(report, id_pairs)
    pitfalls.check_size(report, size, len(items))


_REQUIRED_HINT = {
    "title": "the feed's name",
    "link": "the URL of the site",
    "description": "a sentence saying what the feed is about",
}


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
    value = simple_text(el, report)
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
        check_url(el, stripped, report)
    elif local in ("pubDate", "lastBuildDate"):
        check_date(el, value, report)
    elif local in CONTACTS:
        check_contact(el, value, report)
    elif local == "language" and language_problem(stripped) is not None:
        report.error("invalid-language", f"<language> {language_problem(stripped)}", el.sourceline)
    elif local == "ttl" and not (stripped.isdigit() and int(stripped) > 0):
        report.error(
            "invalid-value",
            f"<ttl> {stripped!r} must be a positive whole number of minutes",
            el.sourceline,
        )


def _sub_elements(
    el: Element, allowed: frozenset[str], required: tuple[str, ...], report: Report
) -> dict[str, Element]:
    found: dict[str, Element] = {}
    parent = name_of(el)
    no_text(el, report)
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
            check_url(found[name], text(found[name]).strip(), report, f"<image>'s <{name}>")
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
        check_url(found["link"], text(found["link"]).strip(), report, "<textInput>'s <link>")


def _cloud(el: Element, report: Report) -> None:
    no_text(el, report)
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


def _skip(el: Element, unit: str, report: Report) -> None:
    seen: set[str] = set()
    parent = name_of(el)
    no_text(el, report)
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
    check_url(el, href, report, "<atom:link> href", full=False)
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

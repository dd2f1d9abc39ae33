"""An Atom 1.0 tree in, problems out: the rules of RFC 4287 (section numbers cited inline)."""

from __future__ import annotations

import base64
import binascii
from collections import Counter
from datetime import datetime

from feedpub.validate import attributes, extensions, pitfalls
from feedpub.validate.common import (
    ATOM,
    XHTML,
    Element,
    children,
    has_child_elements,
    name_of,
    split,
    stray_text,
    text,
)
from feedpub.validate.dates import parse_rfc3339
from feedpub.validate.ext import IN_ATOM
from feedpub.validate.languages import language_problem
from feedpub.validate.linkrels import REGISTERED_RELS
from feedpub.validate.report import Report
from feedpub.validate.uris import URI_CODES, check_uri, uri_problem
from feedpub.validate.urls import is_email, is_mime_type, url_problem

OLD_ATOM = "http://purl.org/atom/ns#"
FEED_ONCE = ("generator", "icon", "id", "logo", "rights", "subtitle", "title", "updated")
FEED_MANY = ("author", "category", "contributor", "link", "entry")
ENTRY_ONCE = ("content", "id", "published", "rights", "source", "summary", "title", "updated")
ENTRY_MANY = ("author", "category", "contributor", "link")
SOURCE_ELEMENTS = frozenset(FEED_ONCE + FEED_MANY) - {"entry"}
_DECLARE_HTML = 'escape it and declare type="html", or write plain text'
TEXT_CONSTRUCTS = frozenset({"title", "subtitle", "summary", "rights"})
PERSON_CONSTRUCTS = frozenset({"author", "contributor"})
DATE_CONSTRUCTS = frozenset({"updated", "published"})


def check(root: Element, size: int, report: Report) -> None:
    """Every Atom 1.0 rule feedpub knows, from the root down."""
    ns, local = split(root.tag)
    if ns == OLD_ATOM:
        report.error(
            "wrong-namespace",
            f'<{local}> is in the Atom 0.3 namespace; Atom 1.0 uses xmlns="{ATOM}"',
            root.sourceline,
        )
        return
    if local == "entry" and ns == ATOM:
        _entry_document(root, size, report)
        return
    if local != "feed" or ns != ATOM:
        if local in ("feed", "entry"):
            report.error(
                "wrong-namespace",
                f'<{local}> is not in the Atom namespace; write <{local} xmlns="{ATOM}">',
                root.sourceline,
            )
        else:
            report.error(
                "wrong-root",
                f"the root element is <{name_of(root)}>; an Atom document "
                f'starts with <feed xmlns="{ATOM}"> or <entry xmlns="{ATOM}">',
                root.sourceline,
            )
        return
    attributes.check_atom(root, report)
    found = _container(root, "feed", FEED_ONCE, FEED_MANY, report)
    entries = found.get("entry", [])
    for required in ("id", "title", "updated"):
        if required not in found:
            report.error("missing-element", f"<feed> has no <{required}>; add one", root.sourceline)
    links = found.get("link", [])
    _alternates(links, report)
    self_links = [el for el in links if el.get("rel") == "self"]
    if not self_links:
        report.warning(
            "missing-self-link",
            '<feed> has no <link rel="self">; add one with the '
            'feed\'s own URL and type="application/atom+xml"',
            root.sourceline,
        )
    for el in self_links:
        kind = el.get("type")
        if kind is not None and kind != "application/atom+xml":
            report.warning(
                "self-link-type",
                f'<link rel="self"> has type {kind!r}; an Atom '
                'feed\'s self link has type="application/atom+xml"',
                el.sourceline,
            )
    # RFC 4287 §4.1.1: the feed needs an author only when some entry lacks one.
    feed_has_author = "author" in found
    ids: dict[tuple[str, str], int | None] = {}
    id_pairs: list[tuple[str, str, int | None]] = []
    for entry in entries:
        _entry(entry, feed_has_author, ids, id_pairs, report)
    _all_ids_equal(entries, report)
    pitfalls.check_ids(report, id_pairs)
    pitfalls.check_size(report, size, len(entries))
    extensions.check(root, IN_ATOM, report)


def _entry_document(root: Element, size: int, report: Report) -> None:
    """RFC 4287 §4.1.2: an Atom Entry Document is one <entry> as the root, checked as such."""
    attributes.check_atom(root, report)
    _entry(root, False, {}, [], report)
    pitfalls.check_size(report, size, 1)
    extensions.check(root, IN_ATOM, report)


def _all_ids_equal(entries: list[Element], report: Report) -> None:
    """Ten or more entries sharing one id: the feed's producer fills in a constant."""
    if len(entries) < 10:
        return
    ids = {(e.findtext(f"{{{ATOM}}}id") or "").strip() for e in entries}
    if len(ids) == 1:
        report.error(
            "duplicate-ids",
            f"all {len(entries)} entries have the same <id>; give each entry its own",
            entries[-1].sourceline,
        )


def _container(
    el: Element, parent: str, once: tuple[str, ...], many: tuple[str, ...], report: Report
) -> dict[str, list[Element]]:
    """Check the Atom children of a feed, entry or source; return them by name."""
    found: dict[str, list[Element]] = {}
    entry_seen = False
    line = stray_text(el)
    if line is not None:
        report.error(
            "unexpected-text", f"there is text directly inside <{parent}>; remove it", line
        )
    for child in children(el):
        ns, local = split(child.tag)
        if ns != ATOM:
            if ns == "" and ":" not in local:
                # RFC 4287 §6.4: foreign markup in no namespace is allowed, but no reader
                # can tell which vocabulary it belongs to.
                report.warning(
                    "undeterminable-vocabulary",
                    f"<{local}> is in no namespace, so readers cannot tell what it means; "
                    "put extension elements in their own namespace",
                    child.sourceline,
                )
            continue
        if local not in once and local not in many:
            known = local in ENTRY_ONCE or local in FEED_ONCE or local in FEED_MANY
            code = "misplaced-element" if known else "unknown-element"
            report.error(
                code,
                f"<{local}> is not allowed in <{parent}>"
                + ("; move it" if known else "; it is not an Atom element"),
                child.sourceline,
            )
            continue
        if local == "entry":
            entry_seen = True
        elif entry_seen:
            # RFC 4287 §4.1.1 lists feed metadata first; readers stop looking at the first entry.
            report.error(
                "misplaced-metadata",
                f"<{local}> comes after the first <entry>; move the feed's metadata before the "
                "entries",
                child.sourceline,
            )
        same = found.setdefault(local, [])
        same.append(child)
        if local in once and len(same) == 2:
            report.error(
                "duplicate-element",
                f"<{parent}> has more than one <{local}>; keep one",
                child.sourceline,
            )
        if local != "entry":
            _element(child, local, parent, report)
    return found


def _element(el: Element, local: str, parent: str, report: Report) -> None:
    if local in TEXT_CONSTRUCTS:
        _text_construct(el, local, parent, report)
    elif local in PERSON_CONSTRUCTS:
        _person(el, report)
    elif local in DATE_CONSTRUCTS:
        _date(el, report)
    elif local == "id":
        value = _plain(el, report, no_space=True)
        if value is not None:
            problem = uri_problem(value, full=True)
            if problem is not None:
                # RFC 4287 §4.2.6: an id is an absolute IRI.
                code = URI_CODES[problem[0]]
                if code in ("relative-url", "invalid-url"):
                    code = "invalid-iri"
                report.error(code, f"<id> {problem[1]}", el.sourceline)
    elif local == "link":
        _link(el, report)
    elif local == "category":
        if el.get("term") is None:
            report.error(
                "missing-attribute", "<category> has no term attribute; add it", el.sourceline
            )
        scheme = el.get("scheme")
        if scheme is not None:
            check_uri(report, scheme, el.sourceline, "<category> scheme", full=False)
    elif local in ("icon", "logo"):
        value = _plain(el, report, no_space=True)
        if value is not None:
            check_uri(report, value, el.sourceline, f"<{local}>", full=False)
    elif local == "generator":
        _plain(el, report)
        uri = el.get("uri")
        if uri is not None:
            check_uri(report, uri, el.sourceline, "<generator> uri", full=False)
    elif local == "content":
        _content(el, report)
    elif local == "source":
        _container(el, "source", FEED_ONCE, FEED_MANY[:-1], report)


def _plain(el: Element, report: Report, *, no_space: bool = False) -> str | None:
    """Text of an element that must not contain child elements (RFC 4287 §3).

    With ``no_space``, leading or trailing white space is an error: ids, dates and IRIs are
    compared as strings, so " x" and "x" differ (RFC 4287 §4.2.6.1).
    """
    if has_child_elements(el):
        report.error(
            "unexpected-child-element",
            f"<{name_of(el)}> must hold only text; remove the child elements",
            el.sourceline,
        )
        return None
    value = text(el)
    stripped = value.strip()
    if no_space and value != stripped:
        report.error(
            "unexpected-whitespace",
            f"<{name_of(el)}> has white space around its value; remove it",
            el.sourceline,
        )
    return stripped


def _date(el: Element, report: Report) -> datetime | None:
    value = _plain(el, report, no_space=True)
    if value is None:
        return None
    parsed = parse_rfc3339(value)
    if parsed.error:
        report.error(parsed.code, f"<{name_of(el)}>: {parsed.error}", el.sourceline)
    pitfalls.check_future(report, parsed.value, el.sourceline, f"<{name_of(el)}>")
    return parsed.value


def _text_construct(el: Element, local: str, parent: str, report: Report) -> None:
    """RFC 4287 §3.1: type is text, html or xhtml; text and html hold no child elements."""
    kind = el.get("type", "text")
    where = f"<{parent}>'s <{local}>"
    if kind not in ("text", "html", "xhtml"):
        report.error(
            "invalid-type",
            f"{where} has type={kind!r}; use 'text', 'html' or 'xhtml'",
            el.sourceline,
        )
        return
    if kind == "xhtml":
        _xhtml_div(el, where, report)
        return
    if has_child_elements(el):
        report.error(
            "unescaped-markup",
            f'{where} has type="{kind}" but contains child '
            'elements; escape the markup or use type="xhtml" with a <div>',
            el.sourceline,
        )
        return
    value = text(el)
    if local == "title" and not value.strip():
        report.warning("empty-element", f"{where} is empty; fill it in", el.sourceline)
    if kind == "text" and local == "title":
        pitfalls.check_title_text(report, value, el.sourceline, where)
    elif kind == "text":
        pitfalls.check_plain_text(report, value, el.sourceline, where, _DECLARE_HTML)
    if kind == "html":
        pitfalls.check_html(report, value, el.sourceline, where, has_base=_has_base(el))


def _xhtml_div(el: Element, where: str, report: Report) -> None:
    """RFC 4287 §3.1.1.3: xhtml content is exactly one xhtml:div wrapping the markup."""
    kids = children(el)
    loose_text = (el.text or "").strip() or any((c.tail or "").strip() for c in kids)
    if len(kids) != 1 or kids[0].tag != f"{{{XHTML}}}div" or loose_text:
        report.error(
            "missing-xhtml-div",
            f'{where} has type="xhtml", so it must contain '
            f'exactly one <div xmlns="{XHTML}"> wrapping the markup',
            el.sourceline,
        )


def _has_base(el: Element) -> bool:
    base = el.base
    return bool(base) and url_problem(base) is None


def _person(el: Element, report: Report) -> None:
    """RFC 4287 §3.2: exactly one name; at most one uri (an IRI) and one email (addr-spec)."""
    counts: Counter[str] = Counter()
    local_name = split(el.tag)[1]
    for child in children(el):
        ns, local = split(child.tag)
        if ns != ATOM:
            continue
        if local not in ("name", "uri", "email"):
            report.error(
                "unknown-element",
                f"<{local}> is not allowed in <{local_name}>; use <name>, <uri> or <email>",
                child.sourceline,
            )
            continue
        counts[local] += 1
        if counts[local] == 2:
            report.error(
                "duplicate-element",
                f"<{local_name}> has more than one <{local}>; keep one",
                child.sourceline,
            )
        value = _plain(child, report, no_space=local == "uri")
        if value is None:
            continue
        if local == "email" and not is_email(value):
            report.error(
                "invalid-email", f"<email> {value!r} is not an e-mail address", child.sourceline
            )
        elif local == "uri":
            check_uri(report, value, child.sourceline, "<uri>", full=False)
        elif local == "name":
            pitfalls.check_plain_text(report, value, child.sourceline, f"<{local_name}>'s <name>")
    if not counts["name"]:
        report.error("missing-element", f"<{local_name}> has no <name>; add one", el.sourceline)


def _link(el: Element, report: Report) -> None:
    """RFC 4287 §4.2.7: href required; type a MIME type; hreflang a language; length a number."""
    href = el.get("href")
    if href is None:
        report.error(
            "missing-attribute", "<link> has no href attribute; add the URL", el.sourceline
        )
    else:
        check_uri(report, href, el.sourceline, "<link> href", full=False)
    rel = el.get("rel")
    if rel is not None and rel not in REGISTERED_RELS and url_problem(rel) is not None:
        report.warning(
            "unregistered-rel",
            f"<link> rel={rel!r} is neither a registered relation "
            "nor a full URL; readers ignore it",
            el.sourceline,
        )
    lang = el.get("hreflang")
    if lang is not None and language_problem(lang) is not None:
        report.error("invalid-language", f"<link> hreflang {language_problem(lang)}", el.sourceline)
    attributes.check_length_and_type(el, report, "text/html")


def _alternates(links: list[Element], report: Report) -> None:
    """RFC 4287 §4.1.1/§4.1.2: one alternate link per (type, hreflang) combination."""
    seen: set[tuple[str | None, str | None]] = set()
    for el in links:
        if (el.get("rel") or "alternate") != "alternate":
            continue
        key = (el.get("type"), el.get("hreflang"))
        if key in seen:
            report.error(
                "duplicate-alternate",
                'there is already a <link rel="alternate"> '
                "with the same type and hreflang; keep one",
                el.sourceline,
            )
        seen.add(key)


def _is_xml_type(kind: str) -> bool:
    base = kind.split(";")[0].strip().lower()
    return base.endswith(("+xml", "/xml"))


def _content(el: Element, report: Report) -> None:
    """RFC 4287 §4.1.3: type and src rules for atom:content."""
    kind = el.get("type", "text")
    src = el.get("src")
    if src is not None and (el.get("type") is None or kind in ("text", "html", "xhtml")):
        # RFC 4287 §4.1.3.1: with src, type SHOULD be given, as a MIME type.
        report.warning(
            "src-content-type",
            "<content> with src should say what it links to with a MIME type, "
            'such as type="text/html"',
            el.sourceline,
        )
    if kind in ("text", "html", "xhtml"):
        if src is not None:
            _src(el, src, report)
        elif kind == "xhtml":
            _xhtml_div(el, "<content>", report)
        elif has_child_elements(el):
            report.error(
                "unescaped-markup",
                f'<content type="{kind}"> contains child '
                'elements; escape the markup or use type="xhtml" with a <div>',
                el.sourceline,
            )
        elif kind == "html":
            pitfalls.check_html(
                report, text(el), el.sourceline, "<content>", has_base=_has_base(el)
            )
        else:
            pitfalls.check_plain_text(report, text(el), el.sourceline, "<content>", _DECLARE_HTML)
        return
    if not is_mime_type(kind) or kind.split("/")[0].lower() in ("multipart", "message"):
        report.error(
            "invalid-type",
            f"<content> type={kind!r} must be 'text', 'html', 'xhtml' "
            "or a MIME type that is not composite",
            el.sourceline,
        )
        return
    if src is not None:
        _src(el, src, report)
    elif not (_is_xml_type(kind) or kind.lower().startswith("text/")):
        # RFC 4287 §4.1.3.3 (item 6): other types are carried Base64-encoded.
        try:
            base64.decodebytes((el.text or "").encode("ascii"))
        except (ValueError, binascii.Error):
            report.error(
                "not-base64",
                f"<content type={kind!r}> must hold Base64-encoded data; encode it",
                el.sourceline,
            )


def _src(el: Element, src: str, report: Report) -> None:
    """RFC 4287 §4.1.3.2: content with src is empty; src is an IRI reference."""
    if (el.text or "").strip() or has_child_elements(el):
        report.error(
            "content-not-empty",
            "<content> with src must be empty; move the text into <summary>",
            el.sourceline,
        )
    check_uri(report, src, el.sourceline, "<content> src", full=False)


def _needs_summary(content: Element) -> bool:
    """RFC 4287 §4.1.1.1: summary is required for src content and base64 (non-text) content."""
    if content.get("src") is not None:
        return True
    kind = content.get("type", "text")
    if kind in ("text", "html", "xhtml") or not is_mime_type(kind):
        return False
    return not (_is_xml_type(kind) or kind.lower().startswith("text/"))


def _entry(
    entry: Element,
    feed_has_author: bool,
    ids: dict[tuple[str, str], int | None],
    id_pairs: list[tuple[str, str, int | None]],
    report: Report,
) -> None:
    found = _container(entry, "entry", ENTRY_ONCE, ENTRY_MANY, report)
    for required in ("id", "title", "updated"):
        if required not in found:
            report.error(
                "missing-element", f"<entry> has no <{required}>; add one", entry.sourceline
            )
    if not feed_has_author and "author" not in found:
        source = found.get("source", [])
        if not any(s.find(f"{{{ATOM}}}author") is not None for s in source):
            report.error(
                "missing-author",
                "<entry> has no <author>; add one"
                if entry.getparent() is None
                else "<entry> has no <author> and neither does <feed>; add "
                "one to the feed or to every entry",
                entry.sourceline,
            )
    links = found.get("link", [])
    _alternates(links, report)
    contents = found.get("content", [])
    if not contents and not any((el.get("rel") or "alternate") == "alternate" for el in links):
        report.error(
            "missing-alternate",
            "<entry> has neither <content> nor <link "
            'rel="alternate">; add the entry\'s URL as a link',
            entry.sourceline,
        )
    if contents and _needs_summary(contents[0]) and "summary" not in found:
        report.error(
            "missing-summary",
            "<entry>'s <content> has src or a non-text type, so a <summary> is required; add one",
            entry.sourceline,
        )
    id_el = found.get("id", [None])[0]
    if id_el is None or has_child_elements(id_el):
        return
    entry_id = text(id_el).strip()
    updated_el = found.get("updated", [None])[0]
    updated = text(updated_el).strip() if updated_el is not None else ""
    key = (entry_id, updated)
    if key in ids:
        report.warning(
            "duplicate-id",
            f"<id> {entry_id!r} with the same <updated> is also used "
            f"by the entry on line {ids[key]}; give every entry its own id",
            id_el.sourceline,
        )
    else:
        ids[key] = id_el.sourceline
    alternate = _alternate_href(links)
    if alternate:
        id_pairs.append((alternate, entry_id, id_el.sourceline))


def _alternate_href(links: list[Element]) -> str | None:
    for el in links:
        if (el.get("rel") or "alternate") == "alternate" and el.get("href"):
            return (el.get("href") or "").strip()
    return None


def id_map(root: Element) -> dict[str, str]:
    """Entry alternate link → id for every entry that has both."""
    result: dict[str, str] = {}
    for entry in root.iterfind(f"{{{ATOM}}}entry"):
        entry_id = entry.findtext(f"{{{ATOM}}}id")
        href = _alternate_href(entry.findall(f"{{{ATOM}}}link"))
        if href and entry_id and entry_id.strip():
            result[href] = entry_id.strip()
    return result

"""An RSS or Atom tree in, problems with its attributes out: unexpected ones, xml:lang, xml:base.

RSS 2.0 defines a closed set of attributes per element; RFC 4287 §6.4 lets Atom carry foreign
attributes only in a namespace (``undefinedAttribute`` excludes un-prefixed names). Attributes
in other namespaces are extensions and are left alone.
"""

from __future__ import annotations

from collections.abc import Iterable

from feedpub.validate.common import ATOM, Element, name_of, split
from feedpub.validate.languages import language_problem
from feedpub.validate.report import Report
from feedpub.validate.uris import check_uri
from feedpub.validate.urls import is_mime_type

XML_NS = "http://www.w3.org/XML/1998/namespace"
_LANG = f"{{{XML_NS}}}lang"
_BASE = f"{{{XML_NS}}}base"

RSS_ATTRIBUTES: dict[str, frozenset[str]] = {
    "rss": frozenset({"version"}),
    "guid": frozenset({"isPermaLink"}),
    "enclosure": frozenset({"url", "length", "type"}),
    "source": frozenset({"url"}),
    "category": frozenset({"domain"}),
    "cloud": frozenset({"domain", "port", "path", "registerProcedure", "protocol"}),
}
_TEXT = frozenset({"type"})
ATOM_ATTRIBUTES: dict[str, frozenset[str]] = {
    "link": frozenset({"href", "rel", "type", "hreflang", "title", "length"}),
    "category": frozenset({"term", "scheme", "label"}),
    "content": frozenset({"type", "src"}),
    "title": _TEXT,
    "subtitle": _TEXT,
    "summary": _TEXT,
    "rights": _TEXT,
    "generator": frozenset({"uri", "version"}),
}
_NONE: frozenset[str] = frozenset()
# Containers whose children are core elements too (their attributes are checked as well).
_RSS_CONTAINERS = frozenset({"channel", "item", "image", "textInput", "skipHours", "skipDays"})
_ATOM_CONTAINERS = frozenset({"entry", "source", "author", "contributor"})


def check_rss(root: Element, report: Report) -> None:
    """Attributes of <rss> and every RSS element below it (not of extension elements)."""
    for el in _core(root, "", _RSS_CONTAINERS):
        _attributes(el, RSS_ATTRIBUTES.get(split(el.tag)[1], _NONE), report)


def check_atom(root: Element, report: Report) -> None:
    """Attributes of <feed> (or <entry>) and every Atom element below it."""
    for el in _core(root, ATOM, _ATOM_CONTAINERS):
        _attributes(el, ATOM_ATTRIBUTES.get(split(el.tag)[1], _NONE), report)


def _core(root: Element, ns: str, containers: frozenset[str]) -> Iterable[Element]:
    """The root and the core elements below core containers that have attributes at all.

    Most elements have none, so XPath (in C) picks the few that do; each is then kept when
    every element between it and the root is a core container.
    """
    for el in root.xpath("descendant-or-self::*[@*]"):
        parent = el.getparent()
        if parent is None:
            yield el
            continue
        if split(el.tag)[0] != ns:
            continue
        while parent.getparent() is not None:
            pns, plocal = split(parent.tag)
            if pns != ns or plocal not in containers:
                break
            parent = parent.getparent()
        else:
            yield el


def _attributes(el: Element, allowed: frozenset[str], report: Report) -> None:
    for name, value in el.attrib.items():
        if name[0] != "{":
            if name not in allowed:
                report.error(
                    "unexpected-attribute",
                    f"<{name_of(el)}> has an attribute {name!r} its spec does not define; "
                    "remove it or put it in a namespace",
                    el.sourceline,
                )
        elif name == _LANG:
            problem = language_problem(value) if value else None
            if problem is not None:
                report.error(
                    "invalid-language", f"<{name_of(el)}> xml:lang {problem}", el.sourceline
                )
        elif name == _BASE:
            check_uri(report, value, el.sourceline, f"<{name_of(el)}> xml:base", full=False)


def check_length_and_type(el: Element, report: Report, example_type: str) -> None:
    """``length`` a whole number of bytes and ``type`` a MIME type: Atom's <link> (RFC 4287
    §4.2.7) and RSS's <enclosure> (RSS 2.0) say the same of both."""
    name = name_of(el)
    length = el.get("length")
    if length is not None and not length.strip().isdigit():
        report.error(
            "invalid-attribute-value",
            f"<{name}> length {length!r} must be the size in bytes, a whole number",
            el.sourceline,
        )
    kind = el.get("type")
    if kind is not None and not is_mime_type(kind):
        report.error(
            "invalid-attribute-value",
            f"<{name}> type {kind!r} must be a MIME type like {example_type!r}",
            el.sourceline,
        )

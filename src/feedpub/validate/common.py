"""Helpers shared by the RSS and Atom checks: namespaces, element names and text."""

from __future__ import annotations

from typing import Any

ATOM = "http://www.w3.org/2005/Atom"
XHTML = "http://www.w3.org/1999/xhtml"
CONTENT = "http://purl.org/rss/1.0/modules/content/"
DC = "http://purl.org/dc/elements/1.1/"
XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"

Element = Any  # lxml ships no usable type stubs


def split(tag: str) -> tuple[str, str]:
    """``{ns}local`` → (ns, local); no namespace gives ("", local)."""
    if tag[0] == "{":
        ns, _, local = tag[1:].partition("}")
        return ns, local
    return "", tag


def children(el: Element) -> list[Element]:
    """Child elements, without comments, processing instructions and entity references."""
    return [c for c in el if isinstance(c.tag, str)]


def text(el: Element) -> str:
    return el.text or ""


def has_child_elements(el: Element) -> bool:
    return any(isinstance(c.tag, str) for c in el)


def stray_text(el: Element) -> int | None:
    """The line of non-whitespace text directly inside a container element, if any."""
    line: int | None = None
    if el.text and el.text.strip():
        line = el.sourceline
    else:
        for c in el:
            if c.tail and c.tail.strip():
                line = c.sourceline
                break
    return line


def name_of(el: Element) -> str:
    """The element's name as written (prefix:local), for messages."""
    local = split(el.tag)[1]
    prefix: str | None = el.prefix
    return f"{prefix}:{local}" if prefix else local

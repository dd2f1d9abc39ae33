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
    if el.text and el.text.strip():
        return _text_line(el.text, el[0] if len(el) else None, el)
    for c in el:
        if c.tail and c.tail.strip():
            return _text_line(c.tail, c.getnext(), c)
    return None


def _text_line(value: str, following: Element | None, before: Element) -> int | None:
    """Where stray text starts: counted back from the next element, else the previous one."""
    if following is not None:
        start = len(value) - len(value.lstrip())
        line: int | None = following.sourceline - value[start:].count("\n")
        return line
    start = len(value) - len(value.lstrip())
    fallback: int | None = before.sourceline + value[:start].count("\n")
    return fallback


def name_of(el: Element) -> str:
    """The element's name as written (prefix:local), for messages."""
    local = split(el.tag)[1]
    prefix: str | None = el.prefix
    return f"{prefix}:{local}" if prefix else local

"""URL, e-mail and MIME type strings in, a verdict (None when fine) out (IRIs and URIs: uris.py)."""

from __future__ import annotations

import re
from email.utils import getaddresses
from urllib.parse import unquote

_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")
# RFC 3986 §2: characters that never appear unescaped in a URI (IRIs add non-ASCII ones).
_BAD_CHARS = re.compile(r"[\s<>\"{}|\\^`\x00-\x1f\x7f]")
# RFC 5322 addr-spec, loosely: a local part, "@", and a domain of one or more labels (a
# single-label domain such as "jane@example" is syntactically valid).
_EMAIL = re.compile(r"[^\s@()<>,;:\"\[\]]+@[\w\-]+(?:\.[\w\-]+)*")
_MIME = re.compile(r"[A-Za-z0-9][\w!#$&^.+-]*/[A-Za-z0-9][\w!#$&^.+-]*(?:\s*;.*)?")


def url_problem(value: str, *, absolute: bool = True) -> str | None:
    """Why ``value`` is not a usable (absolute, when asked) URL, or None.

    An empty relative reference is a same-document reference (RFC 3986 §4.4): fine.
    """
    text = value.strip()
    if not text:
        return "is empty; give a full URL" if absolute else None
    if _BAD_CHARS.search(text):
        return f"{text!r} contains spaces or characters that must be percent-encoded"
    if _SCHEME.match(text) is None:
        return f"{text!r} is relative; give a full URL starting with https://" if absolute else None
    scheme = text.split(":", 1)[0].lower()
    if scheme in ("http", "https") and not re.match(r"[A-Za-z]+://[^/?#]+", text):
        return f"{text!r} has no host; give a full URL like https://example.org/"
    return None


def is_email(value: str) -> bool:
    return _EMAIL.fullmatch(value.strip()) is not None


def is_rss_contact(value: str) -> bool:
    """RSS 2.0 author/managingEditor/webMaster: something that holds an e-mail address.

    The spec asks for ``address (Name)``; the RSS Advisory Board profile and readers accept
    ``Name <address>``, ``address, Name`` and RFC 2368 ``mailto:`` URLs (with ``?subject=…``)
    too, so only a value with no address in it at all is wrong.
    """
    text = value.strip()
    if text[:7].lower() == "mailto:":
        text = unquote(text[7:]).split("?", 1)[0]
    if "@" not in text:
        return False
    if not text.endswith(")"):
        return True
    # "address (Name)": the part before the comment must be an address.
    return any(is_email(addr) for _, addr in getaddresses([text]))


def is_mime_type(value: str) -> bool:
    return _MIME.fullmatch(value.strip()) is not None

"""A URI or IRI reference in, a (code, message) verdict out: RFC 3986/3987, URN, UUID and tag: URIs.

RSS 2.0 predates IRIs, so its links are URIs (RFC 2396/3986: ASCII only); Atom's are IRIs
(RFC 3987), which may hold non-ASCII characters. A "full" reference must be absolute.
"""

from __future__ import annotations

import re

from feedpub.validate.report import Report

_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*):")
# RFC 3986 §2: the ASCII characters a URI may hold unescaped (plus "#" for the fragment);
# any other ASCII character must be percent-encoded. Non-ASCII ones are IRI characters.
_BAD_ASCII = re.compile(r"[^0-9A-Za-z;/?:@&=+$.\-_!~*'()%,#\x80-\U0010ffff]")
# An IPv6 literal host (RFC 3986 §3.2.2), the one place "[" and "]" are allowed.
_IPV6_HOST = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://\[[0-9A-Fa-f:.]+\]")
# RFC 4122 §3: urn:uuid: then 8-4-4-4-12 hexadecimal digits.
_UUID = re.compile(r"urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)
# RFC 8141 §2 (RFC 2141): urn:NID:NSS, NID of 2-32 letters, digits and hyphens.
_URN = re.compile(
    r"urn:[A-Za-z0-9][A-Za-z0-9\-]{1,31}:(?:[A-Za-z0-9()+,\-.:=@;$_!*'/?#~&]|%[0-9A-Fa-f]{2})+",
    re.I,
)
# RFC 4151 §2.1: tag:authority,date:specific[#fragment]; the authority is a lower-case DNS
# name or an e-mail address, the date YYYY[-MM[-DD]].
_TAG = re.compile(
    r"tag:(?:[a-z0-9\-._]+@)?[a-z0-9.\-]+,\d{4}(?:-\d{2}(?:-\d{2})?)?"
    r":[0-9A-Za-z;/?:@&=+$.\-_!~*'()%,\x80-\U0010ffff]*(?:#[0-9A-Za-z;/?:@&=+$.\-_!~*'()%,]*)?"
)
_HOST = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://[^/?#\s]")

# What is wrong with a reference (the first item ``uri_problem`` returns) → the problem code.
URI_CODES = {
    "empty": "invalid-url",
    "nothing": "invalid-url",
    "host": "invalid-url",
    "relative": "relative-url",
    "char": "invalid-uri-char",
    "not-ascii": "uri-not-iri",
    "tag": "invalid-tag-uri",
    "uuid": "invalid-uuid",
    "urn": "invalid-urn",
}


def uri_problem(value: str, *, full: bool, iri: bool = True) -> tuple[str, str] | None:
    """(what, why) when ``value`` is not a valid reference of the kind asked for, else None.

    ``what`` is a key of URI_CODES; ``why`` completes a sentence naming the value's place.
    """
    if not value:
        return ("empty", "is empty; give a full URL") if full else None
    m = _SCHEME.match(value)
    scheme = m.group(1).lower() if m else ""
    if scheme == "tag":
        if _TAG.fullmatch(value):
            return None
        return (
            "tag",
            f"{value!r} is not a tag: URI (RFC 4151); write tag:example.org,2025:name "
            "with a lower-case authority and a date",
        )
    if scheme == "urn":
        if value[:9].lower() == "urn:uuid:":
            if _UUID.fullmatch(value):
                return None
            return (
                "uuid",
                f"{value!r} is not a UUID URN; write urn:uuid: and 32 hexadecimal digits "
                "as 8-4-4-4-12",
            )
        if _URN.fullmatch(value):
            return None
        return ("urn", f"{value!r} is not a URN (RFC 8141); write urn:namespace:name")
    bad = _BAD_ASCII.search(value)
    if bad is not None and bad.group() in "[]":
        host = _IPV6_HOST.match(value)
        bad = _BAD_ASCII.search(value, host.end()) if host else bad
    if bad is not None:
        char = bad.group()
        return (
            "char",
            f"{value!r} contains {char!r}, which is not allowed in a URI; percent-encode it",
        )
    if not iri and not value.isascii():
        return (
            "not-ascii",
            f"{value!r} contains non-ASCII characters, which RSS links cannot hold; "
            "percent-encode them (and write the host in punycode)",
        )
    if full and not scheme:
        return ("relative", f"{value!r} is relative; give a full URL starting with https://")
    if full and len(value) == len(scheme) + 1:
        return ("nothing", f"{value!r} has nothing after the scheme; give a full URL")
    if scheme in ("http", "https", "ftp") and not _HOST.match(value):
        return ("host", f"{value!r} has no host; give a full URL like https://example.org/")
    return None


def check_uri(
    report: Report, value: str, line: int | None, what: str, *, full: bool, iri: bool = True
) -> bool:
    """Report what is wrong with ``value`` (an error) as ``what``; True when it is fine."""
    problem = uri_problem(value, full=full, iri=iri)
    if problem is None:
        return True
    code = URI_CODES[problem[0]]
    report.error(code, f"{what} {problem[1]}", line)
    return False

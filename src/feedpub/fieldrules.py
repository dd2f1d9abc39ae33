"""A field's value in, why it cannot be published (None when it can) out: URLs, dates and ids.

The loader asks these at load, so a value the build gate would reject in ``public/…`` is
reported at the entry's line instead. URLs are held to the validator's own rules
(feedpub.validate.uris and .urls) for the strictest place the field is written: an RSS link
must be ASCII, Atom and JSON Feed take IRIs. Dates must fit RSS (RFC 5322 §3.3: years from
1900) and Atom (RFC 3339: four-digit years) in their own zone and in UTC. Ids name files and
folders of the output, so they avoid the names Windows reserves.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from urllib.parse import urlsplit

from feedpub.validate.uris import uri_problem
from feedpub.validate.urls import url_problem

# RFC 5322 §3.3 (RSS dates): "any numeric year 1900 or later"; four digits (RFC 3339, Atom).
FIRST_YEAR, LAST_YEAR = 1900, 9999
# Windows refuses these as file names, with any extension and in any case.
RESERVED_NAMES = frozenset(
    {"CON", "PRN", "AUX", "NUL"}
    | {f"COM{n}" for n in range(1, 10)}
    | {f"LPT{n}" for n in range(1, 10)}
)
_PORT = re.compile(r":([^:]*)$")


def link_problem(value: str, *, ascii_only: bool, absolute: bool = True) -> str | None:
    """Why a URL field cannot be written into every feed that carries it, or None.

    ``ascii_only``: the field also becomes an RSS link (a URI, RFC 2396: ASCII only).
    ``absolute=False``: a path relative to base_url is fine (it is made absolute).
    """
    text = value.strip()
    problem = uri_problem(text, full=absolute, iri=not ascii_only)
    if problem is not None:
        return problem[1]
    why = url_problem(text, absolute=absolute)
    if why is not None:
        return why
    parts = urlsplit(text)
    if parts.scheme in ("http", "https"):
        try:
            parts.port  # noqa: B018 - urllib checks the port when asked for it
        except ValueError:
            port = _PORT.search(parts.netloc.rsplit("]", 1)[-1])
            shown = port.group(1) if port else parts.netloc
            return f"{text!r} has the port {shown!r}; a port is a number from 1 to 65535"
        if parts.port == 0:
            return f"{text!r} has the port '0'; a port is a number from 1 to 65535"
    return None


def base_url_problem(value: str) -> str | None:
    """Why ``value`` cannot be the start of every link of the site, or None.

    It must be a link RSS can hold, with no user name or password (they would be published
    in every link), no query and no fragment (every link is built by appending a path).
    The message never repeats a user name, password or query: they may be secrets.
    """
    text = value.strip()
    parts = urlsplit(text)
    if "@" in parts.netloc:
        return (
            "must not hold a user name or password (before '@'): they would be published in "
            "every link; remove them"
        )
    if parts.query or "?" in text:
        return (
            "must not have a query ('?…'): every link is built by appending a path to it; "
            "remove the query"
        )
    problem = link_problem(text, ascii_only=True)
    if problem is not None:
        return problem
    if parts.fragment or "#" in text:
        return (
            f"must not have a fragment ('#{parts.fragment}'): every link is built by appending "
            "a path to it; remove the fragment"
        )
    return None


def date_problem(moment: datetime) -> str | None:
    """Why RSS or Atom cannot carry ``moment`` (an aware datetime), or None."""
    try:
        years = (moment.year, moment.astimezone(UTC).year)
    except OverflowError:
        years = (moment.year, LAST_YEAR + 1 if moment.year == LAST_YEAR else FIRST_YEAR - 1)
    if all(FIRST_YEAR <= year <= LAST_YEAR for year in years):
        return None
    return (
        f"{moment.isoformat()} is outside the years {FIRST_YEAR}–{LAST_YEAR} (in its own time "
        "zone and in UTC) that RSS (RFC 5322) and Atom (RFC 3339) dates can hold"
    )


def id_problem(value: str) -> str | None:
    """What ``value`` is when it cannot name an output file on every common system, or None."""
    if value.split(".", 1)[0].upper() in RESERVED_NAMES:
        return (
            "a file name Windows reserves (CON, PRN, AUX, NUL, COM1–COM9, LPT1–LPT9, with any "
            "extension): the output could not be checked out or synced there"
        )
    return None

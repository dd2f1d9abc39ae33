"""Date strings in, aware datetimes (or a reason they are wrong) out: RFC 822, RFC 3339, W3C-DTF."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

# RFC 822 §5.1 zones (US zones with their offsets in hours); single military letters too.
NAMED_ZONES = {
    "UT": 0,
    "GMT": 0,
    "EST": -5,
    "EDT": -4,
    "CST": -6,
    "CDT": -5,
    "MST": -7,
    "MDT": -6,
    "PST": -8,
    "PDT": -7,
    "Z": 0,
}

# RFC 822 §5.1: hours, minutes and seconds are two digits each; the zone is required, but a
# date without one is only "problematic" (W3C) since readers assume GMT.
_RFC822 = re.compile(
    r"\s*(?:(?P<dow>[A-Za-z]+)\s*,\s*)?(?P<day>\d{1,2})\s+(?P<mon>[A-Za-z]+)\s+(?P<year>\d+)"
    r"\s+(?P<h>\d{2}):(?P<m>\d{2})(?::(?P<s>\d{2}))?(?:\s+(?P<zone>[A-Za-z]+|[+-]\d{4}))?\s*"
)
# RFC 822 §3.4.3: comments in parentheses may appear between tokens (and nest).
_COMMENT = re.compile(r"\([^()]*\)")
_RFC3339 = re.compile(
    r"(?P<y>\d{4})-(?P<mo>\d{2})-(?P<d>\d{2})(?P<t>[Tt])(?P<h>\d{2}):(?P<mi>\d{2}):(?P<s>\d{2})"
    r"(?P<frac>\.\d+)?(?P<zone>[Zz]|[+-]\d{2}:\d{2})"
)
_W3CDTF = re.compile(
    r"(?P<y>\d{4})(?:-(?P<mo>\d{2})(?:-(?P<d>\d{2})(?:T(?P<h>\d{2}):(?P<mi>\d{2})"
    r"(?::(?P<s>\d{2})(?:\.\d+)?)?(?P<zone>Z|[+-]\d{2}:\d{2}))?)?)?"
)


@dataclass(frozen=True)
class Parsed:
    """A parse result: ``value`` when the string is usable, ``error``/``warning`` when not quite."""

    value: datetime | None
    error: str | None = None  # why the string breaks its spec
    warning: str | None = None  # legal but trouble for readers
    code: str = ""


def _build(
    year: int, month: int, day: int, hour: int, minute: int, second: int, offset_minutes: int
) -> datetime | None:
    second = min(second, 59)  # a leap second is legal; datetime cannot hold it
    try:
        return datetime(
            year,
            month,
            day,
            hour,
            minute,
            second,
            tzinfo=timezone(timedelta(minutes=offset_minutes)),
        )
    except ValueError:
        return None


def parse_rfc822(text: str) -> Parsed:
    """An RSS 2.0 date: RFC 822 §5 with four-digit years preferred (RSS 2.0 spec)."""
    warning = None
    if "(" in text:
        bare = text
        while True:
            stripped = _COMMENT.sub(" ", bare)
            if stripped == bare:
                break
            bare = stripped
        if bare != text:
            warning = "comments in a date confuse many readers; remove the text in parentheses"
        text = bare
    m = _RFC822.fullmatch(text)
    if m is None:
        return Parsed(
            None,
            f"{text.strip()!r} is not an RFC 822 date; write it like "
            "'Sat, 17 May 2025 18:00:00 +0000'",
            code="invalid-rfc822-date",
        )
    mon = m["mon"].title()
    if mon not in MONTHS:
        return Parsed(
            None,
            f"{m['mon']!r} is not a month name; use one of Jan … Dec",
            code="invalid-rfc822-date",
        )
    dow = m["dow"].title() if m["dow"] else None
    if dow is not None and dow not in DAYS:
        return Parsed(
            None,
            f"{m['dow']!r} is not a day name; use one of Mon … Sun",
            code="invalid-rfc822-date",
        )
    year_text = m["year"]
    if len(year_text) == 2:
        year = 2000 + int(year_text) if int(year_text) < 50 else 1900 + int(year_text)
        warning = f"the year {year_text!r} has two digits; write all four ({year})"
    elif len(year_text) == 4:
        year = int(year_text)
    else:
        return Parsed(
            None, f"the year {year_text!r} must have four digits", code="invalid-rfc822-date"
        )
    zone = m["zone"]
    if zone is None:
        offset = 0
        warning = "the date has no time zone, so readers assume GMT; add one like '+0000'"
    elif zone[0] in "+-":
        hours, minutes = int(zone[1:3]), int(zone[3:5])
        if minutes > 59:
            return Parsed(
                None, f"the zone {zone!r} has more than 59 minutes", code="invalid-rfc822-date"
            )
        offset = (hours * 60 + minutes) * (-1 if zone[0] == "-" else 1)
    elif zone.upper() in NAMED_ZONES:
        offset = NAMED_ZONES[zone.upper()] * 60
    elif len(zone) == 1 and zone.upper() != "J":
        # RFC 1123 §5.2.14: the military letters were defined with the wrong sign; read as -0000.
        offset = 0
        warning = f"the military zone {zone!r} is ambiguous; write a numeric offset like '+0000'"
    else:
        return Parsed(
            None,
            f"{zone!r} is not an RFC 822 time zone; write a numeric offset like '+0200'",
            code="invalid-rfc822-date",
        )
    value = _build(
        year,
        MONTHS.index(mon) + 1,
        int(m["day"]),
        int(m["h"]),
        int(m["m"]),
        int(m["s"] or 0),
        offset,
    )
    if value is None or int(m["h"]) > 23 or int(m["m"]) > 59 or int(m["s"] or 0) > 60:
        return Parsed(
            None, f"{text.strip()!r} is not a real date and time", code="invalid-rfc822-date"
        )
    # Only a strictly formed date is held to its day name; a problematic one is warned about.
    if dow is not None and warning is None and DAYS[value.weekday()] != dow:
        return Parsed(
            None,
            f"{value.day} {mon} {year} is a {DAYS[value.weekday()]}, not a {dow}; "
            "fix the day name or the date",
            code="incorrect-day-name",
        )
    if warning:
        return Parsed(value, warning=warning, code="problematic-rfc822-date")
    return Parsed(value)


def parse_rfc3339(text: str, *, strict_case: bool = True) -> Parsed:
    """An RFC 3339 date-time; Atom (RFC 4287 §3.3) requires an upper-case 'T' and 'Z'."""
    m = _RFC3339.fullmatch(text.strip())
    bad = Parsed(
        None,
        f"{text.strip()!r} is not an RFC 3339 date-time; write it like '2025-05-17T18:00:00Z'",
        code="invalid-rfc3339-date",
    )
    if m is None:
        return bad
    if strict_case and (m["t"] == "t" or m["zone"] == "z"):
        return Parsed(
            None,
            f"{text.strip()!r} uses a lower-case 't' or 'z'; Atom requires upper case",
            code="invalid-rfc3339-date",
        )
    zone = m["zone"]
    offset = 0
    if zone not in "Zz":
        hours, minutes = int(zone[1:3]), int(zone[4:6])
        if hours > 23 or minutes > 59:
            return bad
        offset = (hours * 60 + minutes) * (-1 if zone[0] == "-" else 1)
    if int(m["h"]) > 23 or int(m["mi"]) > 59 or int(m["s"]) > 60:
        return bad
    value = _build(
        int(m["y"]), int(m["mo"]), int(m["d"]), int(m["h"]), int(m["mi"]), int(m["s"]), offset
    )
    return Parsed(value) if value is not None else bad


def parse_w3cdtf(text: str) -> Parsed:
    """A W3C-DTF date (the ISO 8601 profile ``dc:date`` uses): a year, up to a time with zone."""
    m = _W3CDTF.fullmatch(text.strip())
    bad = Parsed(
        None,
        f"{text.strip()!r} is not a W3C-DTF date; write it like '2025-05-17T18:00:00Z'",
        code="invalid-w3cdtf-date",
    )
    if m is None:
        return bad
    zone = m["zone"]
    offset = 0
    if zone and zone != "Z":
        offset = (int(zone[1:3]) * 60 + int(zone[4:6])) * (-1 if zone[0] == "-" else 1)
    if m["h"] and (int(m["h"]) > 23 or int(m["mi"]) > 59 or int(m["s"] or 0) > 60):
        return bad
    value = _build(
        int(m["y"]),
        int(m["mo"] or 1),
        int(m["d"] or 1),
        int(m["h"] or 0),
        int(m["mi"] or 0),
        int(m["s"] or 0),
        offset,
    )
    return Parsed(value) if value is not None else bad


def utc(value: datetime) -> datetime:
    return value.astimezone(UTC)

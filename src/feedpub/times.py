"""ISO 8601 / RFC 3339 text in, an aware datetime out, and back: one parser for every state file."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo


def parse_iso(text: str, default_zone: tzinfo = UTC) -> datetime:
    """An aware datetime; ``Z`` means UTC and a naive time takes ``default_zone``.

    Raises ValueError for text that is not ISO 8601.
    """
    moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=default_zone)


def parse_iso_or_none(text: str | None) -> datetime | None:
    """Like ``parse_iso``, but None for missing or malformed text (state files we tolerate)."""
    if not text:
        return None
    try:
        return parse_iso(text)
    except ValueError:
        return None


def format_utc(moment: datetime) -> str:
    """``2025-05-17T15:00:00Z``: whole seconds in UTC, the form feedpub's state files keep."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

"""Strings in, strings safe for XML 1.0 and HTML out."""

from __future__ import annotations

import re

# XML 1.0 §2.2 Char: tab, LF, CR, U+0020–U+D7FF, U+E000–U+FFFD, U+10000–U+10FFFF.
# Everything else (C0 controls, lone surrogates, U+FFFE/U+FFFF) is removed; DEL and the
# C1 controls are allowed by XML but are invisible garbage in a reader, so they go too.
FORBIDDEN_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def clean_text(value: str) -> str:
    """``value`` without characters XML 1.0 forbids (and invisible controls); CRLF becomes LF."""
    if "\r" in value:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    return FORBIDDEN_CHARACTERS.sub("", value)

"""Feed bytes in, an lxml tree (or None) out, with encoding and well-formedness problems reported."""

from __future__ import annotations

import codecs
import re
from typing import Any

from lxml import etree  # type: ignore[import-untyped,unused-ignore]

from feedpub.validate.common import Element
from feedpub.validate.report import Report

_DECL = re.compile(rb"""<\?xml\s[^>]*?encoding\s*=\s*["']([A-Za-z0-9._\-]+)["']""")
_UTF8_NAMES = {"utf-8", "utf8"}

# libxml2 error types, grouped by the code feedpub reports.
_CODES = {
    "ERR_UNDECLARED_ENTITY": "undefined-entity",
    "WAR_UNDECLARED_ENTITY": "undefined-entity",
    "ERR_INVALID_CHAR": "forbidden-character",
    "ERR_INVALID_CHARREF": "forbidden-character",
    "ERR_INVALID_DEC_CHARREF": "forbidden-character",
    "ERR_INVALID_HEX_CHARREF": "forbidden-character",
    "NS_ERR_UNDEFINED_NAMESPACE": "undeclared-namespace-prefix",
    "ERR_INVALID_ENCODING": "invalid-encoding",
    "ERR_UNSUPPORTED_ENCODING": "unknown-encoding",
}


def _parser(recover: bool = False) -> Any:
    # Never load DTDs, expand entities or touch the network: a feed is untrusted input.
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        huge_tree=True,
        load_dtd=False,
        recover=recover,
        remove_blank_text=False,
    )


def _line_col(data: bytes, offset: int) -> tuple[int, int]:
    line = data.count(b"\n", 0, offset) + 1
    column = offset - (data.rfind(b"\n", 0, offset) + 1) + 1
    return line, column


def check_encoding(data: bytes, report: Report) -> bool:
    """Declared vs actual encoding; False when the bytes cannot be decoded at all."""
    bom = None
    if data.startswith(codecs.BOM_UTF8):
        bom = "utf-8"
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        bom = "utf-16"
    head = data[:512]
    if bom == "utf-16":
        head = data[:1024].decode("utf-16", errors="replace").encode("ascii", errors="replace")
    m = _DECL.search(head)
    declared = m.group(1).decode("ascii").lower() if m else None
    if declared is not None:
        try:
            canonical = codecs.lookup(declared).name
        except LookupError:
            report.error(
                "unknown-encoding",
                f"the declared encoding {declared!r} is unknown; "
                'save the feed as UTF-8 and declare encoding="UTF-8"',
                1,
            )
            return False
    else:
        canonical = bom or "utf-8"
    if bom is not None and declared is not None and not canonical.startswith(bom):
        report.error(
            "encoding-mismatch",
            f"the file starts with a {bom.upper()} byte order "
            f"mark but declares {declared!r}; make the declaration match",
            1,
        )
        return False
    try:
        data.decode(canonical)
    except UnicodeDecodeError as exc:
        line, column = _line_col(data, exc.start)
        said = f"declared as {declared!r}" if declared else "without a declared encoding (so UTF-8)"
        report.error(
            "invalid-encoding",
            f"byte 0x{data[exc.start]:02X} is not valid in a file "
            f"{said}; save the file in that encoding or fix the declaration",
            line,
            column,
        )
        return False
    if canonical.startswith(("iso8859", "cp125", "latin")):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            return True
        if not text.isascii():
            report.warning(
                "encoding-mismatch",
                f"the feed declares {declared!r} but its bytes "
                "are UTF-8, so readers show garbled characters; declare "
                'encoding="UTF-8"',
                1,
            )
    return True


def parse(data: bytes, report: Report) -> Element | None:
    """Parse ``data`` safely; report what stops it (with position) and return the root or None."""
    if not check_encoding(data, report):
        return None
    parser = _parser()
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError:
        root = None
    entries = list(parser.error_log)
    fatal = [e for e in entries if e.level_name == "FATAL"]
    if fatal:
        first = fatal[0]
        code = _CODES.get(first.type_name, "not-well-formed")
        report.error(
            code, _fatal_message(code, first.message), first.line or None, first.column or None
        )
        return None
    for entry in entries:
        if _CODES.get(entry.type_name) == "undeclared-namespace-prefix":
            report.error(
                "undeclared-namespace-prefix",
                f'{entry.message.strip()}; declare it with xmlns:prefix="…" on the root element',
                entry.line or None,
                entry.column or None,
            )
    if root is None:
        # Only namespace errors stopped the strict parser: read on to check the rest.
        recovering = _parser(recover=True)
        root = etree.fromstring(data, recovering)
    return root


def _fatal_message(code: str, message: str) -> str:
    text = message.strip().rstrip(".")
    if code == "undefined-entity":
        return (
            f"{text}: XML knows only &amp; &lt; &gt; &quot; &apos;; use a numeric reference "
            "like &#160; or wrap the HTML in CDATA"
        )
    if code == "forbidden-character":
        return f"{text}: XML 1.0 forbids this control character; remove it"
    if code == "invalid-encoding":
        return f"{text}: save the file in its declared encoding"
    return f"the XML is not well-formed ({text}); fix the markup here"

"""An image file's bytes (or name) in, its MIME type and pixel size out: PNG, JPEG, GIF, WebP, SVG."""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass
from urllib.parse import urlsplit

from lxml import etree

from feedpub.mediatypes import SUFFIX_TYPES

# By file extension, for remote images and files whose bytes say nothing we know: the images of
# the one Content-Type table (an icon file is no entry image).
TYPES_BY_EXTENSION = {
    suffix: media
    for suffix, media in SUFFIX_TYPES.items()
    if media.startswith("image/") and suffix != ".ico"
}
# JPEG start-of-frame markers carry the size (ITU T.81 §B.2.2); C4, C8 and CC are not frames.
_SOF = frozenset({0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF})
_SVG_LENGTH = re.compile(r"\s*([0-9]+(?:\.[0-9]+)?)\s*(?:px)?\s*")


@dataclass(frozen=True)
class ImageFacts:
    type: str | None = None
    width: int | None = None
    height: int | None = None


def type_from_name(url: str) -> str | None:
    path = urlsplit(url).path.lower()
    dot = path.rfind(".")
    return TYPES_BY_EXTENSION.get(path[dot:]) if dot >= 0 else None


def sniff(data: bytes) -> ImageFacts:
    """Type and size read from the file's header; empty facts for anything else."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and data[12:16] == b"IHDR" and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return ImageFacts("image/png", width, height)
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return ImageFacts("image/gif", width, height)
    if data.startswith(b"\xff\xd8"):
        return ImageFacts("image/jpeg", *_jpeg_size(data))
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return ImageFacts("image/webp", *_webp_size(data))
    head = data[:1024].lstrip()
    if head.startswith(b"<") and b"<svg" in data[:4096]:
        return _svg(data)
    return ImageFacts()


def _jpeg_size(data: bytes) -> tuple[int | None, int | None]:
    at = 2
    while at + 4 <= len(data):
        if data[at] != 0xFF:
            return None, None
        marker = data[at + 1]
        if marker == 0xFF:  # fill byte
            at += 1
            continue
        if marker in (0x01, *range(0xD0, 0xD8)):  # markers without a length
            at += 2
            continue
        (length,) = struct.unpack(">H", data[at + 2 : at + 4])
        if marker in _SOF and at + 9 <= len(data):
            height, width = struct.unpack(">HH", data[at + 5 : at + 9])
            return width, height
        at += 2 + length
    return None, None


def _webp_size(data: bytes) -> tuple[int | None, int | None]:
    chunk = data[12:16]
    if chunk == b"VP8 " and len(data) >= 30 and data[23:26] == b"\x9d\x01\x2a":
        width, height = struct.unpack("<HH", data[26:30])
        return width & 0x3FFF, height & 0x3FFF
    if chunk == b"VP8L" and len(data) >= 25 and data[20] == 0x2F:
        bits = int.from_bytes(data[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8X" and len(data) >= 30:
        width = int.from_bytes(data[24:27], "little") + 1
        height = int.from_bytes(data[27:30], "little") + 1
        return width, height
    return None, None


def _svg(data: bytes) -> ImageFacts:
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError:
        return ImageFacts()
    if not isinstance(root.tag, str) or etree.QName(root).localname != "svg":
        return ImageFacts()
    width, height = _svg_length(root.get("width")), _svg_length(root.get("height"))
    box = (root.get("viewBox") or "").replace(",", " ").split()
    if (width is None or height is None) and len(box) == 4:
        try:
            box_width, box_height = float(box[2]), float(box[3])
        except ValueError:
            box_width = box_height = 0.0
        if box_width > 0 and box_height > 0:
            if width is None and height is None:
                width, height = round(box_width), round(box_height)
            elif width is None and height is not None:
                width = round(height * box_width / box_height)
            elif height is None and width is not None:
                height = round(width * box_height / box_width)
    return ImageFacts("image/svg+xml", width, height)


def _svg_length(value: str | None) -> int | None:
    """A plain or ``px`` length; percentages and other units give no pixel size."""
    match = _SVG_LENGTH.fullmatch(value or "")
    return round(float(match.group(1))) if match else None

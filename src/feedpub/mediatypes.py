"""A path of the output in, its Content-Type out: the one table that publish and serve share.

The type comes from this table, never from the machine's ``mimetypes`` guess, which serves
feeds as ``binary/octet-stream`` or ``text/xml`` on some hosts.
"""

from __future__ import annotations

# Feed files by name: only feedpub's ``feed.json`` is a JSON Feed; any other .json is plain JSON.
FEED_TYPES = {
    "rss.xml": "application/rss+xml; charset=utf-8",  # RSS Advisory Board, "RSS Autodiscovery"
    "atom.xml": "application/atom+xml; charset=utf-8",  # RFC 4287 section 7
    "feed.json": "application/feed+json; charset=utf-8",  # JSON Feed 1.1, "MIME type"
}
SUFFIX_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".css": "text/css",
    ".js": "text/javascript; charset=utf-8",
    ".json": "application/json; charset=utf-8",
    ".xml": "application/xml; charset=utf-8",
    ".xsl": "application/xslt+xml",
    ".xslt": "application/xslt+xml",
    ".txt": "text/plain; charset=utf-8",
    ".opml": "text/x-opml; charset=utf-8",
    ".webmanifest": "application/manifest+json",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".svg": "image/svg+xml",
    ".ico": "image/vnd.microsoft.icon",
    ".woff2": "font/woff2",
    ".woff": "font/woff",
    ".pdf": "application/pdf",
    # The Pagefind search bundle (search: true): WebAssembly, and index data it decodes itself.
    ".wasm": "application/wasm",
    ".pagefind": "application/wasm",  # pagefind/wasm.<language>.pagefind
    ".pf_meta": "application/octet-stream",
    ".pf_index": "application/octet-stream",
    ".pf_fragment": "application/octet-stream",
    ".pf_filter": "application/octet-stream",
}
DEFAULT_TYPE = "application/octet-stream"


def is_feed(path: str) -> bool:
    """Whether ``path`` (a POSIX path of the output) is one of the feed files."""
    return path.rpartition("/")[2] in FEED_TYPES


def content_type(path: str) -> str:
    """The Content-Type for a path of the output (a POSIX path, or a file system path)."""
    # String steps with PurePosixPath's meaning of name and suffix: publish asks once a file.
    name = path.replace("\\", "/").rpartition("/")[2]
    if name in FEED_TYPES:
        return FEED_TYPES[name]
    dot = name.rfind(".")
    suffix = name[dot:] if 0 < dot < len(name) - 1 else ""
    return SUFFIX_TYPES.get(suffix.lower(), DEFAULT_TYPE)

"""Feed Paging and Archiving (RFC 5005, ``fh:``): complete and archive feed documents.

``fh:complete`` says the document holds the whole feed, so it cannot also point at other
pages or archives: links with the relations RFC 5005 defines (first, last, previous, next,
prev-archive, next-archive) are an error there, and ``current`` must be the document itself
(its self link). Both elements are empty markers that appear once.
"""

from __future__ import annotations

from feedpub.validate.common import ATOM, Element, name_of
from feedpub.validate.extensions import Rule, Vocabulary
from feedpub.validate.report import Report

_PAGING = frozenset({"first", "last", "previous", "next", "prev-archive", "next-archive"})


def _complete(el: Element, report: Report) -> None:
    """RFC 5005 §2: a complete feed has no links to other parts of the feed."""
    parent = el.getparent()
    links = list(parent.iterchildren(f"{{{ATOM}}}link"))
    selves = {(link.get("href") or "").strip() for link in links if link.get("rel") == "self"}
    for link in links:
        rel = link.get("rel") or "alternate"
        if rel in _PAGING:
            report.error(
                "feed-rel-in-complete-feed",
                f'<{name_of(link)} rel="{rel}"> points at another part of the feed, but '
                f"<{name_of(el)}> says this document is all of it; remove one of them",
                link.sourceline,
            )
        elif rel == "current" and (link.get("href") or "").strip() not in selves:
            report.error(
                "current-not-self-in-complete-feed",
                f'<{name_of(link)} rel="current"> in a complete feed must point at the feed '
                'itself (its rel="self" URL)',
                link.sourceline,
            )


HISTORY = Vocabulary(
    "Feed Paging and Archiving (RFC 5005)",
    ("http://purl.org/syndication/history/1.0",),
    {
        "complete": Rule(once=True, container=True, check=_complete),
        "archive": Rule(once=True, container=True),
    },
    complete=True,
)

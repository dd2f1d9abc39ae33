"""Atom threading (RFC 4685, ``thr:``): replies to and counts of replies.

``thr:in-reply-to`` needs ``ref`` (the id of the entry replied to, an IRI); ``href`` and
``source`` are IRI references and ``type`` a MIME type. ``thr:total`` is a non-negative
integer. The ``thr:count`` and ``thr:updated`` attributes of a replies link are a
non-negative integer and an RFC 3339 date.
"""

from __future__ import annotations

from feedpub.validate.extensions import Rule, Value, Vocabulary

THREADING = Vocabulary(
    "Atom threading (RFC 4685)",
    ("http://purl.org/syndication/thread/1.0",),
    {
        "in-reply-to": Rule(
            attributes={
                "ref": Value("full-uri", required=True),
                "href": Value("uri"),
                "source": Value("uri"),
                "type": Value("mime-type"),
            },
            container=True,
        ),
        "total": Rule(Value("non-negative-integer"), once=True),
    },
    complete=True,
    global_attributes={"count": Value("non-negative-integer"), "updated": Value("rfc3339")},
)

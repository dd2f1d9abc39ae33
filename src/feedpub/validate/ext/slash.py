"""The Slash module (``slash:``): section, department, comment count and hit parade.

``slash:comments`` is a count (a non-negative integer) and ``slash:hit_parade`` a
comma-separated list of integers; the module defines nothing else.
"""

from __future__ import annotations

from feedpub.validate.extensions import Rule, Value, Vocabulary

SLASH = Vocabulary(
    "the Slash module",
    ("http://purl.org/rss/1.0/modules/slash/",),
    {
        "section": Rule(),
        "department": Rule(),
        "comments": Rule(Value("non-negative-integer"), once=True),
        "hit_parade": Rule(Value("integer-list"), once=True),
    },
    complete=True,
)

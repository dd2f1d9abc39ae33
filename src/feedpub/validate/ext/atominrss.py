"""Atom elements inside RSS (``atom:``): dates that RSS items and channels borrow from Atom.

``atom:updated`` and ``atom:published`` keep their Atom meaning, so they are RFC 3339 dates
and appear once; ``atom:link`` is checked by the RSS rules, and anything else is left alone.
"""

from __future__ import annotations

from feedpub.validate.common import ATOM
from feedpub.validate.extensions import Rule, Value, Vocabulary

ATOM_IN_RSS = Vocabulary(
    "Atom",
    (ATOM,),
    {
        "updated": Rule(Value("rfc3339"), once=True),
        "published": Rule(Value("rfc3339"), once=True),
    },
)

"""Apple's podcast tags (``itunes:``) in an RSS feed.

Counts (episode, season) are positive integers; ``itunes:explicit`` is true or false;
``itunes:block`` yes (the W3C validator also accepts no and clean); ``itunes:type`` episodic
or serial; ``itunes:episodeType`` full, trailer or bonus; ``itunes:duration`` seconds or
[HH:]MM:SS; ``itunes:image`` needs an href and ``itunes:category`` a text attribute;
``itunes:owner`` holds the owner's ``itunes:email``; ``itunes:new-feed-url`` is a full URL.
"""

from __future__ import annotations

from feedpub.validate.common import Element, name_of
from feedpub.validate.extensions import Rule, Value, Vocabulary, enum
from feedpub.validate.report import Report

NS = "http://www.itunes.com/dtds/podcast-1.0.dtd"


def _owner(el: Element, report: Report) -> None:
    if el.find(f"{{{NS}}}email") is None:
        report.error(
            "missing-element",
            f"<{name_of(el)}> has no <itunes:email>; add the owner's address",
            el.sourceline,
        )


_ONCE = Rule(once=True)

ITUNES = Vocabulary(
    "Apple's podcast tags",
    (NS,),
    {
        "author": _ONCE,
        "block": Rule(enum("yes", "no", "clean", fold_case=True), once=True),
        "category": Rule(attributes={"text": Value(required=True)}, container=True),
        "complete": _ONCE,
        "duration": Rule(Value("duration"), once=True),
        "email": Rule(Value("email"), once=True),
        "episode": Rule(Value("positive-integer"), once=True),
        "episodeType": Rule(enum("full", "trailer", "bonus"), once=True),
        "explicit": Rule(Value("true-false"), once=True),
        "image": Rule(attributes={"href": Value("full-uri", required=True)}, once=True),
        "isClosedCaptioned": _ONCE,
        "keywords": _ONCE,
        "name": _ONCE,
        "new-feed-url": Rule(Value("full-uri"), once=True),
        "order": _ONCE,
        "owner": Rule(container=True, once=True, check=_owner),
        "pubDate": Rule(Value("rfc822"), once=True),
        "season": Rule(Value("positive-integer"), once=True),
        "subtitle": _ONCE,
        "summary": _ONCE,
        "title": _ONCE,
        "type": Rule(enum("episodic", "serial"), once=True),
    },
    complete=True,
)

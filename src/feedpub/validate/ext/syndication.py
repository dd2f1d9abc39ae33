"""The Syndication module (``sy:``): how often a channel is updated.

``sy:updatePeriod`` is hourly, daily, weekly, monthly or yearly; ``sy:updateFrequency`` a
positive integer (times per period); ``sy:updateBase`` a W3C-DTF date the schedule starts from.
"""

from __future__ import annotations

from feedpub.validate.extensions import Rule, Value, Vocabulary, enum

SYNDICATION = Vocabulary(
    "the Syndication module",
    ("http://purl.org/rss/1.0/modules/syndication/",),
    {
        "updatePeriod": Rule(enum("hourly", "daily", "weekly", "monthly", "yearly"), once=True),
        "updateFrequency": Rule(Value("positive-integer"), once=True),
        "updateBase": Rule(Value("w3cdtf"), once=True),
    },
    complete=True,
)

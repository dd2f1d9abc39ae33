"""Dublin Core in feeds: the 15 DCMES elements (``dc:``) and the DCMI terms (``dcterms:``).

DCMES 1.1 is a closed set of 15 elements; dates are W3C-DTF (the ISO 8601 profile the DCMI
recommends), languages are ISO 639 tags. Elements that describe the one resource a channel or
item is (title, date, language, …) appear once.
"""

from __future__ import annotations

from feedpub.validate.common import DC as DC_NS
from feedpub.validate.extensions import Rule, Value, Vocabulary

DCTERMS_NS = "http://purl.org/dc/terms/"
_TEXT = Rule()
_ONCE = Rule(once=True)
_DATE = Rule(Value("w3cdtf"), once=True)

DC = Vocabulary(
    "Dublin Core (DCMES 1.1)",
    (DC_NS,),
    {
        "title": _ONCE,
        "creator": _TEXT,
        "subject": _TEXT,
        "description": _ONCE,
        "publisher": _TEXT,
        "contributor": _TEXT,
        "date": _DATE,
        "type": _ONCE,
        "format": _ONCE,
        "identifier": _TEXT,
        "source": _ONCE,
        "language": Rule(Value("language"), once=True),
        "relation": _TEXT,
        "coverage": _TEXT,
        "rights": _ONCE,
    },
    complete=True,
)

# DCMI Metadata Terms: the properties of the /terms/ namespace (the 15 elements again, refined).
_TERMS = [
    "abstract",
    "accessRights",
    "accrualMethod",
    "accrualPeriodicity",
    "accrualPolicy",
    "alternative",
    "audience",
    "available",
    "bibliographicCitation",
    "conformsTo",
    "contributor",
    "coverage",
    "created",
    "creator",
    "date",
    "dateAccepted",
    "dateCopyrighted",
    "dateSubmitted",
    "description",
    "educationLevel",
    "extent",
    "format",
    "hasFormat",
    "hasPart",
    "hasVersion",
    "identifier",
    "instructionalMethod",
    "isFormatOf",
    "isPartOf",
    "isReferencedBy",
    "isReplacedBy",
    "isRequiredBy",
    "issued",
    "isVersionOf",
    "language",
    "license",
    "mediator",
    "medium",
    "modified",
    "provenance",
    "publisher",
    "references",
    "relation",
    "replaces",
    "requires",
    "rights",
    "rightsHolder",
    "source",
    "spatial",
    "subject",
    "tableOfContents",
    "temporal",
    "title",
    "type",
    "valid",
]

DCTERMS = Vocabulary(
    "DCMI Metadata Terms",
    (DCTERMS_NS,),
    {
        **{term: _TEXT for term in _TERMS},
        "created": _DATE,
        "issued": _DATE,
        "modified": _DATE,
        "abstract": _ONCE,
        "extent": Rule(Value("positive-integer"), once=True),
        "language": Rule(Value("language")),
    },
    complete=True,
)

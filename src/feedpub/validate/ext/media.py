"""Media RSS 1.5.1 (``media:``): media objects, their groups and their descriptions.

media:content and media:thumbnail carry numbers (sizes positive, channels non-negative,
bitrates and rates numeric), a MIME type, a medium (image, audio, video, document,
executable), an expression (sample, full, nonstop) and true/false isDefault. A media:group
gathers alternatives of one object, so it holds at least two media:content. Thumbnails and
players need a url; restrictions need a relationship (allow or deny); text types are plain
or html; hashes are md5 (32 hex digits) or sha-1 (40); times are Normal Play Time.
media:adult is deprecated in favour of media:rating.
"""

from __future__ import annotations

from feedpub.validate.common import Element, name_of
from feedpub.validate.extensions import Rule, Value, Vocabulary, enum, is_hex
from feedpub.validate.report import Report
from feedpub.validate.uris import check_uri

NS = "http://search.yahoo.com/mrss/"
_POSITIVE = Value("positive-integer")
_TEXT_TYPE = {"type": enum("plain", "html")}
_RATINGS = {
    "urn:simple": frozenset({"adult", "nonadult"}),
    "urn:mpaa": frozenset({"g", "m", "nc-17", "pg", "pg-13", "r", "x"}),
    "urn:v-chip": frozenset(
        {"14+", "18+", "c", "c8", "g", "pg", "tv-14", "tv-g", "tv-ma", "tv-pg", "tv-y", "tv-y7"}
        | {"tv-y7-fv"}
    ),
}


def _group(el: Element, report: Report) -> None:
    if len(list(el.iterchildren(f"{{{NS}}}content"))) < 2:
        report.error(
            "media-group-without-alternatives",
            f"<{name_of(el)}> holds fewer than two <media:content>; a group gathers "
            "alternatives of one object, so list them all or drop the group",
            el.sourceline,
        )


def _hash(el: Element, report: Report) -> None:
    algo = el.get("algo") or "md5"
    value = (el.text or "").strip()
    size = {"md5": 32, "sha-1": 40}.get(algo)
    if size is None:
        report.error(
            "invalid-media-hash",
            f"<{name_of(el)}> algo {algo!r} must be 'md5' or 'sha-1'",
            el.sourceline,
        )
    elif not is_hex(value) or len(value) != size:
        report.error(
            "invalid-media-hash",
            f"<{name_of(el)}> must hold the {algo} digest as {size} hexadecimal digits",
            el.sourceline,
        )


def _rating(el: Element, report: Report) -> None:
    scheme = el.get("scheme") or "urn:simple"
    allowed = _RATINGS.get(scheme)
    value = (el.text or "").strip()
    if allowed is None:
        # Other schemes are URIs naming a rating system whose values this module cannot know.
        check_uri(report, scheme, el.sourceline, f"<{name_of(el)}> scheme", full=True)
    elif value not in allowed:
        report.error(
            "invalid-media-rating",
            f"<{name_of(el)}> {value!r} is not a {scheme} rating; use one of "
            + ", ".join(sorted(allowed)),
            el.sourceline,
        )


def _restriction(el: Element, report: Report) -> None:
    if el.get("type") is None:
        value = (el.text or "").strip()
        if value and value not in ("all", "none"):
            report.error(
                "invalid-enumeration",
                f"<{name_of(el)}> without a type must be 'all' or 'none'",
                el.sourceline,
            )


_CONTENT_ATTRIBUTES = {
    "url": Value("full-uri"),
    "fileSize": _POSITIVE,
    "type": Value("mime-type"),
    "medium": enum("image", "audio", "video", "document", "executable"),
    "isDefault": Value("true-false"),
    "expression": enum("sample", "full", "nonstop"),
    "bitrate": Value("float"),
    "framerate": Value("float"),
    "samplingrate": Value("float"),
    "channels": Value("non-negative-integer"),
    "duration": Value("float"),
    "height": _POSITIVE,
    "width": _POSITIVE,
    "lang": Value("language"),
}
_NPT = Value("npt-time")
_TEXT = Rule()

MEDIA = Vocabulary(
    "Media RSS",
    (NS,),
    {
        "group": Rule(container=True, check=_group),
        "content": Rule(attributes=_CONTENT_ATTRIBUTES, container=True),
        "rating": Rule(check=_rating),
        "title": Rule(attributes=_TEXT_TYPE, once=True),
        "description": Rule(attributes=_TEXT_TYPE, once=True),
        "keywords": _TEXT,
        "thumbnail": Rule(
            attributes={
                "url": Value("full-uri", required=True),
                "height": _POSITIVE,
                "width": _POSITIVE,
                "time": _NPT,
            }
        ),
        "category": Rule(attributes={"scheme": Value("full-uri")}),
        "hash": Rule(attributes={"algo": Value()}, check=_hash),
        "player": Rule(
            attributes={
                "url": Value("full-uri", required=True),
                "height": _POSITIVE,
                "width": _POSITIVE,
            },
            container=True,
        ),
        "credit": Rule(),
        "copyright": Rule(attributes={"url": Value("full-uri")}, once=True),
        "text": Rule(
            attributes={**_TEXT_TYPE, "lang": Value("language"), "start": _NPT, "end": _NPT}
        ),
        "restriction": Rule(
            attributes={
                "relationship": Value("enum", required=True, values=frozenset({"allow", "deny"})),
                "type": enum("country", "uri", "sharing"),
            },
            check=_restriction,
        ),
        "adult": Rule(Value("true-false"), once=True, deprecated="use <media:rating> instead"),
        **{
            name: Rule(container=True)
            for name in [
                "community",
                "comments",
                "comment",
                "embed",
                "param",
                "responses",
                "response",
                "backLinks",
                "backLink",
                "status",
                "price",
                "license",
                "subTitle",
                "peerLink",
                "location",
                "rights",
                "scenes",
                "scene",
                "sceneTitle",
                "sceneDescription",
                "sceneStartTime",
                "sceneEndTime",
                "starRating",
                "statistics",
                "tags",
            ]
        },
    },
    complete=True,
)

"""Where an entry is: GeoRSS Simple (``georss:``), GeoRSS GML (``gml:``) and W3C Basic Geo (``geo:``).

GeoRSS Simple writes coordinates as "lat long" pairs separated by white space: a point is one
pair, a line two or more, a polygon four or more (closed), a box two (lower-left, upper-right).
Latitudes lie in -90…90 and longitudes in -180…180. GML ``pos``, ``posList``,
``lowerCorner`` and ``upperCorner`` use the same pairs. ``geo:lat``/``geo:long`` are decimal
degrees; ``georss:elev`` and ``geo:alt`` decimal metres, ``georss:floor`` an integer and
``georss:radius`` a number of metres.
"""

from __future__ import annotations

import re

from feedpub.validate.common import Element, has_child_elements, name_of
from feedpub.validate.extensions import Rule, Value, Vocabulary
from feedpub.validate.report import Report

_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


def _pairs(least: int, *, closed: bool = False) -> Rule:
    def check(el: Element, report: Report) -> None:
        if has_child_elements(el):
            report.error(
                "unexpected-child-element",
                f"<{name_of(el)}> must hold only coordinates; remove the child elements",
                el.sourceline,
            )
            return
        _coordinates(el, (el.text or "").split(), least, closed, report)

    return Rule(check=check)


def _coordinates(el: Element, numbers: list[str], least: int, closed: bool, report: Report) -> None:
    where = f"<{name_of(el)}>"
    if any(_NUMBER.fullmatch(n) is None for n in numbers) or len(numbers) % 2:
        report.error(
            "invalid-coordinates",
            f"{where} must hold 'latitude longitude' pairs of decimal numbers separated by "
            "spaces, like '45.256 -71.92'",
            el.sourceline,
        )
        return
    if len(numbers) < 2 * least:
        report.error(
            "invalid-coordinates",
            f"{where} needs at least {least} 'latitude longitude' pair"
            + ("s" if least > 1 else ""),
            el.sourceline,
        )
        return
    for lat, long in zip(numbers[::2], numbers[1::2], strict=True):
        if not -90 <= float(lat) <= 90:
            report.error(
                "invalid-latitude", f"{where} latitude {lat} must be from -90 to 90", el.sourceline
            )
            return
        if not -180 <= float(long) <= 180:
            report.error(
                "invalid-longitude",
                f"{where} longitude {long} must be from -180 to 180",
                el.sourceline,
            )
            return
    if closed and numbers[:2] != numbers[-2:]:
        report.error(
            "invalid-coordinates",
            f"{where} is a polygon, so its last pair must repeat the first",
            el.sourceline,
        )


GEORSS = Vocabulary(
    "GeoRSS",
    ("http://www.georss.org/georss",),
    {
        "point": _pairs(1),
        "line": _pairs(2),
        "polygon": _pairs(4, closed=True),
        "box": _pairs(2),
        "where": Rule(container=True),
        "featureTypeTag": Rule(),
        "relationshipTag": Rule(),
        "featureName": Rule(),
        "elev": Rule(Value("decimal")),
        "floor": Rule(Value("integer")),
        "radius": Rule(Value("decimal")),
    },
    complete=True,
)

# GML is large; only the coordinate holders GeoRSS GML uses are checked, nothing is unknown.
GML = Vocabulary(
    "GML",
    ("http://www.opengis.net/gml",),
    {
        "pos": _pairs(1),
        "posList": _pairs(2),
        "lowerCorner": _pairs(1),
        "upperCorner": _pairs(1),
    },
)

GEO = Vocabulary(
    "W3C Basic Geo",
    ("http://www.w3.org/2003/01/geo/wgs84_pos#",),
    {
        "lat": Rule(Value("latitude")),
        "long": Rule(Value("longitude")),
        "alt": Rule(Value("decimal")),
        "Point": Rule(container=True),
    },
)

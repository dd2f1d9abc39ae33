"""OpenSearch 1.1 response elements (``opensearch:``) in a feed of search results.

totalResults and itemsPerPage are non-negative integers, startIndex an integer; each appears
once. ``opensearch:Query`` needs a role (request, example, related, correction, subset,
superset, or a prefixed name from another namespace) and takes numeric paging attributes.
The 1.0 namespace (opensearchrss) holds the same three counts.
"""

from __future__ import annotations

from feedpub.validate.common import Element, name_of
from feedpub.validate.extensions import Rule, Value, Vocabulary
from feedpub.validate.report import Report

_ROLES = frozenset({"request", "example", "related", "correction", "subset", "superset"})


def _role(el: Element, report: Report) -> None:
    role = el.get("role")
    if role is not None and role not in _ROLES and ":" not in role:
        report.error(
            "invalid-enumeration",
            f"<{name_of(el)}> role {role!r} must be one of {', '.join(sorted(_ROLES))} "
            "or a prefixed name",
            el.sourceline,
        )


_COUNTS = {
    "totalResults": Rule(Value("non-negative-integer"), once=True),
    "startIndex": Rule(Value("integer"), once=True),
    "itemsPerPage": Rule(Value("non-negative-integer"), once=True),
}

OPENSEARCH = Vocabulary(
    "OpenSearch 1.1",
    ("http://a9.com/-/spec/opensearch/1.1/", "http://a9.com/-/spec/opensearchrss/1.0/"),
    {
        **_COUNTS,
        "Query": Rule(
            attributes={
                "role": Value(required=True),
                "totalResults": Value("non-negative-integer"),
                "count": Value("non-negative-integer"),
                "startIndex": Value("integer"),
                "startPage": Value("integer"),
                "language": Value(),
                "inputEncoding": Value(),
                "outputEncoding": Value(),
            },
            container=True,
            check=_role,
        ),
    },
    complete=True,
)

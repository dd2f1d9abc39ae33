"""A feed tree in, problems with its extension elements out: one walk, rules from validate/ext/.

Each module under ``validate/ext/`` describes one vocabulary as a table of element → Rule
(how its text and attributes are checked, whether it may repeat). This engine walks the tree
once, looks each namespaced element up and applies its rule; a vocabulary marked complete
also gets ``unknown-element`` for names it does not define. Levels follow the W3C Feed
Validation Service: every broken value is an error; deprecated elements are warnings.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from feedpub.validate import pitfalls
from feedpub.validate.common import Element, has_child_elements, name_of, split
from feedpub.validate.dates import parse_rfc822, parse_rfc3339, parse_w3cdtf
from feedpub.validate.languages import language_problem
from feedpub.validate.report import Report
from feedpub.validate.uris import check_uri
from feedpub.validate.urls import is_email, is_mime_type

_FLOAT = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)")
_UNSIGNED = re.compile(r"\d+\.?\d*")
_INTEGER = re.compile(r"[-+]?\d+")
_HEX = re.compile(r"[0-9A-Fa-f]+")
_NPT = re.compile(r"now|\d+(?:\.\d+)?|\d+:\d\d:\d\d(?:\.\d+)?")
_DURATION = re.compile(r"\d+|(?:\d+:)?[0-5]?\d:[0-5]\d")
_INTEGER_LIST = re.compile(r"\d+(?:\s*,\s*\d+)*")

# What a value kind checks → the code a broken value is reported with.
KIND_CODES = {
    "positive-integer": "invalid-positive-integer",
    "non-negative-integer": "invalid-non-negative-integer",
    "integer": "invalid-integer",
    "float": "invalid-float",
    "decimal": "invalid-decimal",
    "true-false": "invalid-true-false",
    "latitude": "invalid-latitude",
    "longitude": "invalid-longitude",
    "integer-list": "invalid-comma-separated-integers",
    "npt-time": "invalid-npt-time",
    "duration": "invalid-duration",
    "email": "invalid-email",
    "mime-type": "invalid-mime-type",
    "language": "invalid-language",
    "enum": "invalid-enumeration",
}
_HINTS = {
    "positive-integer": "a whole number above 0",
    "non-negative-integer": "a whole number, 0 or more",
    "integer": "a whole number",
    "float": "a number like 128 or 29.97",
    "decimal": "a decimal number like -12.5",
    "true-false": "'true' or 'false'",
    "latitude": "a latitude from -90 to 90",
    "longitude": "a longitude from -180 to 180",
    "integer-list": "whole numbers separated by commas, like '1,2,3'",
    "npt-time": "a Normal Play Time like 12.5 or 0:01:30.5",
    "duration": "seconds, MM:SS or HH:MM:SS",
    "email": "an e-mail address",
    "mime-type": "a MIME type like 'video/mp4'",
}


@dataclass(frozen=True)
class Value:
    """How one value (an element's text or an attribute) is checked; ``kind`` names the check."""

    kind: str = "text"  # text, a KIND_CODES key, uri, full-uri, rfc822, rfc3339, w3cdtf
    required: bool = False  # for attributes: must be present
    values: frozenset[str] = frozenset()  # for kind "enum": the allowed values
    fold_case: bool = False  # for kind "enum": compare in lower case


@dataclass(frozen=True)
class Rule:
    """One element of a vocabulary: its text, its attributes, whether it may repeat."""

    text: Value = Value()
    attributes: Mapping[str, Value] = field(default_factory=dict)
    once: bool = False  # at most one per parent element
    container: bool = False  # holds child elements, not text
    deprecated: str = ""  # a warning saying what to use instead
    check: Callable[[Element, Report], None] | None = None  # anything a table cannot say


@dataclass(frozen=True)
class Vocabulary:
    """An extension namespace (or several spellings of it) and its element rules."""

    title: str
    namespaces: tuple[str, ...]
    rules: Mapping[str, Rule]
    complete: bool = False  # every element is listed: report the others as unknown
    global_attributes: Mapping[str, Value] = field(default_factory=dict)


def enum(*values: str, fold_case: bool = False) -> Value:
    return Value("enum", values=frozenset(values), fold_case=fold_case)


def registry(vocabularies: tuple[Vocabulary, ...]) -> dict[str, Vocabulary]:
    return {ns: v for v in vocabularies for ns in v.namespaces}


def check(root: Element, vocabularies: Mapping[str, Vocabulary], report: Report) -> None:
    """Every element (and namespaced attribute) in a known extension namespace.

    lxml picks the elements of the known namespaces (in C), so the cost grows with the
    extension elements a feed has, not with its size.
    """
    seen: set[tuple[Element, str]] = set()
    for el in root.iter(*(f"{{{ns}}}*" for ns in vocabularies)):
        tag = el.tag
        ns, local = split(tag)
        vocab = vocabularies[ns]
        for child in el:
            if isinstance(child.tag, str) and child.tag[0] != "{":
                report.error(
                    "missing-namespace",
                    f"<{child.tag}> inside <{name_of(el)}> is in no namespace; write it with "
                    "the prefix of its vocabulary",
                    child.sourceline,
                )
        rule = vocab.rules.get(local)
        if rule is None:
            if vocab.complete:
                report.error(
                    "unknown-element",
                    f"<{name_of(el)}> is not an element of {vocab.title}; check the "
                    "spelling or remove it",
                    el.sourceline,
                )
            continue
        if rule.once:
            parent = el.getparent()
            if parent is not None:
                if (parent, tag) in seen:
                    report.error(
                        "duplicate-element",
                        f"<{name_of(parent)}> has more than one <{name_of(el)}>; keep one",
                        el.sourceline,
                    )
                    continue
                seen.add((parent, tag))
        _element(el, rule, report)
    for vocab in {id(v): v for v in vocabularies.values()}.values():
        if vocab.global_attributes:
            _global_attributes(root, vocab, report)


def _element(el: Element, rule: Rule, report: Report) -> None:
    where = f"<{name_of(el)}>"
    if rule.deprecated:
        report.warning(
            "deprecated-element", f"{where} is deprecated; {rule.deprecated}", el.sourceline
        )
    for attr, value_rule in rule.attributes.items():
        value = el.get(attr)
        if value is None:
            if value_rule.required:
                report.error(
                    "missing-attribute",
                    f"{where} has no {attr} attribute; add it",
                    el.sourceline,
                )
            continue
        check_value(report, value, value_rule, el.sourceline, f"{where} {attr}")
    if not rule.container and rule.text.kind != "text":
        if has_child_elements(el):
            report.error(
                "unexpected-child-element",
                f"{where} must hold only text; remove the child elements",
                el.sourceline,
            )
        else:
            check_value(report, el.text or "", rule.text, el.sourceline, where)
    if rule.check is not None:
        rule.check(el, report)


def _global_attributes(root: Element, vocab: Vocabulary, report: Report) -> None:
    for ns in vocab.namespaces:
        for attr in root.xpath("//@*[namespace-uri()=$ns]", ns=ns):
            local = split(attr.attrname)[1]
            value_rule = vocab.global_attributes.get(local)
            owner = attr.getparent()
            if value_rule is not None:
                check_value(report, str(attr), value_rule, owner.sourceline, f"{local} attribute")


def check_value(report: Report, raw: str, rule: Value, line: int | None, where: str) -> bool:
    """Report what is wrong with one value; True when it is fine."""
    kind = rule.kind
    value = raw.strip()
    if kind == "text":
        return True
    if kind in ("uri", "full-uri"):
        return check_uri(report, value, line, where, full=kind == "full-uri")
    if kind in ("rfc822", "rfc3339", "w3cdtf"):
        parser = {"rfc822": parse_rfc822, "rfc3339": parse_rfc3339, "w3cdtf": parse_w3cdtf}[kind]
        parsed = parser(value if kind != "rfc822" else raw)
        if parsed.error:
            report.error(parsed.code, f"{where}: {parsed.error}", line)
        elif parsed.warning:
            report.warning(parsed.code, f"{where}: {parsed.warning}", line)
        pitfalls.check_future(report, parsed.value, line, where)
        return not parsed.error
    if kind == "language":
        problem = language_problem(value)
        if problem is not None:
            report.error("invalid-language", f"{where} {problem}", line)
        return problem is None
    if _valid(kind, value, rule):
        return True
    code = KIND_CODES[kind]
    if kind == "enum":
        allowed = ", ".join(repr(v) for v in sorted(rule.values))
        hint = f"one of {allowed}"
    else:
        hint = _HINTS[kind]
    report.error(code, f"{where} {value!r} must be {hint}", line)
    return False


def _valid(kind: str, value: str, rule: Value) -> bool:
    if kind == "enum":
        return (value.lower() if rule.fold_case else value) in rule.values
    if kind == "positive-integer":
        return value.isdigit() and int(value) > 0
    if kind == "non-negative-integer":
        return value.isdigit()
    if kind == "integer":
        return _INTEGER.fullmatch(value) is not None
    if kind == "float":
        # Media RSS gives no unit syntax; like the W3C validator, a leading number suffices.
        return _UNSIGNED.match(value) is not None
    if kind == "decimal":
        return _FLOAT.fullmatch(value) is not None
    if kind == "true-false":
        return value.lower() in ("true", "false")
    if kind in ("latitude", "longitude"):
        limit = 90 if kind == "latitude" else 180
        return _FLOAT.fullmatch(value) is not None and -limit <= float(value) <= limit
    if kind == "integer-list":
        return _INTEGER_LIST.fullmatch(value) is not None
    if kind == "npt-time":
        return _NPT.fullmatch(value) is not None
    if kind == "duration":
        return _DURATION.fullmatch(value) is not None
    if kind == "email":
        return is_email(value)
    if kind == "mime-type":
        return is_mime_type(value)
    raise ValueError(f"unknown value kind {kind!r}")


def is_hex(value: str) -> bool:
    return _HEX.fullmatch(value) is not None

"""The fast constructor gives exactly what PyYAML's safe constructor gives, or leaves it to it."""

from __future__ import annotations

import math
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from feedpub import yamlfile

REPO = Path(__file__).resolve().parents[2]

SCALARS = (
    "yes", "no", "Yes", "NO", "on", "off", "On", "OFF", "true", "False", "y", "n", "Y",
    "1:30", "-1:30:15", "1:30.5", "190:20:30", "012", "08", "0o17", "0x1F", "-0x1f", "0b101",
    "1_000", "+12", "-0", "0", "1e3", "1.0e3", "1.0e+3", "6.8523015e+5", ".5", "1.", "-1.5_0",
    ".inf", "-.Inf", "+.INF", ".NaN", "~", "null", "Null", "NULL", "", "'yes'", '"on"',
    "2025-05-17", "2025-05-17T18:00:00+03:00", "2025-05-17T18:00:00Z", "2025-05-17 18:00:00",
    "2025-05-18 09:30", "2001-12-14t21:59:43.10-05:00", "2001-12-14 21:59:43.1234567 -5",
    "2025-5-7", "2025-13-45", "2025-02-30T10:00:00Z", "12:30:00", "!!str 123", "!!float 1",
    "!!int '7'", "!!bool yes", "!!null ''", "!!binary aGVsbG8=", "[a, b, {c: d}]", "{yes: no}",
    "a #b", "'a''b'", '"\\x41\\u00e9\\t"', "|\n  line\n  two\n", ">-\n  folded\n  text\n",
    "- a\n- b", "=", "<<", "!!set {a, b}", "!!omap [a: 1, b: 2]", "?", "'2025-05-17'",
)  # fmt: skip

DOCUMENTS = (
    "base: &b {x: 1, y: 2}\nderived:\n  <<: *b\n  y: 3\n",
    "a: &x [1, 2]\nb: *x\n",
    "1: int key\nyes: bool key\n~: null key\n2025-01-01: date key\n3.5: float key\n",
    "list:\n- a\n-   - nested\n- {k: v}\n",
    'tabs: "a\\tb"\nunicode: “quoted” — dash\n',
    "? [complex, key]\n: value\n",
    "outer:\n  <<: [{a: 1}, {b: 2}]\n  c: 3\n",
    "recursive: &r\n  self: *r\n",
    "!!map {a: 1}\n",
    "--- !!str\ntext\n",
    "= : value key\n",
    "x: !custom 1\n",
    "1: a\n01: b\n",
    "yes: a\ntrue: b\n",
)


def same(a: Any, b: Any, seen: set[tuple[int, int]] | None = None) -> bool:
    """Equal values of exactly the same types (True is not 1; time offsets must match)."""
    if type(a) is not type(b):
        return False
    seen = set() if seen is None else seen
    if isinstance(a, dict | list):
        if (id(a), id(b)) in seen:  # a recursive structure, compared already
            return True
        seen.add((id(a), id(b)))
    if isinstance(a, dict):
        return len(a) == len(b) and all(
            same(ka, kb, seen) and same(va, vb, seen)
            for (ka, va), (kb, vb) in zip(a.items(), b.items(), strict=True)
        )
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y, seen) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    if isinstance(a, datetime):
        return a == b and a.utcoffset() == b.utcoffset()
    if isinstance(a, date):
        return a == b
    return bool(a == b)


def reference(text: str) -> tuple[str, Any]:
    """What PyYAML's own constructor makes of ``text`` with feedpub's loader (or its error)."""
    try:
        node = yaml.compose(text, Loader=yamlfile.SafeLoader)
    except yaml.YAMLError as exc:
        return "error", type(exc).__name__
    if node is not None and yamlfile.duplicate_keys(node):
        return "error", "YamlSyntaxError"
    try:
        return "ok", yaml.load(text, Loader=yamlfile.SafeLoader)
    except (yaml.YAMLError, ValueError) as exc:
        return "error", type(exc).__name__


def fast(text: str) -> tuple[str, Any]:
    try:
        return "ok", yamlfile.parse(text)
    except yamlfile.YamlSyntaxError as exc:
        return "error", "YamlSyntaxError" if "duplicate key" in exc.message else "YAMLError"


def check(text: str) -> None:
    expected, got = reference(text), fast(text)
    if expected[0] == "error":
        assert got[0] == "error", text
        return
    assert got[0] == "ok" and same(got[1], expected[1]), (text, got, expected)
    try:
        safe = yaml.safe_load(text)
    except ValueError:  # an impossible date: PyYAML raises, feedpub keeps the text
        return
    assert same(got[1], safe), (text, got[1], safe)


@pytest.mark.parametrize("scalar", SCALARS)
def test_yaml_1_1_scalars_as_values_keys_and_items(scalar: str) -> None:
    inline = scalar.replace("\n", "\n  ")
    check(f"value: {inline}\n")
    check(f"list:\n  - {scalar.replace(chr(10), chr(10) + '    ')}\n")
    if "\n" not in scalar and not scalar.startswith(("-", "?", "!", "[", "{", "|", ">")):
        check(f"{scalar}: key\n")
    check(scalar)


@pytest.mark.parametrize("text", DOCUMENTS)
def test_documents_with_anchors_merges_and_tags(text: str) -> None:
    check(text)


def test_aliases_give_the_same_object() -> None:
    data = yamlfile.parse("a: &x [1, 2]\nb: *x\n")
    assert data == {"a": [1, 2], "b": [1, 2]} and data["a"] is data["b"]


def test_every_sample_and_generated_entry(tmp_path: Path) -> None:
    from bench.generate import generate

    generate(tmp_path, 150)
    files = [*REPO.glob("entries/**/*.yaml"), *REPO.glob("feeds/*.yaml"), REPO / "feedpub.yaml"]
    files += sorted(tmp_path.rglob("*.yaml"))
    assert len(files) > 150
    for path in files:
        check(path.read_text(encoding="utf-8"))


def test_errors_keep_their_position() -> None:
    with pytest.raises(yamlfile.YamlSyntaxError) as caught:
        yamlfile.parse("title: a\ntitle: b\n")
    assert (caught.value.line, caught.value.column) == (2, 1)
    assert caught.value.message == "duplicate key 'title' (first at line 1)"
    with pytest.raises(yamlfile.YamlSyntaxError) as caught:
        yamlfile.parse("tags: [a\nsummary: x\n")
    assert caught.value.line is not None and caught.value.column is not None


PIECES = st.sampled_from([s for s in SCALARS if "\n" not in s and not s.startswith("!!")])
WORDS = st.text(alphabet="abcyesnoONtrue0123456789:.-+_eE ~'\"", max_size=12)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.one_of(PIECES, WORDS), st.one_of(PIECES, WORDS)), max_size=6))
def test_any_mapping_of_scalars(pairs: list[tuple[str, str]]) -> None:
    lines = [f"{key}: {value}" for key, value in pairs]
    check("\n".join(lines) + "\n")
    check("{" + ", ".join(lines) + "}")
    check("\n".join(f"- {value}" for _key, value in pairs) + "\n")

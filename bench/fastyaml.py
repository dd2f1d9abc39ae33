"""A publication root in, a verdict out: does yaml-rs parse exactly as PyYAML's safe loader, and how fast?

The candidate fast path for the stretch target. It may replace libyaml only if it gives the same
data, with the same types, on every entry file and on YAML 1.1's corner cases (yes/no/on/off,
sexagesimals, octals, dates); errors always fall back to PyYAML for ``file:line:col``. Run it with
an interpreter that has both ``yaml_rs`` and PyYAML:
``python bench/fastyaml.py ROOT`` (exit 0: identical everywhere, 1: differences, listed).
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml

# What YAML 1.1 (PyYAML's safe loader) makes of these, each a one-key document.
CORNER_CASES = (
    "yes",
    "no",
    "Yes",
    "NO",
    "on",
    "off",
    "On",
    "OFF",
    "true",
    "False",
    "y",
    "n",
    "1:30",
    "-1:30:15",
    "1:30.5",
    "190:20:30",
    "012",
    "08",
    "0o17",
    "0x1F",
    "0b101",
    "1_000",
    "+12",
    "-0",
    "1e3",
    "1.0e3",
    "1.0e+3",
    "6.8523015e+5",
    ".5",
    "1.",
    ".inf",
    "-.Inf",
    ".NaN",
    "~",
    "null",
    "Null",
    "",
    "'yes'",
    '"on"',
    "2025-05-17",
    "2025-05-17T18:00:00+03:00",
    "2025-05-17T18:00:00Z",
    "2025-05-17 18:00:00",
    "2025-05-18 09:30",
    "2001-12-14t21:59:43.10-05:00",
    "2025-5-7",
    "2025-13-45",
    "12:30:00",
    "!!str 123",
    "!!float 1",
    "[a, b, {c: d}]",
    "{yes: no}",
    "a #b",
    "'a''b'",
    '"\\x41\\u00e9\\t"',
    "|\n  line\n  two\n",
    ">-\n  folded\n  text\n",
)
DOCUMENTS = (
    "base: &b {x: 1, y: 2}\nderived:\n  <<: *b\n  y: 3\n",
    "1: int key\nyes: bool key\n~: null key\n2025-01-01: date key\n",
    "list:\n- a\n-   - nested\n- {k: v}\n",
    'tabs: "a\\tb"\nunicode: “quoted” — dash\n',
)


def same(a: Any, b: Any) -> bool:
    """Equal values of exactly the same types (True is not 1; offsets of aware times must match)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return len(a) == len(b) and all(
            same(ka, kb) and same(va, vb)
            for (ka, va), (kb, vb) in zip(a.items(), b.items(), strict=True)
        )
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    if isinstance(a, datetime):
        return a == b and a.utcoffset() == b.utcoffset()
    if isinstance(a, date):
        return a == b
    return bool(a == b)


def _reference() -> Any:
    """feedpub's own loader (the safe loader with libyaml) when importable, else plain CSafeLoader."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
    try:
        from feedpub.yamlfile import SafeLoader
    except ImportError:
        return yaml.CSafeLoader
    return SafeLoader


REFERENCE = _reference()


def safe_load(text: str) -> tuple[str, Any]:
    try:
        return "ok", yaml.load(text, Loader=REFERENCE)
    except (yaml.YAMLError, ValueError) as exc:
        return "error", type(exc).__name__


def fast_load(text: str) -> tuple[str, Any]:
    import yaml_rs

    try:
        return "ok", yaml_rs.loads(text)
    except Exception as exc:  # any failure is a difference to report
        return "error", type(exc).__name__


def compare(name: str, text: str, differences: list[str]) -> None:
    expected, got = safe_load(text), fast_load(text)
    if expected[0] == "error" and got[0] == "error":
        return
    if expected[0] != got[0] or not same(expected[1], got[1]):
        differences.append(f"{name}: PyYAML {expected[1]!r}, yaml-rs {got[1]!r}")


def timed(files: list[Path], loader: Any) -> float:
    started = time.perf_counter()
    for path in files:
        loader(path.read_text(encoding="utf-8"))
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", type=Path, help="a publication root (entries/ under it)")
    parser.add_argument(
        "--parse-only",
        action="store_true",
        help="only parse every entry file with yaml-rs (a timed figure, like floor.py)",
    )
    args = parser.parse_args(argv)
    try:
        import yaml_rs  # noqa: F401
    except ImportError:
        print("yaml_rs is not installed for this interpreter", file=sys.stderr)
        return 2
    if args.parse_only:
        for path in sorted((args.root / "entries").rglob("*.yaml")):
            yaml_rs_loads(path.read_text(encoding="utf-8"))
        return 0
    differences: list[str] = []
    for case in CORNER_CASES:
        compare(
            f"value: {case}",
            f"value: {case}\n" if "\n" not in case else f"value: {case}",
            differences,
        )
    for index, document in enumerate(DOCUMENTS):
        compare(f"document {index}", document, differences)
    files = sorted((args.root / "entries").rglob("*.yaml"))
    corpus_differences = 0
    for path in files:
        before = len(differences)
        compare(str(path.relative_to(args.root)), path.read_text(encoding="utf-8"), differences)
        corpus_differences += len(differences) - before
    libyaml = timed(files, lambda text: yaml.load(text, Loader=yaml.CSafeLoader))
    rust = timed(files, yaml_rs_loads)
    print(
        f"{len(files)} entry files: {corpus_differences} differ; "
        f"libyaml {libyaml:.2f} s, yaml-rs {rust:.2f} s ({rust / libyaml:.2f}×)"
    )
    print(
        f"{len(CORNER_CASES) + len(DOCUMENTS)} corner cases: "
        f"{len(differences) - corpus_differences} differ"
    )
    for line in differences[:80]:
        print(f"  {line}")
    return 1 if differences else 0


def yaml_rs_loads(text: str) -> Any:
    import yaml_rs

    return yaml_rs.loads(text)


if __name__ == "__main__":
    raise SystemExit(main())

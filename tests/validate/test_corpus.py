"""Corpus feeds in, exact (level, code, line) findings out: each file states what it must produce."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from feedpub.validate import validate_bytes

CORPUS = Path(__file__).parent / "corpus"
NOW = datetime(2025, 6, 1, tzinfo=UTC)
_EXPECT = re.compile(r"expect:\s*(.*?)\s*-->", re.DOTALL)

Finding = tuple[str, str, int | None]


def expectations(path: Path) -> list[Finding]:
    """``expect: valid`` or ``expect: error code 12; warning code -`` (- means no line)."""
    data = path.read_bytes()
    if path.suffix == ".json":
        spec = json.loads(data)["_expect"]
    else:
        m = _EXPECT.search(data[:600].decode("utf-8", errors="replace"))
        assert m is not None, f"{path.name} does not say what it expects"
        spec = m.group(1)
    if spec == "valid":
        return []
    found: list[Finding] = []
    for part in spec.split(";"):
        level, code, line = part.split()
        found.append((level, code, None if line == "-" else int(line)))
    return sorted(found, key=str)


FILES = sorted(p for p in CORPUS.rglob("*") if p.suffix in (".xml", ".json"))


@pytest.mark.parametrize("path", FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_corpus_file(path: Path) -> None:
    problems = validate_bytes(path.read_bytes(), path.name, now=NOW)
    got = sorted(((p.severity.value, p.code, p.location.line) for p in problems), key=str)
    assert got == expectations(path), "\n".join(str(p) for p in problems)
    for problem in problems:
        assert problem.location.file == path.name
        assert problem.message.strip() and "\n" not in problem.message


def test_corpus_covers_every_format() -> None:
    kinds = {p.parent.name for p in FILES}
    assert {"rss", "atom", "json", "producers"} <= kinds

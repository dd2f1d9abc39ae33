"""Loading refuses what would break or leak once published: duplicate keys, raw control bytes,
URLs the validator would reject, dates feeds cannot hold, ids no file system can store; each
at the entry's path:line:col with exit 2, and nothing around the publication changed."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from feedpub.cli import main
from feedpub.pipeline import build
from tests.conftest import ENTRY, SETTINGS, WritePub
from tests.safety.helpers import around, feedpub

NOW = "2026-01-01T00:00:00Z"
SUMMARY = "feedpub: {n} problem{s} in the publication; nothing was built\n"


@pytest.fixture
def built(write_pub: WritePub) -> Path:
    """A publication built once: its output is what every refused build must leave alone."""
    root = write_pub()
    build(root, now=datetime(2026, 1, 1, tzinfo=UTC))
    return root


def refused(
    root: Path, capsys: pytest.CaptureFixture[str], *problems: str, summary: str | None = None
) -> None:
    """`feedpub build` exits 2 with exactly ``problems`` and changes nothing at all."""
    capsys.readouterr()
    before = around(root)
    code = main(["build", "--force", "--now", NOW, "--root", str(root)])
    out, err = capsys.readouterr()
    n = len(problems)
    if summary is None:
        summary = SUMMARY.format(n=n, s="s" if n != 1 else "")
    assert (code, out, err) == (2, "", "".join(p + "\n" for p in problems) + summary)
    assert around(root) == before  # the old output included


def entry(root: Path, text: str | bytes, name: str = "x.yaml") -> None:
    path = root / "entries" / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")


# --- YAML -----------------------------------------------------------------------------------


def test_duplicate_keys_name_both_lines(built: Path, capsys: pytest.CaptureFixture[str]) -> None:
    entry(
        built,
        "title: First\npublished: 2025-05-01T10:00:00Z\nsummary: One.\nsources:\n  a: https://a.example/\n"
        '  "a": https://b.example/\ntitle: Second\n',
    )
    refused(
        built,
        capsys,
        "entries/x.yaml:6:3: error: duplicate key 'a' (first at line 5)",
        "entries/x.yaml:7:1: error: duplicate key 'title' (first at line 1)",
        summary=SUMMARY.format(n=2, s="s"),
    )


def test_duplicate_keys_in_settings_and_feeds(
    built: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (built / "feeds" / "all.yaml").write_text("title: Everything\nlimit: 5\nlimit: 50\n")
    refused(built, capsys, "feeds/all.yaml:3:1: error: duplicate key 'limit' (first at line 2)")
    (built / "feeds" / "all.yaml").write_text("title: Everything\n")
    (built / "feedpub.yaml").write_text(SETTINGS + "base_url: https://other.example.org/\n")
    refused(
        built,
        capsys,
        "feedpub.yaml:6:1: error: duplicate key 'base_url' (first at line 2)",
        summary="feedpub: feedpub.yaml has problems\n",
    )


def test_merge_keys_are_not_duplicates(built: Path, capsys: pytest.CaptureFixture[str]) -> None:
    entry(
        built,
        "title: A\npublished: 2025-05-01T10:00:00Z\nsummary: One.\n"
        "sections:\n  - &base {heading: H, text: T}\n  - {<<: *base, text: U}\n",
    )
    assert main(["build", "--now", NOW, "--root", str(built)]) == 0, capsys.readouterr().err
    page = (built / "public" / "entries" / "x.html").read_text()
    assert "<p>T</p>" in page and "<p>U</p>" in page


@pytest.mark.parametrize(
    ("raw", "where", "code", "escape"),
    [
        (b"title: An\x01 entry\n", "1:10", "0001", "\\x01"),
        (b"title: A\npublished: 2025-05-01\nsummary: 'x\x7f'\n", "3:12", "007F", "\\x7F"),
        (b"title: A\r\npublished: 2025-05-01\r\nsummary: \x1b[31m\r\n", "3:10", "001B", "\\x1B"),
    ],
)
def test_control_bytes_are_located(
    built: Path, capsys: pytest.CaptureFixture[str], raw: bytes, where: str, code: str, escape: str
) -> None:
    entry(built, raw)
    refused(
        built,
        capsys,
        f"entries/x.yaml:{where}: error: control character U+{code} is not allowed in YAML; "
        f'remove it, or write it as "{escape}" inside double quotes',
    )


def test_a_refused_build_in_a_real_process(built: Path) -> None:
    entry(built, ENTRY + "title: Again\n")
    before = around(built)
    done = feedpub(built, "build", "--force", "--now", NOW)
    assert (done.returncode, done.stdout, done.stderr) == (
        2,
        "",
        "entries/x.yaml:4:1: error: duplicate key 'title' (first at line 1)\n"
        + SUMMARY.format(n=1, s=""),
    )
    assert around(built) == before

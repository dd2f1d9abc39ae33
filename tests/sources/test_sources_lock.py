"""sources.lock round trips and corruption reports; URL normalising; collecting citations."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from feedpub.errors import SourcesError
from feedpub.model import Entry, Source, SourceRecord
from feedpub.sources import collect_citations, dump_lock, load_lock, normalise_url, save_lock

RECORD = SourceRecord(
    url="https://example.org/a",
    status=200,
    state="ok",
    final_url="https://example.org/a",
    title="Ünïcode — title",
    checked="2025-05-17T12:00:00Z",
)


@pytest.mark.parametrize(
    ("written", "normal"),
    [
        ("HTTPS://Example.ORG/Path?Q=1#frag", "https://example.org/Path?Q=1"),
        ("http://example.org:80/a", "http://example.org/a"),
        ("https://example.org:443", "https://example.org/"),
        ("https://example.org:8443/a", "https://example.org:8443/a"),
        ("http://[::1]:80/x", "http://[::1]/x"),
        ("https://user@Example.org/", "https://user@example.org/"),
        ("  https://example.org/a b  ", "https://example.org/a b"),
        ("mailto:Desk@Example.org", "mailto:Desk@Example.org"),
        ("http://example.org:notaport/", "http://example.org:notaport/"),
    ],
)
def test_normalise_url(written: str, normal: str) -> None:
    assert normalise_url(written) == normal
    assert normalise_url(normal) == normal


def test_collect_citations_merges_spellings_and_sorts_ids() -> None:
    when = datetime(2025, 5, 1, tzinfo=UTC)
    entries = [
        Entry(
            "b", "B", when, "entries/b.yaml", sources=(Source("x", "https://Example.org/x#top"),)
        ),
        Entry(
            "a",
            "A",
            when,
            "entries/a.yaml",
            sources=(Source("x", "https://example.org/x"), Source("y", "https://example.org/y")),
        ),
    ]
    assert collect_citations(entries) == {
        "https://Example.org/x#top": ["a", "b"],
        "https://example.org/y": ["a"],
    }


def test_save_and_load_round_trip(tmp_path: Path) -> None:
    lock = tmp_path / "sources.lock"
    other = SourceRecord(url="https://example.org/b", state="dead", error="HTTP 404 Not Found")
    save_lock(lock, {other.url: other, RECORD.url: RECORD})
    assert load_lock(lock) == {RECORD.url: RECORD, other.url: other}
    text = lock.read_text(encoding="utf-8")
    assert text == dump_lock({RECORD.url: RECORD, other.url: other})
    assert text.index("example.org/a") < text.index("example.org/b")
    assert '"title": "Ünïcode — title"' in text  # readable diffs: no \\u escapes
    assert [p.name for p in tmp_path.iterdir()] == ["sources.lock"]  # no temp file left behind


def test_unchanged_lock_is_not_rewritten(tmp_path: Path) -> None:
    lock = tmp_path / "sources.lock"
    save_lock(lock, {RECORD.url: RECORD})
    before = lock.stat().st_mtime_ns
    import os

    os.utime(lock, ns=(before - 10_000_000_000, before - 10_000_000_000))
    save_lock(lock, {RECORD.url: RECORD})
    assert lock.stat().st_mtime_ns == before - 10_000_000_000


def test_missing_lock_is_empty(tmp_path: Path) -> None:
    assert load_lock(tmp_path / "sources.lock") == {}


# Each broken lock states the problem it must produce: (line, column, message).
BROKEN = [
    (
        '{\n  "version": 1,\n  "sources": {\n    "https://x/": {\n  }\n',
        (6, 1, "not valid JSON: Expecting ',' delimiter"),
    ),
    ("[]\n", (1, 1, 'expected an object {"version": 1, "sources": {...}}')),
    ('{\n  "sources": {},\n  "version": 2\n}\n', (3, None, "version: expected 1, found 2")),
    (
        '{\n  "sources": {\n    "https://x/": {\n      "state": "ok",\n      "status": "200"\n    }\n  },\n  "version": 1\n}\n',
        (5, None, 'sources.https://x/.status: expected an integer or null, found "200"'),
    ),
    (
        '{\n  "sources": {\n    "https://x/": {\n      "state": "gone"\n    }\n  },\n  "version": 1\n}\n',
        (
            4,
            None,
            'sources.https://x/.state: expected one of ok, moved, dead, transient, new, found "gone"',
        ),
    ),
    (
        '{\n  "sources": {\n    "https://x/": {\n      "titel": "T"\n    }\n  },\n  "version": 1\n}\n',
        (
            4,
            None,
            "sources.https://x/.titel: expected one of status, state, final_url, title, "
            "description, site_name, canonical, published, language, content_type, etag, "
            "last_modified, checked, error, moved_to, retry_after, found unknown field 'titel'",
        ),
    ),
    (
        '{\n  "sources": {\n    "https://a/": {},\n    "https://x/": 7\n  },\n  "version": 1\n}\n',
        (4, None, "sources.https://x/: expected an object, found 7"),
    ),
]


@pytest.mark.parametrize(("text", "expected"), BROKEN)
def test_corrupt_lock_names_the_line(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    text: str,
    expected: tuple[int, int | None, str],
) -> None:
    monkeypatch.chdir(tmp_path)
    lock = tmp_path / "sources.lock"
    lock.write_text(text, encoding="utf-8")
    with pytest.raises(SourcesError) as caught:
        load_lock(lock)
    [problem] = caught.value.problems
    line, column, message = expected
    assert (problem.location.file, problem.location.line, problem.location.column) == (
        "sources.lock",
        line,
        column,
    )
    assert problem.message == message
    assert caught.value.exit_code == 1


def test_lock_that_is_not_utf8_is_corrupt(tmp_path: Path) -> None:
    lock = tmp_path / "sources.lock"
    lock.write_bytes(b'{"version": 1, "sources": {"\xff": {}}}')
    with pytest.raises(SourcesError) as caught:
        load_lock(lock)
    assert caught.value.problems[0].message.startswith("cannot read it: 'utf-8' codec")


def test_a_build_imports_neither_requests_nor_the_fetcher(sample: Path) -> None:
    """Normalising URLs and reading the lock live low in the import graph, apart from HTTP."""
    import subprocess
    import sys

    script = (
        "import sys\n"
        "from feedpub.cli import main\n"
        f"code = main(['--root', {str(sample)!r}, '-q', 'build'])\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('requests', 'urllib3')"
        " or m in ('feedpub.sources.fetch', 'feedpub.sources.pull'))\n"
        "print(code, loaded)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False, timeout=60
    )
    assert (done.stdout, done.stderr) == ("0 []\n", "")

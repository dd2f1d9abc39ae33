"""Loading refuses what would break or leak once published: duplicate keys, raw control bytes,
URLs the validator would reject, dates feeds cannot hold, ids no file system can store; each
at the entry's path:line:col with exit 2, and nothing around the publication changed."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from feedpub.cli import main
from feedpub.pipeline import build
from tests.conftest import ENTRY, FEED, SETTINGS, WritePub
from tests.safety.helpers import around, feedpub

NOW = "2026-01-01T00:00:00Z"
SUMMARY = "feedpub: {n} problem{s} in the publication; nothing was built\n"


@pytest.fixture(scope="module")
def built_once(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("built") / "pub"
    (root / "feeds").mkdir(parents=True)
    (root / "entries").mkdir()
    (root / "feedpub.yaml").write_text(SETTINGS)
    (root / "feeds" / "all.yaml").write_text(FEED)
    (root / "entries" / "a.yaml").write_text(ENTRY)
    build(root, now=datetime(2026, 1, 1, tzinfo=UTC))
    return root


@pytest.fixture
def built(built_once: Path, tmp_path: Path) -> Path:
    """A publication built once (a copy per test): its output is what every refused build must
    leave alone."""
    root = tmp_path / "pub"
    shutil.copytree(built_once, root, symlinks=True)
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


# --- URLs: the validator's rules, at the entry's line ---------------------------------------

PERCENT = "which is not allowed in a URI; percent-encode it"
NON_ASCII = (
    "contains non-ASCII characters, which RSS links cannot hold; percent-encode them (and write "
    "the host in punycode)"
)
ENTRY_URLS = {
    "source-space": (
        "sources:\n  s: https://example.org/a b\n",
        f"5:6: error: sources.s.url: 'https://example.org/a b' contains ' ', {PERCENT}",
    ),
    "source-mapping-bar": (
        "sources:\n  s:\n    url: https://example.org/a|b\n    title: S\n",
        f"6:10: error: sources.s.url: 'https://example.org/a|b' contains '|', {PERCENT}",
    ),
    "source-port": (
        "sources:\n  s: https://example.org:99999/\n",
        "5:6: error: sources.s.url: 'https://example.org:99999/' has the port '99999'; a port is "
        "a number from 1 to 65535",
    ),
    "author-uri": (
        'author: {name: X, uri: "https://example.org/<x>"}\n',
        f"4:24: error: author.uri: 'https://example.org/<x>' contains '<', {PERCENT}",
    ),
    "authors-uri": (
        "authors:\n  - name: X\n    uri: https://example.org/{x}\n",
        f"6:10: error: authors[0].uri: 'https://example.org/{{x}}' contains '{{', {PERCENT}",
    ),
    "image-space": (
        'image: "https://example.org/i m.png"\n',
        f"4:8: error: image.url: 'https://example.org/i m.png' contains ' ', {PERCENT}",
    ),
    "image-relative-space": (
        "image: {url: img/a b.png, alt: A}\n",
        f"4:14: error: image.url: 'img/a b.png' contains ' ', {PERCENT}",
    ),
    "image-not-ascii": (  # an RSS <enclosure> url is a URI: ASCII only
        "image: https://example.org/ü.png\n",
        f"4:8: error: image.url: 'https://example.org/ü.png' {NON_ASCII}",
    ),
}


@pytest.mark.parametrize("case", ENTRY_URLS)
def test_entry_urls_are_checked_at_load(
    built: Path, capsys: pytest.CaptureFixture[str], case: str
) -> None:
    text, problem = ENTRY_URLS[case]
    entry(built, ENTRY + text)
    refused(built, capsys, f"entries/x.yaml:{problem}")


def test_urls_atom_and_json_feed_accept_still_load(
    built: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Non-ASCII is fine where no RSS link carries the value (IRIs): the gate agrees."""
    entry(
        built,
        ENTRY + "sources:\n  s: https://example.org/ü\nauthor: {name: X, uri: https://例え.jp/ü}\n"
        "image: {url: img/a.png, alt: A}\n",
    )
    (built / "static").mkdir()
    (built / "static" / "img").mkdir()
    (built / "static" / "img" / "a.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    code = main(["build", "--now", NOW, "--root", str(built)])
    assert code == 0, capsys.readouterr().err
    assert "https://例え.jp/ü" in (built / "public" / "all" / "atom.xml").read_text()


FEED_URLS = {
    "hub": (
        "hubs: [https://hub.example.org/a b]\n",
        f"2:8: error: hubs[0]: 'https://hub.example.org/a b' contains ' ', {PERCENT}",
    ),
    "icon": ("icon: i<c>.png\n", f"2:7: error: icon: 'i<c>.png' contains '<', {PERCENT}"),
    "logo-not-ascii": ("logo: logö.png\n", f"2:7: error: logo: 'logö.png' {NON_ASCII}"),
}


@pytest.mark.parametrize("case", FEED_URLS)
def test_feed_urls_are_checked_at_load(
    built: Path, capsys: pytest.CaptureFixture[str], case: str
) -> None:
    text, problem = FEED_URLS[case]
    (built / "feeds" / "all.yaml").write_text("title: Everything\n" + text)
    refused(built, capsys, f"feeds/all.yaml:{problem}")


BASE_URLS = {
    "https://x.example/#top": "must not have a fragment ('#top'): every link is built by "
    "appending a path to it; remove the fragment",
    "https://desk:hunter2@x.example/": "must not hold a user name or password (before '@'): "
    "they would be published in every link; remove them",
    "https://x.example/?token=hunter2": "must not have a query ('?…'): every link is built by "
    "appending a path to it; remove the query",
    "https://x.example:99999/": "'https://x.example:99999/' has the port '99999'; a port is a "
    "number from 1 to 65535",
    "https://x.example/a b/": f"'https://x.example/a b/' contains ' ', {PERCENT}",
    "https://bücher.example/": f"'https://bücher.example/' {NON_ASCII}",
}


@pytest.mark.parametrize("url", BASE_URLS)
def test_base_url_is_checked_at_load(
    built: Path, capsys: pytest.CaptureFixture[str], url: str
) -> None:
    (built / "feedpub.yaml").write_text(
        SETTINGS.replace("https://test.example.org/", f'"{url}"'), encoding="utf-8"
    )
    refused(
        built,
        capsys,
        f"feedpub.yaml:2:11: error: base_url: {BASE_URLS[url]}",
        summary="feedpub: feedpub.yaml has problems\n",
    )


def test_settings_author_uri_is_checked_at_load(
    built: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (built / "feedpub.yaml").write_text(
        SETTINGS.replace("{name: Test Desk}", "{name: Desk, uri: 'https://x.example/a\"b'}")
    )
    refused(
        built,
        capsys,
        f"feedpub.yaml:5:27: error: author.uri: 'https://x.example/a\"b' contains '\"', {PERCENT}",
        summary="feedpub: feedpub.yaml has problems\n",
    )


# --- dates ----------------------------------------------------------------------------------

YEARS = "that RSS (RFC 5322) and Atom (RFC 3339) dates can hold"


@pytest.mark.parametrize(
    ("line", "shown"),
    [
        ("published: 0001-01-01T00:00:00Z", "0001-01-01T00:00:00+00:00"),
        ("published: 0001-01-01", "0001-01-01T00:00:00+00:00"),
        ("published: 1899-12-31T23:00:00-03:00", "1899-12-31T23:00:00-03:00"),  # 1900 in UTC
        ("published: 1900-01-01T01:00:00+03:00", "1900-01-01T01:00:00+03:00"),  # 1899 in UTC
        ("published: 9999-12-31T23:00:00-03:00", "9999-12-31T23:00:00-03:00"),  # 10000 in UTC
    ],
)
def test_dates_feeds_cannot_hold_are_load_errors(
    write_pub: WritePub, capsys: pytest.CaptureFixture[str], line: str, shown: str
) -> None:
    # No `since:`: a year-0001 entry used to make the feed's tag: id invalid at the gate.
    root = write_pub(settings=SETTINGS.replace("since: 2025\n", ""))
    build(root, now=datetime(2026, 1, 1, tzinfo=UTC))
    entry(root, f"title: A\n{line}\nsummary: x\n")
    refused(
        root,
        capsys,
        f"entries/x.yaml:2:12: error: published: {shown} is outside the years 1900–9999 (in its "
        f"own time zone and in UTC) {YEARS}",
    )


def test_updated_is_held_to_the_same_years(built: Path, capsys: pytest.CaptureFixture[str]) -> None:
    entry(built, ENTRY + "updated: 0999-05-01T10:00:00Z\n")
    refused(
        built,
        capsys,
        "entries/x.yaml:4:10: error: updated: 0999-05-01T10:00:00+00:00 is outside the years "
        f"1900–9999 (in its own time zone and in UTC) {YEARS}",
    )


def test_the_first_and_last_years_load(built: Path, capsys: pytest.CaptureFixture[str]) -> None:
    entry(built, "title: Old\npublished: 1900-01-01T00:00:00Z\n", "old.yaml")
    entry(built, "title: Far\npublished: 9999-12-31T23:59:59Z\n", "far.yaml")
    code = main(["build", "--now", NOW, "--root", str(built)])
    assert code == 0, capsys.readouterr().err
    assert "Mon, 01 Jan 1900 00:00:00 +0000" in (built / "public" / "all" / "rss.xml").read_text()


# --- ids ------------------------------------------------------------------------------------

RESERVED = (
    "a file name Windows reserves (CON, PRN, AUX, NUL, COM1–COM9, LPT1–LPT9, with any "
    "extension): the output could not be checked out or synced there"
)


@pytest.mark.parametrize("value", ["CON", "nul", "Lpt1", "com9", "aux.html", "prn.tar.gz"])
def test_reserved_ids_are_errors(
    built: Path, capsys: pytest.CaptureFixture[str], value: str
) -> None:
    entry(built, f"id: {value}\n" + ENTRY)
    refused(
        built, capsys, f"entries/x.yaml:1:5: error: id: {value!r} is {RESERVED}; choose another id"
    )


def test_reserved_file_names_are_errors(built: Path, capsys: pytest.CaptureFixture[str]) -> None:
    entry(built, ENTRY, "LPT3.yaml")
    (built / "feeds" / "con.yaml").write_text("title: Console\n")
    refused(
        built,
        capsys,
        f"feeds/con.yaml:1:1: error: id: the file name gives the id 'con', {RESERVED}; rename "
        "the file or add an id",
        f"entries/LPT3.yaml:1:1: error: id: the file name gives the id 'LPT3', {RESERVED}; "
        "rename the file or add an id",
        summary=SUMMARY.format(n=2, s="s"),
    )


def test_ids_that_only_look_reserved_are_fine(
    built: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    entry(built, "id: console\n" + ENTRY, "a.yaml")
    entry(built, "id: com10\n" + ENTRY.replace("An entry", "B"), "b.yaml")
    entry(built, "id: lpt\n" + ENTRY.replace("An entry", "C"), "c.yaml")
    assert main(["build", "--now", NOW, "--root", str(built)]) == 0, capsys.readouterr().err
    assert (built / "public" / "entries" / "com10.html").is_file()


@pytest.mark.parametrize("line", ["id: ''", "id:", "id: '  '"])
def test_an_empty_id_is_an_error(
    built: Path, capsys: pytest.CaptureFixture[str], line: str
) -> None:
    entry(built, f"{line}\n" + ENTRY)
    column = 5 if line != "id:" else 4
    refused(
        built,
        capsys,
        f"entries/x.yaml:1:{column}: error: id: must not be empty; give an id, or remove the "
        "line to use the file name 'x'",
    )


# --- size -----------------------------------------------------------------------------------


def test_an_entry_file_over_the_size_limit_is_refused_unread(
    built: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    line = b"# " + b"x" * 97 + b"\n"
    entry(built, ENTRY.encode() + line * 50_000)  # 5,000,067 bytes: over the default 5 MB
    refused(
        built,
        capsys,
        "entries/x.yaml: error: the file is 5,000,067 bytes, over the limit of 5,000,000 "
        "(max_entry_bytes in feedpub.yaml); split it or raise the limit",
    )


def test_new_never_writes_an_entry_with_a_reserved_id(built: Path) -> None:
    done = feedpub(built, "new", "Con", "--now", NOW)
    assert done.returncode == 0, done.stderr
    assert (built / "entries" / "2026" / "con-entry.yaml").is_file()
    assert feedpub(built, "build", "--now", NOW).returncode == 0

"""Bad input: every problem in every file, with file:line:col and the exact message; nothing built."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from feedpub.errors import InputError
from feedpub.load import load_publication
from tests.conftest import ENTRY, SETTINGS, WritePub


def problems_of(root: Path) -> list[str]:
    with pytest.raises(InputError) as caught:
        load_publication(root)
    return [str(p) for p in caught.value.problems]


# Each case: an entry file's text → the exact problem lines it must produce.
CASES = {
    "yaml-syntax": (
        "title: A\npublished: 2025-05-01\nsummary: [unclosed\n",
        [
            "entries/x.yaml:4:1: error: invalid YAML: did not find expected ',' or ']' "
            "(while parsing a flow sequence)"
        ],
    ),
    "unknown-field": (
        ENTRY + "titel: typo\n",
        [
            "entries/x.yaml:4:1: error: titel: unknown field (did you mean 'title'?); expected one of: id, "
            "title, published, updated, author, authors, summary, sections, quotes, tags, sources, related, "
            "image, draft, language"
        ],
    ),
    "missing-field": (
        "title: A\n",
        ["entries/x.yaml:1:1: error: missing required field 'published'"],
    ),
    "points-mapping": (
        ENTRY + "sections:\n  - heading: One\n  - heading: Two\n    points:\n      a: b\n",
        [
            "entries/x.yaml:8:7: error: sections[1].points: expected a list of strings, got a mapping"
        ],
    ),
    "bad-date": (
        "title: A\npublished: yesterday\n",
        [
            "entries/x.yaml:2:12: error: published: expected an ISO 8601 date and time such as "
            "2025-05-17T18:00:00+03:00, got 'yesterday'"
        ],
    ),
    "impossible-date": (
        "title: A\npublished: 2025-13-45\n",
        [
            "entries/x.yaml:2:12: error: published: expected an ISO 8601 date and time such as "
            "2025-05-17T18:00:00+03:00, got '2025-13-45'"
        ],
    ),
    "wrong-type": (
        "title: [a, b]\npublished: 2025-05-01\n",
        ["entries/x.yaml:1:8: error: title: expected a string, got a list"],
    ),
    "unknown-source": (
        ENTRY
        + "sections:\n  - heading: H\n    text: As [the UN][un] said.\nsources:\n  unn: https://un.org/\n",
        [
            "entries/x.yaml:6:11: error: sections[0].text: cites unknown source 'un'; expected one of the "
            "entry's sources keys (unn)"
        ],
    ),
    "source-not-url": (
        ENTRY + "sources:\n  un: www.un.org\n",
        [
            "entries/x.yaml:5:7: error: sources.un.url: expected an absolute http(s) URL, got 'www.un.org'"
        ],
    ),
    "unknown-related": (
        ENTRY + "related: [missing-one]\n",
        ["entries/x.yaml:4:11: error: related[0]: unknown entry id 'missing-one'"],
    ),
    "empty-file": ("", ["entries/x.yaml:1:1: error: empty file: expected a mapping of fields"]),
    "not-a-mapping": ("- a\n- b\n", ["entries/x.yaml:1:1: error: expected a mapping, got a list"]),
    "not-utf8": (
        b"title: caf\xe9\npublished: 2025-05-01\n",
        [
            "entries/x.yaml:1:11: error: not UTF-8: byte 0xe9 cannot be decoded; save the file as UTF-8"
        ],
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_entry_reports_exact_problem(write_pub: WritePub, case: str) -> None:
    text, expected = CASES[case]
    root = write_pub(entries={"x.yaml": text})
    assert problems_of(root) == expected


def test_every_problem_in_every_file_in_one_run(write_pub: WritePub) -> None:
    root = write_pub(
        entries={
            "a.yaml": "title: A\npublished: nope\n",
            "b.yaml": ENTRY + "colour: red\n",
            "sub/c.yaml": "title: C\n",
        },
        feeds={"all.yaml": "title: All\nlimit: -1\n"},
    )
    found = problems_of(root)
    assert [line.split(": error: ")[0] for line in found] == [
        "feeds/all.yaml:2:8",
        "entries/a.yaml:2:12",
        "entries/b.yaml:4:1",
        "entries/sub/c.yaml:1:1",
    ]


def test_duplicate_ids_name_both_files(write_pub: WritePub) -> None:
    root = write_pub(entries={"a.yaml": "id: same\n" + ENTRY, "b.yaml": "id: same\n" + ENTRY})
    assert problems_of(root) == [
        "entries/b.yaml:1:5: error: id: duplicate id 'same', also used by entries/a.yaml"
    ]


def test_unreadable_file(write_pub: WritePub) -> None:
    if os.geteuid() == 0:  # root reads any mode: a file over the size limit cannot be read instead
        root = write_pub(settings=SETTINGS + "max_entry_bytes: 100\n")
        target = root / "entries" / "locked.yaml"
        target.write_text(ENTRY + "summary: " + "x" * 200 + "\n")
        [line] = problems_of(root)
        assert line == (
            "entries/locked.yaml: error: the file is 277 bytes, over the limit of 100 "
            "(max_entry_bytes in feedpub.yaml); split it or raise the limit"
        )
        return
    root = write_pub()
    target = root / "entries" / "locked.yaml"
    target.write_text(ENTRY)
    target.chmod(0)
    [line] = problems_of(root)
    assert line.startswith("entries/locked.yaml: error: cannot read file: ")


def test_missing_settings_file(tmp_path: Path) -> None:
    assert problems_of(tmp_path) == [
        f"feedpub.yaml: error: not found in {tmp_path}; run 'feedpub init' to start a publication"
    ]


def test_settings_problems(write_pub: WritePub) -> None:
    root = write_pub(settings="title: T\nbase_url: ftp://x\ntimezone: Mars/Olympus\n")
    assert problems_of(root) == [
        "feedpub.yaml:2:11: error: base_url: expected an absolute http(s) URL, got 'ftp://x'",
        "feedpub.yaml:3:11: error: timezone: unknown time zone 'Mars/Olympus'; expected an IANA name "
        "such as Europe/Berlin",
    ]


def test_naive_times_take_the_configured_zone(mini: Path) -> None:
    pub = load_publication(mini)
    grain = next(e for e in pub.entries if e.id == "grain-deal")
    assert grain.published.isoformat() == "2025-03-18T10:00:00+01:00"
    assert grain.updated is not None and grain.updated.isoformat() == "2025-03-19T08:30:00+01:00"


def test_entries_newest_first_and_ids_default_to_file_name(mini: Path) -> None:
    pub = load_publication(mini)
    assert [e.id for e in pub.entries] == ["future", "talks", "grain-deal", "draft"]


def test_forbidden_xml_characters_are_removed(write_pub: WritePub) -> None:
    root = write_pub(entries={"a.yaml": 'title: "bell\\a and \\x0b tab"\npublished: 2025-05-01\n'})
    [entry] = load_publication(root).entries
    assert entry.title == "bell and  tab"

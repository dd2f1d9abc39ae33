"""The `output:` setting cannot make a build delete what is not feedpub's (real processes, real folders)."""

from __future__ import annotations

from pathlib import Path

import pytest

from feedpub.output import MARKER
from tests.conftest import SETTINGS, WritePub
from tests.safety.helpers import around, feedpub

NOW = "2026-01-01T00:00:00Z"
SUFFIX = (
    ", which the build reads (a build replaces its output folder); expected a folder of its own"
    " such as public"
)


@pytest.mark.parametrize(
    ("output", "message"),
    [
        (
            ".",
            "'.' is the publication root itself; a build replaces its output folder, which would "
            "delete feedpub.yaml, feeds/ and entries/; expected a folder of its own such as public",
        ),
        (
            "..",
            "'..' is {parent}, which holds the publication; a build replaces its output folder, "
            "which would delete the publication; expected a folder of its own such as public",
        ),
        ("entries", "'entries' is the entries/ folder" + SUFFIX),
        ("feeds", "'feeds' is the feeds/ folder" + SUFFIX),
        ("static", "'static' is the static/ folder" + SUFFIX),
        ("templates", "'templates' is the templates/ folder" + SUFFIX),
        ("entries/site", "'entries/site' is inside entries/" + SUFFIX),
        ("./static/../.feedpub", "'./static/../.feedpub' is the .feedpub/ folder" + SUFFIX),
    ],
)
def test_output_that_holds_or_is_an_input_is_refused(
    write_pub: WritePub, output: str, message: str
) -> None:
    root = write_pub(settings=SETTINGS + f"output: {output}\n")
    (root / "static").mkdir()
    (root / "static" / "logo.png").write_bytes(b"png")
    before = around(root)
    done = feedpub(root, "build", "--now", NOW)
    assert done.returncode == 2
    expected = message.format(parent=root.parent)
    assert done.stderr == (
        f"feedpub.yaml:6:9: error: output: {expected}\nfeedpub: feedpub.yaml has problems\n"
    )
    assert around(root) == before


def test_existing_folder_of_someone_else_is_refused_then_replaced_when_asked(
    write_pub: WritePub, tmp_path: Path
) -> None:
    www = tmp_path / "www"
    www.mkdir()
    (www / "notes.txt").write_text("mine")
    root = write_pub(settings=SETTINGS + f"output: {www}\n")
    before = around(root)
    done = feedpub(root, "build", "--now", NOW)
    assert done.returncode == 2
    assert done.stderr == (
        f"feedpub.yaml:6:9: error: output: {www}/ already holds files that feedpub did not "
        f"write (it has no {MARKER} marker), and a build replaces everything in it; choose a "
        "new or empty folder, or run 'feedpub build --replace-output' once to hand this folder "
        "over to feedpub\nfeedpub: the output folder is not feedpub's; nothing was built\n"
    )
    assert around(root) == before  # www/notes.txt included
    done = feedpub(root, "build", "--replace-output", "--now", NOW)
    assert done.returncode == 0, done.stderr
    assert not (www / "notes.txt").exists()
    assert (www / MARKER).is_file() and (www / "all" / "rss.xml").is_file()
    # from now on the folder is feedpub's: later builds need no option
    (root / "entries" / "a.yaml").write_text(
        (root / "entries" / "a.yaml").read_text().replace("An entry", "An edited entry")
    )
    done = feedpub(root, "build", "--now", NOW)
    assert done.returncode == 0, done.stderr
    assert "An edited entry" in (www / "all" / "rss.xml").read_text()


def test_default_output_not_set_is_named(write_pub: WritePub) -> None:
    root = write_pub()
    (root / "public").mkdir()
    (root / "public" / "index.html").write_text("hand-made")
    before = around(root)
    done = feedpub(root, "build", "--now", NOW)
    assert done.returncode == 2
    assert done.stderr.startswith(
        "feedpub.yaml: error: output (not set, so public): public/ already holds files that "
        "feedpub did not write"
    )
    assert around(root) == before


def test_output_that_is_a_file_is_refused_even_with_replace(write_pub: WritePub) -> None:
    root = write_pub(settings=SETTINGS + "output: site\n")
    (root / "site").write_text("a file")
    before = around(root)
    done = feedpub(root, "build", "--replace-output", "--now", NOW)
    assert done.returncode == 2
    assert done.stderr == (
        "feedpub.yaml:6:9: error: output: site/ is a file, not a folder; expected a folder for "
        "the output\nfeedpub: the output folder is not feedpub's; nothing was built\n"
    )
    assert around(root) == before


def test_empty_folder_is_taken(write_pub: WritePub) -> None:
    root = write_pub()
    (root / "public").mkdir()
    done = feedpub(root, "build", "--now", NOW)
    assert done.returncode == 0, done.stderr
    assert (root / "public" / MARKER).is_file()


def test_output_built_before_the_marker_existed_is_adopted(write_pub: WritePub) -> None:
    """A public/ from an older feedpub: no marker, but the build stamp names that folder."""
    root = write_pub()
    assert feedpub(root, "build", "--now", NOW).returncode == 0
    (root / "public" / MARKER).unlink()
    (root / "entries" / "a.yaml").write_text(
        (root / "entries" / "a.yaml").read_text().replace("An entry", "An edited entry")
    )
    done = feedpub(root, "build", "--now", NOW)
    assert done.returncode == 0, done.stderr
    assert (root / "public" / MARKER).is_file()
    assert "An edited entry" in (root / "public" / "all" / "rss.xml").read_text()
    # unchanged output: the marker is added in place, nothing else is touched
    (root / "public" / MARKER).unlink()
    done = feedpub(root, "build", "--force", "--now", NOW)
    assert (done.returncode, done.stdout) == (0, "public/ is up to date (1 entry, 1 feed)\n")
    assert (root / "public" / MARKER).is_file()


def test_marker_is_not_published(write_pub: WritePub, tmp_path: Path) -> None:
    root = write_pub(
        settings=SETTINGS + f"targets:\n  local:\n    url: file://{tmp_path / 'www'}\n"
    )
    assert feedpub(root, "build", "--now", NOW).returncode == 0
    done = feedpub(root, "publish")
    assert done.returncode == 0, done.stderr
    assert not (tmp_path / "www" / MARKER).exists()
    assert (tmp_path / "www" / "index.html").is_file()

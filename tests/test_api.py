"""The library API under the CLI: `import feedpub`, then one call per command, typed results."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import feedpub
from tests.conftest import NOW


def test_every_exported_name_resolves() -> None:
    for name in feedpub.__all__:
        assert getattr(feedpub, name) is not None, name


def test_functions_keep_their_names_after_the_submodules_are_imported() -> None:
    # feedpub.run, .validate and .publish are also submodule names: the API's functions win.
    from feedpub.publish import publish as publish_function
    from feedpub.run import run as run_function
    from feedpub.validate import validate_targets

    assert feedpub.run is run_function
    assert feedpub.validate is validate_targets
    assert feedpub.publish is publish_function
    assert sys.modules["feedpub.run"].run is run_function


def test_import_feedpub_is_cheap() -> None:
    code = "import sys, feedpub; print(sorted(m for m in sys.modules if m.startswith(('feedpub', 'yaml', 'requests', 'jinja2'))))"
    out = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True
    ).stdout
    assert out.strip() == "['feedpub']"


def test_build_validate_pull_publish_and_run_from_python(mini: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    with (mini / "feedpub.yaml").open("a", encoding="utf-8") as settings:
        settings.write(f"targets:\n  local:\n    url: file://{site}\n")

    report = feedpub.pull(mini, now=NOW)
    assert isinstance(report, feedpub.PullReport)

    result = feedpub.build(mini, now=NOW)
    assert isinstance(result, feedpub.BuildResult)
    assert result.entries > 0 and result.changed

    checked = feedpub.validate([], root=mini, now=NOW)
    assert isinstance(checked, feedpub.ValidationRun)
    assert checked.exit_code == 0 and checked.errors == 0

    [published] = feedpub.publish(mini)
    assert isinstance(published, feedpub.PublishReport)
    assert (site / "index.html").read_bytes() == (mini / "public" / "index.html").read_bytes()

    outcome = feedpub.run(mini, pull=False, now=NOW)
    assert isinstance(outcome, feedpub.RunResult)
    assert not outcome.changed  # everything above already happened


def test_bad_input_raises_a_feedpub_error_with_its_file(tmp_path: Path) -> None:
    with pytest.raises(feedpub.FeedpubError) as raised:
        feedpub.build(tmp_path / "nowhere", now=NOW)
    assert "feedpub.yaml" in str(raised.value.problems[0].location.file)


def test_version_read_from_metadata_is_importlib_metadatas() -> None:
    from importlib.metadata import version

    assert feedpub._metadata_version() == version("feedpub") == feedpub.__version__


def test_version_in_doubt_is_left_to_importlib_metadata(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, text in (("feedpub-9.1.dist-info", "Version: 9.1\n"), ("other-1.dist-info", "")):
        (tmp_path / name).mkdir()
        (tmp_path / name / "METADATA").write_text(f"Name: x\n{text}\nVersion: 7\n")
    monkeypatch.setattr("sys.path", [str(tmp_path)])
    assert feedpub._metadata_version() == "9.1"  # the header's, not the body's
    (tmp_path / "FeedPub-9.2.dist-info").mkdir()
    assert feedpub._metadata_version() is None  # two installs in one folder
